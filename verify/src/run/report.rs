//! The end of a run: the matrix table for people, and `report.json` for
//! machines (the pull-request workflow uploads it, the integration tests
//! read it; the book does not: it renders the accepted snapshots).
//! Listings have a row per kernel; simulations, which do not depend on the
//! kernel, a row each of their own.

use crate::snapshot::Status;
use crate::text::outcome::Outcome;
use console::style;
use serde::Serialize;
use std::collections::BTreeMap;

/// One kernel the run used, as `report.json` lists it, in matrix order.
#[derive(Debug, Clone, Serialize)]
pub struct KernelInfo {
    /// The matrix id (`kernels.toml`, `--kernel`), e.g. `6.1`.
    pub id: String,
    /// The Debian suite whose kernel it is (`bookworm`).
    pub suite: String,
    /// `uname -r` of the build root's kernel (its `boot/vmlinuz-*`).
    pub release: String,
    /// Time spent making the build root in this run; 0 when it was cached.
    pub provision_secs: f64,
}

/// One run of a listing (or of a variant of it) on one kernel: a cell of
/// the table and an element of `report.json`'s `entries`.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    /// The listing: its directory name under `kmods/`.
    pub example: String,
    /// The manifest's `[[variant]]` this run is, `None` for the listing
    /// itself.
    pub variant: Option<String>,
    /// The kernel's matrix id.
    pub kernel: String,
    /// `uname -r` of the kernel the run booted.
    pub release: String,
    /// What the kernel did; `None` when the harness failed before there was
    /// an outcome (then `problem` says why).
    pub outcome: Option<Outcome>,
    /// The manifest's `expect`, or its `expect_on` for this kernel.
    pub expected: Outcome,
    /// The output against its snapshot; `None` when it was not compared (no
    /// run, or the snapshots could not be read: see `problem`).
    pub snapshot: Option<Status>,
    /// What went wrong, when something did.
    pub problem: Option<String>,
    /// Seconds `make` took inside the build root; for a kept build
    /// (`build_cached`), what it took when it was made.
    pub build_secs: f64,
    /// The build was a kept one ([`crate::host::build_cache`]), not made in this run.
    pub build_cached: bool,
    /// Seconds QEMU ran, boot included; 0 after a build error.
    pub boot_secs: f64,
    /// How the guest started: `resumed` (a saved guest), else the
    /// kernel image that booted, `pvh` (the vmlinux) or `bzimage`
    /// ([`crate::guest::vm::Boot`]); `None` when nothing ran.
    pub boot: Option<String>,
    /// Why the run booted instead of resuming a saved guest
    /// ([`crate::guest::restore`]), when it did and resuming was on.
    pub boot_why: Option<String>,
    /// For a listing a simulation models: the model's reachable outcome this
    /// run was (`crosscheck`); a run that is none of them has a `problem`.
    pub model: Option<String>,
    /// When and why the run stopped before its last step (a panic, or
    /// silence until the time limit); `None` for a run that went to its end.
    pub cut: Option<String>,
    /// The values of the listing's `[[measure]]`s in this run: measure name
    /// → every value, in console order (`crate::measure`); empty without a
    /// run or without measures.
    pub measured: BTreeMap<String, Vec<i64>>,
}

impl Entry {
    /// The row of the table: the listing, or `LISTING.VARIANT`.
    pub fn row(&self) -> String {
        match &self.variant {
            Some(v) => format!("{}.{v}", self.example),
            None => self.example.clone(),
        }
    }

    /// No problem, the expected outcome, and output that matches its snapshot.
    pub fn passed(&self) -> bool {
        self.problem.is_none()
            && self.outcome == Some(self.expected)
            && self.snapshot == Some(Status::Match)
    }

    /// A first run: nothing wrong but that no snapshot holds the output yet.
    /// Not passed (nothing was compared), but not a failure either: the
    /// output waits to be read and accepted.
    pub fn is_new(&self) -> bool {
        self.problem.is_none()
            && self.outcome == Some(self.expected)
            && self.snapshot == Some(Status::Missing)
    }
}

/// One simulation of the `examples` crate, run like a listing.
#[derive(Debug, Clone, Serialize)]
pub struct SimEntry {
    /// The simulation: a binary of `examples/`, also its snapshot's name.
    pub name: String,
    /// The scenario's title, as the simulation's report gives it.
    pub title: String,
    /// One per variant of the model, in the model's order.
    pub variants: Vec<SimVariant>,
    /// The output against `examples/snapshots/NAME.snap`; `None` when the
    /// snapshot could not be read (see `problem`).
    pub snapshot: Option<Status>,
    /// What went wrong, one problem a line; `None` when nothing did.
    pub problem: Option<String>,
    /// Seconds the first exploration took, rendering included.
    pub secs: f64,
}

