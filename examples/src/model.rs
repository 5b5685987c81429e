//! The kernel objects a kthread listing touches, and the semantics of one
//! atomic step on them.
//!
//! A [`Model`] is static: the tasks of a scenario and the program each runs.
//! A [`World`] is the mutable state those programs act on. [`World::step`]
//! executes the next instruction of one task; the explorer decides which task.
//!
//! Why one [`Op`] is one step: each is something the kernel does either under
//! a lock (`complete()`, `try_to_wake_up()`, `__wake_up()`, the wait-queue
//! list operations) or as a single load or store of a flag (`set_bit()`,
//! `test_bit()`, `READ_ONCE()`/`WRITE_ONCE()`). The stores and loads that
//! race here are ordered by the barriers the kernel documents for exactly
//! this pairing (`set_current_state()` is `smp_store_mb()`;
//! `try_to_wake_up()` has a full barrier before it reads `p->__state`), so
//! exploring sequentially consistent interleavings of these steps is exact
//! for the patterns modelled. What is *not* modelled: preemption inside a
//! lock, spurious wake-ups, signals, the freezer, and `TIF_NOTIFY_SIGNAL`
//! (6.1+), which only shortens interruptible sleeps that a
//! `wake_up_process()` ends anyway.
//!
//! Parking is modelled for a kthread declared parkable
//! ([`crate::program::ModelBuilder::parkable_kthread`]); for any other
//! thread `kthread_unpark()` in `kthread_stop()` is left out, as it is a
//! no-op for a thread that was never asked to park. The steps, checked in
//! `kernel/kthread.c` of 5.10, 6.1, 6.12 and the newest kernel (the same
//! text in all four except where said):
//!
//! - `kthread_park(k)`: `WARN_ON(k->flags & PF_EXITING)` returns -ENOSYS;
//!   `WARN_ON_ONCE(test_bit(KTHREAD_SHOULD_PARK))` returns -EBUSY;
//!   `set_bit(KTHREAD_SHOULD_PARK)`; for `k != current`:
//!   `wake_up_process(k)`, `wait_for_completion(&kthread->parked)`,
//!   `WARN_ON_ONCE(!wait_task_inactive(k, TASK_PARKED))`; returns 0. Each
//!   test, the set and the wait are a step ([`Op::ParkExiting`],
//!   [`Op::ParkBusy`], [`Op::SetShouldPark`], [`Op::WaitForParked`],
//!   [`Op::WaitTaskInactiveParked`]).
//! - `__kthread_parkme()` (what `kthread_parkme()` calls, and what
//!   `kthread()` calls before the thread function): `for (;;) {
//!   set_special_state(TASK_PARKED); if (!test_bit(KTHREAD_SHOULD_PARK))
//!   break; complete(&self->parked); schedule_preempt_disabled(); }
//!   __set_current_state(TASK_RUNNING);`. `TASK_PARKED` is not in
//!   `TASK_NORMAL`: `wake_up_process()` does not wake a parked thread.
//! - `kthread_unpark(k)`: `clear_bit(KTHREAD_SHOULD_PARK)`, then
//!   `wake_up_state(k, TASK_PARKED)` ([`Op::ClearShouldPark`],
//!   [`Op::WakeUpParked`]). 6.1, 6.12 and the newest kernel first return
//!   when the bit is clear; 5.10 has no such test, and the model follows
//!   5.10 (the per-CPU rebinding before the clear is not modelled). The
//!   outcomes are not the same: when a park sets the bit between 5.10's
//!   clear and its `wake_up_state()`, that wake can take a thread that has
//!   just completed `parked` out of `TASK_PARKED`; it parks again, and
//!   `kthread_park()`'s `wait_task_inactive()` may see it running and
//!   warn. On 6.1, 6.12 and the newest kernel the test returns early there
//!   and nothing wakes the thread, so an outcome with the thread parked for
//!   good and that WARN is reachable on 5.10 only; the model's other
//!   outcomes are reachable on all four.
//! - `kthread_stop(k)` calls `kthread_unpark(k)` after setting
//!   `KTHREAD_SHOULD_STOP` and before `wake_up_process(k)`.
//! - `PF_EXITING` is set by `do_exit()` (`exit_signals()`), before
//!   `exit_mm()` completes `kthread->exited`: the model sets it in the step
//!   that stores the result ([`Op::KthreadExit`]).
//!
//! A `kthread_worker` is modelled as far as queueing and flushing go
//! (`kernel/kthread.c`, the same text in all four): `kthread_queue_work()`,
//! `kthread_flush_work()` and the take-a-work step of
//! `kthread_worker_fn()` each run under `worker->lock`, so each is one step
//! ([`Op::QueueWork`], [`Op::FlushWork`], [`Op::WorkerTake`]).
//! `kthread_flush_work()` reads `work->worker` before it takes the lock;
//! the model reads it in the same step, which reaches the same outcomes,
//! as `work->worker`, once set by a queueing, is never cleared. Delayed work,
//! cancelling, `work->canceling`, freezing and the sanity WARNs are not
//! modelled.

use std::fmt;

/// Index of a task in [`Model::tasks`].
pub type Tid = usize;
/// Index of a `struct completion` in [`Model::completions`].
pub type Cid = usize;
/// Index of a `wait_queue_head_t` in [`Model::waitqueues`].
pub type Wid = usize;
/// Index of a module global `bool` in [`Model::flags`].
pub type Fid = usize;

/// Index of a `struct kthread_worker` in [`Model::workers`].
pub type Wkid = usize;
/// Index of a `struct kthread_work` in [`Model::works`].
pub type Workid = usize;

pub const EINTR: i32 = 4;
pub const ENOMEM: i32 = 12;
pub const EBUSY: i32 = 16;
pub const ENOSYS: i32 = 38;

