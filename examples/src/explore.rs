//! Every schedule of a model's atomic steps, enumerated by depth-first search.
//!
//! At each point where more than one task can take a step, the search tries
//! each of them in task order, so every interleaving is covered exactly once
//! and the order of the visit is fixed. A schedule ends when no task can
//! move: all done, some asleep forever (a hang), or an oops. Schedules that
//! reach the same state share what follows it, so each state is explored
//! once and its result (schedule count, outcomes, witnesses) kept: with
//! three tasks of a few dozen steps, as the parking and worker races have,
//! the schedules number in the quadrillions, and the distinct states are
//! few enough to explore in well under a second.
//!
//! Why not loom: loom runs real Rust code against the C11 memory model and
//! stops at the first failing execution. Here the questions are "which
//! outcomes are reachable" and "show one schedule for each", over kernel
//! primitives (task states, `schedule()`, `try_to_wake_up()`, reference
//! counts, module text) that loom does not have and that would have to be
//! modelled on top of it anyway; and C11 weak-memory behaviours are not the
//! kernel's (LKMM), while the patterns here are made sequentially consistent
//! by the kernel's own barriers (see `model`). A scheduler of our own is a
//! page of code, deterministic, dependency-free and prints kernel names.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use crate::model::{self, Freed, Life, Model, Tid, World};

/// A guard against a model that never terminates (a loop that does not
/// block): no listing here needs more steps than this.
const MAX_STEPS: usize = 400;

/// How a schedule ended, as the outcome a real run would show.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// Every task finished (or a thread was left running harmlessly).
    Clean,
    /// A task sleeps in TASK_UNINTERRUPTIBLE forever: the hung-task
    /// detector reports it.
    HungTask,
    /// Tasks sleep forever, none in TASK_UNINTERRUPTIBLE: nothing reports it.
    AsleepForever,
    /// A `WARN_ON()` fired, and no task hangs in TASK_UNINTERRUPTIBLE.
    Warn,
    /// Freed memory was used.
    UseAfterFree,
}

/// One reachable outcome: what it is and what the module printed.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Outcome {
    pub class: Class,
    /// What the outcome is, in kernel terms (unique within a model).
    pub name: String,
    /// For a use-after-free: of what.
    pub freed: Option<Freed>,
    /// Every WARN of the schedule is a `WARN_ON_ONCE()`.
    pub warn_once: bool,
    pub dmesg: Vec<String>,
}

/// The result of exploring one model.
#[derive(Clone, Debug)]
pub struct Exploration {
    /// Complete schedules enumerated.
    pub schedules: u64,
    /// Each reachable outcome with its shortest schedule (the task that
    /// moves at each step); among equally short ones, the first in task
    /// order.
    pub outcomes: BTreeMap<Outcome, Vec<Tid>>,
}

pub fn explore(m: &Model) -> Exploration {
    let mut ex = Explorer {
        m,
        depth: 0,
        outcomes: Vec::new(),
        ids: HashMap::new(),
        memo: HashMap::new(),
    };
    let start = World::new(m);
    ex.dfs(&start);
    let root = &ex.memo[&start];
    let schedules = u64::try_from(root.schedules).unwrap_or(u64::MAX);
    let mut outcomes = BTreeMap::new();
    for best in &root.outcomes {
        // Follow the first task of each state's witness down to the end.
        let mut schedule = Vec::new();
        let mut w = start.clone();
        while let Some(t) = ex.memo[&w]
            .outcomes
            .iter()
            .find(|b| b.id == best.id)
            .and_then(|b| b.first)
        {
            w.step(m, t);
            schedule.push(t);
        }
        outcomes.insert(ex.outcomes[best.id].clone(), schedule);
    }
    Exploration {
        schedules,
        outcomes,
    }
}

/// From one state: how many complete schedules, and for each reachable
/// outcome the length of its shortest schedule and that schedule's first
/// task (`None` at an end state).
struct Reach {
    schedules: u128,
    outcomes: Vec<Best>,
}