/// One variant of a simulation's model, as its exploration found it.
#[derive(Debug, Clone, Serialize)]
pub struct SimVariant {
    /// The variant's name in the model (`listing` for the listing as written).
    pub variant: String,
    /// The `kmods/` listing it models, if any.
    pub kmod: Option<String>,
    /// Complete schedules explored.
    pub schedules: u64,
    /// The names of the reachable outcomes.
    pub reachable: Vec<String>,
}

impl SimEntry {
    /// No problem, and output that matches its snapshot.
    pub fn passed(&self) -> bool {
        self.problem.is_none() && self.snapshot == Some(Status::Match)
    }

    /// A first exploration: nothing wrong but that no snapshot holds it yet.
    pub fn is_new(&self) -> bool {
        self.problem.is_none() && self.snapshot == Some(Status::Missing)
    }

    /// Reachable outcomes and schedules explored, over all variants.
    pub fn totals(&self) -> (usize, u64) {
        let outcomes = self.variants.iter().map(|v| v.reachable.len()).sum();
        let schedules = self.variants.iter().map(|v| v.schedules).sum();
        (outcomes, schedules)
    }

    fn cell(&self) -> String {
        let mark = mark(self.passed(), self.is_new());
        let (outcomes, schedules) = self.totals();
        let snapshot = match &self.snapshot {
            Some(Status::Match) | None => "",
            Some(Status::Mismatch) => ", snapshot differs",
            Some(Status::Missing) => ", no snapshot",
        };
        let variants = if self.variants.len() > 1 {
            format!(" in {} variants", self.variants.len())
        } else {
            String::new()
        };
        format!(
            "{mark} {outcomes} reachable{variants} of {schedules} schedules{snapshot} {:.1}s",
            self.secs
        )
    }
}

/// `report.json`: everything a run found, written whether or not it passed
/// (to `target/verify/report.json` or `--report`); the pull-request workflow
/// uploads it and the integration tests read it.
#[derive(Debug, Serialize)]
pub struct Report {
    /// The kernels the run used, in matrix order.
    pub kernels: Vec<KernelInfo>,
    /// The accelerator every guest used and why (`tcg (no usable
    /// /dev/kvm: …)`, `kvm (smoke boot of 5.10 passed in 0.6 s)`); `None`
    /// when no guest ran.
    pub accelerator: Option<String>,
    /// One per listing run (the listing, then each variant) × kernel it runs
    /// on: listings by name, kernels in matrix order.
    pub entries: Vec<Entry>,
    /// One per simulation run, in the order the book introduces them.
    pub simulations: Vec<SimEntry>,
    /// What the run found that does not fail it but needs a person: pending
    /// `.snap.new` files this run did not write, each naming the file.
    pub warnings: Vec<String>,
    /// [`Report::all_passed`] of the entries and simulations; the process
    /// exits 1 when it is `false`.
    pub passed: bool,
    /// Wall seconds of the whole run, build roots made included.
    pub total_secs: f64,
}

impl Report {
    /// Passed when every listing on every kernel and every simulation did.
    pub fn all_passed(entries: &[Entry], simulations: &[SimEntry]) -> bool {
        entries.iter().all(Entry::passed) && simulations.iter().all(SimEntry::passed)
    }

    /// The listings' table (example × kernel), then the simulations' (one
    /// row each), each only when there is something in it.
    pub fn table(&self) -> String {
        let mut s = String::new();
        if !self.entries.is_empty() {
            s.push_str(&self.kernel_table());
        }
        if !self.simulations.is_empty() {
            if !s.is_empty() {
                s.push('\n');
            }
            s.push_str(&self.simulation_table());
        }
        s
    }

    fn simulation_table(&self) -> String {
        let width = self
            .simulations
            .iter()
            .map(|e| e.name.len())
            .max()
            .unwrap_or(0)
            .max("simulation".len());
        let mut s = format!("{:width$} | model (every interleaving)\n", "simulation");
        s.push_str(&"-".repeat(width + 3 + 44));
        s.push('\n');
        for e in &self.simulations {
            let text = e.cell();
            let text = if e.passed() {
                style(text).green()
            } else {
                style(text).red().bold()
            };
            s.push_str(&format!("{:width$} | {text}\n", e.name));
        }
        s
    }

