//! The verdict on one listing: its runs on each kernel against the manifest,
//! the snapshots and the model, then what `--accept` or a pending
//! `.snap.new` makes of them. Everything that goes wrong here is a problem of
//! that listing's entry (a damaged or linked snapshot, a file that cannot be
//! written), never an error of the whole run: the other listings' results,
//! the table and `report.json` always stand.

use crate::manifest::Scenario;
use crate::run::messages::{add_problem, committed_pending, diff, rel, stale_pending_warning};
use crate::run::pair::RunOutput;
use crate::run::report::Entry;
use crate::run::shown::{blocks, Shown};
use crate::snapshot::{self, Status, Store};
use console::style;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The runs of one (kernel, example) pair, or why they could not happen.
pub type PairResult = Result<Vec<RunOutput>, String>;

/// One kernel's runs of the listing being judged.
pub struct KernelRuns<'a> {
    /// The kernel's matrix id.
    pub kernel: &'a str,
    /// The kernel release the runs booted (`uname -r`).
    pub release: &'a str,
    /// One run, or two with `--accept`.
    pub runs: &'a PairResult,
    /// Files of these runs that could not be kept (the console logs under
    /// `target/verify/work/`), each naming the path and the error: problems
    /// of the entry, since the log is what explains a failure.
    pub unkept: &'a [String],
}

/// What the run was asked to do.
#[derive(Clone, Copy)]
pub struct Settings<'a> {
    /// The repository, to name files relative to it.
    pub repo: &'a Path,
    /// `--accept`: write the snapshots of the runs without a problem.
    pub accept: bool,
    /// `CI=true`: never write; a pending file found is a committed one.
    pub ci: bool,
    /// Every kernel id of the matrix, in its order (the run may do fewer).
    pub matrix: &'a [String],
}

/// The entries of one listing, one per kernel run, and what the run found
/// that does not fail it (stale pending files) for the report's warnings.
#[derive(Debug)]
pub struct Judged {
    /// One per kernel of the runs, in their order.
    pub entries: Vec<Entry>,
    /// Pending `.snap.new` files left by an earlier run, each named for removal.
    pub warnings: Vec<String>,
}

/// One kernel's verdict on a listing, made as soon as that kernel's runs
/// are in ([`kernel`]): its entry as far as that kernel alone decides it,
/// and what the listing's verdict ([`listing`]) needs once every kernel is.
#[derive(Debug)]
pub struct KernelVerdict {
    /// The entry: outcome, problems, the output against its snapshot.
    pub entry: Entry,
    /// The first run's normalized output, when there was a run.
    pub text: Option<String>,
    /// The snapshot that applied to this kernel, when one did and was read.
    pub expected: Option<(PathBuf, String)>,
    /// What `--accept` records of this run for the listing's measures.
    measured: crate::measure::Accepted,
}

impl KernelVerdict {
    /// Whether this kernel's output can be accepted, or left pending: a run
    /// with nothing wrong but (perhaps) its snapshot.
    fn acceptable(&self) -> bool {
        self.entry.problem.is_none() && self.entry.snapshot.is_some() && self.text.is_some()
    }
}

/// Judges listing `sc` on each kernel of `runs` ([`kernel`]), then as a
/// whole ([`listing`]). `say` prints a message for people (diffs, files
/// written). Never fails: each error becomes the `problem` of the entries
/// it concerns.
pub fn example(
    sc: &Scenario,
    runs: &[KernelRuns],
    s: &Settings,
    say: &mut dyn FnMut(String),
) -> Judged {
    let verdicts = runs.iter().map(|r| kernel(sc, r, s, say)).collect();
    listing(sc, verdicts, s, say)
}

