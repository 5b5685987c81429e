//! Scenario manifests: `kmods/<name>/scenario.toml`.
//!
//! ```toml
//! title = "Stop right after kthread_run"
//! vcpus = 1
//! time_limit = 30
//! expect = "clean"
//! steps = ["insmod stop_after_run.ko", "rmmod stop_after_run"]
//! [expect_on]
//! "5.10" = "build-error"
//! ```
//!
//! Optional: `hung_task_timeout_secs` (default 10) and `watchdog_thresh`
//! (default 2), the guest's hung-task and soft-lockup thresholds, and
//! `[[measure]]` tables, values the listing prints ([`crate::measure`]).

use crate::outcome::Outcome;
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "scenario.toml";
const STEP_KINDS: &str = "`insmod FILE.ko [param=value ...]`, `rmmod NAME`, `sleep SECONDS`, `cat /proc/PATH` or `cat /sys/PATH`";

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    title: String,
    #[serde(default = "default_vcpus")]
    vcpus: u32,
    #[serde(default = "default_time_limit")]
    time_limit: u64,
    expect: String,
    #[serde(default)]
    expect_on: BTreeMap<String, String>,
    steps: Vec<String>,
    #[serde(default = "default_hung_task_timeout")]
    hung_task_timeout_secs: u32,
    #[serde(default = "default_watchdog_thresh")]
    watchdog_thresh: u32,
    /// `[[measure]]` tables (`crate::measure`).
    #[serde(default)]
    measure: Vec<crate::measure::RawMeasure>,
}

fn default_vcpus() -> u32 {
    1
}
fn default_time_limit() -> u64 {
    30
}
/// Long enough that a correct thread sleeping a few seconds in `D` state
/// (`ssleep(5)`, `cases/outcomes/rw_long_ssleep`) is not reported; a listing
/// whose point is a hang sets a shorter one to be reported sooner.
pub const DEFAULT_HUNG_TASK_TIMEOUT: u32 = 10;
fn default_hung_task_timeout() -> u32 {
    DEFAULT_HUNG_TASK_TIMEOUT
}
/// Seconds a time limit must leave after a watchdog threshold for the
/// report an `expect` names (measured: 1.5 to 2.5 s after the threshold).
const REPORT_ROOM: u64 = 3;

/// The soft-lockup detector reports a CPU that did not schedule for
/// `2 * watchdog_thresh` seconds (kernel/watchdog.c, `get_softlockup_thresh()`).
pub const DEFAULT_WATCHDOG_THRESH: u32 = 2;
fn default_watchdog_thresh() -> u32 {
    DEFAULT_WATCHDOG_THRESH
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Insmod { file: String, params: Vec<String> },
    Rmmod { name: String },
    Sleep { seconds: u32 },
    Cat { path: String },
}

impl Step {
    fn parse(text: &str) -> Result<Step, String> {
        let words: Vec<&str> = text.split_whitespace().collect();
        let bad = |why: &str| format!("step `{text}`: {why}; steps are {STEP_KINDS}");
        let safe = |w: &str| {
            !w.is_empty()
                && w.chars()
                    .all(|c| c.is_ascii_alphanumeric() || "._-/=,:+".contains(c))
        };
        if let Some(w) = words.iter().find(|w| !safe(w)) {
            return Err(bad(&format!(
                "`{w}` has characters other than letters, digits and ._-/=,:+"
            )));
        }
        match words.as_slice() {
            ["insmod", file, params @ ..] => {
                if !file.ends_with(".ko") || file.contains('/') {
                    return Err(bad(
                        "insmod takes the .ko file name built from this directory",
                    ));
                }
                if let Some(p) = params.iter().find(|p| !p.contains('=')) {
                    return Err(bad(&format!("module parameter `{p}` is not param=value")));
                }
                Ok(Step::Insmod {
                    file: file.to_string(),
                    params: params.iter().map(|p| p.to_string()).collect(),
                })
            }
            ["rmmod", name] => Ok(Step::Rmmod {
                name: name.to_string(),
            }),
            ["sleep", secs] => secs
                .parse()
                .map(|seconds| Step::Sleep { seconds })
                .map_err(|_| bad("sleep takes whole seconds")),
            ["cat", path] if path.starts_with("/proc/") || path.starts_with("/sys/") => {
                Ok(Step::Cat {
                    path: path.to_string(),
                })
            }
            ["cat", ..] => Err(bad("cat reads one file under /proc or /sys")),
            [kind, ..] => Err(bad(&format!("unknown step `{kind}` or wrong arguments"))),
            [] => Err(bad("empty step")),
        }
    }

