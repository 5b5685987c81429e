//! The whole console → snapshot path, offline: every real console log under
//! `tests/fixtures/console/<kernel>/<example>.log` must normalize to exactly
//! the accepted snapshot for that kernel, and must be classified as the
//! outcome the example's manifest expects on that kernel.
//!
//! The logs are copied unchanged (CR LF, boot line and all) from the run whose
//! output was accepted: `target/verify/work/<kernel>/<example>/console-0.log`,
//! except for 5.10, whose `console-0.log` files a later run overwrote before
//! they were copied; those are that same run's second boot, `console-1.log`.

use std::path::{Path, PathBuf};
use verify::console::{finished, outcome, scenario_lines};
use verify::manifest::Scenario;
use verify::matrix::Matrix;
use verify::normalize::normalize;
use verify::snapshot::{same, Store};
use verify::vm::Exit;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/console")
}

/// Every fixture as (kernel, example, path), sorted.
fn all_fixtures() -> Vec<(String, String, PathBuf)> {
    let mut out = Vec::new();
    for kernel in std::fs::read_dir(fixture_dir()).unwrap() {
        let kernel = kernel.unwrap();
        if !kernel.file_type().unwrap().is_dir() {
            continue;
        }
        let id = kernel.file_name().to_string_lossy().into_owned();
        for log in std::fs::read_dir(kernel.path()).unwrap() {
            let path = log.unwrap().path();
            if path.extension().is_some_and(|x| x == "log") {
                let example = path.file_stem().unwrap().to_string_lossy().into_owned();
                out.push((id.clone(), example, path));
            }
        }
    }
    out.sort();
    out
}

fn kernel_ids() -> Vec<String> {
    Matrix::load(&root().join("kernels.toml")).unwrap().ids()
}

#[test]
fn every_kernel_of_the_matrix_has_fixtures() {
    let fixtures = all_fixtures();
    for id in kernel_ids() {
        assert!(
            fixtures.iter().any(|(k, _, _)| *k == id),
            "no console fixture for kernel {id} under {}",
            fixture_dir().display()
        );
    }
    for (kernel, example, _) in &fixtures {
        assert!(
            kernel_ids().contains(kernel),
            "fixture for unknown kernel {kernel}/{example}"
        );
    }
}

#[test]
fn fixtures_normalize_to_the_accepted_snapshot() {
    let mut failures = Vec::new();
    let fixtures = all_fixtures();
    assert!(
        fixtures.len() >= 20,
        "expected the 5 examples x 4 kernels, found {}",
        fixtures.len()
    );
    for (kernel, example, path) in &fixtures {
        let console = std::fs::read_to_string(path).unwrap();
        let lines = scenario_lines(&console)
            .unwrap_or_else(|_| panic!("{}: no start marker", path.display()));
        let text = normalize(&lines);
        let store = Store::new(&root().join("kmods").join(example), example);
        let (snap, expected) = store
            .expected(kernel)
            .unwrap()
            .unwrap_or_else(|| panic!("{kernel}/{example}: no accepted snapshot"));
        if !same(&expected, &text) {
            let diff = similar::TextDiff::from_lines(expected.trim_end(), text.trim_end())
                .unified_diff()
                .header(&snap.display().to_string(), &path.display().to_string())
                .to_string();
            failures.push(format!("{kernel}/{example}:\n{diff}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn fixtures_have_the_expected_outcome() {
    let ids = kernel_ids();
    let mut failures = Vec::new();
    for (kernel, example, path) in &all_fixtures() {
        let console = std::fs::read_to_string(path).unwrap();
        let lines = scenario_lines(&console).unwrap();
        let done = finished(&console);
        // A run that reached its end marker powered off through
        // isa-debug-exit; one that did not was stopped after its crash report
        // went quiet.
        let exit = if done { Exit::Guest(0) } else { Exit::Settled };
        let got = outcome(&lines, &exit, done);
        let scenario = Scenario::load(&root().join("kmods").join(example), &ids).unwrap();
        let want = scenario.expected(kernel);
        if got != want {
            failures.push(format!(
                "{kernel}/{example}: outcome {got}, manifest expects {want}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The cross-check as a run does it, on the real consoles: every kernel's run
/// of a listing that a simulation models is one of the model's reachable
/// outcomes.
#[test]
fn fixtures_of_modelled_listings_are_reachable_in_their_model() {
    let mut checked = 0;
    let mut failures = Vec::new();
    for (kernel, example, path) in &all_fixtures() {
        let models = examples::models_for_kmod(example);
        if models.is_empty() {
            continue;
        }
        let console = std::fs::read_to_string(path).unwrap();
        let lines = scenario_lines(&console).unwrap();
        let done = finished(&console);
        let exit = if done { Exit::Guest(0) } else { Exit::Settled };
        let got = outcome(&lines, &exit, done);
        match verify::crosscheck::check(&models, example, got, &normalize(&lines)) {
            Ok(Some(_)) => checked += 1,
            other => failures.push(format!("{kernel}/{example}: {other:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert!(
        checked >= 16,
        "4 modelled listings x 4 kernels, checked {checked}"
    );
}
