//! The wording a verdict is told in, shared by the judges of listings
//! ([`crate::run::judge`]) and of simulations ([`crate::run::sim`]): how a
//! problem is added to an entry, what a pending snapshot is called, file
//! names relative to the repository, and the coloured diffs.

use crate::snapshot::Status;
use console::style;
use std::path::{Path, PathBuf};

/// Adds `msg` to an entry's `problem`, one problem a line.
pub fn add_problem(problem: &mut Option<String>, msg: String) {
    *problem = Some(match problem.take() {
        Some(p) => format!("{p}\n{msg}"),
        None => msg,
    });
}

/// A pending `.snap.new` found under CI=true, which never writes one: it
/// was committed (git ignores them), a problem of the example `name`.
pub fn committed_pending(shown: &str, name: &str) -> String {
    format!(
        "{shown}: a pending snapshot is committed (CI=true never writes one, and git ignores them): \
         accept it locally with `cargo run -p verify -- --accept {name}` or delete it, and commit without it"
    )
}

/// A pending `.snap.new` that this run did not write: a warning.
pub fn stale_pending_warning(shown: &str) -> String {
    format!(
        "{shown}: a pending snapshot this run did not write (left by an earlier run); \
         it holds that run's output: remove it (`rm {shown}`)"
    )
}

/// `p` relative to the repository, as messages name files.
pub fn rel(repo: &Path, p: &Path) -> String {
    p.strip_prefix(repo).unwrap_or(p).display().to_string()
}

/// "missing" or "differs", for a title.
pub fn status_word(status: &Status) -> &'static str {
    match status {
        Status::Missing => "missing",
        _ => "differs",
    }
}

/// What to show for output that does not match its snapshot: the diff
/// against it, or the whole output when there is none yet.
pub fn mismatch(
    repo: &Path,
    expected: &Option<(PathBuf, String)>,
    text: &str,
    new_name: &str,
    title: &str,
) -> String {
    match expected {
        Some((path, old)) => diff(old, text, &rel(repo, path), new_name, title),
        None => format!("{}\n{}", style(title).yellow().bold(), text),
    }
}

/// A coloured unified diff with a title naming the example and the kernel.
pub fn diff(old: &str, new: &str, old_name: &str, new_name: &str, title: &str) -> String {
    // Snapshots compare without trailing whitespace; so does the diff.
    let (old, new) = (
        format!("{}\n", old.trim_end()),
        format!("{}\n", new.trim_end()),
    );
    let text_diff = similar::TextDiff::from_lines(&old, &new);
    let mut s = format!("{}\n", style(title).yellow().bold());
    for line in text_diff
        .unified_diff()
        .context_radius(3)
        .header(old_name, new_name)
        .to_string()
        .lines()
    {
        let styled = match line.chars().next() {
            Some('+') => style(line).green().to_string(),
            Some('-') => style(line).red().to_string(),
            Some('@') => style(line).cyan().to_string(),
            _ => line.to_string(),
        };
        s.push_str(&styled);
        s.push('\n');
    }
    s
}

/// `ok`, `NEW` (no snapshot yet, nothing else wrong) or `FAIL`, coloured,
/// four columns wide.
pub fn mark(passed: bool, new: bool) -> String {
    match (passed, new) {
        (true, _) => style("ok  ").green().to_string(),
        (false, true) => style("NEW ").yellow().bold().to_string(),
        (false, false) => style("FAIL").red().bold().to_string(),
    }
}

/// The line said as soon as one kernel's runs of a listing are judged
/// ([`crate::run::judge::kernel`]), before the listing's other kernels are
/// done: `ok`, `NEW` or `FAIL`, the outcome, how the output compares with
/// its snapshot, the times, then each problem's lines indented below. With
/// `accept`, a run without a problem is `ok`: its output is accepted once
/// the listing's every kernel is in.
pub fn kernel_line(e: &crate::run::report::Entry, accept: bool) -> String {
    let clean = e.problem.is_none() && e.outcome == Some(e.expected);
    let mark = mark(e.passed() || (accept && clean), e.is_new() && !accept);
    let mut s = format!("{mark} {} on {}: ", e.row(), e.kernel);
    if let Some(outcome) = e.outcome {
        s.push_str(&outcome.to_string());
        let snapshot = match (&e.snapshot, accept) {
            (Some(Status::Match), _) => ", as its snapshot",
            (Some(Status::Missing), false) => ", no snapshot yet",
            (Some(Status::Mismatch), false) => ", differs from its snapshot",
            (Some(Status::Missing), true) => ", no snapshot yet: to accept",
            (Some(Status::Mismatch), true) => ", differs from its snapshot: to accept",
            (None, _) => "",
        };
        let snapshot = if accept && !clean {
            snapshot.trim_end_matches(": to accept")
        } else {
            snapshot
        };
        s.push_str(snapshot);
        let build = if e.build_cached {
            "kept".to_string()
        } else {
            format!("{:.1}s", e.build_secs)
        };
        // A resumed guest is not a boot; a boot that should have been a
        // resume says why.
        let start = match (e.boot.as_deref(), &e.boot_why) {
            (Some("resumed"), _) => "resumed",
            _ => "boot",
        };
        s.push_str(&format!(" (build {build}, {start} {:.1}s)", e.boot_secs));
        for (i, line) in e.boot_why.iter().flat_map(|w| w.lines()).enumerate() {
            let head = if i == 0 { "booted: " } else { "        " };
            s.push_str(&format!("\n     {head}{line}"));
        }
    } else {
        s.push_str("no run");
    }
    for line in e.problem.iter().flat_map(|p| p.lines()) {
        s.push_str(&format!("\n     {}", style(line).red()));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::outcome::Outcome;

    fn entry(boot: &str, why: Option<&str>) -> crate::run::report::Entry {
        crate::run::report::Entry {
            example: "a".into(),
            variant: None,
            kernel: "6.1".into(),
            release: "6.1.0-57-cloud-amd64".into(),
            outcome: Some(Outcome::Clean),
            expected: Outcome::Clean,
            snapshot: Some(Status::Match),
            problem: None,
            build_secs: 1.0,
            build_cached: true,
            boot_secs: 1.8,
            boot: Some(boot.into()),
            boot_why: why.map(str::to_string),
            model: None,
            cut: None,
            measured: Default::default(),
        }
    }

    #[test]
    fn the_line_says_resumed_or_boot_and_why_it_booted_on_indented_lines() {
        assert_eq!(
            kernel_line(&entry("resumed", None), false),
            "ok   a on 6.1: clean, as its snapshot (build kept, resumed 1.8s)"
        );
        assert_eq!(
            kernel_line(&entry("pvh", Some("resuming failed: qemu: one\nqemu: two")), false),
            "ok   a on 6.1: clean, as its snapshot (build kept, boot 1.8s)\n     booted: resuming failed: qemu: one\n             qemu: two"
        );
    }
}
