//! The result of exploring a scenario as plain data (what verify and the
//! book consume), its text form (what the binaries print and the snapshots
//! hold), and the cross-check of a real run against it.

use std::fmt::Write as _;

use serde::{Deserialize, Serialize};

use crate::explore::{self, Class};
use crate::model::{self, Freed};
use crate::scenarios::{Scenario, Variant};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScenarioReport {
    pub scenario: String,
    pub title: String,
    /// The title on the book's Chinese pages.
    #[serde(default)]
    pub title_zh: String,
    pub variants: Vec<VariantReport>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct VariantReport {
    pub variant: String,
    pub summary: String,
    /// The `kmods/` listing this variant models.
    pub kmod: Option<String>,
    /// The `insmod` parameters of the load of `kmod` this variant models,
    /// when its scenario loads the module more than once (`""`: no
    /// parameters).
    pub load: Option<String>,
    /// Complete schedules the explorer enumerated.
    pub schedules: u64,
    /// Reachable outcomes, sorted by class, then name.
    pub outcomes: Vec<OutcomeReport>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutcomeReport {
    /// `<class>: <what happened>`, unique within the variant.
    pub name: String,
    pub class: Class,
    /// The verify outcomes (`clean`, `hung-task`, `oops`, ...) a real run
    /// ending this way can be classified as.
    pub observed_as: Vec<String>,
    /// The lines the module prints (without the `name: ` prefix), in order.
    /// For a use-after-free of module text, up to the oops; for one of a
    /// task_struct, as if the stale memory still held its old contents.
    pub dmesg: Vec<String>,
    /// The shortest schedule that reaches this outcome.
    pub witness: Vec<WitnessStep>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WitnessStep {
    pub task: String,
    /// Call chain, outermost first: `stop_after_run_init() > kthread_stop()`.
    pub at: String,
    /// The kernel function or statement this step models.
    pub call: String,
    /// What it did, when that is not obvious from `call`.
    pub effect: String,
}

pub fn scenario_report(s: &Scenario) -> ScenarioReport {
    ScenarioReport {
        scenario: s.name.to_string(),
        title: s.title.to_string(),
        title_zh: s.title_zh.to_string(),
        variants: s.variants.iter().map(variant_report).collect(),
    }
}

pub fn variant_report(v: &Variant) -> VariantReport {
    let ex = explore::explore(&v.model);
    let mut outcomes: Vec<OutcomeReport> = ex
        .outcomes
        .iter()
        .map(|(o, schedule)| OutcomeReport {
            name: format!("{}: {}", class_name(o.class), o.name),
            class: o.class,
            observed_as: observed_as(o.class, o.freed, o.warn_once),
            dmesg: o.dmesg.clone(),
            witness: witness(&v.model, schedule),
        })
        .collect();
    disambiguate(&mut outcomes);
    VariantReport {
        variant: v.name.to_string(),
        summary: v.summary.to_string(),
        kmod: v.kmod.map(str::to_string),
        load: v.load.map(str::to_string),
        schedules: ex.schedules,
        outcomes,
    }
}

/// Two outcomes can differ only in their dmesg lines (their order, in a
/// racy listing, or what they say); number those so that every name is
/// unique.
fn disambiguate(outcomes: &mut [OutcomeReport]) {
    let names: Vec<String> = outcomes.iter().map(|o| o.name.clone()).collect();
    let dmesgs: Vec<Vec<String>> = outcomes.iter().map(|o| o.dmesg.clone()).collect();
    for (i, o) in outcomes.iter_mut().enumerate() {
        let same: Vec<usize> = (0..names.len()).filter(|&j| names[j] == names[i]).collect();
        if same.len() > 1 {
            let k = same.iter().position(|&j| j == i).unwrap() + 1;
            // The same lines in another order, or other lines.
            let sorted = |d: &[String]| {
                let mut d = d.to_vec();
                d.sort();
                d
            };
            let first = sorted(&dmesgs[same[0]]);
            let what = if same.iter().all(|&j| sorted(&dmesgs[j]) == first) {
                "dmesg order"
            } else {
                "dmesg"
            };
            o.name = format!("{} ({what} {k} of {})", o.name, same.len());
        }
    }
}

pub fn class_name(c: Class) -> &'static str {
    match c {
        Class::Clean => "clean",
        Class::HungTask => "hung-task",
        Class::AsleepForever => "asleep-forever",
        Class::Warn => "warn",
        Class::UseAfterFree => "use-after-free",
    }
}

/// What verify can see when a real kernel takes this path.
fn observed_as(c: Class, freed: Option<Freed>, warn_once: bool) -> Vec<String> {
    let v: &[&str] = match (c, freed) {
        // A WARN_ON_ONCE() prints only the first time after boot.
        (Class::Warn, _) if warn_once => &["warn", "clean"],
        (Class::Warn, _) => &["warn"],
        (Class::Clean, _) => &["clean"],
        (Class::HungTask, _) => &["hung-task"],
        // Nothing reports a task sleeping interruptibly for ever.
        (Class::AsleepForever, _) => &["clean"],
        // Freed module text is unmapped: executing it faults.
        (Class::UseAfterFree, Some(Freed::ModuleText)) => &["oops"],
        // A freed task_struct is slab memory: refcount_t warns "addition on
        // 0; use-after-free" if it still reads 0, KASAN oopses, reused memory
        // can crash or hang anything, or nothing shows at all; with
        // slub_debug or KFENCE the allocator reports it (use-after-free).
        (Class::UseAfterFree, _) => &[
            "clean",
            "hung-task",
            "oops",
            "panic",
            "use-after-free",
            "warn",
        ],
    };
    v.iter().map(|s| s.to_string()).collect()
}

fn witness(m: &model::Model, schedule: &[model::Tid]) -> Vec<WitnessStep> {
    let (steps, _) = explore::replay(m, schedule);
    steps
        .into_iter()
        .map(|(t, pc, note)| {
            let (call, effect) = model::describe(m, t, pc, note);
            WitnessStep {
                task: m.tasks[t].name.to_string(),
                at: m.tasks[t].program[pc].at.clone(),
                call,
                effect,
            }
        })
        .collect()
}

/// The text the simulation binaries print: `key: value` lines at column 0,
/// one `outcome: <name>` line per reachable outcome followed by its
/// indented details and witness steps.
pub fn render(r: &ScenarioReport) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "scenario: {}", r.scenario);
    let _ = writeln!(s, "title: {}", r.title);
    for v in &r.variants {
        let _ = writeln!(s);
        let _ = writeln!(s, "variant: {}", v.variant);
        let _ = writeln!(s, "summary: {}", v.summary);
        match (&v.kmod, &v.load) {
            (Some(k), Some(load)) => {
                let _ = writeln!(s, "kmod: {k} ({})", insmod_line(k, load));
            }
            (Some(k), None) => {
                let _ = writeln!(s, "kmod: {k}");
            }
            _ => {}
        }
        let _ = writeln!(s, "schedules: {}", v.schedules);
        let _ = writeln!(s, "reachable: {}", v.outcomes.len());
        for o in &v.outcomes {
            let _ = writeln!(s);
            let _ = writeln!(s, "outcome: {}", o.name);
            let _ = writeln!(s, "  observed as: {}", o.observed_as.join(", "));
            for line in &o.dmesg {
                let _ = writeln!(s, "  dmesg: {line}");
            }
            let _ = writeln!(s, "  witness: {} steps", o.witness.len());
            for (i, w) in o.witness.iter().enumerate() {
                let _ = writeln!(s, "  {}", witness_line(i + 1, w));
            }
        }
    }
    s
}

