//! `check`: every picture of a dataset opened before training; what cannot be read, what is
//! missing (with the likely fix) and what is changed on the way in, as a report and an exit code.

mod common;

use std::path::Path;
use std::process::Command;

use common::{arg, train_args, write_domains};
use image::{GrayImage, Luma, Rgba, RgbaImage};
use native_trainer::check_data::{self, CheckArgs, CheckReport};

fn check(dataroot: &Path) -> CheckReport {
    check_data::run(&CheckArgs {
        dataroot: dataroot.to_path_buf(),
        crop_size: 256,
        json: false,
        quiet: true,
    })
    .expect("a folder is checked")
}

/// `native-trainer check` as a person runs it: its exit code and what it prints.
fn check_command(args: &[&str]) -> (i32, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_native-trainer"))
        .arg("check")
        .args(args)
        .output()
        .expect("native-trainer runs");
    (
        output.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn a_sound_dataset_is_ready_and_described() {
    let root = tempfile::tempdir().unwrap();
    write_domains(root.path(), "train", 3, 32, 1);
    write_domains(root.path(), "test", 2, 300, 2);
    let report = check(root.path());
    assert!(report.ready(), "{:?}", report.problems);
    let names: Vec<&str> = report.folders.iter().map(|f| f.name.as_str()).collect();
    assert_eq!(names, ["trainA", "trainB", "testA", "testB"]);
    assert_eq!(report.epoch_iterations, Some(3));
    let train_a = &report.folders[0];
    assert_eq!((train_a.pictures, train_a.readable), (3, 3));
    assert_eq!(
        train_a.smaller_than_crop, 3,
        "32 px pictures are scaled up to 286"
    );
    assert_eq!(
        report.folders[2].smaller_than_crop, 0,
        "300 px ones are not"
    );
    assert_eq!(train_a.smallest, Some([32, 32]));

    let (code, out, _) = check_command(&["--dataroot", &arg(root.path()), "--quiet"]);
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("trainA: 3 pictures, all readable; all 32 × 32; 3 smaller than the 256 px crop on a side (scaled up, softer)"), "{out}");
    assert!(
        out.contains("testB: 2 pictures, all readable; all 300 × 300\n"),
        "{out}"
    );
    assert!(
        out.ends_with("ready to train: an epoch is 3 iterations (the larger training folder)\n"),
        "{out}"
    );
}

#[test]
fn unreadable_pictures_are_named_and_conversions_counted() {
    let root = tempfile::tempdir().unwrap();
    write_domains(root.path(), "train", 2, 32, 3);
    let train_a = root.path().join("trainA");
    let train_b = root.path().join("trainB");
    std::fs::write(train_a.join("empty.png"), b"").unwrap();
    std::fs::write(train_a.join("notes.jpg"), b"these are notes, not a photo").unwrap();
    std::fs::write(train_a.join("README.txt"), b"about the data").unwrap();
    GrayImage::from_pixel(40, 20, Luma([90]))
        .save(train_a.join("gray.png"))
        .unwrap();
    RgbaImage::from_pixel(400, 300, Rgba([1, 2, 3, 128]))
        .save(train_b.join("clear.png"))
        .unwrap();
    let mut cut = std::fs::read(train_b.join("000.png")).unwrap();
    cut.truncate(cut.len() / 2);
    std::fs::write(train_b.join("cut.png"), cut).unwrap();

    let report = check(root.path());
    let [a, b] = [&report.folders[0], &report.folders[1]];
    assert_eq!(
        (a.pictures, a.readable, a.other_files, a.grayscale),
        (5, 3, 1, 1)
    );
    assert_eq!((b.pictures, b.readable, b.with_alpha), (4, 3, 1));
    assert_eq!(b.smallest, Some([32, 32]));
    assert_eq!(b.largest, Some([400, 300]));
    let reasons: Vec<(String, &str)> = a
        .unreadable
        .iter()
        .chain(&b.unreadable)
        .map(|bad| {
            (
                bad.file.file_name().unwrap().to_string_lossy().into_owned(),
                bad.reason.as_str(),
            )
        })
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert_eq!(reasons[0], ("empty.png".into(), "the file is empty"));
    assert_eq!(reasons[1].0, "notes.jpg");
    assert!(reasons[1].1.starts_with("not a picture"), "{reasons:?}");
    assert_eq!(reasons[2].0, "cut.png");
    assert!(
        reasons[2].1.starts_with("damaged or cut short"),
        "{reasons:?}"
    );
    assert!(!report.ready());
    assert_eq!(report.problems.len(), 3);
    assert_eq!(
        report.epoch_iterations,
        Some(3),
        "an epoch counts the pictures that open"
    );

    let (code, out, _) = check_command(&["--dataroot", &arg(root.path()), "--quiet"]);
    assert_eq!(code, 1, "a dataset with problems fails the command: {out}");
    assert!(out.contains("trainA: 5 pictures, 2 of them cannot be read (training skips them); from 40 × 20 to 32 × 32;"), "{out}");
    assert!(
        out.contains(
            "1 grayscale (made colour); 1 other file ignored (not pictures by their name)\n"
        ),
        "{out}"
    );
    assert!(out.contains("1 with transparency (dropped)"), "{out}");
    assert!(
        out.contains("testA: not there (only `test` needs it)"),
        "{out}"
    );
    assert!(
        out.contains("3 problems to fix before training:\n"),
        "{out}"
    );
    assert!(
        out.contains(&format!(
            "  - {}: the file is empty\n",
            train_a.join("empty.png").display()
        )),
        "{out}"
    );

    let (code, json, _) = check_command(&["--dataroot", &arg(root.path()), "--json"]);
    assert_eq!(code, 1);
    let parsed: serde_json::Value = serde_json::from_str(json.trim()).expect("one JSON line");
    assert_eq!(
        parsed["folders"][0]["unreadable"].as_array().map(Vec::len),
        Some(2)
    );
    assert_eq!(parsed["problems"].as_array().map(Vec::len), Some(3));
}

#[test]
fn a_misplaced_dataset_gets_the_fix() {
    let root = tempfile::tempdir().unwrap();
    // An archive unpacked into a folder of its own.
    let inner = root.path().join("horse2zebra");
    write_domains(&inner, "train", 1, 32, 4);
    let report = check(root.path());
    let expected = format!(
        "{} has no trainA folder (a dataset holds trainA, trainB, testA and testB): {} has one, so use --dataroot {}",
        root.path().display(),
        inner.display(),
        inner.display()
    );
    assert_eq!(report.problems[0], expected);
    assert_eq!(report.epoch_iterations, None);
    // `train` says the same before anything else.
    let args = train_args(&[
        "--dataroot",
        &arg(root.path()),
        "--name",
        "n",
        "--checkpoints-dir",
        &arg(&root.path().join("runs")),
    ]);
    let Err(error) = native_trainer::train::run::run(&args) else {
        panic!("trained without a trainA folder");
    };
    assert_eq!(error.to_string(), expected);
    assert!(
        !root.path().join("runs").exists(),
        "no run folder made for a dataset that is not there"
    );

    // The right name in other letter case.
    let cased = tempfile::tempdir().unwrap();
    write_domains(cased.path(), "train", 1, 32, 5);
    std::fs::rename(cased.path().join("trainB"), cased.path().join("TrainB")).unwrap();
    let report = check(cased.path());
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(
        report.problems[0].ends_with(&format!(
            ": rename {} to trainB (the name is case-sensitive)",
            cased.path().join("TrainB").display()
        )),
        "{:?}",
        report.problems
    );

    // Pictures straight in the dataroot.
    let loose = tempfile::tempdir().unwrap();
    write_domains(loose.path(), "train", 2, 32, 7);
    for domain in ["trainA", "trainB"] {
        for file in std::fs::read_dir(loose.path().join(domain)).unwrap() {
            let path = file.unwrap().path();
            let name = format!("{domain}-{}", path.file_name().unwrap().to_string_lossy());
            std::fs::rename(&path, loose.path().join(name)).unwrap();
        }
        std::fs::remove_dir(loose.path().join(domain)).unwrap();
    }
    let report = check(loose.path());
    assert!(
        report.problems[0].ends_with(
            "has no trainA folder (a dataset holds trainA, trainB, testA and testB): its 4 pictures lie in it directly; put each domain's in a folder of its own (trainA/ and trainB/ for training)"
        ),
        "{:?}",
        report.problems
    );

    // An empty training folder, and a dataroot that is not a folder at all.
    let empty = tempfile::tempdir().unwrap();
    write_domains(empty.path(), "train", 1, 32, 6);
    for file in std::fs::read_dir(empty.path().join("trainB")).unwrap() {
        std::fs::remove_file(file.unwrap().path()).unwrap();
    }
    std::fs::write(empty.path().join("trainB").join("list.csv"), "a,b").unwrap();
    let report = check(empty.path());
    assert_eq!(report.folders[1].other_files, 1);
    assert!(
        report.problems[0].contains("trainB has no pictures (jpg, jpeg"),
        "{:?}",
        report.problems
    );
    let (code, _, stderr) = check_command(&["--dataroot", &arg(&empty.path().join("nowhere"))]);
    assert_ne!(code, 0);
    assert!(stderr.contains("nowhere is not a folder"), "{stderr}");
}
