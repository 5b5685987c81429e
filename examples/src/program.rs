//! Writing a scenario's programs the way the C listing reads.
//!
//! [`ModelBuilder`] declares tasks and kernel objects; [`Builder`] emits one
//! task's instructions. The kernel API helpers here expand a call such as
//! `kthread_stop()` into the atomic steps `kernel/kthread.c` performs, in
//! its order, so scenarios stay one line per line of C.

use crate::model::{
    Arg, Cid, Cond, Fid, Instr, Model, Op, TaskDef, TaskState, Tid, Wid, Wkid, WorkDef, WorkerDef,
    Workid,
};

/// Declares the tasks and objects of one scenario.
#[derive(Default)]
pub struct ModelBuilder {
    model: Model,
    /// Per task: a kthread that may be parked (see [`Self::parkable_kthread`]).
    parkable: Vec<bool>,
}

/// One work of a worker thread's program: the work, the name of its
/// function, and the function's body.
pub type WorkFn<'a> = (Workid, &'a str, &'a dyn Fn(&mut Builder));

/// The on-stack `struct kthread_flush_work` of one `kthread_flush_work()`
/// or `kthread_flush_worker()` call: its work and its completion.
#[derive(Clone, Copy, Debug)]
pub struct FlushWork {
    pub work: Workid,
    pub done: Cid,
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

    /// A kthread that may be parked: `kthread()` calls `__kthread_parkme()`
    /// before its function, and `kthread_stop()` of it calls
    /// `kthread_unpark()` (both are left out for other kthreads, where they
    /// change nothing).
    pub fn parkable_kthread(&mut self, name: &'static str) -> Tid {
        let t = self.add_task(name, true);
        self.parkable[t] = true;
        t
    }

    /// `worker = kthread_create_worker(0, name)` run by kthread `task`
    /// (the caller wakes it, see [`Builder::kthread_run`]). Declare every
    /// work and flush work before [`Self::worker_fn`].
    pub fn worker(&mut self, name: &'static str, task: Tid) -> Wkid {
        assert!(self.model.tasks[task].kthread);
        self.model.workers.push(WorkerDef { name, task });
        self.model.workers.len() - 1
    }

    /// `static struct kthread_work name;` (after `kthread_init_work()`).
    pub fn work(&mut self, name: &'static str) -> Workid {
        self.model.works.push(WorkDef {
            name,
            entry: usize::MAX,
            flush_done: None,
        });
        self.model.works.len() - 1
    }

    /// The flush work of one flush call site, named `name`.
    pub fn flush_work(&mut self, name: &'static str, done: &'static str) -> FlushWork {
        let done = self.completion(done);
        let work = self.work(name);
        self.model.works[work].flush_done = Some(done);
        FlushWork { work, done }
    }

    fn add_task(&mut self, name: &'static str, kthread: bool) -> Tid {
        self.parkable.push(false);
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
        let mut b = Builder::new(init, true, &self.parkable);
        body(&mut b);
        self.model.tasks[t].program = b.instrs;
    }

    /// rmmod: `delete_module()` runs the exit function `exit` (module code)
    /// once the module is live, then `free_module()` frees module text and
    /// data.
    pub fn rmmod(&mut self, t: Tid, exit: &str, body: impl FnOnce(&mut Builder)) {
        assert!(!self.model.tasks[t].kthread, "use threadfn() for kthreads");
        let mut b = Builder::new("delete_module()", false, &self.parkable);
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
        self.kthread_program(t, threadfn, true, body);
    }

