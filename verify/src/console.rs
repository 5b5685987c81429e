//! Reading the serial console: the scenario's part of it, crash reports and
//! the outcome they mean (DESIGN.md §4).

use crate::initramfs::{END, START};
use crate::outcome::Outcome;
use crate::vm::Exit;
use regex::Regex;
use std::sync::LazyLock;

static PREFIX: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"^(?:\[\s*\d+\.\d+\]\s?)?(?:\[\s*[TC]\d+\]\s?)?").unwrap());

/// A console line without its `[   1.234567]` timestamp and `[T12]` caller id.
pub fn strip_prefix(line: &str) -> &str {
    let line = line.trim_end_matches('\r');
    let end = PREFIX.find(line).map_or(0, |m| m.end());
    &line[end..]
}

/// Header lines that open a kernel report, with the outcome each means. The
/// first match wins, so the more specific headers come first.
static HEADERS: LazyLock<Vec<(Regex, Outcome)>> = LazyLock::new(|| {
    [
        (r"^Kernel panic - not syncing", Outcome::Panic),
        (r"^BUG: soft lockup - CPU#\d+ stuck for", Outcome::SoftLockup),
        (r"^INFO: task \S+ blocked for more than", Outcome::HungTask),
        (r"^rcu: INFO: rcu_\w+ (?:self-)?detected stalls?", Outcome::RcuStall),
        (r"^BUG: kernel NULL pointer dereference", Outcome::Oops),
        (r"^BUG: unable to handle", Outcome::Oops),
        (r"^BUG: (?:KASAN|KFENCE)", Outcome::Oops),
        (r"^Oops: ", Outcome::Oops),
        (r"^general protection fault", Outcome::Oops),
        (r"^kernel BUG at", Outcome::Oops),
        (r"^BUG: UBSAN", Outcome::Warn),
        (r"^WARNING: ", Outcome::Warn),
        (r"^BUG: sleeping function called from invalid context", Outcome::Warn),
        (r"^BUG: scheduling while atomic", Outcome::Warn),
        // A module that needs a symbol its kernel does not export fails to
        // load; the kernel says so as a warning.
        (r"Unknown symbol ", Outcome::Warn),
    ]
    .into_iter()
    .map(|(r, o)| (Regex::new(r).unwrap(), o))
    .collect()
});

/// The outcome a report header line means, if it is one.
pub fn classify(line: &str) -> Option<Outcome> {
    let l = strip_prefix(line);
    HEADERS.iter().find(|(re, _)| re.is_match(l)).map(|(_, o)| *o)
}

pub fn is_report(line: &str) -> bool {
    classify(line).is_some()
}

/// How bad each outcome is, for choosing one when a run shows several reports
/// (an oops report also carries "BUG: kernel NULL pointer dereference").
fn severity(o: Outcome) -> u8 {
    match o {
        Outcome::Panic => 6,
        Outcome::Oops => 5,
        Outcome::SoftLockup => 4,
        Outcome::RcuStall => 3,
        Outcome::HungTask => 2,
        Outcome::Warn => 1,
        _ => 0,
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub outcome: Outcome,
    pub header: String,
}

pub fn reports(lines: &[&str]) -> Vec<Report> {
    lines
        .iter()
        .filter_map(|l| {
            classify(l).map(|outcome| Report {
                outcome,
                header: strip_prefix(l).to_string(),
            })
        })
        .collect()
}

/// The scenario's part of the console: from the guest's start marker to its
/// end marker (or to the end, if the guest never finished). `None` when the
/// guest never started, with everything the kernel printed.
pub fn scenario_lines(console: &str) -> Result<Vec<&str>, Vec<&str>> {
    let all: Vec<&str> = console.lines().map(|l| l.trim_end_matches('\r')).collect();
    let Some(start) = all.iter().position(|l| strip_prefix(l) == START) else {
        return Err(all);
    };
    let rest = &all[start + 1..];
    let end = rest.iter().position(|l| strip_prefix(l) == END).unwrap_or(rest.len());
    Ok(rest[..end].to_vec())
}

pub fn finished(console: &str) -> bool {
    console.lines().any(|l| strip_prefix(l) == END)
}

/// The outcome of one run: the most severe report; otherwise `timeout` when
/// the guest did not reach its end marker; otherwise `clean`.
pub fn outcome(lines: &[&str], exit: &Exit, finished: bool) -> Outcome {
    if let Some(r) = reports(lines).into_iter().max_by_key(|r| severity(r.outcome)) {
        return r.outcome;
    }
    match exit {
        _ if finished => Outcome::Clean,
        // The guest rebooted before its end marker: with panic=-1 that is a
        // panic whose report we did not see.
        Exit::Qemu(Some(0)) => Outcome::Panic,
        _ => Outcome::Timeout,
    }
}