/// The scenario step that loads `kmod` with `params`, as verify prints it:
/// `insmod lost_wakeup.ko fixed=0`.
pub fn insmod_line(kmod: &str, params: &str) -> String {
    format!("insmod {kmod}.ko {params}").trim_end().to_string()
}

/// Step `n` (1-based) of a witness schedule as one line:
/// `  3. insmod  init() > kthread_stop(): get_task_struct(thread) -- usage = 2`.
pub fn witness_line(n: usize, w: &WitnessStep) -> String {
    let mut s = format!("{n:>3}. {:<7} {}: {}", w.task, w.at, w.call);
    if !w.effect.is_empty() {
        let _ = write!(s, " -- {}", w.effect);
    }
    s
}

/// Check a real run of `v.kmod` against the model: `observed` is verify's
/// outcome for the run, `lines` the module's own dmesg lines (its
/// `<kmod>: ` prefix stripped), in order. Returns the reachable outcome the
/// run matches, or why none does.
///
/// A run matches an outcome when verify's outcome is one the model outcome
/// can be observed as, and the lines are the ones it prints -- exactly for
/// clean and hung-task outcomes; for a use-after-free, where the run may
/// die early or go on with stale memory, one must be a prefix of the other.
pub fn cross_check<'a>(
    v: &'a VariantReport,
    observed: &str,
    lines: &[String],
) -> Result<&'a OutcomeReport, String> {
    let matches = |o: &OutcomeReport| {
        if !o.observed_as.iter().any(|c| c == observed) {
            return false;
        }
        match o.class {
            Class::UseAfterFree => {
                let n = o.dmesg.len().min(lines.len());
                o.dmesg[..n] == lines[..n]
            }
            _ => o.dmesg == lines,
        }
    };
    v.outcomes.iter().find(|o| matches(o)).ok_or_else(|| {
        let mut msg = format!(
            "observed `{observed}` with dmesg {lines:?}, which the model of `{}` ({}) cannot reach; \
             reachable:",
            v.kmod.as_deref().unwrap_or("?"),
            v.variant
        );
        for o in &v.outcomes {
            let _ = write!(
                msg,
                "\n  {} [observed as {}] dmesg {:?}",
                o.name,
                o.observed_as.join("|"),
                o.dmesg
            );
        }
        msg
    })
}
