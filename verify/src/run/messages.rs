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
         `cargo insta review` would offer that run's output: remove it (`rm {shown}`)"
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
