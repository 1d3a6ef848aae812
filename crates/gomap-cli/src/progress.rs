//! The one progress bar style of every subcommand, with an ETA that extrapolates linearly from
//! the start of the bar.
//!
//! indicatif's own `{eta}` follows the recent rate, which is wrong whenever the steps are uneven
//! (a bench run mixes 1K-entry cells of milliseconds with 10M-entry cells of seconds): callers
//! measure their progress in units of estimated work instead, and the ETA is
//! `elapsed × (remaining / done)`, shown only once there is something to extrapolate from.

use std::io::IsTerminal as _;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressState, ProgressStyle};

/// The linear estimate of the time left, or `None` while too little is done to tell.
fn linear_eta(elapsed: Duration, pos: u64, len: u64) -> Option<Duration> {
    if pos == 0 || len == 0 || pos > len {
        return None;
    }
    let fraction = pos as f64 / len as f64;
    if fraction < 0.02 && elapsed < Duration::from_secs(3) {
        return None;
    }
    Some(elapsed.mul_f64((1.0 - fraction) / fraction))
}

/// `1:05`, `12:00`, `1:02:03`.
fn clock(d: Duration) -> String {
    let s = d.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

fn eta_key(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let text = match linear_eta(state.elapsed(), state.pos(), state.len().unwrap_or(0)) {
        Some(d) => format!("~{}", clock(d)),
        None => "?".to_string(),
    };
    let _ = w.write_str(&text);
}

fn elapsed_key(state: &ProgressState, w: &mut dyn std::fmt::Write) {
    let _ = w.write_str(&clock(state.elapsed()));
}

/// A progress bar on standard error for `len` units of work, labelled `msg`; hidden when
/// standard error is not a terminal (pipes, CI, tests). It redraws only when its position is
/// set (no ticker thread, so it adds no background noise to timings).
pub(crate) fn bar(len: u64, msg: &str) -> ProgressBar {
    let bar = if std::io::stderr().is_terminal() {
        ProgressBar::new(len)
    } else {
        ProgressBar::hidden()
    };
    if let Ok(style) = ProgressStyle::with_template(
        "{msg:>30} [{bar:32.cyan/blue}] {percent:>3}%  {elapsed_clock} elapsed, {eta_linear} left",
    ) {
        bar.set_style(
            style
                .with_key("eta_linear", eta_key)
                .with_key("elapsed_clock", elapsed_key)
                .progress_chars("=> "),
        );
    }
    bar.set_message(msg.to_string());
    bar
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn eta_extrapolates_from_the_start() {
        let s = Duration::from_secs;
        assert_eq!(linear_eta(s(40), 40, 65), Some(s(25)));
        assert_eq!(linear_eta(s(10), 50, 100), Some(s(10)));
        assert_eq!(linear_eta(s(10), 100, 100), Some(s(0)));
        assert_eq!(linear_eta(s(1), 1, 1000), None, "too early to tell");
        assert_eq!(linear_eta(s(5), 0, 100), None);
        assert_eq!(clock(s(65)), "1:05");
        assert_eq!(clock(s(3723)), "1:02:03");
    }
}