/// `task_struct::__state`, restricted to the states these listings use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaskState {
    Running,
    Interruptible,
    Uninterruptible,
    /// `TASK_PARKED`: set by `__kthread_parkme()` with
    /// `set_special_state()`; only `wake_up_state(k, TASK_PARKED)` (in
    /// `kthread_unpark()`) wakes it.
    Parked,
    Dead,
}

impl TaskState {
    pub fn name(self) -> &'static str {
        match self {
            TaskState::Running => "TASK_RUNNING",
            TaskState::Interruptible => "TASK_INTERRUPTIBLE",
            TaskState::Uninterruptible => "TASK_UNINTERRUPTIBLE",
            TaskState::Parked => "TASK_PARKED",
            TaskState::Dead => "TASK_DEAD",
        }
    }

    /// `TASK_NORMAL`: the states `wake_up_process()` and `wake_up()` wake.
    fn is_normal_sleep(self) -> bool {
        matches!(self, TaskState::Interruptible | TaskState::Uninterruptible)
    }
}

/// A condition an instruction can branch on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Cond {
    /// `kthread_should_stop()`: `test_bit(KTHREAD_SHOULD_STOP)` on current.
    ShouldStop,
    /// `kthread_should_park()`: `test_bit(KTHREAD_SHOULD_PARK)` on current.
    ShouldPark,
    /// `READ_ONCE(flag)` of a module global.
    Flag(Fid),
    /// The task's `ret` local is non-zero (`if (wait_for_completion_timeout(...))`).
    Ret,
}

/// The value a `pr_info()` prints in place of `{}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Arg {
    None,
    /// The task's `ret` local (what the last call returned).
    Ret,
    /// A module global, printed as `yes`/`no`.
    Flag(Fid),
    /// A module global, printed as the first word when true, the second
    /// when false (`flag ? "set" : "clear"`).
    FlagAs(Fid, &'static str, &'static str),
    /// `kthread_should_stop()` of the printing task, as `yes`/`no`.
    ShouldStop,
    /// A constant (a module parameter the variant fixes).
    Int(i32),
}

/// One atomic step. Task arguments are the `struct task_struct *` the
/// caller holds; the executing task is `current`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Op {
    /// `kthread_create_on_node()`: kthreadd forks the thread, which runs
    /// `kthread()` up to `complete(done)` and sleeps in TASK_UNINTERRUPTIBLE.
    /// The caller waits for that `done`, so it returns a task that exists
    /// and has not run the thread function.
    KthreadCreate(Tid),
    /// `wake_up_process()` = `try_to_wake_up(p, TASK_NORMAL)`.
    WakeUpProcess(Tid),
    /// `get_task_struct()`: one more reference on the task_struct.
    GetTaskStruct(Tid),
    /// `put_task_struct()`: drop a reference; the last one frees the
    /// task_struct and its `struct kthread` (`__put_task_struct()` →
    /// `free_task()` → `free_kthread_struct()`).
    PutTaskStruct(Tid),
    /// `kthread_stop()`: `set_bit(KTHREAD_SHOULD_STOP, &kthread->flags)`.
    SetShouldStop(Tid),
    /// `kthread_stop()`: `wait_for_completion(&kthread->exited)`.
    WaitForExit(Tid),
    /// `kthread_stop()`: `ret = kthread->result` (`k->exit_code` before 5.17).
    ReadResult(Tid),
    /// `kthread()`, after its first `schedule()`: `ret = -EINTR; if
    /// (!test_bit(KTHREAD_SHOULD_STOP)) ret = threadfn(data);`. When the bit
    /// is set, jump to `exit` without calling the thread function.
    KthreadCheckStop { exit: usize },
    /// The thread function returns `value` into `kthread()`.
    Return { value: i32, exit: usize },
    /// `kthread_complete_and_exit(comp, value)`: `complete(comp)` and
    /// `kthread_exit()` from kernel text; never returns to module code.
    CompleteAndExit { comp: Cid, value: i32, exit: usize },
    /// `kthread_exit(ret)`: `kthread->result = ret` (5.17+; `do_exit(ret)`
    /// stored `tsk->exit_code` before); then `do_exit()` sets `PF_EXITING`
    /// (`exit_signals()`), which only `kthread_park()` reads here.
    KthreadExit,
    /// `do_exit()` → `exit_mm_release()` → `mm_release()` →
    /// `complete_vfork_done()`: completes `kthread->exited`.
    CompleteVforkDone,
    /// `do_exit()` → `exit_notify()`/`do_task_dead()` → ... →
    /// `put_task_struct()`: the task drops its own reference and is gone.
    ExitDropReference,
    /// `set_current_state()` / `__set_current_state()`.
    SetState(TaskState),
    /// `schedule()`: returns at once in TASK_RUNNING; otherwise the task
    /// sleeps until a wake-up sets TASK_RUNNING (then this step runs).
    Schedule,
    /// `for (;;) msleep(...)`: runs forever without touching shared state.
    LoopForever,
    /// `complete()`.
    Complete(Cid),
    /// `wait_for_completion()`: sleeps in TASK_UNINTERRUPTIBLE until
    /// `done > 0`, then consumes one. `complete()` and this check run under
    /// the completion's wait-queue lock, so no wake-up can be lost here.
    WaitForCompletion(Cid),
    /// `add_wait_queue()`.
    AddWaitQueue(Wid),
    /// `remove_wait_queue()`.
    RemoveWaitQueue(Wid),
    /// `wake_up()`: `try_to_wake_up(TASK_NORMAL)` on every queued task.
    WakeUp(Wid),
    /// `WRITE_ONCE(flag, value)` on a module global.
    WriteFlag(Fid, bool),
    /// `while (!READ_ONCE(flag)) cond_resched();`: a loop without side
    /// effects, so it is one step that can be taken once `flag` is true
    /// (spinning longer changes nothing another task can see).
    SpinUntil(Fid),
    /// `msleep(ms)`: time is not modelled, so this is a step that changes
    /// nothing; it marks where the listing waits, so that the explorer
    /// lets the other tasks run there, as it does everywhere.
    Msleep(u32),
    /// `ret = wait_for_completion_timeout(comp, HZ)`: consumes a `done`
    /// and returns non-zero; or, when nothing else in the scenario can
    /// move any more, times out and returns 0. A timeout of a second is
    /// an eternity next to the microseconds the other steps take, so it
    /// expires only when every other task is asleep.
    WaitForCompletionTimeout(Cid),
    /// Evaluate `cond`; jump to `to` when it is true.
    JumpIf(Cond, usize),
    /// Control flow only: not a step of its own.
    Goto(usize),
    /// `pr_info(fmt, args...)`: each `{}` in `fmt` takes the next argument.
    PrInfo(&'static str, [Arg; 2]),
    /// `do_init_module()`: the init function returned `ret`. On success the
    /// module is MODULE_STATE_LIVE; on failure it is freed at once.
    InitReturns(i32),
    /// `delete_module()`: possible only once the module is live; runs the
    /// exit function.
    DeleteModule,
    /// `kthread_park(k)`: `if (WARN_ON(k->flags & PF_EXITING)) return
    /// -ENOSYS;` (jumps to `out`).
    ParkExiting { k: Tid, out: usize },
    /// `kthread_park(k)`: `if (WARN_ON_ONCE(test_bit(KTHREAD_SHOULD_PARK,
    /// &kthread->flags))) return -EBUSY;` (jumps to `out`).
    ParkBusy { k: Tid, out: usize },
    /// `kthread_park(k)`: `set_bit(KTHREAD_SHOULD_PARK, &kthread->flags)`.
    SetShouldPark(Tid),
    /// `kthread_park(k)`: `wait_for_completion(&kthread->parked)`.
    WaitForParked(Tid),
    /// `kthread_park(k)`: `WARN_ON_ONCE(!wait_task_inactive(k,
    /// TASK_PARKED)); return 0;`. `wait_task_inactive()` waits while `k` is
    /// still on its CPU (or queued) in `TASK_PARKED`, and returns 0 (the
    /// WARN) as soon as it sees `k` in any other state.
    WaitTaskInactiveParked(Tid),
    /// `kthread_unpark(k)`: `clear_bit(KTHREAD_SHOULD_PARK, &kthread->flags)`.
    ClearShouldPark(Tid),
    /// `kthread_unpark(k)`: `wake_up_state(k, TASK_PARKED)`.
    WakeUpParked(Tid),
    /// `__kthread_parkme()`: `complete(&self->parked)`.
    CompleteParked,
    /// `kthread_queue_work(worker, work)`, under `worker->lock`: unless the
    /// work is pending (`queuing_blocked()`: on a list), add it at the tail
    /// (`kthread_insert_work()`), and `wake_up_process(worker->task)` if
    /// the worker runs no work (`!worker->current_work`). `ret` = queued.
    QueueWork(Wkid, Workid),
    /// `kthread_flush_work(work)`, up to its wait: no `work->worker` (never
    /// queued): return (read before the lock, here in the same step); under
    /// `worker->lock`, pending: insert the flush
    /// work `fwork` right after it; running (`worker->current_work ==
    /// work`): insert it at the head of the list; otherwise (`noop`) return
    /// without waiting. Jumps to `skip` when it returns.
    FlushWork {
        work: Workid,
        fwork: Workid,
        skip: usize,
    },
    /// `kthread_worker_fn()`, under `worker->lock`: take the first work off
    /// the list (`list_del_init()`), `worker->current_work = work` (NULL if
    /// none), and, with a work, call its function (jump to its code).
    WorkerTake(Wkid),
    /// `kthread_worker_fn()` on a stop: `worker->task = NULL` under the lock.
    WorkerExit(Wkid),
    /// `free_module()` at the end of `delete_module()`: module text and data
    /// are freed.
    FreeModule,
}

