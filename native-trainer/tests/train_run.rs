//! `train`, `test` and `export` end to end on small synthetic data, on the CPU: the networks
//! really learn, a killed and resumed run equals an uninterrupted one, bad files are skipped, and
//! the exported model loads in the web crate's loader.

mod common;

use std::path::Path;

use burn::store::ModuleSnapshot;
use burn::tensor::Device;
use common::{
    BLUE, RED, arg, load_web_model, one_training_at_a_time, shapes, train_args, write_domains,
};
use image::RgbImage;
use native_trainer::checkpoint::{self, SnapshotArgs, TrainingState};
use native_trainer::eval::{EvalOptions, Evaluator};
use native_trainer::export::{self, ExportArgs};
use native_trainer::import::PrecisionArg;
use native_trainer::report::loss_log::LossLog;
use native_trainer::test_split::{self, TestArgs, TestPreprocess};
use native_trainer::train::run::run as train;
use rand::SeedableRng;
use rand::rngs::StdRng;
use unpaired::{Direction, ResnetGenerator, ResnetGeneratorConfig};

/// Mean of (blue − red) over the pixels where `input` is red, of `generator(input)`, in [-2, 2]:
/// about −1.4 for a red shape, +1.4 for a blue one.
fn blueness(generator: &ResnetGenerator, inputs: &[RgbImage]) -> f32 {
    let device = Device::flex();
    let (mut sum, mut count) = (0.0f32, 0usize);
    for input in inputs {
        let tensor = native_trainer::data::to_tensor(input, &device);
        let out = generator
            .forward(tensor)
            .into_data()
            .try_into_vec::<f32>()
            .unwrap();
        let plane = (input.width() * input.height()) as usize;
        for (i, pixel) in input.pixels().enumerate() {
            if pixel.0 == RED {
                sum += out[2 * plane + i] - out[i];
                count += 1;
            }
        }
    }
    sum / count as f32
}

fn mean(values: impl Iterator<Item = f32>) -> f32 {
    let values: Vec<f32> = values.collect();
    values.iter().sum::<f32>() / values.len() as f32
}

