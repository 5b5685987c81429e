//! The book's listings as models: one function per listing, written line by
//! line after its C source (the `kmods/<name>/<name>.c` it names), plus the
//! variants the book contrasts with it.
//!
//! Task order matters only for witnesses: the explorer prefers, among the
//! shortest schedules, the one that runs lower-numbered tasks first, so
//! insmod is declared first and reads as "what init does, and where the
//! thread gets in".

use crate::model::{Arg, Cond, Model, TaskState, ENOMEM};
use crate::program::{Builder, ModelBuilder, WorkFn};

/// A scenario: one binary, one `{{#sim NAME}}` in the book.
pub struct Scenario {
    pub name: &'static str,
    pub title: &'static str,
    /// The title on the book's Chinese pages.
    pub title_zh: &'static str,
    pub variants: Vec<Variant>,
}

impl Scenario {
    /// A scenario with one variant, the `kmods/<name>` listing itself.
    fn listing(
        name: &'static str,
        (title, title_zh): (&'static str, &'static str),
        summary: &'static str,
        model: Model,
    ) -> Scenario {
        Scenario {
            name,
            title,
            title_zh,
            variants: vec![Variant {
                name: "listing",
                summary,
                kmod: Some(name),
                load: None,
                model,
            }],
        }
    }
}

/// One program of a scenario (the listing, or a variant it is compared with).
pub struct Variant {
    pub name: &'static str,
    pub summary: &'static str,
    /// The `kmods/` listing this variant models, if there is one; verify
    /// cross-checks the listing's observed outcome against this variant.
    pub kmod: Option<&'static str>,
    /// For a listing whose scenario loads it more than once: the `insmod`
    /// parameters of the load this variant models (`""` for the load
    /// without any). verify checks each load against its own variant.
    pub load: Option<&'static str>,
    pub model: Model,
}