/// An instruction: the step, the call chain it is made from (for witness
/// output), and whether it executes module code (text that `free_module()`
/// frees).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Instr {
    pub op: Op,
    pub at: String,
    pub module_code: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TaskDef {
    pub name: &'static str,
    /// Kthreads exist only after `kthread_create_on_node()`; the other tasks
    /// (insmod, rmmod) run from the start.
    pub kthread: bool,
    pub program: Vec<Instr>,
}

/// The static part of a scenario.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Model {
    pub tasks: Vec<TaskDef>,
    pub completions: Vec<&'static str>,
    pub waitqueues: Vec<&'static str>,
    pub flags: Vec<&'static str>,
    pub workers: Vec<WorkerDef>,
    pub works: Vec<WorkDef>,
}

/// `struct kthread_worker`: its name and the kthread running
/// `kthread_worker_fn()` on it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WorkerDef {
    pub name: &'static str,
    pub task: Tid,
}

/// `struct kthread_work`: a module's work, or the on-stack flush work of a
/// `kthread_flush_work()`/`kthread_flush_worker()` call (whose function,
/// `kthread_flush_work_fn()`, completes `done`).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct WorkDef {
    pub name: &'static str,
    /// Where its function starts in the worker thread's program.
    pub entry: usize,
    pub flush_done: Option<Cid>,
}

