//! The photo library over HTTP: rescan, EXIF and renditions, editing under
//! concurrency, search and tags, images, uploads, bad input, path traversal.

use std::{
    collections::{BTreeMap, HashSet},
    path::{Path, PathBuf},
    time::SystemTime,
};

use image::{ImageFormat, Rgb, RgbImage};
use reqwest::{multipart, StatusCode};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use serde_json::{json, Value};
use tagline::{model::Role, server::db::photos as photo_rows};

use crate::helpers::{spawn_app, spawn_app_with, Options, TestApp, ADMIN, ADMIN_PASSWORD};

const STALE: &str = "Photo has been modified since last retrieval";

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

/// A JPEG (or PNG, by extension) whose pixels, and so whose hash, depend on `seed`.
fn write_image(path: &Path, w: u32, h: u32, seed: u32) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    let img = RgbImage::from_fn(w, h, |x, y| {
        Rgb([
            ((x * 7 + seed * 31) % 256) as u8,
            ((y * 5 + seed * 17) % 256) as u8,
            ((x + y + seed * 13) % 256) as u8,
        ])
    });
    let format = if path.extension().is_some_and(|e| e == "png") {
        ImageFormat::Png
    } else {
        ImageFormat::Jpeg
    };
    img.save_with_format(path, format).unwrap();
}

fn copy_fixture(app: &TestApp, name: &str, to: &str) {
    let dest = app.photos_dir().join(to);
    std::fs::create_dir_all(dest.parent().unwrap()).unwrap();
    std::fs::copy(fixture(name), dest).unwrap();
}

async fn admin(app: &TestApp) -> reqwest::Client {
    app.signed_in_client(ADMIN, ADMIN_PASSWORD).await
}

async fn rescan(app: &TestApp, c: &reqwest::Client) -> Value {
    let res = c.post(app.url("/api/rescan")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::OK, "rescan failed");
    res.json().await.unwrap()
}