/// Judges listing `sc` on one kernel, from that kernel's runs alone: the
/// outcome against the manifest, the measures, the two runs of `--accept`
/// against each other, the model, and the output against its snapshot
/// (compared, not yet written or shown: [`listing`] does that once every
/// kernel is in). `say` prints what concerns this kernel alone (two runs
/// that differ, a snapshot that cannot be read). Never fails.
pub fn kernel(
    sc: &Scenario,
    r: &KernelRuns,
    s: &Settings,
    say: &mut dyn FnMut(String),
) -> KernelVerdict {
    let store = Store::new(&sc.dir, &sc.id());
    let kernel = r.kernel;
    let mut v = KernelVerdict {
        entry: Entry {
            example: sc.name.clone(),
            variant: sc.variant.clone(),
            kernel: kernel.to_string(),
            release: r.release.to_string(),
            outcome: None,
            expected: sc.expected(kernel),
            snapshot: None,
            problem: None,
            build_secs: 0.0,
            build_cached: false,
            boot_secs: 0.0,
            boot: None,
            boot_why: None,
            model: None,
            cut: None,
            measured: BTreeMap::new(),
        },
        text: None,
        expected: None,
        measured: crate::measure::Accepted {
            values: Default::default(),
            release: r.release.to_string(),
            date: String::new(),
        },
    };
    let e = &mut v.entry;
    for u in r.unkept {
        add_problem(&mut e.problem, u.clone());
    }
    let outs = match r.runs {
        Err(msg) => {
            add_problem(&mut e.problem, msg.clone());
            return v;
        }
        Ok(outs) => outs,
    };
    let Some(first) = outs.first() else {
        add_problem(&mut e.problem, "no run was made".into());
        return v;
    };
    e.outcome = Some(first.outcome);
    e.build_secs = first.build_secs;
    e.build_cached = first.build_cached;
    e.boot_secs = first.boot_secs;
    e.boot = first.boot.map(|b| format!("{b:?}").to_lowercase());
    e.boot_why = first.boot_why.clone();
    e.cut = first.cut.clone();
    e.measured = first.measured.clone();
    v.measured.values = first.measured.clone();
    v.measured.date = first.date.clone();
    v.text = Some(first.text.clone());
    measures(sc, kernel, outs, s, e);
    if !first.warnings.is_empty() {
        add_problem(
            &mut e.problem,
            format!("W=1 warnings:\n{}", first.warnings.join("\n")),
        );
    } else if first.outcome != e.expected {
        let key = if sc.expect_on.contains_key(kernel) {
            format!("`expect_on.\"{kernel}\"`")
        } else {
            "`expect` (or `expect_on.\"KERNEL\"` for one kernel)".to_string()
        };
        let msg = format!(
            "outcome {} but the manifest expects {} ({}, key {key}); if the kernel is right, change the manifest",
            first.outcome,
            e.expected,
            rel(s.repo, &sc.dir.join(crate::manifest::FILE_NAME)),
        );
        add_problem(&mut e.problem, msg);
    } else if let Some(second) = outs.get(1) {
        if let Some(why) = instability(first, second) {
            add_problem(&mut e.problem, why);
            say(diff(
                &first.text,
                &second.text,
                "first run",
                "second run",
                &format!("{} on {kernel}: unstable output", sc.id()),
            ));
        }
    }
    if first.text.trim().is_empty() {
        add_problem(
            &mut e.problem,
            "the output is empty, not even the steps; a snapshot cannot hold nothing".into(),
        );
    }
    // Every run of a listing that a simulation models must be one of the
    // model's reachable outcomes. The models are of the listing on the
    // default machine; a variant changes the machine (other CPUs, a
    // preemption model, the allocator's checks), so only the listing itself
    // is held against them.
    if sc.variant.is_none() {
        let models = examples::models_for_kmod(&sc.name);
        match crate::run::crosscheck::check(&models, &sc.name, first.outcome, &first.text) {
            Ok(hit) => e.model = hit,
            Err(msg) => add_problem(&mut e.problem, msg),
        }
    }
    match store.compare(kernel, &first.text) {
        Ok((status, expected)) => {
            e.snapshot = Some(status);
            v.expected = expected;
        }
        Err(err) => {
            // A damaged or linked snapshot fails this entry alone; the
            // output is shown so the run is not wasted.
            add_problem(&mut e.problem, format!("{err:#}"));
            say(format!(
                "{}\n{}",
                style(format!(
                    "{} on kernel {kernel}: its snapshots cannot be used; this run's output:",
                    sc.id()
                ))
                .red()
                .bold(),
                first.text
            ));
        }
    }
    v
}

