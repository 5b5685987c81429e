//! Writing a scenario's programs the way the C listing reads.
//!
//! [`ModelBuilder`] declares tasks and kernel objects; [`Builder`] emits one
//! task's instructions. The kernel API helpers here expand a call such as
//! `kthread_stop()` into the atomic steps `kernel/kthread.c` performs, in
//! its order, so scenarios stay one line per line of C.

use crate::model::{Arg, Cid, Cond, Fid, Instr, Model, Op, TaskDef, TaskState, Tid, Wid};

/// Declares the tasks and objects of one scenario.
#[derive(Default)]
pub struct ModelBuilder {
    model: Model,
}

impl ModelBuilder {
    pub fn new() -> Self {
        Self::default()
    }

    /// A task that runs from the start (the `insmod` or `rmmod` process).
    pub fn task(&mut self, name: &'static str) -> Tid {
        self.add_task(name, false)
    }

    /// A kthread: it exists once someone calls `kthread_create_on_node()`.
    pub fn kthread(&mut self, name: &'static str) -> Tid {
        self.add_task(name, true)
    }

    fn add_task(&mut self, name: &'static str, kthread: bool) -> Tid {
        self.model.tasks.push(TaskDef {
            name,
            kthread,
            program: Vec::new(),
        });
        self.model.tasks.len() - 1
    }

    /// `static DECLARE_COMPLETION(name);`
    pub fn completion(&mut self, name: &'static str) -> Cid {
        self.model.completions.push(name);
        self.model.completions.len() - 1
    }

    /// `static DECLARE_WAIT_QUEUE_HEAD(name);`
    pub fn waitqueue(&mut self, name: &'static str) -> Wid {
        self.model.waitqueues.push(name);
        self.model.waitqueues.len() - 1
    }

    /// `static bool name;`
    pub fn flag(&mut self, name: &'static str) -> Fid {
        self.model.flags.push(name);
        self.model.flags.len() - 1
    }

    /// insmod: the module's init function (module code); `body` ends with
    /// [`Builder::init_returns`].
    pub fn insmod(&mut self, t: Tid, init: &str, body: impl FnOnce(&mut Builder)) {
        assert!(!self.model.tasks[t].kthread, "use threadfn() for kthreads");
        let mut b = Builder::new(init, true);
        body(&mut b);
        self.model.tasks[t].program = b.instrs;
    }

    /// rmmod: `delete_module()` runs the exit function `exit` (module code)
    /// once the module is live, then `free_module()` frees module text and
    /// data.
    pub fn rmmod(&mut self, t: Tid, exit: &str, body: impl FnOnce(&mut Builder)) {
        assert!(!self.model.tasks[t].kthread, "use threadfn() for kthreads");
        let mut b = Builder::new("delete_module()", false);
        b.emit(Op::DeleteModule);
        b.enter(exit, true);
        body(&mut b);
        b.leave();
        b.emit(Op::FreeModule);
        self.model.tasks[t].program = b.instrs;
    }

    /// The program of a kthread: `kthread()` from `kernel/kthread.c` around
    /// the listing's thread function `threadfn` (module code).
    pub fn threadfn(&mut self, t: Tid, threadfn: &str, body: impl FnOnce(&mut Builder)) {
        assert!(self.model.tasks[t].kthread, "use program() for processes");
        let mut b = Builder::new("kthread()", false);
        // kthread(): __set_current_state(TASK_UNINTERRUPTIBLE); complete(done);
        // schedule_preempt_disabled(); -- the first two happened inside
        // kthread_create_on_node() (see Op::KthreadCreate); this waits for
        // the first wake-up.
        b.emit(Op::Schedule);
        let check = b.emit(Op::KthreadCheckStop { exit: 0 });
        b.enter(threadfn, true);
        body(&mut b);
        b.leave();
        let exit = b.instrs.len();
        b.emit(Op::KthreadExit);
        b.emit(Op::CompleteVforkDone);
        b.emit(Op::ExitDropReference);
        // Every way out of the thread function continues at kthread_exit().
        for instr in &mut b.instrs[check..exit] {
            match &mut instr.op {
                Op::KthreadCheckStop { exit: to }
                | Op::Return { exit: to, .. }
                | Op::CompleteAndExit { exit: to, .. } => *to = exit,
                _ => {}
            }
        }
        self.model.tasks[t].program = b.instrs;
    }

