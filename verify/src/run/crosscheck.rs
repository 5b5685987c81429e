//! The model against the kernel: for a listing that a simulation models
//! (`examples::models_for_kmod`), what a real kernel did -- verify's outcome
//! and the module's own dmesg lines -- must be one of the model's reachable
//! outcomes. A run the model cannot reach means the listing, the model or
//! the classification is wrong; the run fails, naming what was seen and what
//! the model can reach.

use crate::guest::vm::Exit;
use crate::text::console;
use crate::text::outcome::Outcome;
use examples::report::insmod_line;
use examples::{OutcomeReport, VariantReport};

/// The mark `examples` puts on the witness step of a use-after-free
/// (`model::describe`): "USE-AFTER-FREE: …".
const FAULT_MARK: &str = "USE-AFTER-FREE";

/// For a use-after-free outcome, how many of its dmesg lines its witness
/// prints before the stale access (each `pr_info(…)` step before the step
/// marked `FAULT_MARK`); `None` for an outcome with no such step.
fn printed_before_fault(o: &OutcomeReport) -> Option<usize> {
    let at = o
        .witness
        .iter()
        .position(|w| w.effect.starts_with(FAULT_MARK))?;
    Some(
        o.witness[..at]
            .iter()
            .filter(|w| w.call.starts_with("pr_info("))
            .count(),
    )
}

/// The module's own lines of a normalized output, in order, without their
/// `<kmod>: ` prefix (the `pr_fmt` of every listing). The kernel's lines
/// (crash reports, taint) and the commands' own output are not the module's.
pub fn module_lines(kmod: &str, text: &str) -> Vec<String> {
    let prefix = format!("{kmod}: ");
    text.lines()
        .filter_map(|l| l.strip_prefix(&prefix))
        .map(str::to_string)
        .collect()
}

/// One load of the module in a run that loads it several times.
#[derive(Debug, PartialEq)]
pub struct Load {
    /// The `insmod` parameters (`""` for none).
    pub params: String,
    /// How this part of the run ended.
    pub outcome: Outcome,
    /// The module's lines from this `insmod` to the next.
    pub text: String,
}

/// Splits a normalized output at each `$ insmod <kmod>.ko` step. A part
/// ended as its most severe crash report says; a part without one ended
/// clean, except the last when the whole run timed out or panicked without
/// a report (nothing in the text says so, only the run's outcome).
pub fn loads(kmod: &str, outcome: Outcome, text: &str) -> Vec<Load> {
    let step = format!("$ insmod {kmod}.ko");
    let mut parts: Vec<(String, Vec<&str>)> = Vec::new();
    for line in text.lines() {
        match line.strip_prefix(&step) {
            Some(rest) if rest.is_empty() || rest.starts_with(' ') => {
                parts.push((rest.trim().to_string(), vec![line]));
            }
            _ => {
                if let Some((_, lines)) = parts.last_mut() {
                    lines.push(line);
                }
            }
        }
    }
    let n = parts.len();
    parts
        .into_iter()
        .enumerate()
        .map(|(i, (params, lines))| {
            let reported =
                console::outcome(&lines, &Exit::Guest(crate::guest::initramfs::DONE), true);
            let outcome = match outcome {
                Outcome::Timeout | Outcome::Panic if i + 1 == n && reported == Outcome::Clean => {
                    outcome
                }
                _ => reported,
            };
            Load {
                params,
                outcome,
                text: lines.join("\n"),
            }
        })
        .collect()
}

/// Checks one run of `kmod` that ended in `outcome` with normalized output
/// `text` against its `models` (`examples::models_for_kmod`): the whole run
/// against the one model, or each load against the variant for that load.
/// `Ok(Some(what))`: the reachable outcome(s) it is; `Ok(None)`: nothing
/// to check (no model, or a build error, which is outside what a model
/// describes); `Err`: why the run is not reachable.
pub fn check(
    models: &[VariantReport],
    kmod: &str,
    outcome: Outcome,
    text: &str,
) -> Result<Option<String>, String> {
    if outcome == Outcome::BuildError || models.is_empty() {
        return Ok(None);
    }
    if models.iter().all(|m| m.load.is_none()) {
        let [model] = models else {
            return Err(format!(
                "{} variants model `{kmod}` without saying which load each is (set \
                 `Variant::load` in examples/src/scenarios.rs)",
                models.len()
            ));
        };
        return reachable(model, kmod, outcome, text).map(Some);
    }
    let runs = loads(kmod, outcome, text);
    let mut hits = Vec::new();
    for run in &runs {
        let step = insmod_line(kmod, &run.params);
        let Some(model) = models
            .iter()
            .find(|m| m.load.as_deref() == Some(run.params.as_str()))
        else {
            return Err(format!(
                "the step `{step}` has no model: add a variant with `load: Some({:?})` \
                 for `{kmod}` in examples/src/scenarios.rs",
                run.params
            ));
        };
        hits.push(format!("{step}: {}", reachable_load(model, kmod, run)?));
    }
    if outcome == Outcome::Clean {
        for m in models {
            let load = m.load.as_deref().unwrap_or_default();
            if !runs.iter().any(|r| r.params == load) {
                return Err(format!(
                    "variant `{}` models `{}`, a step the scenario of `{kmod}` never runs",
                    m.variant,
                    insmod_line(kmod, load)
                ));
            }
        }
    }
    Ok(Some(hits.join("; ")))
}