async fn get_json(app: &TestApp, c: &reqwest::Client, path: &str) -> (StatusCode, Value) {
    let res = c.get(app.url(path)).send().await.unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn photo(app: &TestApp, c: &reqwest::Client, id: &str) -> Value {
    let (status, body) = get_json(app, c, &format!("/api/photos/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

async fn patch(
    app: &TestApp,
    c: &reqwest::Client,
    id: &str,
    description: &str,
    tags: &[&str],
    last_modified: &str,
) -> reqwest::Response {
    c.patch(app.url(&format!("/api/photos/{id}/metadata")))
        .json(&json!({
            "metadata": { "description": description, "tags": tags },
            "last_modified": last_modified,
        }))
        .send()
        .await
        .unwrap()
}

/// Sets description and tags, asserting it worked.
async fn describe(app: &TestApp, c: &reqwest::Client, id: &str, description: &str, tags: &[&str]) {
    let current = photo(app, c, id).await;
    let lm = current["last_modified"].as_str().unwrap();
    let res = patch(app, c, id, description, tags, lm).await;
    assert_eq!(res.status(), StatusCode::OK);
}

fn id_by_key(list: &Value, key: &str) -> String {
    list["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["object_key"] == key)
        .unwrap_or_else(|| panic!("{key} not in {list}"))["id"]
        .as_str()
        .unwrap()
        .to_owned()
}

fn error_keys(report: &Value) -> HashSet<String> {
    report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            assert!(e["detail"].as_str().is_some_and(|d| !d.is_empty()));
            e["object_key"].as_str().unwrap().to_owned()
        })
        .collect()
}

/// Every file under DATA_DIR/renditions with its modification time.
fn renditions(app: &TestApp) -> BTreeMap<PathBuf, SystemTime> {
    let mut out = BTreeMap::new();
    let mut stack = vec![app.data_dir().join("renditions")];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for entry in entries.flatten() {
            let meta = entry.metadata().unwrap();
            if meta.is_dir() {
                stack.push(entry.path());
            } else {
                out.insert(entry.path(), meta.modified().unwrap());
            }
        }
    }
    out
}

#[tokio::test]
async fn rescan_imports_good_files_reports_bad_ones_and_second_rescan_changes_nothing() {
    let app = spawn_app().await;
    let c = admin(&app).await;
    write_image(&app.photos_dir().join("a.jpg"), 120, 80, 1);
    write_image(&app.photos_dir().join("trips/b.png"), 60, 90, 2);
    copy_fixture(&app, "exif-rotated.jpg", "trips/2021/rotated.jpg");
    copy_fixture(&app, "plain.png", "plain.png");
    copy_fixture(&app, "truncated.jpg", "bad/truncated.jpg");
    copy_fixture(&app, "not-an-image.jpg", "bad/not-an-image.jpg");
    std::fs::write(app.photos_dir().join(".hidden.jpg"), b"ignored").unwrap();

    let first = rescan(&app, &c).await;
    assert_eq!(first["imported"].as_array().unwrap().len(), 4, "{first}");
    assert_eq!(
        error_keys(&first),
        HashSet::from([
            "bad/truncated.jpg".to_owned(),
            "bad/not-an-image.jpg".to_owned()
        ])
    );
    let (_, list) = get_json(&app, &c, "/api/photos").await;
    assert_eq!(list["total"], 4);
    let thumbs = renditions(&app);
    assert_eq!(
        thumbs.len(),
        8,
        "a thumbnail and a display size each: {thumbs:?}"
    );

    // Let a rewritten file have a visibly different mtime, were any rewritten.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let second = rescan(&app, &c).await;
    assert_eq!(second["imported"].as_array().unwrap().len(), 0, "{second}");
    assert_eq!(second["skipped"], 4);
    assert_eq!(error_keys(&second).len(), 2);
    assert_eq!(renditions(&app), thumbs, "no rendition was touched");
}

#[tokio::test]
async fn a_moved_file_keeps_its_metadata_and_a_deleted_one_is_marked_missing() {
    let app = spawn_app().await;
    let c = admin(&app).await;
    write_image(&app.photos_dir().join("a.jpg"), 50, 40, 10);
    write_image(&app.photos_dir().join("b.jpg"), 50, 40, 11);
    rescan(&app, &c).await;
    let (_, list) = get_json(&app, &c, "/api/photos").await;
    let a = id_by_key(&list, "a.jpg");
    let b = id_by_key(&list, "b.jpg");
    describe(&app, &c, &a, "Grandma's garden", &["Family", "Garden"]).await;
    describe(&app, &c, &b, "The old car", &["Cars"]).await;

    std::fs::create_dir_all(app.photos_dir().join("moved")).unwrap();
    std::fs::rename(
        app.photos_dir().join("a.jpg"),
        app.photos_dir().join("moved/a2.jpg"),
    )
    .unwrap();
    std::fs::remove_file(app.photos_dir().join("b.jpg")).unwrap();
    let report = rescan(&app, &c).await;
    assert_eq!(report["imported"].as_array().unwrap().len(), 0, "{report}");
    assert_eq!(report["moved"], 1);
    assert_eq!(report["missing"], 1);

    let moved = photo(&app, &c, &a).await;
    assert_eq!(moved["object_key"], "moved/a2.jpg");
    assert_eq!(moved["metadata"]["description"], "Grandma's garden");
    assert_eq!(moved["metadata"]["tags"], json!(["Family", "Garden"]));

    let gone = photo(&app, &c, &b).await;
    assert_eq!(gone["metadata"]["description"], "The old car");
    assert_eq!(gone["metadata"]["tags"], json!(["Cars"]));
    let row = photo_rows::Entity::find_by_id(uuid::Uuid::parse_str(&b).unwrap())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.missing);
    let (_, list) = get_json(&app, &c, "/api/photos").await;
    assert_eq!(list["total"], 1, "the gallery leaves missing photos out");
    for query in ["tag=cars", "q=car", "q=old&tag=Cars"] {
        let (_, found) = get_json(&app, &c, &format!("/api/photos?{query}")).await;
        assert_eq!(
            found["total"], 0,
            "{query} leaves the missing photo out: {found}"
        );
    }
    let (_, tags) = get_json(&app, &c, "/api/tags").await;
    assert!(
        tags["items"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": "Cars", "count": 0})),
        "{tags}"
    );

    // The file comes back: present again, metadata still there.
    write_image(&app.photos_dir().join("back/b.jpg"), 50, 40, 11);
    let report = rescan(&app, &c).await;
    assert_eq!(report["moved"], 1, "{report}");
    let back = photo(&app, &c, &b).await;
    assert_eq!(back["object_key"], "back/b.jpg");
    assert_eq!(back["metadata"]["description"], "The old car");
    for query in ["", "?tag=cars", "?q=car"] {
        let (_, found) = get_json(&app, &c, &format!("/api/photos{query}")).await;
        let want = if query.is_empty() { 2 } else { 1 };
        assert_eq!(
            found["total"], want,
            "{query} finds the photo again: {found}"
        );
    }
}

#[tokio::test]
async fn exif_is_read_and_the_thumbnail_of_a_rotated_photo_is_upright() {
    let app = spawn_app().await;
    let c = admin(&app).await;
    copy_fixture(&app, "exif-rotated.jpg", "rotated.jpg");
    let report = rescan(&app, &c).await;
    let id = report["imported"][0].as_str().unwrap().to_owned();
    let p = photo(&app, &c, &id).await;
    assert_eq!(p["metadata"]["taken_at"], "2021-07-14T09:30:00");
    assert_eq!(p["metadata"]["camera"], "Canon EOS 80D");
    // Stored 64x32 with orientation 6: shown 32 wide, 64 high.
    assert_eq!(p["metadata"]["width"], 32);
    assert_eq!(p["metadata"]["height"], 64);
    let row = photo_rows::Entity::find_by_id(uuid::Uuid::parse_str(&id).unwrap())
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.orientation, 6);

    for kind in ["thumbnail", "display"] {
        let res = c
            .get(app.url(&format!("/api/photos/{id}/{kind}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        assert_eq!(res.headers()["content-type"], "image/jpeg");
        let bytes = res.bytes().await.unwrap();
        let img = image::load_from_memory(&bytes).unwrap().to_rgb8();
        assert!(img.height() > img.width(), "{kind} is upright");
        // Left half red, right half blue, turned 90° clockwise: red on top.
        let top = img.get_pixel(img.width() / 2, img.height() / 8);
        let bottom = img.get_pixel(img.width() / 2, img.height() * 7 / 8);
        assert!(top[0] > 150 && top[2] < 100, "top is red: {top:?}");
        assert!(
            bottom[2] > 150 && bottom[0] < 100,
            "bottom is blue: {bottom:?}"
        );
    }
}

#[tokio::test]
async fn of_fifty_concurrent_edits_of_one_version_exactly_one_wins() {
    let app = spawn_app().await;
    let c = admin(&app).await;
    write_image(&app.photos_dir().join("race.jpg"), 40, 40, 3);
    let report = rescan(&app, &c).await;
    let id = report["imported"][0].as_str().unwrap().to_owned();
    let lm = photo(&app, &c, &id).await["last_modified"]
        .as_str()
        .unwrap()
        .to_owned();

    let mut tasks = Vec::new();
    for i in 0..50 {
        let (c, url, lm) = (
            c.clone(),
            app.url(&format!("/api/photos/{id}/metadata")),
            lm.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let res = c
                .patch(url)
                .json(&json!({
                    "metadata": { "description": format!("writer {i}"), "tags": [format!("t{i}")] },
                    "last_modified": lm,
                }))
                .send()
                .await
                .unwrap();
            let status = res.status();
            (i, status, res.json::<Value>().await.unwrap())
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        let (i, status, body) = task.await.unwrap();
        match status {
            StatusCode::OK => winners.push(i),
            StatusCode::CONFLICT => assert_eq!(body["detail"], STALE),
            other => panic!("writer {i} got {other}: {body}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one edit wins: {winners:?}");
    let stored = photo(&app, &c, &id).await;
    assert_eq!(
        stored["metadata"]["description"],
        format!("writer {}", winners[0])
    );
    assert_eq!(
        stored["metadata"]["tags"],
        json!([format!("t{}", winners[0])])
    );
    assert_ne!(stored["last_modified"], lm);

    // The stale version stays refused, and nothing changes.
    let res = patch(&app, &c, &id, "late", &[], &lm).await;
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(
        photo(&app, &c, &id).await["metadata"]["description"],
        stored["metadata"]["description"]
    );
}

#[tokio::test]
async fn search_and_tag_filters_find_the_right_photos_whatever_the_case() {
    let app = spawn_app().await;
    let c = admin(&app).await;
    for (i, name) in ["p1.jpg", "p2.jpg", "p3.jpg"].iter().enumerate() {
        write_image(&app.photos_dir().join(name), 30, 30, 20 + i as u32);
    }
    rescan(&app, &c).await;
    let (_, list) = get_json(&app, &c, "/api/photos").await;
    let (p1, p2, p3) = (
        id_by_key(&list, "p1.jpg"),
        id_by_key(&list, "p2.jpg"),
        id_by_key(&list, "p3.jpg"),
    );
    describe(&app, &c, &p1, "Sunset at the beach", &["Beach", "Summer"]).await;
    describe(&app, &c, &p2, "Mountain hike", &["BEACH", "Hiking"]).await;
    describe(&app, &c, &p3, "City lights", &["Night"]).await;

    let ids = |v: &Value| -> HashSet<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let cases: Vec<(&str, Vec<&String>)> = vec![
        ("q=sun", vec![&p1]),
        ("q=SUNSET", vec![&p1]),
        ("q=beach", vec![&p1, &p2]),
        ("q=mount", vec![&p2]),
        ("q=sunset%20beach", vec![&p1]),
        ("q=nothing-like-it", vec![]),
        ("tag=beach", vec![&p1, &p2]),
        ("tag=Beach", vec![&p1, &p2]),
        ("tag=beach&tag=hiking", vec![&p2]),
        ("tag=HIKING&tag=beach", vec![&p2]),
        ("tag=night", vec![&p3]),
        ("tag=no-such-tag", vec![]),
        ("tag=beach&q=sunset", vec![&p1]),
    ];
    for (query, expected) in cases {
        let (status, body) = get_json(&app, &c, &format!("/api/photos?{query}")).await;
        assert_eq!(status, StatusCode::OK, "{query}");
        let want: HashSet<String> = expected.into_iter().cloned().collect();
        assert_eq!(ids(&body), want, "{query}");
        assert_eq!(body["total"], want.len(), "{query}");
    }
    // A short prefix that stands for more than a hundred words still works.
    let many: Vec<String> = (0..120).map(|i| format!("zq{i}")).collect();
    describe(
        &app,
        &c,
        &p3,
        &format!("City lights {}", many.join(" ")),
        &["Night"],
    )
    .await;
    for query in ["q=zq", "q=zq1", "q=zq119", "q=zq&tag=night"] {
        let (_, found) = get_json(&app, &c, &format!("/api/photos?{query}")).await;
        assert_eq!(ids(&found), HashSet::from([p3.clone()]), "{query}");
        assert_eq!(found["total"], 1, "{query}");
    }

    // One tag, first spelling kept.
    let (_, tags) = get_json(&app, &c, "/api/tags").await;
    let beach: Vec<&Value> = tags["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["name"].as_str().unwrap().eq_ignore_ascii_case("beach"))
        .collect();
    assert_eq!(beach.len(), 1, "{tags}");
    assert_eq!(beach[0]["name"], "Beach");
    assert_eq!(beach[0]["count"], 2);

    // The gallery page filters the same way.
    let html = c
        .get(app.url("/?tag=BEACH&q=mountain"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(&format!("/api/photos/{p2}/thumbnail")));
    assert!(!html.contains(&format!("/api/photos/{p1}/thumbnail")));
}

#[tokio::test]
async fn the_gallery_pages_by_sixty_with_sized_lazy_thumbnails() {
    let app = spawn_app().await;
    let c = admin(&app).await;
    for i in 0..61 {
        write_image(
            &app.photos_dir().join(format!("g{i:02}.jpg")),
            16,
            12,
            100 + i,
        );
    }
    let report = rescan(&app, &c).await;
    assert_eq!(report["imported"].as_array().unwrap().len(), 61);
    let page1 = c
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(page1.matches("loading=\"lazy\"").count(), 60);
    assert!(page1.contains("61 photos"));
    assert!(page1.contains("width=\"16\"") && page1.contains("height=\"12\""));
    assert!(page1.contains("href=\"/?page=2\""));
    let page2 = c
        .get(app.url("/?page=2"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(page2.matches("loading=\"lazy\"").count(), 1);

    // Empty library: the empty state says what to do.
    let empty = spawn_app().await;
    let c2 = admin(&empty).await;
    let html = c2
        .get(empty.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("No photos yet") && html.contains("rescan"));
}

#[tokio::test]
async fn images_are_served_with_validators_ranges_and_only_to_signed_in_users() {
    let app = spawn_app().await;
    let c = admin(&app).await;
    write_image(&app.photos_dir().join("pic.png"), 500, 300, 7);
    let report = rescan(&app, &c).await;
    let id = report["imported"][0].as_str().unwrap().to_owned();
    let original = std::fs::read(app.photos_dir().join("pic.png")).unwrap();

    for (kind, ctype) in [
        ("image", "image/png"),
        ("display", "image/jpeg"),
        ("thumbnail", "image/jpeg"),
    ] {
        let url = app.url(&format!("/api/photos/{id}/{kind}"));
        let res = c.get(&url).send().await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "{kind}");
        let h = res.headers().clone();
        assert_eq!(h["content-type"], ctype, "{kind}");
        assert_eq!(h["x-content-type-options"], "nosniff");
        assert!(h["cache-control"].to_str().unwrap().starts_with("private"));
        assert!(h.contains_key("last-modified"));
        let etag = h["etag"].to_str().unwrap().to_owned();
        let body = res.bytes().await.unwrap();
        if kind == "image" {
            assert_eq!(&body[..], &original[..]);
        } else {
            let img = image::load_from_memory(&body).unwrap();
            let side = if kind == "thumbnail" { 400 } else { 500 };
            assert_eq!(img.width().max(img.height()), side, "{kind}");
        }
        let again = c
            .get(&url)
            .header("if-none-match", &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(again.status(), StatusCode::NOT_MODIFIED, "{kind}");
        // Nobody signed in: 401, no bytes.
        let anon = reqwest::Client::new().get(&url).send().await.unwrap();
        assert_eq!(anon.status(), StatusCode::UNAUTHORIZED);
        assert!(anon.json::<Value>().await.unwrap()["detail"].is_string());
    }

    let res = c
        .get(app.url(&format!("/api/photos/{id}/image")))
        .header("range", "bytes=0-9")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::PARTIAL_CONTENT);
    assert!(res.headers()["content-range"]
        .to_str()
        .unwrap()
        .starts_with("bytes 0-9/"));
    assert_eq!(&res.bytes().await.unwrap()[..], &original[..10]);
}

#[tokio::test]
async fn path_traversal_never_reads_outside_the_photos_folder() {
    let app = spawn_app().await;
    let c = admin(&app).await;
    std::fs::write(app.data_dir().join("secret.txt"), b"TOP-SECRET").unwrap();
    write_image(&app.data_dir().join("outside.jpg"), 20, 20, 55);
    write_image(&app.photos_dir().join("inside.jpg"), 20, 20, 56);
    #[cfg(unix)]
    std::os::unix::fs::symlink(
        app.data_dir().join("outside.jpg"),
        app.photos_dir().join("link.jpg"),
    )
    .unwrap();

    let report = rescan(&app, &c).await;
    assert_eq!(
        report["imported"].as_array().unwrap().len(),
        1,
        "the symlink out is not imported: {report}"
    );
    let (_, list) = get_json(&app, &c, "/api/photos").await;
    let id = id_by_key(&list, "inside.jpg");

    for path in [
        "/api/photos/..%2F..%2Fsecret.txt/image",
        "/api/photos/%2e%2e%2f%2e%2e%2fsecret.txt/image",
        "/api/photos/..%2fsecret.txt",
        "/api/photos/%2E%2E/thumbnail",
        "/api/photos/....//....//secret.txt/image",
    ] {
        let res = c.get(app.url(path)).send().await.unwrap();
        assert!(res.status().is_client_error(), "{path}: {}", res.status());
        assert!(!res.text().await.unwrap().contains("TOP-SECRET"), "{path}");
    }

    // Even a row whose key was tampered with cannot reach outside the root.
    for key in ["../secret.txt", "/etc/passwd", "link.jpg"] {
        photo_rows::Entity::update_many()
            .col_expr(
                photo_rows::Column::ObjectKey,
                sea_orm::sea_query::Expr::value(key),
            )
            .filter(photo_rows::Column::Id.eq(uuid::Uuid::parse_str(&id).unwrap()))
            .exec(&app.state.db)
            .await
            .unwrap();
        let res = c
            .get(app.url(&format!("/api/photos/{id}/image")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::NOT_FOUND, "{key}");
        let body = res.bytes().await.unwrap();
        assert!(!String::from_utf8_lossy(&body).contains("TOP-SECRET"));
        assert!(!String::from_utf8_lossy(&body).contains("root:"));
    }
}

fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            if e.file_type().unwrap().is_dir() {
                stack.push(e.path());
            } else {
                out.push(e.path());
            }
        }
    }
    out.sort();
    out
}

async fn upload(
    app: &TestApp,
    c: &reqwest::Client,
    name: &str,
    bytes: Vec<u8>,
) -> (StatusCode, Value) {
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(bytes).file_name(name.to_owned()),
    );
    let res = c
        .post(app.url("/api/uploads"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn uploads_import_good_images_and_refuse_the_rest_leaving_nothing_behind() {
    let app = spawn_app_with(Options {
        max_upload_mb: "1",
        ..Default::default()
    })
    .await;
    app.create_user("mia", "mia-password-123", Role::Member)
        .await;
    let c = app.signed_in_client("mia", "mia-password-123").await;
    let src = app.data_dir().join("src.jpg");
    write_image(&src, 64, 48, 77);
    let good = std::fs::read(&src).unwrap();

    let (status, body) = upload(&app, &c, "holiday.jpg", good.clone()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["items"][0]["status"], "imported");
    let id = body["items"][0]["id"].as_str().unwrap().to_owned();
    let p = photo(&app, &c, &id).await;
    let key = p["object_key"].as_str().unwrap();
    let now = chrono::Utc::now();
    assert!(
        key.starts_with(&format!("uploads/{}/", now.format("%Y/%m"))),
        "{key}"
    );
    assert!(key.ends_with(".jpg"));
    let stored = files_under(&app.photos_dir());
    assert_eq!(stored.len(), 1);
    let row = photo_rows::Entity::find()
        .filter(photo_rows::Column::Id.eq(uuid::Uuid::parse_str(&id).unwrap()))
        .one(&app.state.db)
        .await
        .unwrap()
        .unwrap();
    assert!(row.uploaded_by.is_some(), "the uploader is recorded");

    // The same content again: a duplicate, with a link to the photo.
    let (status, body) = upload(&app, &c, "again.jpg", good).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["items"][0]["status"], "duplicate");
    assert_eq!(body["items"][0]["id"], id.as_str());
    assert_eq!(body["items"][0]["url"], format!("/photos/{id}"));

    let mut oversize = vec![0xFF, 0xD8, 0xFF, 0xE0];
    oversize.resize(1024 * 1024 + 512 * 1024, 0x42);
    let refused: Vec<(&str, Vec<u8>, StatusCode)> = vec![
        (
            "notes.jpg",
            b"just some text, not a photo".to_vec(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
        ("empty.jpg", Vec::new(), StatusCode::BAD_REQUEST),
        ("huge.jpg", oversize, StatusCode::PAYLOAD_TOO_LARGE),
        (
            "broken.jpg",
            std::fs::read(fixture("truncated.jpg")).unwrap(),
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ];
    for (name, bytes, want) in refused {
        let (status, body) = upload(&app, &c, name, bytes).await;
        assert_eq!(status, want, "{name}: {body}");
        let detail = body["detail"].as_str().unwrap_or_default();
        assert!(!detail.is_empty(), "{name} has a message: {body}");
        assert_eq!(
            files_under(&app.photos_dir()),
            stored,
            "{name} left nothing behind"
        );
    }
    let (_, list) = get_json(&app, &c, "/api/photos").await;
    assert_eq!(list["total"], 1);

    // Nobody signed in cannot upload.
    let anon = reqwest::Client::new();
    let form = multipart::Form::new().part(
        "file",
        multipart::Part::bytes(vec![1, 2, 3]).file_name("x.jpg"),
    );
    let res = anon
        .post(app.url("/api/uploads"))
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn every_bad_input_gets_its_status_and_a_detail() {
    let app = spawn_app().await;
    let c = admin(&app).await;
    write_image(&app.photos_dir().join("x.jpg"), 20, 20, 90);
    let report = rescan(&app, &c).await;
    let id = report["imported"][0].as_str().unwrap().to_owned();
    let lm = photo(&app, &c, &id).await["last_modified"]
        .as_str()
        .unwrap()
        .to_owned();
    let unknown = uuid::Uuid::new_v4();
    let metadata_url = app.url(&format!("/api/photos/{id}/metadata"));

    let gets: Vec<(String, StatusCode)> = vec![
        (
            "/api/photos/not-a-uuid".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (format!("/api/photos/{unknown}"), StatusCode::NOT_FOUND),
        (
            format!("/api/photos/{unknown}/image"),
            StatusCode::NOT_FOUND,
        ),
        (
            "/api/photos/123/thumbnail".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/photos?limit=0".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/photos?limit=501".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/photos?limit=ten".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            "/api/photos?offset=-1".into(),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            format!("/api/photos?tag={}", "x".repeat(65)),
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
    ];
    for (path, want) in gets {
        let (status, body) = get_json(&app, &c, &path).await;
        assert_eq!(status, want, "{path}: {body}");
        assert!(
            body["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{path}: {body}"
        );
    }
    let (status, body) = get_json(&app, &c, "/api/photos?limit=500&offset=10").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        (
            body["total"].as_u64(),
            body["limit"].as_u64(),
            body["offset"].as_u64()
        ),
        (Some(1), Some(500), Some(10))
    );
    assert_eq!(body["items"], json!([]));

    let raw = |body: String| {
        let c = c.clone();
        let url = metadata_url.clone();
        async move {
            let res = c
                .patch(url)
                .header("content-type", "application/json")
                .body(body)
                .send()
                .await
                .unwrap();
            let status = res.status();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let long = "é".repeat(10_001);
    let many: Vec<String> = (0..51).map(|i| format!("t{i}")).collect();
    let cases: Vec<(String, StatusCode)> = vec![
        ("{not json".into(), StatusCode::BAD_REQUEST),
        (json!({"metadata": {"description": 5}, "last_modified": lm}).to_string(), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"metadata": {"tags": "beach"}, "last_modified": lm}).to_string(), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"metadata": {"description": "x"}}).to_string(), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"last_modified": lm}).to_string(), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"metadata": {"description": long}, "last_modified": lm}).to_string(), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"metadata": {"tags": many}, "last_modified": lm}).to_string(), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"metadata": {"tags": [" "]}, "last_modified": lm}).to_string(), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"metadata": {"tags": ["x".repeat(65)]}, "last_modified": lm}).to_string(), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({"metadata": {"description": "x"}, "last_modified": "2001-01-01T00:00:00.000000Z"}).to_string(), StatusCode::CONFLICT),
        (json!({"metadata": {"description": "x"}, "last_modified": "yesterday"}).to_string(), StatusCode::CONFLICT),
        (format!("{{\"metadata\": {{\"description\": \"{}\"}}, \"last_modified\": \"{lm}\"}}", "a".repeat(3 * 1024 * 1024)), StatusCode::PAYLOAD_TOO_LARGE),
    ];
    for (body, want) in cases {
        let shown: String = body.chars().take(80).collect();
        let (status, answer) = raw(body).await;
        assert_eq!(status, want, "{shown}: {answer}");
        assert!(
            answer["detail"].as_str().is_some_and(|d| !d.is_empty()),
            "{shown}: {answer}"
        );
        if want == StatusCode::CONFLICT {
            assert_eq!(answer["detail"], STALE);
        }
    }
    // None of it changed the photo.
    let after = photo(&app, &c, &id).await;
    assert_eq!(after["last_modified"], lm.as_str());
    assert_eq!(after["metadata"]["description"], "");

    // Unknown photo, missing content type.
    let res = patch(&app, &c, &unknown.to_string(), "x", &[], &lm).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    let res = c.patch(&metadata_url).body("{}").send().await.unwrap();
    assert_eq!(res.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);

    // Nobody signed in, and members, where admins only.
    let anon = reqwest::Client::new();
    for (method, path) in [
        ("GET", "/api/photos".to_owned()),
        ("GET", format!("/api/photos/{id}")),
        ("GET", "/api/tags".into()),
        ("POST", "/api/rescan".into()),
    ] {
        let res = anon
            .request(method.parse().unwrap(), app.url(&path))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::UNAUTHORIZED, "{path}");
    }
    let res = anon
        .patch(&metadata_url)
        .json(&json!({"metadata": {}, "last_modified": lm}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNAUTHORIZED);
    app.create_user("max", "max-password-123", Role::Member)
        .await;
    let member = app.signed_in_client("max", "max-password-123").await;
    let res = member.post(app.url("/api/rescan")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(res.json::<Value>().await.unwrap()["detail"].is_string());
}

#[tokio::test]
async fn only_one_rescan_runs_at_a_time_across_instances() {
    let app = spawn_app().await;
    let c = admin(&app).await;
    // Another instance holds the lock (it lives in Redis, shared by all).
    let redis = fred::clients::Client::new(
        fred::types::config::Config::from_url(crate::helpers::DEFAULT_REDIS).unwrap(),
        None,
        None,
        None,
    );
    fred::interfaces::ClientLike::init(&redis).await.unwrap();
    let key = format!("{}rescan:lock", app.prefix);
    let _: () = fred::interfaces::KeysInterface::set(
        &redis,
        &key,
        "other-instance",
        Some(fred::types::Expiration::EX(30)),
        None,
        false,
    )
    .await
    .unwrap();
    let res = c.post(app.url("/api/rescan")).send().await.unwrap();
    assert_eq!(res.status(), StatusCode::CONFLICT);
    assert_eq!(
        res.json::<Value>().await.unwrap()["detail"],
        "A rescan is already running."
    );

    let _: i64 = fred::interfaces::KeysInterface::del(&redis, &key)
        .await
        .unwrap();
    rescan(&app, &c).await;
    let _ = fred::interfaces::ClientLike::quit(&redis).await;
}

#[tokio::test]
async fn admins_rename_merge_and_delete_tags_members_cannot() {
    let app = spawn_app().await;
    let c = admin(&app).await;
    write_image(&app.photos_dir().join("t1.jpg"), 20, 20, 60);
    write_image(&app.photos_dir().join("t2.jpg"), 20, 20, 61);
    rescan(&app, &c).await;
    let (_, list) = get_json(&app, &c, "/api/photos").await;
    let (t1, t2) = (id_by_key(&list, "t1.jpg"), id_by_key(&list, "t2.jpg"));
    describe(&app, &c, &t1, "", &["Dog", "Park"]).await;
    describe(&app, &c, &t2, "", &["dogs", "Park"]).await;

    let rpc = |c: &reqwest::Client, path: &str, form: Vec<(&str, &str)>| {
        c.post(app.url(path)).form(&form).send()
    };
    app.create_user("ned", "ned-password-123", Role::Member)
        .await;
    let member = app.signed_in_client("ned", "ned-password-123").await;
    let res = rpc(
        &member,
        "/rpc/rename_tag",
        vec![("from", "dog"), ("to", "Hound")],
    )
    .await
    .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // Merge "dogs" into "Dog".
    let res = rpc(&c, "/rpc/rename_tag", vec![("from", "dogs"), ("to", "dog")])
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    assert_eq!(
        photo(&app, &c, &t2).await["metadata"]["tags"],
        json!(["Dog", "Park"])
    );
    // Rename.
    let res = rpc(
        &c,
        "/rpc/rename_tag",
        vec![("from", "park"), ("to", "Parks")],
    )
    .await
    .unwrap();
    assert!(res.status().is_success());
    assert_eq!(
        photo(&app, &c, &t1).await["metadata"]["tags"],
        json!(["Dog", "Parks"])
    );
    let (_, found) = get_json(&app, &c, "/api/photos?q=parks").await;
    assert_eq!(found["total"], 2, "search follows the rename");
    // Delete.
    let res = rpc(&c, "/rpc/delete_tag", vec![("name", "DOG")])
        .await
        .unwrap();
    assert!(res.status().is_success());
    assert_eq!(
        photo(&app, &c, &t1).await["metadata"]["tags"],
        json!(["Parks"])
    );
    let (_, tags) = get_json(&app, &c, "/api/tags").await;
    assert_eq!(tags["items"], json!([{"name": "Parks", "count": 2}]));
}

#[tokio::test]
async fn the_user_page_shows_their_role_uploads_and_recent_edits() {
    let app = spawn_app().await;
    app.create_user("noor", "noor-password-123", Role::Member)
        .await;
    let c = app.signed_in_client("noor", "noor-password-123").await;
    let src = app.data_dir().join("noor.jpg");
    write_image(&src, 48, 32, 91);
    let (status, body) = upload(&app, &c, "noor.jpg", std::fs::read(&src).unwrap()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let id = body["items"][0]["id"].as_str().unwrap().to_owned();
    describe(&app, &c, &id, "Noor's kite", &["Kites"]).await;

    let res = app.get(&c, "/users/noor").await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("<h1>noor</h1>"), "{html}");
    assert!(html.contains("Member"));
    assert!(html.contains("Uploaded photos (1)"));
    assert!(html.contains(&format!("/photos/{id}")));
    assert!(html.contains("Changed the description and tags of a photo"));
    // The admin uploaded nothing and edited nothing.
    let html = app.get(&c, "/users/admin").await.text().await.unwrap();
    assert!(html.contains("Admin") && html.contains("No uploads yet."));
    assert!(!html.contains(&format!("/photos/{id}")));
    // An unknown user is a 404 page, not a 500.
    let res = app.get(&c, "/users/nobody-here").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.unwrap().contains("No such user"));
}
