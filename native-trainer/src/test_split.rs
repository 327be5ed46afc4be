//! `test`: translates `testA` with G_A and `testB` with G_B (each result translated back for the
//! reconstruction), writes the images and an `index.html` with input, output and reconstruction
//! side by side, like the reference's results page.

use std::path::{Path, PathBuf};

use anyhow::{Result, bail, ensure};
use burn::tensor::Device;
use clap::{Args, ValueEnum};
use image::{DynamicImage, RgbImage};
use unpaired::{ResnetGenerator, image_io};

use crate::checkpoint;
use crate::data::{self, Domain};
use crate::device::{self, DeviceChoice};
use crate::eval::{EvalOptions, Evaluator, SplitScores};
use crate::netg::NetG;
use crate::report::page::escape;
use crate::report::progress::test_bar;
use crate::report::samples::{save_png, to_image};

/// How test images are sized.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TestPreprocess {
    /// Native size (reflect-padded to a multiple of 4 inside the network, cropped back).
    #[value(name = "none")]
    None,
    /// Width scaled to --load-size, aspect ratio kept.
    #[value(name = "scale_width")]
    ScaleWidth,
}

/// Options of `test`.
#[derive(Debug, Clone, Args)]
pub struct TestArgs {
    /// Folder with testA/ and testB/.
    #[arg(long)]
    pub dataroot: PathBuf,
    /// The run and snapshot.
    #[command(flatten)]
    pub run: crate::checkpoint::SnapshotArgs,
    /// Where results go (in NAME/test_EPOCH/).
    #[arg(long = "results-dir", alias = "results_dir", default_value = "results")]
    pub results_dir: PathBuf,
    /// Generator architecture [default: the run's].
    #[arg(long = "netG", aliases = ["netg", "net-g"])]
    pub net_g: Option<NetG>,
    /// Generator filters in the first layer [default: the run's].
    #[arg(long)]
    pub ngf: Option<usize>,
    /// Image sizing.
    #[arg(long, value_enum, default_value = "none")]
    pub preprocess: TestPreprocess,
    /// Width for `--preprocess scale_width`.
    #[arg(long = "load-size", alias = "load_size", default_value_t = 256)]
    pub load_size: u32,
    /// Larger photos are scaled down to this longest side first (memory).
    #[arg(long = "max-side", alias = "max_side", default_value_t = 1024)]
    pub max_side: u32,
    /// Translate at most this many images per domain.
    #[arg(long = "num-test", alias = "num_test")]
    pub num_test: Option<usize>,
    /// Compute device.
    #[arg(long, value_enum, default_value = "auto")]
    pub device: DeviceChoice,
    /// How the generators' residual-block convolutions run.
    #[command(flatten)]
    pub conv: crate::conv_plan::ConvArgs,
    /// No progress bar.
    #[arg(long)]
    pub quiet: bool,
    /// Also measure FID and KID of the translations (fake_B against testB, fake_A against testA)
    /// and of the untranslated testA against testB (the baseline), and write them to eval.json
    /// (needs the FID weights, see `eval`).
    #[arg(long)]
    pub eval: bool,
    /// FID Inception-v3 weights for `--eval` [default: as `eval`].
    #[arg(long = "fid-weights")]
    pub fid_weights: Option<PathBuf>,
}

/// What `test` wrote.
#[derive(Debug, Clone)]
pub struct TestSummary {
    /// The results folder (with `index.html`).
    pub dir: PathBuf,
    /// Images translated A → B.
    pub a_to_b: usize,
    /// Images translated B → A.
    pub b_to_a: usize,
    /// Files that could not be read.
    pub unreadable: Vec<PathBuf>,
    /// FID/KID of both directions and the baseline, with `--eval`.
    pub scores: Option<SplitScores>,
}

/// One translated image on the page.
struct Row {
    name: String,
    file: String,
}