/// Judges listing `sc` as a whole once every kernel it ran on has its
/// verdict (`verdicts`, in matrix order): shows the outputs that are not
/// the snapshot's, each different one once ([`crate::run::shown`]); then
/// writes what `--accept` calls for, or leaves the layout it would write as
/// pending `.snap.new` files (never with CI=true), removing the pending
/// files an earlier run left for these kernels; reports the pending files
/// it did not write and could not remove. Never fails: each error becomes
/// the `problem` of the entries it concerns.
pub fn listing(
    sc: &Scenario,
    verdicts: Vec<KernelVerdict>,
    s: &Settings,
    say: &mut dyn FnMut(String),
) -> Judged {
    // A variant has snapshots of its own (`LISTING.VARIANT.snap`) and may
    // run on some kernels only: "every kernel" below means those.
    let store = Store::new(&sc.dir, &sc.id());
    let matrix: Vec<String> = s.matrix.iter().filter(|k| sc.runs_on(k)).cloned().collect();
    let s = &Settings {
        matrix: &matrix,
        ..*s
    };
    let ran: Vec<String> = verdicts.iter().map(|v| v.entry.kernel.clone()).collect();
    let shown: Vec<Shown> = verdicts
        .iter()
        .filter_map(|v| {
            let text = v.text.as_deref()?;
            match v.entry.snapshot {
                Some(Status::Missing) => Some(Shown {
                    kernel: &v.entry.kernel,
                    text,
                    snapshot: None,
                }),
                Some(Status::Mismatch) => Some(Shown {
                    kernel: &v.entry.kernel,
                    text,
                    snapshot: Some(v.expected.as_ref()?),
                }),
                _ => None,
            }
        })
        .collect();
    for block in blocks(s.repo, &sc.id(), &shown) {
        say(block);
    }
    // What --accept takes, or would take: every kernel's output without a
    // problem, those that match their snapshot too (the shared one may move).
    let outputs: BTreeMap<String, String> = verdicts
        .iter()
        .filter(|v| v.acceptable())
        .filter_map(|v| Some((v.entry.kernel.clone(), v.text.clone()?)))
        .collect();
    let whole = s.matrix.iter().all(|k| outputs.contains_key(k));
    let mut entries: Vec<Entry> = Vec::new();
    let mut measured = BTreeMap::new();
    for v in verdicts {
        if outputs.contains_key(&v.entry.kernel) {
            measured.insert(v.entry.kernel.clone(), v.measured);
        }
        entries.push(v.entry);
    }
    let mut written = Vec::new();
    if s.accept && !outputs.is_empty() {
        match store.accept(&outputs, whole) {
            Ok((new, removed)) => {
                for p in &new {
                    say(format!("accepted {}", rel(s.repo, p)));
                }
                for p in &removed {
                    say(format!(
                        "removed {} (now the same as the shared snapshot)",
                        rel(s.repo, p)
                    ));
                }
                for e in entries
                    .iter_mut()
                    .filter(|e| outputs.contains_key(&e.kernel))
                {
                    e.snapshot = Some(Status::Match);
                }
                accept_measured(sc, &measured, s, &mut entries, say);
            }
            Err(err) => {
                for e in entries
                    .iter_mut()
                    .filter(|e| outputs.contains_key(&e.kernel))
                {
                    add_problem(&mut e.problem, format!("not accepted: {err:#}"));
                }
            }
        }
    } else if !s.accept && !s.ci && !outputs.is_empty() {
        let differs = entries
            .iter()
            .any(|e| outputs.contains_key(&e.kernel) && e.snapshot != Some(Status::Match));
        let plan = store.plan(&outputs, whole);
        match plan {
            Ok(plan) if differs && !plan.is_empty() => match store.write_pending(&plan) {
                Ok(files) => {
                    say(pending_written(s.repo, sc, &files, &plan, &ran, s.matrix));
                    written = files;
                }
                Err(err) => {
                    for e in entries
                        .iter_mut()
                        .filter(|e| outputs.contains_key(&e.kernel))
                    {
                        add_problem(&mut e.problem, format!("{err:#}"));
                    }
                }
            },
            Ok(_) => {}
            Err(err) => {
                for e in entries
                    .iter_mut()
                    .filter(|e| outputs.contains_key(&e.kernel))
                {
                    add_problem(&mut e.problem, format!("{err:#}"));
                }
            }
        }
    }
    let warnings = stale_pending(&store, &written, &mut entries, s, &ran, say);
    for w in &warnings {
        say(format!("{} {w}", style("warning:").yellow().bold()));
    }
    Judged { entries, warnings }
}

/// The message after pending files were written: the files, and the
/// command that accepts them (on the kernels this run ran, when not all).
fn pending_written(
    repo: &Path,
    sc: &Scenario,
    files: &[PathBuf],
    plan: &snapshot::Plan,
    ran: &[String],
    matrix: &[String],
) -> String {
    let only: String = if ran.len() < matrix.len() {
        ran.iter().map(|k| format!(" --kernel {k}")).collect()
    } else {
        String::new()
    };
    let names: Vec<String> = files.iter().map(|p| rel(repo, p)).collect();
    let mut msg = format!(
        "wrote {}; accept with `cargo run -p verify -- --accept{only} {}`",
        names.join(", "),
        sc.name
    );
    for p in &plan.remove {
        msg.push_str(&format!(
            "\n  ({} is the shared output: `--accept` removes {} instead)",
            rel(repo, &p.with_extension("snap.new")),
            rel(repo, p)
        ));
    }
    msg
}

/// The measures of `sc` in each run of `outs` on `kernel` ([`crate::measure::check`]):
/// a value missing or out of bounds in any of them is a problem of `e`. A
/// build error has no run, hence no values, and is not checked.
fn measures(sc: &Scenario, kernel: &str, outs: &[RunOutput], s: &Settings, e: &mut Entry) {
    let manifest = rel(s.repo, &sc.dir.join(crate::manifest::FILE_NAME));
    for (i, o) in outs.iter().enumerate() {
        if o.outcome == crate::text::outcome::Outcome::BuildError {
            continue;
        }
        for p in crate::measure::check(&sc.measures, &o.measured, kernel, &manifest) {
            let p = if i == 0 {
                p
            } else {
                format!("second run: {p}")
            };
            add_problem(&mut e.problem, p);
        }
    }
}

/// After `--accept` wrote the snapshots of the kernels in `measured`: their
/// values go into the listing's measured file, which the book reads
/// ([`crate::measure::accept`]); a failure is a problem of those entries.
fn accept_measured(
    sc: &Scenario,
    measured: &BTreeMap<String, crate::measure::Accepted>,
    s: &Settings,
    entries: &mut [Entry],
    say: &mut dyn FnMut(String),
) {
    match crate::measure::accept(&sc.dir, &sc.id(), &sc.measures, s.matrix, measured) {
        Ok(Some(p)) if p.exists() => say(format!("accepted {}", rel(s.repo, &p))),
        Ok(Some(p)) => say(format!(
            "removed {} (the listing measures nothing now)",
            rel(s.repo, &p)
        )),
        Ok(None) => {}
        Err(err) => {
            for e in entries
                .iter_mut()
                .filter(|e| measured.contains_key(&e.kernel))
            {
                add_problem(
                    &mut e.problem,
                    format!("measured values not accepted: {err:#}"),
                );
            }
        }
    }
}

