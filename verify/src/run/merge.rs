//! `verify merge PART…`: one report from the reports of runs that each
//! covered part of the matrix (CI runs one job per kernel of `kernels.toml`,
//! each `verify --kernel ID --no-book --report PART`), checked to cover it
//! exactly: every listing and variant on every kernel it runs on, once.
//!
//! The parts are read as JSON (the shape [`crate::run::report::Report`]
//! writes), so a part from another checkout of the same commit merges too.
//! A part is untrusted input like any file: an entry it holds for a pair the
//! repository does not have, or for a kernel another part covers, is an
//! error naming the part.

use crate::host::matrix::Matrix;
use crate::manifest::{self, Scenario};
use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// One part: where it was read from, and its JSON.
pub struct Part {
    /// The file, for messages.
    pub path: PathBuf,
    /// The report.
    pub report: Value,
}

/// Reads each file as a report part. Errors: a file that cannot be read or
/// is not a JSON object with `kernels`, `entries` and `simulations` arrays.
pub fn read_parts(paths: &[PathBuf]) -> Result<Vec<Part>> {
    if paths.is_empty() {
        bail!("no report parts given: `verify merge PART.json…`, the reports of `verify --kernel ID --no-book --report PART.json`");
    }
    paths
        .iter()
        .map(|p| {
            let text = std::fs::read_to_string(p)
                .with_context(|| format!("reading the report part {}", p.display()))?;
            let report: Value = serde_json::from_str(&text)
                .with_context(|| format!("{} is not a JSON report", p.display()))?;
            for key in ["kernels", "entries", "simulations"] {
                if !report[key].is_array() {
                    bail!("{} has no `{key}` array: not a verify report", p.display());
                }
            }
            Ok(Part {
                path: p.clone(),
                report,
            })
        })
        .collect()
}

/// `(listing, variant, kernel)` of one run.
type PairKey = (String, Option<String>, String);

fn pair_name((listing, variant, kernel): &PairKey) -> String {
    match variant {
        Some(v) => format!("{listing}.{v} on {kernel}"),
        None => format!("{listing} on {kernel}"),
    }
}

