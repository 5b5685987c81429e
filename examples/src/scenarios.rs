//! The book's listings as models: one function per listing, written line by
//! line after its C source (the `kmods/<name>/<name>.c` it names), plus the
//! variants the book contrasts with it.
//!
//! Task order matters only for witnesses: the explorer prefers, among the
//! shortest schedules, the one that runs lower-numbered tasks first, so
//! insmod is declared first and reads as "what init does, and where the
//! thread gets in".

use crate::model::{Arg, Cond, Model, TaskState, ENOMEM};
use crate::program::ModelBuilder;

/// A scenario: one binary, one `{{#sim NAME}}` in the book.
pub struct Scenario {
    pub name: &'static str,
    pub title: &'static str,
    pub variants: Vec<Variant>,
}

/// One program of a scenario (the listing, or a variant it is compared with).
pub struct Variant {
    pub name: &'static str,
    pub summary: &'static str,
    /// The `kmods/` listing this variant models, if there is one; verify
    /// cross-checks the listing's observed outcome against this variant.
    pub kmod: Option<&'static str>,
    pub model: Model,
}

/// Every scenario, in the order the book introduces them.
pub fn all() -> Vec<Scenario> {
    vec![
        stop_after_run(),
        completion_handshake(),
        cancel_created(),
        never_checks_stop(),
        exited_then_stopped(),
        lost_wakeup(),
        one_shot_unload(),
    ]
}

pub fn names() -> Vec<&'static str> {
    all().iter().map(|s| s.name).collect()
}

pub fn find(name: &str) -> Option<Scenario> {
    all().into_iter().find(|s| s.name == name)
}

/// kmods/stop_after_run: `kthread_stop()` right after `kthread_run()`.
pub fn stop_after_run() -> Scenario {
    let mut mb = ModelBuilder::new();
    let insmod = mb.task("insmod");
    let rmmod = mb.task("rmmod");
    let thread = mb.kthread("thread");
    let fn_ran = mb.flag("fn_ran");
    mb.threadfn(thread, "thread_fn()", |b| {
        b.write_once(fn_ran, true);
        b.pr_info("thread function is running", Arg::None);
        b.wait_for_stop();
        b.return_(0);
    });
    mb.insmod(insmod, "stop_after_run_init()", |b| {
        b.kthread_run(thread);
        b.kthread_stop(thread);
        b.pr_info("kthread_stop returned {}", Arg::Ret);
        b.pr_info("thread function ran: {}", Arg::Flag(fn_ran));
        b.init_returns(0);
    });
    mb.rmmod(rmmod, "stop_after_run_exit()", |b| {
        b.pr_info("unloaded", Arg::None)
    });
    Scenario {
        name: "stop_after_run",
        title: "kthread_stop() right after kthread_run()",
        variants: vec![Variant {
            name: "listing",
            summary: "kthread_run(), then kthread_stop() at once",
            kmod: Some("stop_after_run"),
            model: mb.build(),
        }],
    }
}

/// kmods/completion_handshake: the thread completes `started` first; init
/// waits for it before `kthread_stop()`.
pub fn completion_handshake() -> Scenario {
    let mut mb = ModelBuilder::new();
    let insmod = mb.task("insmod");
    let rmmod = mb.task("rmmod");
    let thread = mb.kthread("thread");
    let started = mb.completion("started");
    mb.threadfn(thread, "thread_fn()", |b| {
        b.complete(started);
        b.pr_info("thread is running", Arg::None);
        b.wait_for_stop();
        b.pr_info("thread returns 0", Arg::None);
        b.return_(0);
    });
    mb.insmod(insmod, "completion_handshake_init()", |b| {
        b.kthread_run(thread);
        b.wait_for_completion(started);
        b.kthread_stop(thread);
        b.pr_info("stopped, exit code {}", Arg::Ret);
        b.init_returns(0);
    });
    mb.rmmod(rmmod, "completion_handshake_exit()", |b| {
        b.pr_info("unloaded", Arg::None)
    });
    Scenario {
        name: "completion_handshake",
        title: "A start completion before kthread_stop()",
        variants: vec![Variant {
            name: "listing",
            summary: "kthread_run(), wait_for_completion(&started), kthread_stop()",
            kmod: Some("completion_handshake"),
            model: mb.build(),
        }],
    }
}

