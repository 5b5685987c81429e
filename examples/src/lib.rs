//! Userspace models of kthread semantics for the kthread book.
//!
//! Some truths about kthreads cannot be shown by one run of a module: a race
//! has several outcomes and one boot shows one of them; a use-after-free may
//! not crash. Each scenario here is a listing of the book written as a small
//! program over a model of `kernel/kthread.c` ([`model`], [`program`]); the
//! explorer ([`explore`]) runs every interleaving of its atomic steps and
//! reports each reachable outcome with the shortest schedule that reaches it
//! ([`report`]). One binary per scenario prints that report; `verify` uses
//! [`models_for_kmod`] and [`report::cross_check`] to check that what a real
//! kernel did is one of the reachable outcomes.
//!
//! Module map: `model` (kernel objects and one atomic step), `program`
//! (writing scenarios like the C listings), `explore` (every schedule),
//! `scenarios` (the listings), `report` (data, text, cross-check), `cli`
//! (the binaries' command line).
//!
//! Adding a scenario: write it in `scenarios` after its C listing and add it
//! to `scenarios::all()`; add `src/bin/<name>.rs` (three lines, like the
//! others) and a `snapshot!(<name>)` line in `tests/snapshots.rs`; state its
//! reachable set in `tests/reachable.rs`; accept its output into
//! `snapshots/<name>.snap` (`cargo run -p verify -- --accept <name>`, or
//! `cargo insta review`); set `Variant::kmod` once the `kmods/` listing
//! exists (and `Variant::load`, one variant per load, if its scenario loads
//! the module more than once), so verify cross-checks it; put
//! `{{#sim <name>}}` into the book.

pub mod cli;
pub mod explore;
pub mod model;
pub mod program;
pub mod report;
pub mod scenarios;

pub use report::{cross_check, OutcomeReport, ScenarioReport, VariantReport, WitnessStep};

/// Explore every variant of scenario `name` (a binary name, e.g.
/// `stop_after_run`); `None` for an unknown name.
pub fn run(name: &str) -> Option<ScenarioReport> {
    scenarios::find(name).map(|s| report::scenario_report(&s))
}

/// The explored models of the `kmods/<kmod>` listing: one for the whole
/// scenario, or one per load (`VariantReport::load`) when the scenario loads
/// the module more than once. Empty when nothing models it.
pub fn models_for_kmod(kmod: &str) -> Vec<VariantReport> {
    scenarios::all()
        .iter()
        .flat_map(|s| s.variants.iter())
        .filter(|v| v.kmod == Some(kmod))
        .map(report::variant_report)
        .collect()
}