/// The pending `.snap.new` files of `store` that this run did not write.
/// Left by an earlier run, they hold its output: when this run wrote pending files of its own, the old ones are
/// removed (said through `say`); otherwise they are named for removal (the
/// returned warnings). With CI=true nothing is ever written and `.snap.new`
/// is ignored by git, so one present was committed by force: a problem of
/// the listing's every entry. A file of a kernel this run did not run may be
/// current, and is left alone; so is the shared one while a kernel that may
/// have written it (one without a file of its own) was not run.
fn stale_pending(
    store: &Store,
    written: &[PathBuf],
    entries: &mut [Entry],
    s: &Settings,
    ran: &[String],
    say: &mut dyn FnMut(String),
) -> Vec<String> {
    let pending = match store.pending() {
        Ok(p) => p,
        Err(err) => {
            // Already each entry's problem when reading the snapshots met
            // it; said again only where it would otherwise be lost.
            let msg = format!("{err:#}");
            for e in entries.iter_mut() {
                if !e.problem.as_deref().is_some_and(|p| p.contains(&msg)) {
                    add_problem(&mut e.problem, msg.clone());
                }
            }
            return Vec::new();
        }
    };
    let ran = |k: &str| ran.iter().any(|r| r == k);
    let mut warnings = Vec::new();
    for p in pending.iter().filter(|p| !written.contains(p)) {
        let shown = rel(s.repo, p);
        if s.ci {
            for e in entries.iter_mut() {
                add_problem(&mut e.problem, committed_pending(&shown, &store.name));
            }
            continue;
        }
        let file = p
            .file_name()
            .map(|f| f.to_string_lossy())
            .unwrap_or_default();
        let covered = match file
            .strip_suffix(".snap.new")
            .and_then(|stem| stem.strip_prefix(store.name.as_str()))
            .and_then(|rest| rest.strip_prefix('@'))
        {
            Some(kernel) => ran(kernel),
            None => s
                .matrix
                .iter()
                .filter(|k| store.kernel_path(k).symlink_metadata().is_err())
                .all(|k| ran(k)),
        };
        if !covered {
            continue;
        }
        if written.is_empty() {
            warnings.push(stale_pending_warning(&shown));
            continue;
        }
        match std::fs::remove_file(p) {
            Ok(()) => say(format!("removed {shown} (left by an earlier run)")),
            Err(e) => warnings.push(format!(
                "{}; it could not be removed ({e})",
                stale_pending_warning(&shown)
            )),
        }
    }
    warnings
}

/// Why `--accept` refuses two runs of a scenario, or `None` when they agree.
/// Output that differs only in numbers (a PID, a time) is a gap of the
/// normalization, which the message names with the tokens and the line; any
/// other difference is the listing's race, to be ordered with completions.
pub fn instability(first: &RunOutput, second: &RunOutput) -> Option<String> {
    if first.outcome != second.outcome {
        return Some(format!(
            "outcome {} in the first run but {} in the second; not accepted (a race in the listing: order it with completions)",
            first.outcome, second.outcome
        ));
    }
    if snapshot::same(&first.text, &second.text) {
        return None;
    }
    Some(text_instability(&first.text, &second.text))
}

/// [`instability`]'s message for two different texts.
pub fn text_instability(first: &str, second: &str) -> String {
    let Some(numbers) = number_differences(first, second) else {
        return "output differs between two runs; not accepted (order it with completions)".into();
    };
    const SHOWN: usize = 3;
    let mut lines: Vec<String> = numbers
        .iter()
        .take(SHOWN)
        .map(|d| {
            let tokens: Vec<String> = d
                .tokens
                .iter()
                .map(|(a, b)| format!("`{a}` vs `{b}`"))
                .collect();
            format!("{} on line {}: {:?}", tokens.join(", "), d.line, d.text)
        })
        .collect();
    if numbers.len() > SHOWN {
        lines.push(format!("and {} more lines", numbers.len() - SHOWN));
    }
    format!(
        "output differs between two runs only in numbers: {}. A number the normalization does not mask \
         (a PID? a time?), not an order completions can fix: report it as a normalization gap \
         (verify/src/text/normalize.rs); not accepted",
        lines.join("; ")
    )
}

/// A line of the first run that differs from the second only in numbers.
#[derive(Debug, PartialEq)]
struct NumberDifference {
    /// 1-based, in the first run's normalized output.
    line: usize,
    text: String,
    /// Each differing number: the first run's, the second run's.
    tokens: Vec<(String, String)>,
}

