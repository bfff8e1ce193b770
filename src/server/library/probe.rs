//! What a file is: its content hash, its type (from its bytes, never its
//! name), its EXIF facts, and its two renditions (upright, JPEG).
//!
//! Everything here is CPU-bound and synchronous: callers run it on blocking
//! threads.

use std::io::Cursor;

use chrono::NaiveDateTime;
use fast_image_resize::{images::Image, FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::{metadata::Orientation, DynamicImage, ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

use super::Rendition;

/// The largest image decoded, in pixels (a 100-megapixel camera fits).
const MAX_PIXELS: u64 = 120_000_000;
/// The longest side decoded.
const MAX_SIDE: u32 = 30_000;

/// The image types Tagline imports.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MediaType {
    Jpeg,
    Png,
    WebP,
    Gif,
}

impl MediaType {
    pub fn mime(self) -> &'static str {
        match self {
            MediaType::Jpeg => "image/jpeg",
            MediaType::Png => "image/png",
            MediaType::WebP => "image/webp",
            MediaType::Gif => "image/gif",
        }
    }

    /// The file extension an upload of this type is stored with.
    pub fn extension(self) -> &'static str {
        match self {
            MediaType::Jpeg => "jpg",
            MediaType::Png => "png",
            MediaType::WebP => "webp",
            MediaType::Gif => "gif",
        }
    }

    fn format(self) -> ImageFormat {
        match self {
            MediaType::Jpeg => ImageFormat::Jpeg,
            MediaType::Png => ImageFormat::Png,
            MediaType::WebP => ImageFormat::WebP,
            MediaType::Gif => ImageFormat::Gif,
        }
    }
}

/// The type of a file from its first bytes, or `None` when it is not one
/// Tagline imports.
pub fn sniff(bytes: &[u8]) -> Option<MediaType> {
    match image::guess_format(bytes).ok()? {
        ImageFormat::Jpeg => Some(MediaType::Jpeg),
        ImageFormat::Png => Some(MediaType::Png),
        ImageFormat::WebP => Some(MediaType::WebP),
        ImageFormat::Gif => Some(MediaType::Gif),
        _ => None,
    }
}

/// Why a file is not imported, in a sentence the admin or uploader reads.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProbeError {
    #[error("The file is not a JPEG, PNG, WebP or GIF image.")]
    NotAnImage,
    #[error("The image is corrupt or truncated and cannot be read.")]
    Corrupt,
    #[error("The image is too large to import (at most 120 megapixels).")]
    TooLarge,
    #[error("The file could not be read.")]
    Unreadable,
    #[error("The thumbnails could not be written.")]
    Storage,
}

/// The facts of an image file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probed {
    /// SHA-256 of the bytes, hex.
    pub hash: String,
    pub size: u64,
    /// As shown: after the EXIF orientation is applied.
    pub width: u32,
    pub height: u32,
    pub media_type: MediaType,
    /// EXIF DateTimeOriginal (camera local time).
    pub taken_at: Option<NaiveDateTime>,
    pub camera_make: Option<String>,
    pub camera_model: Option<String>,
    /// EXIF orientation, 1 (upright) to 8.
    pub orientation: u16,
}