/// Every scenario, in the order the book introduces them.
pub fn all() -> Vec<Scenario> {
    vec![
        stop_after_run(),
        completion_handshake(),
        stop_race(),
        cancel_created(),
        never_checks_stop(),
        exited_then_stopped(),
        lost_wakeup(),
        one_shot_unload(),
        park_vs_stop(),
        flush_vs_queue(),
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
    Scenario::listing(
        "stop_after_run",
        (
            "kthread_stop() right after kthread_run()",
            "kthread_run() 之后立刻 kthread_stop()",
        ),
        "kthread_run(), then kthread_stop() at once",
        mb.build(),
    )
}

/// kmods/stop_race: the race of stop_after_run, loaded once without and
/// once with a pause before `kthread_stop()` (SEEDS claim 0.1).
pub fn stop_race() -> Scenario {
    Scenario {
        name: "stop_race",
        title: "The -EINTR race with and without a pause before kthread_stop()",
        title_zh: "kthread_stop() 之前停顿与不停顿时的 -EINTR 竞争",
        variants: vec![
            Variant {
                name: "pause_ms=0",
                summary: "kthread_run(), kthread_stop() at once",
                kmod: Some("stop_race"),
                load: Some("pause_ms=0"),
                model: stop_race_model(0),
            },
            Variant {
                name: "pause_ms=1",
                summary: "kthread_run(), msleep(1), kthread_stop()",
                kmod: Some("stop_race"),
                load: Some("pause_ms=1"),
                model: stop_race_model(1),
            },
        ],
    }
}

/// kmods/stop_race loaded with `pause_ms`: the same race as stop_after_run,
/// with an optional `msleep()` before the stop. Time is not modelled, so
/// the pause cannot change what is reachable -- only which outcome a real
/// kernel picks. (`sched_set_fifo_low()`, which only makes the kernel's
/// pick repeatable, is not modelled either.)
pub fn stop_race_model(pause_ms: u32) -> Model {
    let mut mb = ModelBuilder::new();
    let insmod = mb.task("insmod");
    let rmmod = mb.task("rmmod");
    let thread = mb.kthread("thread");
    let fn_ran = mb.flag("fn_ran");
    mb.threadfn(thread, "thread_fn()", |b| {
        b.write_once(fn_ran, true);
        b.pr_info("thread function is running", Arg::None);
        b.wait_for_stop();
        b.pr_info("thread function returns 0", Arg::None);
        b.return_(0);
    });
    mb.insmod(insmod, "stop_race_init()", |b| {
        b.kthread_run(thread);
        if pause_ms > 0 {
            b.msleep(pause_ms);
        }
        b.kthread_stop(thread);
        let fmt = match pause_ms {
            0 => "pause 0 ms: kthread_stop returned {}, thread function ran: {}",
            1 => "pause 1 ms: kthread_stop returned {}, thread function ran: {}",
            _ => unimplemented!("a pause the scenario does not load"),
        };
        b.pr_info2(fmt, Arg::Ret, Arg::Flag(fn_ran));
        b.init_returns(0);
    });
    mb.rmmod(rmmod, "stop_race_exit()", |b| {
        b.pr_info("unloaded", Arg::None)
    });
    mb.build()
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
    Scenario::listing(
        "completion_handshake",
        (
            "A start completion before kthread_stop()",
            "kthread_stop() 之前先等“已启动”的完成量",
        ),
        "kthread_run(), wait_for_completion(&started), kthread_stop()",
        mb.build(),
    )
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
    Scenario::listing(
        "cancel_created",
        (
            "Rolling back never-woken threads with kthread_stop()",
            "用 kthread_stop() 撤销从未唤醒的线程",
        ),
        "kthread_create() twice, never woken, then kthread_stop() both",
        mb.build(),
    )
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
    Scenario::listing(
        "never_checks_stop",
        (
            "kthread_stop() on a thread that never checks kthread_should_stop()",
            "对从不检查 kthread_should_stop() 的线程调用 kthread_stop()",
        ),
        "the thread loops on msleep() and never looks at the stop flag",
        mb.build(),
    )
}

/// A one-shot thread returns by itself and is stopped later. Without a
/// reference of its own the caller may hand `kthread_stop()` a freed
/// task_struct (SEEDS claims 0.3, 4.1).
pub fn exited_then_stopped() -> Scenario {
    Scenario {
        name: "exited_then_stopped",
        title: "kthread_stop() on a thread that may have exited by itself",
        title_zh: "对可能已自行退出的线程调用 kthread_stop()",
        variants: vec![
            Variant {
                name: "no-reference",
                summary: "kthread_run(), wait for the work, later kthread_stop(); \
                          nothing holds the task_struct",
                kmod: Some("oneshot_stop_after_exit"),
                load: None,
                model: stop_in_init(false),
            },
            Variant {
                name: "get_task_struct-after-kthread_run",
                summary: "kthread_run(), then get_task_struct(): too late, the thread may be gone",
                kmod: None,
                load: None,
                model: stop_in_init(true),
            },
            Variant {
                name: "get_task_struct-before-wake_up_process",
                summary: "kthread_create(), get_task_struct(), wake_up_process(); \
                          exit: kthread_stop(), put_task_struct()",
                kmod: Some("oneshot_get_task"),
                load: None,
                model: stop_in_exit(false),
            },
            Variant {
                name: "kthread_stop_put",
                summary: "kthread_create(), get_task_struct(), wake_up_process(); \
                          exit: kthread_stop_put()",
                kmod: Some("oneshot_stop_put"),
                load: None,
                model: stop_in_exit(true),
            },
        ],
    }
}

/// kmods/oneshot_stop_after_exit: init waits until the one-shot work is done,
/// then stops the thread. With `get_task_struct` the reference is taken
/// after `kthread_run()` and dropped by `kthread_stop_put()` (no listing:
/// the model shows why it is too late).
fn stop_in_init(get_task_struct: bool) -> Model {
    let mut mb = ModelBuilder::new();
    let insmod = mb.task("insmod");
    let thread = mb.kthread("thread");
    let finished = mb.completion("finished");
    mb.threadfn(thread, "oneshot_fn()", |b| {
        b.pr_info("one-shot work done, thread returns 0", Arg::None);
        b.complete(finished);
        b.return_(0);
    });
    mb.insmod(insmod, "oneshot_stop_after_exit_init()", |b| {
        b.kthread_run(thread);
        if get_task_struct {
            b.get_task_struct(thread);
        }
        // msleep(100) and rcu_barrier() after this only make the free
        // certain on a real kernel; the explorer tries every point anyway.
        b.wait_for_completion(finished);
        b.pr_info("calling kthread_stop on the finished thread", Arg::None);
        if get_task_struct {
            b.kthread_stop_put(thread);
        } else {
            b.kthread_stop(thread);
        }
        b.pr_info("kthread_stop returned {}", Arg::Ret);
        b.init_returns(0);
    });
    mb.build()
}

/// kmods/oneshot_get_task and kmods/oneshot_stop_put: the reference is taken
/// between `kthread_create()` and `wake_up_process()`, the exit function
/// stops the thread, and drops the reference itself or by
/// `kthread_stop_put()`.
fn stop_in_exit(stop_put: bool) -> Model {
    let mut mb = ModelBuilder::new();
    let insmod = mb.task("insmod");
    let rmmod = mb.task("rmmod");
    let thread = mb.kthread("thread");
    mb.threadfn(thread, "oneshot_fn()", |b| {
        b.pr_info("one-shot work done, thread returns 3", Arg::None);
        b.return_(3);
    });
    let (init, exit) = if stop_put {
        ("oneshot_stop_put_init()", "oneshot_stop_put_exit()")
    } else {
        ("oneshot_get_task_init()", "oneshot_get_task_exit()")
    };
    mb.insmod(insmod, init, |b| {
        b.kthread_create(thread);
        b.get_task_struct(thread);
        b.wake_up_process(thread);
        b.init_returns(0);
    });
    mb.rmmod(rmmod, exit, |b| {
        if stop_put {
            b.kthread_stop_put(thread);
            b.pr_info("exit: kthread_stop_put returned {}", Arg::Ret);
        } else {
            b.pr_info(
                "exit: calling kthread_stop on the finished thread",
                Arg::None,
            );
            b.kthread_stop(thread);
            b.pr_info("exit: kthread_stop returned {}", Arg::Ret);
            b.put_task_struct(thread);
        }
    });
    mb.build()
}

/// The lost wake-up. The first two variants are the pattern in its plainest
/// form (a wait queue, nothing forced): whether a wake-up can be lost
/// depends only on where `set_current_state()` stands relative to the
/// test. The last two are kmods/lost_wakeup, which holds the window open so
/// that one boot shows the loss every time.
pub fn lost_wakeup() -> Scenario {
    Scenario {
        name: "lost_wakeup",
        title: "A wake-up lost between the condition check and set_current_state()",
        title_zh: "在检查条件与 set_current_state() 之间丢失的唤醒",
        variants: vec![
            Variant {
                name: "state-after-check",
                summary: "while (!data_ready) { set_current_state(TASK_INTERRUPTIBLE); \
                          schedule(); }",
                kmod: None,
                load: None,
                model: lost_wakeup_model(false),
            },
            Variant {
                name: "state-before-check",
                summary: "for (;;) { set_current_state(TASK_INTERRUPTIBLE); \
                          if (data_ready) break; schedule(); } -- what wait_event() does",
                kmod: None,
                load: None,
                model: lost_wakeup_model(true),
            },
            Variant {
                name: "listing fixed=0",
                summary: "kmods/lost_wakeup: if (!flag) { <window>; \
                          set_current_state(TASK_INTERRUPTIBLE); schedule(); }",
                kmod: Some("lost_wakeup"),
                load: Some("fixed=0"),
                model: lost_wakeup_listing(false),
            },
            Variant {
                name: "listing fixed=1",
                summary: "kmods/lost_wakeup: set_current_state(TASK_INTERRUPTIBLE); \
                          if (!flag) { <window>; schedule(); }",
                kmod: Some("lost_wakeup"),
                load: Some("fixed=1"),
                model: lost_wakeup_listing(true),
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

/// kmods/lost_wakeup loaded with `fixed`, line by line: the sleeper holds
/// the window between its check and `schedule()` open until the waker has
/// set the flag and called `wake_up_process()`; the waker gives the sleeper
/// a second (`wait_for_completion_timeout()`), then stops it.
pub fn lost_wakeup_listing(fixed: bool) -> Model {
    let mut mb = ModelBuilder::new();
    let insmod = mb.task("insmod");
    let rmmod = mb.task("rmmod");
    let thread = mb.kthread("sleeper");
    let flag = mb.flag("flag");
    let waker_done = mb.flag("waker_done");
    let checked = mb.completion("checked");
    let saw_flag = mb.completion("saw_flag");
    mb.threadfn(thread, "sleeper_fn()", |b| {
        let hold_window_open = |b: &mut crate::program::Builder| {
            b.complete(checked);
            b.spin_until(waker_done);
        };
        if fixed {
            b.set_current_state(TaskState::Interruptible);
            let out = b.jump_if(Cond::Flag(flag));
            hold_window_open(b);
            b.schedule();
            b.land(out);
        } else {
            let out = b.jump_if(Cond::Flag(flag));
            hold_window_open(b);
            b.set_current_state(TaskState::Interruptible);
            b.schedule();
            b.land(out);
        }
        b.set_current_state(TaskState::Running);
        b.pr_info2(
            "sleeper runs again: flag {}, stop requested {}",
            Arg::FlagAs(flag, "set", "clear"),
            Arg::ShouldStop,
        );
        let stopping = b.jump_if(Cond::ShouldStop);
        b.complete(saw_flag);
        b.land(stopping);
        b.wait_for_stop();
        b.return_(0);
    });
    mb.insmod(insmod, "lost_wakeup_init()", |b| {
        b.pr_info(
            if fixed {
                "fixed sleeper"
            } else {
                "broken sleeper"
            },
            Arg::None,
        );
        b.kthread_run(thread);
        b.wait_for_completion(checked);
        b.write_once(flag, true);
        b.wake_up_process(thread);
        b.pr_info("waker: flag set, wake_up_process returned {}", Arg::Ret);
        b.write_once(waker_done, true);
        b.wait_for_completion_timeout(saw_flag);
        let saw = b.jump_if(Cond::Ret);
        b.pr_info(
            "waker: 1 s later the sleeper still sleeps - the wake-up was lost",
            Arg::None,
        );
        let done = b.jump_always();
        b.land(saw);
        b.pr_info("waker: the sleeper saw the flag", Arg::None);
        b.land(done);
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
    Scenario {
        name: "one_shot_unload",
        title: "Unloading a module whose one-shot thread may still run",
        title_zh: "一次性线程可能还在运行时卸载模块",
        variants: vec![
            Variant {
                name: "no-wait",
                summary: "exit only prints; the thread may still be in module code",
                kmod: None,
                load: None,
                model: no_wait_model(),
            },
            Variant {
                name: "complete-then-return",
                summary: "kmods/complete_then_return -- thread: complete(&done); msleep(); \
                          return 0;  exit: wait_for_completion(&done)",
                kmod: Some("complete_then_return"),
                load: None,
                model: complete_then_return_model(),
            },
            Variant {
                name: "kthread_complete_and_exit",
                summary:
                    "kmods/oneshot_completion -- thread: kthread_complete_and_exit(&done, 0);  \
                          exit: wait_for_completion(&done)",
                kmod: Some("oneshot_completion"),
                load: Some(""),
                model: oneshot_completion_model(false),
            },
            Variant {
                name: "creation fails",
                summary: "kmods/oneshot_completion fail=1 -- no thread: init completes \
                          &done itself, so exit does not wait for ever",
                kmod: Some("oneshot_completion"),
                load: Some("fail=1"),
                model: oneshot_completion_model(true),
            },
        ],
    }
}

/// The bug of kmods/unload_running in its smallest form: a one-shot thread
/// and an exit function that does not wait for it. (The listing's thread
/// counts to 30 with sleeps; modelling its counter would multiply the
/// outcomes without changing what they teach.)
fn no_wait_model() -> Model {
    let mut mb = ModelBuilder::new();
    let insmod = mb.task("insmod");
    let rmmod = mb.task("rmmod");
    let thread = mb.kthread("thread");
    mb.threadfn(thread, "thread_fn()", |b| {
        b.pr_info("one-shot work done", Arg::None);
        b.return_(0);
    });
    mb.insmod(insmod, "one_shot_init()", |b| {
        b.kthread_run(thread);
        b.init_returns(0);
    });
    mb.rmmod(rmmod, "one_shot_exit()", |b| {
        b.pr_info("unloaded", Arg::None)
    });
    mb.build()
}

/// kmods/complete_then_return: the thread completes, then is still in
/// module code (`msleep()`, `return`) when exit may already have returned.
fn complete_then_return_model() -> Model {
    let mut mb = ModelBuilder::new();
    let insmod = mb.task("insmod");
    let rmmod = mb.task("rmmod");
    let thread = mb.kthread("thread");
    let done = mb.completion("done");
    mb.threadfn(thread, "download_fn()", |b| {
        b.msleep(500);
        b.pr_info("thread: firmware downloaded, completing", Arg::None);
        b.complete(done);
        b.msleep(1000);
        b.return_(0);
    });
    mb.insmod(insmod, "complete_then_return_init()", |b| {
        b.kthread_run(thread);
        b.init_returns(0);
    });
    mb.rmmod(rmmod, "complete_then_return_exit()", |b| {
        b.wait_for_completion(done);
        b.pr_info(
            "exit: the thread has completed, module goes away",
            Arg::None,
        );
    });
    mb.build()
}

/// kmods/oneshot_completion, loaded plain (`fail` false) or with `fail=1`,
/// where init pretends `kthread_run()` failed and completes `done` itself.
fn oneshot_completion_model(fail: bool) -> Model {
    let mut mb = ModelBuilder::new();
    let insmod = mb.task("insmod");
    let rmmod = mb.task("rmmod");
    let done = mb.completion("done");
    let thread = (!fail).then(|| mb.kthread("thread"));
    if let Some(thread) = thread {
        mb.threadfn(thread, "download_fn()", |b| {
            b.msleep(1000);
            b.pr_info(
                "thread: firmware downloaded, completing and exiting",
                Arg::None,
            );
            b.kthread_complete_and_exit(done, 0);
        });
    }
    mb.insmod(insmod, "oneshot_completion_init()", |b| {
        b.pr_info("init: starting the download thread", Arg::None);
        match thread {
            Some(thread) => b.kthread_run(thread),
            None => {
                // task = ERR_PTR(-ENOMEM): no kernel call.
                b.pr_info(
                    "creating the thread failed (-12), going on without it",
                    Arg::None,
                );
                b.complete(done);
            }
        }
        b.init_returns(0);
    });
    mb.rmmod(rmmod, "oneshot_completion_exit()", |b| {
        b.pr_info("exit: waiting for the thread", Arg::None);
        b.wait_for_completion(done);
        b.pr_info("exit: done", Arg::None);
    });
    mb.build()
}

/// `kthread_park()` and `kthread_stop()` of one thread from two tasks. The
/// first variant is the race with nothing ordering it; the other two are
/// kmods/park_vs_stop, whose completions pin one order per load.
pub fn park_vs_stop() -> Scenario {
    Scenario {
        name: "park_vs_stop",
        title: "kthread_park() and kthread_stop() of one thread, racing",
        title_zh: "同一个线程上 kthread_park() 与 kthread_stop() 的竞争",
        variants: vec![
            Variant {
                name: "race",
                summary: "init: kthread_run(thread), kthread_run(parker), kthread_stop(thread); \
                          parker: kthread_park(thread); nothing orders the two",
                kmod: None,
                load: None,
                model: park_vs_stop_race(),
            },
            Variant {
                name: "listing stop_first=0",
                summary: "kmods/park_vs_stop: the park completes, then kthread_stop()",
                kmod: Some("park_vs_stop"),
                load: Some("stop_first=0"),
                model: park_vs_stop_listing(false),
            },
            Variant {
                name: "listing stop_first=1",
                summary: "kmods/park_vs_stop: kthread_stop() while the park waits for \
                          the thread",
                kmod: Some("park_vs_stop"),
                load: Some("stop_first=1"),
                model: park_vs_stop_listing(true),
            },
        ],
    }
}

/// The parkable thread's loop:
///
/// ```c
/// while (!kthread_should_stop()) {
///         if (kthread_should_park()) {
///                 kthread_parkme();
///                 continue;
///         }
///         wait_event_interruptible(wq, kthread_should_park() ||
///                                  kthread_should_stop());
/// }
/// return 0;
/// ```
///
/// With `lines`, it prints what kmods/park_vs_stop prints; with `window`
/// (the listing's `stop_first=1`), a park request is held: the thread
/// completes `window` and finishes its work, which ends only with the stop
/// request (`wait_event(wq, kthread_should_stop())`), before the loop
/// tests the bits again.
fn parkable_loop(b: &mut Builder, lines: bool, window: Option<crate::model::Cid>) {
    let top = b.here();
    let stop = b.jump_if(Cond::ShouldStop);
    let park = b.jump_if(Cond::ShouldPark);
    // wait_event_interruptible(): prepare_to_wait_event() sets the state,
    // then the condition is tested, then schedule().
    let sleep = b.here();
    b.set_current_state(TaskState::Interruptible);
    let woke_park = b.jump_if(Cond::ShouldPark);
    let woke_stop = b.jump_if(Cond::ShouldStop);
    b.schedule();
    b.goto(sleep);
    b.land(woke_park);
    b.land(woke_stop);
    b.set_current_state(TaskState::Running);
    b.goto(top);
    b.land(park);
    if let Some(park_seen) = window {
        if lines {
            b.pr_info(
                "thread: park requested, finishing its work first",
                Arg::None,
            );
        }
        b.complete(park_seen);
        // wait_event(wq, kthread_should_stop());
        let again = b.here();
        b.set_current_state(TaskState::Uninterruptible);
        let out = b.jump_if(Cond::ShouldStop);
        b.schedule();
        b.goto(again);
        b.land(out);
        b.set_current_state(TaskState::Running);
        b.goto(top);
    } else {
        if lines {
            b.pr_info("thread: parking", Arg::None);
        }
        b.kthread_parkme();
        if lines {
            b.pr_info("thread: back from kthread_parkme()", Arg::None);
        }
        b.goto(top);
    }
    b.land(stop);
    if lines {
        b.pr_info("thread: returns 0", Arg::None);
    }
    b.return_(0);
}

/// The race: init starts the thread and a parker, then stops the thread;
/// the parker parks it. init takes a reference for the parker, which drops
/// it after `kthread_park()` (without it, a park that comes after the
/// thread exited would read a freed task_struct).
fn park_vs_stop_race() -> Model {
    let mut mb = ModelBuilder::new();
    let insmod = mb.task("insmod");
    let parker = mb.kthread("parker");
    let thread = mb.parkable_kthread("thread");
    mb.threadfn(thread, "thread_fn()", |b| parkable_loop(b, false, None));
    mb.threadfn(parker, "parker_fn()", |b| {
        b.kthread_park(thread);
        b.pr_info("parker: kthread_park() returned {}", Arg::Ret);
        b.put_task_struct(thread);
        b.return_(0);
    });
    mb.insmod(insmod, "init()", |b| {
        b.kthread_run(thread);
        b.get_task_struct(thread);
        b.kthread_run(parker);
        b.kthread_stop(thread);
        b.pr_info("kthread_stop() returned {}", Arg::Ret);
        b.init_returns(0);
    });
    mb.build()
}

/// kmods/park_vs_stop loaded with `stop_first`, line by line.
pub fn park_vs_stop_listing(stop_first: bool) -> Model {
    let mut mb = ModelBuilder::new();
    let insmod = mb.task("insmod");
    let parker = mb.kthread("parker");
    let thread = mb.parkable_kthread("thread");
    let running = mb.completion("running");
    let park_seen = mb.completion("park_seen");
    let park_returned = mb.completion("park_returned");
    mb.threadfn(thread, "thread_fn()", |b| {
        b.complete(running);
        parkable_loop(b, true, stop_first.then_some(park_seen));
    });
    mb.threadfn(parker, "parker_fn()", |b| {
        b.pr_info("parker: calling kthread_park()", Arg::None);
        b.kthread_park(thread);
        b.pr_info("parker: kthread_park() returned {}", Arg::Ret);
        b.complete(park_returned);
        b.wait_for_stop();
        b.return_(0);
    });
    mb.insmod(insmod, "park_vs_stop_init()", |b| {
        b.kthread_run(thread);
        b.wait_for_completion(running);
        b.get_task_struct(thread);
        b.kthread_run(parker);
        if stop_first {
            b.wait_for_completion(park_seen);
        } else {
            b.wait_for_completion(park_returned);
            b.kthread_stop(parker);
        }
        b.kthread_stop(thread);
        b.pr_info("kthread_stop(thread) returned {}", Arg::Ret);
        if !stop_first {
            b.put_task_struct(thread);
        }
        b.init_returns(0);
    });
    mb.build()
}

/// What a flush waits for when another thread queues work at the same
/// time. The first three variants are the race with nothing ordering it;
/// the last two are kmods/flush_vs_queue, one variant per load.
pub fn flush_vs_queue() -> Scenario {
    Scenario {
        name: "flush_vs_queue",
        title: "kthread_flush_work() and kthread_flush_worker() against a concurrent \
                kthread_queue_work()",
        title_zh: "kthread_flush_work()、kthread_flush_worker() 与并发的 kthread_queue_work()",
        variants: vec![
            Variant {
                name: "flush_work(A) vs queue(B)",
                summary: "init: queue A, kthread_flush_work(A); queuer: queue B",
                kmod: None,
                load: None,
                model: flush_race(FlushKind::WorkA, false),
            },
            Variant {
                name: "flush_worker vs queue(B)",
                summary: "init: queue A, kthread_flush_worker(); queuer: queue B",
                kmod: None,
                load: None,
                model: flush_race(FlushKind::Worker, false),
            },
            Variant {
                name: "flush_work(A) vs queue(A)",
                summary: "init: kthread_flush_work(A); queuer: queue A",
                kmod: None,
                load: None,
                model: flush_race(FlushKind::WorkA, true),
            },
            Variant {
                name: "listing flush_worker=0",
                summary: "kmods/flush_vs_queue: A runs; the queuer queues B and releases \
                          A while init calls kthread_flush_work(A)",
                kmod: Some("flush_vs_queue"),
                load: Some("flush_worker=0"),
                model: flush_vs_queue_listing(false),
            },
            Variant {
                name: "listing flush_worker=1",
                summary: "kmods/flush_vs_queue: A runs; the queuer queues B, then init calls \
                          kthread_flush_worker()",
                kmod: Some("flush_vs_queue"),
                load: Some("flush_worker=1"),
                model: flush_vs_queue_listing(true),
            },
        ],
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum FlushKind {
    WorkA,
    Worker,
}

/// The race: init starts a worker and a queuer thread; with `same` the
/// queuer queues A and init flushes A, else init queues A and flushes
/// (A or the worker) while the queuer queues B. Then init waits until the
/// queuer has queued, stops it, and destroys the worker.
fn flush_race(kind: FlushKind, same: bool) -> Model {
    let mut mb = ModelBuilder::new();
    let insmod = mb.task("insmod");
    let queuer = mb.kthread("queuer");
    let wthread = mb.kthread("worker");
    let worker = mb.worker("worker", wthread);
    let a = mb.work("work_a");
    let b_work = (!same).then(|| mb.work("work_b"));
    let a_ran = mb.flag("a_ran");
    let b_ran = mb.flag("b_ran");
    let queued = mb.completion("queued");
    let fw = mb.flush_work("fwork", "fwork.done");
    let fw_destroy = mb.flush_work("fwork_destroy", "fwork_destroy.done");
    let body_a = |b: &mut Builder| b.write_once(a_ran, true);
    let body_b = |b: &mut Builder| b.write_once(b_ran, true);
    let mut works: Vec<WorkFn> = vec![(a, "work_a_fn()", &body_a)];
    if let Some(bw) = b_work {
        works.push((bw, "work_b_fn()", &body_b));
    }
    mb.worker_fn(worker, &works);
    mb.threadfn(queuer, "queuer_fn()", |b| {
        b.kthread_queue_work(worker, b_work.unwrap_or(a));
        b.complete(queued);
        b.wait_for_stop();
        b.return_(0);
    });
    mb.insmod(insmod, "init()", |b| {
        b.kthread_run(wthread);
        if !same {
            b.kthread_queue_work(worker, a);
        }
        b.kthread_run(queuer);
        match kind {
            FlushKind::WorkA => b.kthread_flush_work(a, fw),
            FlushKind::Worker => b.kthread_flush_worker(worker, fw),
        }
        if same {
            b.pr_info("flush returned; A has run: {}", Arg::Flag(a_ran));
        } else {
            b.pr_info2(
                "flush returned; A has run: {}, B has run: {}",
                Arg::Flag(a_ran),
                Arg::Flag(b_ran),
            );
        }
        b.wait_for_completion(queued);
        b.kthread_stop(queuer);
        b.kthread_destroy_worker(worker, wthread, fw_destroy);
        b.init_returns(0);
    });
    mb.build()
}

/// kmods/flush_vs_queue loaded with `flush_worker`, line by line.
pub fn flush_vs_queue_listing(flush_worker: bool) -> Model {
    let mut mb = ModelBuilder::new();
    let insmod = mb.task("insmod");
    let queuer = mb.kthread("queuer");
    let wthread = mb.kthread("worker");
    let worker = mb.worker("worker", wthread);
    let a = mb.work("work_a");
    let b_work = mb.work("work_b");
    let b_ran = mb.flag("b_ran");
    let a_running = mb.completion("a_running");
    let a_release = mb.completion("a_release");
    let b_queued = mb.completion("b_queued");
    let flush_returned = mb.completion("flush_returned");
    let fw = mb.flush_work("fwork", "fwork.done");
    let fw_destroy = mb.flush_work("fwork_destroy", "fwork_destroy.done");
    let body_a = |b: &mut Builder| {
        b.pr_info("work A: runs", Arg::None);
        b.complete(a_running);
        b.wait_for_completion(a_release);
        b.pr_info("work A: done", Arg::None);
    };
    let body_b = |b: &mut Builder| {
        if !flush_worker {
            b.wait_for_completion(flush_returned);
        }
        b.write_once(b_ran, true);
        b.pr_info("work B: runs", Arg::None);
    };
    mb.worker_fn(
        worker,
        &[
            (a, "work_a_fn()", &body_a),
            (b_work, "work_b_fn()", &body_b),
        ],
    );
    mb.threadfn(queuer, "queuer_fn()", |b| {
        b.kthread_queue_work(worker, b_work);
        b.pr_info("queuer: kthread_queue_work(B) returned {}", Arg::Ret);
        b.complete(b_queued);
        b.complete(a_release);
        b.wait_for_stop();
        b.return_(0);
    });
    mb.insmod(insmod, "flush_vs_queue_init()", |b| {
        b.kthread_run(wthread);
        b.kthread_queue_work(worker, a);
        b.wait_for_completion(a_running);
        b.kthread_run(queuer);
        if flush_worker {
            b.wait_for_completion(b_queued);
            b.kthread_flush_worker(worker, fw);
            b.pr_info(
                "kthread_flush_worker() returned; B has run: {}",
                Arg::Flag(b_ran),
            );
        } else {
            b.kthread_flush_work(a, fw);
            b.pr_info(
                "kthread_flush_work(A) returned; B has run: {}",
                Arg::Flag(b_ran),
            );
            b.complete(flush_returned);
        }
        b.kthread_stop(queuer);
        b.kthread_destroy_worker(worker, wthread, fw_destroy);
        b.init_returns(0);
    });
    mb.build()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The book is bilingual: every model has a Chinese title of its own.
    #[test]
    fn every_scenario_has_a_chinese_title() {
        for s in all() {
            assert!(!s.title_zh.trim().is_empty(), "{}", s.name);
            assert_ne!(s.title_zh, s.title, "{}", s.name);
            assert!(
                s.title_zh
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{}: {}",
                s.name,
                s.title_zh
            );
        }
    }
}