/// The lines where two texts differ, when they differ in numbers only: the
/// same lines in the same order, each differing line the same words with
/// other numbers. `None` when any line is added, removed, moved (the same
/// lines in another order), or differs in anything else.
fn number_differences(first: &str, second: &str) -> Option<Vec<NumberDifference>> {
    use similar::{capture_diff_slices, Algorithm, DiffOp};
    let (a, b) = (first.trim_end(), second.trim_end());
    let a_lines: Vec<&str> = a.lines().collect();
    let b_lines: Vec<&str> = b.lines().collect();
    // The same lines in another order (`thread 1` and `thread 2` swapped)
    // is the listing's race, even when each line differs only in a number.
    let (mut sa, mut sb) = (a_lines.clone(), b_lines.clone());
    sa.sort_unstable();
    sb.sort_unstable();
    if sa == sb {
        return None;
    }
    let mut found = Vec::new();
    for op in similar::TextDiff::from_lines(a, b).ops() {
        match *op {
            DiffOp::Equal { .. } => {}
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } if old_len == new_len => {
                for k in 0..old_len {
                    let (x, y) = (a_lines[old_index + k], b_lines[new_index + k]);
                    let (tx, ty) = (tokens(x), tokens(y));
                    let mut pairs = Vec::new();
                    for t in capture_diff_slices(Algorithm::Myers, &tx, &ty) {
                        match t {
                            DiffOp::Equal { .. } => {}
                            DiffOp::Replace {
                                old_index: i,
                                old_len: n,
                                new_index: j,
                                new_len: m,
                            } if n == m
                                && tx[i..i + n].iter().chain(&ty[j..j + m]).all(|t| numeric(t)) =>
                            {
                                pairs.extend(
                                    (0..n).map(|q| (tx[i + q].to_string(), ty[j + q].to_string())),
                                );
                            }
                            _ => return None,
                        }
                    }
                    if !pairs.is_empty() {
                        found.push(NumberDifference {
                            line: old_index + k + 1,
                            text: x.to_string(),
                            tokens: pairs,
                        });
                    }
                }
            }
            _ => return None,
        }
    }
    (!found.is_empty()).then_some(found)
}

/// A line's tokens: runs of letters (and `_`), numbers (a digit then any
/// letters and digits: `102`, `0x24`, `22s`), and every other character
/// alone, so `rmmod:106` is `rmmod`, `:`, `106`.
fn tokens(line: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        let len = if c.is_ascii_digit() {
            rest.find(|c: char| !c.is_ascii_alphanumeric())
                .unwrap_or(rest.len())
        } else if c.is_alphabetic() || c == '_' {
            rest.find(|c: char| !(c.is_alphabetic() || c == '_'))
                .unwrap_or(rest.len())
        } else {
            c.len_utf8()
        };
        out.push(&rest[..len]);
        rest = &rest[len..];
    }
    out
}

