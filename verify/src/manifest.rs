//! The first stage, scenario manifests: `kmods/<name>/scenario.toml`, read
//! and checked into the [`Scenario`] every later stage works from (the
//! steps the guest's init runs, the machine, the expected outcomes). It
//! touches only `kmods/`: the directory listing and each manifest, read as
//! a regular file. Every error names the file, the key and the allowed forms.
//!
//! ```toml
//! title = "Stop right after kthread_run"
//! title_zh = "kthread_run 之后立刻停止"
//! vcpus = 1
//! time_limit = 30
//! expect = "clean"
//! steps = ["insmod stop_after_run.ko", "rmmod stop_after_run"]
//! [expect_on]
//! "5.10" = "build-error"
//! ```
//!
//! Optional: `hung_task_timeout_secs` (default 10) and `watchdog_thresh`
//! (default 2), the guest's hung-task and soft-lockup thresholds.
//! Also optional: `cmdline` (kernel parameters), `[[variant]]` tables
//! ([`Variant`]) and `[[measure]]` tables, values the listing prints
//! ([`crate::measure`]); README.md, "Adding an example", lists every key
//! and step.

use crate::text::outcome::Outcome;
use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The manifest's file name in each listing's directory.
pub const FILE_NAME: &str = "scenario.toml";
const STEP_KINDS: &str = "`insmod FILE.ko [param=value ...]` (a value with spaces in quotes), `rmmod NAME`, `sleep SECONDS`, `cat /proc/PATH` or `cat /sys/PATH`, `echo VALUE > /proc/PATH` or `> /sys/PATH` (`echo freeze > /sys/power/state` freezes the system and the harness wakes it), `pkill -SIGNAL -x COMM` (signal the kernel threads named COMM), `show COMM` (state, CPUs, policy and freezability of the kernel threads named COMM), `wait`; any step but `wait` may end with ` &` to run in the background";

/// The file whose write freezes the whole system: `kernel/power/main.c`,
/// `state_store()`; `freeze` is suspend-to-idle (s2idle), the only state a
/// QEMU microvm guest offers (DESIGN.md §8).
pub const POWER_STATE: &str = "/sys/power/state";

/// The longest name a task can have: `TASK_COMM_LEN` (16, with the NUL) in
/// `include/linux/sched.h` on every kernel of the matrix. `/proc/PID/comm`
/// of a kthread shows its full name from 6.1 (`get_kthread_comm()` into
/// `proc_task_name()`'s 64-byte buffer), cut to this on 5.10; the `show`
/// and `pkill` steps match a name of exactly this length against the start
/// of a longer one, so it works on all four.
pub const COMM_MAX: usize = 15;

/// Files a write step may not change: what the report depends on (the
/// console's log level: a listing that lowered it would hide its own oops)
/// and what the manifest's keys set.
const HARNESS_FILES: &[&str] = &[
    "/proc/sys/kernel/printk",
    "/proc/sys/kernel/hung_task_",
    "/proc/sys/kernel/watchdog_thresh",
];

/// Signals the `pkill` step sends, by the name `kill -l` gives them.
const SIGNALS: &[&str] = &[
    "HUP", "INT", "QUIT", "KILL", "USR1", "USR2", "TERM", "CONT", "STOP",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    title: String,
    /// Required, like `title`: the book is bilingual, and a Chinese page
    /// must not caption a listing in English.
    title_zh: Option<String>,
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
    #[serde(default)]
    cmdline: Vec<String>,
    #[serde(default, rename = "variant")]
    variants: Vec<RawVariant>,
    /// `[[measure]]` tables (`crate::measure`).
    #[serde(default)]
    measure: Vec<crate::measure::RawMeasure>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawVariant {
    name: String,
    #[serde(default)]
    cmdline: Vec<String>,
    vcpus: Option<u32>,
    kernels: Option<Vec<String>>,
    expect: Option<String>,
    #[serde(default)]
    expect_on: BTreeMap<String, String>,
}

/// Kernel parameters the harness sets itself ([`crate::guest::vm::CMDLINE`] and
/// the manifest's own keys): a scenario cannot change them.
const HARNESS_PARAMS: &[&str] = &[
    "console",
    "quiet",
    "loglevel",
    "panic",
    "init",
    "rdinit",
    "printk.devkmsg",
    "tsc_early_khz",
    "tsc",
    "no_console_suspend",
    "watchdog_thresh",
    "sysctl.kernel.hung_task_timeout_secs",
    "sysctl.kernel.hung_task_check_interval_secs",
    "sysctl.kernel.hung_task_warnings",
];

/// Prefixes of kernel parameters that choose consoles or configure the
/// UARTs (`earlycon=…,0x2f8` with `keep_bootcon` and `printk.time=0` would
/// print a module's lines on the side channel as they are, where they could
/// pass for the init's events).
const CONSOLE_PARAMS: &[&str] = &[
    "console",
    "earlycon",
    "earlyprintk",
    "keep_bootcon",
    "printk.",
    "8250",
    "serial",
];

/// Checks the `cmdline` entries under `key`: one kernel parameter each
/// (`name` or `name=value`, as `Documentation/admin-guide/kernel-parameters.txt`
/// writes them), none the harness sets.
fn check_cmdline(key: &str, params: &[String]) -> Result<()> {
    for (i, p) in params.iter().enumerate() {
        let name = p.split_once('=').map_or(p.as_str(), |(n, _)| n);
        let ok_chars = p
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "_.,=:/+-".contains(c));
        if p.is_empty() || !ok_chars || p.starts_with('-') || name.is_empty() {
            bail!(
                "key `{key}[{i}]`: `{p}` is not one kernel parameter; write `name` or `name=value` (letters, digits and `_.,=:/+-`), one per entry"
            );
        }
        if let Some(prefix) = CONSOLE_PARAMS.iter().find(|pre| name.starts_with(*pre)) {
            bail!(
                "key `{key}[{i}]`: `{name}` changes the consoles or serial ports (`{prefix}…`), which the harness owns: the side channel is the second UART, and a kernel console there could write the init's events for a module"
            );
        }
        if HARNESS_PARAMS.contains(&name) {
            bail!(
                "key `{key}[{i}]`: `{name}` is set by the harness; use `hung_task_timeout_secs` or `watchdog_thresh` for the watchdogs, and leave the console and init alone"
            );
        }
    }
    Ok(())
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

/// One module parameter of an `insmod` step: `name=value`, the value
/// possibly quoted in the manifest (`msg="two words"`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Param {
    /// The parameter's name, as `module_param()` declares it.
    pub name: String,
    /// The value as the module receives it, without the manifest's quotes.
    pub value: String,
}