    /// The shell command the guest runs for this step.
    pub fn command(&self) -> String {
        match self {
            Step::Insmod { file, params } => {
                let mut c = format!("/sbin/insmod /lib/modules/{file}");
                for p in params {
                    c.push(' ');
                    c.push_str(p);
                }
                c
            }
            Step::Rmmod { name } => format!("rmmod {name}"),
            Step::Sleep { seconds } => format!("sleep {seconds}"),
            Step::Cat { path } => format!("cat {path}"),
        }
    }

    /// How the step reads in the guest's log and the book.
    pub fn display(&self) -> String {
        match self {
            Step::Insmod { file, params } if params.is_empty() => format!("insmod {file}"),
            Step::Insmod { file, params } => format!("insmod {file} {}", params.join(" ")),
            other => other.command(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Scenario {
    /// Directory name under `kmods/`, also the snapshot name.
    pub name: String,
    pub dir: PathBuf,
    pub title: String,
    pub vcpus: u32,
    pub time_limit: u64,
    pub expect: Outcome,
    pub expect_on: BTreeMap<String, Outcome>,
    pub steps: Vec<Step>,
    /// `kernel.hung_task_timeout_secs` of the guest, seconds (1 to 120;
    /// default [`DEFAULT_HUNG_TASK_TIMEOUT`]): how long a task may stay in
    /// `D` state before the kernel reports it.
    pub hung_task_timeout_secs: u32,
    /// `watchdog_thresh` of the guest, seconds (1 to 60; default
    /// [`DEFAULT_WATCHDOG_THRESH`]): a soft lockup is reported after twice
    /// this.
    pub watchdog_thresh: u32,
    /// The values the listing prints that a run measures (`[[measure]]`,
    /// [`crate::measure`]), in manifest order.
    pub measures: Vec<crate::measure::Measure>,
}

impl Scenario {
    pub fn expected(&self, kernel: &str) -> Outcome {
        self.expect_on.get(kernel).copied().unwrap_or(self.expect)
    }

    /// Reads `dir/scenario.toml`; every error names the file, the key and what is allowed.
    pub fn load(dir: &Path, kernel_ids: &[String]) -> Result<Scenario> {
        let path = dir.join(FILE_NAME);
        let text = crate::regular::read_to_string(&path).with_context(|| {
            format!(
                "{}: cannot read the scenario manifest; every kmods/<name>/ needs one, a regular file (see README.md, \"Adding an example\")",
                path.display()
            )
        })?;
        Scenario::parse(dir, &text, kernel_ids).with_context(|| format!("{}", path.display()))
    }

    pub fn parse(dir: &Path, text: &str, kernel_ids: &[String]) -> Result<Scenario> {
        let raw: RawManifest = toml::from_str(text)?;
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .context("the example directory has no UTF-8 name")?
            .to_string();
        if !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            bail!("directory name `{name}`: use lower-case letters, digits and `_` (it names the module and the snapshot)");
        }
        let outcome = |key: &str, v: &str| -> Result<Outcome> {
            v.parse::<Outcome>()
                .map_err(|e| anyhow::anyhow!("key `{key}`: {e}"))
        };
        let expect = outcome("expect", &raw.expect)?;
        let mut expect_on = BTreeMap::new();
        for (k, v) in &raw.expect_on {
            if !kernel_ids.contains(k) {
                bail!(
                    "key `expect_on.\"{k}\"`: no such kernel; the matrix has {}",
                    kernel_ids.join(", ")
                );
            }
            expect_on.insert(k.clone(), outcome(&format!("expect_on.\"{k}\""), v)?);
        }
        if !(1..=8).contains(&raw.vcpus) {
            bail!("key `vcpus`: {} is out of range; allowed 1 to 8", raw.vcpus);
        }
        if !(5..=600).contains(&raw.time_limit) {
            bail!(
                "key `time_limit`: {} s is out of range; allowed 5 to 600 seconds",
                raw.time_limit
            );
        }
        if !(1..=120).contains(&raw.hung_task_timeout_secs) {
            bail!(
                "key `hung_task_timeout_secs`: {} is out of range; allowed 1 to 120 seconds",
                raw.hung_task_timeout_secs
            );
        }
        if !(1..=60).contains(&raw.watchdog_thresh) {
            bail!(
                "key `watchdog_thresh`: {} is out of range; allowed 1 to 60 seconds",
                raw.watchdog_thresh
            );
        }
        // A hang is reported some seconds after its threshold (the hung-task
        // check runs each second, the soft-lockup check every
        // 2*watchdog_thresh/5 s, and the step starts after the init's own),
        // so an expected report needs that much room inside the time limit.
        let outcomes = || std::iter::once(expect).chain(expect_on.values().copied());
        if outcomes().any(|o| o == Outcome::HungTask)
            && raw.time_limit < u64::from(raw.hung_task_timeout_secs) + REPORT_ROOM
        {
            bail!(
                "key `time_limit`: {} s leaves no room for the expected hung-task report, which comes after `hung_task_timeout_secs` ({} s); make `time_limit` at least {} or `hung_task_timeout_secs` shorter",
                raw.time_limit,
                raw.hung_task_timeout_secs,
                u64::from(raw.hung_task_timeout_secs) + REPORT_ROOM
            );
        }
        if outcomes().any(|o| o == Outcome::SoftLockup)
            && raw.time_limit < 2 * u64::from(raw.watchdog_thresh) + REPORT_ROOM
        {
            bail!(
                "key `time_limit`: {} s leaves no room for the expected soft-lockup report, which comes after twice `watchdog_thresh` ({} s); make `time_limit` at least {} or `watchdog_thresh` shorter",
                raw.time_limit,
                2 * raw.watchdog_thresh,
                2 * u64::from(raw.watchdog_thresh) + REPORT_ROOM
            );
        }
        if raw.steps.is_empty() {
            bail!("key `steps`: no steps; allowed steps are {STEP_KINDS}");
        }
        let steps = raw
            .steps
            .iter()
            .enumerate()
            .map(|(i, s)| Step::parse(s).map_err(|e| anyhow::anyhow!("key `steps[{i}]`: {e}")))
            .collect::<Result<Vec<_>>>()?;
        let measures = crate::measure::parse(&raw.measure).map_err(|e| anyhow::anyhow!(e))?;
        Ok(Scenario {
            name,
            dir: dir.to_path_buf(),
            title: raw.title,
            vcpus: raw.vcpus,
            time_limit: raw.time_limit,
            expect,
            expect_on,
            steps,
            hung_task_timeout_secs: raw.hung_task_timeout_secs,
            watchdog_thresh: raw.watchdog_thresh,
            measures,
        })
    }
}

/// Headers shared by listings (copied next to each listing's sources).
pub const SHARED_DIR: &str = "include";

/// Every example under `kmods/`, sorted by name. A directory without a
/// manifest is an error, not something to skip; only `kmods/include/`, the
/// shared headers, is not an example. A symbolic link or a file directly
/// under `kmods/` is an error too: a listing is a directory of its own.
pub fn discover(kmods: &Path, kernel_ids: &[String]) -> Result<Vec<Scenario>> {
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(kmods).with_context(|| format!("reading {}", kmods.display()))? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        let kind = entry.file_type()?;
        if !kind.is_dir() {
            bail!(
                "{}: {}; kmods/ holds only listing directories and include/ (replace a link with the directory itself)",
                entry.path().display(),
                if kind.is_symlink() { "a symbolic link" } else { "not a directory" }
            );
        }
        if name != SHARED_DIR {
            dirs.push(entry.path());
        }
    }
    dirs.sort();
    dirs.iter().map(|d| Scenario::load(d, kernel_ids)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_under_kmods_are_refused_by_name() {
        let d = std::env::temp_dir().join(format!("verify-discover-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let kmods = d.join("kmods");
        std::fs::create_dir_all(kmods.join("demo")).unwrap();
        std::fs::write(
            kmods.join("demo").join(FILE_NAME),
            "title='t'\nexpect='clean'\nsteps=['rmmod demo']\n",
        )
        .unwrap();
        assert_eq!(discover(&kmods, &ids()).unwrap().len(), 1);
        // A manifest that links to a host file is not read.
        std::fs::write(
            d.join("host.toml"),
            "title='secret'\nexpect='clean'\nsteps=['rmmod x']\n",
        )
        .unwrap();
        std::fs::create_dir_all(kmods.join("linked")).unwrap();
        std::os::unix::fs::symlink(d.join("host.toml"), kmods.join("linked").join(FILE_NAME))
            .unwrap();
        let e = format!("{:#}", discover(&kmods, &ids()).unwrap_err());
        assert!(
            e.contains("linked/scenario.toml") && e.contains("symbolic link"),
            "{e}"
        );
        std::fs::remove_dir_all(kmods.join("linked")).unwrap();
        // A listing directory that is a link is named, not skipped.
        std::os::unix::fs::symlink(kmods.join("demo"), kmods.join("alias")).unwrap();
        let e = format!("{:#}", discover(&kmods, &ids()).unwrap_err());
        assert!(e.contains("alias") && e.contains("symbolic link"), "{e}");
        std::fs::remove_dir_all(&d).unwrap();
    }

    fn ids() -> Vec<String> {
        vec!["5.10".into(), "6.1".into()]
    }

    fn parse(text: &str) -> Result<Scenario> {
        Scenario::parse(Path::new("kmods/demo"), text, &ids())
    }

    #[test]
    fn full_manifest() {
        let s = parse(
            r#"title = "t"
vcpus = 2
time_limit = 20
expect = "clean"
steps = ["insmod demo.ko n=3 fail_at=2", "sleep 1", "cat /proc/modules", "rmmod demo"]
[expect_on]
"5.10" = "build-error"
"#,
        )
        .unwrap();
        assert_eq!(s.name, "demo");
        assert_eq!(s.expected("5.10"), Outcome::BuildError);
        assert_eq!(s.expected("6.1"), Outcome::Clean);
        assert_eq!(
            s.steps[0],
            Step::Insmod {
                file: "demo.ko".into(),
                params: vec!["n=3".into(), "fail_at=2".into()]
            }
        );
        assert_eq!(
            s.steps[0].command(),
            "/sbin/insmod /lib/modules/demo.ko n=3 fail_at=2"
        );
    }

    fn err(text: &str) -> String {
        format!("{:#}", parse(text).unwrap_err())
    }

    #[test]
    fn errors_name_the_key_and_what_is_allowed() {
        let e = err("title='t'\nexpect='hang'\nsteps=['rmmod x']\n");
        assert!(e.contains("`expect`") && e.contains("hung-task"), "{e}");
        let e = err("title='t'\nexpect='clean'\nsteps=['reboot']\n");
        assert!(
            e.contains("steps[0]") && e.contains("unknown step `reboot`") && e.contains("insmod"),
            "{e}"
        );
        let e = err("title='t'\nexpect='clean'\nsteps=['insmod x.ko n']\n");
        assert!(e.contains("param=value"), "{e}");
        let e = err("title='t'\nexpect='clean'\nsteps=['cat /etc/passwd']\n");
        assert!(e.contains("/proc or /sys"), "{e}");
        let e = err("title='t'\nexpect='clean'\nsteps=['insmod x.ko a=$(reboot)']\n");
        assert!(e.contains("characters"), "{e}");
        let e = err("title='t'\nexpect='clean'\ntimeout=3\nsteps=['rmmod x']\n");
        assert!(
            e.contains("unknown field `timeout`") && e.contains("time_limit"),
            "{e}"
        );
        let e = err("title='t'\nexpect='clean'\nsteps=['rmmod x']\n[expect_on]\n'9.9'='oops'\n");
        assert!(
            e.contains("expect_on.\"9.9\"") && e.contains("5.10, 6.1"),
            "{e}"
        );
        let e = err("title='t'\nexpect='clean'\nvcpus=0\nsteps=['rmmod x']\n");
        assert!(e.contains("`vcpus`"), "{e}");
        let e = err("title='t'\nexpect='clean'\nsteps=[]\n");
        assert!(e.contains("`steps`"), "{e}");
        let e = err("title='t'\nexpect='clean'\nhung_task_timeout_secs=0\nsteps=['rmmod x']\n");
        assert!(
            e.contains("`hung_task_timeout_secs`") && e.contains("1 to 120"),
            "{e}"
        );
        let e = err("title='t'\nexpect='hung-task'\ntime_limit=8\nsteps=['rmmod x']\n");
        assert!(
            e.contains("`time_limit`")
                && e.contains("hung_task_timeout_secs")
                && e.contains("at least 13"),
            "{e}"
        );
        let e = err("title='t'\nexpect='clean'\ntime_limit=6\nsteps=['rmmod x']\n[expect_on]\n'6.1'='soft-lockup'\n");
        assert!(
            e.contains("watchdog_thresh") && e.contains("at least 7"),
            "{e}"
        );
        let e = err(
            "title='t'\nexpect='clean'\nsteps=['rmmod x']\n[[measure]]\nname='ran'\nline='ran=N'\n",
        );
        assert!(
            e.contains("key `measure[0].line`") && e.contains("no <N>") && e.contains("at_least"),
            "{e}"
        );
        let e = err("title='t'\nexpect='clean'\nsteps=['rmmod x']\n[[measure]]\nname='ran'\nline='ran=<N>'\nbelow=3\n");
        assert!(
            e.contains("unknown field `below`") && e.contains("at_least"),
            "{e}"
        );
        let s = parse("title='t'\nexpect='clean'\nsteps=['rmmod x']\n[[measure]]\nname='ran'\nline='ran=<N>/300'\nat_least=1\n[[measure]]\nname='lost'\nline='lost <N>'\n").unwrap();
        let names: Vec<&str> = s.measures.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["ran", "lost"]);
        assert_eq!(s.measures[0].at_least, Some(1));
        let e = err("title='t'\nexpect='clean'\nwatchdog_thresh=99\nsteps=['rmmod x']\n");
        assert!(
            e.contains("`watchdog_thresh`") && e.contains("1 to 60"),
            "{e}"
        );
    }
}