impl Model {
    fn instr(&self, t: Tid, pc: usize) -> &Instr {
        &self.tasks[t].program[pc]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Life {
    NotCreated,
    Alive,
    /// In a loop that never ends and never touches shared state.
    Forever,
    Exited,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ModuleState {
    Coming,
    Live,
    Going,
    Freed,
}

/// A use-after-free: where it happened, and of what.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Fault {
    pub task: Tid,
    pub pc: usize,
    pub object: Freed,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Freed {
    /// A task_struct (and its struct kthread) accessed after its last
    /// reference was put. Slab memory: the access usually "works" on stale
    /// data, so the run goes on as if it did (an unlucky real run does the
    /// same); KASAN would report it.
    TaskStruct(Tid),
    /// Module code executed after `free_module()`: a page fault, the task
    /// dies in an oops. The run ends there.
    ModuleText,
}

/// Per-task mutable state.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Task {
    pub life: Life,
    pub pc: usize,
    pub state: TaskState,
    /// The local `ret` of whatever function the task is in.
    pub ret: i32,
    /// `task_struct::usage` (kthreads only).
    pub usage: u32,
    pub freed: bool,
    /// `KTHREAD_SHOULD_STOP` in `struct kthread::flags`.
    pub should_stop: bool,
    /// `kthread->exited.done` (the task's `vfork_done`).
    pub exited: u32,
    /// `kthread->result`.
    pub result: i32,
    /// Observations for the outcome: did `kthread()` call the thread
    /// function, and what did `kthread_stop()` return for this thread.
    pub threadfn_ran: bool,
    pub stopped_with: Option<i32>,
    /// `KTHREAD_SHOULD_PARK`.
    pub should_park: bool,
    /// `PF_EXITING`.
    pub exiting: bool,
    /// `kthread->parked.done`.
    pub parked: u32,
}

/// Per-worker mutable state.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Worker {
    /// `worker->work_list`, head first.
    pub list: Vec<Workid>,
    /// `worker->current_work`.
    pub current: Option<Workid>,
    /// `worker->task` is still set (cleared when the thread stops).
    pub has_task: bool,
}

/// A line `pr_info()` printed, rendered only when reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Line {
    fmt: &'static str,
    values: [Option<Value>; 2],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Value {
    Int(i32),
    Word(&'static str),
}

impl fmt::Display for Line {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = self.fmt.to_string();
        for v in self.values.iter().flatten() {
            let v = match v {
                Value::Int(i) => i.to_string(),
                Value::Word(w) => w.to_string(),
            };
            text = text.replacen("{}", &v, 1);
        }
        f.write_str(&text)
    }
}

/// What a step did that its static description cannot say. Kept `Copy` so
/// the explorer's hot path allocates nothing; text is made only for
/// witnesses (see [`describe`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Note {
    Nothing,
    /// A wake-up found the task in this state: woken (TASK_RUNNING, 1) or
    /// not (returns 0).
    Wake(TaskState, bool),
    /// `wake_up()` woke this many tasks.
    WokeQueue(usize),
    /// A condition evaluated to this.
    Tested(bool),
    /// A reference count after the step; `true` when that freed the object.
    Refs(u32, bool),
    Read(i32),
    /// `wait_for_completion_timeout()` got its completion (`true`) or timed
    /// out.
    Completed(bool),
    Fault(Freed),
    /// A `WARN_ON()` fired (its condition as text).
    Warn(&'static str),
    /// `kthread_queue_work()`: queued or not, and whether it woke the worker.
    Queued(bool, bool),
    /// `kthread_flush_work()`: where the flush work went.
    Flush(FlushAt),
    /// `kthread_worker_fn()` took this work (`None`: the list was empty).
    Took(Option<Workid>),
}

/// Where `kthread_flush_work()` put its flush work.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FlushAt {
    AfterWork,
    Head,
    Nowhere,
}

/// A `WARN_ON()` that fired: which task, where, and whether it is a
/// `WARN_ON_ONCE()` (printed only the first time after boot).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Warning {
    pub task: Tid,
    pub pc: usize,
    pub what: &'static str,
    pub once: bool,
}

/// The mutable state of a scenario.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct World {
    pub tasks: Vec<Task>,
    pub completions: Vec<u32>,
    pub waitqueues: Vec<Vec<Tid>>,
    pub flags: Vec<bool>,
    pub module: ModuleState,
    pub dmesg: Vec<Line>,
    pub workers: Vec<Worker>,
    /// `work->worker`: set when the work is first queued.
    pub work_worker: Vec<Option<Wkid>>,
    /// WARNs, in order.
    pub warnings: Vec<Warning>,
    /// The first use-after-free, if any.
    pub fault: Option<Fault>,
    /// An oops killed a task: the run ends.
    pub halted: bool,
}

impl World {
    pub fn new(m: &Model) -> World {
        let tasks = m
            .tasks
            .iter()
            .map(|def| Task {
                life: if def.kthread {
                    Life::NotCreated
                } else {
                    Life::Alive
                },
                pc: 0,
                state: TaskState::Running,
                ret: 0,
                usage: 0,
                freed: false,
                should_stop: false,
                exited: 0,
                result: 0,
                threadfn_ran: false,
                stopped_with: None,
                should_park: false,
                exiting: false,
                parked: 0,
            })
            .collect();
        let mut w = World {
            tasks,
            completions: vec![0; m.completions.len()],
            waitqueues: vec![Vec::new(); m.waitqueues.len()],
            flags: vec![false; m.flags.len()],
            module: ModuleState::Coming,
            dmesg: Vec::new(),
            workers: vec![
                Worker {
                    has_task: true,
                    ..Worker::default()
                };
                m.workers.len()
            ],
            work_worker: vec![None; m.works.len()],
            warnings: Vec::new(),
            fault: None,
            halted: false,
        };
        for t in 0..w.tasks.len() {
            w.skip_gotos(m, t);
        }
        w
    }

    /// Can task `t` take a step now? A task that cannot is sleeping (or done).
    pub fn enabled(&self, m: &Model, t: Tid) -> bool {
        if self.enabled_without_timeout(m, t) {
            return true;
        }
        // A timeout expires only once nothing else can happen first.
        self.tasks[t].life == Life::Alive
            && !self.halted
            && matches!(
                m.instr(t, self.tasks[t].pc).op,
                Op::WaitForCompletionTimeout(_)
            )
            && (0..self.tasks.len()).all(|o| o == t || !self.enabled_without_timeout(m, o))
    }