pub fn hash_bytes(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Reads the facts of an image. With `decode`, the whole image is decoded
/// (which also proves it is readable) and returned, not yet oriented;
/// without, only its header and EXIF are read.
pub fn probe(
    bytes: &[u8],
    hash: String,
    decode: bool,
) -> Result<(Probed, Option<DynamicImage>), ProbeError> {
    let media_type = sniff(bytes).ok_or(ProbeError::NotAnImage)?;
    let exif = Exif::read(bytes);
    if media_type == MediaType::Jpeg && !jpeg_is_complete(bytes) {
        return Err(ProbeError::Corrupt);
    }
    let reader = || {
        let mut reader = ImageReader::with_format(Cursor::new(bytes), media_type.format());
        reader.limits(limits());
        reader
    };
    // The stored size from the header alone, checked before any decoding.
    let (stored_w, stored_h) = reader().into_dimensions().map_err(decode_error)?;
    if u64::from(stored_w) * u64::from(stored_h) > MAX_PIXELS
        || stored_w > MAX_SIDE
        || stored_h > MAX_SIDE
    {
        return Err(ProbeError::TooLarge);
    }
    let image = if !decode {
        None
    } else if media_type == MediaType::Jpeg {
        match decode_jpeg_scaled(bytes, Rendition::Display.max_side()) {
            Some(image) => Some(image),
            None => Some(reader().decode().map_err(decode_error)?),
        }
    } else {
        Some(reader().decode().map_err(decode_error)?)
    };
    let (width, height) = if exif.orientation >= 5 {
        (stored_h, stored_w)
    } else {
        (stored_w, stored_h)
    };
    let probed = Probed {
        hash,
        size: bytes.len() as u64,
        width,
        height,
        media_type,
        taken_at: exif.taken_at,
        camera_make: exif.make,
        camera_model: exif.model,
        orientation: exif.orientation,
    };
    Ok((probed, image))
}

/// A JPEG decoded at the smallest of 1/8, 1/4, 1/2 or full size that still
/// has `max_side` pixels on its longer side: the inverse DCT does the first
/// step of the downscaling, so a 12-megapixel photo costs about a quarter
/// of a full decode in time and memory. `None` when this path cannot do it
/// (16-bit grey, CMYK, a coding it does not know, damage it trips on): the
/// caller then decodes in full, which decides whether the file is corrupt.
fn decode_jpeg_scaled(bytes: &[u8], max_side: u32) -> Option<DynamicImage> {
    use jpeg_decoder::{Decoder, PixelFormat};
    let mut decoder = Decoder::new(Cursor::new(bytes));
    decoder.read_info().ok()?;
    let format = decoder.info()?.pixel_format;
    if !matches!(format, PixelFormat::L8 | PixelFormat::RGB24) {
        return None;
    }
    let side = u16::try_from(max_side).unwrap_or(u16::MAX);
    let (width, height) = decoder.scale(side, side).ok()?;
    let pixels = decoder.decode().ok()?;
    let (w, h) = (u32::from(width), u32::from(height));
    match format {
        PixelFormat::L8 => image::GrayImage::from_raw(w, h, pixels).map(DynamicImage::ImageLuma8),
        _ => image::RgbImage::from_raw(w, h, pixels).map(DynamicImage::ImageRgb8),
    }
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_PIXELS * 4 + 64 * 1024 * 1024);
    limits
}

fn decode_error(err: image::ImageError) -> ProbeError {
    match err {
        image::ImageError::Limits(_) => ProbeError::TooLarge,
        image::ImageError::Unsupported(_) => ProbeError::NotAnImage,
        _ => ProbeError::Corrupt,
    }
}

/// The renditions of a decoded image: resized to fit, oriented upright,
/// flattened onto white, encoded as JPEG.
pub fn render(
    image: &DynamicImage,
    orientation: u16,
) -> Result<Vec<(Rendition, Vec<u8>)>, ProbeError> {
    let orientation =
        Orientation::from_exif(orientation as u8).unwrap_or(Orientation::NoTransforms);
    // Resize first, then turn: the box is square, so the result is the
    // same, and turning 2 megapixels is cheaper than turning 12.
    let mut display = resize(image, Rendition::Display.max_side())?;
    display.apply_orientation(orientation);
    let display = flatten(display);
    let thumb = flatten(resize(&display, Rendition::Thumbnail.max_side())?);
    Ok(vec![
        (Rendition::Display, encode(&display, Rendition::Display)?),
        (Rendition::Thumbnail, encode(&thumb, Rendition::Thumbnail)?),
    ])
}

