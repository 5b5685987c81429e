//! The end of a run: the matrix table for people, the JSON report for the book.
//! Listings have a row per kernel; simulations, which do not depend on the
//! kernel, a row each of their own.

use crate::snapshot::Status;
use crate::text::outcome::Outcome;
use console::style;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct KernelInfo {
    pub id: String,
    pub suite: String,
    pub release: String,
    /// Time spent making the build root in this run; 0 when it was cached.
    pub provision_secs: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub example: String,
    /// The manifest's `[[variant]]` this run is, `None` for the listing
    /// itself.
    pub variant: Option<String>,
    pub kernel: String,
    pub release: String,
    pub outcome: Option<Outcome>,
    pub expected: Outcome,
    pub snapshot: Option<Status>,
    /// What went wrong, when something did.
    pub problem: Option<String>,
    pub build_secs: f64,
    pub boot_secs: f64,
    pub boot: Option<String>,
    /// For a listing a simulation models: the model's reachable outcome this
    /// run was (`crosscheck`); a run that is none of them has a `problem`.
    pub model: Option<String>,
    /// When and why the run stopped before its last step (a panic, or
    /// silence until the time limit); `None` for a run that went to its end.
    pub cut: Option<String>,
}

impl Entry {
    /// The row of the table: the listing, or `LISTING.VARIANT`.
    pub fn row(&self) -> String {
        match &self.variant {
            Some(v) => format!("{}.{v}", self.example),
            None => self.example.clone(),
        }
    }

    pub fn passed(&self) -> bool {
        self.problem.is_none()
            && self.outcome == Some(self.expected)
            && self.snapshot == Some(Status::Match)
    }
}

/// One simulation of the `examples` crate, run like a listing.
#[derive(Debug, Clone, Serialize)]
pub struct SimEntry {
    pub name: String,
    pub title: String,
    pub variants: Vec<SimVariant>,
    pub snapshot: Option<Status>,
    pub problem: Option<String>,
    pub secs: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct SimVariant {
    pub variant: String,
    /// The `kmods/` listing it models, if any.
    pub kmod: Option<String>,
    /// Complete schedules explored.
    pub schedules: u64,
    /// The names of the reachable outcomes.
    pub reachable: Vec<String>,
}

impl SimEntry {
    pub fn passed(&self) -> bool {
        self.problem.is_none() && self.snapshot == Some(Status::Match)
    }

    /// Reachable outcomes and schedules explored, over all variants.
    pub fn totals(&self) -> (usize, u64) {
        let outcomes = self.variants.iter().map(|v| v.reachable.len()).sum();
        let schedules = self.variants.iter().map(|v| v.schedules).sum();
        (outcomes, schedules)
    }

    fn cell(&self) -> String {
        let mark = if self.passed() { "ok" } else { "FAIL" };
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

#[derive(Debug, Serialize)]
pub struct Report {
    pub kernels: Vec<KernelInfo>,
    pub entries: Vec<Entry>,
    pub simulations: Vec<SimEntry>,
    /// What the run found that does not fail it but needs a person: pending
    /// `.snap.new` files this run did not write, each naming the file.
    pub warnings: Vec<String>,
    pub passed: bool,
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
                    None => ("-".to_string(), true),
                    Some(e) => (cell_text(e), e.passed()),
                };
                let text = format!("{:CELL$}", cell.0);
                let text = if cell.1 {
                    style(text).green()
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

fn cell_text(e: &Entry) -> String {
    let mark = if e.passed() { "ok" } else { "FAIL" };
    let outcome = e.outcome.map_or("error".to_string(), |o| o.to_string());
    let what = if e.outcome.is_some() && e.outcome != Some(e.expected) {
        format!("{outcome}≠{}", e.expected)
    } else {
        outcome
    };
    format!("{mark} {what} {:.1}s", e.build_secs + e.boot_secs)
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
}
