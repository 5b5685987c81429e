//! The end of a run: the matrix table for people, the JSON report for the book.

use crate::outcome::Outcome;
use crate::snapshot::Status;
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
}

impl Entry {
    pub fn passed(&self) -> bool {
        self.problem.is_none()
            && self.outcome == Some(self.expected)
            && self.snapshot == Some(Status::Match)
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub kernels: Vec<KernelInfo>,
    pub entries: Vec<Entry>,
    pub passed: bool,
    pub total_secs: f64,
}

impl Report {
    pub fn table(&self) -> String {
        let kernels: Vec<&str> = self.kernels.iter().map(|k| k.id.as_str()).collect();
        let mut rows: BTreeMap<&str, BTreeMap<&str, &Entry>> = BTreeMap::new();
        for e in &self.entries {
            rows.entry(&e.example).or_default().insert(&e.kernel, e);
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