/// `check` for one variant (the book shows, per variant, where each
/// kernel's run landed): `Ok(None)` when the run never reached its load.
pub fn check_variant(
    model: &VariantReport,
    kmod: &str,
    outcome: Outcome,
    text: &str,
) -> Result<Option<String>, String> {
    if outcome == Outcome::BuildError {
        return Ok(None);
    }
    match &model.load {
        None => reachable(model, kmod, outcome, text).map(Some),
        Some(load) => match loads(kmod, outcome, text)
            .into_iter()
            .find(|r| &r.params == load)
        {
            None => Ok(None),
            Some(run) => reachable_load(model, kmod, &run).map(Some),
        },
    }
}

/// `reachable` for one load of a run, naming the load on a mismatch.
fn reachable_load(model: &VariantReport, kmod: &str, run: &Load) -> Result<String, String> {
    reachable(model, kmod, run.outcome, &run.text)
        .map_err(|e| format!("after `{}`: {e}", insmod_line(kmod, &run.params)))
}

/// The name of the reachable outcome of `model` that a run ending in
/// `outcome` with output `text` is: one the model says can be observed as
/// `outcome` whose dmesg the module's lines of the run are.
///
/// Are, exactly, with one allowance: after a use-after-free the task that
/// touched freed memory may die in an oops or a panic, or block (hung-task),
/// so such a run may stop printing at the stale access. It must still print
/// every line the model's witness prints before that access, in order, and
/// nothing else: a run that printed nothing (a module that never reached its
/// bug) does not show a use-after-free. A use-after-free the kernel carried
/// on through (observed `clean` or `warn`) prints all of its lines.
/// (`examples::cross_check` accepts any prefix; verify does not use it.)
fn reachable(
    model: &VariantReport,
    kmod: &str,
    outcome: Outcome,
    text: &str,
) -> Result<String, String> {
    let lines = module_lines(kmod, text);
    let observed = outcome.as_str();
    // A use-after-free often comes with a fault that ends the module's
    // code (a pointer read from poisoned memory).
    let stopped = matches!(
        outcome,
        Outcome::Oops | Outcome::Panic | Outcome::HungTask | Outcome::UseAfterFree
    );
    let shows = |o: &OutcomeReport| {
        if !o.observed_as.iter().any(|c| c == observed) {
            return false;
        }
        if o.dmesg == lines {
            return true;
        }
        match printed_before_fault(o) {
            Some(before) if stopped => {
                (before..o.dmesg.len()).contains(&lines.len())
                    && o.dmesg[..lines.len()] == lines[..]
            }
            _ => false,
        }
    };
    if let Some(o) = model.outcomes.iter().find(|o| shows(o)) {
        return Ok(o.name.clone());
    }
    let mut why = format!(
        "observed `{observed}` with dmesg {lines:?}, which the model of `{kmod}` ({}) cannot \
         reach; reachable:",
        model.variant
    );
    for o in &model.outcomes {
        why.push_str(&format!(
            "\n  {} [observed as {}] dmesg {:?}",
            o.name,
            o.observed_as.join("|"),
            o.dmesg
        ));
    }
    let sim = crate::run::sim::scenario_of_kmod(kmod).unwrap_or(kmod);
    Err(format!(
        "not a reachable outcome of its model (simulation `{sim}`, `{}`): {why}",
        crate::run::sim::command(sim)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::host::matrix::Matrix;
    use crate::manifest;
    use crate::snapshot::Store;
    use std::path::Path;

    fn snapshot(kmod: &str, kernel: &str) -> String {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../kmods")
            .join(kmod);
        Store::new(&dir, kmod).expected(kernel).unwrap().unwrap().1
    }

    #[test]
    fn module_lines_are_the_prefixed_ones() {
        let text = "$ insmod cancel_created.ko nr_threads=3 fail_at=2\n\
                    cancel_created: created thread 0\n\
                    insmod: ERROR: could not insert module /lib/modules/cancel_created.ko: Cannot allocate memory\n\
                    \x20never_checks_stop_init+<OFF> [never_checks_stop]\n\
                    cancel_created: thread 0 exit code -4\n";
        assert_eq!(
            module_lines("cancel_created", text),
            ["created thread 0", "thread 0 exit code -4"]
        );
    }

    #[test]
    fn every_accepted_run_of_a_modelled_listing_is_reachable() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let matrix = Matrix::load(&repo.join("kernels.toml")).unwrap();
        let scenarios = manifest::discover(&repo.join("kmods"), &matrix.ids()).unwrap();
        let mut checked = 0;
        for s in &scenarios {
            let models = examples::models_for_kmod(&s.name);
            if models.is_empty() {
                continue;
            }
            for k in &matrix.kernels {
                let store = Store::new(&s.dir, &s.name);
                let Some((_, text)) = store.expected(&k.id).unwrap() else {
                    continue; // a listing being written; verify reports it
                };
                let hit = check(&models, &s.name, s.expected(&k.id), &text);
                assert!(
                    matches!(hit, Ok(Some(_))),
                    "{} on {}: {hit:?}",
                    s.name,
                    k.id
                );
                checked += 1;
            }
        }
        assert_eq!(checked, 13 * matrix.kernels.len(), "13 modelled listings");
    }

    #[test]
    fn a_run_the_model_cannot_reach_fails_with_what_was_seen() {
        let model = examples::models_for_kmod("stop_after_run");
        let text = snapshot("stop_after_run", "6.1");
        let hit = check(&model, "stop_after_run", Outcome::Clean, &text).unwrap();
        assert!(hit.unwrap().contains("threadfn never ran"));

        // The same dmesg, but the kernel hung: not a way the model can end.
        let err = check(&model, "stop_after_run", Outcome::HungTask, &text).unwrap_err();
        assert!(err.contains("observed `hung-task`"), "{err}");
        assert!(err.contains("simulation `stop_after_run`"), "{err}");
        assert!(
            err.contains("cargo run -p examples --bin stop_after_run"),
            "{err}"
        );
        assert!(err.contains("reachable:"), "lists what is reachable: {err}");

        // -EINTR, yet the function ran: no interleaving prints that.
        let forged = text.replace("thread function ran: no", "thread function ran: yes");
        let err = check(&model, "stop_after_run", Outcome::Clean, &forged).unwrap_err();
        assert!(err.contains("thread function ran: yes"), "{err}");

        // A module that stops a thread which never checks for it cannot end clean.
        let model = examples::models_for_kmod("never_checks_stop");
        let text = snapshot("never_checks_stop", "latest");
        assert!(check(&model, "never_checks_stop", Outcome::HungTask, &text).is_ok());
        assert!(check(&model, "never_checks_stop", Outcome::Clean, &text).is_err());

        // Nothing ran, nothing to check.
        assert_eq!(
            check(&model, "never_checks_stop", Outcome::BuildError, "error"),
            Ok(None)
        );
    }

    /// The use-after-free listings: a run that printed nothing, or stopped
    /// before the lines the model prints ahead of the stale access, is not
    /// the use-after-free (the old prefix rule accepted both).
    #[test]
    fn a_use_after_free_run_must_print_its_lines() {
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let matrix = Matrix::load(&repo.join("kernels.toml")).unwrap();
        for kmod in ["complete_then_return", "oneshot_stop_after_exit"] {
            let models = examples::models_for_kmod(kmod);
            assert!(!models.is_empty(), "{kmod} is modelled");
            let scenario =
                manifest::Scenario::load(&repo.join("kmods").join(kmod), &matrix.ids()).unwrap();
            for k in matrix.ids() {
                let text = snapshot(kmod, &k);
                let outcome = scenario.expected(&k);
                assert!(
                    matches!(check(&models, kmod, outcome, &text), Ok(Some(_))),
                    "{kmod} on {k}: the accepted run is reachable"
                );
                let prefix = format!("{kmod}: ");
                let silent: String = text
                    .lines()
                    .filter(|l| !l.starts_with(&prefix))
                    .map(|l| format!("{l}\n"))
                    .collect();
                for o in Outcome::ALL {
                    let hit = check(&models, kmod, o, &silent);
                    assert!(
                        o == Outcome::BuildError || hit.is_err(),
                        "{kmod} on {k}: a run that printed nothing passed as {o}: {hit:?}"
                    );
                }
            }
        }
        // oneshot_stop_after_exit prints two lines before kthread_stop()
        // touches the freed task_struct: a run cut after the first is not it.
        let models = examples::models_for_kmod("oneshot_stop_after_exit");
        let uaf = models[0]
            .outcomes
            .iter()
            .find(|o| printed_before_fault(o).is_some())
            .unwrap();
        assert_eq!(printed_before_fault(uaf), Some(2));
        let all = "oneshot_stop_after_exit: one-shot work done, thread returns 0\n\
                   oneshot_stop_after_exit: calling kthread_stop on the finished thread\n\
                   oneshot_stop_after_exit: kthread_stop returned 0\n";
        let two: String = all.lines().take(2).map(|l| format!("{l}\n")).collect();
        let one: String = all.lines().take(1).map(|l| format!("{l}\n")).collect();
        let k = "oneshot_stop_after_exit";
        assert!(check(&models, k, Outcome::Oops, all).is_ok());
        assert!(check(&models, k, Outcome::Oops, &two).is_ok());
        assert!(check(&models, k, Outcome::Oops, &one).is_err());
        // The kernel carried on (5.10's refcount WARN): every line is due.
        assert!(check(&models, k, Outcome::Warn, all).is_ok());
        assert!(check(&models, k, Outcome::Warn, &two).is_err());
    }

    /// A run that loads its module twice is checked load by load, each
    /// against the variant for its parameters.
    #[test]
    fn each_load_is_checked_against_its_own_variant() {
        let models = examples::models_for_kmod("lost_wakeup");
        assert_eq!(models.len(), 2);
        let text = snapshot("lost_wakeup", "6.1");
        let runs = loads("lost_wakeup", Outcome::Clean, &text);
        let params: Vec<&str> = runs.iter().map(|r| r.params.as_str()).collect();
        assert_eq!(params, ["fixed=0", "fixed=1"]);
        assert!(runs.iter().all(|r| r.outcome == Outcome::Clean));
        let hit = check(&models, "lost_wakeup", Outcome::Clean, &text)
            .unwrap()
            .unwrap();
        assert!(
            hit.starts_with("insmod lost_wakeup.ko fixed=0: clean"),
            "{hit}"
        );
        assert!(
            hit.contains("; insmod lost_wakeup.ko fixed=1: clean"),
            "{hit}"
        );

        // The fixed sleeper losing its wake-up is not reachable.
        let (broken, fixed) = text.split_once("$ insmod lost_wakeup.ko fixed=1").unwrap();
        let lost = broken
            .split_once("$ insmod lost_wakeup.ko fixed=0")
            .unwrap()
            .1
            .replace("broken sleeper", "fixed sleeper");
        let forged = format!("{broken}$ insmod lost_wakeup.ko fixed=1{lost}");
        let err = check(&models, "lost_wakeup", Outcome::Clean, &forged).unwrap_err();
        assert!(
            err.starts_with("after `insmod lost_wakeup.ko fixed=1`"),
            "{err}"
        );
        assert!(!fixed.is_empty());

        // A load no variant models fails and says what to add.
        let other = text.replace("fixed=1", "fixed=2");
        let err = check(&models, "lost_wakeup", Outcome::Clean, &other).unwrap_err();
        assert!(
            err.contains("`insmod lost_wakeup.ko fixed=2` has no model"),
            "{err}"
        );
        assert!(err.contains("load: Some(\"fixed=2\")"), "{err}");

        // A crash report ends the part it is in; the last part takes a
        // timeout nothing in the text shows.
        let text = "$ insmod m.ko\nm: a\n$ rmmod m\n$ insmod m.ko x=1\nm: b\n\
                    BUG: kernel NULL pointer dereference, address: 0000000000000000\n";
        let runs = loads("m", Outcome::Oops, text);
        assert_eq!(runs[0].outcome, Outcome::Clean);
        assert_eq!(runs[0].params, "");
        assert_eq!(runs[1].outcome, Outcome::Oops);
        let runs = loads(
            "m",
            Outcome::Timeout,
            "$ insmod m.ko\n$ insmod m.ko x=1\nm: b\n",
        );
        assert_eq!(runs[0].outcome, Outcome::Clean);
        assert_eq!(runs[1].outcome, Outcome::Timeout);
    }
}
