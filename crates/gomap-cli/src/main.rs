//! The `gomap` command: benchmarks gomap against hashbrown, std and Go's map, times every single
//! insert of a growing map, and draws a map's memory layout.
//!
//! With no arguments it runs the showcase: a short `bench` and `latency`, gathered into
//! `gomap-report/index.html`.
//!
//! Exit status: 0 on success, 2 for a usage error, 1 for a failure while running (see
//! [`args`]).

use clap::{CommandFactory as _, Parser, Subcommand};

mod alloc_counter;
mod args;
mod bench;
mod build_info;
mod inspect;
mod keys;
mod latency;
mod output;
mod progress;
mod report;
mod rss;
mod showcase;

use args::{CliError, CliResult};

#[global_allocator]
static ALLOC: alloc_counter::Counting = alloc_counter::Counting;

/// Benchmarks, latency plots and memory-layout pictures for gomap.
#[derive(Parser, Debug)]
#[command(
    name = "gomap",
    version = build_info::VERSION,
    about,
    long_about = "Benchmarks, latency plots and memory-layout pictures for gomap, Go's classic \
                  hash map rebuilt in Rust.\n\n\
                  With no command, runs the showcase (about 1-2 minutes on a 2-core machine) and \
                  writes gomap-report/index.html. Every command says what it will run and about \
                  how long before it starts.\n\n\
                  Sizes (--n) take K, M and G suffixes: 2K, 1.5M, 10M.",
    after_help = "Exit status: 0 on success, 2 for a usage error, 1 if running failed."
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Throughput of gomap, hashbrown, std and std+foldhash on common workloads, interleaved in one
    /// process; prints a table (the default run takes about 11 minutes).
    Bench(bench::BenchArgs),
    /// Time every single insert, remove and lookup of gomap, hashbrown and std growing to N and
    /// back; writes latency and memory plots and JSON.
    Latency(latency::LatencyArgs),
    /// Draw a map's buckets, overflow chains and evacuation frontier as an HTML page.
    Inspect(inspect::InspectArgs),
    /// The report: a short bench, latency and inspect run gathered into one HTML page (what
    /// `gomap` with no command runs).
    Showcase(showcase::ShowcaseArgs),
    /// Print the Stats block of a map of N u64 keys.
    Stats(StatsArgs),
    /// The child process `latency` runs per map to measure its peak resident memory alone.
    #[command(hide = true)]
    PeakRss(latency::peak_rss::PeakRssArgs),
}

impl Command {
    /// The subcommand's name on the command line.
    fn name(&self) -> &'static str {
        match self {
            Command::Bench(_) => "bench",
            Command::Latency(_) => "latency",
            Command::Inspect(_) => "inspect",
            Command::Showcase(_) => "showcase",
            Command::Stats(_) => "stats",
            Command::PeakRss(_) => "peak-rss",
        }
    }
}

/// Options of `gomap stats`.
#[derive(clap::Args, Debug)]
struct StatsArgs {
    /// Number of entries (K, M, G suffixes allowed).
    #[arg(long, default_value = "1M", value_parser = args::size, allow_hyphen_values = true)]
    n: usize,
}

fn main() {
    let cli = Cli::parse();
    let name = cli.command.as_ref().map_or("showcase", Command::name);
    let result: CliResult = match cli.command {
        Some(Command::Stats(a)) => stats(a.n),
        Some(Command::Bench(a)) => bench::bench(&a),
        Some(Command::Latency(a)) => latency::run(&a).map(drop).map_err(CliError::from),
        Some(Command::Inspect(a)) => inspect::run(&a).map(drop),
        Some(Command::Showcase(a)) => showcase::run(&a),
        Some(Command::PeakRss(a)) => latency::peak_rss::child(&a),
        None => showcase::run(&showcase::ShowcaseArgs::default()),
    };
    match result {
        Ok(()) => {}
        // clap's own format: "error: ...", a pointer to --help, exit status 2.
        Err(CliError::Usage(msg)) => {
            let mut cmd = Cli::command();
            cmd.build();
            let sub = cmd
                .find_subcommand_mut(name)
                .expect("a subcommand of gomap");
            sub.error(clap::error::ErrorKind::ValueValidation, msg)
                .exit()
        }
        Err(CliError::Failed(msg)) => {
            eprintln!("error: {msg}");
            std::process::exit(1);
        }
    }
}

fn stats(n: usize) -> CliResult {
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
