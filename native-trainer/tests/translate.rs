//! `translate` from the command line, as a person runs it: photos and folders through a web model
//! (the PyTorch fixture's), outputs named like the web app's downloads and equal to the native
//! translation, EXIF orientation applied, unreadable photos skipped and named, nothing of the
//! person's overwritten, and every bad input refused with a sentence before anything is written.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{expected, fixture};
use image::codecs::png::PngEncoder;
use image::{ExtendedColorType, ImageEncoder, RgbImage, RgbaImage};

fn translate(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_native-trainer"))
        .arg("translate")
        .args(args)
        .env_remove("RUST_BACKTRACE")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn model() -> String {
    fixture("web").display().to_string()
}

fn arg(path: &Path) -> String {
    path.display().to_string()
}

/// The fixture input with an EXIF orientation of 6 (turn 90° clockwise to show), as a phone writes.
fn write_sideways_png(path: &Path) {
    let image = image::open(fixture("input.png")).unwrap().to_rgb8();
    #[rustfmt::skip]
    let exif = [
        0x49, 0x49, 0x2a, 0x00, 0x08, 0x00, 0x00, 0x00, // little-endian TIFF header, IFD at 8
        0x01, 0x00, // one entry
        0x12, 0x01, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x06, 0x00, 0x00, 0x00, // Orientation = 6
        0x00, 0x00, 0x00, 0x00, // no next IFD
    ];
    let mut encoder = PngEncoder::new(std::fs::File::create(path).unwrap());
    encoder.set_exif_metadata(exif.to_vec()).unwrap();
    encoder
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::Rgb8,
        )
        .unwrap();
}

/// The native translation of the fixture input as 8-bit RGB, rounded as the translator does.
fn expected_pixels() -> RgbImage {
    let planar = expected("expected_G.f32");
    let (w, h) = (48, 40);
    let plane = (w * h) as usize;
    RgbImage::from_fn(w, h, |x, y| {
        let i = (y * w + x) as usize;
        image::Rgb(std::array::from_fn(|c| {
            ((planar[c * plane + i] + 1.0) * 127.5)
                .round()
                .clamp(0.0, 255.0) as u8
        }))
    })
}

fn worst_difference(a: &RgbaImage, b: &RgbImage) -> u8 {
    assert_eq!(a.dimensions(), b.dimensions());
    a.pixels()
        .zip(b.pixels())
        .flat_map(|(p, q)| (0..3).map(move |c| p[c].abs_diff(q[c])))
        .max()
        .unwrap()
}

#[test]
fn translates_photos_and_folders_named_like_the_web_apps_downloads() {
    let root = tempfile::tempdir().unwrap();
    let photos = root.path().join("photos");
    std::fs::create_dir(&photos).unwrap();
    std::fs::copy(fixture("input.png"), photos.join("input.png")).unwrap();
    write_sideways_png(&photos.join("sideways.png"));
    std::fs::write(photos.join("broken.jpg"), b"not a jpeg").unwrap();
    std::fs::write(photos.join("notes.txt"), b"hello").unwrap();
    let out = root.path().join("out");

    let run = translate(&[
        &arg(&photos),
        &arg(&fixture("input.png")), // the same name again, from elsewhere
        "--model",
        &model(),
        "--device",
        "flex",
        "--jobs",
        "3", // finished in any order, named in the order given
        "--out",
        &arg(&out),
    ]);
    let (stdout, stderr) = (text(&run.stdout), text(&run.stderr));
    assert!(run.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("translated 3 photo(s) left → right with 'tiny' on flex"),
        "{stdout}"
    );
    assert!(stdout.contains("skipped 1"), "{stdout}");
    assert!(stdout.contains("ignored 1 file(s)"), "{stdout}");
    assert!(
        stderr.contains("broken.jpg"),
        "the unreadable photo is named: {stderr}"
    );

    let mut names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "input-tiny-a_to_b (2).png",
            "input-tiny-a_to_b.png",
            "sideways-tiny-a_to_b.png"
        ]
    );
    let translated = |name: &str| image::open(out.join(name)).unwrap().to_rgba8();
    for name in ["input-tiny-a_to_b.png", "input-tiny-a_to_b (2).png"] {
        let worst = worst_difference(&translated(name), &expected_pixels());
        assert!(
            worst <= 1,
            "{name}: {worst} levels from the native translation"
        );
    }
    assert_eq!(
        translated("sideways-tiny-a_to_b.png").dimensions(),
        (40, 48),
        "turned upright as its EXIF orientation says before translating"
    );
}

