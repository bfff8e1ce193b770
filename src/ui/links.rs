//! Building the links of the gallery and photo pages (the browser side has
//! no `url` crate, and these few rules are the same on both sides).

/// Percent-encodes a query value.
pub fn encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The `?page=` of a listing: a whole number from 1, else 1.
pub fn page_param(map: &leptos_router::params::ParamsMap) -> u64 {
    map.get("page")
        .and_then(|p| p.parse::<u64>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1)
}

/// Where the gallery is: search, tags (all must match) and page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GalleryState {
    pub q: String,
    pub tags: Vec<String>,
    pub page: u64,
}

impl GalleryState {
    pub fn from_query(map: &leptos_router::params::ParamsMap) -> Self {
        let page = map
            .get("page")
            .and_then(|p| p.trim().parse::<u64>().ok())
            .filter(|p| *p >= 1)
            .unwrap_or(1);
        let tags = map
            .get_all("tag")
            .unwrap_or_default()
            .into_iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty())
            .collect();
        GalleryState {
            q: map.get("q").unwrap_or_default().trim().to_owned(),
            tags,
            page,
        }
    }

    /// `q=..&tag=..&page=..`, leaving out what is empty or the default.
    pub fn query(&self) -> String {
        let mut parts = Vec::new();
        if !self.q.is_empty() {
            parts.push(format!("q={}", encode(&self.q)));
        }
        for t in &self.tags {
            parts.push(format!("tag={}", encode(t)));
        }
        if self.page > 1 {
            parts.push(format!("page={}", self.page));
        }
        parts.join("&")
    }

    fn with_query(path: &str, query: String) -> String {
        if query.is_empty() {
            path.to_owned()
        } else {
            format!("{path}?{query}")
        }
    }

    pub fn gallery_href(&self) -> String {
        Self::with_query("/", self.query())
    }

    pub fn page_href(&self, page: u64) -> String {
        GalleryState {
            page,
            ..self.clone()
        }
        .gallery_href()
    }

    pub fn photo_href(&self, id: &str) -> String {
        Self::with_query(&format!("/photos/{id}"), self.query())
    }

    /// The comma-joined tag list the server functions take.
    pub fn tags_arg(&self) -> String {
        self.tags.join(",")
    }
}

pub fn tag_href(tag: &str) -> String {
    format!("/?tag={}", encode(tag))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_the_gallery_state() {
        let s = GalleryState {
            q: "sun set".into(),
            tags: vec!["a&b".into()],
            page: 2,
        };
        assert_eq!(s.gallery_href(), "/?q=sun%20set&tag=a%26b&page=2");
        assert_eq!(s.page_href(1), "/?q=sun%20set&tag=a%26b");
        assert_eq!(GalleryState::default().photo_href("x"), "/photos/x");
    }
}
