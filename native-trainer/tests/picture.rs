//! Opening picture files: every format the trainer lists is read, and each kind of bad file is
//! refused with its own sentence, a decompression bomb before its pixels are allocated.

use std::path::{Path, PathBuf};

use image::{ImageFormat, Rgb, RgbImage};
use native_trainer::data::{Domain, IMAGE_EXTENSIONS};
use native_trainer::picture::{self, PictureError};

/// A 6 × 4 picture with a different colour in every pixel.
fn photo() -> RgbImage {
    RgbImage::from_fn(6, 4, |x, y| Rgb([x as u8 * 40, y as u8 * 60, 200]))
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// PNG's chunk checksum (CRC-32, ISO-HDLC), so the bomb below passes the decoder's checks.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut checked = kind.to_vec();
    checked.extend_from_slice(data);
    out.extend_from_slice(&crc32(&checked).to_be_bytes());
    out
}

/// A 1 KB PNG that declares `side` × `side` RGBA pixels (and holds almost none of them).
fn bomb(side: u32) -> Vec<u8> {
    let mut header = side.to_be_bytes().to_vec();
    header.extend_from_slice(&side.to_be_bytes());
    header.extend_from_slice(&[8, 6, 0, 0, 0]); // 8 bits, RGBA, deflate, no filter, no interlace
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    png.extend(chunk(b"IHDR", &header));
    png.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    png.extend(chunk(b"IEND", &[]));
    png
}

#[test]
fn every_listed_format_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let formats = [
        ("jpg", ImageFormat::Jpeg),
        ("png", ImageFormat::Png),
        ("ppm", ImageFormat::Pnm),
        ("bmp", ImageFormat::Bmp),
        ("tiff", ImageFormat::Tiff),
        ("webp", ImageFormat::WebP),
        ("gif", ImageFormat::Gif),
    ];
    for (extension, format) in formats {
        let path = dir.path().join(format!("photo.{extension}"));
        photo().save_with_format(&path, format).unwrap();
        let read = picture::open(&path, false)
            .unwrap_or_else(|error| panic!("{extension}: {error}"))
            .into_rgb8();
        assert_eq!(read.dimensions(), (6, 4), "{extension}");
        if format != ImageFormat::Jpeg {
            assert_eq!(read, photo(), "{extension} is lossless");
        }
    }
    // The dataset scan lists exactly the extensions that decode.
    for extension in IMAGE_EXTENSIONS {
        assert!(
            ["jpg", "jpeg", "tif", "pgm"].contains(&extension)
                || formats.iter().any(|(listed, _)| *listed == extension),
            "{extension} is listed but not checked here"
        );
    }
    let grey = dir.path().join("grey.pgm");
    image::GrayImage::from_pixel(3, 2, image::Luma([90]))
        .save_with_format(&grey, ImageFormat::Pnm)
        .unwrap();
    assert_eq!(
        picture::open(&grey, false).unwrap().into_rgb8()[(2, 1)],
        Rgb([90, 90, 90])
    );
    assert_eq!(
        Domain::scan(dir.path(), None).unwrap().len(),
        formats.len() + 1
    );
}

#[test]
fn the_contents_decide_the_format_not_the_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("really-a-png.jpg");
    photo().save_with_format(&path, ImageFormat::Png).unwrap();
    assert_eq!(picture::open(&path, false).unwrap().into_rgb8(), photo());
}

#[test]
fn each_bad_file_gets_its_own_sentence() {
    let dir = tempfile::tempdir().unwrap();
    let message = |path: &Path| picture::open(path, false).unwrap_err().to_string();

    let empty = write(dir.path(), "empty.png", b"");
    assert!(matches!(
        picture::open(&empty, false),
        Err(PictureError::Empty)
    ));
    assert_eq!(message(&empty), "the file is empty");

    let notes = write(dir.path(), "notes.jpg", b"shopping: hay, carrots\n");
    assert!(matches!(
        picture::open(&notes, false),
        Err(PictureError::NotAPicture)
    ));
    assert!(
        message(&notes).starts_with("not a picture (this tool reads PNG, JPEG"),
        "{}",
        message(&notes)
    );

    let qoi = write(dir.path(), "photo.qoi", b"qoif\0\0\0\x06\0\0\0\x04\x03\0");
    let unread = |format: &str| {
        format!(
            "a {format} file, which this tool does not read (it reads {})",
            picture::READABLE
        )
    };
    assert_eq!(message(&qoi), unread("QOI"));
    // Formats the image crate does not know at all, named all the same.
    let heic = write(
        dir.path(),
        "IMG_0001.HEIC",
        b"\0\0\0\x18ftypheic\0\0\0\0mif1heic....",
    );
    assert_eq!(message(&heic), unread("HEIC"));
    let cr3 = write(
        dir.path(),
        "IMG_0002.CR3",
        b"\0\0\0\x18ftypcrx \0\0\0\x01crx isom....",
    );
    assert_eq!(message(&cr3), unread("Canon CR3 raw"));
    let pdf = write(dir.path(), "scan.jpg", b"%PDF-1.7\n");
    assert_eq!(message(&pdf), unread("PDF"));

    let mut jpeg = Vec::new();
    RgbImage::from_pixel(64, 64, Rgb([10, 120, 30]))
        .write_to(&mut std::io::Cursor::new(&mut jpeg), ImageFormat::Jpeg)
        .unwrap();
    let cut = write(dir.path(), "cut.jpg", &jpeg[..jpeg.len() / 2]);
    assert!(
        matches!(picture::open(&cut, false), Err(PictureError::Damaged(_))),
        "{}",
        message(&cut)
    );
    assert!(
        message(&cut).starts_with("damaged or cut short ("),
        "{}",
        message(&cut)
    );
    assert!(
        message(&cut).ends_with(')') && !message(&cut).contains('\n'),
        "one line: {:?}",
        message(&cut)
    );

    let missing = dir.path().join("gone.png");
    assert!(
        message(&missing).starts_with("cannot be read ("),
        "{}",
        message(&missing)
    );
}

#[test]
fn a_decompression_bomb_is_refused_before_its_pixels_are_allocated() {
    let dir = tempfile::tempdir().unwrap();
    // 60,000² RGBA is 14.4 GB decoded; decoding it would first allocate that buffer.
    let path = write(dir.path(), "bomb.png", &bomb(60_000));
    match picture::open(&path, false) {
        Err(PictureError::TooLarge {
            width,
            height,
            bytes,
        }) => {
            assert_eq!((width, height, bytes), (60_000, 60_000, 14_400_000_000));
        }
        other => panic!("expected TooLarge, got {other:?}"),
    }
    assert_eq!(
        picture::open(&path, true).unwrap_err().to_string(),
        "60000 × 60000 pixels is too large to open: decoded, it would take 13733 MB, more than the 2048 MB this tool allows"
    );
    // Just under the limit is not refused for its size (this one is then found damaged).
    let side = ((picture::MAX_DECODED_BYTES / 4) as f64).sqrt() as u32;
    let path = write(dir.path(), "large.png", &bomb(side));
    assert!(matches!(
        picture::open(&path, false),
        Err(PictureError::Damaged(_))
    ));
}
