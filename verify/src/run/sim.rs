//! Simulations, run like modules: each scenario of the `examples` crate is
//! explored (every interleaving of its model), its report rendered as the
//! scenario's binary prints it, and that text compared with
//! `examples/snapshots/<name>.snap` through the same [`Store`] and accept
//! flow as a listing's dmesg. The library is called directly; the examples
//! crate's own test checks that each binary prints exactly this text.

use crate::run::messages::{
    add_problem, committed_pending, diff, mismatch, rel, stale_pending_warning, status_word,
};
use crate::run::report::{SimEntry, SimVariant};
use crate::snapshot::{self, Status, Store};
use console::style;
use examples::ScenarioReport;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The examples crate's directory, relative to the repository root.
pub const EXAMPLES_DIR: &str = "examples";

/// One exploration of a simulation.
#[derive(Debug, Clone)]
pub struct SimRun {
    /// The explorer's report: per variant, the schedules and reachable outcomes.
    pub report: ScenarioReport,
    /// What the binary prints: the text of the snapshot.
    pub text: String,
    /// Wall seconds of the exploration and its rendering.
    pub secs: f64,
}

/// Every simulation, in the order the book introduces them.
pub fn names() -> Vec<&'static str> {
    examples::scenarios::names()
}

/// Explores simulation `name`; `None` when there is no such scenario.
pub fn run(name: &str) -> Option<SimRun> {
    let started = Instant::now();
    let report = examples::run(name)?;
    let text = examples::report::render(&report);
    Some(SimRun {
        report,
        text,
        secs: started.elapsed().as_secs_f64(),
    })
}

/// Where the accepted output of simulation `name` lives.
pub fn store(repo: &Path, name: &str) -> Store {
    Store::simulation(&repo.join(EXAMPLES_DIR), name)
}

/// The command that prints a simulation's output.
pub fn command(name: &str) -> String {
    format!("cargo run -p examples --bin {name}")
}

/// The simulation whose model has a variant of the `kmods/<kmod>` listing.
pub fn scenario_of_kmod(kmod: &str) -> Option<&'static str> {
    examples::scenarios::all()
        .into_iter()
        .find(|s| s.variants.iter().any(|v| v.kmod == Some(kmod)))
        .map(|s| s.name)
}