    fn enabled_without_timeout(&self, m: &Model, t: Tid) -> bool {
        let task = &self.tasks[t];
        if self.halted || task.life != Life::Alive {
            return false;
        }
        match m.instr(t, task.pc).op {
            Op::Schedule => task.state == TaskState::Running,
            Op::WaitForCompletion(c) | Op::WaitForCompletionTimeout(c) => self.completions[c] > 0,
            Op::WaitForExit(k) => self.tasks[k].exited > 0,
            Op::WaitForParked(k) => self.tasks[k].parked > 0,
            Op::WaitTaskInactiveParked(k) => {
                self.tasks[k].state != TaskState::Parked || self.off_cpu(m, k)
            }
            Op::DeleteModule => self.module == ModuleState::Live,
            Op::SpinUntil(f) => self.flags[f],
            _ => true,
        }
    }

    /// Is task `k` off its CPU: asleep in `schedule()`, or gone?
    fn off_cpu(&self, m: &Model, k: Tid) -> bool {
        let task = &self.tasks[k];
        task.life != Life::Alive
            || (m.instr(k, task.pc).op == Op::Schedule && task.state != TaskState::Running)
    }

    fn warn(&mut self, t: Tid, pc: usize, what: &'static str, once: bool) -> Note {
        self.warnings.push(Warning {
            task: t,
            pc,
            what,
            once,
        });
        Note::Warn(what)
    }

    /// `kthread_insert_work()`: add `work` at `at` of the list, and wake
    /// the worker thread when it runs no work. Returns whether it woke it.
    fn insert_work(&mut self, m: &Model, wk: Wkid, work: Workid, at: usize) -> bool {
        let worker = &mut self.workers[wk];
        worker.list.insert(at, work);
        self.work_worker[work] = Some(wk);
        if worker.current.is_none() && worker.has_task {
            let task = &mut self.tasks[m.workers[wk].task];
            if task.state.is_normal_sleep() {
                task.state = TaskState::Running;
                return true;
            }
        }
        false
    }