#[test]
fn scales_large_photos_down_exactly_as_the_translator_does() {
    let root = tempfile::tempdir().unwrap();
    // A grey photo: scaled as grey, then made RGBA, it must equal the translator's own path
    // (RGBA first, then scaled).
    let grey = image::open(fixture("input.png")).unwrap().to_luma8();
    let photo = root.path().join("grey.png");
    grey.save(&photo).unwrap();
    let out = root.path().join("out");
    let run = translate(&[
        &arg(&photo),
        "--model",
        &model(),
        "--device",
        "flex",
        "--max-side",
        "24",
        "--out",
        &arg(&out),
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let written = image::open(out.join("grey-tiny-a_to_b.png"))
        .unwrap()
        .to_rgba8();

    let mut translator = unpaired::Translator::new(burn::tensor::Device::flex(), "cpu");
    translator.set_model(common::load_web_model(&fixture("web")));
    translator.set_max_side(24).unwrap();
    let expected = translator
        .translate(
            image::DynamicImage::ImageLuma8(grey).to_rgba8(),
            unpaired::Direction::AToB,
        )
        .unwrap();
    assert_eq!(written.dimensions(), (24, 20));
    assert_eq!(
        written, expected,
        "the same pixels as the library's translator"
    );
}

#[test]
fn never_overwrites_a_photo_being_translated() {
    let root = tempfile::tempdir().unwrap();
    let photos = root.path().join("photos");
    std::fs::create_dir(&photos).unwrap();
    std::fs::copy(fixture("input.png"), photos.join("a.png")).unwrap();
    // A photo that happens to carry the name a.png's translation would get.
    std::fs::copy(fixture("input.png"), photos.join("a-tiny-a_to_b.png")).unwrap();
    let before = std::fs::read(photos.join("a-tiny-a_to_b.png")).unwrap();

    let run = translate(&[
        &arg(&photos),
        "--model",
        &model(),
        "--device",
        "flex",
        "--out",
        &arg(&photos),
    ]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(
        std::fs::read(photos.join("a-tiny-a_to_b.png")).unwrap(),
        before,
        "the photo is untouched"
    );
    assert!(photos.join("a-tiny-a_to_b (2).png").is_file());
    assert!(photos.join("a-tiny-a_to_b-tiny-a_to_b.png").is_file());
}

#[test]
fn a_translation_that_cannot_be_written_stops_with_its_name_and_leaves_no_partial_file() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    // Where the PNG should go there is a folder: the write fails.
    std::fs::create_dir_all(out.join("input-tiny-a_to_b.png")).unwrap();
    let run = translate(&[
        &arg(&fixture("input.png")),
        "--model",
        &model(),
        "--device",
        "flex",
        "--out",
        &arg(&out),
    ]);
    let stderr = text(&run.stderr);
    assert!(!run.status.success());
    assert!(
        stderr.contains("writing") && stderr.contains("input-tiny-a_to_b.png"),
        "{stderr}"
    );
    let left: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        ["input-tiny-a_to_b.png"],
        "only the folder that was there"
    );
}

#[test]
fn takes_the_model_the_index_preselects_or_one_it_names() {
    let root = tempfile::tempdir().unwrap();
    let models = root.path().join("models");
    for name in ["first", "tiny"] {
        let dir = models.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for file in ["manifest.json", "a_to_b.bpk"] {
            std::fs::copy(fixture("web").join(file), dir.join(file)).unwrap();
        }
    }
    // `first` is listed first but its weights are gone: using it would fail.
    std::fs::remove_file(models.join("first/a_to_b.bpk")).unwrap();
    let entry = |name: &str| {
        format!(
            r#"{{"name":"{name}","path":"{name}/manifest.json","domain_a":"left","domain_b":"right","directions":["a_to_b"]}}"#
        )
    };
    std::fs::write(
        models.join("index.json"),
        format!(
            r#"{{"default":"tiny","models":[{},{}]}}"#,
            entry("first"),
            entry("tiny")
        ),
    )
    .unwrap();
    let out = root.path().join("out");
    let input = arg(&fixture("input.png"));
    let common = [
        "--models-dir",
        &arg(&models),
        "--device",
        "flex",
        "--out",
        &arg(&out),
    ];

    let run = translate(&[&[input.as_str()][..], &common].concat());
    assert!(run.status.success(), "the default: {}", text(&run.stderr));
    assert!(out.join("input-tiny-a_to_b.png").is_file());

    let run = translate(&[&[input.as_str(), "--model", "first"][..], &common].concat());
    assert!(!run.status.success());
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("a_to_b weights") && stderr.contains("are missing"),
        "named, and its missing file said: {stderr}"
    );

    let run = translate(&[&[input.as_str(), "--model", "zebra"][..], &common].concat());
    assert!(!run.status.success());
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("no model 'zebra'") && stderr.contains("it lists: first, tiny"),
        "{stderr}"
    );
}

