//! The reachable outcomes of every scenario, stated independently of the
//! text output: each test names the set the book claims and fails if the
//! model reaches more or less.

use std::collections::BTreeSet;

use examples::explore::{self, Class};
use examples::report::{self, VariantReport};
use examples::scenarios;

/// (class, dmesg) of every reachable outcome of one variant.
fn reachable(scenario: &str, variant: &str) -> BTreeSet<(Class, Vec<String>)> {
    let s = scenarios::find(scenario).expect("scenario");
    let v = s
        .variants
        .iter()
        .find(|v| v.name == variant)
        .expect("variant");
    set(&report::variant_report(v))
}

fn set(r: &VariantReport) -> BTreeSet<(Class, Vec<String>)> {
    r.outcomes
        .iter()
        .map(|o| (o.class, o.dmesg.clone()))
        .collect()
}

fn out(class: Class, dmesg: &[&str]) -> (Class, Vec<String>) {
    (class, dmesg.iter().map(|s| s.to_string()).collect())
}

fn classes(scenario: &str, variant: &str) -> BTreeSet<Class> {
    reachable(scenario, variant)
        .into_iter()
        .map(|(c, _)| c)
        .collect()
}

#[test]
fn stop_after_run_cancels_or_stops_a_running_function() {
    assert_eq!(
        reachable("stop_after_run", "listing"),
        BTreeSet::from([
            out(
                Class::Clean,
                &[
                    "kthread_stop returned -4",
                    "thread function ran: no",
                    "unloaded"
                ]
            ),
            out(
                Class::Clean,
                &[
                    "thread function is running",
                    "kthread_stop returned 0",
                    "thread function ran: yes",
                    "unloaded",
                ]
            ),
        ])
    );
}

#[test]
fn completion_handshake_always_collects_the_functions_value() {
    assert_eq!(
        reachable("completion_handshake", "listing"),
        BTreeSet::from([out(
            Class::Clean,
            &[
                "thread is running",
                "thread returns 0",
                "stopped, exit code 0",
                "unloaded"
            ]
        )])
    );
}

#[test]
fn cancel_created_always_returns_eintr() {
    assert_eq!(
        reachable("cancel_created", "listing"),
        BTreeSet::from([out(
            Class::Clean,
            &[
                "created thread 0",
                "created thread 1",
                "creating thread 2 failed: -12",
                "thread 1 exit code -4",
                "thread 0 exit code -4",
            ]
        )])
    );
}

#[test]
fn never_checks_stop_always_hangs_with_its_lines_in_one_order() {
    // The thread prints before complete(&started), so init's line, which
    // follows wait_for_completion(), cannot overtake it.
    assert_eq!(
        reachable("never_checks_stop", "listing"),
        BTreeSet::from([out(
            Class::HungTask,
            &[
                "thread is running and will never check for a stop",
                "calling kthread_stop"
            ]
        )])
    );
}

#[test]
fn exited_then_stopped_is_safe_only_with_a_reference_taken_before_the_wake_up() {
    let clean = BTreeSet::from([Class::Clean]);
    let uaf = BTreeSet::from([Class::Clean, Class::UseAfterFree]);
    assert_eq!(classes("exited_then_stopped", "no-reference"), uaf);
    assert_eq!(
        classes("exited_then_stopped", "get_task_struct-after-kthread_run"),
        uaf
    );
    assert_eq!(
        classes(
            "exited_then_stopped",
            "get_task_struct-before-wake_up_process"
        ),
        clean
    );
    // With the reference, both stop results stay reachable.
    assert_eq!(
        reachable(
            "exited_then_stopped",
            "get_task_struct-before-wake_up_process"
        ),
        BTreeSet::from([
            out(Class::Clean, &["kthread_stop returned -4", "unloaded"]),
            out(
                Class::Clean,
                &["one-shot work done", "kthread_stop returned 0", "unloaded"]
            ),
        ])
    );
}

#[test]
fn lost_wakeup_hangs_only_when_the_state_is_set_after_the_check() {
    let ok = out(
        Class::Clean,
        &["got the data", "kthread_stop returned 0", "unloaded"],
    );
    assert_eq!(
        reachable("lost_wakeup", "state-after-check"),
        BTreeSet::from([ok.clone(), out(Class::HungTask, &[])])
    );
    assert_eq!(
        reachable("lost_wakeup", "state-before-check"),
        BTreeSet::from([ok])
    );
}

/// The same program with only the order flipped: the one switch decides
/// whether the hang is reachable.
#[test]
fn flipping_set_current_state_and_the_check_changes_the_reachable_set() {
    let hangs = |state_first| {
        let ex = explore::explore(&scenarios::lost_wakeup_model(state_first));
        ex.outcomes.keys().any(|o| o.class == Class::HungTask)
    };
    assert!(hangs(false));
    assert!(!hangs(true));
}

#[test]
fn one_shot_unload_is_safe_only_with_kthread_complete_and_exit() {
    let uaf = BTreeSet::from([Class::Clean, Class::UseAfterFree]);
    assert_eq!(classes("one_shot_unload", "no-wait"), uaf);
    assert_eq!(classes("one_shot_unload", "complete-then-return"), uaf);
    assert_eq!(
        reachable("one_shot_unload", "kthread_complete_and_exit"),
        BTreeSet::from([out(Class::Clean, &["one-shot work done", "unloaded"])])
    );
}

/// Every witness, replayed from the start, ends in the outcome it is the
/// witness of; and outcome names are unique within a variant.
#[test]
fn witnesses_replay_to_their_outcome() {
    for s in scenarios::all() {
        for v in &s.variants {
            let ex = explore::explore(&v.model);
            assert!(ex.schedules >= ex.outcomes.len() as u64);
            for (o, schedule) in &ex.outcomes {
                let (_, end) = explore::replay(&v.model, schedule);
                assert!(
                    (0..end.tasks.len()).all(|t| !end.enabled(&v.model, t)),
                    "{}/{}: witness of {} stops early",
                    s.name,
                    v.name,
                    o.name
                );
                assert_eq!(&explore::outcome(&v.model, &end), o);
            }
            let r = report::variant_report(v);
            let names: BTreeSet<_> = r.outcomes.iter().map(|o| &o.name).collect();
            assert_eq!(names.len(), r.outcomes.len(), "{}/{}", s.name, v.name);
        }
    }
}

/// What verify does with a real run: the committed snapshot of
/// kmods/stop_after_run matches; an outcome the model cannot reach fails.
#[test]
fn cross_check_accepts_reachable_runs_and_rejects_the_rest() {
    let lines = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let m = examples::model_for_kmod("stop_after_run").expect("modelled");
    let seen = lines(&[
        "kthread_stop returned -4",
        "thread function ran: no",
        "unloaded",
    ]);
    let hit = examples::cross_check(&m, "clean", &seen).expect("reachable");
    assert!(hit.name.contains("never ran"), "{}", hit.name);
    assert!(examples::cross_check(&m, "hung-task", &seen).is_err());
    let err = examples::cross_check(
        &m,
        "clean",
        &lines(&["kthread_stop returned -4", "thread function ran: yes"]),
    )
    .unwrap_err();
    assert!(err.contains("cannot reach"), "{err}");

    let m = examples::model_for_kmod("never_checks_stop").expect("modelled");
    let seen = lines(&[
        "thread is running and will never check for a stop",
        "calling kthread_stop",
    ]);
    assert!(examples::cross_check(&m, "hung-task", &seen).is_ok());
    assert!(examples::cross_check(&m, "clean", &seen).is_err());
    assert!(examples::model_for_kmod("null_deref").is_none());
}