    /// Execute the next instruction of task `t` (which must be enabled).
    pub fn step(&mut self, m: &Model, t: Tid) -> Note {
        let pc = self.tasks[t].pc;
        let instr = m.instr(t, pc);
        if instr.module_code && self.module == ModuleState::Freed {
            // The instruction itself is in freed text: the task oopses.
            self.fault.get_or_insert(Fault {
                task: t,
                pc,
                object: Freed::ModuleText,
            });
            self.halted = true;
            return Note::Fault(Freed::ModuleText);
        }
        let mut next = pc + 1;
        let note = match instr.op {
            Op::KthreadCreate(k) => {
                let kt = &mut self.tasks[k];
                kt.life = Life::Alive;
                kt.state = TaskState::Uninterruptible;
                kt.usage = 1;
                Note::Nothing
            }
            Op::WakeUpProcess(k) => {
                self.touch_task_struct(t, pc, k);
                let kt = &mut self.tasks[k];
                let from = kt.state;
                let woke = from.is_normal_sleep();
                if woke {
                    kt.state = TaskState::Running;
                }
                self.tasks[t].ret = woke as i32;
                Note::Wake(from, woke)
            }
            Op::GetTaskStruct(k) => {
                self.touch_task_struct(t, pc, k);
                let kt = &mut self.tasks[k];
                if !kt.freed {
                    kt.usage += 1;
                }
                Note::Refs(kt.usage, false)
            }
            Op::PutTaskStruct(k) => {
                self.touch_task_struct(t, pc, k);
                self.put_task_struct(k)
            }
            Op::SetShouldStop(k) => {
                self.touch_task_struct(t, pc, k);
                self.tasks[k].should_stop = true;
                Note::Nothing
            }
            Op::WaitForExit(k) => {
                self.touch_task_struct(t, pc, k);
                self.tasks[k].exited -= 1;
                Note::Nothing
            }
            Op::ReadResult(k) => {
                self.touch_task_struct(t, pc, k);
                let r = self.tasks[k].result;
                self.tasks[k].stopped_with = Some(r);
                self.tasks[t].ret = r;
                Note::Read(r)
            }
            Op::KthreadCheckStop { exit } => {
                let me = &mut self.tasks[t];
                if me.should_stop {
                    me.ret = -EINTR;
                    next = exit;
                } else {
                    me.threadfn_ran = true;
                }
                Note::Tested(me.should_stop)
            }
            Op::Return { value, exit } => {
                self.tasks[t].ret = value;
                next = exit;
                Note::Nothing
            }
            Op::CompleteAndExit { comp, value, exit } => {
                self.completions[comp] += 1;
                self.tasks[t].ret = value;
                next = exit;
                Note::Nothing
            }
            Op::KthreadExit => {
                let me = &mut self.tasks[t];
                me.result = me.ret;
                me.exiting = true;
                Note::Nothing
            }
            Op::CompleteVforkDone => {
                self.tasks[t].exited += 1;
                Note::Nothing
            }
            Op::ExitDropReference => {
                self.touch_task_struct(t, pc, t);
                let me = &mut self.tasks[t];
                me.state = TaskState::Dead;
                me.life = Life::Exited;
                self.put_task_struct(t)
            }
            Op::SetState(s) => {
                self.tasks[t].state = s;
                Note::Nothing
            }
            Op::Schedule => Note::Nothing,
            Op::LoopForever => {
                // Stays on this instruction for ever.
                self.tasks[t].life = Life::Forever;
                next = pc;
                Note::Nothing
            }
            Op::Complete(c) => {
                self.completions[c] += 1;
                Note::Nothing
            }
            Op::WaitForCompletion(c) => {
                self.completions[c] -= 1;
                Note::Nothing
            }
            Op::AddWaitQueue(q) => {
                self.waitqueues[q].push(t);
                Note::Nothing
            }
            Op::RemoveWaitQueue(q) => {
                self.waitqueues[q].retain(|&x| x != t);
                Note::Nothing
            }
            Op::WakeUp(q) => {
                let mut n = 0;
                for &x in &self.waitqueues[q] {
                    let task = &mut self.tasks[x];
                    if task.state.is_normal_sleep() {
                        task.state = TaskState::Running;
                        n += 1;
                    }
                }
                Note::WokeQueue(n)
            }
            Op::WriteFlag(f, v) => {
                self.flags[f] = v;
                Note::Nothing
            }
            Op::SpinUntil(_) | Op::Msleep(_) => Note::Nothing,
            Op::WaitForCompletionTimeout(c) => {
                let got = self.completions[c] > 0;
                if got {
                    self.completions[c] -= 1;
                }
                self.tasks[t].ret = got as i32;
                Note::Completed(got)
            }
            Op::JumpIf(cond, to) => {
                let v = match cond {
                    Cond::ShouldStop => self.tasks[t].should_stop,
                    Cond::ShouldPark => self.tasks[t].should_park,
                    Cond::Flag(f) => self.flags[f],
                    Cond::Ret => self.tasks[t].ret != 0,
                };
                if v {
                    next = to;
                }
                Note::Tested(v)
            }
            Op::Goto(to) => {
                next = to;
                Note::Nothing
            }
            Op::PrInfo(fmt, args) => {
                let yes_no = |b: bool| Value::Word(if b { "yes" } else { "no" });
                let values = args.map(|arg| match arg {
                    Arg::None => None,
                    Arg::Ret => Some(Value::Int(self.tasks[t].ret)),
                    Arg::Flag(f) => Some(yes_no(self.flags[f])),
                    Arg::FlagAs(f, yes, no) => {
                        Some(Value::Word(if self.flags[f] { yes } else { no }))
                    }
                    Arg::ShouldStop => Some(yes_no(self.tasks[t].should_stop)),
                    Arg::Int(i) => Some(Value::Int(i)),
                });
                self.dmesg.push(Line { fmt, values });
                Note::Nothing
            }
            Op::InitReturns(r) => {
                self.tasks[t].ret = r;
                self.module = if r == 0 {
                    ModuleState::Live
                } else {
                    ModuleState::Freed
                };
                Note::Nothing
            }
            Op::DeleteModule => {
                self.module = ModuleState::Going;
                Note::Nothing
            }
            Op::FreeModule => {
                self.module = ModuleState::Freed;
                Note::Nothing
            }
            Op::ParkExiting { k, out } => {
                self.touch_task_struct(t, pc, k);
                if self.tasks[k].exiting {
                    self.tasks[t].ret = -ENOSYS;
                    next = out;
                    self.warn(t, pc, "WARN_ON(k->flags & PF_EXITING)", false)
                } else {
                    Note::Tested(false)
                }
            }
            Op::ParkBusy { k, out } => {
                self.touch_task_struct(t, pc, k);
                if self.tasks[k].should_park {
                    self.tasks[t].ret = -EBUSY;
                    next = out;
                    self.warn(t, pc, "WARN_ON_ONCE(test_bit(KTHREAD_SHOULD_PARK))", true)
                } else {
                    Note::Tested(false)
                }
            }
            Op::SetShouldPark(k) => {
                self.touch_task_struct(t, pc, k);
                self.tasks[k].should_park = true;
                Note::Nothing
            }
            Op::WaitForParked(k) => {
                self.touch_task_struct(t, pc, k);
                self.tasks[k].parked -= 1;
                Note::Nothing
            }
            Op::WaitTaskInactiveParked(k) => {
                self.touch_task_struct(t, pc, k);
                self.tasks[t].ret = 0;
                let state = self.tasks[k].state;
                if state == TaskState::Parked {
                    Note::Tested(true)
                } else {
                    self.warn(
                        t,
                        pc,
                        "WARN_ON_ONCE(!wait_task_inactive(k, TASK_PARKED))",
                        true,
                    )
                }
            }
            Op::ClearShouldPark(k) => {
                self.touch_task_struct(t, pc, k);
                self.tasks[k].should_park = false;
                Note::Nothing
            }
            Op::WakeUpParked(k) => {
                self.touch_task_struct(t, pc, k);
                let kt = &mut self.tasks[k];
                let from = kt.state;
                let woke = from == TaskState::Parked;
                if woke {
                    kt.state = TaskState::Running;
                }
                Note::Wake(from, woke)
            }
            Op::CompleteParked => {
                self.tasks[t].parked += 1;
                Note::Nothing
            }
            Op::QueueWork(wk, work) => {
                let pending = self.workers[wk].list.contains(&work);
                let woke = if pending {
                    false
                } else {
                    let tail = self.workers[wk].list.len();
                    self.insert_work(m, wk, work, tail)
                };
                self.tasks[t].ret = !pending as i32;
                Note::Queued(!pending, woke)
            }
            Op::FlushWork { work, fwork, skip } => {
                let wk = self.work_worker[work];
                let at = if let Some(wk) = wk {
                    if let Some(i) = self.workers[wk].list.iter().position(|&x| x == work) {
                        Some((wk, i + 1, FlushAt::AfterWork))
                    } else if self.workers[wk].current == Some(work) {
                        Some((wk, 0, FlushAt::Head))
                    } else {
                        None
                    }
                } else {
                    None
                };
                match at {
                    Some((wk, i, at)) => {
                        self.insert_work(m, wk, fwork, i);
                        Note::Flush(at)
                    }
                    None => {
                        next = skip;
                        Note::Flush(FlushAt::Nowhere)
                    }
                }
            }
            Op::WorkerTake(wk) => {
                let worker = &mut self.workers[wk];
                let work = if worker.list.is_empty() {
                    None
                } else {
                    Some(worker.list.remove(0))
                };
                worker.current = work;
                if let Some(w) = work {
                    next = m.works[w].entry;
                }
                Note::Took(work)
            }
            Op::WorkerExit(wk) => {
                self.workers[wk].has_task = false;
                Note::Nothing
            }
        };
        let me = &mut self.tasks[t];
        me.pc = next;
        if me.life == Life::Alive && me.pc >= m.tasks[t].program.len() {
            me.life = Life::Exited;
        }
        self.skip_gotos(m, t);
        match self.fault {
            Some(f) if f.task == t && f.pc == pc => Note::Fault(f.object),
            _ => note,
        }
    }

