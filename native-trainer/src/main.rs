//! `native-trainer`: trains, tests, exports and benchmarks Unpaired's CycleGAN models.
//!
//! The networks live in the root crate (`unpaired`); this binary adds what needs a native machine.

mod bench;
mod device;

use anyhow::Result;
use clap::{Parser, Subcommand};

/// CycleGAN (unpaired image-to-image translation) on your own machine.
#[derive(Debug, Parser)]
#[command(name = "native-trainer", version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Times one generator inference (median ms after warm-up) and prints one JSON line.
    Bench(bench::BenchArgs),
}

fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Command::Bench(args) => bench::run(&args),
    }
}