/// kmods/cancel_created with `nr_threads=3 fail_at=2`: two threads created,
/// never woken, the third creation fails and init stops the two.
pub fn cancel_created() -> Scenario {
    let mut mb = ModelBuilder::new();
    let insmod = mb.task("insmod");
    let t0 = mb.kthread("thread0");
    let t1 = mb.kthread("thread1");
    mb.threadfn(t0, "thread_fn(0)", |b| {
        b.pr_info("thread 0 ran", Arg::None);
        b.wait_for_stop();
        b.return_(0);
    });
    mb.threadfn(t1, "thread_fn(1)", |b| {
        b.pr_info("thread 1 ran", Arg::None);
        b.wait_for_stop();
        b.return_(0);
    });
    mb.insmod(insmod, "cancel_created_init()", |b| {
        b.kthread_create(t0);
        b.pr_info("created thread 0", Arg::None);
        b.kthread_create(t1);
        b.pr_info("created thread 1", Arg::None);
        // i == fail_at: task = ERR_PTR(-ENOMEM), no kernel call.
        b.pr_info("creating thread 2 failed: -12", Arg::None);
        // stop_threads(2): in reverse order of creation.
        b.kthread_stop(t1);
        b.pr_info("thread 1 exit code {}", Arg::Ret);
        b.kthread_stop(t0);
        b.pr_info("thread 0 exit code {}", Arg::Ret);
        b.init_returns(-ENOMEM);
    });
    Scenario {
        name: "cancel_created",
        title: "Rolling back never-woken threads with kthread_stop()",
        variants: vec![Variant {
            name: "listing",
            summary: "kthread_create() twice, never woken, then kthread_stop() both",
            kmod: Some("cancel_created"),
            model: mb.build(),
        }],
    }
}

/// kmods/never_checks_stop: a thread that never calls
/// `kthread_should_stop()`; `kthread_stop()` waits forever.
pub fn never_checks_stop() -> Scenario {
    let mut mb = ModelBuilder::new();
    let insmod = mb.task("insmod");
    let thread = mb.kthread("thread");
    let started = mb.completion("started");
    mb.threadfn(thread, "thread_fn()", |b| {
        b.pr_info(
            "thread is running and will never check for a stop",
            Arg::None,
        );
        b.complete(started);
        b.loop_forever();
    });
    mb.insmod(insmod, "never_checks_stop_init()", |b| {
        b.kthread_run(thread);
        b.wait_for_completion(started);
        b.pr_info("calling kthread_stop", Arg::None);
        b.kthread_stop(thread);
        b.pr_info("kthread_stop returned", Arg::None);
        b.init_returns(0);
    });
    Scenario {
        name: "never_checks_stop",
        title: "kthread_stop() on a thread that never checks kthread_should_stop()",
        variants: vec![Variant {
            name: "listing",
            summary: "the thread loops on msleep() and never looks at the stop flag",
            kmod: Some("never_checks_stop"),
            model: mb.build(),
        }],
    }
}

/// A one-shot thread returns by itself; init calls `kthread_stop()` later.
/// Without a reference of its own, init may hand `kthread_stop()` a freed
/// task_struct (SEEDS claim 0.3, 4.1).
pub fn exited_then_stopped() -> Scenario {
    #[derive(Clone, Copy)]
    enum Hold {
        Nothing,
        AfterRun,
        BeforeWake,
    }
    let build = |hold: Hold| {
        let mut mb = ModelBuilder::new();
        let insmod = mb.task("insmod");
        let rmmod = mb.task("rmmod");
        let thread = mb.kthread("thread");
        mb.threadfn(thread, "thread_fn()", |b| {
            b.pr_info("one-shot work done", Arg::None);
            b.return_(0);
        });
        mb.insmod(insmod, "exited_then_stopped_init()", |b| {
            match hold {
                Hold::Nothing => b.kthread_run(thread),
                Hold::AfterRun => {
                    b.kthread_run(thread);
                    b.get_task_struct(thread);
                }
                Hold::BeforeWake => {
                    b.kthread_create(thread);
                    b.get_task_struct(thread);
                    b.wake_up_process(thread);
                }
            }
            // A real listing sleeps here so the thread is likely done; the
            // explorer tries every point anyway.
            match hold {
                Hold::Nothing => b.kthread_stop(thread),
                Hold::AfterRun | Hold::BeforeWake => b.kthread_stop_put(thread),
            }
            b.pr_info("kthread_stop returned {}", Arg::Ret);
            b.init_returns(0);
        });
        mb.rmmod(rmmod, "exited_then_stopped_exit()", |b| {
            b.pr_info("unloaded", Arg::None)
        });
        mb.build()
    };
    Scenario {
        name: "exited_then_stopped",
        title: "kthread_stop() on a thread that may have exited by itself",
        variants: vec![
            Variant {
                name: "no-reference",
                summary: "kthread_run(), later kthread_stop(); nothing holds the task_struct",
                kmod: None,
                model: build(Hold::Nothing),
            },
            Variant {
                name: "get_task_struct-after-kthread_run",
                summary: "kthread_run(), then get_task_struct(): too late, the thread may be gone",
                kmod: None,
                model: build(Hold::AfterRun),
            },
            Variant {
                name: "get_task_struct-before-wake_up_process",
                summary: "kthread_create(), get_task_struct(), wake_up_process(), \
                          later kthread_stop_put()",
                kmod: None,
                model: build(Hold::BeforeWake),
            },
        ],
    }
}

