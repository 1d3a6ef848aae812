//! What every subcommand shares on its command line: the one size parser (`10M`, `2_000`,
//! `1.5K`) and the error type that decides the exit status.
//!
//! Exit statuses: 0 on success, 2 for a usage error (a bad option value, options that do not
//! fit together: nothing was run), 1 for a failure while running (a file that cannot be
//! written, a Go results file that does not match). Both kinds print one line to standard
//! error starting with `error: `; a usage error adds clap's pointer to `--help`.

use std::fmt;

/// Why a subcommand stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum CliError {
    /// The command line asks for something that cannot run; exit status 2.
    Usage(String),
    /// Running failed; exit status 1.
    Failed(String),
}

impl CliError {
    /// The message, without its kind.
    pub(crate) fn message(&self) -> &str {
        match self {
            CliError::Usage(m) | CliError::Failed(m) => m,
        }
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

/// Runtime failures are reported as plain strings throughout the measuring code.
impl From<String> for CliError {
    fn from(msg: String) -> Self {
        CliError::Failed(msg)
    }
}

impl From<&str> for CliError {
    fn from(msg: &str) -> Self {
        CliError::Failed(msg.to_string())
    }
}

/// What every subcommand returns.
pub(crate) type CliResult<T = ()> = Result<T, CliError>;

/// Parses a size: decimal digits with optional `_` separators and an optional K, M or G suffix
/// (powers of 1000, either case), which may follow a decimal fraction when the result is whole
/// (`1.5K` = 1500). Zero is allowed; use [`size`] where at least 1 is needed.
pub(crate) fn count(s: &str) -> Result<usize, String> {
    let bad = || format!("{s:?} is not a size (examples: 1000, 100K, 2.5M, 1G)");
    let t = s.trim().replace('_', "");
    let (num, mult): (&str, u64) = match t.as_bytes().last() {
        Some(b'k' | b'K') => (&t[..t.len() - 1], 1_000),
        Some(b'm' | b'M') => (&t[..t.len() - 1], 1_000_000),
        Some(b'g' | b'G') => (&t[..t.len() - 1], 1_000_000_000),
        _ => (&t[..], 1),
    };
    let (int, frac) = num.split_once('.').unwrap_or((num, ""));
    let digits = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if int.is_empty() || !digits(int) || !digits(frac) || (num.contains('.') && frac.is_empty()) {
        return Err(bad());
    }
    let too_large = || format!("{s:?} is too large");
    let whole: u64 = int.parse().map_err(|_| too_large())?;
    let mut v = whole.checked_mul(mult).ok_or_else(too_large)?;
    // The fraction, digit by digit: each must land on a whole number.
    let mut scale = mult;
    for d in frac.bytes() {
        if scale % 10 != 0 {
            return Err(format!("{s:?} is not a whole number"));
        }
        scale /= 10;
        v = v
            .checked_add(u64::from(d - b'0') * scale)
            .ok_or_else(too_large)?;
    }
    usize::try_from(v).map_err(|_| too_large())
}

/// Parses a size that must be at least 1 (see [`count`] for the syntax).
pub(crate) fn size(s: &str) -> Result<usize, String> {
    match count(s)? {
        0 => Err("must be at least 1".to_string()),
        v => Ok(v),
    }
}

/// `1000` as `1K`, `2500000` as `2.5M`: the shortest form [`count`] reads back as the same
/// number.
pub(crate) fn show_size(n: usize) -> String {
    for (mult, suffix) in [(1_000_000_000, "G"), (1_000_000, "M"), (1_000, "K")] {
        if n >= mult && (n * 10) % mult == 0 {
            let tenths = n * 10 / mult;
            return if tenths % 10 == 0 {
                format!("{}{suffix}", tenths / 10)
            } else {
                format!("{}.{}{suffix}", tenths / 10, tenths % 10)
            };
        }
    }
    n.to_string()
}

/// A rough duration for a person: `40 s`, `3 min`, `1.5 h`.
pub(crate) fn show_duration(secs: f64) -> String {
    if secs < 90.0 {
        format!("{:.0} s", secs.max(1.0))
    } else if secs < 90.0 * 60.0 {
        format!("{:.0} min", secs / 60.0)
    } else {
        format!("{:.1} h", secs / 3600.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_take_suffixes_separators_and_fractions() {
        assert_eq!(count("1000"), Ok(1000));
        assert_eq!(count("2_000"), Ok(2000));
        assert_eq!(count("100K"), Ok(100_000));
        assert_eq!(count("100k"), Ok(100_000));
        assert_eq!(count("10M"), Ok(10_000_000));
        assert_eq!(count("1G"), Ok(1_000_000_000));
        assert_eq!(count("1.5K"), Ok(1500));
        assert_eq!(count("2.25M"), Ok(2_250_000));
        assert_eq!(count("0"), Ok(0));
        assert_eq!(size("1"), Ok(1));
    }

    #[test]
    fn sizes_reject_what_is_not_a_whole_positive_number() {
        for bad in [
            "", "abc", "-5", "1.5", "1.K", ".5K", "1KM", "1e6", "K", "1,000",
        ] {
            let e = count(bad).unwrap_err();
            assert!(e.contains("is not a"), "{bad:?}: {e}");
        }
        assert!(count("1.0001K").unwrap_err().contains("whole"));
        assert!(count("99999999999999999999")
            .unwrap_err()
            .contains("too large"));
        assert!(count("99999999999G").unwrap_err().contains("too large"));
        assert_eq!(size("0").unwrap_err(), "must be at least 1");
    }

    #[test]
    fn shown_sizes_read_back() {
        for n in [
            1, 999, 1000, 1500, 100_000, 1_000_000, 2_500_000, 10_000_000, 123_456,
        ] {
            assert_eq!(count(&show_size(n)), Ok(n), "{}", show_size(n));
        }
        assert_eq!(show_size(10_000_000), "10M");
        assert_eq!(show_size(2_500_000), "2.5M");
        assert_eq!(show_size(123_456), "123456");
    }
}
