//! The guest under hostile listings, on every kernel of the matrix, under
//! QEMU (issue 9, points 4 and 6): a module's printk cannot forge the init's
//! markers or its end, nor its exit status; a console flood arrives whole.

mod common;

use common::{kernels, normalized, scratch, verify};

#[test]
fn a_listing_cannot_forge_the_harness() {
    let names = [
        "forge_step",
        "forge_end",
        "forge_end_panic",
        "forge_token",
        "forge_exit",
    ];
    let cases: Vec<(&str, &str)> = names.iter().map(|n| ("trust", *n)).collect();
    let dir = scratch("forge", &cases);
    let ran = verify(&dir, &names);
    let mut failures = Vec::new();
    for k in kernels() {
        let mut check = |name: &str, outcome: &str, has: &[&str], lacks: &[&str]| {
            let e = ran.entry(name, &k);
            let text = normalized(&dir, &k, name);
            if e["outcome"] != outcome {
                failures.push(format!(
                    "{name} on {k}: outcome {} not {outcome}",
                    e["outcome"]
                ));
            }
            if !e["problem"].is_null() && e["outcome"] == outcome && e["snapshot"] != "missing" {
                failures.push(format!("{name} on {k}: {}", e["problem"]));
            }
            for h in has {
                if !text.lines().any(|l| l == *h) {
                    failures.push(format!("{name} on {k}: no line {h:?} in\n{text}"));
                }
            }
            for l in lacks {
                if text.lines().any(|t| t == *l) {
                    failures.push(format!("{name} on {k}: line {l:?} in\n{text}"));
                }
            }
        };
        // The module's marker-like lines are its text; the only step is insmod.
        check(
            "forge_step",
            "clean",
            &[
                "$ insmod forge_step.ko",
                "verify: step 2: rmmod forge_step",
                "verify: out: everything is fine",
            ],
            &["$ rmmod forge_step", "everything is fine"],
        );
        // A printed end marker does not end the run: the NULL write after it
        // is an oops, and the grace period and the end come after it.
        check("forge_end", "oops", &["verify: end"], &[]);
        check("forge_end_panic", "panic", &["verify: end"], &[]);
        // Markers in the current form, with tokens of the right shape, are
        // still the module's: the real rmmod step follows them.
        check(
            "forge_token",
            "clean",
            &["$ insmod forge_token.ko", "$ rmmod forge_token"],
            &["$ rmmod forge_token.ko"],
        );
        // A module that writes the init's own value to isa-debug-exit powers
        // the guest off, but the init did not finish, and the run says so.
        check(
            "forge_exit",
            "timeout",
            &["[stopped: the guest powered off before its init finished]"],
            &[],
        );
        let t = normalized(&dir, &k, "forge_token");
        let at = |s: &str| t.find(s).unwrap_or(usize::MAX);
        if !(at("]: end") < at("$ rmmod forge_token") && at("$ rmmod forge_token") < at("unloaded"))
        {
            failures.push(format!(
                "forge_token on {k}: forged end, real rmmod and unload out of order:\n{t}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_console_flood_arrives_whole() {
    // 100,000 printk lines while the harness reads the console: a reader
    // that stalls QEMU's serial output makes the guest's 8250 driver drop or
    // mangle characters.
    let dir = scratch("flood", &[("trust", "flood")]);
    let ran = verify(&dir, &["flood"]);
    for k in kernels() {
        assert_eq!(ran.entry("flood", &k)["outcome"], "clean", "flood on {k}");
        let text = normalized(&dir, &k, "flood");
        let numbers: Vec<usize> = text
            .lines()
            .filter_map(|l| l.strip_prefix("flood: flood line "))
            .map(|n| n.parse().unwrap_or(usize::MAX))
            .collect();
        let others: Vec<&str> = text
            .lines()
            .filter(|l| !l.starts_with("flood: flood line "))
            .collect();
        assert_eq!(numbers.len(), 100_000, "flood on {k}: {others:?}");
        assert!(
            numbers.iter().enumerate().all(|(i, n)| i == *n),
            "flood on {k}: lines out of order or mangled"
        );
        assert_eq!(
            others,
            ["$ insmod flood.ko", "$ rmmod flood"],
            "flood on {k}: other lines"
        );
    }
}

#[test]
fn a_damaged_vmlinux_falls_back_to_the_bzimage() {
    // QEMU refuses a vmlinux cut short ("Error while loading elf kernel",
    // exit 1);
    // that exit is QEMU's, not a guest's, and the run boots the bzImage.
    let repo = common::repo();
    let matrix = verify::host::matrix::Matrix::load(&repo.join("kernels.toml")).unwrap();
    let kernel = &matrix.select(&["6.1".to_string()]).unwrap()[0];
    let cache = verify::host::provision::default_cache_dir();
    let bar = indicatif::ProgressBar::hidden();
    let mut root = verify::host::provision::ensure(&cache, kernel, &bar).unwrap();
    let work = repo.join("target/verify-cases/damaged-vmlinux");
    std::fs::create_dir_all(&work).unwrap();
    let whole = std::fs::read(root.vmlinux.as_ref().expect("a vmlinux for 6.1")).unwrap();
    let cut = work.join("vmlinux-cut");
    std::fs::write(&cut, &whole[..whole.len() / 2]).unwrap();
    assert!(verify::host::vmlinux::check_file(&cut).is_err());
    root.vmlinux = Some(cut);
    let ids = matrix.ids();
    let sc = verify::manifest::Scenario::load(&repo.join("kmods/stop_after_run"), &ids).unwrap();
    let paths = verify::run::pair::Paths {
        work: work.join("pair"),
        insmod: verify::host::kbuild::guest_insmod(&root, &work.join("guest")).unwrap(),
        accel: verify::guest::vm::Accel::Tcg,
        on_idle: None,
        saved: None,
    };
    let out = {
        let _one = common::one_at_a_time();
        verify::run::pair::run(&root, &sc, &paths).unwrap()
    };
    assert_eq!(out.boot, Some(verify::guest::vm::Boot::BzImage));
    assert_eq!(
        out.outcome,
        verify::text::outcome::Outcome::Clean,
        "{}",
        out.text
    );
}

#[test]
fn the_accelerator_is_chosen_by_a_smoke_boot_that_cannot_hang() {
    // On this project's machine kind /dev/kvm is there and QEMU aborts on it
    // ("failed to set MSR 0x10a"); elsewhere it may work or be absent. Either
    // way the choice comes within the smoke boot's limit, says why, and the
    // chosen accelerator boots a listing.
    let repo = common::repo();
    let matrix = verify::host::matrix::Matrix::load(&repo.join("kernels.toml")).unwrap();
    let kernel = &matrix.select(&["6.1".to_string()]).unwrap()[0];
    let cache = verify::host::provision::default_cache_dir();
    let root =
        verify::host::provision::ensure(&cache, kernel, &indicatif::ProgressBar::hidden()).unwrap();
    let work = repo.join("target/verify-cases/accel");
    let insmod = verify::host::kbuild::guest_insmod(&root, &work.join("guest")).unwrap();
    let _one = common::one_at_a_time();
    let started = std::time::Instant::now();
    let choice = verify::guest::accel::choose(&root, &insmod, &work.join("smoke")).unwrap();
    assert!(
        started.elapsed() < std::time::Duration::from_secs(30),
        "the choice took {:?}",
        started.elapsed()
    );
    let kvm_opens = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/kvm")
        .is_ok();
    if !kvm_opens {
        assert_eq!(choice.accel, verify::guest::vm::Accel::Tcg);
        assert!(choice.why.contains("/dev/kvm"), "{}", choice.why);
    }
    let sc = verify::manifest::Scenario::load(&repo.join("kmods/stop_after_run"), &matrix.ids())
        .unwrap();
    let paths = verify::run::pair::Paths {
        work: work.join("pair"),
        insmod,
        accel: choice.accel,
        on_idle: None,
        saved: None,
    };
    let out = verify::run::pair::run(&root, &sc, &paths).unwrap();
    assert_eq!(
        out.outcome,
        verify::text::outcome::Outcome::Clean,
        "{} ({}):\n{}",
        choice.accel,
        choice.why,
        out.text
    );
}

#[test]
fn a_resumed_run_starts_clean_whatever_the_last_one_left() {
    // Two runs resumed from one saved state (6.1): the first loads
    // fifo_thread and leaves it loaded, its threads running and the kernel
    // tainted by an out-of-tree module; the second, resumed after it, sees
    // none of that. Both say so through the same steps, so the first
    // shows that the steps would see a leak.
    let (repo, matrix, root) = root_6_1();
    let work = repo.join("target/verify-cases/resume-clean");
    let (insmod, store) = empty_store(&root, &work);
    let look = r#""cat /proc/modules", "cat /proc/sys/kernel/tainted", "show rt_deaf""#;
    let scenario = |steps: &str| {
        verify::manifest::Scenario::parse(
            &repo.join("kmods/fifo_thread"),
            &format!(
                "title = 't'\ntitle_zh = 't'\nvcpus = 1\ntime_limit = 30\nexpect = 'clean'\nsteps = [{steps}]\n"
            ),
            &matrix.ids(),
        )
        .unwrap()
    };
    let paths = verify::run::pair::Paths {
        work: work.join("pair"),
        insmod,
        accel: verify::guest::vm::Accel::Tcg,
        on_idle: None,
        saved: Some(store),
    };
    let _one = common::one_at_a_time();
    let first = verify::run::pair::run(
        &root,
        &scenario(&format!(r#""insmod fifo_thread.ko", {look}"#)),
        &paths,
    )
    .unwrap();
    let second = verify::run::pair::run(&root, &scenario(look), &paths).unwrap();
    for out in [&first, &second] {
        assert_eq!(
            out.boot,
            Some(verify::guest::vm::Boot::Resumed),
            "{:?}",
            out.boot_why
        );
    }
    // Resumed from one state, the two runs still draw their own tokens:
    // the saved init reseeds the guest's CRNG from the host.
    let start_token = |channel: &str| -> String {
        channel
            .lines()
            .find(|l| l.ends_with(" start"))
            .and_then(|l| l.split(' ').next())
            .unwrap_or_default()
            .to_string()
    };
    assert_eq!(
        start_token(&first.channel).len(),
        verify::guest::channel::TOKEN_LEN
    );
    assert_ne!(start_token(&first.channel), start_token(&second.channel));
    let lines = |t: &str, after: &str| -> Vec<String> {
        t.lines()
            .skip_while(|l| !l.starts_with(after))
            .skip(1)
            .take_while(|l| !l.starts_with("$ "))
            .map(str::to_string)
            .collect()
    };
    // The first run's steps see its module, the taint and the thread.
    assert!(
        lines(&first.text, "$ cat /proc/modules")
            .iter()
            .any(|l| l.starts_with("fifo_thread ")),
        "{}",
        first.text
    );
    assert_ne!(lines(&first.text, "$ cat /proc/sys/kernel/tainted"), ["0"]);
    let shown = lines(&first.text, "$ show rt_deaf");
    assert!(
        !shown.is_empty() && !shown.iter().any(|l| l.contains("no kernel thread")),
        "{}",
        first.text
    );
    // The second run's do not: no module (the harness's virtio modules are
    // gone too), no taint, no thread.
    assert!(
        lines(&second.text, "$ cat /proc/modules").is_empty(),
        "{}",
        second.text
    );
    assert_eq!(
        lines(&second.text, "$ cat /proc/sys/kernel/tainted"),
        ["0"],
        "{}",
        second.text
    );
    assert_eq!(
        lines(&second.text, "$ show rt_deaf"),
        ["show: no kernel thread named rt_deaf", "[exit status 1]"],
        "{}",
        second.text
    );
}

#[test]
fn a_state_that_cannot_be_resumed_makes_the_run_boot_and_say_why() {
    // A saved state damaged on disk: QEMU refuses it, the run boots, passes
    // as its snapshot, and its report says why it booted.
    let (repo, matrix, root) = root_6_1();
    let work = repo.join("target/verify-cases/resume-damaged");
    let (insmod, store) = empty_store(&root, &work);
    let sc = verify::manifest::Scenario::load(&repo.join("kmods/stop_after_run"), &matrix.ids())
        .unwrap();
    let _one = common::one_at_a_time();
    let saved = store.get(&root, sc.vcpus, sc.watchdog_thresh).unwrap();
    std::fs::write(&saved.state, b"not a QEMU migration stream").unwrap();
    let paths = verify::run::pair::Paths {
        work: work.join("pair"),
        insmod,
        accel: verify::guest::vm::Accel::Tcg,
        on_idle: None,
        saved: Some(store.clone()),
    };
    let out = verify::run::pair::run(&root, &sc, &paths).unwrap();
    assert_eq!(out.boot, Some(verify::guest::vm::Boot::Pvh));
    let why = out.boot_why.clone().unwrap_or_default();
    assert!(why.starts_with("resuming failed: "), "{why}");
    assert_eq!(
        out.outcome,
        verify::text::outcome::Outcome::Clean,
        "{}",
        out.text
    );
    // The damaged file is gone, and the next run boots without trying it.
    assert!(!saved.state.exists());
    let again = verify::run::pair::run(&root, &sc, &paths).unwrap();
    assert_eq!(again.boot, Some(verify::guest::vm::Boot::Pvh));
    assert!(again.boot_why.is_some());
}

/// The repository, its matrix and 6.1's build root.
fn root_6_1() -> (
    std::path::PathBuf,
    verify::host::matrix::Matrix,
    verify::host::provision::Root,
) {
    let repo = common::repo();
    let matrix = verify::host::matrix::Matrix::load(&repo.join("kernels.toml")).unwrap();
    let kernel = &matrix.select(&["6.1".to_string()]).unwrap()[0];
    let cache = verify::host::provision::default_cache_dir();
    let root =
        verify::host::provision::ensure(&cache, kernel, &indicatif::ProgressBar::hidden()).unwrap();
    (repo, matrix, root)
}

/// The guest's insmod, and a store of saved guests in `work/saved` with
/// no state made yet.
fn empty_store(
    root: &verify::host::provision::Root,
    work: &std::path::Path,
) -> (
    std::path::PathBuf,
    std::sync::Arc<verify::guest::restore::Store>,
) {
    let _ = std::fs::remove_dir_all(work.join("saved"));
    let insmod = verify::host::kbuild::guest_insmod(root, &work.join("guest")).unwrap();
    let reseed = verify::host::kbuild::guest_reseed(root, &work.join("guest")).unwrap();
    let store = std::sync::Arc::new(verify::guest::restore::Store::new(
        work.join("saved"),
        insmod.clone(),
        reseed,
        verify::guest::vm::Accel::Tcg,
    ));
    (insmod, store)
}
