//! Real-world kthread bugs (`tests/cases/outcomes/`, issue 9 point 5), each
//! run on every kernel of the matrix under QEMU: the outcome is the one its
//! manifest states for that kernel, and the snapshot text holds what the
//! kernel really did.

mod common;

use common::{kernels, normalized, repo, scratch, verify};

const CASES: [&str; 7] = [
    "rw_bind_after_run",
    "rw_fake_warning",
    "rw_freeze_no_try",
    "rw_long_ssleep",
    "rw_mutex_stop_deadlock",
    "rw_stop_spinlock",
    "rw_unload_no_sleep",
];

#[test]
fn real_bugs_get_the_outcome_the_kernel_shows() {
    let cases: Vec<(&str, &str)> = CASES.iter().map(|n| ("outcomes", *n)).collect();
    let dir = scratch("outcomes", &cases);
    let ran = verify(&dir, &CASES);
    let ids = kernels();
    let mut failures = Vec::new();
    for name in CASES {
        let sc = verify::manifest::Scenario::load(&dir.join("kmods").join(name), &ids).unwrap();
        for k in &ids {
            let e = ran.entry(name, k);
            let want = sc.expected(k);
            if e["outcome"] != want.as_str() {
                failures.push(format!(
                    "{name} on {k}: outcome {} but the kernel shows {want}\n{}",
                    e["outcome"],
                    normalized(&dir, k, name)
                ));
            }
        }
    }
    for k in &ids {
        let text = |name: &str| normalized(&dir, k, name);
        // After the WARN the thread runs on: every step runs, and rmmod's
        // kthread_stop() returns.
        let bind = text("rw_bind_after_run");
        for want in ["$ sleep 4", "$ rmmod rw_bind_after_run"] {
            if !bind.lines().any(|l| l == want) {
                failures.push(format!("rw_bind_after_run on {k}: no {want:?}:\n{bind}"));
            }
        }
        if bind.contains("[stopped:") {
            failures.push(format!("rw_bind_after_run on {k}: cut short:\n{bind}"));
        }
        // The oops comes after the last step, inside the grace period.
        let unload = text("rw_unload_no_sleep");
        let rmmod = unload.find("$ rmmod rw_unload_no_sleep");
        let oops = unload.find("BUG: unable to handle page fault");
        if rmmod.is_none() || oops.is_none() || rmmod > oops {
            failures.push(format!(
                "rw_unload_no_sleep on {k}: no oops after rmmod:\n{unload}"
            ));
        }
        // A correct 5 s uninterruptible sleep is not a hung task.
        let ssleep = text("rw_long_ssleep");
        if ssleep.contains("blocked for more than") {
            failures.push(format!("rw_long_ssleep on {k}: reported:\n{ssleep}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // No snapshot was there to compare with; nothing may have touched the
    // project's own listings.
    assert!(!repo().join("kmods/rw_bind_after_run").exists());
}