/// The lost wake-up: the thread waits for `data_ready` on a wait queue;
/// init sets it and calls `wake_up()`. Whether a wake-up can be lost
/// depends only on where `set_current_state()` stands relative to the test.
pub fn lost_wakeup() -> Scenario {
    Scenario {
        name: "lost_wakeup",
        title: "A wake-up lost between the condition check and set_current_state()",
        variants: vec![
            Variant {
                name: "state-after-check",
                summary: "while (!data_ready) { set_current_state(TASK_INTERRUPTIBLE); \
                          schedule(); }",
                kmod: None,
                model: lost_wakeup_model(false),
            },
            Variant {
                name: "state-before-check",
                summary: "for (;;) { set_current_state(TASK_INTERRUPTIBLE); \
                          if (data_ready) break; schedule(); } -- what wait_event() does",
                kmod: None,
                model: lost_wakeup_model(true),
            },
        ],
    }
}

/// The lost-wake-up program; `state_first` puts `set_current_state()`
/// before the check of `data_ready` (right) instead of after it (the bug).
pub fn lost_wakeup_model(state_first: bool) -> Model {
    let mut mb = ModelBuilder::new();
    let insmod = mb.task("insmod");
    let rmmod = mb.task("rmmod");
    let thread = mb.kthread("thread");
    let data_ready = mb.flag("data_ready");
    let wq = mb.waitqueue("wq");
    let consumed = mb.completion("consumed");
    mb.threadfn(thread, "thread_fn()", |b| {
        b.add_wait_queue(wq);
        let top = b.here();
        if state_first {
            b.set_current_state(TaskState::Interruptible);
            let out = b.jump_if(Cond::Flag(data_ready));
            b.schedule();
            b.goto(top);
            b.land(out);
        } else {
            let out = b.jump_if(Cond::Flag(data_ready));
            b.set_current_state(TaskState::Interruptible);
            b.schedule();
            b.goto(top);
            b.land(out);
        }
        b.set_current_state(TaskState::Running);
        b.remove_wait_queue(wq);
        b.pr_info("got the data", Arg::None);
        b.complete(consumed);
        b.wait_for_stop();
        b.return_(0);
    });
    mb.insmod(insmod, "lost_wakeup_init()", |b| {
        b.kthread_run(thread);
        b.write_once(data_ready, true);
        b.wake_up(wq);
        b.wait_for_completion(consumed);
        b.kthread_stop(thread);
        b.pr_info("kthread_stop returned {}", Arg::Ret);
        b.init_returns(0);
    });
    mb.rmmod(rmmod, "lost_wakeup_exit()", |b| {
        b.pr_info("unloaded", Arg::None)
    });
    mb.build()
}

/// A one-shot thread started from init and never stopped, against module
/// unload (SEEDS article 004): exit must not return while the thread may
/// still execute module code.
pub fn one_shot_unload() -> Scenario {
    #[derive(Clone, Copy, PartialEq)]
    enum End {
        NoWait,
        CompleteThenReturn,
        CompleteAndExit,
    }
    let build = |end: End| {
        let mut mb = ModelBuilder::new();
        let insmod = mb.task("insmod");
        let rmmod = mb.task("rmmod");
        let thread = mb.kthread("thread");
        let done = mb.completion("done");
        mb.threadfn(thread, "thread_fn()", |b| {
            b.pr_info("one-shot work done", Arg::None);
            match end {
                End::NoWait => b.return_(0),
                End::CompleteThenReturn => {
                    b.complete(done);
                    b.return_(0);
                }
                End::CompleteAndExit => b.kthread_complete_and_exit(done, 0),
            }
        });
        mb.insmod(insmod, "one_shot_init()", |b| {
            b.kthread_run(thread);
            b.init_returns(0);
        });
        mb.rmmod(rmmod, "one_shot_exit()", |b| {
            if end != End::NoWait {
                b.wait_for_completion(done);
            }
            b.pr_info("unloaded", Arg::None);
        });
        mb.build()
    };
    Scenario {
        name: "one_shot_unload",
        title: "Unloading a module whose one-shot thread may still run",
        variants: vec![
            Variant {
                name: "no-wait",
                summary: "exit only prints; the thread may still be in module code",
                kmod: None,
                model: build(End::NoWait),
            },
            Variant {
                name: "complete-then-return",
                summary: "thread: complete(&done); return 0;  exit: wait_for_completion(&done)",
                kmod: None,
                model: build(End::CompleteThenReturn),
            },
            Variant {
                name: "kthread_complete_and_exit",
                summary: "thread: kthread_complete_and_exit(&done, 0);  \
                          exit: wait_for_completion(&done)",
                kmod: None,
                model: build(End::CompleteAndExit),
            },
        ],
    }
}