    /// `kthread()` around `threadfn`, module code or (`kthread_worker_fn()`)
    /// not.
    fn kthread_program(
        &mut self,
        t: Tid,
        threadfn: &str,
        module_code: bool,
        body: impl FnOnce(&mut Builder),
    ) {
        assert!(self.model.tasks[t].kthread, "use program() for processes");
        let mut b = Builder::new("kthread()", false, &self.parkable);
        // kthread(): __set_current_state(TASK_UNINTERRUPTIBLE); complete(done);
        // schedule_preempt_disabled(); -- the first two happened inside
        // kthread_create_on_node() (see Op::KthreadCreate); this waits for
        // the first wake-up.
        b.emit(Op::Schedule);
        let check = b.emit(Op::KthreadCheckStop { exit: 0 });
        if self.parkable[t] {
            // kthread(): if (!test_bit(KTHREAD_SHOULD_STOP)) {
            // __kthread_parkme(self); ret = threadfn(data); }
            b.call("__kthread_parkme()", |b| b.parkme_loop());
        }
        b.enter(threadfn, module_code);
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

    /// The program of a worker thread: `kthread()` around
    /// `kthread_worker_fn()` (kernel code), with the function of each of
    /// `works` (module code) and of every flush work the model declares
    /// (`kthread_flush_work_fn()`: `complete(&fwork->done)`).
    ///
    /// ```c
    /// repeat:
    ///         set_current_state(TASK_INTERRUPTIBLE);
    ///         if (kthread_should_stop()) {
    ///                 __set_current_state(TASK_RUNNING);
    ///                 /* under worker->lock */ worker->task = NULL;
    ///                 return 0;
    ///         }
    ///         /* under worker->lock: */ work = first of work_list, or NULL;
    ///         list_del_init(&work->node); worker->current_work = work;
    ///         if (work) {
    ///                 __set_current_state(TASK_RUNNING);
    ///                 work->func(work);
    ///         } else if (!freezing(current))
    ///                 schedule();
    ///         try_to_freeze(); cond_resched();
    ///         goto repeat;
    /// ```
    pub fn worker_fn(&mut self, wk: Wkid, works: &[WorkFn]) {
        let t = self.model.workers[wk].task;
        let flushes: Vec<(Workid, Cid)> = (0..self.model.works.len())
            .filter_map(|w| self.model.works[w].flush_done.map(|c| (w, c)))
            .collect();
        let mut entries = Vec::new();
        self.kthread_program(t, "kthread_worker_fn()", false, |b| {
            let repeat = b.here();
            b.set_current_state(TaskState::Interruptible);
            let stop = b.jump_if(Cond::ShouldStop);
            b.emit(Op::WorkerTake(wk));
            b.schedule();
            b.goto(repeat);
            for &(w, func, body) in works {
                entries.push((w, b.here()));
                b.set_current_state(TaskState::Running);
                b.enter(func, true);
                body(b);
                b.leave();
                b.goto(repeat);
            }
            for &(w, done) in &flushes {
                entries.push((w, b.here()));
                b.set_current_state(TaskState::Running);
                b.call("kthread_flush_work_fn()", |b| b.complete(done));
                b.goto(repeat);
            }
            b.land(stop);
            b.set_current_state(TaskState::Running);
            b.emit(Op::WorkerExit(wk));
            b.return_(0);
        });
        for (w, pc) in entries {
            self.model.works[w].entry = pc;
        }
    }

    pub fn build(self) -> Model {
        for t in &self.model.tasks {
            assert!(!t.program.is_empty(), "task {} has no program", t.name);
        }
        for w in &self.model.works {
            assert!(w.entry != usize::MAX, "work {} has no function", w.name);
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
    /// Per task: may it be parked ([`ModelBuilder::parkable_kthread`]).
    parkable: Vec<bool>,
}

impl Builder {
    fn new(function: &str, module_code: bool, parkable: &[bool]) -> Self {
        Builder {
            instrs: Vec::new(),
            frames: vec![(function.to_string(), module_code)],
            parkable: parkable.to_vec(),
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
    /// kthread_unpark(k);              /* only for a parkable kthread */
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
            if b.parkable[k] {
                b.kthread_unpark(k);
            }
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

    // --- parking --------------------------------------------------------------

    /// `ret = kthread_park(k)` from another task:
    ///
    /// ```c
    /// if (WARN_ON(k->flags & PF_EXITING))
    ///         return -ENOSYS;
    /// if (WARN_ON_ONCE(test_bit(KTHREAD_SHOULD_PARK, &kthread->flags)))
    ///         return -EBUSY;
    /// set_bit(KTHREAD_SHOULD_PARK, &kthread->flags);
    /// if (k != current) {
    ///         wake_up_process(k);
    ///         wait_for_completion(&kthread->parked);
    ///         WARN_ON_ONCE(!wait_task_inactive(k, TASK_PARKED));
    /// }
    /// return 0;
    /// ```
    pub fn kthread_park(&mut self, k: Tid) {
        self.call("kthread_park()", |b| {
            let exiting = b.emit(Op::ParkExiting { k, out: 0 });
            let busy = b.emit(Op::ParkBusy { k, out: 0 });
            b.emit(Op::SetShouldPark(k));
            b.wake_up_process(k);
            b.emit(Op::WaitForParked(k));
            b.emit(Op::WaitTaskInactiveParked(k));
            let out = b.here();
            for at in [exiting, busy] {
                match &mut b.instrs[at].op {
                    Op::ParkExiting { out: o, .. } | Op::ParkBusy { out: o, .. } => *o = out,
                    _ => unreachable!(),
                }
            }
        });
    }

    /// `kthread_unpark(k)`: `clear_bit(KTHREAD_SHOULD_PARK)`, then
    /// `wake_up_state(k, TASK_PARKED)` (see `model` for 6.1+'s early return).
    pub fn kthread_unpark(&mut self, k: Tid) {
        self.call("kthread_unpark()", |b| {
            b.emit(Op::ClearShouldPark(k));
            b.emit(Op::WakeUpParked(k));
        });
    }

    /// `kthread_parkme()` in the thread function: `__kthread_parkme()`.
    pub fn kthread_parkme(&mut self) {
        self.call("kthread_parkme() > __kthread_parkme()", |b| b.parkme_loop());
    }

    /// The loop of `__kthread_parkme()`:
    ///
    /// ```c
    /// for (;;) {
    ///         set_special_state(TASK_PARKED);
    ///         if (!test_bit(KTHREAD_SHOULD_PARK, &self->flags))
    ///                 break;
    ///         complete(&self->parked);
    ///         schedule_preempt_disabled();
    /// }
    /// __set_current_state(TASK_RUNNING);
    /// ```
    fn parkme_loop(&mut self) {
        let top = self.here();
        self.set_current_state(TaskState::Parked);
        let park = self.jump_if(Cond::ShouldPark);
        let out = self.jump_always();
        self.land(park);
        self.emit(Op::CompleteParked);
        self.schedule();
        self.goto(top);
        self.land(out);
        self.set_current_state(TaskState::Running);
    }

    // --- kthread_worker --------------------------------------------------------

    /// `ret = kthread_queue_work(worker, &work)`.
    pub fn kthread_queue_work(&mut self, wk: Wkid, work: Workid) {
        self.emit(Op::QueueWork(wk, work));
    }

    /// `kthread_flush_work(&work)` with the flush work `fw`.
    pub fn kthread_flush_work(&mut self, work: Workid, fw: FlushWork) {
        self.call("kthread_flush_work()", |b| {
            let at = b.emit(Op::FlushWork {
                work,
                fwork: fw.work,
                skip: 0,
            });
            b.wait_for_completion(fw.done);
            let here = b.here();
            if let Op::FlushWork { skip, .. } = &mut b.instrs[at].op {
                *skip = here;
            }
        });
    }

    /// `kthread_flush_worker(worker)` with the flush work `fw`:
    /// `kthread_queue_work(worker, &fwork.work);
    /// wait_for_completion(&fwork.done);`.
    pub fn kthread_flush_worker(&mut self, wk: Wkid, fw: FlushWork) {
        self.call("kthread_flush_worker()", |b| {
            b.kthread_queue_work(wk, fw.work);
            b.wait_for_completion(fw.done);
        });
    }

    /// `kthread_destroy_worker(worker)`: `kthread_flush_worker()`, then
    /// `kthread_stop(worker->task)` (the `WARN_ON()`s on the lists and the
    /// `kfree()` after it are not modelled).
    pub fn kthread_destroy_worker(&mut self, wk: Wkid, task: Tid, fw: FlushWork) {
        self.call("kthread_destroy_worker()", |b| {
            b.kthread_flush_worker(wk, fw);
            b.kthread_stop(task);
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