impl Param {
    /// How a reader types it: quoted when the value holds anything but the
    /// characters a shell word needs no quotes for.
    fn display(&self) -> String {
        if self.value.chars().all(plain) && !self.value.is_empty() {
            format!("{}={}", self.name, self.value)
        } else {
            format!("{}=\"{}\"", self.name, self.value)
        }
    }
}

/// What a step does, as a reader would type it in the guest's shell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// `insmod FILE.ko [param=value ...]`: load a module built from this listing.
    Insmod {
        /// The `.ko` file name, no directory.
        file: String,
        /// Module parameters, in order.
        params: Vec<Param>,
    },
    /// `rmmod NAME`: unload a module (its exit function runs).
    Rmmod {
        /// The module's name.
        name: String,
    },
    /// `sleep SECONDS`, whole seconds of guest time.
    Sleep {
        /// Seconds.
        seconds: u32,
    },
    /// `cat PATH`: print one file under `/proc` or `/sys`.
    Cat {
        /// Absolute path under `/proc` or `/sys`.
        path: String,
    },
    /// `echo VALUE > PATH`: write one line to a file under `/proc` or
    /// `/sys` (a sysctl, `cpuN/online` for CPU hotplug, [`POWER_STATE`] to
    /// freeze the system).
    Write {
        /// The value, written with a newline as `echo` does.
        value: String,
        /// Absolute path under `/proc` or `/sys`.
        path: String,
    },
    /// `pkill -SIGNAL -x COMM`: send a signal to every kernel thread whose
    /// name (`comm`) is exactly COMM; fails when there is none.
    Signal {
        /// The signal's name without `SIG` (`TERM`) or its number.
        signal: String,
        /// The thread's name, at most [`COMM_MAX`] bytes.
        comm: String,
    },
    /// `show COMM`: one line per kernel thread named COMM: its state, the
    /// CPUs it may run on, its scheduling policy and priority, and whether
    /// it is freezable; fails when there is none.
    Show {
        /// The thread's name, at most [`COMM_MAX`] bytes.
        comm: String,
    },
    /// `wait`: until every background step has ended.
    Wait,
}

/// One step of a scenario: an action, run in the foreground (the next step
/// starts when it ended) or in the background (` &`: the next step starts
/// at once; a later `wait` waits for it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Step {
    /// What the step does.
    pub action: Action,
    /// Whether it was written with a trailing ` &`.
    pub background: bool,
}

/// Characters a shell word may hold without quotes, in a step.
fn plain(c: char) -> bool {
    c.is_ascii_alphanumeric() || "._-/=,:+%@".contains(c)
}

/// One word of a step: its text without quotes, and whether any part of it
/// was quoted (an operator such as `>` is one only when unquoted).
#[derive(Debug, PartialEq, Eq)]
struct Word {
    text: String,
    quoted: bool,
}

/// Splits a step into shell words. Quotes (`'…'` or `"…"`) may hold
/// spaces, `%`, `$` and any other printable ASCII character but the quote
/// itself: nothing is expanded, since the guest gets every word quoted again
/// ([`shell_quote`]). Outside quotes only [`plain`] characters and the
/// operators `>` and `&` (each a word of its own) are allowed; backslashes
/// nowhere.
fn words(text: &str) -> Result<Vec<Word>, String> {
    let mut out = Vec::new();
    let mut cur: Option<Word> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                out.extend(cur.take());
            }
            '\'' | '"' => {
                let w = cur.get_or_insert(Word {
                    text: String::new(),
                    quoted: false,
                });
                w.quoted = true;
                loop {
                    match chars.next() {
                        Some(q) if q == c => break,
                        Some(x) if x == ' ' || x.is_ascii_graphic() && x != '\\' => w.text.push(x),
                        Some(x) => {
                            return Err(format!(
                                "`{}` inside quotes; quoted text may hold printable ASCII but `\\`",
                                x.escape_default()
                            ))
                        }
                        None => return Err(format!("a quote `{c}` is not closed")),
                    }
                }
            }
            '>' | '&' => {
                if chars.clone().next() == Some(c) {
                    return Err(format!(
                        "`{c}{c}` is not a step: steps are not a shell; write a value with `echo VALUE > PATH`, run a step in the background with a trailing ` &`"
                    ));
                }
                if cur.is_some() {
                    return Err(format!("`{c}` must be a word of its own, with spaces around it"));
                }
                let next = chars.clone().next();
                if next.is_some_and(|n| n != ' ' && n != '\t') {
                    return Err(format!("`{c}` must be a word of its own, with spaces around it"));
                }
                out.push(Word {
                    text: c.to_string(),
                    quoted: false,
                });
            }
            c if plain(c) => cur
                .get_or_insert(Word {
                    text: String::new(),
                    quoted: false,
                })
                .text
                .push(c),
            c => {
                return Err(format!(
                    "`{}` is not allowed here: steps are not a shell (no pipes, `;`, `<`, `>>`, variables or command substitution); outside quotes a step holds letters, digits, `._-/=,:+%@`, and `>` or `&` as words of their own; inside quotes any such character is plain text",
                    c.escape_default()
                ))
            }
        }
    }
    out.extend(cur);
    Ok(out)
}

