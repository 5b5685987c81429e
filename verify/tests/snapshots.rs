//! Snapshot files that a pull request can damage or plant, through the real
//! `verify` binary: a damaged snapshot fails its example alone (the table
//! and `report.json` are still written), and a committed `.snap.new` link is
//! refused, never written through (issue 9, points 2 and 6).

mod common;

use std::path::Path;

/// A listing of this repository's `kmods/`, copied into the scratch repo.
fn copy_listing(dir: &Path, name: &str) {
    common::copy_tree(
        &common::repo().join("kmods").join(name),
        &dir.join("kmods").join(name),
    );
}

fn damaged(name: &str) -> std::path::PathBuf {
    common::case("trust", "snapshots").join(name)
}

/// Simulations only: no kernel, no QEMU.
#[test]
fn a_damaged_simulation_snapshot_fails_that_simulation_and_the_report_stands() {
    let dir = common::scratch("snapshots-sim", &[]);
    let snaps = dir.join("examples/snapshots");
    std::fs::create_dir_all(&snaps).unwrap();
    std::fs::copy(
        common::repo().join("examples/snapshots/stop_race.snap"),
        snaps.join("stop_race.snap"),
    )
    .unwrap();
    std::fs::copy(damaged("bad_yaml.snap"), snaps.join("lost_wakeup.snap")).unwrap();
    let ran = common::verify(&dir, &["stop_race", "lost_wakeup"]);
    assert_eq!(
        ran.status.code(),
        Some(1),
        "a failure, not an abort: {}",
        ran.stderr
    );
    let report = ran.report.as_ref().expect("the report is written");
    let sims = report["simulations"].as_array().unwrap();
    let by_name = |n: &str| sims.iter().find(|s| s["name"] == n).unwrap();
    assert_eq!(by_name("stop_race")["snapshot"], "match");
    assert!(by_name("stop_race")["problem"].is_null());
    let problem = by_name("lost_wakeup")["problem"].as_str().unwrap();
    assert!(
        problem.contains("examples/snapshots/lost_wakeup.snap:2:9: a `[` that is not closed"),
        "{problem}"
    );
    assert!(
        ran.stderr.contains("model (every interleaving)"),
        "the table: {}",
        ran.stderr
    );
}

/// Three listings on one kernel: one with a damaged snapshot, one with a
/// committed `.snap.new` link to a file outside the repository, one intact.
#[test]
fn a_damaged_or_linked_snapshot_fails_its_listing_alone() {
    let kernel = "6.1";
    let dir = common::scratch("snapshots-kmods", &[("trust", "snapwrite")]);
    copy_listing(&dir, "create_then_wake");
    copy_listing(&dir, "create_fails");
    let bad = dir.join("kmods/create_then_wake/snapshots/create_then_wake.snap");
    std::fs::copy(damaged("no_header.snap"), &bad).unwrap();
    let victim = dir.join("victim.txt");
    std::fs::write(&victim, "a file the project must never overwrite\n").unwrap();
    let link = dir.join("kmods/snapwrite/snapshots/snapwrite.snap.new");
    std::fs::create_dir_all(link.parent().unwrap()).unwrap();
    std::os::unix::fs::symlink(&victim, &link).unwrap();

    let ran = common::verify(
        &dir,
        &[
            "--kernel",
            kernel,
            "create_then_wake",
            "create_fails",
            "snapwrite",
        ],
    );
    assert_eq!(ran.status.code(), Some(1), "{}", ran.stderr);
    assert_eq!(
        std::fs::read_to_string(&victim).unwrap(),
        "a file the project must never overwrite\n",
        "the link was written through"
    );
    assert!(link.symlink_metadata().unwrap().file_type().is_symlink());

    let e = ran.entry("create_fails", kernel);
    assert_eq!(e["snapshot"], "match", "{e:#}");
    assert!(e["problem"].is_null(), "{e:#}");

    let e = ran.entry("create_then_wake", kernel);
    assert_eq!(e["outcome"], "clean", "the run itself stands: {e:#}");
    let p = e["problem"].as_str().unwrap();
    assert!(
        p.contains(&format!("{}:1: expected `---`", bad.display())),
        "{p}"
    );

    let e = ran.entry("snapwrite", kernel);
    let p = e["problem"].as_str().unwrap();
    assert!(
        p.contains(&format!("{}: a symbolic link", link.display())),
        "{p}"
    );
    assert!(ran.stderr.contains("example "), "the table: {}", ran.stderr);
}