#[derive(Clone, Copy)]
struct Best {
    id: usize,
    len: usize,
    first: Option<Tid>,
}

/// Depth-first search over every schedule, with each state's result kept:
/// two schedules that reach the same state (the same world, printed lines
/// included) go on identically, so the rest is explored once. The counts
/// and witnesses are those the plain enumeration gives: the schedules of a
/// state are the sum of its successors', and the witness of an outcome is
/// the shortest schedule, among equally short ones the first in task order
/// (the successors are tried in task order, and only a strictly shorter
/// one replaces a witness).
struct Explorer<'a> {
    m: &'a Model,
    depth: usize,
    outcomes: Vec<Outcome>,
    ids: HashMap<Outcome, usize>,
    memo: HashMap<World, Reach>,
}

impl Explorer<'_> {
    fn dfs(&mut self, w: &World) {
        if self.memo.contains_key(w) {
            return;
        }
        assert!(
            self.depth <= MAX_STEPS,
            "schedule longer than {MAX_STEPS} steps: a loop in the model never blocks"
        );
        let mut reach = Reach {
            schedules: 0,
            outcomes: Vec::new(),
        };
        let mut moved = false;
        for t in 0..w.tasks.len() {
            if !w.enabled(self.m, t) {
                continue;
            }
            moved = true;
            let mut next = w.clone();
            next.step(self.m, t);
            self.depth += 1;
            self.dfs(&next);
            self.depth -= 1;
            let child = &self.memo[&next];
            reach.schedules = reach.schedules.saturating_add(child.schedules);
            for b in &child.outcomes {
                let len = b.len + 1;
                match reach.outcomes.iter_mut().find(|x| x.id == b.id) {
                    Some(x) if x.len <= len => {}
                    Some(x) => {
                        x.len = len;
                        x.first = Some(t);
                    }
                    None => reach.outcomes.push(Best {
                        id: b.id,
                        len,
                        first: Some(t),
                    }),
                }
            }
        }
        if !moved {
            let o = outcome(self.m, w);
            let next_id = self.outcomes.len();
            let id = *self.ids.entry(o.clone()).or_insert(next_id);
            if id == next_id {
                self.outcomes.push(o);
            }
            reach.schedules = 1;
            reach.outcomes.push(Best {
                id,
                len: 0,
                first: None,
            });
        }
        self.memo.insert(w.clone(), reach);
    }
}

/// Run one schedule from the start; returns each step's task, pc and note,
/// and the final world. Used to print witnesses and to check them.
pub fn replay(m: &Model, schedule: &[Tid]) -> (Vec<(Tid, usize, model::Note)>, World) {
    let mut w = World::new(m);
    let mut steps = Vec::new();
    for &t in schedule {
        assert!(w.enabled(m, t), "{} cannot move here", m.tasks[t].name);
        let pc = w.tasks[t].pc;
        let note = w.step(m, t);
        steps.push((t, pc, note));
    }
    (steps, w)
}

