//! The texts of a new listing and of a new chapter: a kernel module with one
//! kthread that sleeps in a loop until `kthread_stop()`, its `Kbuild`, a
//! `scenario.toml` that runs it (every other key of the manifest shown,
//! commented out), and a stub chapter in each language that shows it.
//!
//! The module builds warning-free with `W=1` and passes (`clean`, the same
//! output on every run) on every kernel of the matrix as it is, so a
//! contributor starts from a listing that works.

use crate::manifest::COMM_MAX;

/// The caption of a new listing on the English pages (`title`).
pub const TITLE: &str = "A kthread that sleeps in a loop until kthread_stop()";
/// The caption of a new listing on the Chinese pages (`title_zh`).
pub const TITLE_ZH: &str = "循环睡眠、直到 kthread_stop() 的内核线程";

/// The kthread's name: the listing's, cut to what `/proc/PID/comm` shows
/// on every kernel of the matrix, so that `show` and `pkill` find it.
pub fn thread_name(name: &str) -> &str {
    &name[..name.len().min(COMM_MAX)]
}

/// `NAME.c`, in kernel coding style.
pub fn module_c(name: &str) -> String {
    // Function names start with the listing's name, as kernel code names
    // its functions; a name that starts with a digit is no C identifier.
    let prefix = if name.starts_with(|c: char| c.is_ascii_digit()) {
        format!("mod_{name}")
    } else {
        name.to_string()
    };
    let comm = thread_name(name);
    format!(
        r#"// SPDX-License-Identifier: GPL-2.0
/*
 * {name}: a kernel thread that sleeps in a loop until kthread_stop().
 *
 * Made by `cargo run -p verify -- new {name}`: replace this comment with
 * what the listing shows and why, and the thread's loop with the code that
 * shows it.
 *
 * The output is ordered by completions, not by timing, so that it is the
 * same on every run: module init returns only after the thread has printed
 * its first line (the completion "started"), and the thread is SCHED_FIFO,
 * so that on the guest's one CPU it runs as soon as it is woken and sleeps
 * again before the shell's next step: `show` finds it asleep, and
 * kthread_stop() finds it asleep or about to test kthread_should_stop():
 * the output is the same.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/completion.h>
#include <linux/err.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/sched.h>

static DECLARE_COMPLETION(started);
static struct task_struct *task;

static int {prefix}_fn(void *data)
{{
	sched_set_fifo_low(current);	/* only to make the run repeatable */
	pr_info("thread started\n");
	complete(&started);

	while (!kthread_should_stop()) {{
		/*
		 * kthread_stop() wakes this sleep; a stop that came between
		 * the test and the sleep waits at most for its timeout.
		 */
		schedule_timeout_interruptible(HZ);
	}}

	pr_info("thread stopping\n");
	return 0;
}}

static int __init {prefix}_init(void)
{{
	task = kthread_run({prefix}_fn, NULL, "{comm}");
	if (IS_ERR(task))
		return PTR_ERR(task);

	wait_for_completion(&started);
	return 0;
}}

static void __exit {prefix}_exit(void)
{{
	pr_info("kthread_stop() returned %d\n", kthread_stop(task));
}}

module_init({prefix}_init);
module_exit({prefix}_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("A kthread that sleeps in a loop until kthread_stop()");
"#
    )
}

/// `Kbuild`: the one module.
pub fn kbuild(name: &str) -> String {
    format!("obj-m += {name}.o\n")
}