    /// Record a use-after-free when task `t` (at `pc`) touches the
    /// task_struct of `k` after it was freed. The run goes on with the stale
    /// memory, as an unlucky real run would.
    fn touch_task_struct(&mut self, t: Tid, pc: usize, k: Tid) {
        if self.tasks[k].freed {
            self.fault.get_or_insert(Fault {
                task: t,
                pc,
                object: Freed::TaskStruct(k),
            });
        }
    }

    fn put_task_struct(&mut self, k: Tid) -> Note {
        let kt = &mut self.tasks[k];
        if kt.freed {
            return Note::Refs(0, false);
        }
        kt.usage -= 1;
        kt.freed = kt.usage == 0;
        Note::Refs(kt.usage, kt.freed)
    }

    /// `Goto` is control flow, not a step: follow it right away so that a
    /// task always stands on a real step (or at its end).
    fn skip_gotos(&mut self, m: &Model, t: Tid) {
        let prog = &m.tasks[t].program;
        let me = &mut self.tasks[t];
        let mut hops = 0;
        while let Some(Instr {
            op: Op::Goto(to), ..
        }) = prog.get(me.pc)
        {
            me.pc = *to;
            hops += 1;
            assert!(hops <= prog.len(), "goto loop in {}", m.tasks[t].name);
        }
        if me.life == Life::Alive && me.pc >= prog.len() {
            me.life = Life::Exited;
        }
    }

    pub fn dmesg(&self) -> Vec<String> {
        self.dmesg.iter().map(Line::to_string).collect()
    }
}