/// The image scaled to fit in a `max_side` square (never enlarged), as
/// 8-bit RGB, or RGBA when it has transparency.
fn resize(image: &DynamicImage, max_side: u32) -> Result<DynamicImage, ProbeError> {
    let source = if image.color().has_alpha() {
        match image {
            DynamicImage::ImageRgba8(_) => image.clone(),
            other => DynamicImage::ImageRgba8(other.to_rgba8()),
        }
    } else {
        match image {
            DynamicImage::ImageRgb8(_) => image.clone(),
            other => DynamicImage::ImageRgb8(other.to_rgb8()),
        }
    };
    let (w, h) = crate::model::photos::fit(source.width(), source.height(), max_side);
    if (w, h) == (source.width(), source.height()) {
        return Ok(source);
    }
    let pixel_type = if source.color().has_alpha() {
        PixelType::U8x4
    } else {
        PixelType::U8x3
    };
    let mut dst = Image::new(w, h, pixel_type);
    let options = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    Resizer::new()
        .resize(&source, &mut dst, &options)
        .map_err(|_| ProbeError::Corrupt)?;
    let buffer = dst.into_vec();
    let resized = if pixel_type == PixelType::U8x4 {
        image::RgbaImage::from_raw(w, h, buffer).map(DynamicImage::ImageRgba8)
    } else {
        image::RgbImage::from_raw(w, h, buffer).map(DynamicImage::ImageRgb8)
    };
    resized.ok_or(ProbeError::Corrupt)
}

/// RGB, with any transparency composited onto white.
fn flatten(image: DynamicImage) -> DynamicImage {
    match image {
        DynamicImage::ImageRgba8(rgba) => {
            let (w, h) = rgba.dimensions();
            let mut rgb = image::RgbImage::new(w, h);
            for (src, dst) in rgba.pixels().zip(rgb.pixels_mut()) {
                let [r, g, b, a] = src.0;
                let blend = |c: u8| {
                    ((u16::from(c) * u16::from(a) + 255 * (255 - u16::from(a)) + 127) / 255) as u8
                };
                dst.0 = [blend(r), blend(g), blend(b)];
            }
            DynamicImage::ImageRgb8(rgb)
        }
        DynamicImage::ImageRgb8(_) => image,
        other => DynamicImage::ImageRgb8(other.to_rgb8()),
    }
}

fn encode(image: &DynamicImage, kind: Rendition) -> Result<Vec<u8>, ProbeError> {
    let rgb = match image {
        DynamicImage::ImageRgb8(rgb) => std::borrow::Cow::Borrowed(rgb),
        other => std::borrow::Cow::Owned(other.to_rgb8()),
    };
    let (w, h) = rgb.dimensions();
    let (w16, h16) = (
        u16::try_from(w).map_err(|_| ProbeError::TooLarge)?,
        u16::try_from(h).map_err(|_| ProbeError::TooLarge)?,
    );
    let mut out = Vec::with_capacity((w * h / 4) as usize);
    jpeg_encoder::Encoder::new(&mut out, kind.quality())
        .encode(rgb.as_raw(), w16, h16, jpeg_encoder::ColorType::Rgb)
        .map_err(|_| ProbeError::Corrupt)?;
    Ok(out)
}

/// A JPEG is complete when, after its headers and first scan starts, the
/// end-of-image marker follows. Decoders are lenient about a file cut short
/// (they fill the rest with grey), so this is checked on its own.
fn jpeg_is_complete(bytes: &[u8]) -> bool {
    if bytes.len() < 4 || bytes[0] != 0xFF || bytes[1] != 0xD8 {
        return false;
    }
    let mut pos = 2;
    loop {
        // Markers may be padded with any number of 0xFF bytes.
        while bytes.get(pos) == Some(&0xFF) && bytes.get(pos + 1) == Some(&0xFF) {
            pos += 1;
        }
        if bytes.get(pos) != Some(&0xFF) {
            return false;
        }
        let Some(&marker) = bytes.get(pos + 1) else {
            return false;
        };
        pos += 2;
        match marker {
            // Markers without a length.
            0x01 | 0xD0..=0xD7 => continue,
            0xD9 => return false,
            _ => {}
        }
        let Some(len) = bytes
            .get(pos..pos + 2)
            .map(|b| usize::from(u16::from_be_bytes([b[0], b[1]])))
        else {
            return false;
        };
        if len < 2 {
            return false;
        }
        pos += len;
        if pos > bytes.len() {
            return false;
        }
        if marker == 0xDA {
            // Entropy-coded data: 0xFF is always stuffed (FF 00) or a
            // restart/scan marker, so FF D9 can only be the end of image.
            return bytes[pos..].windows(2).any(|w| w == [0xFF, 0xD9]);
        }
    }
}

/// The EXIF facts Tagline keeps.
#[derive(Debug, Default)]
struct Exif {
    taken_at: Option<NaiveDateTime>,
    make: Option<String>,
    model: Option<String>,
    orientation: u16,
}

