//! Shared by the integration tests that run `verify` over a scratch
//! repository: the project's kernels.toml and shared headers, plus listings
//! taken from `tests/cases/` (the hostile and real-world inputs of
//! `../shared/cases/`). Each test gets its own directory under
//! `target/verify-cases/`, kept after the run for inspection.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Command;

/// The repository this crate lives in.
pub fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("..")
        .canonicalize()
        .unwrap()
}

/// `tests/cases/KIND/NAME`.
pub fn case(kind: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/cases")
        .join(kind)
        .join(name)
}

/// Copies a directory tree of regular files (no links) from `from` to `to`.
pub fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = e.file_type().unwrap();
        let dest = to.join(e.file_name());
        if t.is_dir() {
            copy_tree(&e.path(), &dest);
        } else if t.is_file() {
            std::fs::copy(e.path(), &dest).unwrap();
        }
    }
}

/// A scratch repository `target/verify-cases/TEST/` with the project's
/// kernels.toml and kmods/include, and the given `(kind, case)` listings
/// under kmods/. Made anew each time.
pub fn scratch(test: &str, cases: &[(&str, &str)]) -> PathBuf {
    let dir = repo().join("target/verify-cases").join(test);
    if dir.symlink_metadata().is_ok() {
        std::fs::remove_dir_all(&dir).unwrap();
    }
    std::fs::create_dir_all(dir.join("kmods")).unwrap();
    std::fs::copy(repo().join("kernels.toml"), dir.join("kernels.toml")).unwrap();
    copy_tree(&repo().join("kmods/include"), &dir.join("kmods/include"));
    for (kind, name) in cases {
        copy_tree(&case(kind, name), &dir.join("kmods").join(name));
    }
    dir
}

/// What one `verify` run left: its exit status, its stderr, and its report
/// (`None` when it wrote none).
pub struct Ran {
    pub status: std::process::ExitStatus,
    pub stderr: String,
    pub report: Option<serde_json::Value>,
}

impl Ran {
    /// The report's entry for `example` on `kernel`.
    pub fn entry(&self, example: &str, kernel: &str) -> &serde_json::Value {
        let r = self.report.as_ref().expect("verify wrote no report");
        r["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["example"] == example && e["kernel"] == kernel)
            .unwrap_or_else(|| panic!("no entry for {example} on {kernel} in {r:#}"))
    }
}

/// One `verify` at a time in a test binary: each runs as many guests as the
/// machine has CPUs, and guests that share the CPUs with another run's fall
/// behind their watchdogs and time limits.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

/// Held while a test boots guests of its own ([`verify`] takes it itself).
pub fn one_at_a_time() -> std::sync::MutexGuard<'static, ()> {
    ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner())
}

/// Runs `verify --repo DIR --no-book ARGS` with CI unset (so pending
/// snapshots are written as on a contributor's machine) and the user's
/// build-root cache.
pub fn verify(dir: &Path, args: &[&str]) -> Ran {
    let _one = one_at_a_time();
    let report = dir.join("report.json");
    let _ = std::fs::remove_file(&report);
    let out = Command::new(env!("CARGO_BIN_EXE_verify"))
        .arg("--repo")
        .arg(dir)
        .arg("--no-book")
        .arg("--report")
        .arg(&report)
        .args(args)
        .env_remove("CI")
        .output()
        .expect("running verify");
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    let report = std::fs::read_to_string(&report)
        .ok()
        .map(|t| serde_json::from_str(&t).expect("the report is JSON"));
    Ran {
        status: out.status,
        stderr,
        report,
    }
}

/// Every kernel id of the project's matrix.
pub fn kernels() -> Vec<String> {
    verify::host::matrix::Matrix::load(&repo().join("kernels.toml"))
        .unwrap()
        .ids()
}

/// The normalized output of one run, as verify kept it:
/// `target/verify/work/KERNEL/EXAMPLE/normalized-0.txt` of the scratch repo.
pub fn normalized(dir: &Path, kernel: &str, example: &str) -> String {
    std::fs::read_to_string(
        dir.join("target/verify/work")
            .join(kernel)
            .join(example)
            .join("normalized-0.txt"),
    )
    .unwrap_or_default()
}
