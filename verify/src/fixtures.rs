//! Console logs captured from the kernels of the matrix, for the unit tests
//! of `console` and `normalize` (files under `tests/fixtures/console/`).

macro_rules! fixture {
    ($kernel:literal, $example:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/console/",
            $kernel,
            "/",
            $example,
            ".log"
        ))
    };
}

pub const NULL_DEREF_5_10: &str = fixture!("5.10", "null_deref");
pub const NULL_DEREF_6_1: &str = fixture!("6.1", "null_deref");
pub const NULL_DEREF_6_12: &str = fixture!("6.12", "null_deref");
pub const NULL_DEREF_LATEST: &str = fixture!("latest", "null_deref");
pub const HUNG_5_10: &str = fixture!("5.10", "never_checks_stop");
pub const HUNG_6_1: &str = fixture!("6.1", "never_checks_stop");
pub const HUNG_6_12: &str = fixture!("6.12", "never_checks_stop");
pub const HUNG_LATEST: &str = fixture!("latest", "never_checks_stop");
pub const CANCEL_6_1: &str = fixture!("6.1", "cancel_created");
pub const CANCEL_LATEST: &str = fixture!("latest", "cancel_created");

/// A log of a real-world case under `tests/fixtures/cases/` (see the README
/// there): cases without an accepted snapshot of their own.
macro_rules! case {
    ($kernel:literal, $case:literal) => {
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/cases/",
            $kernel,
            "/",
            $case,
            ".log"
        ))
    };
}

pub const BIND_5_10: &str = case!("5.10", "rw_bind_after_run");
pub const BIND_6_1: &str = case!("6.1", "rw_bind_after_run");
pub const BIND_6_12: &str = case!("6.12", "rw_bind_after_run");
pub const BIND_LATEST: &str = case!("latest", "rw_bind_after_run");
pub const FAKE_WARNING_5_10: &str = case!("5.10", "rw_fake_warning");
pub const FAKE_WARNING_6_1: &str = case!("6.1", "rw_fake_warning");
pub const FAKE_WARNING_6_12: &str = case!("6.12", "rw_fake_warning");
pub const FAKE_WARNING_LATEST: &str = case!("latest", "rw_fake_warning");
pub const FREEZE_5_10: &str = case!("5.10", "rw_freeze_no_try");
pub const FREEZE_6_1: &str = case!("6.1", "rw_freeze_no_try");
pub const FREEZE_6_12: &str = case!("6.12", "rw_freeze_no_try");
pub const FREEZE_LATEST: &str = case!("latest", "rw_freeze_no_try");
pub const MUTEX_5_10: &str = case!("5.10", "rw_mutex_stop_deadlock");
pub const MUTEX_6_1: &str = case!("6.1", "rw_mutex_stop_deadlock");
pub const MUTEX_6_12: &str = case!("6.12", "rw_mutex_stop_deadlock");
pub const MUTEX_LATEST: &str = case!("latest", "rw_mutex_stop_deadlock");
pub const SPINLOCK_5_10: &str = case!("5.10", "rw_stop_spinlock");
pub const SPINLOCK_6_1: &str = case!("6.1", "rw_stop_spinlock");
pub const SPINLOCK_6_12: &str = case!("6.12", "rw_stop_spinlock");
pub const SPINLOCK_LATEST: &str = case!("latest", "rw_stop_spinlock");
pub const REBOOT_5_10: &str = case!("5.10", "rw_reboot");
pub const REBOOT_6_1: &str = case!("6.1", "rw_reboot");
pub const REBOOT_6_12: &str = case!("6.12", "rw_reboot");
pub const REBOOT_LATEST: &str = case!("latest", "rw_reboot");

/// `line`, after checking that it is verbatim a line of `fixture`: the tests
/// quote captured lines, not made-up ones.
pub fn real<'a>(fixture: &str, line: &'a str) -> &'a str {
    assert!(
        fixture.lines().any(|l| l.trim_end_matches('\r') == line),
        "not a line of the fixture: {line:?}"
    );
    line
}

macro_rules! run_fixture {
    ($kernel:literal, $example:literal) => {
        Run {
            console: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/runs/",
                $kernel,
                "/",
                $example,
                ".console"
            )),
            channel: include_str!(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/tests/fixtures/runs/",
                $kernel,
                "/",
                $example,
                ".channel"
            )),
        }
    };
}

/// A whole run as the harness kept it: its console and its side channel
/// (files under `tests/fixtures/runs/`).
pub struct Run {
    pub console: &'static str,
    pub channel: &'static str,
}

impl Run {
    pub fn split(&self) -> crate::text::console::Split {
        crate::text::console::split(self.console, self.channel)
    }
}

pub const RUN_CANCEL_6_1: Run = run_fixture!("6.1", "cancel_created");
pub const RUN_NULL_DEREF_6_12: Run = run_fixture!("6.12", "null_deref");
pub const RUN_HUNG_5_10: Run = run_fixture!("5.10", "never_checks_stop");
pub const RUN_HUNG_LATEST: Run = run_fixture!("latest", "never_checks_stop");
pub const RUN_STOP_LATEST: Run = run_fixture!("latest", "stop_after_run");
/// The accepted runs of `stop_race_count` (its `[[measure]]` `ran`).
pub const RUN_COUNT_6_1: Run = run_fixture!("6.1", "stop_race_count");
pub const RUN_COUNT_LATEST: Run = run_fixture!("latest", "stop_race_count");
/// kmods/oneshot_stop_after_exit (kthread_stop() on a thread that has
/// exited, SEEDS claim 4.1) on the matrix's kernel command line, 5.10, 6.1,
/// 6.12 and latest.
pub const RUN_UAF: [Run; 4] = [
    run_fixture!("5.10", "oneshot_stop_after_exit"),
    run_fixture!("6.1", "oneshot_stop_after_exit"),
    run_fixture!("6.12", "oneshot_stop_after_exit"),
    run_fixture!("latest", "oneshot_stop_after_exit"),
];
/// The same with `slub_debug=FZPU` added (the listing's `slub_debug` variant).
pub const RUN_UAF_SLUB: [Run; 4] = [
    run_fixture!("5.10", "oneshot_stop_after_exit.slub_debug"),
    run_fixture!("6.1", "oneshot_stop_after_exit.slub_debug"),
    run_fixture!("6.12", "oneshot_stop_after_exit.slub_debug"),
    run_fixture!("latest", "oneshot_stop_after_exit.slub_debug"),
];

/// The scenario's lines of a console captured before the init's events
/// moved to the side channel (the fixtures under `console/` and `cases/`):
/// there, the init's markers were plain `verify: start` / `verify: end`
/// lines. Only for feeding real kernel lines to the classification tests;
/// the harness itself trusts no such line.
pub fn legacy_scenario_lines(console: &str) -> Result<Vec<&str>, ()> {
    let all: Vec<&str> = console.lines().map(|l| l.trim_end_matches('\r')).collect();
    let is = |l: &str, m: &str| crate::text::console::strip_prefix(l) == m;
    let start = all.iter().position(|l| is(l, "verify: start")).ok_or(())?;
    let rest = &all[start + 1..];
    let end = rest
        .iter()
        .position(|l| is(l, "verify: end"))
        .unwrap_or(rest.len());
    Ok(rest[..end].to_vec())
}

/// Whether such a console reached its init's end marker.
pub fn legacy_finished(console: &str) -> bool {
    console
        .lines()
        .any(|l| crate::text::console::strip_prefix(l) == "verify: end")
}