#[test]
fn training_learns_the_colour_swap_and_test_and_export_work() {
    let _lock = one_training_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("red2blue");
    write_domains(&data, "train", 16, 32, 1);
    write_domains(&data, "test", 3, 32, 2);
    let checkpoints = dir.path().join("checkpoints");
    let args = train_args(&[
        "--dataroot",
        &arg(&data),
        "--name",
        "tiny",
        "--checkpoints-dir",
        &arg(&checkpoints),
        "--netG",
        "resnet_2blocks",
        "--ngf",
        "8",
        "--ndf",
        "8",
        "--preprocess",
        "none",
        "--n-epochs",
        "12",
        "--n-epochs-decay",
        "6",
        "--lr",
        "0.002",
        "--seed",
        "3",
        "--device",
        "flex",
        "--print-freq",
        "4",
        "--save-epoch-freq",
        "6",
        "--quiet",
    ]);
    let summary = train(&args).expect("training runs");
    assert_eq!((summary.epoch, summary.iterations), (18, 18 * 16));

    // Held-out red shapes: before training G_A leaves them about grey; after, they are blue.
    let mut rng = StdRng::seed_from_u64(99);
    let held_out: Vec<RgbImage> = (0..6).map(|_| shapes(32, RED, &mut rng)).collect();
    let config = ResnetGeneratorConfig::new().with_ngf(8).with_n_blocks(2);
    let device = Device::flex();
    device.seed(3);
    let before = blueness(&config.init(&device), &held_out);
    let run = checkpoints.join("tiny");
    let latest = checkpoint::find(&run, "latest").expect("a latest snapshot");
    let g_a = checkpoint::load_generator(&latest, "G_A", &config, &device).unwrap();
    let after = blueness(&g_a, &held_out);
    println!("G_A(A) blue − red on the shapes: before {before:.3}, after {after:.3}");
    assert!(after > 0.5, "G_A should paint red shapes blue: {after}");
    assert!(after > before + 0.5, "before {before}, after {after}");

    // The cycle losses fall: last epoch's readings against the first's.
    let records = LossLog::new(&run).read();
    assert_eq!(records.len(), 18 * 4);
    let cycle = |epoch| {
        mean(
            records
                .iter()
                .filter(|r| r.epoch == epoch)
                .map(|r| r.losses[2] + r.losses[6]),
        )
    };
    println!(
        "cycle_A + cycle_B: epoch 1 {:.3}, epoch 18 {:.3}",
        cycle(1),
        cycle(18)
    );
    assert!(
        cycle(18) < 0.5 * cycle(1),
        "cycle loss {} → {}",
        cycle(1),
        cycle(18)
    );

    // What a person looks at.
    for file in [
        "index.html",
        "loss_curves.png",
        "samples/epoch_001.png",
        "samples/epoch_018.png",
        "train_options.json",
    ] {
        assert!(run.join(file).is_file(), "missing {file}");
    }
    let grid = image::open(run.join("samples/epoch_018.png")).unwrap();
    assert_eq!(
        (grid.width(), grid.height()),
        (4 * 32 + 5 * 4, 2 * 32 + 3 * 4)
    );
    let page = std::fs::read_to_string(run.join("index.html")).unwrap();
    assert!(
        page.find("Epoch 18").unwrap() < page.find("Epoch 1<").unwrap(),
        "newest first"
    );
    for snapshot in ["latest", "epoch_6", "epoch_12", "epoch_18"] {
        let state = checkpoint::read_state(&run.join(snapshot)).unwrap();
        assert!(state.epoch > 0);
    }

    // `test` keeps every image's size, also one that is not a multiple of 4.
    let odd = shapes(30, RED, &mut rng);
    let odd = image::imageops::crop_imm(&odd, 0, 0, 30, 22).to_image();
    odd.save(data.join("testA/odd.png")).unwrap();
    let results = dir.path().join("results");
    let test_args = TestArgs {
        dataroot: data.clone(),
        run: SnapshotArgs::latest("tiny", &checkpoints),
        results_dir: results.clone(),
        net_g: None,
        ngf: None,
        preprocess: TestPreprocess::None,
        load_size: 256,
        max_side: 1024,
        num_test: None,
        device: native_trainer::device::DeviceChoice::Flex,
        conv: Default::default(),
        quiet: true,
        eval: false,
        fid_weights: None,
    };
    let none = test_split::run(&TestArgs {
        num_test: Some(0),
        ..test_args.clone()
    });
    assert_eq!(
        none.unwrap_err().to_string(),
        "--num-test must be at least 1"
    );
    let tested = test_split::run(&test_args).unwrap();
    assert_eq!((tested.a_to_b, tested.b_to_a), (4, 3));
    let out = results.join("tiny/test_latest");
    assert!(out.join("index.html").is_file());
    let fake = image::open(out.join("fake_B/odd.png")).unwrap();
    assert_eq!((fake.width(), fake.height()), (30, 22));
    assert!(out.join("rec_A/odd.png").is_file() && out.join("fake_A/000.png").is_file());

    // `export` → the web crate's loader → the same translation as the checkpoint's G_A.
    let www = dir.path().join("www/models");
    let manifest = export::run(&export_args_without_results(
        "tiny",
        &checkpoints,
        &www.join("tiny"),
    ))
    .unwrap();
    assert_eq!(
        (manifest.domain_a.as_str(), manifest.domain_b.as_str()),
        ("red", "blue")
    );
    assert_eq!(
        manifest.card.as_deref(),
        Some("MODEL_CARD.md"),
        "the manifest names its card, for the web app's link"
    );
    let card = std::fs::read_to_string(www.join("tiny/MODEL_CARD.md")).unwrap();
    assert!(card.starts_with("# tiny: red ↔ blue"), "{card}");
    assert!(
        card.contains("ngf 8") && card.contains("Not measured"),
        "{card}"
    );
    assert!(
        card.contains("| Trained | epoch 18 of 18; 288 iterations;")
            && card.contains(
                "| Learning rate | 2.0e-3 over epochs 1–12, falling to 2.9e-4 by epoch 18 \
                 (per epoch, from the loss log) |"
            ),
        "the card gives the schedule the run really had: {card}"
    );
    assert!(!www.join("tiny/samples.jpg").exists());
    let index: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(www.join("index.json")).unwrap()).unwrap();
    assert_eq!(
        index["default"], "tiny",
        "export --default marks the preselected model"
    );
    assert_eq!(index["models"][0]["path"], "tiny/manifest.json");
    let web = load_web_model(&www.join("tiny"));
    let input = native_trainer::data::to_tensor(&held_out[0], &device);
    let ours = web
        .generator(Direction::AToB)
        .unwrap()
        .forward(input.clone());
    let reference = g_a.forward(input);
    let diff: f32 = (ours - reference).abs().max().into_scalar();
    assert!(diff < 1e-6, "exported model differs by {diff}");

    // The model card takes a `test --eval` folder's scores and a grid of its translations (here
    // scored with the FID network's narrow test fixture instead of the real weights).
    let export_with_results = |results: &Path| {
        export::run(&ExportArgs {
            run: SnapshotArgs::latest("tiny", &checkpoints),
            out: Some(www.join("tiny")),
            model_name: Some("tiny shapes".into()),
            precision: PrecisionArg::F16,
            domain_a: None,
            domain_b: None,
            description: None,
            make_default: true,
            results: Some(results.to_path_buf()),
            data_terms: Some("Synthetic shapes, no terms.".into()),
            notes: Some("Trained for a test.".into()),
        })
    };
    let error = export_with_results(&out).unwrap_err();
    assert!(format!("{error:#}").contains("test --eval"), "{error:#}");
    assert_eq!(
        std::fs::read_to_string(www.join("tiny/MODEL_CARD.md")).unwrap(),
        card,
        "a failed export leaves the card as it was"
    );
    let evaluator =
        Evaluator::with_extractor(common::tiny_fid_extractor(), &EvalOptions::default());
    let scores = evaluator
        .evaluate_split(
            [&data.join("testA"), &data.join("testB")],
            [&out.join("fake_A"), &out.join("fake_B")],
        )
        .unwrap();
    std::fs::write(
        out.join("eval.json"),
        serde_json::to_string(&scores).unwrap(),
    )
    .unwrap();
    export_with_results(&out).unwrap();
    let card = std::fs::read_to_string(www.join("tiny/MODEL_CARD.md")).unwrap();
    assert!(card.starts_with("# tiny shapes: red ↔ blue"), "{card}");
    let index = std::fs::read_to_string(www.join("index.json")).unwrap();
    assert!(index.contains("\"default\": \"tiny shapes\""), "{index}");
    for row in [
        format!(
            "| red → blue (fake_B vs testB) | {:.1} |",
            scores.a_to_b.fid
        ),
        format!(
            "| blue → red (fake_A vs testA) | {:.1} |",
            scores.b_to_a.fid
        ),
        format!(
            "| untranslated (red test images vs testB) | {:.1} |",
            scores.baseline.fid
        ),
    ] {
        assert!(card.contains(&row), "{row} missing from\n{card}");
    }
    assert!(card.contains("![input and output](samples.jpg)") && card.contains("f16"));
    assert!(card.contains("Synthetic shapes, no terms."), "{card}");
    assert!(card.contains("## Notes\n\nTrained for a test."), "{card}");
    let grid = image::open(www.join("tiny/samples.jpg")).unwrap();
    // Four A test images (the most of either side) in rows of two pairs of 128 px tiles.
    assert_eq!(
        (grid.width(), grid.height()),
        (4 * 128 + 6 * 4, 4 * 128 + 5 * 4)
    );

    // Exported again without scores: the earlier grid goes (it would not show this export), the
    // files still belong together, and no temporary file is left behind.
    export::run(&export_args_without_results(
        "tiny",
        &checkpoints,
        &www.join("tiny"),
    ))
    .unwrap();
    assert!(!www.join("tiny/samples.jpg").exists());
    let card = std::fs::read_to_string(www.join("tiny/MODEL_CARD.md")).unwrap();
    assert!(!card.contains("samples.jpg"), "{card}");
    load_web_model(&www.join("tiny"));
    let mut names: Vec<String> = std::fs::read_dir(www.join("tiny"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    assert_eq!(
        names,
        ["MODEL_CARD.md", "a_to_b.bpk", "b_to_a.bpk", "manifest.json"]
    );

    // An earlier snapshot's card tells its own schedule, not the latest session's.
    let earlier = dir.path().join("earlier/models/tiny");
    export::run(&ExportArgs {
        run: SnapshotArgs {
            epoch: "12".into(),
            ..SnapshotArgs::latest("tiny", &checkpoints)
        },
        ..export_args_without_results("tiny", &checkpoints, &earlier)
    })
    .unwrap();
    let card = std::fs::read_to_string(earlier.join("MODEL_CARD.md")).unwrap();
    assert!(
        card.contains("| Trained | epoch 12 (an earlier snapshot: the run went on to epoch 18);")
            && card.contains("| Learning rate | 2.0e-3 over epochs 1–12 (per epoch")
            && card.contains("Adam β1 0.5 (rates below)")
            && !card.contains("Adam lr"),
        "{card}"
    );
}

/// `export --default` of a run's latest snapshot into `out`, in f32, with no scores.
fn export_args_without_results(name: &str, checkpoints: &Path, out: &Path) -> ExportArgs {
    ExportArgs {
        run: SnapshotArgs::latest(name, checkpoints),
        out: Some(out.to_path_buf()),
        model_name: None,
        precision: PrecisionArg::F32,
        domain_a: None,
        domain_b: None,
        description: None,
        make_default: true,
        results: None,
        data_terms: None,
        notes: None,
    }
}

/// Every parameter of a module, by path.
fn parameters<M: ModuleSnapshot>(module: &M) -> Vec<(String, Vec<f32>)> {
    module
        .collect(None, None, false)
        .iter()
        .map(|t| {
            let data = burn::store::bridge::to_data(t).unwrap().convert::<f32>();
            (t.name.clone(), data.try_into_vec::<f32>().unwrap())
        })
        .collect()
}

fn max_difference<M: ModuleSnapshot>(a: &M, b: &M) -> f32 {
    parameters(a)
        .into_iter()
        .zip(parameters(b))
        .map(|((pa, va), (pb, vb))| {
            assert_eq!(pa, pb);
            va.iter()
                .zip(&vb)
                .map(|(x, y)| (x - y).abs())
                .fold(0.0, f32::max)
        })
        .fold(0.0, f32::max)
}

#[test]
fn a_killed_and_resumed_run_equals_an_uninterrupted_one() {
    let _lock = one_training_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    write_domains(&data, "train", 5, 24, 4);
    let options = |name: &str, extra: &[&str]| {
        let mut args = vec![
            "--dataroot",
            &arg(&data),
            "--name",
            name,
            "--checkpoints-dir",
            &arg(&dir.path().join("checkpoints")),
            "--netG",
            "resnet_1blocks",
            "--ngf",
            "4",
            "--ndf",
            "4",
            "--load-size",
            "28",
            "--crop-size",
            "24",
            "--n-epochs",
            "2",
            "--n-epochs-decay",
            "2",
            "--pool-size",
            "3",
            "--seed",
            "11",
            "--device",
            "flex",
            "--print-freq",
            "1",
            "--quiet",
        ]
        .into_iter()
        .map(String::from)
        .collect::<Vec<_>>();
        args.extend(extra.iter().map(|s| s.to_string()));
        train_args(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    train(&options("straight", &[])).unwrap();
    let first = train(&options("resumed", &["--stop-after-epoch", "1"])).unwrap();
    assert_eq!(first.epoch, 1);
    // A second start without --continue refuses rather than overwriting the run.
    let refused = train(&options("resumed", &[])).unwrap_err().to_string();
    assert!(refused.contains("--continue"), "{refused}");
    let resumed = train(&options("resumed", &["--continue"])).unwrap();
    assert_eq!((resumed.epoch, resumed.iterations), (4, 20));

    let load = |name: &str| {
        let snapshot = dir.path().join("checkpoints").join(name).join("latest");
        let state: TrainingState = checkpoint::read_state(&snapshot).unwrap();
        let config = native_trainer::train::step::RecipeConfig {
            generator: state.generator.clone(),
            discriminator: state.discriminator.clone(),
            pool_size: 3,
            ..Default::default()
        };
        checkpoint::load(&snapshot, config, &Device::flex().autodiff())
            .unwrap()
            .0
    };
    let (straight, resumed) = (load("straight"), load("resumed"));
    let g = max_difference(&straight.generators, &resumed.generators);
    let d = max_difference(&straight.discriminators, &resumed.discriminators);
    println!("straight vs resumed: generators max |Δ| {g:e}, discriminators {d:e}");
    assert!(g < 1e-5 && d < 1e-5, "generators {g}, discriminators {d}");
    // The losses logged after the resume equal the uninterrupted run's too.
    let logs = |name: &str| LossLog::new(&dir.path().join("checkpoints").join(name)).read();
    let (a, b) = (logs("straight"), logs("resumed"));
    assert_eq!(a.len(), b.len());
    for (x, y) in a.iter().zip(&b) {
        assert_eq!(x.iteration, y.iteration);
        for (u, v) in x.losses.iter().zip(&y.losses) {
            assert!(
                (u - v).abs() < 1e-4,
                "iteration {}: {u} vs {v}",
                x.iteration
            );
        }
    }
    // Sanity: training changed the networks at all.
    let fresh = native_trainer::train::step::CycleGan::new(
        native_trainer::train::step::RecipeConfig {
            generator: ResnetGeneratorConfig::new().with_ngf(4).with_n_blocks(1),
            discriminator: unpaired::PatchDiscriminatorConfig::new().with_ndf(4),
            ..Default::default()
        },
        &Device::flex().autodiff(),
        11,
    );
    assert!(max_difference(&fresh.generators, &straight.generators) > 1e-3);
}

/// `pack` moves a run between machines: the four networks (f16 by default) and `state.json`,
/// which `--continue` resumes with fresh optimiser state; a snapshot missing only some of the
/// optimiser and pool files is refused.
#[test]
fn a_packed_snapshot_resumes_with_its_networks() {
    let _lock = one_training_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    write_domains(&data, "train", 4, 24, 5);
    let checkpoints = dir.path().join("checkpoints");
    let options = |name: &str, epochs: &str, extra: &[&str]| {
        let mut args = vec![
            "--dataroot".to_string(),
            arg(&data),
            "--name".into(),
            name.into(),
            "--checkpoints-dir".into(),
            arg(&checkpoints),
            "--netG".into(),
            "resnet_1blocks".into(),
            "--ngf".into(),
            "4".into(),
            "--ndf".into(),
            "4".into(),
            "--preprocess".into(),
            "none".into(),
            "--n-epochs".into(),
            epochs.into(),
            "--n-epochs-decay".into(),
            "0".into(),
            "--seed".into(),
            "3".into(),
            "--device".into(),
            "flex".into(),
            "--quiet".into(),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        train_args(&args.iter().map(String::as_str).collect::<Vec<_>>())
    };
    train(&options("source", "1", &[])).unwrap();
    let source = checkpoints.join("source").join("latest");

    let pack = |out: &Path, precision: PrecisionArg| {
        checkpoint::pack(&checkpoint::PackArgs {
            run: SnapshotArgs::latest("source", &checkpoints),
            out: out.to_path_buf(),
            precision,
        })
    };
    let packed = checkpoints.join("moved").join("latest");
    let files = pack(&packed, PrecisionArg::F16).unwrap();
    let names: Vec<_> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        names,
        ["G_A.bpk", "G_B.bpk", "D_A.bpk", "D_B.bpk", "state.json"]
    );
    let size = |path: &Path| std::fs::metadata(path).unwrap().len();
    assert!(size(&packed.join("G_A.bpk")) < size(&source.join("G_A.bpk")) * 6 / 10);
    assert!(!checkpoint::has_optimizer_state(&packed).unwrap());
    assert!(checkpoint::has_optimizer_state(&source).unwrap());
    let again = pack(&packed, PrecisionArg::F16).unwrap_err().to_string();
    assert!(again.contains("already holds a snapshot"), "{again}");

    // In f32 the packed networks are the run's, bit for bit, and resuming starts from them.
    let exact = dir.path().join("exact");
    pack(&exact, PrecisionArg::F32).unwrap();
    let state: TrainingState = checkpoint::read_state(&source).unwrap();
    let config = || native_trainer::train::step::RecipeConfig {
        generator: state.generator.clone(),
        discriminator: state.discriminator.clone(),
        ..Default::default()
    };
    let device = Device::flex().autodiff();
    let (full, _) = checkpoint::load(&source, config(), &device).unwrap();
    let (light, light_state) = checkpoint::load(&exact, config(), &device).unwrap();
    assert_eq!(light_state, state);
    assert_eq!(max_difference(&full.generators, &light.generators), 0.0);
    assert_eq!(
        max_difference(&full.discriminators, &light.discriminators),
        0.0
    );

    let resumed = train(&options("moved", "2", &["--continue"])).unwrap();
    assert_eq!(resumed.epoch, 2);
    assert_eq!(resumed.iterations, 2 * 4);
    assert!(
        checkpoint::has_optimizer_state(&packed).unwrap(),
        "the next save is a full one"
    );

    std::fs::remove_file(source.join("pool_A.bin")).unwrap();
    let incomplete = checkpoint::has_optimizer_state(&source)
        .unwrap_err()
        .to_string();
    assert!(incomplete.contains("incomplete"), "{incomplete}");
}

#[test]
fn a_snapshot_interrupted_mid_rename_is_still_found() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path();
    // A kill between the two renames leaves only `latest.old`; a kill while writing leaves a
    // `latest.partial` that is never read.
    std::fs::create_dir_all(run.join("latest.old")).unwrap();
    std::fs::write(run.join("latest.old/state.json"), "{}").unwrap();
    std::fs::create_dir_all(run.join("latest.partial")).unwrap();
    assert_eq!(
        checkpoint::find(run, "latest"),
        Some(run.join("latest.old"))
    );
    std::fs::create_dir_all(run.join("latest")).unwrap();
    std::fs::write(run.join("latest/state.json"), "{}").unwrap();
    assert_eq!(checkpoint::find(run, "latest"), Some(run.join("latest")));
    assert_eq!(checkpoint::find(run, "epoch_5"), None);
}

#[test]
fn bad_files_are_skipped_and_odd_formats_converted() {
    let _lock = one_training_at_a_time();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    write_domains(&data, "train", 2, 24, 5);
    let a = data.join("trainA");
    std::fs::write(a.join("broken.jpg"), b"not a jpeg at all").unwrap();
    std::fs::write(a.join("notes.txt"), b"hello").unwrap();
    let mut rng = StdRng::seed_from_u64(6);
    let base = shapes(24, RED, &mut rng);
    image::DynamicImage::ImageRgb8(base.clone())
        .into_luma8()
        .save(a.join("grey.png"))
        .unwrap();
    image::DynamicImage::ImageRgb8(base.clone())
        .into_rgba8()
        .save(a.join("alpha.png"))
        .unwrap();
    image::DynamicImage::ImageRgb8(base)
        .into_rgb16()
        .save(a.join("deep.png"))
        .unwrap();
    let b = data.join("trainB");
    shapes(24, BLUE, &mut rng)
        .save(b.join("extra.bmp"))
        .unwrap();
    let args = train_args(&[
        "--dataroot",
        &arg(&data),
        "--name",
        "bad",
        "--checkpoints-dir",
        &arg(&dir.path().join("c")),
        "--netG",
        "resnet_1blocks",
        "--ngf",
        "4",
        "--ndf",
        "4",
        "--preprocess",
        "none",
        "--n-epochs",
        "1",
        "--n-epochs-decay",
        "0",
        "--device",
        "flex",
        "--quiet",
    ]);
    let summary = train(&args).unwrap();
    assert_eq!(
        summary.iterations, 6,
        "2 + 3 readable A images + the broken one replaced"
    );
    assert_eq!(summary.unreadable, vec![a.join("broken.jpg")]);

    // Missing or empty folders stop before anything starts, naming the folder.
    std::fs::remove_dir_all(&b).unwrap();
    let error = train(&args).unwrap_err().to_string();
    assert!(
        error.ends_with("has no trainB folder (a dataset holds trainA, trainB, testA and testB)"),
        "{error}"
    );
    std::fs::create_dir_all(&b).unwrap();
    let error = train(&args).unwrap_err().to_string();
    assert!(
        error.contains("trainB") && error.contains("no images"),
        "{error}"
    );
}

#[test]
fn reference_option_spellings_are_accepted() {
    let args = train_args(&[
        "--dataroot",
        "d",
        "--name",
        "n",
        "--netG",
        "resnet_6blocks",
        "--load_size",
        "143",
        "--crop_size",
        "128",
        "--lambda_A",
        "5",
        "--lambda_B",
        "6",
        "--lambda_identity",
        "0",
        "--no_flip",
        "--pool_size",
        "0",
        "--gan_mode",
        "vanilla",
        "--n_epochs",
        "3",
        "--n_epochs_decay",
        "4",
        "--batch_size",
        "2",
        "--max_dataset_size",
        "9",
        "--checkpoints_dir",
        "c",
        "--save_epoch_freq",
        "2",
        "--continue_train",
        "--n_layers_D",
        "2",
    ]);
    assert_eq!(args.net_g.unwrap().blocks, 6);
    assert_eq!((args.load_size, args.crop_size), (143, 128));
    assert_eq!(
        (args.lambda_a, args.lambda_b, args.lambda_identity),
        (5.0, 6.0, 0.0)
    );
    assert!(args.no_flip && args.continue_train);
    assert_eq!(
        (args.pool_size, args.n_epochs, args.n_epochs_decay),
        (0, 3, 4)
    );
    assert_eq!(
        (args.batch_size, args.max_dataset_size, args.save_epoch_freq),
        (2, Some(9), 2)
    );
    assert_eq!(
        args.gan_mode,
        native_trainer::train::losses::GanMode::Vanilla
    );
    assert_eq!(args.n_layers_d, Some(2));
    assert_eq!(args.run.checkpoints_dir, Path::new("c"));
    let defaults = train_args(&["--dataroot", "d", "--name", "n"]);
    assert_eq!(
        (defaults.load_size, defaults.crop_size, defaults.pool_size),
        (286, 256, 50)
    );
    assert_eq!(
        (
            defaults.lr,
            defaults.beta1,
            defaults.n_epochs,
            defaults.n_epochs_decay
        ),
        (0.0002, 0.5, 100, 100)
    );
    assert_eq!((defaults.lambda_a, defaults.lambda_identity), (10.0, 0.5));
    defaults.validate().unwrap();
    let bad = train_args(&["--dataroot", "d", "--name", "n", "--load-size", "200"]);
    assert!(
        bad.validate()
            .unwrap_err()
            .to_string()
            .contains("--load-size")
    );
    // Zero filters would reach the networks as empty tensors (burn panics on them); zero images
    // would be reported as an empty folder.
    for (option, message) in [
        ("--ngf", "--ngf must be at least 1"),
        ("--ndf", "--ndf must be at least 1"),
        (
            "--max-dataset-size",
            "--max-dataset-size must be at least 1",
        ),
    ] {
        let zero = train_args(&["--dataroot", "d", "--name", "n", option, "0"]);
        assert_eq!(zero.validate().unwrap_err().to_string(), message);
    }
}

/// Batches are stacked to `--batch-size`, and a seed fixes every crop and flip.
#[test]
fn the_loader_batches_and_is_reproducible() {
    let dir = tempfile::tempdir().unwrap();
    write_domains(dir.path(), "train", 5, 24, 8);
    let transform = native_trainer::data::Transform {
        preprocess: native_trainer::data::Preprocess::ResizeAndCrop,
        load_size: 28,
        crop_size: 16,
        flip: true,
    };
    let dataset = std::sync::Arc::new(
        native_trainer::data::UnalignedDataset::open(dir.path(), "train", transform, None).unwrap(),
    );
    let batches: Vec<_> = dataset
        .batches(1, 1, 2)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(batches.len(), 3);
    assert_eq!(batches[0].a.shape().to_vec(), [2, 3, 16, 16]);
    assert_eq!(batches[2].b.shape().to_vec(), [1, 3, 16, 16]);
    let again: Vec<_> = dataset
        .batches(1, 1, 2)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_eq!(batches[1].a, again[1].a);
    let other_epoch: Vec<_> = dataset
        .batches(1, 2, 2)
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert_ne!(batches[0].a, other_epoch[0].a);
    let mut order = dataset.order(1, 1);
    order.sort();
    assert_eq!(order, vec![0, 1, 2, 3, 4]);
}