/// A path a `cat` or `echo` step may use: absolute, under `/proc` or
/// `/sys`, no `.` or `..` component, plain characters only.
fn proc_or_sys_path(w: &Word) -> Result<String, String> {
    let p = &w.text;
    let under = p.starts_with("/proc/") || p.starts_with("/sys/");
    let parts_ok = p
        .split('/')
        .skip(1)
        .all(|c| !c.is_empty() && c != "." && c != "..");
    if w.quoted || !under || !parts_ok || !p.chars().all(plain) {
        return Err(format!(
            "`{p}` is not a file under /proc or /sys (an absolute path without `.` or `..` parts, no quotes)"
        ));
    }
    Ok(p.clone())
}

/// A thread name a `pkill` or `show` step looks for.
fn comm(w: &Word) -> Result<String, String> {
    let c = &w.text;
    if w.quoted || c.is_empty() || c.contains('=') {
        return Err(format!(
            "`{c}` is not a thread name (plain characters, no quotes)"
        ));
    }
    if c.len() > COMM_MAX {
        return Err(format!(
            "`{c}` is {} bytes, and a thread's name is at most {COMM_MAX} (TASK_COMM_LEN, include/linux/sched.h); give its first {COMM_MAX}, which match the whole name on every kernel",
            c.len()
        ));
    }
    Ok(c.clone())
}