/// The entry of simulation `name` from its exploration `first` (and, with
/// `accept`, a second one that must agree): compared with its snapshot,
/// then accepted, or a `.snap.new` written for a changed output (never with
/// `ci`). A pending file this run did not write is a returned warning, or
/// with `ci` (where one can only be committed) a problem. Never fails: a
/// damaged or linked snapshot, or a file that cannot be written, is the
/// entry's problem, so the other simulations and listings, the table and
/// the report stand. `say` prints a message for people.
pub fn judge(
    repo: &Path,
    name: &str,
    first: &SimRun,
    second: Option<&SimRun>,
    accept: bool,
    ci: bool,
    say: &mut dyn FnMut(String),
) -> (SimEntry, Vec<String>) {
    let store = store(repo, name);
    let mut e = SimEntry {
        name: name.to_string(),
        title: first.report.title.clone(),
        variants: first
            .report
            .variants
            .iter()
            .map(|v| SimVariant {
                variant: v.variant.clone(),
                kmod: v.kmod.clone(),
                schedules: v.schedules,
                reachable: v.outcomes.iter().map(|o| o.name.clone()).collect(),
            })
            .collect(),
        snapshot: None,
        problem: None,
        secs: first.secs,
    };
    if let Some(second) = second {
        if !snapshot::same(&first.text, &second.text) {
            add_problem(
                &mut e.problem,
                "output differs between two explorations; not accepted (the exploration must be deterministic)"
                    .into(),
            );
            say(diff(
                &first.text,
                &second.text,
                "first exploration",
                "second exploration",
                &format!("simulation {name}: unstable output"),
            ));
        }
    }
    let (outcomes, schedules) = e.totals();
    say(format!(
        "simulation {name}: {outcomes} reachable outcomes of {schedules} schedules ({:.1}s)",
        e.secs
    ));
    let mut written: Vec<PathBuf> = Vec::new();
    match store.compare_single(&first.text) {
        Err(err) => {
            add_problem(&mut e.problem, format!("{err:#}"));
            say(format!(
                "{}\n{}",
                style(format!(
                    "simulation {name}: its snapshot cannot be used; this run's output:"
                ))
                .red()
                .bold(),
                first.text
            ));
        }
        Ok((status, expected)) => {
            e.snapshot = Some(status.clone());
            if status != Status::Match {
                let title = format!("simulation {name}: snapshot {}", status_word(&status));
                say(mismatch(
                    repo,
                    &expected,
                    &first.text,
                    &command(name),
                    &title,
                ));
            }
            if accept && e.problem.is_none() {
                match store.accept_single(&first.text) {
                    Ok(p) => {
                        if let Some(p) = p {
                            say(format!("accepted {}", rel(repo, &p)));
                        }
                        e.snapshot = Some(Status::Match);
                    }
                    Err(err) => add_problem(&mut e.problem, format!("not accepted: {err:#}")),
                }
            } else if !ci && status != Status::Match && e.problem.is_none() {
                match store.write_pending_single(&first.text) {
                    Ok(p) => {
                        say(format!(
                            "wrote {}; accept with `cargo run -p verify -- --accept {name}`",
                            rel(repo, &p)
                        ));
                        written.push(p);
                    }
                    Err(err) => add_problem(&mut e.problem, format!("{err:#}")),
                }
            }
        }
    }
    let mut warnings = Vec::new();
    match store.pending() {
        // Already the problem when reading the snapshot met it.
        Err(err)
            if e.problem
                .as_deref()
                .is_some_and(|p| p.contains(&format!("{err:#}"))) => {}
        Err(err) => add_problem(&mut e.problem, format!("{err:#}")),
        Ok(pending) => {
            for p in pending.iter().filter(|p| !written.contains(p)) {
                let shown = rel(repo, p);
                if ci {
                    add_problem(&mut e.problem, committed_pending(&shown, name));
                } else {
                    warnings.push(stale_pending_warning(&shown));
                }
            }
        }
    }
    for w in &warnings {
        say(format!("{} {w}", style("warning:").yellow().bold()));
    }
    (e, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::snapshot::Status;

    fn repo() -> std::path::PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    #[test]
    fn every_simulation_matches_its_accepted_snapshot() {
        let names = names();
        assert!(names.contains(&"stop_after_run"), "{names:?}");
        for name in names {
            let r = run(name).unwrap();
            let (status, _) = store(&repo(), name).compare_single(&r.text).unwrap();
            assert_eq!(
                status,
                Status::Match,
                "{name}: `cargo run -p verify -- {name}`"
            );
        }
        assert!(run("no_such_simulation").is_none());
    }

    #[test]
    fn listings_map_to_their_simulation() {
        assert_eq!(scenario_of_kmod("stop_after_run"), Some("stop_after_run"));
        assert_eq!(scenario_of_kmod("null_deref"), None);
        assert_eq!(
            command("lost_wakeup"),
            "cargo run -p examples --bin lost_wakeup"
        );
    }

    /// A scratch repository whose `examples/snapshots/` holds the committed
    /// snapshots of `names`.
    fn scratch(tag: &str, names: &[&str]) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("verify-sim-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("examples/snapshots")).unwrap();
        for n in names {
            std::fs::copy(store(&repo(), n).shared_path(), store(&d, n).shared_path()).unwrap();
        }
        d
    }

    #[test]
    fn a_damaged_simulation_snapshot_fails_that_simulation_alone() {
        let d = scratch("damaged", &["stop_after_run", "lost_wakeup"]);
        let garbage =
            Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/trust/snapshots/garbage.snap");
        std::fs::copy(&garbage, store(&d, "lost_wakeup").shared_path()).unwrap();
        let mut said = Vec::new();
        let entries: Vec<SimEntry> = ["stop_after_run", "lost_wakeup"]
            .iter()
            .map(|n| {
                let r = run(n).unwrap();
                let (e, w) = judge(&d, n, &r, None, false, false, &mut |m| said.push(m));
                assert!(w.is_empty(), "{w:?}");
                e
            })
            .collect();
        assert!(entries[0].passed(), "{:?}", entries[0]);
        assert!(!entries[1].passed());
        let p = entries[1].problem.as_deref().unwrap();
        assert!(
            p.contains("examples/snapshots/lost_wakeup.snap:1:1: not UTF-8"),
            "{p}"
        );
        assert!(
            !store(&d, "lost_wakeup")
                .shared_path()
                .with_extension("snap.new")
                .exists(),
            "no pending file beside a damaged snapshot"
        );
        std::fs::remove_dir_all(d).unwrap();
    }

    #[test]
    fn a_simulation_pending_link_is_refused_and_a_stale_one_named() {
        let d = scratch("pending", &["stop_after_run"]);
        let st = store(&d, "stop_after_run");
        let pending = st.shared_path().with_extension("snap.new");
        let r = run("stop_after_run").unwrap();
        // A stale pending file: the output matches, nothing was written.
        std::fs::write(&pending, "old").unwrap();
        let (e, w) = judge(&d, "stop_after_run", &r, None, false, false, &mut |_| {});
        assert!(e.passed(), "{e:?}");
        assert_eq!(w.len(), 1);
        assert!(w[0].starts_with("examples/snapshots/stop_after_run.snap.new: a pending snapshot this run did not write"), "{w:?}");
        let (e, w) = judge(&d, "stop_after_run", &r, None, false, true, &mut |_| {});
        assert!(w.is_empty());
        assert!(e
            .problem
            .unwrap()
            .contains("a pending snapshot is committed"));
        // A link there, with an output that differs: refused, not followed.
        std::fs::remove_file(&pending).unwrap();
        let victim = d.join("victim.txt");
        std::fs::write(&victim, "keep me").unwrap();
        std::os::unix::fs::symlink(&victim, &pending).unwrap();
        let mut changed = r.clone();
        changed.text.push_str("\nchanged");
        for accept in [false, true] {
            let (e, _) = judge(
                &d,
                "stop_after_run",
                &changed,
                None,
                accept,
                false,
                &mut |_| {},
            );
            let p = e.problem.unwrap();
            assert!(
                p.contains("stop_after_run.snap.new: a symbolic link"),
                "{p}"
            );
            assert_eq!(p.matches("symbolic link").count(), 1, "said once: {p}");
        }
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
        std::fs::remove_dir_all(d).unwrap();
    }
}
