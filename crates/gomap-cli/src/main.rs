//! The `gomap` command: benchmarks gomap against hashbrown, std and Go's map, times every single
//! insert of a growing map, and draws a map's memory layout.
//!
//! With no arguments it runs the showcase: a short `bench` and `latency`, gathered into
//! `gomap-report/index.html`.

use clap::{Parser, Subcommand};

mod alloc_counter;
mod bench;
mod frozen_cmd;
mod inspect;
mod keys;
mod latency;
mod report;
mod rss;
mod showcase;

#[global_allocator]
static ALLOC: alloc_counter::Counting = alloc_counter::Counting;

/// Benchmarks, latency plots and memory-layout pictures for gomap.
#[derive(Parser, Debug)]
#[command(name = "gomap", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Benchmark gomap against hashbrown, std and (merged) Go's map; prints a table.
    Bench(bench::BenchArgs),
    /// Time every single insert, remove and lookup of gomap, hashbrown and std growing to N;
    /// writes latency and memory plots.
    Latency(latency::LatencyArgs),
    /// Draw a map's buckets, overflow chains and evacuation frontier as an HTML page.
    Inspect(inspect::InspectArgs),
    /// The showcase (what no subcommand runs): short bench, latency and inspect runs gathered
    /// into gomap-report/index.html.
    #[command(hide = true)]
    Showcase(showcase::ShowcaseArgs),
    /// Write a frozen map file from TSV or JSON lines.
    Freeze(frozen_cmd::FreezeArgs),
    /// Look keys up in a frozen map file.
    Get(frozen_cmd::GetArgs),
    /// Check a frozen map file completely (checksum, every chain, every key).
    Verify(frozen_cmd::VerifyArgs),
    /// Draw a frozen map file's buckets as an HTML page, as `inspect` does for a live map.
    InspectFrozen(frozen_cmd::InspectFrozenArgs),
    /// Print the stats of a map of N u64 keys.
    Stats {
        /// Number of entries.
        #[arg(long, default_value_t = 1_000_000)]
        n: usize,
    },
}

fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Stats { n }) => stats(n),
        Some(Command::Bench(args)) => bench::bench(&args),
        Some(Command::Latency(args)) => latency::run(&args).map(drop),
        Some(Command::Inspect(args)) => inspect::run(&args).map(drop),
        Some(Command::Showcase(args)) => showcase::run(&args),
        Some(Command::Freeze(args)) => {
            return frozen_cmd::exit_on_failure(frozen_cmd::freeze(&args))
        }
        Some(Command::Get(args)) => return frozen_cmd::exit_on_failure(frozen_cmd::get(&args)),
        Some(Command::Verify(args)) => {
            return frozen_cmd::exit_on_failure(frozen_cmd::verify(&args))
        }
        Some(Command::InspectFrozen(args)) => {
            return frozen_cmd::exit_on_failure(frozen_cmd::inspect_frozen(&args))
        }
        None => showcase::run(&showcase::ShowcaseArgs::default()),
    };
    if let Err(e) = result {
        eprintln!("gomap: {e}");
        std::process::exit(1);
    }
}

/// The error every subcommand returns: a message for the user.
type CliResult = Result<(), String>;

fn stats(n: usize) -> CliResult {
    if n == 0 {
        return Err("--n must be at least 1".into());
    }
    let (keys, _) = keys::gen_keys(n);
    let before = alloc_counter::live_bytes();
    let mut map = gomap::HashMap::new();
    for (i, &k) in keys.iter().enumerate() {
        map.insert(k, i as u64);
    }
    println!("{}", map.stats());
    println!(
        "heap (counted by the allocator): {} bytes",
        alloc_counter::live_bytes() - before
    );
    Ok(())
}
