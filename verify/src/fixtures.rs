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