impl Step {
    /// Parses one entry of `steps`; the error says what is wrong and lists
    /// the allowed forms.
    pub fn parse(text: &str) -> Result<Step, String> {
        let bad = |why: &str| format!("step `{text}`: {why}; steps are {STEP_KINDS}");
        let mut ws = words(text).map_err(|e| bad(&e))?;
        let background = ws.last().is_some_and(|w| w.text == "&" && !w.quoted);
        if background {
            ws.pop();
        }
        let op = |w: &Word, o: &str| !w.quoted && w.text == o;
        if let Some(w) = ws.iter().find(|w| op(w, "&")) {
            return Err(bad(&format!(
                "`{}` only ends a step, to run it in the background",
                w.text
            )));
        }
        let t: Vec<&str> = ws.iter().map(|w| w.text.as_str()).collect();
        let action = match t.as_slice() {
            ["insmod", file, params @ ..] if !ws[0].quoted => {
                if !file.ends_with(".ko") || file.contains('/') || ws[1].quoted {
                    return Err(bad("insmod takes the .ko file name built from this directory"));
                }
                let params = ws[2..]
                    .iter()
                    .zip(params)
                    .map(|(w, p)| {
                        let (name, value) = p.split_once('=').ok_or_else(|| {
                            bad(&format!("module parameter `{p}` is not param=value"))
                        })?;
                        if name.is_empty()
                            || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '.')
                        {
                            return Err(bad(&format!("`{name}` is not a module parameter's name")));
                        }
                        if value.contains('"') {
                            return Err(bad(&format!(
                                "the value of `{name}` holds `\"`, which the kernel cannot take: next_arg() in lib/cmdline.c ends a quoted value at the next `\"`"
                            )));
                        }
                        let _ = w;
                        Ok(Param {
                            name: name.to_string(),
                            value: value.to_string(),
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                Action::Insmod {
                    file: file.to_string(),
                    params,
                }
            }
            ["rmmod", name] if !ws[1].quoted => Action::Rmmod {
                name: name.to_string(),
            },
            ["sleep", secs] => Action::Sleep {
                seconds: secs.parse().map_err(|_| bad("sleep takes whole seconds"))?,
            },
            ["cat", _] => Action::Cat {
                path: proc_or_sys_path(&ws[1]).map_err(|e| bad(&e))?,
            },
            ["cat", ..] => return Err(bad("cat reads one file under /proc or /sys")),
            ["echo", value, ">", _] if op(&ws[2], ">") => {
                let path = proc_or_sys_path(&ws[3]).map_err(|e| bad(&e))?;
                if let Some(owned) = HARNESS_FILES.iter().find(|f| path.starts_with(*f))
                    .or_else(|| path.contains("ttyS").then_some(&"the serial ports (ttyS*)"))
                {
                    return Err(bad(&format!(
                        "`{path}` belongs to the harness ({owned}): the console's log level and the watchdog thresholds are the manifest's keys (`hung_task_timeout_secs`, `watchdog_thresh`), and the serial ports carry the console and the side channel"
                    )));
                }
                if path == POWER_STATE && *value != "freeze" {
                    return Err(bad(&format!(
                        "the guest can only be frozen (`echo freeze > {POWER_STATE}`, suspend-to-idle), not put to `{value}`"
                    )));
                }
                if path == POWER_STATE && background {
                    return Err(bad(
                        "a freeze cannot run in the background: no step runs while the system sleeps",
                    ));
                }
                Action::Write {
                    value: value.to_string(),
                    path,
                }
            }
            ["echo", ..] => {
                return Err(bad(
                    "echo writes one value to one file: `echo VALUE > /proc/PATH` or `> /sys/PATH` (quote a value with spaces)",
                ))
            }
            ["pkill", sig, "-x", _] if sig.starts_with('-') => {
                let sig = &sig[1..];
                let known = SIGNALS.contains(&sig)
                    || sig.parse::<u32>().is_ok_and(|n| (1..=64).contains(&n));
                if !known {
                    return Err(bad(&format!(
                        "`-{sig}` is not a signal; use a name ({}) or a number from 1 to 64",
                        SIGNALS.join(", ")
                    )));
                }
                Action::Signal {
                    signal: sig.to_string(),
                    comm: comm(&ws[3]).map_err(|e| bad(&e))?,
                }
            }
            ["pkill", ..] => {
                return Err(bad(
                    "pkill takes a signal and an exact thread name: `pkill -TERM -x NAME`",
                ))
            }
            ["show", _] => Action::Show {
                comm: comm(&ws[1]).map_err(|e| bad(&e))?,
            },
            ["wait"] if background => return Err(bad("`wait` cannot itself run in the background")),
            ["wait"] => Action::Wait,
            [kind, ..] => return Err(bad(&format!("unknown step `{kind}` or wrong arguments"))),
            [] => return Err(bad("empty step")),
        };
        Ok(Step { action, background })
    }

    /// Whether this step freezes the whole system, so the host has to wake
    /// the guest through its serial port.
    pub fn is_freeze(&self) -> bool {
        matches!(&self.action, Action::Write { path, .. } if path == POWER_STATE)
    }

    /// The guest's shell command for this step (every word quoted; the
    /// helper scripts are [`crate::guest::initramfs`]'s). `Wait` is the init's own.
    pub fn command(&self) -> String {
        let q = shell_quote;
        match &self.action {
            Action::Insmod { file, params } => {
                let mut c = format!("/sbin/insmod {}", q(&format!("/lib/modules/{file}")));
                for p in params {
                    c.push(' ');
                    c.push_str(&q(&format!("{}={}", p.name, p.value)));
                }
                c
            }
            Action::Rmmod { name } => format!("rmmod {}", q(name)),
            Action::Sleep { seconds } => format!("sleep {seconds}"),
            Action::Cat { path } => format!("cat {}", q(path)),
            Action::Write { path, .. } if path == POWER_STATE => "sh /lib/verify/freeze".into(),
            Action::Write { value, path } => format!("printf '%s\\n' {} > {}", q(value), q(path)),
            Action::Signal { signal, comm } => {
                format!("sh /lib/verify/signal {} {}", q(signal), q(comm))
            }
            Action::Show { comm } => format!("sh /lib/verify/show {}", q(comm)),
            Action::Wait => "wait".into(),
        }
    }

    /// How the step reads in the guest's log and the book: as a reader
    /// would type it.
    pub fn display(&self) -> String {
        let s = match &self.action {
            Action::Insmod { file, params } => std::iter::once(format!("insmod {file}"))
                .chain(params.iter().map(Param::display))
                .collect::<Vec<_>>()
                .join(" "),
            Action::Rmmod { name } => format!("rmmod {name}"),
            Action::Sleep { seconds } => format!("sleep {seconds}"),
            Action::Cat { path } => format!("cat {path}"),
            Action::Write { value, path } if value.chars().all(plain) && !value.is_empty() => {
                format!("echo {value} > {path}")
            }
            Action::Write { value, path } => format!("echo \"{value}\" > {path}"),
            Action::Signal { signal, comm } => format!("pkill -{signal} -x {comm}"),
            Action::Show { comm } => format!("show {comm}"),
            Action::Wait => "wait".into(),
        };
        if self.background {
            s + " &"
        } else {
            s
        }
    }
}

/// `s` as one single-quoted shell word.
pub fn shell_quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', r"'\''"))
}

/// One listing's manifest, checked; or, after [`Scenario::expand`], one run
/// of it (the listing itself, or one of its variants).
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Directory name under `kmods/`, also the snapshot name.
    pub name: String,
    /// `kmods/<name>/`: the sources, the manifest and `snapshots/`.
    pub dir: PathBuf,
    /// `title`: the listing's caption in the book's English pages.
    pub title: String,
    /// `title_zh`: the listing's caption in the book's Chinese pages
    /// (required and not blank, like `title`).
    pub title_zh: String,
    /// `vcpus`: the guest's CPUs, 1 to 8 (default 1).
    pub vcpus: u32,
    /// `time_limit`, seconds (5 to 600, default 30): how long the steps may
    /// run, counted from the init's start event, before the guest is killed.
    pub time_limit: u64,
    /// `expect`: the outcome on every kernel not in `expect_on`.
    pub expect: Outcome,
    /// `expect_on`: outcomes by matrix id, where a kernel differs.
    pub expect_on: BTreeMap<String, Outcome>,
    /// `steps`, in order: what the guest's init runs.
    pub steps: Vec<Step>,
    /// `kernel.hung_task_timeout_secs` of the guest, seconds (1 to 120;
    /// default [`DEFAULT_HUNG_TASK_TIMEOUT`]): how long a task may stay in
    /// `D` state before the kernel reports it.
    pub hung_task_timeout_secs: u32,
    /// `watchdog_thresh` of the guest, seconds (1 to 60; default
    /// [`DEFAULT_WATCHDOG_THRESH`]): a soft lockup is reported after twice
    /// this.
    pub watchdog_thresh: u32,
    /// Kernel parameters added to the harness's command line
    /// ([`crate::guest::vm::cmdline`]), e.g. `slub_debug=FZPU`, `preempt=full`.
    pub cmdline: Vec<String>,
    /// For one run of a listing with variants: which one (`None` is the
    /// listing itself).
    pub variant: Option<String>,
    /// The kernels this run is made on; `None`: every kernel selected.
    pub kernels: Option<Vec<String>>,
    /// The variants the manifest declares (empty in an expanded run).
    pub variants: Vec<Variant>,
    /// The values the listing prints that a run measures (`[[measure]]`,
    /// [`crate::measure`]), in manifest order.
    pub measures: Vec<crate::measure::Measure>,
}

/// One `[[variant]]` of a manifest: the listing run again with other boot
/// parameters or CPUs, with outcomes and snapshots of its own.
#[derive(Debug, Clone)]
pub struct Variant {
    /// `[a-z0-9_]+`; its snapshots are `LISTING.NAME.snap` and
    /// `LISTING.NAME@KERNEL.snap`.
    pub name: String,
    /// Kernel parameters added to the listing's `cmdline`.
    pub cmdline: Vec<String>,
    /// CPUs, when not the listing's.
    pub vcpus: Option<u32>,
    /// The only kernels it runs on (`None`: all), e.g. the `PREEMPT_DYNAMIC`
    /// ones for a `preempt=` variant.
    pub kernels: Option<Vec<String>>,
    /// Its outcome on the kernels not in `expect_on`.
    pub expect: Outcome,
    /// Outcomes that differ on some kernels.
    pub expect_on: BTreeMap<String, Outcome>,
}

impl Scenario {
    /// The outcome expected on `kernel` (a matrix id): its `expect_on`, else
    /// `expect`.
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