/// Name the end state of a schedule.
pub fn outcome(m: &Model, w: &World) -> Outcome {
    // rmmod still waiting for a live module never ran: the scenario runs it
    // after insmod returns, and insmod never did (or failed).
    let never_started =
        |t: Tid| w.tasks[t].pc == 0 && m.tasks[t].program[0].op == model::Op::DeleteModule;
    let stuck: Vec<Tid> = (0..w.tasks.len())
        .filter(|&t| matches!(w.tasks[t].life, Life::Alive | Life::Forever))
        .filter(|&t| !never_started(t))
        .collect();
    let class = if w.fault.is_some() {
        Class::UseAfterFree
    } else if stuck.iter().any(|&t| model::in_d_state(m, w, t)) {
        Class::HungTask
    } else if !w.warnings.is_empty() {
        Class::Warn
    } else if stuck.iter().any(|&t| w.tasks[t].life == Life::Alive) {
        Class::AsleepForever
    } else {
        Class::Clean
    };

    let mut parts = Vec::new();
    let mut freed = None;
    if let Some(f) = w.fault {
        let (call, _) = model::describe(m, f.task, f.pc, model::Note::Nothing);
        let what = match f.object {
            Freed::TaskStruct(k) => format!("{}'s task_struct", m.tasks[k].name),
            Freed::ModuleText => "module text".to_string(),
        };
        parts.push(format!(
            "{} in {}: {call} uses freed {what}",
            m.tasks[f.task].name, m.tasks[f.task].program[f.pc].at
        ));
        freed = Some(f.object);
    }
    if w.fault.is_none_or(|f| f.object != Freed::ModuleText) {
        parts.extend(stuck.iter().map(|&t| model::blocked_at(m, w, t)));
    }
    for warning in &w.warnings {
        parts.push(format!(
            "WARNING in {}: {}",
            m.tasks[warning.task].program[warning.pc].at, warning.what
        ));
    }
    // What happened to each kthread: did its function run, what did
    // kthread_stop() return for it.
    for (t, def) in m.tasks.iter().enumerate() {
        let task = &w.tasks[t];
        if !def.kthread || task.life == Life::NotCreated {
            continue;
        }
        let ran = if task.threadfn_ran {
            "threadfn ran"
        } else {
            "threadfn never ran"
        };
        let stop = match task.stopped_with {
            Some(r) => format!("kthread_stop() = {}", errno(r)),
            None => "not stopped".to_string(),
        };
        parts.push(format!("{}: {ran}, {stop}", def.name));
    }
    if parts.is_empty() {
        parts.push("every task finished".to_string());
    }
    Outcome {
        class,
        name: parts.join("; "),
        freed,
        warn_once: !w.warnings.is_empty() && w.warnings.iter().all(|x| x.once),
        dmesg: w.dmesg(),
    }
}

/// `-4` → `-4 (-EINTR)`: dmesg prints the number, readers know the name.
pub fn errno(v: i32) -> String {
    let name = match -v {
        model::EINTR => "EINTR",
        model::ENOMEM => "ENOMEM",
        model::EBUSY => "EBUSY",
        model::ENOSYS => "ENOSYS",
        _ => return v.to_string(),
    };
    format!("{v} (-{name})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::TaskState;
    use crate::program::ModelBuilder;

    /// Two independent tasks of `a` and `b` steps interleave in
    /// C(a+b, a) ways: the explorer must visit each exactly once.
    #[test]
    fn enumerates_every_interleaving_once() {
        for (a, b) in [(1, 1), (2, 2), (3, 2), (4, 3)] {
            let mut mb = ModelBuilder::new();
            let t1 = mb.task("a");
            let t2 = mb.task("b");
            let steps = |n| {
                move |b: &mut crate::program::Builder| {
                    for _ in 0..n {
                        b.set_current_state(TaskState::Running);
                    }
                }
            };
            mb.insmod(t1, "a()", steps(a));
            mb.insmod(t2, "b()", steps(b));
            let ex = explore(&mb.build());
            let binom = |n: u64, k: u64| (1..=k).fold(1, |acc, i| acc * (n + 1 - i) / i);
            assert_eq!(ex.schedules, binom(a + b, a), "a={a} b={b}");
            assert_eq!(ex.outcomes.len(), 1);
        }
    }

    /// A task blocked on a completion nobody completes is a hang, and the
    /// explorer reports it rather than spinning.
    #[test]
    fn a_wait_nobody_ends_is_a_hung_task() {
        let mut mb = ModelBuilder::new();
        let t = mb.task("insmod");
        let c = mb.completion("never");
        mb.insmod(t, "init()", |b| b.wait_for_completion(c));
        let ex = explore(&mb.build());
        let (o, schedule) = ex.outcomes.into_iter().next().unwrap();
        assert_eq!(o.class, Class::HungTask);
        assert!(o.name.contains("wait_for_completion(&never)"), "{}", o.name);
        assert!(schedule.is_empty());
    }
}
