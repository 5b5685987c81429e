//! The whole console → snapshot path, offline: every real run under
//! `tests/fixtures/runs/<kernel>/<example>.{console,channel}` (the serial
//! console and the init's side channel) must normalize to exactly the
//! accepted snapshot for that kernel, and must be classified as the outcome
//! the example's manifest expects on that kernel.
//!
//! The files are copied unchanged (CR LF, boot lines and all) from a run of
//! the matrix: `target/verify/work/<kernel>/<example>/console-0.log` and
//! `channel-0.log`. A run that was stopped early ends its snapshot with the
//! harness's `[stopped: …]` line, which the console cannot hold.

use std::path::{Path, PathBuf};
use verify::guest::vm::Exit;
use verify::host::matrix::Matrix;
use verify::manifest::Scenario;
use verify::snapshot::{same, Store};
use verify::text::console::{outcome, split, Split};
use verify::text::normalize::normalize;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_path_buf()
}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/runs")
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
            if path.extension().is_some_and(|x| x == "console") {
                let example = path.file_stem().unwrap().to_string_lossy().into_owned();
                out.push((id.clone(), example, path));
            }
        }
    }
    out.sort();
    out
}

/// The run whose console is at `path`, split with its side channel.
fn read_run(path: &Path) -> Split {
    let console = std::fs::read_to_string(path).unwrap();
    let channel = std::fs::read_to_string(path.with_extension("channel"))
        .unwrap_or_else(|_| panic!("{}: no side channel beside it", path.display()));
    let s = split(&console, &channel);
    assert!(
        s.problems.is_empty(),
        "{}: {:?}",
        path.display(),
        s.problems
    );
    assert!(s.started, "{}: the init never started", path.display());
    s
}

/// The outcome of a kept run: one that reached its end event powered off
/// through isa-debug-exit; one that did not was stopped at its time limit.
fn run_outcome(run: &Split) -> verify::text::outcome::Outcome {
    let exit = if run.finished {
        Exit::Guest(verify::guest::initramfs::DONE)
    } else {
        Exit::TimedOut
    };
    outcome(&run.kernel_lines(), &exit, run.finished)
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

/// The run a fixture was recorded from: a listing, or `LISTING.VARIANT`.
fn run_of(example: &str) -> Scenario {
    let listing = example.split('.').next().unwrap();
    Scenario::load(&root().join("kmods").join(listing), &kernel_ids())
        .unwrap()
        .expand()
        .into_iter()
        .find(|r| r.id() == example)
        .unwrap_or_else(|| panic!("fixture of an unknown run {example}"))
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
        let run = read_run(path);
        // As a run does: a listing's measured numbers become `<N>` first.
        let scenario = run_of(example);
        let dir = scenario.dir.clone();
        let (lines, _) = verify::measure::extract(&scenario.measures, &run.lines);
        let text = normalize(&lines);
        let store = Store::new(&dir, example);
        let (snap, mut expected) = store
            .expected(kernel)
            .unwrap()
            .unwrap_or_else(|| panic!("{kernel}/{example}: no accepted snapshot"));
        if !run.finished {
            let body = expected.trim_end();
            let (rest, last) = body.rsplit_once('\n').unwrap_or(("", body));
            // Cut at its time limit, or ended once its hang was shown
            // (`guest::vm::EarlyEnd`).
            assert!(
                last.starts_with("[stopped: ") || last.starts_with("[ended: "),
                "{kernel}/{example}: a stopped run's snapshot ends without saying why: {last:?}"
            );
            expected = format!("{rest}\n");
        }
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
    let mut failures = Vec::new();
    for (kernel, example, path) in &all_fixtures() {
        let run = read_run(path);
        let got = run_outcome(&run);
        let scenario = run_of(example);
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
        let run = read_run(path);
        let got = run_outcome(&run);
        match verify::run::crosscheck::check(&models, example, got, &normalize(&run.lines)) {
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