#[test]
fn refuses_bad_inputs_with_a_sentence_and_writes_nothing() {
    let root = tempfile::tempdir().unwrap();
    let out = root.path().join("out");
    let input = arg(&fixture("input.png"));
    let refused = |args: &[&str], says: &str| {
        let mut all = args.to_vec();
        all.extend(["--device", "flex", "--out", out.to_str().unwrap()]);
        let run = translate(&all);
        let stderr = text(&run.stderr);
        assert!(!run.status.success(), "{args:?} was accepted");
        assert!(stderr.contains(says), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    };
    let model = model();
    refused(
        &["no-such-photo.jpg", "--model", &model],
        "no-such-photo.jpg does not exist",
    );
    let empty = root.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    refused(&[&arg(&empty), "--model", &model], "has no images");
    refused(
        &[&input, "--model", &model, "--direction", "b_to_a"],
        "model 'tiny' has no b_to_a generator",
    );
    refused(
        &[&input, "--model", &model, "--direction", "sideways"],
        "unknown direction 'sideways'",
    );
    refused(
        &[&input, "--model", &arg(root.path())],
        "has no readable manifest.json",
    );
    refused(
        &[&input, "--models-dir", &arg(root.path())],
        "no --model given",
    );

    // A weights file that is not the one its manifest describes.
    let cut = root.path().join("cut");
    std::fs::create_dir(&cut).unwrap();
    std::fs::copy(fixture("web/manifest.json"), cut.join("manifest.json")).unwrap();
    let weights = std::fs::read(fixture("web/a_to_b.bpk")).unwrap();
    std::fs::write(cut.join("a_to_b.bpk"), &weights[..1000]).unwrap();
    refused(
        &[&input, "--model", &arg(&cut)],
        "is 1000 bytes but the manifest says",
    );
    let mut flipped = weights.clone();
    flipped[5000] ^= 1;
    std::fs::write(cut.join("a_to_b.bpk"), &flipped).unwrap();
    refused(&[&input, "--model", &arg(&cut)], "SHA-256");

    let broken = root.path().join("broken.png");
    std::fs::write(&broken, b"\x89PNG\r\n\x1a\n cut short").unwrap();
    refused(
        &[&arg(&broken), "--model", &model],
        "none of the 1 photo(s) could be translated",
    );
    let dot = root.path().join("dot.png");
    RgbImage::new(4, 4).save(&dot).unwrap();
    refused(&[&arg(&dot), "--model", &model], "smallest size");

    let written: Vec<PathBuf> = std::fs::read_dir(&out)
        .map(|dir| dir.map(|entry| entry.unwrap().path()).collect())
        .unwrap_or_default();
    assert!(written.is_empty(), "nothing written: {written:?}");
}