    pub fn build(self) -> Model {
        for t in &self.model.tasks {
            assert!(!t.program.is_empty(), "task {} has no program", t.name);
        }
        self.model
    }
}

/// Emits one task's instructions, tracking the call chain for witnesses and
/// whether the code is module code.
pub struct Builder {
    instrs: Vec<Instr>,
    /// (function, is module code), innermost last.
    frames: Vec<(String, bool)>,
}

impl Builder {
    fn new(function: &str, module_code: bool) -> Self {
        Builder {
            instrs: Vec::new(),
            frames: vec![(function.to_string(), module_code)],
        }
    }

    fn emit(&mut self, op: Op) -> usize {
        let at = self
            .frames
            .iter()
            .map(|(f, _)| f.as_str())
            .collect::<Vec<_>>()
            .join(" > ");
        // A call from module code into the kernel still starts (and, unless
        // it never returns, ends) in module text, so it counts as module code.
        let module_code = self.frames.iter().any(|&(_, m)| m);
        self.instrs.push(Instr {
            op,
            at,
            module_code,
        });
        self.instrs.len() - 1
    }

    fn enter(&mut self, function: &str, module_code: bool) {
        self.frames.push((function.to_string(), module_code));
    }

    fn leave(&mut self) {
        self.frames.pop();
    }

    /// Emit `body` as the inside of a kernel function called from here.
    fn call(&mut self, function: &str, body: impl FnOnce(&mut Self)) {
        self.enter(function, false);
        body(self);
        self.leave();
    }

    /// The index the next instruction gets (a loop head).
    pub fn here(&self) -> usize {
        self.instrs.len()
    }

    /// Point the jump emitted at `at` to the next instruction.
    pub fn land(&mut self, at: usize) {
        let here = self.here();
        match &mut self.instrs[at].op {
            Op::JumpIf(_, to) | Op::Goto(to) => *to = here,
            op => panic!("cannot land {op:?}"),
        }
    }

    // --- control flow ------------------------------------------------------

    /// `if (cond) goto <landed later>`; returns the jump to [`land`](Self::land).
    pub fn jump_if(&mut self, cond: Cond) -> usize {
        self.emit(Op::JumpIf(cond, usize::MAX))
    }

    /// `goto <landed later>` (the end of an `if` branch that has an `else`).
    pub fn jump_always(&mut self) -> usize {
        self.emit(Op::Goto(usize::MAX))
    }

    pub fn goto(&mut self, to: usize) {
        self.emit(Op::Goto(to));
    }

    // --- the thread function's side ----------------------------------------

    /// `return value;` from the thread function into `kthread()`.
    pub fn return_(&mut self, value: i32) {
        self.emit(Op::Return { value, exit: 0 });
    }

    /// `kthread_complete_and_exit(&comp, value)`.
    pub fn kthread_complete_and_exit(&mut self, comp: Cid, value: i32) {
        self.emit(Op::CompleteAndExit {
            comp,
            value,
            exit: 0,
        });
    }

    /// The listings' standard wait for a stop request:
    ///
    /// ```c
    /// for (;;) {
    ///         set_current_state(TASK_INTERRUPTIBLE);
    ///         if (kthread_should_stop())
    ///                 break;
    ///         schedule();
    /// }
    /// __set_current_state(TASK_RUNNING);
    /// ```
    pub fn wait_for_stop(&mut self) {
        let top = self.here();
        self.set_current_state(TaskState::Interruptible);
        let brk = self.jump_if(Cond::ShouldStop);
        self.schedule();
        self.goto(top);
        self.land(brk);
        self.set_current_state(TaskState::Running);
    }

    /// `for (;;) msleep(200);` without ever looking at the stop flag.
    pub fn loop_forever(&mut self) {
        self.emit(Op::LoopForever);
    }

    pub fn set_current_state(&mut self, s: TaskState) {
        self.emit(Op::SetState(s));
    }

    pub fn schedule(&mut self) {
        self.emit(Op::Schedule);
    }