/// `scenario.toml`: the required keys set to run the module, every optional
/// key and table commented out with what it does. `kernel_ids` are the
/// matrix's, so that an example uncommented names real kernels.
pub fn scenario(name: &str, kernel_ids: &[String]) -> String {
    let comm = thread_name(name);
    let first = kernel_ids.first().map_or("6.1", String::as_str);
    let rest: Vec<String> = kernel_ids
        .iter()
        .skip(usize::from(kernel_ids.len() > 1))
        .map(|k| format!("\"{k}\""))
        .collect();
    let rest = rest.join(", ");
    format!(
        r#"# How verify runs kmods/{name}/ and what it expects; README.md, "Adding
# an example", describes every key and every step.
title = "{TITLE}"  # the caption on the English pages
title_zh = "{TITLE_ZH}"  # the caption on the Chinese pages
vcpus = 1          # the guest's CPUs, 1 to 8 (one keeps the output in the same order)
time_limit = 30    # seconds the steps may take, 5 to 600
expect = "clean"   # clean, build-error, build-warning, warn, oops, use-after-free, panic, hung-task, soft-lockup, rcu-stall, freeze-failed, reboot, timeout
steps = [          # what the guest's root shell runs, in order (insmod, rmmod, sleep, cat, echo, pkill, show, wait; ` &` for the background)
  "insmod {name}.ko",  # module parameters may follow: count=3 msg='two words'
  "show {comm}",  # state, CPUs, policy and freezability of the kthreads named so
  "rmmod {name}",
]

# Optional: remove the `#` of a line to use it.
# cmdline = ["slub_debug=FZPU"]  # kernel parameters added to the harness's own
# hung_task_timeout_secs = 10  # 1 to 120: a task in D state this long is reported, within one to two times it (default 10)
# watchdog_thresh = 2  # 1 to 60: a soft lockup is reported after twice this (default 2)

# [expect_on]  # outcomes that differ on some kernels of kernels.toml
# "{first}" = "build-error"

# [[variant]]  # the same steps again on another machine, with snapshots of its own (repeatable)
# name = "full"  # lower-case, digits, `_`: its snapshots are {name}.full.snap and {name}.full@KERNEL.snap
# cmdline = ["preempt=full"]  # added to `cmdline`
# vcpus = 2  # instead of `vcpus`
# kernels = [{rest}]  # only these kernels
# expect = "clean"  # else the listing's `expect` and `expect_on`
# [variant.expect_on]  # the variant's outcomes that differ on some kernels
# "{first}" = "clean"

# [[measure]]  # a number the listing prints that differs from run to run (repeatable)
# name = "ran"  # [a-z0-9_]+, unique within the listing
# line = "ran=<N>/10000"  # the text printed, with exactly one <N>, a whole number
# at_least = 1  # lowest value a run may print, inclusive
# at_most = 9999  # highest value a run may print, inclusive
"#
    )
}

/// `src/en/SLUG.md`: a heading, a sentence, the listing.
pub fn chapter_en(name: &str) -> String {
    format!(
        "# {TITLE}\n\n\
         This chapter shows `{name}`, a kernel thread that sleeps in a loop until\n\
         `kthread_stop()` ends it.\n\n\
         {{{{#kmod {name}}}}}\n"
    )
}

