//! `gomap freeze`, `gomap get`, `gomap verify` and `gomap inspect-frozen`: frozen map files
//! (see `gomap::frozen`) from the command line.
//!
//! The CLI reads and writes maps whose keys and values are `str`, `[u8]` (shown as text, lossily)
//! or 8-byte fixed-size items (read as `u64`); `freeze` writes `str` or `u64` keys and values.

use std::borrow::Borrow;
use std::io::{BufRead, BufReader, BufWriter};
use std::path::{Path, PathBuf};

use gomap::frozen::{self, FrozenMap, Info, Item, Kind, Options};
use gomap::introspect::{Snapshot, Stats};

use crate::args::{CliError, CliResult};
use crate::inspect;
use crate::output;
use crate::report::html::Page;
use crate::report::{self, fmt_bytes};

/// The type of the keys or the values of a map to freeze.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ItemType {
    /// UTF-8 text.
    Str,
    /// Unsigned 64-bit integers (decimal).
    U64,
}

/// The input format of `gomap freeze`.
#[derive(clap::ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum InputFormat {
    /// One `KEY<TAB>VALUE` per line.
    Tsv,
    /// One JSON value per line: `[key, value]` or `{"key": ..., "value": ...}`.
    Jsonl,
}

/// Options of `gomap freeze`.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct FreezeArgs {
    /// The input file (`-`: standard input).
    pub(crate) input: PathBuf,
    /// The frozen map file to write.
    #[arg(short, long)]
    pub(crate) out: PathBuf,
    /// Input format; by default guessed from the extension (`.jsonl`, `.ndjson`, `.json`: JSON
    /// lines; anything else: TSV).
    #[arg(long, value_enum)]
    pub(crate) format: Option<InputFormat>,
    /// Key type.
    #[arg(long, value_enum, default_value_t = ItemType::Str)]
    pub(crate) keys: ItemType,
    /// Value type.
    #[arg(long, value_enum, default_value_t = ItemType::Str)]
    pub(crate) values: ItemType,
    /// Hash seed (by default random): the same input and seed give the same file.
    #[arg(long)]
    pub(crate) seed: Option<u64>,
}

/// Options of `gomap get`.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct GetArgs {
    /// The frozen map file.
    pub(crate) file: PathBuf,
    /// Keys to look up; each found one prints `KEY<TAB>VALUE`.
    #[arg(required = true)]
    pub(crate) keys: Vec<String>,
}

/// Options of `gomap verify`.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct VerifyArgs {
    /// The frozen map file.
    pub(crate) file: PathBuf,
}

/// Options of `gomap inspect-frozen`.
#[derive(clap::Args, Debug, Clone)]
pub(crate) struct InspectFrozenArgs {
    /// The frozen map file.
    pub(crate) file: PathBuf,
    /// Buckets drawn: the first K (the histograms cover all of them).
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u64).range(1..=4096))]
    pub(crate) max_buckets: u64,
    /// The HTML page to write.
    #[arg(long, default_value = "gomap-report/frozen.html")]
    pub(crate) out: PathBuf,
}

// ---------------------------------------------------------------------------------------------
// Items the CLI can parse and print.
// ---------------------------------------------------------------------------------------------

/// A key or value type of the CLI: parsed from text or JSON, printed as text.
trait CliItem: Item {
    /// What a parsed item is held as while building.
    type Owned: Borrow<Self>;
    /// The type's name in messages.
    const NAME: &'static str;
    fn parse(text: &str) -> Result<Self::Owned, String>;
    fn from_json(v: &serde_json::Value) -> Result<Self::Owned, String>;
    fn show(&self) -> String;
}