/// Every pair the repository's matrix holds: each listing and variant on
/// each kernel it runs on.
pub fn expected_pairs(matrix: &Matrix, scenarios: &[Scenario]) -> BTreeSet<PairKey> {
    scenarios
        .iter()
        .flat_map(Scenario::expand)
        .flat_map(|s| {
            matrix
                .kernels
                .iter()
                .filter(|k| s.runs_on(&k.id))
                .map(|k| (s.name.clone(), s.variant.clone(), k.id.clone()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The merged report: the parts' kernels (in matrix order), entries and
/// warnings, one row per simulation (a failed one wins), `passed` only when
/// every part passed and the pairs are exactly `expected`. Errors (each
/// naming the part): a kernel in two parts, a kernel not in the matrix, an
/// entry of a kernel its part did not run or of a pair the repository does
/// not have, a pair twice, pairs no part ran.
pub fn merge(parts: &[Part], matrix: &Matrix, expected: &BTreeSet<PairKey>) -> Result<Value> {
    let mut kernel_of: BTreeMap<String, &Path> = BTreeMap::new();
    let mut kernels = Vec::new();
    let mut entries = Vec::new();
    let mut seen: BTreeMap<PairKey, &Path> = BTreeMap::new();
    let mut sims: BTreeMap<String, Value> = BTreeMap::new();
    let mut sim_order = Vec::new();
    let mut warnings = BTreeSet::new();
    let mut accelerators = Vec::new();
    let mut passed = true;
    let mut problems = Vec::new();
    for part in parts {
        let r = &part.report;
        let p = part.path.as_path();
        let mut ran = BTreeSet::new();
        for k in r["kernels"].as_array().into_iter().flatten() {
            let id = k["id"].as_str().unwrap_or_default().to_string();
            if !matrix.kernels.iter().any(|m| m.id == id) {
                problems.push(format!(
                    "{}: kernel `{id}` is not in kernels.toml",
                    p.display()
                ));
            }
            if let Some(other) = kernel_of.insert(id.clone(), p) {
                problems.push(format!(
                    "kernel {id} is in two parts: {} and {}",
                    other.display(),
                    p.display()
                ));
            }
            ran.insert(id);
            kernels.push(k.clone());
        }
        for e in r["entries"].as_array().into_iter().flatten() {
            let key: PairKey = (
                e["example"].as_str().unwrap_or_default().to_string(),
                e["variant"].as_str().map(String::from),
                e["kernel"].as_str().unwrap_or_default().to_string(),
            );
            if !ran.contains(&key.2) {
                problems.push(format!(
                    "{}: an entry for {} but the part did not run kernel {}",
                    p.display(),
                    pair_name(&key),
                    key.2
                ));
            } else if !expected.contains(&key) {
                problems.push(format!(
                    "{}: an entry for {}, which the repository does not have",
                    p.display(),
                    pair_name(&key)
                ));
            } else if let Some(other) = seen.insert(key.clone(), p) {
                problems.push(format!(
                    "{} is in two parts: {} and {}",
                    pair_name(&key),
                    other.display(),
                    p.display()
                ));
            }
            entries.push(e.clone());
        }
        for s in r["simulations"].as_array().into_iter().flatten() {
            let name = s["name"].as_str().unwrap_or_default().to_string();
            let failed = !s["problem"].is_null() || s["snapshot"] != "match";
            match sims.get(&name) {
                None => {
                    sim_order.push(name.clone());
                    sims.insert(name, s.clone());
                }
                Some(_) if failed => {
                    sims.insert(name, s.clone());
                }
                Some(_) => {}
            }
        }
        for w in r["warnings"].as_array().into_iter().flatten() {
            if let Some(w) = w.as_str() {
                warnings.insert(w.to_string());
            }
        }
        if let Some(a) = r["accelerator"].as_str() {
            let ids: Vec<&str> = ran.iter().map(String::as_str).collect();
            accelerators.push(format!("{}: {a}", ids.join(", ")));
        }
        passed &= r["passed"] == true;
    }
    let missing: Vec<String> = expected
        .iter()
        .filter(|k| !seen.contains_key(*k))
        .map(pair_name)
        .collect();
    if !missing.is_empty() {
        const SHOWN: usize = 30;
        problems.push(format!(
            "{} pair{} no part ran: {}{}",
            missing.len(),
            if missing.len() == 1 { "" } else { "s" },
            missing[..missing.len().min(SHOWN)].join(", "),
            if missing.len() > SHOWN {
                format!(", and {} more", missing.len() - SHOWN)
            } else {
                String::new()
            }
        ));
    }
    if !problems.is_empty() {
        bail!(
            "the report parts do not cover the matrix exactly once:\n  {}",
            problems.join("\n  ")
        );
    }
    let order = |id: &str| matrix.kernels.iter().position(|k| k.id == id);
    kernels.sort_by_key(|k| order(k["id"].as_str().unwrap_or_default()));
    let simulations: Vec<Value> = sim_order.iter().map(|n| sims[n].clone()).collect();
    let sims_passed = simulations
        .iter()
        .all(|s| s["problem"].is_null() && s["snapshot"] == "match");
    Ok(json!({
        "kernels": kernels,
        "accelerator": if accelerators.is_empty() { Value::Null } else { Value::from(accelerators.join("; ")) },
        "entries": entries,
        "simulations": simulations,
        "warnings": warnings.into_iter().collect::<Vec<_>>(),
        "passed": passed && sims_passed,
        "total_secs": parts.iter().filter_map(|p| p.report["total_secs"].as_f64()).fold(0.0, f64::max),
        "parts": parts.iter().map(|p| p.path.display().to_string()).collect::<Vec<_>>(),
    }))
}

/// `verify merge`: reads the parts, merges them against the repository's
/// matrix and listings, writes the merged report to `out`; returns whether
/// everything passed.
pub fn main(repo: &Path, parts: &[PathBuf], out: &Path) -> Result<bool> {
    let matrix = Matrix::load(&repo.join("kernels.toml"))?;
    let scenarios = manifest::discover(&repo.join("kmods"), &matrix.ids())?;
    let expected = expected_pairs(&matrix, &scenarios);
    let parts = read_parts(parts)?;
    let merged = merge(&parts, &matrix, &expected)?;
    if let Some(dir) = out.parent() {
        std::fs::create_dir_all(dir)?;
    }
    std::fs::write(out, serde_json::to_string_pretty(&merged)? + "\n")
        .with_context(|| format!("writing {}", out.display()))?;
    let failed: Vec<String> = merged["entries"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|e| {
            !e["problem"].is_null() || e["snapshot"] != "match" || e["outcome"] != e["expected"]
        })
        .map(|e| {
            let row = match e["variant"].as_str() {
                Some(v) => format!("{}.{v}", e["example"].as_str().unwrap_or_default()),
                None => e["example"].as_str().unwrap_or_default().to_string(),
            };
            format!("{row} on {}", e["kernel"].as_str().unwrap_or_default())
        })
        .collect();
    eprintln!(
        "merged {} parts: {} pairs on {} kernels, {} simulations; {} failed{}; report: {}",
        parts.len(),
        expected.len(),
        merged["kernels"].as_array().map_or(0, Vec::len),
        merged["simulations"].as_array().map_or(0, Vec::len),
        failed.len(),
        if failed.is_empty() {
            String::new()
        } else {
            format!(" ({})", failed.join(", "))
        },
        out.display()
    );
    Ok(merged["passed"] == true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn matrix() -> Matrix {
        Matrix::parse(
            r#"
[[kernel]]
id = "a"
suite = "s"
mirrors = ["deb http://x s main"]
packages = ["p"]
[[kernel]]
id = "b"
suite = "s"
mirrors = ["deb http://x s main"]
packages = ["p"]
"#,
        )
        .unwrap()
    }

    fn expected() -> BTreeSet<PairKey> {
        [
            ("one", None, "a"),
            ("one", None, "b"),
            ("one", Some("v"), "b"),
        ]
        .iter()
        .map(|(l, v, k)| (l.to_string(), v.map(String::from), k.to_string()))
        .collect()
    }

    fn entry(l: &str, v: Option<&str>, k: &str) -> Value {
        json!({"example": l, "variant": v, "kernel": k, "outcome": "clean", "expected": "clean", "snapshot": "match", "problem": null})
    }

    fn part(name: &str, kernels: &[&str], entries: Vec<Value>, passed: bool) -> Part {
        Part {
            path: PathBuf::from(name),
            report: json!({
                "kernels": kernels.iter().map(|k| json!({"id": k})).collect::<Vec<_>>(),
                "entries": entries,
                "simulations": [{"name": "sim", "snapshot": "match", "problem": null}],
                "warnings": [],
                "passed": passed,
                "accelerator": "tcg (no usable /dev/kvm)",
                "total_secs": 10.0,
            }),
        }
    }

    #[test]
    fn parts_that_cover_the_matrix_once_merge_in_matrix_order() {
        let parts = [
            part(
                "b.json",
                &["b"],
                vec![entry("one", None, "b"), entry("one", Some("v"), "b")],
                true,
            ),
            part("a.json", &["a"], vec![entry("one", None, "a")], true),
        ];
        let m = merge(&parts, &matrix(), &expected()).unwrap();
        assert_eq!(m["kernels"][0]["id"], "a");
        assert_eq!(m["entries"].as_array().unwrap().len(), 3);
        assert_eq!(m["simulations"].as_array().unwrap().len(), 1);
        assert_eq!(m["passed"], true);
        assert!(m["accelerator"].as_str().unwrap().starts_with("b: tcg"));
        // A part that failed fails the whole.
        let parts = [
            part("a.json", &["a"], vec![entry("one", None, "a")], false),
            part(
                "b.json",
                &["b"],
                vec![entry("one", None, "b"), entry("one", Some("v"), "b")],
                true,
            ),
        ];
        assert_eq!(
            merge(&parts, &matrix(), &expected()).unwrap()["passed"],
            false
        );
    }

    #[test]
    fn a_missing_a_doubled_and_a_foreign_pair_are_named() {
        // No part ran kernel b's variant.
        let parts = [
            part("a.json", &["a"], vec![entry("one", None, "a")], true),
            part("b.json", &["b"], vec![entry("one", None, "b")], true),
        ];
        let e = format!("{:#}", merge(&parts, &matrix(), &expected()).unwrap_err());
        assert!(e.contains("1 pair no part ran: one.v on b"), "{e}");
        // Kernel a in two parts.
        let parts = [
            part("a.json", &["a"], vec![entry("one", None, "a")], true),
            part(
                "a2.json",
                &["a", "b"],
                vec![
                    entry("one", None, "a"),
                    entry("one", None, "b"),
                    entry("one", Some("v"), "b"),
                ],
                true,
            ),
        ];
        let e = format!("{:#}", merge(&parts, &matrix(), &expected()).unwrap_err());
        assert!(
            e.contains("kernel a is in two parts: a.json and a2.json"),
            "{e}"
        );
        assert!(e.contains("one on a is in two parts"), "{e}");
        // An entry for a kernel the part did not run, a listing the
        // repository lacks, a kernel not in the matrix.
        let parts = [
            part(
                "a.json",
                &["a"],
                vec![
                    entry("one", None, "a"),
                    entry("one", None, "b"),
                    entry("ghost", None, "a"),
                ],
                true,
            ),
            part(
                "b.json",
                &["b", "z"],
                vec![entry("one", None, "b"), entry("one", Some("v"), "b")],
                true,
            ),
        ];
        let e = format!("{:#}", merge(&parts, &matrix(), &expected()).unwrap_err());
        assert!(
            e.contains("a.json: an entry for one on b but the part did not run kernel b"),
            "{e}"
        );
        assert!(
            e.contains("a.json: an entry for ghost on a, which the repository does not have"),
            "{e}"
        );
        assert!(
            e.contains("b.json: kernel `z` is not in kernels.toml"),
            "{e}"
        );
    }

    #[test]
    fn a_simulation_that_failed_in_any_part_is_the_one_kept() {
        let mut b = part(
            "b.json",
            &["b"],
            vec![entry("one", None, "b"), entry("one", Some("v"), "b")],
            true,
        );
        b.report["simulations"][0]["snapshot"] = json!("mismatch");
        let parts = [
            part("a.json", &["a"], vec![entry("one", None, "a")], true),
            b,
        ];
        let m = merge(&parts, &matrix(), &expected()).unwrap();
        assert_eq!(m["simulations"][0]["snapshot"], "mismatch");
        assert_eq!(m["passed"], false);
    }

    #[test]
    fn files_that_are_not_reports_are_refused_by_name() {
        assert!(read_parts(&[]).is_err());
        let d = std::env::temp_dir().join(format!("verify-merge-{}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        std::fs::write(d.join("x.json"), "{\"kernels\": []}").unwrap();
        let e = format!("{:#}", read_parts(&[d.join("x.json")]).err().unwrap());
        assert!(e.contains("x.json has no `entries` array"), "{e}");
        let _ = std::fs::remove_dir_all(&d);
    }
}