    fn kernel_table(&self) -> String {
        let kernels: Vec<&str> = self.kernels.iter().map(|k| k.id.as_str()).collect();
        // One row per listing and per variant of it (kernel × variant).
        let mut rows: BTreeMap<String, BTreeMap<&str, &Entry>> = BTreeMap::new();
        for e in &self.entries {
            rows.entry(e.row()).or_default().insert(&e.kernel, e);
        }
        let width = rows.keys().map(|k| k.len()).max().unwrap_or(7).max(7);
        const CELL: usize = 22;
        let mut s = format!("{:width$}", "example");
        for k in &kernels {
            s.push_str(&format!(" | {k:CELL$}"));
        }
        s.push('\n');
        s.push_str(&"-".repeat(width + kernels.len() * (CELL + 3)));
        s.push('\n');
        for (example, cells) in rows {
            s.push_str(&format!("{example:width$}"));
            for k in &kernels {
                let cell = match cells.get(k) {
                    None => ("-".to_string(), true, false),
                    Some(e) => (cell_text(e), e.passed(), e.is_new()),
                };
                let text = format!("{:CELL$}", cell.0);
                let text = if cell.1 {
                    style(text).green()
                } else if cell.2 {
                    style(text).yellow().bold()
                } else {
                    style(text).red().bold()
                };
                s.push_str(&format!(" | {text}"));
            }
            s.push('\n');
        }
        s
    }
}

/// `ok`, `NEW` (no snapshot yet, nothing else wrong) or `FAIL`.
fn mark(passed: bool, new: bool) -> &'static str {
    match (passed, new) {
        (true, _) => "ok",
        (false, true) => "NEW",
        (false, false) => "FAIL",
    }
}

fn cell_text(e: &Entry) -> String {
    let mark = mark(e.passed(), e.is_new());
    let outcome = e.outcome.map_or("error".to_string(), |o| o.to_string());
    let what = if e.outcome.is_some() && e.outcome != Some(e.expected) {
        format!("{outcome}≠{}", e.expected)
    } else {
        outcome
    };
    // A kept build cost this run nothing.
    let build = if e.build_cached { 0.0 } else { e.build_secs };
    format!("{mark} {what} {:.1}s", build + e.boot_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sim(name: &str, snapshot: Status, problem: Option<&str>) -> SimEntry {
        SimEntry {
            name: name.into(),
            title: "T".into(),
            variants: vec![SimVariant {
                variant: "listing".into(),
                kmod: Some(name.into()),
                schedules: 1521,
                reachable: vec!["clean: a".into(), "clean: b".into()],
            }],
            snapshot: Some(snapshot),
            problem: problem.map(str::to_string),
            secs: 0.3,
        }
    }

    #[test]
    fn simulations_get_rows_of_their_own() {
        console::set_colors_enabled(false);
        let r = Report {
            accelerator: None,
            kernels: vec![],
            entries: vec![],
            simulations: vec![
                sim("stop_after_run", Status::Match, None),
                sim("lost_wakeup", Status::Mismatch, None),
            ],
            warnings: vec![],
            passed: false,
            total_secs: 1.0,
        };
        let t = r.table();
        assert!(t.starts_with("simulation"), "no empty listing table: {t}");
        assert!(
            t.contains("stop_after_run | ok 2 reachable of 1521 schedules 0.3s"),
            "{t}"
        );
        assert!(
            t.contains("lost_wakeup    | FAIL 2 reachable of 1521 schedules, snapshot differs"),
            "{t}"
        );
        assert!(!Report::all_passed(&[], &r.simulations));
        assert!(Report::all_passed(&[], &r.simulations[..1]));
        let json = serde_json::to_value(&r).unwrap();
        assert_eq!(json["simulations"][1]["snapshot"], "mismatch");
        assert_eq!(json["simulations"][0]["variants"][0]["schedules"], 1521);
    }

    #[test]
    fn a_missing_snapshot_alone_is_new_not_a_failure() {
        console::set_colors_enabled(false);
        let new = sim("fresh", Status::Missing, None);
        assert!(new.is_new() && !new.passed());
        // A missing snapshot beside a real problem is a failure.
        let broken = sim("broken", Status::Missing, Some("outcome oops"));
        assert!(!broken.is_new() && !broken.passed());
        let r = Report {
            accelerator: None,
            kernels: vec![],
            entries: vec![],
            simulations: vec![new, broken],
            warnings: vec![],
            passed: false,
            total_secs: 1.0,
        };
        let t = r.table();
        let line = |name: &str| t.lines().find(|l| l.starts_with(name)).unwrap().to_string();
        assert!(line("fresh").contains("| NEW 2 reachable"), "{t}");
        assert!(line("broken").contains("| FAIL 2 reachable"), "{t}");
        // Nothing was compared: the run does not pass.
        assert!(!Report::all_passed(&[], &r.simulations));
    }
}