/// Loads the run's generators and translates both test folders.
pub fn run(args: &TestArgs) -> Result<TestSummary> {
    ensure!(args.num_test != Some(0), "--num-test must be at least 1");
    ensure!(args.ngf != Some(0), "--ngf must be at least 1");
    let snapshot = args.run.snapshot()?;
    let state = checkpoint::read_state(&snapshot)?;
    let mut config = state.generator.clone();
    if let Some(net_g) = args.net_g {
        config.n_blocks = net_g.blocks;
    }
    if let Some(ngf) = args.ngf {
        config.ngf = ngf;
    }
    for name in ["testA", "testB"] {
        ensure!(
            !args.dataroot.is_dir() || args.dataroot.join(name).is_dir(),
            "{}",
            data::missing_split_folder(&args.dataroot, name)
        );
    }
    let domains = [
        Domain::scan(&args.dataroot.join("testA"), args.num_test)?,
        Domain::scan(&args.dataroot.join("testB"), args.num_test)?,
    ];
    let eval_options = EvalOptions {
        weights: args.fid_weights.clone(),
        ..EvalOptions::default()
    };
    if args.eval {
        // A missing weights file is reported before any translation starts.
        crate::eval::weights::locate(eval_options.weights.as_deref())?;
    }
    let (device, _) = device::open(args.device)?;
    let g_a = checkpoint::load_generator(&snapshot, "G_A", &config, &device)?
        .with_conv_plan(args.conv.plan());
    let g_b = checkpoint::load_generator(&snapshot, "G_B", &config, &device)?
        .with_conv_plan(args.conv.plan());
    let dir = args
        .results_dir
        .join(&args.run.name)
        .join(format!("test_{}", args.run.epoch));
    let mut unreadable = Vec::new();
    let mut sections = Vec::new();
    for (domain, (forward, back), (from, to)) in [
        (&domains[0], (&g_a, &g_b), ("A", "B")),
        (&domains[1], (&g_b, &g_a), ("B", "A")),
    ] {
        let bar = test_bar(from, to, domain.len() as u64, args.quiet);
        let mut rows = Vec::new();
        for path in &domain.files {
            bar.inc(1);
            let image = match data::read_rgb(path) {
                Ok(image) => image,
                Err(error) => {
                    if !args.quiet {
                        eprintln!("skipping {}: {error}", path.display());
                    }
                    unreadable.push(path.clone());
                    continue;
                }
            };
            let image = prepare(args, image)?;
            let [fake, rec] = translate_and_back(forward, back, &image, &device)?;
            let stem = path
                .file_stem()
                .map_or_else(|| "image".into(), |s| s.to_string_lossy().into_owned());
            let file = format!("{stem}.png");
            save_png(&image, &dir.join(format!("real_{from}")).join(&file))?;
            save_png(&fake, &dir.join(format!("fake_{to}")).join(&file))?;
            save_png(&rec, &dir.join(format!("rec_{from}")).join(&file))?;
            rows.push(Row { name: stem, file });
        }
        bar.finish_and_clear();
        sections.push((from, to, rows));
    }
    write_page(&dir, args, &sections)?;
    let scores = if args.eval {
        let evaluator = Evaluator::new(&eval_options, &device)?;
        let scores = evaluator.evaluate_split(
            [&domains[0].dir, &domains[1].dir],
            [&dir.join("fake_A"), &dir.join("fake_B")],
        )?;
        crate::checkpoint::write_text(
            &dir.join("eval.json"),
            &(serde_json::to_string_pretty(&scores)? + "\n"),
        )?;
        Some(scores)
    } else {
        None
    };
    Ok(TestSummary {
        a_to_b: sections[0].2.len(),
        b_to_a: sections[1].2.len(),
        dir,
        unreadable,
        scores,
    })
}

/// Applies `--max-side` and `--preprocess`.
fn prepare(args: &TestArgs, image: RgbImage) -> Result<RgbImage> {
    let rgba = DynamicImage::ImageRgb8(image).into_rgba8();
    let rgba = image_io::fit_within(rgba, args.max_side)?;
    let rgba = match args.preprocess {
        TestPreprocess::None => rgba,
        TestPreprocess::ScaleWidth => {
            let (w, h) = rgba.dimensions();
            let height = ((args.load_size as u64 * h as u64) / w.max(1) as u64).max(8) as u32;
            image::imageops::resize(
                &rgba,
                args.load_size,
                height,
                image::imageops::FilterType::CatmullRom,
            )
        }
    };
    Ok(DynamicImage::ImageRgba8(rgba).into_rgb8())
}

/// `forward(image)` and `back(forward(image))` at the image's own size.
fn translate_and_back(
    forward: &ResnetGenerator,
    back: &ResnetGenerator,
    image: &RgbImage,
    device: &Device,
) -> Result<[RgbImage; 2]> {
    let rgba = DynamicImage::ImageRgb8(image.clone()).into_rgba8();
    let (w, h) = rgba.dimensions();
    let input = image_io::to_tensor(&rgba, device)?;
    let fake = forward.forward(input);
    let rec = back.forward(fake.clone());
    Ok([
        to_image(image_io::crop(fake, w, h))?,
        to_image(image_io::crop(rec, w, h))?,
    ])
}

fn write_page(dir: &Path, args: &TestArgs, sections: &[(&str, &str, Vec<Row>)]) -> Result<()> {
    if sections.iter().all(|(_, _, rows)| rows.is_empty()) {
        bail!("no test image could be read");
    }
    let mut html = format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <title>{name} — test results</title><style>\
         body{{font-family:system-ui,sans-serif;margin:1.5rem;color:#222}}\
         td,th{{padding:.25rem;text-align:center;font-size:.85rem}}img{{max-width:256px;height:auto}}\
         </style></head><body>\n<h1>{name}: test results ({epoch})</h1>\n",
        name = escape(&args.run.name),
        epoch = escape(&args.run.epoch)
    );
    for (from, to, rows) in sections {
        html += &format!(
            "<h2>{from} → {to} ({n} images)</h2>\n<table><tr><th>image</th><th>input (real_{from})</th>\
             <th>output (fake_{to})</th><th>reconstruction (rec_{from})</th></tr>\n",
            n = rows.len()
        );
        for row in rows {
            let file = escape(&row.file);
            html += &format!(
                "<tr><td>{name}</td><td><img src=\"real_{from}/{file}\" alt=\"input\"></td>\
                 <td><img src=\"fake_{to}/{file}\" alt=\"output\"></td>\
                 <td><img src=\"rec_{from}/{file}\" alt=\"reconstruction\"></td></tr>\n",
                name = escape(&row.name)
            );
        }
        html += "</table>\n";
    }
    html += "</body></html>\n";
    std::fs::create_dir_all(dir)?;
    crate::checkpoint::write_text(&dir.join("index.html"), &html)
}