    /// Parses and checks the manifest text of the listing in `dir`, whose name
    /// must be `[a-z0-9_]+`; `kernel_ids` are the matrix's. Errors name the key
    /// and what it allows: an unknown key, an outcome or step not one of the
    /// allowed forms, a number out of range, a kernel not in the matrix, a
    /// `time_limit` too short for an expected hang report, a background step
    /// without its `wait`, a `cmdline` parameter the harness sets, a bad
    /// `[[variant]]`.
    pub fn parse(dir: &Path, text: &str, kernel_ids: &[String]) -> Result<Scenario> {
        let raw: RawManifest = toml::from_str(text)?;
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .context("the example directory has no UTF-8 name")?
            .to_string();
        check_listing_name(&name).map_err(|e| anyhow::anyhow!("directory name {e}"))?;
        let outcome = |key: &str, v: &str| -> Result<Outcome> {
            v.parse::<Outcome>()
                .map_err(|e| anyhow::anyhow!("key `{key}`: {e}"))
        };
        let title = caption(
            "title",
            &raw.title,
            "the caption on the book's English pages",
        )?;
        let title_zh = match &raw.title_zh {
            Some(t) => caption("title_zh", t, "the caption on the book's Chinese pages")?,
            None => bail!(
                "key `title_zh`: missing; every listing needs a Chinese title beside `title` (the caption on the book's Chinese pages), e.g. `title_zh = \"kthread_run 之后立刻停止\"`"
            ),
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
        check_background(&steps)?;
        check_cmdline("cmdline", &raw.cmdline)?;
        let mut variants: Vec<Variant> = Vec::new();
        for (i, v) in raw.variants.iter().enumerate() {
            let key = format!("variant[{i}]");
            if v.name.is_empty()
                || !v
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                bail!(
                    "key `{key}.name`: `{}`: use lower-case letters, digits and `_` (it names the variant's snapshots, `{name}.NAME.snap`)",
                    v.name
                );
            }
            if variants.iter().any(|o| o.name == v.name) {
                bail!("key `{key}.name`: a second variant named `{}`", v.name);
            }
            check_cmdline(&format!("{key}.cmdline"), &v.cmdline)?;
            if let Some(n) = v.vcpus {
                if !(1..=8).contains(&n) {
                    bail!("key `{key}.vcpus`: {n} is out of range; allowed 1 to 8");
                }
            }
            if let Some(ks) = &v.kernels {
                if ks.is_empty() {
                    bail!("key `{key}.kernels`: empty; leave it out to run on every kernel");
                }
                if let Some(k) = ks.iter().find(|k| !kernel_ids.contains(k)) {
                    bail!(
                        "key `{key}.kernels`: no kernel `{k}`; the matrix has {}",
                        kernel_ids.join(", ")
                    );
                }
            }
            if v.cmdline.is_empty() && v.vcpus.is_none() {
                bail!(
                    "key `{key}`: a variant changes `cmdline` or `vcpus`; this one changes neither"
                );
            }
            let v_expect = match &v.expect {
                Some(e) => outcome(&format!("{key}.expect"), e)?,
                None => expect,
            };
            let mut v_on = BTreeMap::new();
            for (k, o) in &v.expect_on {
                if !kernel_ids.contains(k) {
                    bail!(
                        "key `{key}.expect_on.\"{k}\"`: no such kernel; the matrix has {}",
                        kernel_ids.join(", ")
                    );
                }
                v_on.insert(k.clone(), outcome(&format!("{key}.expect_on.\"{k}\""), o)?);
            }
            // A variant that names no outcome of its own expects the
            // listing's, kernel by kernel.
            if v.expect.is_none() {
                for (k, o) in &expect_on {
                    v_on.entry(k.clone()).or_insert(*o);
                }
            }
            variants.push(Variant {
                name: v.name.clone(),
                cmdline: v.cmdline.clone(),
                vcpus: v.vcpus,
                kernels: v.kernels.clone(),
                expect: v_expect,
                expect_on: v_on,
            });
        }
        let measures = crate::measure::parse(&raw.measure).map_err(|e| anyhow::anyhow!(e))?;
        Ok(Scenario {
            name,
            dir: dir.to_path_buf(),
            title,
            title_zh,
            vcpus: raw.vcpus,
            time_limit: raw.time_limit,
            expect,
            expect_on,
            steps,
            hung_task_timeout_secs: raw.hung_task_timeout_secs,
            watchdog_thresh: raw.watchdog_thresh,
            cmdline: raw.cmdline,
            variant: None,
            kernels: None,
            variants,
            measures,
        })
    }

    /// The runs this listing asks for: itself, then each variant as a
    /// scenario of its own (its `cmdline` added to the listing's, its
    /// `vcpus`, its kernels and outcomes).
    pub fn expand(&self) -> Vec<Scenario> {
        let mut out = vec![Scenario {
            variants: Vec::new(),
            ..self.clone()
        }];
        for v in &self.variants {
            out.push(Scenario {
                vcpus: v.vcpus.unwrap_or(self.vcpus),
                expect: v.expect,
                expect_on: v.expect_on.clone(),
                cmdline: self.cmdline.iter().chain(&v.cmdline).cloned().collect(),
                variant: Some(v.name.clone()),
                kernels: v.kernels.clone(),
                variants: Vec::new(),
                ..self.clone()
            });
        }
        out
    }

    /// The name of this run's snapshots and work directory: the listing's,
    /// or `LISTING.VARIANT` (never a listing's own name: those have no `.`).
    pub fn id(&self) -> String {
        match &self.variant {
            Some(v) => format!("{}.{v}", self.name),
            None => self.name.clone(),
        }
    }

