//! Simulations, run like modules: each scenario of the `examples` crate is
//! explored (every interleaving of its model), its report rendered as the
//! scenario's binary prints it, and that text compared with
//! `examples/snapshots/<name>.snap` through the same [`Store`] and accept
//! flow as a listing's dmesg. The library is called directly; the examples
//! crate's own test checks that each binary prints exactly this text.

use crate::snapshot::Store;
use examples::ScenarioReport;
use std::path::Path;
use std::time::Instant;

/// The examples crate's directory, relative to the repository root.
pub const EXAMPLES_DIR: &str = "examples";

/// One exploration of a simulation.
#[derive(Debug, Clone)]
pub struct SimRun {
    pub report: ScenarioReport,
    /// What the binary prints: the text of the snapshot.
    pub text: String,
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
}
