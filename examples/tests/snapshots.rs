//! The simulation binaries' stdout, snapshot-tested against
//! `examples/snapshots/<name>.snap` -- the one copy of each simulation's
//! accepted output, which `cargo run -p verify` compares and accepts too
//! (`verify::sim`) and the book renders (`{{#sim NAME}}`). `cargo insta
//! review` or `cargo run -p verify -- --accept NAME` accepts a change.

use std::process::Command;

fn stdout(bin: &str, args: &[&str]) -> String {
    let out = Command::new(bin).args(args).output().expect("run binary");
    assert!(
        out.status.success(),
        "{bin}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

macro_rules! snapshot {
    ($name:ident) => {
        #[test]
        fn $name() {
            let bin = env!(concat!("CARGO_BIN_EXE_", stringify!($name)));
            let text = stdout(bin, &[]);
            // The binary prints what the library reports, in both forms.
            let report = examples::run(stringify!($name)).expect("scenario");
            assert_eq!(text, examples::report::render(&report));
            let json: examples::ScenarioReport =
                serde_json::from_str(&stdout(bin, &["--json"])).expect("json");
            assert_eq!(json, report);
            // examples/snapshots/<name>.snap, named like verify's module snapshots.
            insta::with_settings!({
                snapshot_path => "../snapshots",
                prepend_module_to_snapshot => false,
            }, {
                insta::assert_snapshot!(stringify!($name), text);
            });
        }
    };
}

snapshot!(stop_after_run);
snapshot!(completion_handshake);
snapshot!(cancel_created);
snapshot!(never_checks_stop);
snapshot!(exited_then_stopped);
snapshot!(lost_wakeup);
snapshot!(one_shot_unload);
snapshot!(stop_race);
snapshot!(park_vs_stop);
snapshot!(flush_vs_queue);

#[test]
fn every_scenario_has_a_binary_and_a_snapshot_test() {
    let here = env!("CARGO_MANIFEST_DIR");
    for name in examples::scenarios::names() {
        let bin = format!("{here}/src/bin/{name}.rs");
        assert!(std::path::Path::new(&bin).exists(), "missing {bin}");
        let snap = format!("{here}/snapshots/{name}.snap");
        assert!(std::path::Path::new(&snap).exists(), "missing {snap}");
        let tests = include_str!("snapshots.rs");
        assert!(
            tests.contains(&format!("snapshot!({name});")),
            "no snapshot test for {name}"
        );
    }
}

#[test]
fn bad_arguments_exit_2() {
    let bin = env!("CARGO_BIN_EXE_stop_after_run");
    for args in [
        &["--nope"][..],
        &["--variant", "nope"][..],
        &["--variant"][..],
    ] {
        let out = Command::new(bin).args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
}
