//! How a listing's outputs are shown once all its kernels have run: each
//! different output once, with the kernels that printed it named, so that
//! four kernels printing the same fourteen lines show them once, not four
//! times. A new output (no snapshot yet) is shown whole on the first kernel
//! and as a diff against it on the kernels that print something else; an
//! output that differs from its snapshot is shown as the diff, once for all
//! the kernels whose diff is the same. Pure text: [`crate::run::judge`]
//! says the blocks.

use crate::run::messages::{diff, rel};
use crate::snapshot::same;
use console::style;
use std::path::{Path, PathBuf};

/// One kernel's output that is not its snapshot's.
pub struct Shown<'a> {
    /// The kernel's matrix id.
    pub kernel: &'a str,
    /// Its normalized output.
    pub text: &'a str,
    /// The snapshot that applies to it (file and text); `None`: no snapshot
    /// yet, the output is new.
    pub snapshot: Option<&'a (PathBuf, String)>,
}

/// "5.10, 6.1, latest".
fn names(kernels: &[&str]) -> String {
    kernels.join(", ")
}

/// "kernel 6.1" or "kernels 5.10, 6.1".
fn kernels_label(kernels: &[&str]) -> String {
    match kernels {
        [one] => format!("kernel {one}"),
        many => format!("kernels {}", names(many)),
    }
}