    // --- the kthread API, caller's side ------------------------------------

    /// `kthread_create(threadfn, data, name)`.
    pub fn kthread_create(&mut self, k: Tid) {
        self.emit(Op::KthreadCreate(k));
    }

    pub fn wake_up_process(&mut self, k: Tid) {
        self.emit(Op::WakeUpProcess(k));
    }

    /// `kthread_run()`: `kthread_create()` then `wake_up_process()`.
    pub fn kthread_run(&mut self, k: Tid) {
        self.call("kthread_run()", |b| {
            b.kthread_create(k);
            b.wake_up_process(k);
        });
    }

    pub fn get_task_struct(&mut self, k: Tid) {
        self.emit(Op::GetTaskStruct(k));
    }

    pub fn put_task_struct(&mut self, k: Tid) {
        self.emit(Op::PutTaskStruct(k));
    }

    /// `ret = kthread_stop(k)`, as `kernel/kthread.c` does it:
    ///
    /// ```c
    /// get_task_struct(k);
    /// kthread = to_kthread(k);
    /// set_bit(KTHREAD_SHOULD_STOP, &kthread->flags);
    /// kthread_unpark(k);                           /* no-op: never parked */
    /// set_tsk_thread_flag(k, TIF_NOTIFY_SIGNAL);   /* 6.1+, not modelled */
    /// wake_up_process(k);
    /// wait_for_completion(&kthread->exited);
    /// ret = kthread->result;
    /// put_task_struct(k);
    /// ```
    pub fn kthread_stop(&mut self, k: Tid) {
        self.call("kthread_stop()", |b| {
            b.get_task_struct(k);
            b.emit(Op::SetShouldStop(k));
            b.wake_up_process(k);
            b.emit(Op::WaitForExit(k));
            b.emit(Op::ReadResult(k));
            b.put_task_struct(k);
        });
    }

    /// `kthread_stop_put(k)` (6.7+): `kthread_stop()`, then drop the
    /// caller's own reference.
    pub fn kthread_stop_put(&mut self, k: Tid) {
        self.call("kthread_stop_put()", |b| {
            b.kthread_stop(k);
            b.put_task_struct(k);
        });
    }

    // --- completions, wait queues, globals, output -------------------------

    pub fn complete(&mut self, c: Cid) {
        self.emit(Op::Complete(c));
    }

    pub fn wait_for_completion(&mut self, c: Cid) {
        self.emit(Op::WaitForCompletion(c));
    }

    pub fn add_wait_queue(&mut self, q: Wid) {
        self.emit(Op::AddWaitQueue(q));
    }

    pub fn remove_wait_queue(&mut self, q: Wid) {
        self.emit(Op::RemoveWaitQueue(q));
    }

    pub fn wake_up(&mut self, q: Wid) {
        self.emit(Op::WakeUp(q));
    }

    pub fn write_once(&mut self, f: Fid, v: bool) {
        self.emit(Op::WriteFlag(f, v));
    }

    /// `pr_info(fmt)`; `{}` in `fmt` stands for `arg`.
    pub fn pr_info(&mut self, fmt: &'static str, arg: Arg) {
        self.emit(Op::PrInfo(fmt, [arg, Arg::None]));
    }

    /// `pr_info(fmt)` with two arguments, in the order of their `{}`.
    pub fn pr_info2(&mut self, fmt: &'static str, first: Arg, second: Arg) {
        self.emit(Op::PrInfo(fmt, [first, second]));
    }

    /// `while (!READ_ONCE(flag)) cond_resched();`
    pub fn spin_until(&mut self, f: Fid) {
        self.emit(Op::SpinUntil(f));
    }

    pub fn msleep(&mut self, ms: u32) {
        self.emit(Op::Msleep(ms));
    }

    /// `ret = wait_for_completion_timeout(&c, HZ)`.
    pub fn wait_for_completion_timeout(&mut self, c: Cid) {
        self.emit(Op::WaitForCompletionTimeout(c));
    }

    // --- module lifecycle --------------------------------------------------

    /// The init function returns `ret` to `do_init_module()`.
    pub fn init_returns(&mut self, ret: i32) {
        self.emit(Op::InitReturns(ret));
    }
}