    /// Whether this run is made on `kernel` (a variant may name its kernels).
    pub fn runs_on(&self, kernel: &str) -> bool {
        self.kernels
            .as_ref()
            .is_none_or(|ks| ks.iter().any(|k| k == kernel))
    }
}

/// The longest module name: the kernel keeps it in `MODULE_NAME_LEN`
/// bytes with its NUL (`include/linux/moduleparam.h`: `MAX_PARAM_PREFIX_LEN`,
/// 64 less the size of a `long`, 56 on x86-64; `__MODULE_NAME_LEN` on 7.2),
/// and modpost refuses a longer one ("module name is too long").
pub const MODULE_NAME_MAX: usize = 55;

/// Checks a listing's name, the directory under `kmods/` that names its
/// module and its snapshots: lower-case letters, digits and `_`, not empty,
/// at most [`MODULE_NAME_MAX`] characters. The error starts with the name
/// in backquotes and says what is allowed.
pub fn check_listing_name(name: &str) -> Result<(), String> {
    if name.is_empty()
        || !name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
    {
        return Err(format!(
            "`{name}`: use lower-case letters, digits and `_` (it names the module and the snapshot)"
        ));
    }
    if name.len() > MODULE_NAME_MAX {
        return Err(format!(
            "`{name}`: {} characters; a module's name has at most {MODULE_NAME_MAX} (MODULE_NAME_LEN in include/linux/module.h, with its NUL)",
            name.len()
        ));
    }
    Ok(())
}

/// A listing's caption under `key` (`title` or `title_zh`, which `what`
/// describes): one line of text, not blank.
fn caption(key: &str, value: &str, what: &str) -> Result<String> {
    if value.trim().is_empty() {
        bail!("key `{key}`: empty; write {what}, one line of text");
    }
    if value.contains(['\n', '\r']) {
        bail!("key `{key}`: more than one line; write {what}, one line of text");
    }
    Ok(value.to_string())
}

/// A background step needs a later `wait`, so that its end is part of the
/// run; a `wait` needs something in the background to wait for.
fn check_background(steps: &[Step]) -> Result<()> {
    let mut pending: Option<usize> = None;
    for (i, s) in steps.iter().enumerate() {
        if s.action == Action::Wait {
            if pending.is_none() {
                bail!("key `steps[{i}]`: `wait` with nothing in the background (end a step with ` &` to run it there)");
            }
            pending = None;
        } else if s.background && pending.is_none() {
            pending = Some(i);
        }
    }
    if let Some(i) = pending {
        bail!(
            "key `steps[{i}]`: `{}` runs in the background and no later `wait` waits for it; add a `wait` step",
            steps[i].display()
        );
    }
    Ok(())
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
            "title='t'\ntitle_zh='标题'\nexpect='clean'\nsteps=['rmmod demo']\n",
        )
        .unwrap();
        assert_eq!(discover(&kmods, &ids()).unwrap().len(), 1);
        // A manifest that links to a host file is not read.
        std::fs::write(
            d.join("host.toml"),
            "title='secret'\ntitle_zh='secret 中'\nexpect='clean'\nsteps=['rmmod x']\n",
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
title_zh = "标题"
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
            Step {
                action: Action::Insmod {
                    file: "demo.ko".into(),
                    params: vec![
                        Param {
                            name: "n".into(),
                            value: "3".into()
                        },
                        Param {
                            name: "fail_at".into(),
                            value: "2".into()
                        }
                    ]
                },
                background: false
            }
        );
        assert_eq!(
            s.steps[0].command(),
            "/sbin/insmod '/lib/modules/demo.ko' 'n=3' 'fail_at=2'"
        );
        assert!(s.variants.is_empty() && s.cmdline.is_empty());
        assert_eq!(s.expand().len(), 1);
    }

    fn step(text: &str) -> Step {
        Step::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    #[test]
    fn every_step_form_reads_back_as_typed() {
        for text in [
            "insmod a.ko",
            r#"insmod a.ko n=3 msg="two words" fmt=50%"#,
            "rmmod a",
            "sleep 2",
            "cat /proc/modules",
            "echo 0 > /sys/devices/system/cpu/cpu1/online",
            r#"echo "1 2" > /proc/sys/kernel/sched_rt_period_us"#,
            "echo freeze > /sys/power/state",
            "pkill -TERM -x my_thread",
            "pkill -9 -x ksoftirqd/0",
            "show my_thread",
            "rmmod a &",
            "wait",
        ] {
            assert_eq!(step(text).display(), text);
        }
        // Quotes of either kind, written anywhere in a word, give the value.
        let s = step(r#"insmod a.ko msg='it is 100% $(true)' x="a b""#);
        let Action::Insmod { params, .. } = &s.action else {
            panic!()
        };
        assert_eq!(params[0].value, "it is 100% $(true)");
        assert_eq!(params[1].value, "a b");
        // The guest gets every word single-quoted: nothing is expanded.
        assert_eq!(
            s.command(),
            "/sbin/insmod '/lib/modules/a.ko' 'msg=it is 100% $(true)' 'x=a b'"
        );
        assert_eq!(
            step("echo 0 > /sys/devices/system/cpu/cpu1/online").command(),
            r"printf '%s\n' '0' > '/sys/devices/system/cpu/cpu1/online'"
        );
        assert!(step("echo freeze > /sys/power/state").is_freeze());
        assert!(!step("echo 1 > /proc/sys/kernel/panic_on_warn").is_freeze());
        assert_eq!(
            step("pkill -USR1 -x t").command(),
            "sh /lib/verify/signal 'USR1' 't'"
        );
        assert!(step("rmmod a &").background);
    }

    #[test]
    fn bad_steps_are_named_with_the_allowed_forms() {
        let e = |t: &str| Step::parse(t).unwrap_err();
        for (text, says) in [
            ("insmod a.ko a=$(reboot)", "steps are not a shell"),
            ("insmod a.ko a=`x`", "steps are not a shell"),
            ("cat /proc/modules | head", "no pipes"),
            ("echo 1 >> /proc/x", "`>>`"),
            ("rmmod a && rmmod b", "`&&`"),
            ("insmod a.ko a='x", "not closed"),
            (r#"insmod a.ko a="x\y""#, "printable ASCII"),
            (r#"insmod a.ko msg='say "hi"'"#, "next_arg()"),
            ("echo 1 >/proc/x", "word of its own"),
            ("echo 1 > /etc/passwd", "under /proc or /sys"),
            ("echo 0 > /proc/sys/kernel/printk", "belongs to the harness"),
            (
                "echo off > /proc/sys/kernel/printk_devkmsg",
                "belongs to the harness",
            ),
            (
                "echo 60 > /proc/sys/kernel/hung_task_timeout_secs",
                "hung_task_timeout_secs",
            ),
            (
                "echo disabled > /sys/class/tty/ttyS0/power/wakeup",
                "serial ports",
            ),
            ("echo 1 > /proc/../etc/passwd", "under /proc or /sys"),
            ("echo 1 > '/proc/x'", "no quotes"),
            ("echo 1 2 > /proc/x", "quote a value"),
            ("echo mem > /sys/power/state", "only be frozen"),
            ("echo freeze > /sys/power/state &", "background"),
            ("cat /proc/self/../../etc/passwd", "under /proc or /sys"),
            ("pkill -FOO -x t", "not a signal"),
            ("pkill -99 -x t", "not a signal"),
            ("pkill -TERM t", "pkill -TERM -x NAME"),
            ("show a_name_longer_than_15", "TASK_COMM_LEN"),
            ("show", "unknown step"),
            ("wait &", "cannot itself"),
            ("rmmod a & rmmod b", "only ends a step"),
            ("reboot", "unknown step `reboot`"),
        ] {
            let got = e(text);
            assert!(got.contains(says), "{text}: {got}");
            assert!(got.contains("pkill -SIGNAL -x COMM"), "{text}: {got}");
        }
    }

    #[test]
    fn background_steps_need_a_wait() {
        let e = err("title='t'\ntitle_zh='标题'\nexpect='clean'\nsteps=['rmmod a &', 'sleep 1']\n");
        assert!(e.contains("steps[0]") && e.contains("add a `wait`"), "{e}");
        let e = err("title='t'\ntitle_zh='标题'\nexpect='clean'\nsteps=['sleep 1', 'wait']\n");
        assert!(
            e.contains("steps[1]") && e.contains("nothing in the background"),
            "{e}"
        );
        parse(
            "title='t'\ntitle_zh='标题'\nexpect='clean'\nsteps=['rmmod a &', 'show x', 'wait']\n",
        )
        .unwrap();
    }

    #[test]
    fn variants_expand_into_runs_of_their_own() {
        let s = parse(
            r#"title = "t"
title_zh = "标题"
expect = "soft-lockup"
cmdline = ["slub_debug=FZPU"]
time_limit = 20
steps = ["insmod demo.ko"]
[expect_on]
"5.10" = "warn"
[[variant]]
name = "full"
cmdline = ["preempt=full"]
kernels = ["6.1"]
expect = "hung-task"
[[variant]]
name = "two_cpus"
vcpus = 2
"#,
        )
        .unwrap();
        let runs = s.expand();
        assert_eq!(runs.len(), 3);
        assert_eq!(runs[0].id(), "demo");
        assert!(runs[0].runs_on("5.10") && runs[0].variants.is_empty());
        assert_eq!(runs[1].id(), "demo.full");
        assert_eq!(runs[1].cmdline, vec!["slub_debug=FZPU", "preempt=full"]);
        assert!(runs[1].runs_on("6.1") && !runs[1].runs_on("5.10"));
        assert_eq!(runs[1].expected("6.1"), Outcome::HungTask);
        // Without an outcome of its own a variant expects the listing's,
        // kernel by kernel.
        assert_eq!(runs[2].vcpus, 2);
        assert_eq!(runs[2].expected("5.10"), Outcome::Warn);
        assert_eq!(runs[2].expected("6.1"), Outcome::SoftLockup);
    }

    #[test]
    fn bad_cmdlines_and_variants_are_named() {
        let base = "title='t'\ntitle_zh='标题'\nexpect='clean'\nsteps=['rmmod x']\n";
        for (extra, says) in [
            ("cmdline=['a b']", "`cmdline[0]`"),
            ("cmdline=['console=ttyS1']", "harness owns"),
            ("cmdline=['earlycon=uart,io,0x2f8']", "side channel"),
            ("cmdline=['keep_bootcon']", "harness owns"),
            ("cmdline=['printk.time=0']", "harness owns"),
            ("cmdline=['8250.nr_uarts=1']", "harness owns"),
            ("cmdline=['quiet']", "set by the harness"),
            ("cmdline=['watchdog_thresh=5']", "`watchdog_thresh`"),
            ("cmdline=['$(x)']", "one kernel parameter"),
            ("[[variant]]\nname='A'\ncmdline=['x']", "`variant[0].name`"),
            ("[[variant]]\nname='a'", "changes neither"),
            ("[[variant]]\nname='a'\nvcpus=9", "`variant[0].vcpus`"),
            (
                "[[variant]]\nname='a'\nvcpus=2\nkernels=['9.9']",
                "no kernel `9.9`",
            ),
            (
                "[[variant]]\nname='a'\nvcpus=2\n[[variant]]\nname='a'\nvcpus=3",
                "second variant",
            ),
            (
                "[[variant]]\nname='a'\nvcpus=2\nexpect='hang'",
                "`variant[0].expect`",
            ),
            (
                "[[variant]]\nname='a'\nvcpus=2\ncpus=2",
                "unknown field `cpus`",
            ),
        ] {
            let e = err(&format!("{base}{extra}\n"));
            assert!(e.contains(says), "{extra}: {e}");
        }
    }

    fn err(text: &str) -> String {
        format!("{:#}", parse(text).unwrap_err())
    }

    /// `title_zh` is required beside `title`: a manifest without it, or with
    /// a blank or multi-line one, fails naming the file and the key; a good
    /// one is the scenario's Chinese caption.
    #[test]
    fn title_zh_is_required_and_named_when_missing() {
        let s =
            parse("title='Stop'\ntitle_zh='停止'\nexpect='clean'\nsteps=['rmmod x']\n").unwrap();
        assert_eq!((s.title.as_str(), s.title_zh.as_str()), ("Stop", "停止"));
        for (text, says) in [
            (
                "title='t'\nexpect='clean'\nsteps=['rmmod x']\n",
                "key `title_zh`: missing",
            ),
            (
                "title='t'\ntitle_zh=' '\nexpect='clean'\nsteps=['rmmod x']\n",
                "key `title_zh`: empty",
            ),
            (
                "title='t'\ntitle_zh=\"a\\nb\"\nexpect='clean'\nsteps=['rmmod x']\n",
                "key `title_zh`: more than one line",
            ),
            (
                "title=''\ntitle_zh='标题'\nexpect='clean'\nsteps=['rmmod x']\n",
                "key `title`: empty",
            ),
        ] {
            let e = err(text);
            assert!(e.contains(says), "{text}: {e}");
        }
        // Through `load`, as `verify` reads a listing: the file is named too.
        let d = std::env::temp_dir().join(format!("verify-title-zh-{}", std::process::id()));
        let dir = d.join("demo");
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join(FILE_NAME),
            "title='t'\nexpect='clean'\nsteps=['rmmod demo']\n",
        )
        .unwrap();
        let e = format!("{:#}", Scenario::load(&dir, &ids()).unwrap_err());
        assert!(
            e.contains("demo/scenario.toml") && e.contains("key `title_zh`: missing"),
            "{e}"
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn errors_name_the_key_and_what_is_allowed() {
        let e = err("title='t'\ntitle_zh='标题'\nexpect='hang'\nsteps=['rmmod x']\n");
        assert!(e.contains("`expect`") && e.contains("hung-task"), "{e}");
        let e = err("title='t'\ntitle_zh='标题'\nexpect='clean'\nsteps=['reboot']\n");
        assert!(
            e.contains("steps[0]") && e.contains("unknown step `reboot`") && e.contains("insmod"),
            "{e}"
        );
        let e = err("title='t'\ntitle_zh='标题'\nexpect='clean'\nsteps=['insmod x.ko n']\n");
        assert!(e.contains("param=value"), "{e}");
        let e = err("title='t'\ntitle_zh='标题'\nexpect='clean'\nsteps=['cat /etc/passwd']\n");
        assert!(e.contains("/proc or /sys"), "{e}");
        let e =
            err("title='t'\ntitle_zh='标题'\nexpect='clean'\nsteps=['insmod x.ko a=$(reboot)']\n");
        assert!(e.contains("steps are not a shell"), "{e}");
        let e = err("title='t'\ntitle_zh='标题'\nexpect='clean'\ntimeout=3\nsteps=['rmmod x']\n");
        assert!(
            e.contains("unknown field `timeout`") && e.contains("time_limit"),
            "{e}"
        );
        let e = err("title='t'\ntitle_zh='标题'\nexpect='clean'\nsteps=['rmmod x']\n[expect_on]\n'9.9'='oops'\n");
        assert!(
            e.contains("expect_on.\"9.9\"") && e.contains("5.10, 6.1"),
            "{e}"
        );
        let e = err("title='t'\ntitle_zh='标题'\nexpect='clean'\nvcpus=0\nsteps=['rmmod x']\n");
        assert!(e.contains("`vcpus`"), "{e}");
        let e = err("title='t'\ntitle_zh='标题'\nexpect='clean'\nsteps=[]\n");
        assert!(e.contains("`steps`"), "{e}");
        let e = err("title='t'\ntitle_zh='标题'\nexpect='clean'\nhung_task_timeout_secs=0\nsteps=['rmmod x']\n");
        assert!(
            e.contains("`hung_task_timeout_secs`") && e.contains("1 to 120"),
            "{e}"
        );
        let e = err(
            "title='t'\ntitle_zh='标题'\nexpect='hung-task'\ntime_limit=8\nsteps=['rmmod x']\n",
        );
        assert!(
            e.contains("`time_limit`")
                && e.contains("hung_task_timeout_secs")
                && e.contains("at least 13"),
            "{e}"
        );
        let e = err("title='t'\ntitle_zh='标题'\nexpect='clean'\ntime_limit=6\nsteps=['rmmod x']\n[expect_on]\n'6.1'='soft-lockup'\n");
        assert!(
            e.contains("watchdog_thresh") && e.contains("at least 7"),
            "{e}"
        );
        let e = err(
            "title='t'\ntitle_zh='标题'\nexpect='clean'\nsteps=['rmmod x']\n[[measure]]\nname='ran'\nline='ran=N'\n",
        );
        assert!(
            e.contains("key `measure[0].line`") && e.contains("no <N>") && e.contains("at_least"),
            "{e}"
        );
        let e = err("title='t'\ntitle_zh='标题'\nexpect='clean'\nsteps=['rmmod x']\n[[measure]]\nname='ran'\nline='ran=<N>'\nbelow=3\n");
        assert!(
            e.contains("unknown field `below`") && e.contains("at_least"),
            "{e}"
        );
        let s = parse("title='t'\ntitle_zh='标题'\nexpect='clean'\nsteps=['rmmod x']\n[[measure]]\nname='ran'\nline='ran=<N>/300'\nat_least=1\n[[measure]]\nname='lost'\nline='lost <N>'\n").unwrap();
        let names: Vec<&str> = s.measures.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["ran", "lost"]);
        assert_eq!(s.measures[0].at_least, Some(1));
        let e = err(
            "title='t'\ntitle_zh='标题'\nexpect='clean'\nwatchdog_thresh=99\nsteps=['rmmod x']\n",
        );
        assert!(
            e.contains("`watchdog_thresh`") && e.contains("1 to 60"),
            "{e}"
        );
    }
}
