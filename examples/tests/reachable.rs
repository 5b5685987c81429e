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
    // The thread has done its work before init stops it: -EINTR is out of
    // reach, the stale task_struct is not.
    let done = "one-shot work done, thread returns 0";
    let calling = "calling kthread_stop on the finished thread";
    assert_eq!(
        reachable("exited_then_stopped", "no-reference"),
        BTreeSet::from([
            out(Class::Clean, &[done, calling, "kthread_stop returned 0"]),
            out(
                Class::UseAfterFree,
                &[done, calling, "kthread_stop returned 0"]
            ),
        ])
    );
    // With the reference taken before the wake-up, both stop results stay
    // reachable and nothing is used after it is freed.
    let calling = "exit: calling kthread_stop on the finished thread";
    let done = "one-shot work done, thread returns 3";
    assert_eq!(
        reachable(
            "exited_then_stopped",
            "get_task_struct-before-wake_up_process"
        ),
        BTreeSet::from([
            out(Class::Clean, &[calling, "exit: kthread_stop returned -4"]),
            out(
                Class::Clean,
                &[calling, done, "exit: kthread_stop returned 3"]
            ),
            out(
                Class::Clean,
                &[done, calling, "exit: kthread_stop returned 3"]
            ),
        ])
    );
    assert_eq!(classes("exited_then_stopped", "kthread_stop_put"), clean);
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
    let start = "init: starting the download thread";
    let waiting = "exit: waiting for the thread";
    let done = "thread: firmware downloaded, completing and exiting";
    assert_eq!(
        reachable("one_shot_unload", "kthread_complete_and_exit"),
        BTreeSet::from([
            out(Class::Clean, &[start, waiting, done, "exit: done"]),
            out(Class::Clean, &[start, done, waiting, "exit: done"]),
        ])
    );
    assert_eq!(
        reachable("one_shot_unload", "creation fails"),
        BTreeSet::from([out(
            Class::Clean,
            &[
                start,
                "creating the thread failed (-12), going on without it",
                waiting,
                "exit: done"
            ]
        )])
    );
}

/// kmods/lost_wakeup holds the window open: the broken sleeper loses the
/// wake-up in every interleaving, the fixed one in none.
#[test]
fn the_lost_wakeup_listing_has_one_outcome_per_load() {
    assert_eq!(
        reachable("lost_wakeup", "listing fixed=0"),
        BTreeSet::from([out(
            Class::Clean,
            &[
                "broken sleeper",
                "waker: flag set, wake_up_process returned 0",
                "waker: 1 s later the sleeper still sleeps - the wake-up was lost",
                "sleeper runs again: flag set, stop requested yes",
                "kthread_stop returned 0",
                "unloaded",
            ]
        )])
    );
    assert_eq!(
        reachable("lost_wakeup", "listing fixed=1"),
        BTreeSet::from([out(
            Class::Clean,
            &[
                "fixed sleeper",
                "waker: flag set, wake_up_process returned 1",
                "sleeper runs again: flag set, stop requested no",
                "waker: the sleeper saw the flag",
                "kthread_stop returned 0",
                "unloaded",
            ]
        )])
    );
}

/// kmods/stop_race: a pause before kthread_stop() does not change what is
/// reachable (time is not in the model); it only changes what a kernel picks.
#[test]
fn stop_race_reaches_both_results_with_and_without_a_pause() {
    for (variant, pause) in [("pause_ms=0", 0), ("pause_ms=1", 1)] {
        assert_eq!(
            reachable("stop_race", variant),
            BTreeSet::from([
                out(
                    Class::Clean,
                    &[
                        &format!(
                            "pause {pause} ms: kthread_stop returned -4, thread function ran: no"
                        ),
                        "unloaded"
                    ]
                ),
                out(
                    Class::Clean,
                    &[
                        "thread function is running",
                        "thread function returns 0",
                        &format!(
                            "pause {pause} ms: kthread_stop returned 0, thread function ran: yes"
                        ),
                        "unloaded",
                    ]
                ),
            ]),
            "{variant}"
        );
    }
}

