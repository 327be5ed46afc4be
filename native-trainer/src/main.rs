//! `native-trainer`: trains, tests, imports, exports and benchmarks Unpaired's CycleGAN models.

use anyhow::Result;
use clap::{Parser, Subcommand};
use native_trainer::{bench, eval, import};

/// CycleGAN (unpaired image-to-image translation) on your own machine.
#[derive(Debug, Parser)]
#[command(name = "native-trainer", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Converts generators trained with the reference PyTorch code (.pth) into a web model.
    Import(import::ImportArgs),
    /// Times a generator inference and a training iteration (median ms after warm-up) as one JSON line.
    Bench(bench::BenchArgs),
    /// FID and KID of a folder of generated images against a folder of real ones, as one JSON line.
    Eval(eval::EvalArgs),
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Import(args) => {
            let manifest = import::run(&args)?;
            let directions: Vec<&str> = manifest.directions().iter().map(|d| d.as_str()).collect();
            println!(
                "imported '{}' ({}) with {} generator(s): {}",
                manifest.name,
                format_args!("{} ↔ {}", manifest.domain_a, manifest.domain_b),
                directions.len(),
                directions.join(", ")
            );
            Ok(())
        }
        Command::Bench(args) => bench::run(&args),
        Command::Eval(args) => eval::run(&args),
    }
}
