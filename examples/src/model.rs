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
//! lock, spurious wake-ups, signals, the freezer, parking (`kthread_unpark()`
//! in `kthread_stop()` is a no-op for a thread that was never parked), and
//! `TIF_NOTIFY_SIGNAL` (6.1+), which only shortens interruptible sleeps that a
//! `wake_up_process()` ends anyway.

use std::fmt;

/// Index of a task in [`Model::tasks`].
pub type Tid = usize;
/// Index of a `struct completion` in [`Model::completions`].
pub type Cid = usize;
/// Index of a `wait_queue_head_t` in [`Model::waitqueues`].
pub type Wid = usize;
/// Index of a module global `bool` in [`Model::flags`].
pub type Fid = usize;

pub const EINTR: i32 = 4;
pub const ENOMEM: i32 = 12;

/// `task_struct::__state`, restricted to the states these listings use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TaskState {
    Running,
    Interruptible,
    Uninterruptible,
    Dead,
}

impl TaskState {
    pub fn name(self) -> &'static str {
        match self {
            TaskState::Running => "TASK_RUNNING",
            TaskState::Interruptible => "TASK_INTERRUPTIBLE",
            TaskState::Uninterruptible => "TASK_UNINTERRUPTIBLE",
            TaskState::Dead => "TASK_DEAD",
        }
    }

    /// `TASK_NORMAL`: the states `wake_up_process()` and `wake_up()` wake.
    fn is_normal_sleep(self) -> bool {
        matches!(self, TaskState::Interruptible | TaskState::Uninterruptible)
    }
}

/// A condition an instruction can branch on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cond {
    /// `kthread_should_stop()`: `test_bit(KTHREAD_SHOULD_STOP)` on current.
    ShouldStop,
    /// `READ_ONCE(flag)` of a module global.
    Flag(Fid),
    /// The task's `ret` local is non-zero (`if (wait_for_completion_timeout(...))`).
    Ret,
}

/// The value a `pr_info()` prints in place of `{}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
    /// stored `tsk->exit_code` before).
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
    /// `free_module()` at the end of `delete_module()`: module text and data
    /// are freed.
    FreeModule,
}

/// An instruction: the step, the call chain it is made from (for witness
/// output), and whether it executes module code (text that `free_module()`
/// frees).
#[derive(Clone, Debug)]
pub struct Instr {
    pub op: Op,
    pub at: String,
    pub module_code: bool,
}

#[derive(Clone, Debug)]
pub struct TaskDef {
    pub name: &'static str,
    /// Kthreads exist only after `kthread_create_on_node()`; the other tasks
    /// (insmod, rmmod) run from the start.
    pub kthread: bool,
    pub program: Vec<Instr>,
}

/// The static part of a scenario.
#[derive(Clone, Debug, Default)]
pub struct Model {
    pub tasks: Vec<TaskDef>,
    pub completions: Vec<&'static str>,
    pub waitqueues: Vec<&'static str>,
    pub flags: Vec<&'static str>,
}

impl Model {
    fn instr(&self, t: Tid, pc: usize) -> &Instr {
        &self.tasks[t].program[pc]
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Life {
    NotCreated,
    Alive,
    /// In a loop that never ends and never touches shared state.
    Forever,
    Exited,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModuleState {
    Coming,
    Live,
    Going,
    Freed,
}

/// A use-after-free: where it happened, and of what.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
#[derive(Clone, Debug)]
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
}

/// A line `pr_info()` printed, rendered only when reported.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Line {
    fmt: &'static str,
    values: [Option<Value>; 2],
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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
}

/// The mutable state of a scenario.
#[derive(Clone, Debug)]
pub struct World {
    pub tasks: Vec<Task>,
    pub completions: Vec<u32>,
    pub waitqueues: Vec<Vec<Tid>>,
    pub flags: Vec<bool>,
    pub module: ModuleState,
    pub dmesg: Vec<Line>,
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
            })
            .collect();
        let mut w = World {
            tasks,
            completions: vec![0; m.completions.len()],
            waitqueues: vec![Vec::new(); m.waitqueues.len()],
            flags: vec![false; m.flags.len()],
            module: ModuleState::Coming,
            dmesg: Vec::new(),
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
            Op::DeleteModule => self.module == ModuleState::Live,
            Op::SpinUntil(f) => self.flags[f],
            _ => true,
        }
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
        (_, Op::WaitForCompletion(_) | Op::WaitForExit(_)) => " in TASK_UNINTERRUPTIBLE".into(),
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
            Op::WaitForCompletion(_) | Op::WaitForExit(_) => true,
            _ => false,
        }
}
