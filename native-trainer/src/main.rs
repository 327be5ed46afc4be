//! `native-trainer`: trains, tests, imports, exports and benchmarks Unpaired's CycleGAN models.

use anyhow::Result;
use clap::{Parser, Subcommand};
use native_trainer::train::{options::TrainArgs, run::run as train};
use native_trainer::{
    bench, bench_fixture, check_data, checkpoint, eval, export, import, onnx, test_split, translate,
};
use unpaired::ModelManifest;

/// CycleGAN (unpaired image-to-image translation) on your own machine.
#[derive(Debug, Parser)]
#[command(name = "native-trainer", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Trains CycleGAN on DATAROOT/trainA and DATAROOT/trainB (the paper's recipe).
    Train(Box<TrainArgs>),
    /// Translates DATAROOT/testA and testB with a trained run and writes a results page.
    Test(test_split::TestArgs),
    /// Translates your photos (files or folders) with a web model: the app's default, or one
    /// `export` or `import` wrote.
    Translate(translate::TranslateArgs),
    /// Writes a trained run's generators as a web model (www/models/NAME).
    Export(export::ExportArgs),
    /// Writes a trained run's generator(s) as ONNX graphs (opset 17), for other runtimes.
    #[command(name = "export-onnx")]
    ExportOnnx(onnx::ExportOnnxArgs),
    /// Writes a snapshot's four networks (f16 by default) and state.json without the optimisers'
    /// state and pools: small enough to move a run between machines; `train --continue` resumes
    /// it with fresh Adam moments.
    Pack(checkpoint::PackArgs),
    /// Converts generators trained with the reference PyTorch code (.pth) into a web model.
    Import(import::ImportArgs),
    /// Times a generator inference and a training iteration (median ms after warm-up) as one JSON line.
    Bench(bench::BenchArgs),
    /// Writes the browser benchmark's fixture: a seeded random generator as a web model and as
    /// ONNX, an input, and the native output (tests/bench/).
    #[command(name = "bench-fixture")]
    BenchFixture(bench_fixture::BenchFixtureArgs),
    /// FID and KID of a folder of generated images against a folder of real ones, as one JSON line.
    Eval(eval::EvalArgs),
    /// Opens every picture of a dataset (trainA, trainB, testA, testB) before training: what
    /// cannot be read, what is missing, and what is changed on the way in. Exits with 1 when
    /// something must be fixed.
    Check(check_data::CheckArgs),
}

fn describe(action: &str, manifest: &ModelManifest, out: &str) {
    let directions: Vec<&str> = manifest.directions().iter().map(|d| d.as_str()).collect();
    println!(
        "{action} '{}' ({} ↔ {}) with {} generator(s): {} → {out}",
        manifest.name,
        manifest.domain_a,
        manifest.domain_b,
        directions.len(),
        directions.join(", ")
    );
}

fn main() -> Result<()> {
    // Optimiser state is read onto burn's default device before it moves to the training device;
    // make that the CPU so that resuming never touches a GPU the user did not choose.
    if std::env::var_os("BURN_DEVICE").is_none() {
        // SAFETY: the first statement of `main`, before any thread exists.
        unsafe { std::env::set_var("BURN_DEVICE", "flex") };
    }
    let cli = Cli::parse();
    match cli.command {
        Command::Train(args) => {
            let summary = train(&args)?;
            println!(
                "trained {} epochs ({} iterations); run folder {} (open index.html)",
                summary.epoch,
                summary.iterations,
                summary.run_dir.display()
            );
            Ok(())
        }
        Command::Test(args) => {
            let summary = test_split::run(&args)?;
            println!(
                "translated {} A→B and {} B→A images; results in {}",
                summary.a_to_b,
                summary.b_to_a,
                summary.dir.join("index.html").display()
            );
            if let Some(scores) = &summary.scores {
                println!("{}", serde_json::to_string(scores)?);
            }
            Ok(())
        }
        Command::Translate(args) => {
            let summary = translate::run(&args)?;
            let manifest = &summary.manifest;
            let (from, to) = match summary.direction {
                unpaired::Direction::AToB => (&manifest.domain_a, &manifest.domain_b),
                unpaired::Direction::BToA => (&manifest.domain_b, &manifest.domain_a),
            };
            println!(
                "translated {} photo(s) {from} → {to} with '{}' on {}: {}",
                summary.written.len(),
                manifest.name,
                summary.backend,
                args.out.display()
            );
            if !summary.skipped.is_empty() {
                let which = if args.quiet {
                    "run without --quiet to see which"
                } else {
                    "named above"
                };
                println!(
                    "skipped {} that could not be read or translated ({which})",
                    summary.skipped.len()
                );
            }
            if summary.ignored > 0 {
                println!(
                    "ignored {} file(s) in the folders that are not images by their extension",
                    summary.ignored
                );
            }
            Ok(())
        }
        Command::Export(args) => {
            let out = args
                .out
                .clone()
                .unwrap_or_else(|| format!("www/models/{}", args.run.name).into());
            describe("exported", &export::run(&args)?, &out.display().to_string());
            Ok(())
        }
        Command::Import(args) => {
            let out = args
                .out
                .clone()
                .unwrap_or_else(|| format!("www/models/{}", args.name).into());
            describe("imported", &import::run(&args)?, &out.display().to_string());
            Ok(())
        }
        Command::ExportOnnx(args) => {
            for path in onnx::run(&args)? {
                println!("wrote {}", path.display());
            }
            Ok(())
        }
        Command::Pack(args) => {
            for file in checkpoint::pack(&args)? {
                println!("wrote {}", file.display());
            }
            Ok(())
        }
        Command::Bench(args) => bench::run(&args),
        Command::BenchFixture(args) => {
            let fixture = bench_fixture::run(&args)?;
            println!("{}", fixture.meta);
            println!("wrote the benchmark fixture to {}", fixture.dir.display());
            Ok(())
        }
        Command::Eval(args) => eval::run(&args),
        Command::Check(args) => {
            let report = check_data::run(&args)?;
            if args.json {
                println!("{}", serde_json::to_string(&report)?);
            } else {
                print!("{}", check_data::describe(&report));
            }
            if !report.ready() {
                std::process::exit(1);
            }
            Ok(())
        }
    }
}
