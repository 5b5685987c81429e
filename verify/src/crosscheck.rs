//! The model against the kernel: for a listing that a simulation models
//! (`examples::model_for_kmod`), what a real kernel did -- verify's outcome
//! and the module's own dmesg lines -- must be one of the model's reachable
//! outcomes. A run the model cannot reach means the listing, the model or
//! the classification is wrong; the run fails, naming what was seen and what
//! the model can reach.

use crate::outcome::Outcome;
use examples::VariantReport;

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

/// Checks one run of `kmod` that ended in `outcome` with normalized output
/// `text`. `Ok(Some(name))`: the reachable outcome it is; `Ok(None)`: nothing
/// ran (a build error is outside what the model describes); `Err`: why no
/// reachable outcome matches.
pub fn check(
    model: &VariantReport,
    kmod: &str,
    outcome: Outcome,
    text: &str,
) -> Result<Option<String>, String> {
    if outcome == Outcome::BuildError {
        return Ok(None);
    }
    let lines = module_lines(kmod, text);
    examples::cross_check(model, outcome.as_str(), &lines)
        .map(|o| Some(o.name.clone()))
        .map_err(|e| {
            let sim = crate::sim::scenario_of_kmod(kmod).unwrap_or(kmod);
            format!(
                "not a reachable outcome of its model (simulation `{sim}`, `{}`): {e}",
                crate::sim::command(sim)
            )
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest;
    use crate::matrix::Matrix;
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
            let Some(model) = examples::model_for_kmod(&s.name) else {
                continue;
            };
            for k in &matrix.kernels {
                let store = Store::new(&s.dir, &s.name);
                let Some((_, text)) = store.expected(&k.id).unwrap() else {
                    continue; // a listing being written; verify reports it
                };
                let hit = check(&model, &s.name, s.expected(&k.id), &text);
                assert!(
                    matches!(hit, Ok(Some(_))),
                    "{} on {}: {hit:?}",
                    s.name,
                    k.id
                );
                checked += 1;
            }
        }
        assert!(checked >= 4 * matrix.kernels.len(), "{checked}");
    }

    #[test]
    fn a_run_the_model_cannot_reach_fails_with_what_was_seen() {
        let model = examples::model_for_kmod("stop_after_run").unwrap();
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
        let model = examples::model_for_kmod("never_checks_stop").unwrap();
        let text = snapshot("never_checks_stop", "latest");
        assert!(check(&model, "never_checks_stop", Outcome::HungTask, &text).is_ok());
        assert!(check(&model, "never_checks_stop", Outcome::Clean, &text).is_err());

        // Nothing ran, nothing to check.
        assert_eq!(
            check(&model, "never_checks_stop", Outcome::BuildError, "error"),
            Ok(None)
        );
    }
}