/// The blocks to print for listing `id` (`LISTING` or `LISTING.VARIANT`),
/// from its kernels' outputs in matrix order: the new outputs first, then
/// the diffs against snapshots. The same input gives the same blocks,
/// whatever order the kernels finished in.
pub fn blocks(repo: &Path, id: &str, outputs: &[Shown]) -> Vec<String> {
    // New outputs, grouped by text: (kernels, text).
    let mut new: Vec<(Vec<&str>, &str)> = Vec::new();
    // Changed outputs, grouped by the diff: (kernels, snapshot, text).
    let mut changed: Vec<(Vec<&str>, &(PathBuf, String), &str)> = Vec::new();
    for o in outputs {
        match o.snapshot {
            None => match new.iter_mut().find(|(_, t)| same(t, o.text)) {
                Some((ks, _)) => ks.push(o.kernel),
                None => new.push((vec![o.kernel], o.text)),
            },
            Some(snap) => match changed
                .iter_mut()
                .find(|(_, s, t)| s.0 == snap.0 && same(&s.1, &snap.1) && same(t, o.text))
            {
                Some((ks, _, _)) => ks.push(o.kernel),
                None => changed.push((vec![o.kernel], snap, o.text)),
            },
        }
    }
    let mut out = Vec::new();
    if let Some(((first_kernels, first_text), others)) = new.split_first() {
        let title = match first_kernels.as_slice() {
            [one] => format!("{id} on {one}: new output (no snapshot yet)"),
            many => format!(
                "{id}: new output (no snapshot yet), the same on {}",
                names(many)
            ),
        };
        out.push(format!(
            "{}\n{}",
            style(title).yellow().bold(),
            first_text.trim_end()
        ));
        for (kernels, text) in others {
            let title = format!(
                "{id} on {}: new output, differs from the output on {}:",
                names(kernels),
                names(first_kernels)
            );
            out.push(
                diff(
                    first_text,
                    text,
                    &kernels_label(first_kernels),
                    &kernels_label(kernels),
                    &title,
                )
                .trim_end()
                .to_string(),
            );
        }
    }
    for (kernels, (path, old), text) in changed {
        let title = match kernels.as_slice() {
            [one] => format!("{id} on {one}: differs from its snapshot"),
            many => format!(
                "{id}: differs from its snapshot, the same diff on {}",
                names(many)
            ),
        };
        out.push(
            diff(
                old,
                text,
                &rel(repo, path),
                &kernels_label(&kernels),
                &title,
            )
            .trim_end()
            .to_string(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plain(blocks: Vec<String>) -> Vec<String> {
        blocks
            .iter()
            .map(|b| console::strip_ansi_codes(b).into_owned())
            .collect()
    }

    const A: &str = "$ insmod x.ko\nx: hello\n$ rmmod x\n";
    const B: &str = "$ insmod x.ko\nx: hello\nx: bye\n$ rmmod x\n";

    fn new<'a>(kernel: &'a str, text: &'a str) -> Shown<'a> {
        Shown {
            kernel,
            text,
            snapshot: None,
        }
    }

    #[test]
    fn the_same_new_output_is_shown_once_with_its_kernels() {
        let repo = Path::new("/r");
        let outs = [
            new("5.10", A),
            new("6.1", A),
            new("6.12", A),
            new("latest", A),
        ];
        let b = plain(blocks(repo, "x", &outs));
        assert_eq!(
            b,
            [format!(
                "x: new output (no snapshot yet), the same on 5.10, 6.1, 6.12, latest\n{}",
                A.trim_end()
            )]
        );
        // One kernel: named in the title, no "same on".
        let b = plain(blocks(repo, "x.full", &outs[1..2]));
        assert_eq!(b.len(), 1);
        assert!(
            b[0].starts_with("x.full on 6.1: new output (no snapshot yet)\n$ insmod"),
            "{b:?}"
        );
    }

    #[test]
    fn a_new_output_that_differs_is_a_diff_against_the_first() {
        let outs = [
            new("5.10", B),
            new("6.1", A),
            new("6.12", A),
            new("latest", B),
        ];
        let b = plain(blocks(Path::new("/r"), "x", &outs));
        assert_eq!(b.len(), 2, "{b:#?}");
        assert!(
            b[0].starts_with("x: new output (no snapshot yet), the same on 5.10, latest\n"),
            "{}",
            b[0]
        );
        assert_eq!(b[0].matches("x: hello").count(), 1, "shown once");
        let d = &b[1];
        assert!(
            d.starts_with("x on 6.1, 6.12: new output, differs from the output on 5.10, latest:\n"),
            "{d}"
        );
        assert!(
            d.contains("--- kernels 5.10, latest\n+++ kernels 6.1, 6.12\n"),
            "{d}"
        );
        assert!(d.contains("\n-x: bye\n"), "{d}");
        assert!(
            !d.lines()
                .any(|l| l.starts_with('+') && !l.starts_with("+++")),
            "only the line 6.1 lacks: {d}"
        );
    }

    #[test]
    fn identical_diffs_against_a_snapshot_are_grouped() {
        let repo = Path::new("/r");
        let shared = (repo.join("kmods/x/snapshots/x.snap"), A.to_string());
        let own = (repo.join("kmods/x/snapshots/x@5.10.snap"), A.to_string());
        let outs = [
            Shown {
                kernel: "5.10",
                text: B,
                snapshot: Some(&own),
            },
            Shown {
                kernel: "6.1",
                text: B,
                snapshot: Some(&shared),
            },
            Shown {
                kernel: "6.12",
                text: "other\n",
                snapshot: Some(&shared),
            },
            Shown {
                kernel: "latest",
                text: B,
                snapshot: Some(&shared),
            },
        ];
        let b = plain(blocks(repo, "x", &outs));
        assert_eq!(b.len(), 3, "{b:#?}");
        // Another snapshot file: a diff of its own, though the lines agree.
        assert!(
            b[0].starts_with("x on 5.10: differs from its snapshot\n--- kmods/x/snapshots/x@5.10.snap\n+++ kernel 5.10\n"),
            "{}",
            b[0]
        );
        assert!(
            b[1].starts_with("x: differs from its snapshot, the same diff on 6.1, latest\n--- kmods/x/snapshots/x.snap\n+++ kernels 6.1, latest\n"),
            "{}",
            b[1]
        );
        assert!(b[1].contains("\n+x: bye\n"), "{}", b[1]);
        assert!(
            b[2].starts_with("x on 6.12: differs from its snapshot\n"),
            "{}",
            b[2]
        );
    }

    #[test]
    fn new_outputs_come_before_diffs_and_nothing_is_shown_for_none() {
        let repo = Path::new("/r");
        assert!(blocks(repo, "x", &[]).is_empty());
        let snap = (repo.join("kmods/x/snapshots/x@6.1.snap"), A.to_string());
        let outs = [
            Shown {
                kernel: "6.1",
                text: B,
                snapshot: Some(&snap),
            },
            new("6.12", A),
        ];
        let b = plain(blocks(repo, "x", &outs));
        assert!(b[0].starts_with("x on 6.12: new output"), "{b:?}");
        assert!(b[1].starts_with("x on 6.1: differs"), "{b:?}");
    }
}
