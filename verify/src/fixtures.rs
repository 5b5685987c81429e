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
pub const STOP_LATEST: &str = fixture!("latest", "stop_after_run");

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
    pub fn split(&self) -> crate::console::Split {
        crate::console::split(self.console, self.channel)
    }
}

pub const RUN_CANCEL_6_1: Run = run_fixture!("6.1", "cancel_created");
pub const RUN_NULL_DEREF_6_12: Run = run_fixture!("6.12", "null_deref");
pub const RUN_HUNG_5_10: Run = run_fixture!("5.10", "never_checks_stop");
pub const RUN_HUNG_LATEST: Run = run_fixture!("latest", "never_checks_stop");
pub const RUN_STOP_LATEST: Run = run_fixture!("latest", "stop_after_run");