/// kthread_park() racing kthread_stop(): besides both returning 0, the
/// park can wait for ever (the thread exited without parking), the stop can
/// wait for ever (the thread parked after kthread_stop()'s unpark), and
/// kthread_park() can warn, for an exiting thread (-ENOSYS) or when the
/// unpark woke the thread before wait_task_inactive() saw it parked.
#[test]
fn park_vs_stop_race_reaches_both_hangs_and_both_warnings() {
    let stop = |r: i32| format!("kthread_stop() returned {r}");
    let park = |r: i32| format!("parker: kthread_park() returned {r}");
    let both = |a: String, b: String| vec![a, b];
    let s = scenarios::find("park_vs_stop").unwrap();
    let r = report::variant_report(&s.variants[0]);
    let got: BTreeSet<(Class, Vec<String>)> = set(&r);
    let want = BTreeSet::from([
        (Class::Clean, both(stop(0), park(0))),
        (Class::Clean, both(park(0), stop(0))),
        // kthread_stop() waits for ever: the thread parked after its unpark.
        (Class::HungTask, vec![park(0)]),
        // kthread_park() waits for ever: the thread exited without parking.
        (Class::HungTask, vec![stop(-4)]),
        (Class::HungTask, vec![stop(0)]),
        // WARN_ON(PF_EXITING): -ENOSYS.
        (Class::Warn, both(stop(-4), park(-38))),
        (Class::Warn, both(park(-38), stop(-4))),
        (Class::Warn, both(stop(0), park(-38))),
        (Class::Warn, both(park(-38), stop(0))),
        // WARN_ON_ONCE(!wait_task_inactive()): the unpark came first.
        (Class::Warn, both(stop(0), park(0))),
        (Class::Warn, both(park(0), stop(0))),
    ]);
    assert_eq!(got, want);
    // The stop hangs only with the thread parked for good; the park only
    // when the stop has collected the thread's exit.
    let mut hangs = (0, 0);
    for o in &r.outcomes {
        if o.name.contains("insmod blocked in init() > kthread_stop()") {
            assert!(o.name.contains("schedule() in TASK_PARKED"), "{}", o.name);
            hangs.0 += 1;
        }
        if o.name.contains("wait_for_completion(&kthread->parked)") {
            assert!(o.name.contains("thread: threadfn"), "{}", o.name);
            assert!(o.name.contains("kthread_stop() = "), "{}", o.name);
            hangs.1 += 1;
        }
    }
    assert!(hangs.0 > 0 && hangs.1 > 0, "{hangs:?}");
}

/// kmods/park_vs_stop: one outcome per load.
#[test]
fn the_park_vs_stop_listing_has_one_outcome_per_load() {
    assert_eq!(
        reachable("park_vs_stop", "listing stop_first=0"),
        BTreeSet::from([out(
            Class::Clean,
            &[
                "parker: calling kthread_park()",
                "thread: parking",
                "parker: kthread_park() returned 0",
                "thread: back from kthread_parkme()",
                "thread: returns 0",
                "kthread_stop(thread) returned 0",
            ]
        )])
    );
    assert_eq!(
        reachable("park_vs_stop", "listing stop_first=1"),
        BTreeSet::from([out(
            Class::HungTask,
            &[
                "parker: calling kthread_park()",
                "thread: park requested, finishing its work first",
                "thread: returns 0",
                "kthread_stop(thread) returned 0",
            ]
        )])
    );
}

/// A flush racing a queueing: the work flushed (A) has always run when
/// the flush returns; B, queued by another thread at the same time, may or
/// may not have; and kthread_flush_work(A) racing the queueing of A itself
/// may return before A ever ran.
#[test]
fn flush_vs_queue_guarantees_only_what_was_queued_before() {
    let line = |a: &str, b: &str| format!("flush returned; A has run: {a}, B has run: {b}");
    for variant in ["flush_work(A) vs queue(B)", "flush_worker vs queue(B)"] {
        assert_eq!(
            reachable("flush_vs_queue", variant),
            BTreeSet::from([
                (Class::Clean, vec![line("yes", "no")]),
                (Class::Clean, vec![line("yes", "yes")]),
            ]),
            "{variant}"
        );
    }
    assert_eq!(
        reachable("flush_vs_queue", "flush_work(A) vs queue(A)"),
        BTreeSet::from([
            out(Class::Clean, &["flush returned; A has run: no"]),
            out(Class::Clean, &["flush returned; A has run: yes"]),
        ])
    );
}

/// kmods/flush_vs_queue: one outcome per load, whichever way the flush and
/// the queueing of B go in the first.
#[test]
fn the_flush_vs_queue_listing_has_one_outcome_per_load() {
    let a = [
        "work A: runs",
        "queuer: kthread_queue_work(B) returned 1",
        "work A: done",
    ];
    let mut first = a.to_vec();
    first.extend([
        "kthread_flush_work(A) returned; B has run: no",
        "work B: runs",
    ]);
    let mut second = a.to_vec();
    second.extend([
        "work B: runs",
        "kthread_flush_worker() returned; B has run: yes",
    ]);
    assert_eq!(
        reachable("flush_vs_queue", "listing flush_worker=0"),
        BTreeSet::from([out(Class::Clean, &first)])
    );
    assert_eq!(
        reachable("flush_vs_queue", "listing flush_worker=1"),
        BTreeSet::from([out(Class::Clean, &second)])
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
    let m = &examples::models_for_kmod("stop_after_run")[0];
    let seen = lines(&[
        "kthread_stop returned -4",
        "thread function ran: no",
        "unloaded",
    ]);
    let hit = examples::cross_check(m, "clean", &seen).expect("reachable");
    assert!(hit.name.contains("never ran"), "{}", hit.name);
    assert!(examples::cross_check(m, "hung-task", &seen).is_err());
    let err = examples::cross_check(
        m,
        "clean",
        &lines(&["kthread_stop returned -4", "thread function ran: yes"]),
    )
    .unwrap_err();
    assert!(err.contains("cannot reach"), "{err}");

    let m = &examples::models_for_kmod("never_checks_stop")[0];
    let seen = lines(&[
        "thread is running and will never check for a stop",
        "calling kthread_stop",
    ]);
    assert!(examples::cross_check(m, "hung-task", &seen).is_ok());
    assert!(examples::cross_check(m, "clean", &seen).is_err());
    assert!(examples::models_for_kmod("null_deref").is_empty());
}