impl Exif {
    fn read(bytes: &[u8]) -> Exif {
        let mut out = Exif {
            orientation: 1,
            ..Default::default()
        };
        let Ok(exif) = exif::Reader::new().read_from_container(&mut Cursor::new(bytes)) else {
            return out;
        };
        let field = |tag| exif.get_field(tag, exif::In::PRIMARY);
        let text = |tag| {
            field(tag).and_then(|f| match &f.value {
                exif::Value::Ascii(parts) => parts
                    .first()
                    .map(|p| {
                        String::from_utf8_lossy(p)
                            .trim_matches(['\0', ' '])
                            .to_owned()
                    })
                    .filter(|s| !s.is_empty())
                    .map(|s| s.chars().take(128).collect()),
                _ => None,
            })
        };
        out.make = text(exif::Tag::Make);
        out.model = text(exif::Tag::Model);
        out.orientation = field(exif::Tag::Orientation)
            .and_then(|f| f.value.get_uint(0))
            .filter(|o| (1..=8).contains(o))
            .map(|o| o as u16)
            .unwrap_or(1);
        out.taken_at = [exif::Tag::DateTimeOriginal, exif::Tag::DateTime]
            .into_iter()
            .find_map(|tag| {
                let f = field(tag)?;
                let exif::Value::Ascii(parts) = &f.value else {
                    return None;
                };
                let dt = exif::DateTime::from_ascii(parts.first()?).ok()?;
                chrono::NaiveDate::from_ymd_opt(dt.year.into(), dt.month.into(), dt.day.into())?
                    .and_hms_opt(dt.hour.into(), dt.minute.into(), dt.second.into())
            });
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jpeg(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbImage::from_fn(w, h, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Jpeg).unwrap();
        out.into_inner()
    }

    #[test]
    fn big_jpegs_are_decoded_at_a_smaller_scale_that_still_fills_the_display_size() {
        // 1/2 of 3400x2000 is 1700x1000: the smallest scale still >= 1600.
        let image = decode_jpeg_scaled(&jpeg(3400, 2000), 1600).unwrap();
        assert_eq!((image.width(), image.height()), (1700, 1000));
        // Small ones are decoded whole.
        let image = decode_jpeg_scaled(&jpeg(640, 480), 1600).unwrap();
        assert_eq!((image.width(), image.height()), (640, 480));
        // The facts keep the stored size whatever the decode.
        let (probed, image) = probe(&jpeg(3400, 2000), "ab".repeat(32), true).unwrap();
        assert_eq!((probed.width, probed.height), (3400, 2000));
        assert_eq!(image.unwrap().width(), 1700);
    }

    #[test]
    fn types_come_from_content() {
        assert_eq!(sniff(&jpeg(4, 4)), Some(MediaType::Jpeg));
        assert_eq!(sniff(b"GIF89a......"), Some(MediaType::Gif));
        assert_eq!(sniff(b"hello, this is text"), None);
        assert_eq!(sniff(b""), None);
    }

    #[test]
    fn a_cut_jpeg_is_corrupt_and_a_whole_one_is_not() {
        let whole = jpeg(64, 48);
        assert!(jpeg_is_complete(&whole));
        let (probed, image) = probe(&whole, hash_bytes(&whole), true).unwrap();
        assert_eq!((probed.width, probed.height), (64, 48));
        assert!(image.is_some());
        for cut in [whole.len() - 2, whole.len() / 2, 20] {
            assert_eq!(
                probe(&whole[..cut], String::new(), true).unwrap_err(),
                ProbeError::Corrupt,
                "cut at {cut}"
            );
        }
        assert_eq!(
            probe(b"not an image", String::new(), true).unwrap_err(),
            ProbeError::NotAnImage
        );
    }

    #[test]
    fn renditions_fit_their_boxes_and_are_turned_upright() {
        let bytes = jpeg(2000, 1000);
        let (_, image) = probe(&bytes, String::new(), true).unwrap();
        let out = render(&image.unwrap(), 6).unwrap();
        for (kind, jpeg) in out {
            let img = image::load_from_memory(&jpeg).unwrap();
            let side = kind.max_side();
            assert_eq!((img.width(), img.height()), (side / 2, side), "{kind:?}");
        }
    }
}