fn numeric(token: &str) -> bool {
    token.starts_with(|c: char| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::outcome::Outcome;

    /// A run as `pair::run` returns it, without QEMU.
    fn out(outcome: Outcome, text: &str) -> RunOutput {
        RunOutput {
            outcome,
            text: text.to_string(),
            console: String::new(),
            channel: String::new(),
            cut: None,
            build_secs: 1.0,
            build_cached: false,
            boot_secs: 2.0,
            boot: None,
            boot_why: None,
            warnings: vec![],
            measured: Default::default(),
            date: "2026-11-30".into(),
        }
    }

    /// A scratch directory per test, made anew.
    fn tmp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("verify-judge-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    const KERNELS: [&str; 2] = ["5.10", "6.1"];
    const TEXT: &str = "$ insmod demo.ko\ndemo: hello\n$ rmmod demo\n";

    /// Listing `name` under `repo/kmods/`, expecting `clean`.
    fn listing(repo: &Path, name: &str) -> Scenario {
        let dir = repo.join("kmods").join(name);
        std::fs::create_dir_all(&dir).unwrap();
        let ids: Vec<String> = KERNELS.iter().map(|k| k.to_string()).collect();
        Scenario::parse(
            &dir,
            &format!("title='T'\ntitle_zh='T 中'\nexpect='clean'\nsteps=['insmod {name}.ko', 'rmmod {name}']\n"),
            &ids,
        )
        .unwrap()
    }

    /// Judges `sc` as main does, on `kernels`, each with the runs `runs`.
    fn judge(
        repo: &Path,
        sc: &Scenario,
        kernels: &[&str],
        runs: PairResult,
        accept: bool,
        ci: bool,
    ) -> (Judged, Vec<String>) {
        let matrix: Vec<String> = KERNELS.iter().map(|k| k.to_string()).collect();
        let s = Settings {
            repo,
            accept,
            ci,
            matrix: &matrix,
        };
        let per: Vec<KernelRuns> = kernels
            .iter()
            .map(|k| KernelRuns {
                kernel: k,
                release: "R",
                runs: &runs,
                unkept: &[],
            })
            .collect();
        let mut said = Vec::new();
        let j = example(sc, &per, &s, &mut |m| {
            said.push(console::strip_ansi_codes(&m).into())
        });
        (j, said)
    }

    fn passed(e: &Entry) -> bool {
        e.passed()
    }

    /// A run of `text` that measured `ran` = `values`.
    fn measured(text: &str, values: &[i64]) -> RunOutput {
        let mut o = out(Outcome::Clean, text);
        o.measured = crate::measure::Values::from([("ran".to_string(), values.to_vec())]);
        o
    }

    #[test]
    fn measures_fail_runs_outside_their_bounds_and_accept_writes_the_values() {
        let repo = tmp("measure");
        let dir = repo.join("kmods/demo");
        std::fs::create_dir_all(&dir).unwrap();
        let ids: Vec<String> = KERNELS.iter().map(|k| k.to_string()).collect();
        let sc = Scenario::parse(
            &dir,
            "title='T'\ntitle_zh='T 中'\nexpect='clean'\nsteps=['insmod demo.ko']\n\
             [[measure]]\nname='ran'\nline='ran=<N>/300'\nat_least=1\nat_most=299\n",
            &ids,
        )
        .unwrap();
        const RAN: &str = "$ insmod demo.ko\ndemo: ran=<N>/300\n";
        let path = crate::measure::recorded_path(&dir, "demo");
        // Out of bounds in the second run of --accept: refused, nothing written.
        let (j, _) = judge(
            &repo,
            &sc,
            &["6.1"],
            Ok(vec![measured(RAN, &[5]), measured(RAN, &[0])]),
            true,
            false,
        );
        let p = j.entries[0].problem.as_deref().unwrap();
        assert!(
            p.contains("second run: measure `ran` on kernel 6.1: the value 0 (`ran=0/300`) is below `at_least` = 1")
                && p.contains("kmods/demo/scenario.toml"),
            "{p}"
        );
        assert!(!path.exists() && !Store::new(&dir, "demo").has("6.1"));
        // No value: fails, naming the line looked for.
        let (j, _) = judge(
            &repo,
            &sc,
            &["6.1"],
            Ok(vec![measured(RAN, &[])]),
            false,
            false,
        );
        let p = j.entries[0].problem.as_deref().unwrap();
        assert!(
            p.contains("measure `ran` has no value on kernel 6.1") && p.contains("`ran=<N>/300`"),
            "{p}"
        );
        // A build error has no run and no values: not a measure's failure.
        let (j, _) = judge(
            &repo,
            &sc,
            &["6.1"],
            Ok(vec![out(Outcome::BuildError, "error\n")]),
            false,
            false,
        );
        assert!(!j.entries[0]
            .problem
            .as_deref()
            .unwrap_or("")
            .contains("measure"));
        // Good runs: accepted, the values in the report and the measured file.
        let (j, said) = judge(
            &repo,
            &sc,
            &KERNELS,
            Ok(vec![measured(RAN, &[7, 8]), measured(RAN, &[9, 10])]),
            true,
            false,
        );
        assert!(j.entries.iter().all(passed), "{:#?}", j.entries);
        assert_eq!(j.entries[0].measured["ran"], [7, 8]);
        let json = serde_json::to_value(&j.entries[0]).unwrap();
        assert_eq!(json["measured"]["ran"], serde_json::json!([7, 8]));
        assert!(
            said.iter()
                .any(|m| m == "accepted kmods/demo/snapshots/demo.measured.toml"),
            "{said:?}"
        );
        let r = crate::measure::Recorded::read(&path).unwrap().unwrap();
        assert_eq!(r.0["ran"]["5.10"].values, [7, 8], "the first run's");
        assert_eq!(r.0["ran"]["6.1"].release, "R");
        assert_eq!(r.0["ran"]["6.1"].date, "2026-11-30");
        // CI=true writes nothing, and still fails a value out of bounds.
        std::fs::remove_file(&path).unwrap();
        let (j, _) = judge(
            &repo,
            &sc,
            &["6.1"],
            Ok(vec![measured(RAN, &[300])]),
            false,
            true,
        );
        assert!(j.entries[0]
            .problem
            .as_deref()
            .unwrap()
            .contains("above `at_most` = 299"));
        assert!(!path.exists());
        std::fs::remove_dir_all(repo).unwrap();
    }

    #[test]
    fn one_damaged_snapshot_fails_its_entry_alone() {
        // trust/snapshots: a damaged snapshot aborted the whole run, with no
        // table and no report; now it is that entry's problem, naming the
        // file and the line, and every other result stands.
        let repo = tmp("damaged");
        let cases = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/trust/snapshots");
        let a = listing(&repo, "demo");
        let store = Store::new(&a.dir, "demo");
        store.write_file(&store.shared_path(), TEXT).unwrap();
        std::fs::copy(cases.join("no_closing.snap"), store.kernel_path("6.1")).unwrap();
        let b = listing(&repo, "other");
        let other = Store::new(&b.dir, "other");
        other
            .write_file(&other.shared_path(), &TEXT.replace("demo", "other"))
            .unwrap();
        let mut entries = Vec::new();
        let (j, said) = judge(
            &repo,
            &a,
            &KERNELS,
            Ok(vec![out(Outcome::Clean, TEXT)]),
            false,
            false,
        );
        entries.extend(j.entries);
        let (j, _) = judge(
            &repo,
            &b,
            &KERNELS,
            Ok(vec![out(Outcome::Clean, &TEXT.replace("demo", "other"))]),
            false,
            false,
        );
        entries.extend(j.entries);
        let failed: Vec<&Entry> = entries.iter().filter(|e| !passed(e)).collect();
        assert_eq!(failed.len(), 1, "{entries:#?}");
        assert_eq!(
            (failed[0].example.as_str(), failed[0].kernel.as_str()),
            ("demo", "6.1")
        );
        let p = failed[0].problem.as_deref().unwrap();
        assert!(
            p.contains("demo@6.1.snap:1: the header opened here is never closed"),
            "{p}"
        );
        assert_eq!(
            failed[0].outcome,
            Some(Outcome::Clean),
            "the run's outcome is kept"
        );
        assert!(said
            .iter()
            .any(|m| m.contains("cannot be used") && m.contains("demo: hello")));
        // No pending file is written beside a damaged snapshot.
        assert!(store.pending().unwrap().is_empty());
        // The table and the report are made of all of them.
        let report = crate::run::report::Report {
            accelerator: None,
            kernels: vec![],
            passed: false,
            entries,
            simulations: vec![],
            warnings: vec![],
            total_secs: 0.0,
        };
        let json = serde_json::to_value(&report).unwrap();
        assert_eq!(json["entries"].as_array().unwrap().len(), 4);
        std::fs::remove_dir_all(repo).unwrap();
    }

    #[test]
    fn a_pending_link_fails_the_listing_and_is_never_written_through() {
        // trust/snapwrite through the whole judgement: the output differs
        // (no snapshot), so a pending file would be written.
        let repo = tmp("snapwrite");
        let victim = repo.join("victim.txt");
        std::fs::write(&victim, "keep me\n").unwrap();
        let sc = listing(&repo, "demo");
        let store = Store::new(&sc.dir, "demo");
        std::fs::create_dir_all(&store.dir).unwrap();
        let link = store.dir.join("demo.snap.new");
        std::os::unix::fs::symlink(&victim, &link).unwrap();
        for accept in [false, true] {
            let (j, _) = judge(
                &repo,
                &sc,
                &KERNELS,
                Ok(vec![out(Outcome::Clean, TEXT)]),
                accept,
                false,
            );
            for e in &j.entries {
                let p = e.problem.as_deref().unwrap_or("");
                assert!(
                    p.contains(&format!("{}: a symbolic link", link.display())),
                    "{p}"
                );
                assert_eq!(p.matches("symbolic link").count(), 1, "said once: {p}");
            }
        }
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me\n");
        assert!(!store.shared_path().exists());
        std::fs::remove_dir_all(repo).unwrap();
    }

    #[test]
    fn stale_pending_files_are_named() {
        let repo = tmp("stale");
        let sc = listing(&repo, "demo");
        let store = Store::new(&sc.dir, "demo");
        store.write_file(&store.shared_path(), TEXT).unwrap();
        let shared_new = store.dir.join("demo.snap.new");
        let own_new = store.dir.join("demo@6.1.snap.new");
        std::fs::write(&shared_new, "old").unwrap();
        std::fs::write(&own_new, "old").unwrap();
        let runs = Ok(vec![out(Outcome::Clean, TEXT)]);
        // The whole matrix matches: both are stale, and the run passes.
        let (j, said) = judge(&repo, &sc, &KERNELS, runs.clone(), false, false);
        assert!(j.entries.iter().all(passed), "{:#?}", j.entries);
        assert_eq!(j.warnings.len(), 2, "{:?}", j.warnings);
        assert!(j.warnings[0].starts_with(
            "kmods/demo/snapshots/demo.snap.new: a pending snapshot this run did not write"
        ));
        assert!(j.warnings[1].starts_with("kmods/demo/snapshots/demo@6.1.snap.new"));
        assert!(said
            .iter()
            .any(|m| m.starts_with("warning: kmods/demo/snapshots/demo.snap.new")));
        // Only 6.1 ran: 5.10 may have written the shared one.
        let (j, _) = judge(&repo, &sc, &["6.1"], runs.clone(), false, false);
        assert_eq!(j.warnings.len(), 1, "{:?}", j.warnings);
        assert!(j.warnings[0].contains("demo@6.1.snap.new"));
        // Only 6.1 ran, and its output changed: `--accept --kernel 6.1`
        // would give it a file of its own, so that is the pending file (the
        // earlier one replaced). The shared pending file may hold 5.10's
        // output, which did not run: it stays, unnamed.
        let changed = Ok(vec![out(Outcome::Clean, "$ insmod demo.ko\nchanged\n")]);
        let (j, said) = judge(&repo, &sc, &["6.1"], changed.clone(), false, false);
        assert!(j.warnings.is_empty(), "{:?}", j.warnings);
        assert_eq!(
            std::fs::read_to_string(&own_new).unwrap().lines().last(),
            Some("changed")
        );
        assert_eq!(std::fs::read_to_string(&shared_new).unwrap(), "old");
        assert!(
            said.iter().any(|m| m.starts_with(
                "wrote kmods/demo/snapshots/demo@6.1.snap.new; accept with `cargo run -p verify -- --accept --kernel 6.1 demo`"
            )),
            "{said:?}"
        );
        // Both kernels changed alike: the shared pending file is written,
        // and 6.1's, from the earlier run, removed.
        let (j, said) = judge(&repo, &sc, &KERNELS, changed, false, false);
        assert!(j.warnings.is_empty(), "{:?}", j.warnings);
        assert!(!own_new.exists());
        assert_eq!(
            std::fs::read_to_string(&shared_new).unwrap().lines().last(),
            Some("changed")
        );
        assert!(
            said.iter()
                .any(|m| m
                    == "removed kmods/demo/snapshots/demo@6.1.snap.new (left by an earlier run)"),
            "{said:?}"
        );
        // With CI=true a pending file can only be committed: a failure.
        let (j, _) = judge(&repo, &sc, &KERNELS, runs, false, true);
        assert!(j.warnings.is_empty());
        for e in &j.entries {
            assert!(!e.passed());
            assert!(e
                .problem
                .as_deref()
                .unwrap()
                .contains("demo.snap.new: a pending snapshot is committed"));
        }
        std::fs::remove_dir_all(repo).unwrap();
    }

    #[test]
    fn a_log_that_could_not_be_kept_fails_its_entry() {
        let repo = tmp("unkept");
        let sc = listing(&repo, "demo");
        let store = Store::new(&sc.dir, "demo");
        store.write_file(&store.shared_path(), TEXT).unwrap();
        let runs = Ok(vec![out(Outcome::Clean, TEXT)]);
        let unkept = vec!["could not keep /w/console-0.log: No space left on device".to_string()];
        let matrix: Vec<String> = vec!["6.1".into()];
        let s = Settings {
            repo: &repo,
            accept: false,
            ci: false,
            matrix: &matrix,
        };
        let per = [KernelRuns {
            kernel: "6.1",
            release: "R",
            runs: &runs,
            unkept: &unkept,
        }];
        let j = example(&sc, &per, &s, &mut |_| {});
        assert_eq!(j.entries[0].problem.as_deref(), Some(unkept[0].as_str()));
        assert_eq!(j.entries[0].snapshot, Some(Status::Match));
        std::fs::remove_dir_all(repo).unwrap();
    }

    /// The line 7.2 prints in `outcomes/rw_mutex_stop_deadlock`, whose PIDs
    /// the normalization missed: `--accept` was refused with "order it with
    /// completions", which no ordering can fix.
    const BLOCKED: &str =
        "INFO: task rw_mutex_stop:102 is blocked on a mutex likely owned by task rmmod:106.";

    fn deadlock(blocked: &str) -> String {
        format!(
            "$ insmod rw_mutex_stop_deadlock.ko\nrw_mutex_stop_deadlock: worker started\n$ rmmod rw_mutex_stop_deadlock\n\
             INFO: task rmmod:<PID> blocked for more than <N> seconds.\n      Not tainted <VER>\n\
             \"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.\n{blocked}\n"
        )
    }

    #[test]
    fn runs_differing_in_numbers_name_the_tokens() {
        let other = BLOCKED.replace("102", "101").replace("106", "105");
        let msg = text_instability(&deadlock(BLOCKED), &deadlock(&other));
        assert!(
            msg.contains("only in numbers: `102` vs `101`, `106` vs `105` on line 7:"),
            "{msg}"
        );
        assert!(msg.contains(BLOCKED), "{msg}");
        assert!(msg.contains("normalization gap"), "{msg}");
        assert!(!msg.contains("order it with completions"), "{msg}");
        // One PID only, and through the whole judgement of two runs.
        let one = BLOCKED.replace("106", "107");
        let msg = instability(
            &out(Outcome::HungTask, &deadlock(BLOCKED)),
            &out(Outcome::HungTask, &deadlock(&one)),
        )
        .unwrap();
        assert!(msg.contains("`106` vs `107` on line 7"), "{msg}");
    }

    #[test]
    fn runs_differing_in_order_or_words_keep_the_completions_advice() {
        let a = "$ insmod x.ko\nx: thread 1 ran\nx: thread 2 ran\n";
        let swapped = "$ insmod x.ko\nx: thread 2 ran\nx: thread 1 ran\n";
        let worded = "$ insmod x.ko\nx: thread 1 ran\nx: thread 2 slept\n";
        let longer = "$ insmod x.ko\nx: thread 1 ran\nx: thread 2 ran\nx: thread 3 ran\n";
        let mixed = "$ insmod x.ko\nx: thread 1 ran\nx: thread 3 slept\n";
        for b in [swapped, worded, longer, mixed] {
            let msg = text_instability(a, b);
            assert!(msg.contains("order it with completions"), "{b}: {msg}");
            assert!(!msg.contains("only in numbers"), "{b}: {msg}");
        }
        assert_eq!(
            instability(
                &out(Outcome::Clean, a),
                &out(Outcome::Clean, &format!("{a}\n\n"))
            ),
            None
        );
        let msg = instability(&out(Outcome::Clean, a), &out(Outcome::Oops, a)).unwrap();
        assert!(
            msg.contains("outcome clean in the first run but oops in the second"),
            "{msg}"
        );
    }

    #[test]
    fn an_unstable_accept_is_refused_with_the_tokens_and_writes_nothing() {
        let repo = tmp("unstable");
        let sc = listing(&repo, "demo");
        let store = Store::new(&sc.dir, "demo");
        let a = "$ insmod demo.ko\ndemo: worker pid 101\n";
        let b = "$ insmod demo.ko\ndemo: worker pid 102\n";
        let runs = Ok(vec![out(Outcome::Clean, a), out(Outcome::Clean, b)]);
        let (j, said) = judge(&repo, &sc, &KERNELS, runs, true, false);
        for e in &j.entries {
            let p = e.problem.as_deref().unwrap();
            assert!(p.contains("`101` vs `102` on line 2"), "{p}");
        }
        assert!(said.iter().any(|m| m.contains("unstable output")));
        assert!(store.files().unwrap().is_empty(), "nothing accepted");
        std::fs::remove_dir_all(repo).unwrap();
    }

    #[test]
    fn tokens_split_numbers_from_words() {
        assert_eq!(
            tokens("rmmod/90/0x00000002 cpu3 22s"),
            [
                "rmmod",
                "/",
                "90",
                "/",
                "0x00000002",
                " ",
                "cpu",
                "3",
                " ",
                "22s"
            ]
        );
    }
}