/// Text for a step: the kernel function or statement it models, and what it
/// did. Used for witnesses only.
pub fn describe(m: &Model, t: Tid, pc: usize, note: Note) -> (String, String) {
    let name = |k: Tid| m.tasks[k].name;
    let op = m.instr(t, pc).op;
    let call = match op {
        Op::KthreadCreate(k) => format!("kthread_create_on_node({})", name(k)),
        Op::WakeUpProcess(k) => format!("wake_up_process({})", name(k)),
        Op::GetTaskStruct(k) => format!("get_task_struct({})", name(k)),
        Op::PutTaskStruct(k) => format!("put_task_struct({})", name(k)),
        Op::SetShouldStop(_) => "set_bit(KTHREAD_SHOULD_STOP, &kthread->flags)".into(),
        Op::WaitForExit(_) => "wait_for_completion(&kthread->exited)".into(),
        Op::ReadResult(_) => "ret = kthread->result".into(),
        Op::KthreadCheckStop { .. } => "test_bit(KTHREAD_SHOULD_STOP, &self->flags)".into(),
        Op::Return { value, .. } => format!("return {value}"),
        Op::CompleteAndExit { comp, value, .. } => {
            format!(
                "kthread_complete_and_exit(&{}, {value})",
                m.completions[comp]
            )
        }
        Op::KthreadExit => "kthread_exit(ret): kthread->result = ret".into(),
        Op::CompleteVforkDone => {
            "do_exit() > exit_mm_release() > complete_vfork_done(&kthread->exited)".into()
        }
        Op::ExitDropReference => {
            "do_exit() > release_task()/do_task_dead() > put_task_struct(current)".into()
        }
        Op::SetState(TaskState::Running) => "__set_current_state(TASK_RUNNING)".into(),
        Op::SetState(TaskState::Parked) => "set_special_state(TASK_PARKED)".into(),
        Op::SetState(s) => format!("set_current_state({})", s.name()),
        Op::Schedule => "schedule()".into(),
        Op::LoopForever => "for (;;) msleep(200)".into(),
        Op::Complete(c) => format!("complete(&{})", m.completions[c]),
        Op::WaitForCompletion(c) => format!("wait_for_completion(&{})", m.completions[c]),
        Op::AddWaitQueue(q) => format!("add_wait_queue(&{}, &wait)", m.waitqueues[q]),
        Op::RemoveWaitQueue(q) => format!("remove_wait_queue(&{}, &wait)", m.waitqueues[q]),
        Op::WakeUp(q) => format!("wake_up(&{})", m.waitqueues[q]),
        Op::WriteFlag(f, v) => format!("WRITE_ONCE({}, {v})", m.flags[f]),
        Op::SpinUntil(f) => format!("while (!READ_ONCE({})) cond_resched()", m.flags[f]),
        Op::Msleep(ms) => format!("msleep({ms})"),
        Op::WaitForCompletionTimeout(c) => {
            format!("wait_for_completion_timeout(&{}, HZ)", m.completions[c])
        }
        Op::JumpIf(Cond::ShouldStop, _) => "kthread_should_stop()".into(),
        Op::JumpIf(Cond::ShouldPark, _) => "kthread_should_park()".into(),
        Op::JumpIf(Cond::Flag(f), _) => format!("READ_ONCE({})", m.flags[f]),
        Op::JumpIf(Cond::Ret, _) => "if (ret)".into(),
        Op::Goto(_) => "goto".into(),
        Op::PrInfo(fmt, args) => {
            // Show the C format the listing uses.
            let mut c = fmt.to_string();
            for arg in args {
                let spec = match arg {
                    Arg::None => continue,
                    Arg::Flag(_) | Arg::FlagAs(..) | Arg::ShouldStop => "%s",
                    Arg::Ret | Arg::Int(_) => "%d",
                };
                c = c.replacen("{}", spec, 1);
            }
            format!("pr_info(\"{c}\")")
        }
        Op::InitReturns(r) => format!("do_init_module(): init returned {r}"),
        Op::DeleteModule => "module LIVE -> GOING, calls the exit function".into(),
        Op::FreeModule => "free_module(): module text and data freed".into(),
        Op::ParkExiting { .. } => "if (WARN_ON(k->flags & PF_EXITING)) return -ENOSYS".into(),
        Op::ParkBusy { .. } => {
            "if (WARN_ON_ONCE(test_bit(KTHREAD_SHOULD_PARK, &kthread->flags))) return -EBUSY".into()
        }
        Op::SetShouldPark(_) => "set_bit(KTHREAD_SHOULD_PARK, &kthread->flags)".into(),
        Op::WaitForParked(_) => "wait_for_completion(&kthread->parked)".into(),
        Op::WaitTaskInactiveParked(_) => {
            "WARN_ON_ONCE(!wait_task_inactive(k, TASK_PARKED)); return 0".into()
        }
        Op::ClearShouldPark(_) => "clear_bit(KTHREAD_SHOULD_PARK, &kthread->flags)".into(),
        Op::WakeUpParked(k) => format!("wake_up_state({}, TASK_PARKED)", name(k)),
        Op::CompleteParked => "complete(&self->parked)".into(),
        Op::QueueWork(wk, work) => format!(
            "kthread_queue_work({}, &{})",
            m.workers[wk].name, m.works[work].name
        ),
        Op::FlushWork { work, .. } => format!(
            "under worker->lock: where does the flush work of {} go",
            m.works[work].name
        ),
        Op::WorkerTake(_) => {
            "under worker->lock: take the first work, worker->current_work = it".into()
        }
        Op::WorkerExit(_) => "worker->task = NULL".into(),
    };
    let effect = match (op, note) {
        (_, Note::Fault(Freed::ModuleText)) => {
            "USE-AFTER-FREE: executes freed module text (oops)".into()
        }
        (_, Note::Fault(Freed::TaskStruct(k))) => {
            format!(
                "USE-AFTER-FREE: {}'s task_struct was already freed",
                name(k)
            )
        }
        (Op::KthreadCreate(_), _) => {
            "created, sleeping in TASK_UNINTERRUPTIBLE, thread function not called".into()
        }
        (_, Note::Wake(from, true)) => format!("{} -> TASK_RUNNING, returns 1", from.name()),
        (_, Note::Wake(from, false)) => format!("{}: nothing to wake, returns 0", from.name()),
        (_, Note::WokeQueue(0)) => "no queued task is asleep: wakes nobody".into(),
        (_, Note::WokeQueue(n)) => format!("wakes {n} task(s) -> TASK_RUNNING"),
        (Op::KthreadCheckStop { .. }, Note::Tested(true)) => {
            "set: ret = -EINTR, thread function never called".into()
        }
        (Op::KthreadCheckStop { .. }, Note::Tested(false)) => {
            "clear: calls the thread function".into()
        }
        (_, Note::Tested(v)) => format!("{v}"),
        (_, Note::Refs(_, true)) => "last reference: task_struct freed".into(),
        (_, Note::Refs(n, false)) => format!("usage = {n}"),
        (_, Note::Read(r)) => format!("{r}"),
        (_, Note::Completed(true)) => "completed: returns non-zero".into(),
        (_, Note::Completed(false)) => "nobody completed it: times out, returns 0".into(),
        (_, Note::Warn(what)) => format!("WARNING: {what}"),
        (_, Note::Queued(false, _)) => "pending: not queued again, returns false".into(),
        (_, Note::Queued(true, true)) => {
            "added at the tail; the worker was idle: wakes it, returns true".into()
        }
        (_, Note::Queued(true, false)) => "added at the tail, returns true".into(),
        (_, Note::Flush(FlushAt::AfterWork)) => {
            "pending: the flush work goes right after it; wait for it".into()
        }
        (_, Note::Flush(FlushAt::Head)) => {
            "running: the flush work goes to the head of the list; wait for it".into()
        }
        (_, Note::Flush(FlushAt::Nowhere)) => {
            "neither pending nor running: returns without waiting".into()
        }
        (_, Note::Took(Some(w))) => format!("takes {}, calls its function", m.works[w].name),
        (_, Note::Took(None)) => "list empty: worker->current_work = NULL".into(),
        (Op::Schedule, _) => "runs on (TASK_RUNNING)".into(),
        (Op::WaitForCompletion(_) | Op::WaitForExit(_), _) => "done, returns".into(),
        _ => String::new(),
    };
    (call, effect)
}

/// Where a task that can no longer move is stuck, for outcome names.
pub fn blocked_at(m: &Model, w: &World, t: Tid) -> String {
    let task = &w.tasks[t];
    let instr = m.instr(t, task.pc);
    let (call, _) = describe(m, t, task.pc, Note::Nothing);
    let how = match task.life {
        Life::Forever => "loops forever",
        _ => "blocked",
    };
    let state = match (task.life, instr.op) {
        (Life::Forever, _) => String::new(),
        (_, Op::Schedule) => format!(" in {}", task.state.name()),
        (_, Op::WaitForCompletion(_) | Op::WaitForExit(_) | Op::WaitForParked(_)) => {
            " in TASK_UNINTERRUPTIBLE".into()
        }
        (_, Op::SpinUntil(_)) => " (spinning, runnable)".into(),
        (_, Op::DeleteModule) => " (module never became live)".into(),
        _ => String::new(),
    };
    format!("{} {how} in {}: {call}{state}", m.tasks[t].name, instr.at)
}

/// Is task `t` asleep in TASK_UNINTERRUPTIBLE (what the hung-task detector
/// reports)?
pub fn in_d_state(m: &Model, w: &World, t: Tid) -> bool {
    let task = &w.tasks[t];
    task.life == Life::Alive
        && match m.instr(t, task.pc).op {
            Op::Schedule => task.state == TaskState::Uninterruptible,
            Op::WaitForCompletion(_) | Op::WaitForExit(_) | Op::WaitForParked(_) => true,
            _ => false,
        }
}
