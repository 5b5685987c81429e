//! The real thing: `verify` over every listing in kmods/ on every kernel of
//! the matrix, under QEMU. Slow (minutes warm, a few more to make the build
//! roots on a new machine), and the reason this crate exists.
//!
//! It runs the way CI shards it: one `verify --kernel ID --no-book --report
//! PART` per kernel of `kernels.toml`, then `verify merge` of the parts
//! (which checks that they cover the matrix exactly once, and builds the
//! book). Where CI already ran the parts in jobs of their own, it points
//! `VERIFY_REPORT_PARTS` at the directory of their `*.json` files, and only
//! the merge runs here.

use std::path::{Path, PathBuf};
use std::process::Command;

/// The directory of report parts made elsewhere (CI's kernel jobs).
const PARTS_ENV: &str = "VERIFY_REPORT_PARTS";

#[test]
fn every_listing_passes_on_every_kernel() {
    let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    // Where `cargo run -p verify` writes it too: the report of the last run,
    // which CI keeps as an artifact.
    let report_path = repo.join("target/verify/report.json");
    let _ = std::fs::remove_file(&report_path);
    let verify = || {
        let mut c = Command::new(env!("CARGO_BIN_EXE_verify"));
        // A test never writes snapshots, whatever the environment says.
        c.current_dir(&repo).env("CI", "true");
        c
    };
    let matrix_ids = verify::host::matrix::Matrix::load(&repo.join("kernels.toml"))
        .unwrap()
        .ids();
    let parts: Vec<PathBuf> = match std::env::var_os(PARTS_ENV) {
        Some(dir) => {
            let mut parts: Vec<PathBuf> = std::fs::read_dir(&dir)
                .unwrap_or_else(|e| panic!("{PARTS_ENV}={}: {e}", Path::new(&dir).display()))
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "json"))
                .collect();
            parts.sort();
            parts
        }
        None => {
            let dir = repo.join("target/verify/parts");
            let _ = std::fs::remove_dir_all(&dir);
            matrix_ids
                .iter()
                .map(|id| {
                    let part = dir.join(format!("{id}.json"));
                    // A failing part still writes its report; the merge
                    // and the checks below say what failed.
                    let _ = verify()
                        .args(["--kernel", id, "--no-book", "--report"])
                        .arg(&part)
                        .status()
                        .expect("running verify");
                    part
                })
                .collect()
        }
    };
    let status = verify()
        .arg("merge")
        .args(&parts)
        .status()
        .expect("running verify merge");
    let report: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(&report_path).expect("verify wrote no report"),
    )
    .expect("report is JSON");

    let matrix = verify::host::matrix::Matrix::load(&repo.join("kernels.toml")).unwrap();
    // Each listing and each of its variants, on the kernels it runs on.
    let runs: Vec<verify::manifest::Scenario> =
        verify::manifest::discover(&repo.join("kmods"), &matrix.ids())
            .unwrap()
            .iter()
            .flat_map(verify::manifest::Scenario::expand)
            .collect();
    let entries = report["entries"].as_array().unwrap();
    let pairs = runs
        .iter()
        .map(|r| matrix.kernels.iter().filter(|k| r.runs_on(&k.id)).count())
        .sum::<usize>();
    assert!(pairs > matrix.kernels.len() * 30, "{pairs} pairs");
    assert_eq!(
        entries.len(),
        pairs,
        "one entry per listing (and variant) and kernel it runs on"
    );
    for s in &runs {
        for k in matrix.kernels.iter().filter(|k| s.runs_on(&k.id)) {
            let variant = match &s.variant {
                Some(v) => serde_json::Value::from(v.as_str()),
                None => serde_json::Value::Null,
            };
            let e = entries
                .iter()
                .find(|e| {
                    e["example"] == s.name.as_str()
                        && e["variant"] == variant
                        && e["kernel"] == k.id.as_str()
                })
                .unwrap_or_else(|| panic!("no entry for {} on {}", s.id(), k.id));
            assert_eq!(
                e["outcome"].as_str(),
                Some(s.expected(&k.id).as_str()),
                "{} on {}: {e}",
                s.id(),
                k.id
            );
            assert_eq!(e["snapshot"], "match", "{} on {}: {e}", s.id(), k.id);
            assert!(
                e["release"].as_str().unwrap().ends_with("-cloud-amd64"),
                "{e}"
            );
        }
    }
    // Every run of a listing a simulation models was checked against the model.
    for e in entries.iter().filter(|e| e["variant"].is_null()) {
        if !examples::models_for_kmod(e["example"].as_str().unwrap()).is_empty() {
            assert!(e["model"].is_string(), "not cross-checked: {e}");
        }
    }
    // One row per simulation, each matching its snapshot.
    let sims = report["simulations"].as_array().unwrap();
    assert_eq!(sims.len(), examples::scenarios::names().len());
    for s in sims {
        assert_eq!(s["snapshot"], "match", "{s}");
        assert!(s["problem"].is_null(), "{s}");
    }
    assert!(status.success(), "verify failed: {status}");
    assert_eq!(report["passed"], true);
}