impl CliItem for str {
    type Owned = String;
    const NAME: &'static str = "str";
    fn parse(text: &str) -> Result<String, String> {
        Ok(text.to_string())
    }
    fn from_json(v: &serde_json::Value) -> Result<String, String> {
        v.as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("expected a JSON string, got {v}"))
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

impl CliItem for [u8] {
    type Owned = Vec<u8>;
    const NAME: &'static str = "bytes";
    fn parse(text: &str) -> Result<Vec<u8>, String> {
        Ok(text.as_bytes().to_vec())
    }
    fn from_json(v: &serde_json::Value) -> Result<Vec<u8>, String> {
        str::from_json(v).map(String::into_bytes)
    }
    fn show(&self) -> String {
        String::from_utf8_lossy(self).into_owned()
    }
}

impl CliItem for u64 {
    type Owned = u64;
    const NAME: &'static str = "u64";
    fn parse(text: &str) -> Result<u64, String> {
        text.trim()
            .parse()
            .map_err(|_| format!("not a u64: {text:?}"))
    }
    fn from_json(v: &serde_json::Value) -> Result<u64, String> {
        v.as_u64()
            .ok_or_else(|| format!("expected a non-negative JSON integer, got {v}"))
    }
    fn show(&self) -> String {
        self.to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// gomap freeze
// ---------------------------------------------------------------------------------------------

/// `gomap freeze INPUT -o FILE`.
pub(crate) fn freeze(args: &FreezeArgs) -> CliResult {
    match (args.keys, args.values) {
        (ItemType::Str, ItemType::Str) => freeze_as::<str, str>(args),
        (ItemType::Str, ItemType::U64) => freeze_as::<str, u64>(args),
        (ItemType::U64, ItemType::Str) => freeze_as::<u64, str>(args),
        (ItemType::U64, ItemType::U64) => freeze_as::<u64, u64>(args),
    }
}

fn input_format(args: &FreezeArgs) -> InputFormat {
    args.format
        .unwrap_or_else(|| match args.input.extension().and_then(|e| e.to_str()) {
            Some("jsonl" | "ndjson" | "json") => InputFormat::Jsonl,
            _ => InputFormat::Tsv,
        })
}

fn freeze_as<K: CliItem + ?Sized, V: CliItem + ?Sized>(args: &FreezeArgs) -> CliResult {
    let name = args.input.display().to_string();
    let reader: Box<dyn BufRead> = if args.input.as_os_str() == "-" {
        Box::new(BufReader::new(std::io::stdin().lock()))
    } else {
        let f = std::fs::File::open(&args.input).map_err(|e| format!("cannot read {name}: {e}"))?;
        Box::new(BufReader::new(f))
    };
    let format = input_format(args);
    // Parse lazily, stopping at the first bad line; the map is written only if none was bad.
    let mut failed: Option<String> = None;
    let mut lines = reader.lines().enumerate();
    let pairs = std::iter::from_fn(|| loop {
        if failed.is_some() {
            return None;
        }
        let (i, line) = lines.next()?;
        let parsed = line
            .map_err(|e| format!("cannot read {name}: {e}"))
            .and_then(|line| {
                if line.trim().is_empty() {
                    Ok(None)
                } else {
                    parse_line::<K, V>(&line, format).map(Some)
                }
            });
        match parsed {
            Ok(Some(pair)) => return Some(pair),
            Ok(None) => {}
            Err(e) => failed = Some(format!("{name}:{}: {e}", i + 1)),
        }
    });
    // Written beside the target and renamed, so a failure never leaves half a file.
    let tmp = tmp_path(&args.out);
    let file = std::fs::File::create(&tmp)
        .map_err(|e| format!("cannot write {}: {e}", args.out.display()))?;
    let options = Options { seed: args.seed };
    let written = FrozenMap::<K, V>::write(pairs, &options, BufWriter::new(file));
    let outcome = match (written, failed) {
        (_, Some(e)) => Err(e),
        (Err(frozen::Error::DuplicateKey(k)), None) => {
            Err(format!("{name}: duplicate key {}", show_key_bytes::<K>(&k)))
        }
        (Err(e), None) => Err(format!("cannot write {}: {e}", args.out.display())),
        (Ok(n), None) => std::fs::rename(&tmp, &args.out)
            .map(|()| n)
            .map_err(|e| format!("cannot write {}: {e}", args.out.display())),
    };
    match outcome {
        Ok(n) => {
            let bytes = frozen::read(&args.out).map_err(|e| e.to_string())?;
            let info = frozen::info(&bytes).map_err(|e| e.to_string())?;
            println!(
                "wrote {}: {} entries, {} ({:.1} bytes/entry)",
                args.out.display(),
                info.len,
                fmt_bytes(n as f64),
                n as f64 / info.len.max(1) as f64
            );
            Ok(())
        }
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(CliError::Failed(e))
        }
    }
}

fn tmp_path(out: &Path) -> PathBuf {
    let mut name = out.file_name().unwrap_or_default().to_os_string();
    name.push(format!(".tmp-{}", std::process::id()));
    out.with_file_name(name)
}

fn show_key_bytes<K: CliItem + ?Sized>(bytes: &[u8]) -> String {
    match (K::KIND, <[u8; 8]>::try_from(bytes)) {
        (Kind::Fixed, Ok(b)) => u64::from_ne_bytes(b).to_string(),
        _ => format!("{:?}", String::from_utf8_lossy(bytes)),
    }
}

fn parse_line<K: CliItem + ?Sized, V: CliItem + ?Sized>(
    line: &str,
    format: InputFormat,
) -> Result<(K::Owned, V::Owned), String> {
    match format {
        InputFormat::Tsv => {
            let (k, v) = line
                .split_once('\t')
                .ok_or("expected KEY<TAB>VALUE (no tab on the line)")?;
            Ok((K::parse(k)?, V::parse(v)?))
        }
        InputFormat::Jsonl => {
            let v: serde_json::Value =
                serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
            let (k, val) = match &v {
                serde_json::Value::Array(a) if a.len() == 2 => (&a[0], &a[1]),
                serde_json::Value::Object(o) => match (o.get("key"), o.get("value")) {
                    (Some(k), Some(val)) => (k, val),
                    _ => return Err("a JSON object needs \"key\" and \"value\"".into()),
                },
                _ => return Err("expected [key, value] or {\"key\": ..., \"value\": ...}".into()),
            };
            Ok((
                K::from_json(k).map_err(|e| format!("key: {e}"))?,
                V::from_json(val).map_err(|e| format!("value: {e}"))?,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Reading: a map of any type the CLI knows.
// ---------------------------------------------------------------------------------------------

/// What the commands do with an opened map, whatever its types.
trait AnyMap {
    fn info(&self) -> &Info;
    /// The value of the key written as `text`, printed; `Err` when `text` is not a key of the
    /// file's key type.
    fn get_text(&self, text: &str) -> Result<Option<String>, String>;
    fn verify(&self) -> Result<(), frozen::Error>;
    fn snapshot(&self) -> Snapshot;
    fn types(&self) -> String;
}

impl<K: CliItem + ?Sized, V: CliItem + ?Sized> AnyMap for FrozenMap<'_, K, V> {
    fn info(&self) -> &Info {
        FrozenMap::info(self)
    }
    fn get_text(&self, text: &str) -> Result<Option<String>, String> {
        let key = K::parse(text)?;
        Ok(self.get(key.borrow()).map(V::show))
    }
    fn verify(&self) -> Result<(), frozen::Error> {
        FrozenMap::verify(self)
    }
    fn snapshot(&self) -> Snapshot {
        FrozenMap::snapshot(self)
    }
    fn types(&self) -> String {
        format!("{} -> {}", K::NAME, V::NAME)
    }
}

/// Opens `bytes` as the map its header describes.
fn open_any<'a>(bytes: &'a [u8], name: &str) -> Result<Box<dyn AnyMap + 'a>, String> {
    let info = frozen::info(bytes).map_err(|e| format!("{name}: {e}"))?;
    fn boxed<'a, K: CliItem + ?Sized, V: CliItem + ?Sized>(
        bytes: &'a [u8],
    ) -> Result<Box<dyn AnyMap + 'a>, frozen::Error> {
        Ok(Box::new(FrozenMap::<K, V>::from_bytes(bytes)?))
    }
    let side = |kind: Kind, size: u32| match kind {
        Kind::Str => Some(ItemKind::Str),
        Kind::Bytes => Some(ItemKind::Bytes),
        Kind::Fixed if size == 8 => Some(ItemKind::U64),
        Kind::Fixed => None,
    };
    let (Some(k), Some(v)) = (
        side(info.key_kind, info.key_size),
        side(info.value_kind, info.value_size),
    ) else {
        return Err(format!(
            "{name}: holds fixed-size items of {} / {} bytes; the CLI reads str, bytes and 8-byte (u64) items",
            info.key_size, info.value_size
        ));
    };
    use ItemKind::{Bytes as B, Str as S, U64 as U};
    let map = match (k, v) {
        (S, S) => boxed::<str, str>(bytes),
        (S, B) => boxed::<str, [u8]>(bytes),
        (S, U) => boxed::<str, u64>(bytes),
        (B, S) => boxed::<[u8], str>(bytes),
        (B, B) => boxed::<[u8], [u8]>(bytes),
        (B, U) => boxed::<[u8], u64>(bytes),
        (U, S) => boxed::<u64, str>(bytes),
        (U, B) => boxed::<u64, [u8]>(bytes),
        (U, U) => boxed::<u64, u64>(bytes),
    };
    map.map_err(|e| format!("{name}: {e}"))
}

#[derive(Clone, Copy)]
enum ItemKind {
    Str,
    Bytes,
    U64,
}

fn read_file(path: &Path) -> Result<frozen::AlignedBytes, String> {
    frozen::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

// ---------------------------------------------------------------------------------------------
// gomap get / verify / inspect-frozen
// ---------------------------------------------------------------------------------------------

/// `gomap get FILE KEY...`: prints `KEY<TAB>VALUE` for each key found; fails (exit 1) if one
/// is missing, after looking up all of them.
pub(crate) fn get(args: &GetArgs) -> CliResult {
    let name = args.file.display().to_string();
    let bytes = read_file(&args.file)?;
    let map = open_any(&bytes, &name)?;
    let mut missing = 0;
    for key in &args.keys {
        match map.get_text(key).map_err(|e| {
            CliError::Usage(format!(
                "key {key:?}: {e} (the keys of {name} are {})",
                map.types()
            ))
        })? {
            Some(v) => println!("{key}\t{v}"),
            None => {
                eprintln!("{key}: not found");
                missing += 1;
            }
        }
    }
    if missing > 0 {
        return Err(CliError::Failed(format!(
            "{missing} of {} keys not found in {name}",
            args.keys.len()
        )));
    }
    Ok(())
}

/// `gomap verify FILE`: the O(n) check; prints a summary.
pub(crate) fn verify(args: &VerifyArgs) -> CliResult {
    let name = args.file.display().to_string();
    let bytes = read_file(&args.file)?;
    let map = open_any(&bytes, &name)?;
    map.verify().map_err(|e| format!("{name}: {e}"))?;
    let i = map.info();
    println!(
        "{name}: ok: {} entries ({}), {} chains (B = {}), {} overflow buckets, longest chain {}, {} ({:.1} bytes/entry)",
        i.len,
        map.types(),
        1u64 << i.log2_buckets,
        i.log2_buckets,
        i.overflow_buckets,
        i.max_chain,
        fmt_bytes(i.file_len as f64),
        i.file_len as f64 / i.len.max(1) as f64
    );
    Ok(())
}

/// The [`Stats`] of a frozen map, so the live map's tables and histograms draw it.
fn stats_of(info: &Info, snap: &Snapshot) -> Stats {
    let mut hist = vec![0usize; info.max_chain as usize + 1];
    for c in &snap.buckets {
        if let Some(slot) = hist.get_mut(c.tophash.len()) {
            *slot += 1;
        }
    }
    // `Stats` is non-exhaustive: start from the default and set what a frozen map has.
    let mut stats = Stats::default();
    stats.len = info.len as usize;
    stats.capacity = info.len as usize;
    stats.log2_buckets = info.log2_buckets;
    stats.buckets = snap.buckets.len();
    stats.overflow_buckets = info.overflow_buckets as usize;
    stats.max_chain = info.max_chain as usize;
    stats.chain_histogram = hist;
    stats.heap_bytes = info.file_len as usize;
    stats
}

/// `gomap inspect-frozen FILE`: the bucket pictures of a live map's `gomap inspect`, for a file.
pub(crate) fn inspect_frozen(args: &InspectFrozenArgs) -> CliResult {
    let name = args.file.display().to_string();
    let bytes = read_file(&args.file)?;
    let map = open_any(&bytes, &name)?;
    let info = *map.info();
    let snap = map.snapshot();
    let stats = stats_of(&info, &snap);
    let mut p = Page::new(&format!("gomap frozen map: {name}"));
    p.p(&format!(
        "{name}: a frozen map of {} entries ({}), {} chains (B = {}), {} overflow buckets, longest chain {}, {} on disk. \
         Verified: {}.",
        info.len,
        map.types(),
        snap.buckets.len(),
        info.log2_buckets,
        info.overflow_buckets,
        info.max_chain,
        fmt_bytes(info.file_len as f64),
        match map.verify() {
            Ok(()) => "yes".to_string(),
            Err(e) => format!("no ({})", report::escape(&e.to_string())),
        }
    ));
    p.h2("Buckets");
    p.figure(
        &inspect::layout_picture(&snap, args.max_buckets as usize),
        "The bucket array as stored in the file: each row is a bucket's 8 tophash bytes; overflow \
         buckets (addressed by index in the file) hang below their bucket.",
    );
    p.h2("Stats");
    p.table(&inspect::stats_table(&stats));
    p.h2("Histograms");
    p.figure(
        &inspect::chains_svg(&stats),
        "Chains by length (log scale).",
    );
    p.figure(&inspect::tophash_svg(&snap), "Tophash bytes (log scale).");
    output::write_file(&args.out, &p.finish())?;
    println!("wrote {}", args.out.display());
    Ok(())
}
