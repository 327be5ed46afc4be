//! Opening one picture file, for every command that reads photos (`train`, `test`, `translate`,
//! `eval`): the format told from the file's contents, the decoded size checked against a memory
//! limit before a pixel is allocated, and each failure said as what it means for the person: an
//! empty file, a file that is not a picture, a picture format this tool does not read, a picture
//! too large to open, a damaged or cut-short one.

use std::fs::File;
use std::io::{self, BufReader, Read, Seek, SeekFrom};
use std::path::Path;

use image::error::{ImageFormatHint, UnsupportedErrorKind};
use image::{DynamicImage, ImageDecoder, ImageError, ImageFormat, ImageReader, Limits};

/// The most memory a decoded picture may take: 2 GiB. Far above any camera's photo (a 100 MP
/// 16-bit TIFF decodes to 600 MB), and small enough that a decompression bomb (a small file that
/// declares an enormous picture) is refused with [`PictureError::TooLarge`] instead of exhausting
/// the machine's memory.
pub const MAX_DECODED_BYTES: u64 = 2 << 30;

/// The formats this tool reads, as the error for any other says.
pub const READABLE: &str = "PNG, JPEG, WebP, GIF, BMP, TIFF, PPM/PGM";

/// Why a picture could not be opened: each message reads after "skipping photo.jpg: ".
#[derive(Debug, thiserror::Error)]
pub enum PictureError {
    /// The file could not be read at all (missing, a folder, no permission).
    #[error("cannot be read ({0})")]
    Unreadable(#[source] io::Error),
    /// Zero bytes.
    #[error("the file is empty")]
    Empty,
    /// Its first bytes match no picture format.
    #[error("not a picture (this tool reads {READABLE})")]
    NotAPicture,
    /// A format known by its signature, but not one this tool reads.
    #[error("a {0} file, which this tool does not read (it reads {READABLE})")]
    UnsupportedFormat(String),
    /// Decoding it would take more than [`MAX_DECODED_BYTES`].
    #[error(
        "{width} × {height} pixels is too large to open: decoded, it would take {} MB, more than the {} MB this tool allows",
        .bytes.div_ceil(1 << 20),
        MAX_DECODED_BYTES >> 20
    )]
    TooLarge {
        /// Width the file declares.
        width: u32,
        /// Height the file declares.
        height: u32,
        /// Bytes its decoded pixels would take.
        bytes: u64,
    },
    /// The format is readable, but this file's data is not (damaged, cut short, or a variant the
    /// decoder does not handle): the decoder's own message follows.
    #[error("damaged or cut short ({})", .0.to_string().trim_end())]
    Damaged(#[source] ImageError),
}

/// Decodes the picture at `path`, turned the way its EXIF orientation says when `orient` (as
/// browsers show photos; the reference's training data loader does not turn them).
pub fn open(path: &Path, orient: bool) -> Result<DynamicImage, PictureError> {
    let mut file = File::open(path).map_err(PictureError::Unreadable)?;
    let format = sniff(&mut file)?;
    let mut reader = ImageReader::with_format(BufReader::new(file), format);
    let mut limits = Limits::default();
    limits.max_alloc = Some(MAX_DECODED_BYTES);
    reader.limits(limits);
    let mut decoder = reader.into_decoder().map_err(classify)?;
    let bytes = decoder.total_bytes();
    if bytes > MAX_DECODED_BYTES {
        let (width, height) = decoder.dimensions();
        return Err(PictureError::TooLarge {
            width,
            height,
            bytes,
        });
    }
    let orientation = if orient {
        Some(decoder.orientation().map_err(classify)?)
    } else {
        None
    };
    let mut image = DynamicImage::from_decoder(decoder).map_err(classify)?;
    if let Some(orientation) = orientation {
        image.apply_orientation(orientation);
    }
    Ok(image)
}

/// The file's format from its first bytes (its name is not trusted); the file is rewound.
fn sniff(file: &mut File) -> Result<ImageFormat, PictureError> {
    let mut head = Vec::with_capacity(64);
    file.by_ref()
        .take(64)
        .read_to_end(&mut head)
        .map_err(PictureError::Unreadable)?;
    if head.is_empty() {
        return Err(PictureError::Empty);
    }
    if let Some(name) = foreign_format(&head) {
        return Err(PictureError::UnsupportedFormat(name.to_string()));
    }
    let format = image::guess_format(&head).map_err(|_| PictureError::NotAPicture)?;
    file.seek(SeekFrom::Start(0))
        .map_err(PictureError::Unreadable)?;
    Ok(format)
}

/// Formats people meet that the `image` crate does not know, by their signature (as the web app's
/// `image-header.js` tells them): an iPhone's HEIC, Canon's CR3 raw, Photoshop, JPEG XL, PDF.
fn foreign_format(head: &[u8]) -> Option<&'static str> {
    if head.get(4..8) == Some(b"ftyp".as_slice()) {
        let size = head
            .get(..4)
            .map_or(0, |b| u32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        let end = (size as usize).min(head.len());
        let brands = std::iter::once(8..12)
            .chain((16..end).step_by(4).map(|at| at..at + 4))
            .filter_map(|range| head.get(range));
        let mut heif = false;
        for brand in brands {
            match brand {
                b"avif" | b"avis" => return None, // AVIF: the crate's own (unread without its feature)
                b"heic" | b"heix" | b"hevc" | b"hevx" | b"heim" | b"heis" | b"mif1" | b"msf1" => {
                    heif = true
                }
                b"crx " => return Some("Canon CR3 raw"),
                _ => {}
            }
        }
        return heif.then_some("HEIC");
    }
    if head.starts_with(b"8BPS") {
        return Some("Photoshop (PSD)");
    }
    if head.starts_with(&[0xff, 0x0a]) || head.get(4..12) == Some(b"JXL \r\n\x87\n".as_slice()) {
        return Some("JPEG XL");
    }
    if head.starts_with(b"%PDF-") {
        return Some("PDF");
    }
    None
}

/// The decoder's error as one of ours.
fn classify(error: ImageError) -> PictureError {
    match &error {
        ImageError::Unsupported(unsupported) => match unsupported.kind() {
            UnsupportedErrorKind::Format(ImageFormatHint::Exact(format)) => {
                PictureError::UnsupportedFormat(format_name(format))
            }
            UnsupportedErrorKind::Format(ImageFormatHint::Unknown) => PictureError::NotAPicture,
            _ => PictureError::Damaged(error),
        },
        _ => PictureError::Damaged(error),
    }
}

/// "GIF", "AVIF", "TIFF": a format as people write it.
fn format_name(format: ImageFormat) -> String {
    format
        .extensions_str()
        .first()
        .map_or_else(|| format!("{format:?}"), |ext| ext.to_ascii_uppercase())
}