/// `src/zh/SLUG.md`: the same in Chinese.
pub fn chapter_zh(name: &str) -> String {
    format!(
        "# {TITLE_ZH}\n\n\
         本章展示清单 `{name}`：一个在循环中睡眠的内核线程，直到 `kthread_stop()` 让它结束。\n\n\
         {{{{#kmod {name}}}}}\n"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::manifest::Scenario;
    use std::path::Path;

    fn ids() -> Vec<String> {
        ["5.10", "6.1", "6.12", "latest"].map(String::from).to_vec()
    }

    #[test]
    fn the_scenario_parses_and_runs_the_module() {
        let text = scenario("my_listing", &ids());
        let s = Scenario::parse(Path::new("kmods/my_listing"), &text, &ids()).unwrap();
        assert_eq!((s.title.as_str(), s.title_zh.as_str()), (TITLE, TITLE_ZH));
        assert_eq!(s.expect.as_str(), "clean");
        let steps: Vec<String> = s.steps.iter().map(|st| st.display()).collect();
        assert_eq!(
            steps,
            [
                "insmod my_listing.ko",
                "show my_listing",
                "rmmod my_listing"
            ]
        );
        assert!(s.variants.is_empty() && s.measures.is_empty() && s.expect_on.is_empty());
        // A long name: the thread, and so `show`, take the first 15 characters.
        let long = "a_listing_with_a_long_name";
        let s = Scenario::parse(Path::new(long), &scenario(long, &ids()), &ids()).unwrap();
        assert_eq!(s.steps[1].display(), "show a_listing_with_");
        assert!(module_c(long)
            .contains("kthread_run(a_listing_with_a_long_name_fn, NULL, \"a_listing_with_\")"));
    }

    /// The commented lines uncommented: every example is a valid value.
    fn uncommented(text: &str) -> String {
        text.lines()
            .map(|l| match l.strip_prefix("# ") {
                Some(rest)
                    if rest.starts_with('[')
                        || rest.starts_with('"')
                        || rest.split_once(" = ").is_some_and(|(k, _)| {
                            k.chars().all(|c| c.is_ascii_lowercase() || c == '_')
                        }) =>
                {
                    rest.to_string()
                }
                _ => l.to_string(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The keys serde expects in one table, read from its error for an
    /// unknown one (`expected one of `a`, `b``), so that a key added to the
    /// manifest later is missed here too.
    fn keys_expected(text: &str) -> Vec<String> {
        let e = format!(
            "{:#}",
            Scenario::parse(Path::new("demo"), text, &ids()).unwrap_err()
        );
        let list = e
            .split("expected one of ")
            .nth(1)
            .unwrap_or_else(|| panic!("no list of keys in: {e}"));
        list.lines()
            .next()
            .unwrap()
            .split(", ")
            .map(|k| k.split('`').nth(1).unwrap().to_string())
            .collect()
    }

    #[test]
    fn every_key_of_the_manifest_is_there_and_every_example_is_valid() {
        let text = scenario("demo", &ids());
        let full = uncommented(&text);
        let s = Scenario::parse(Path::new("kmods/demo"), &full, &ids())
            .unwrap_or_else(|e| panic!("{e:#}\n{full}"));
        assert_eq!(s.cmdline, ["slub_debug=FZPU"]);
        assert_eq!(s.variants.len(), 1);
        assert_eq!(s.measures.len(), 1);
        assert_eq!(s.expect_on.len(), 1);
        let top = keys_expected(&format!("unknown_key = 1\n{full}"));
        let variant =
            keys_expected(&full.replace("name = \"full\"", "name = \"full\"\nunknown_key = 1"));
        let measure =
            keys_expected(&full.replace("name = \"ran\"", "name = \"ran\"\nunknown_key = 1"));
        for (table, keys) in [
            ("", &top),
            ("[[variant]]", &variant),
            ("[[measure]]", &measure),
        ] {
            assert!(keys.len() >= 4, "{table}: {keys:?}");
            for k in keys {
                let line = text.lines().any(|l| {
                    let l = l.trim_start_matches("# ");
                    l.starts_with(&format!("{k} = "))
                        || l.starts_with(&format!("[{k}]"))
                        || l.starts_with(&format!("[[{k}]]"))
                        || l.starts_with(&format!("[variant.{k}]"))
                });
                assert!(
                    line,
                    "key `{k}` of {table} missing from the template:\n{text}"
                );
            }
        }
        // Every line commented out says what it is for.
        for l in text
            .lines()
            .filter(|l| l.starts_with("# ") && l.contains(" = ") || l.starts_with("# ["))
        {
            if !l.starts_with("# \"") {
                assert!(l.contains("  # "), "no explanation: {l}");
            }
        }
    }

    #[test]
    fn the_module_has_what_the_book_asks_of_a_listing() {
        let c = module_c("demo");
        assert!(c.starts_with("// SPDX-License-Identifier: GPL-2.0\n"));
        for needed in [
            "MODULE_LICENSE(\"GPL\");",
            "MODULE_DESCRIPTION(\"",
            "kthread_run(demo_fn, NULL, \"demo\")",
            "if (IS_ERR(task))",
            "while (!kthread_should_stop()) {",
            "schedule_timeout_interruptible(",
            "kthread_stop(task)",
            "pr_info(",
        ] {
            assert!(c.contains(needed), "{needed}");
        }
        // Kernel style: tabs for indentation, no line over 80 columns.
        for l in c.lines() {
            assert!(!l.starts_with("    "), "spaces: {l}");
            let columns = l.chars().fold(0, |col, c| match c {
                '\t' => col / 8 * 8 + 8,
                _ => col + 1,
            });
            assert!(columns <= 80, "long: {l}");
        }
        assert!(module_c("8250x").contains("static int __init mod_8250x_init(void)"));
        assert_eq!(kbuild("demo"), "obj-m += demo.o\n");
    }

    #[test]
    fn the_chapters_show_the_listing_in_both_languages() {
        for text in [chapter_en("demo"), chapter_zh("demo")] {
            assert!(text.starts_with("# "), "{text}");
            assert!(text.ends_with("{{#kmod demo}}\n"), "{text}");
        }
        assert!(chapter_zh("demo").contains("本章"));
    }
}
