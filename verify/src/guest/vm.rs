//! Booting a kernel under QEMU (TCG) and capturing its serial console.
//!
//! Every QEMU runs in a process group of its own, so a hung guest is killed
//! whole when its time is up. Nothing here touches the host kernel's modules.

use anyhow::{Context, Result};
use std::io::Read;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Kernel command line: serial console, and watchdogs in seconds rather than
/// minutes so hangs are reported within a scenario's time limit; the
/// thresholds themselves are the scenario's ([`cmdline`]).
///
/// `tsc_early_khz`: microvm has no HPET or PM timer, so the kernel calibrates
/// the TSC against the PIT, which fails when the host is busy; the kernel then
/// hung early in boot, printing nothing (seen on 6.1 with two guests and a
/// build sharing two cores). A fixed value skips that calibration; since it
/// is not the real rate, `tsc=unstable` keeps the kernel from using the TSC
/// as its clock, or its watchdog would say so in the middle of a scenario.
///
/// `no_console_suspend`: a frozen guest (`echo freeze > /sys/power/state`)
/// keeps printing to the console, so what happens while it sleeps is seen.
pub const CMDLINE: &str = "console=ttyS0 quiet panic=-1 printk.devkmsg=on \
     no_console_suspend tsc_early_khz=2000000 tsc=unstable \
     sysctl.kernel.hung_task_check_interval_secs=1 \
     sysctl.kernel.hung_task_warnings=1";

/// [`CMDLINE`] with a scenario's thresholds: `hung_task_secs` for
/// `kernel.hung_task_timeout_secs` (`sysctl.*` on the command line works
/// from 5.8), `watchdog_thresh` for the soft-lockup detector (reports after
/// twice that), then the scenario's own parameters (`extra`, already
/// checked by [`crate::manifest`]: one parameter each, none of these).
pub fn cmdline(hung_task_secs: u32, watchdog_thresh: u32, extra: &[String]) -> String {
    let mut c = format!(
        "{CMDLINE} watchdog_thresh={watchdog_thresh} \
         sysctl.kernel.hung_task_timeout_secs={hung_task_secs}"
    );
    for p in extra {
        c.push(' ');
        c.push_str(p);
    }
    c
}

/// How often the host writes to a frozen guest's console to wake it: the
/// guest sleeps at most this long once frozen. A byte that comes before the
/// guest sleeps is only console input, which nothing reads.
const WAKE_EVERY: Duration = Duration::from_millis(1000);

/// Which kernel image booted: [`crate::run::pair`] tries the vmlinux first.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boot {
    /// `-kernel vmlinux` through the PVH entry point.
    Pvh,
    /// `-kernel bzImage`, the fallback.
    BzImage,
    /// Resumed from the saved state of a boot ([`crate::guest::restore`]).
    Resumed,
}

/// The accelerator QEMU runs the guest with ([`crate::guest::accel`] chooses).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Accel {
    /// Software emulation: works on any host, slower.
    Tcg,
    /// The host kernel's KVM, with the host's CPU model.
    Kvm,
}

impl Accel {
    /// `-M` and `-cpu` for QEMU.
    fn qemu_args(self) -> [&'static str; 4] {
        match self {
            Accel::Tcg => ["-M", "microvm,accel=tcg", "-cpu", "max"],
            Accel::Kvm => ["-M", "microvm,accel=kvm", "-cpu", "host"],
        }
    }
}

impl std::fmt::Display for Accel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            Accel::Tcg => "tcg",
            Accel::Kvm => "kvm",
        })
    }
}

/// How QEMU ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// Something in the guest wrote this byte to isa-debug-exit; the init
    /// writes [`crate::guest::initramfs::DONE`] after its end event, but a module
    /// can write the port too, so only the side channel says the init
    /// finished.
    Guest(u8),
    /// QEMU exited by itself otherwise: 0 when the guest rebooted or
    /// panicked (`-no-reboot`, `panic=-1`). Any other code is QEMU's own
    /// failure, which [`Machine::run`] returns as an error.
    Qemu(Option<i32>),
    /// Killed after the time limit.
    TimedOut,
    /// Killed after the init finished (its end event is on the channel) but
    /// the guest did not power off.
    Settled,
    /// Killed once the hang the scenario expects was shown: its watchdog
    /// report complete and the init stuck behind it ([`EarlyEnd`]).
    Shown,
}

/// What QEMU's exit code means: isa-debug-exit makes QEMU exit with
/// `2*value+1`, so 3 and up, odd; QEMU's own failures exit 1 ("could not
/// load kernel"), which is not a guest's status.
pub fn exit_of_code(code: Option<i32>) -> Exit {
    match code {
        Some(c) if c >= 3 && c % 2 == 1 => Exit::Guest(((c - 1) / 2) as u8),
        other => Exit::Qemu(other),
    }
}

/// What one QEMU run left: its output, how it ended, how long it took.
#[derive(Debug)]
pub struct Run {
    /// The serial console (ttyS0) as printed, lossily decoded.
    pub console: String,
    /// The side channel (ttyS1) as written, lossily decoded.
    pub channel: String,
    /// QEMU's own messages.
    pub stderr: String,
    /// How QEMU ended; a failure of QEMU itself is an `Err` of [`Machine::run`]
    /// instead.
    pub exit: Exit,
    /// Why the run was stopped before the guest finished, when it was: the
    /// snapshot and the report say so.
    pub cut: Option<String>,
    /// Wall seconds from QEMU's start to its end, boot included.
    pub secs: f64,
}

/// One QEMU microvm (TCG or KVM, 256 MiB, `-nodefaults`; the console on
/// ttyS0, the side channel on ttyS1, isa-debug-exit) booting `kernel`.
pub struct Machine<'a> {
    /// The vmlinux (PVH entry) or the bzImage of the build root.
    pub kernel: &'a Path,
    /// The cpio archive of [`crate::guest::initramfs::build`].
    pub initrd: &'a Path,
    /// Where QEMU writes the side channel (a new file each run).
    pub channel: &'a Path,
    /// CPUs (`-smp`): the scenario's `vcpus`.
    pub vcpus: u32,
    /// The kernel command line ([`cmdline`]).
    pub cmdline: String,
    /// How long the scenario may run, counted from the init's start event so
    /// that a slow boot on a busy host does not eat into it.
    pub time_limit: Duration,
    /// How long the kernel may take to reach its init's start event.
    pub boot_limit: Duration,
    /// The steps (numbered from 1, as the side channel numbers them) that
    /// freeze the system: while one runs, the host writes to the console
    /// every [`WAKE_EVERY`] to wake the guest.
    pub wake_steps: Vec<usize>,
    /// TCG, or KVM where its smoke boot passed.
    pub accel: Accel,
    /// For a scenario whose point is a hang: end the run once it is shown,
    /// not at the time limit. `None`: run until the init ends or the limit.
    pub early_end: Option<EarlyEnd>,
    /// Told when the guest goes idle (`true`) or busy again (`false`),
    /// judged from QEMU's CPU time ([`crate::run::cores`]); it starts busy.
    pub on_idle: Option<&'a (dyn Fn(bool) + Sync)>,
    /// A raw image attached read-only as a virtio-blk disk (the payload of
    /// a resumed run, [`crate::guest::restore`]); a saved state must be
    /// resumed with the same devices it was saved with.
    pub disk: Option<&'a Path>,
    /// Resume the guest saved in this file (QEMU's migration stream)
    /// instead of booting it; until the init's start event the host writes
    /// a newline to the console every [`PING_EVERY`], which the saved init
    /// waits for ([`crate::guest::restore`]).
    pub incoming: Option<&'a Path>,
}

/// How often the host writes a newline to a resumed guest's console until
/// its init starts: bytes that arrive while QEMU is still loading the saved
/// state are lost (the load replaces the UART's receive FIFO), so one write
/// is not enough.
pub const PING_EVERY: Duration = Duration::from_millis(10);

/// When a run whose expected outcome is a watchdog report may end before its
/// time limit: once a header line of that report has been printed ([`crate::text::console::classify`]),
/// the console and the side channel have then been silent for [`QUIET`],
/// and the init's current step cannot be making progress: a step begun
/// before the header, other than a `sleep` that still has time to run (its
/// length and [`QUIET`]), or a `wait`, whenever it began (it waits only for
/// background steps, none of them a `sleep`: [`EarlyEnd::waits`]). The
/// hung-task detector reports one task once per boot
/// (`kernel.hung_task_warnings=1`, [`CMDLINE`]: that report brings the count
/// to 0 and no later scan prints; `check_hung_task()`, on 7.2
/// `hung_task_info()`, in `kernel/hung_task.c`), and a CPU that stays stuck
/// is reported as a soft lockup again only after another
/// `2 * watchdog_thresh` s (slightly more) since the last report
/// (`watchdog_timer_fn()` in `kernel/watchdog.c` restarts the period when
/// it reports: `update_touch_ts()` on 5.10, `update_report_ts()` from 6.1),
/// so nothing the waiting would add is part of the listing's point; the run's last line says why it
/// ended, as it does for a time limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EarlyEnd {
    /// The watchdog outcome the kernel is expected to report
    /// ([`crate::text::outcome::Outcome::HungTask`], `SoftLockup`, `RcuStall`).
    pub outcome: crate::text::outcome::Outcome,
    /// The foreground `sleep` steps: (step number from 1, its length).
    pub sleeps: Vec<(usize, Duration)>,
    /// The `wait` steps (numbers from 1), when no background step is a
    /// `sleep`: what such a `wait` waits for began before it and has not
    /// ended. Empty when a background `sleep` could end it.
    pub waits: Vec<usize>,
}

/// How long the guest must be silent after the expected report before an
/// [`EarlyEnd`]: a report prints in one burst (tens of milliseconds under
/// TCG), and a step that is getting on prints or ends within this.
pub const QUIET: Duration = Duration::from_secs(1);

impl EarlyEnd {
    /// Whether the hang is shown at `now`: the expected report's header came
    /// at `report_at`, nothing was printed for `quiet_for`, and the init's
    /// latest step (number, command, when it started) cannot end by itself.
    fn shown(
        &self,
        report_at: Option<Instant>,
        quiet_for: Duration,
        step: Option<&(usize, String, Instant)>,
        now: Instant,
    ) -> bool {
        let (Some(report), Some((n, _, began))) = (report_at, step) else {
            return false;
        };
        if quiet_for < QUIET || (*began > report && !self.waits.contains(n)) {
            return false;
        }
        match self.sleeps.iter().find(|(s, _)| s == n) {
            Some((_, length)) => now.duration_since(*began) >= *length + QUIET,
            None => true,
        }
    }
}

/// What the side channel has said so far, read incrementally from its file:
/// each poll reads the bytes QEMU wrote since the last one and parses only
/// the lines they complete, so a long run never parses its channel again.
#[derive(Default)]
struct ChannelWatch {
    file: Option<std::fs::File>,
    bytes: Vec<u8>,
    /// `bytes[..parsed]` are complete lines already parsed.
    parsed: usize,
    started: bool,
    finished: bool,
    /// The freeze step that has started and not yet ended, if any: the
    /// guest may be asleep, waiting for the host to wake it.
    freezing: Option<usize>,
    /// The freeze steps' numbers ([`Machine::wake_steps`]).
    wake_steps: Vec<usize>,
    /// The latest step the init started: number, command, when the host
    /// read its start event.
    step: Option<(usize, String, Instant)>,
}

/// The lines of `bytes` completed since `*parsed` (up to and including the
/// last newline, lossily decoded), moving `*parsed` past them; `None` while
/// no new line is complete. Each byte is decoded once however the output
/// arrives in chunks.
fn complete_lines<'a>(bytes: &'a [u8], parsed: &mut usize) -> Option<std::borrow::Cow<'a, str>> {
    let end = *parsed + bytes[*parsed..].iter().rposition(|&b| b == b'\n')? + 1;
    let text = String::from_utf8_lossy(&bytes[*parsed..end]);
    *parsed = end;
    Some(text)
}

impl ChannelWatch {
    /// Reads what QEMU has written since the last call.
    fn poll(&mut self, path: &Path) {
        if self.file.is_none() {
            self.file = std::fs::File::open(path).ok();
        }
        let Some(f) = self.file.as_mut() else {
            return;
        };
        if f.read_to_end(&mut self.bytes).is_err() {
            return;
        }
        self.take_new_lines();
    }

    /// Parses the lines completed since the last call.
    fn take_new_lines(&mut self) {
        let Some(text) = complete_lines(&self.bytes, &mut self.parsed) else {
            return;
        };
        let text = text.into_owned();
        let (records, _) = crate::guest::channel::parse(&text);
        for r in &records {
            if let crate::guest::channel::Event::Step { n, command } = &r.event {
                self.step = Some((*n, command.clone(), Instant::now()));
            }
            match &r.event {
                crate::guest::channel::Event::Start => self.started = true,
                crate::guest::channel::Event::End => self.finished = true,
                crate::guest::channel::Event::Step { n, .. } if self.wake_steps.contains(n) => {
                    self.freezing = Some(*n)
                }
                crate::guest::channel::Event::Exit { n, .. } if self.freezing == Some(*n) => {
                    self.freezing = None
                }
                _ => {}
            }
        }
    }
}

impl Machine<'_> {
    /// QEMU's command line for this machine, its stdio piped, in a
    /// process group of its own that dies with verify.
    pub fn command(&self) -> Command {
        let mut c = Command::new("qemu-system-x86_64");
        c.args(self.accel.qemu_args())
            .args(["-m", "256M"])
            .args(["-smp", &self.vcpus.to_string()])
            .args(["-nodefaults", "-no-user-config", "-display", "none"])
            .args(["-no-reboot", "-serial", "stdio"])
            .arg("-chardev")
            .arg(format!(
                "file,id=channel,path={}",
                self.channel.display().to_string().replace(',', ",,")
            ))
            .arg("-device")
            .arg(format!(
                "isa-serial,chardev=channel,iobase={:#x},irq={}",
                crate::guest::channel::IOBASE,
                crate::guest::channel::IRQ
            ))
            .args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"])
            .args(
                self.disk
                    .map(|d| {
                        [
                            "-drive".to_string(),
                            format!(
                                "file={},format=raw,if=none,id=payload,readonly=on",
                                d.display().to_string().replace(',', ",,")
                            ),
                            "-device".to_string(),
                            "virtio-blk-device,drive=payload".to_string(),
                        ]
                    })
                    .into_iter()
                    .flatten(),
            )
            .args(
                self.incoming
                    .map(|f| {
                        [
                            "-incoming".to_string(),
                            format!(
                                "exec:cat {}",
                                crate::manifest::shell_quote(&f.display().to_string())
                            ),
                        ]
                    })
                    .into_iter()
                    .flatten(),
            )
            .arg("-kernel")
            .arg(self.kernel)
            .arg("-initrd")
            .arg(self.initrd)
            .args(["-append", &self.cmdline])
            // The console's input: a byte there wakes a frozen guest.
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .process_group(0);
        // SAFETY: prctl is async-signal-safe; it makes the kernel kill QEMU
        // if verify dies (Ctrl-C, a panic) instead of leaving a hung guest
        // running without its time limit.
        unsafe {
            c.pre_exec(|| {
                if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGKILL) == -1 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        c
    }

    /// Boots the guest and watches it until it powers off or its time is
    /// up. A kernel report does not end the run: the kernel often carries
    /// on, and the steps after it belong to the run (`rw_bind_after_run`); a
    /// guest that cannot go on either resets (a panic, with `panic=-1`) or
    /// stays silent until its time limit. Errors: QEMU could not start, or
    /// failed by itself (`qemu_failure`), with QEMU's message.
    pub fn run(&self) -> Result<Run> {
        let started = Instant::now();
        let _ = std::fs::remove_file(self.channel);
        let mut child = self
            .command()
            .spawn()
            .context("starting qemu-system-x86_64")?;
        let pgid = child.id() as i32;
        // The reader only appends, under a lock held for a copy; the console
        // is split and scanned once, after the run, so QEMU's serial output
        // never waits on the harness. (A reader that rescanned the whole
        // console under its lock lost or mangled lines of a 100,000-line
        // flood, cases/trust/flood.)
        let (console, reader) = collect(child.stdout.take().expect("piped"));
        let mut err = child.stderr.take().expect("piped");
        let err_reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });

        let mut console_in = child.stdin.take();
        let mut woken_at: Option<Instant> = None;
        let mut channel = ChannelWatch {
            wake_steps: self.wake_steps.clone(),
            ..ChannelWatch::default()
        };
        let mut scenario_started: Option<Instant> = None;
        let mut finished_at: Option<Instant> = None;
        let mut cut = None;
        // The console is scanned for the expected report line by line, each
        // line once, as it comes.
        let mut scanned = 0usize;
        let mut heard = (0usize, 0usize);
        let mut quiet_since = Instant::now();
        let mut report_at: Option<Instant> = None;
        // Each run starts busy, whatever the last run of its pair ended as.
        let mut idle = false;
        if let Some(tell) = self.on_idle {
            tell(false);
        }
        let mut sampled = (Instant::now(), 0.0f64);
        let mut pinged_at: Option<Instant> = None;
        let exit = loop {
            if let Some(status) = child.try_wait()? {
                break exit_of_code(status.code());
            }
            channel.poll(self.channel);
            if let Some(tell) = self.on_idle {
                if sampled.0.elapsed() >= crate::run::cores::IDLE_WINDOW {
                    if let Some(cpu) = crate::run::cores::cpu_secs(child.id()) {
                        let share = (cpu - sampled.1) / sampled.0.elapsed().as_secs_f64();
                        let now_idle = share < crate::run::cores::IDLE_SHARE;
                        if now_idle != idle {
                            idle = now_idle;
                            tell(idle);
                        }
                        sampled = (Instant::now(), cpu);
                    }
                }
            }
            if let Some(early) = &self.early_end {
                let bytes = console.lock().unwrap();
                if (bytes.len(), channel.bytes.len()) != heard {
                    heard = (bytes.len(), channel.bytes.len());
                    quiet_since = Instant::now();
                }
                if report_at.is_none() {
                    if let Some(text) = complete_lines(&bytes, &mut scanned) {
                        if text
                            .lines()
                            .any(|l| crate::text::console::classify(l) == Some(early.outcome))
                        {
                            report_at = Some(Instant::now());
                        }
                    }
                }
            }
            if channel.started && scenario_started.is_none() {
                scenario_started = Some(Instant::now());
            }
            if self.incoming.is_some()
                && !channel.started
                && pinged_at.is_none_or(|t| t.elapsed() >= PING_EVERY)
            {
                if let Some(input) = console_in.as_mut() {
                    use std::io::Write;
                    if input.write_all(b"\n").and_then(|_| input.flush()).is_err() {
                        console_in = None;
                    }
                }
                pinged_at = Some(Instant::now());
            }
            if channel.freezing.is_some() {
                if woken_at.is_none_or(|t| t.elapsed() >= WAKE_EVERY) {
                    if let Some(input) = console_in.as_mut() {
                        use std::io::Write;
                        // A guest that stopped reading its console only
                        // loses the wake-up; the run goes on to its limit.
                        if input.write_all(b"\n").and_then(|_| input.flush()).is_err() {
                            console_in = None;
                        }
                    }
                    woken_at = Some(Instant::now());
                }
            } else {
                woken_at = None;
            }
            if channel.finished && finished_at.is_none() {
                finished_at = Some(Instant::now());
            }
            // Why the run ends now that its hang is shown, if it is.
            let shown = self.early_end.as_ref().and_then(|e| {
                let (_, command, _) = channel.step.as_ref()?;
                (!channel.finished
                    && channel.freezing.is_none()
                    && e.shown(
                        report_at,
                        quiet_since.elapsed(),
                        channel.step.as_ref(),
                        Instant::now(),
                    ))
                .then(|| {
                    format!(
                        "ended: the expected {} report is complete and `{command}` is stuck behind it",
                        e.outcome
                    )
                })
            });
            let killed = if finished_at.is_some_and(|t| t.elapsed() >= POWEROFF_LIMIT) {
                // The init is done (its end event is on the channel); a
                // poweroff that does not come is not the listing's business.
                Some(Exit::Settled)
            } else if let Some(why) = shown {
                cut = Some(why);
                Some(Exit::Shown)
            } else if match scenario_started {
                Some(t) => t.elapsed() >= self.time_limit,
                None => started.elapsed() >= self.boot_limit,
            } {
                cut = Some(match scenario_started {
                    Some(_) => format!(
                        "stopped: the time limit of {} s was reached",
                        self.time_limit.as_secs()
                    ),
                    None => format!(
                        "stopped: the guest did not reach its init within {} s",
                        self.boot_limit.as_secs()
                    ),
                });
                Some(Exit::TimedOut)
            } else {
                None
            };
            if let Some(exit) = killed {
                // SAFETY: kill(2) on the process group we created; no memory involved.
                unsafe { libc::kill(-pgid, libc::SIGKILL) };
                child.wait()?;
                break exit;
            }
            std::thread::sleep(if self.incoming.is_some() && !channel.started {
                PING_EVERY
            } else {
                Duration::from_millis(50)
            });
        };
        reader.join().ok();
        channel.poll(self.channel);
        let stderr = err_reader.join().unwrap_or_default();
        let console = String::from_utf8_lossy(&console.lock().unwrap()).into_owned();
        let exit = qemu_failure(exit, &stderr, &console)?;
        Ok(Run {
            console,
            channel: String::from_utf8_lossy(&channel.bytes).into_owned(),
            stderr,
            exit,
            cut,
            secs: started.elapsed().as_secs_f64(),
        })
    }
}

/// Reads `out` (QEMU's console) to its end in a thread of its own, only
/// appending under a lock held for a copy, so the guest's serial output
/// never waits on the harness: the bytes so far, and the thread.
pub fn collect(
    mut out: impl Read + Send + 'static,
) -> (Arc<Mutex<Vec<u8>>>, std::thread::JoinHandle<()>) {
    let console = Arc::new(Mutex::new(Vec::<u8>::new()));
    let sink = console.clone();
    let reader = std::thread::spawn(move || {
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n) = out.read(&mut buf) {
            if n == 0 {
                break;
            }
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    (console, reader)
}

/// How long a guest whose init has finished may take to power off.
const POWEROFF_LIMIT: Duration = Duration::from_secs(5);

/// QEMU's own failures exit non-zero and say why on stderr ("Error while
/// loading elf kernel", exit 1): an error with QEMU's message. A guest
/// that wrote 0 or 128 to isa-debug-exit makes QEMU exit 1 too (the exit
/// status keeps 8 bits of `2*value+1`), silently and after the guest
/// printed: that is the guest's doing, [`Exit::Guest`].
fn qemu_failure(exit: Exit, stderr: &str, console: &str) -> Result<Exit> {
    match exit {
        Exit::Qemu(Some(code)) if code != 0 => {
            if stderr.trim().is_empty() && !console.is_empty() && code == 1 {
                Ok(Exit::Guest(0))
            } else {
                anyhow::bail!("qemu-system-x86_64 failed (exit {code}): {}", stderr.trim())
            }
        }
        other => Ok(other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_channel_is_read_line_by_line_whatever_the_chunks() {
        let t = "a".repeat(crate::guest::channel::TOKEN_LEN);
        let text = format!(
            "{t} start\n{t} step 1: echo freeze > /sys/power/state\n{t} step 1: exit 0\n{t} step 2: sleep 1\n{t} end\n"
        );
        // Each byte boundary a read could end on: the state after the
        // bytes so far is that of the complete lines among them.
        for cut in 0..=text.len() {
            let mut w = ChannelWatch {
                wake_steps: vec![1],
                ..ChannelWatch::default()
            };
            w.bytes.extend_from_slice(&text.as_bytes()[..cut]);
            w.take_new_lines();
            let seen = &text[..cut];
            let complete = &seen[..seen.rfind('\n').map_or(0, |i| i + 1)];
            assert_eq!(w.started, complete.contains(" start\n"), "{cut}");
            let in_freeze = complete.contains("step 1: echo") && !complete.contains("step 1: exit");
            assert_eq!(w.freezing.is_some(), in_freeze, "{cut}");
            w.bytes.extend_from_slice(&text.as_bytes()[cut..]);
            w.take_new_lines();
            assert!(w.started && w.finished && w.freezing.is_none(), "{cut}");
            assert_eq!(w.parsed, text.len());
        }
    }

    /// The host wakes the guest only while a freeze step runs: from its
    /// start event to its exit event, as the side channel says.
    #[test]
    fn freezing_lasts_from_the_freeze_step_to_its_exit() {
        let path = std::env::temp_dir().join(format!("verify-freeze-{}.log", std::process::id()));
        let tok = |i: u32| format!("{i:032x}");
        let mut text = format!(
            "{} start\n{} step 1: echo freeze > /sys/power/state\n",
            tok(1),
            tok(2)
        );
        std::fs::write(&path, &text).unwrap();
        let watch = || ChannelWatch {
            wake_steps: vec![1],
            ..ChannelWatch::default()
        };
        let mut w = watch();
        w.poll(&path);
        assert!(w.started && w.freezing.is_some() && !w.finished);
        text.push_str(&format!(
            "{} step 1: exit 0\n{} step 2: echo 1 > /proc/x\n",
            tok(3),
            tok(4)
        ));
        std::fs::write(&path, &text).unwrap();
        w.poll(&path);
        assert!(w.freezing.is_none());
        // Another step, or a line that merely prints the words, is not a
        // freeze.
        let mut w = watch();
        std::fs::write(
            &path,
            format!(
                "{} step 2: cat /proc/x\n{} out: step 1: echo freeze > /sys/power/state\n",
                tok(5),
                tok(6)
            ),
        )
        .unwrap();
        w.poll(&path);
        assert!(w.freezing.is_none());
        std::fs::remove_file(&path).unwrap();
    }

    /// A hang run ends once the report is out, the guest is quiet and the
    /// init's step cannot end by itself; never before any of the three.
    #[test]
    fn a_hang_is_shown_once_its_report_is_out_and_the_init_is_stuck() {
        use crate::text::outcome::Outcome;
        let e = EarlyEnd {
            outcome: Outcome::HungTask,
            sleeps: vec![(3, Duration::from_secs(6))],
            waits: vec![6],
        };
        let t0 = Instant::now();
        let at = |s: f64| t0 + Duration::from_secs_f64(s);
        let step = |n: usize, began: f64| (n, format!("step {n}"), at(began));
        let quiet = QUIET;
        // `wait` (step 5) under way before the report: shown once quiet.
        assert!(e.shown(Some(at(4.0)), quiet, Some(&step(5, 3.0)), at(5.0)));
        assert!(!e.shown(Some(at(4.0)), quiet / 2, Some(&step(5, 3.0)), at(5.0)));
        // No report yet, or a step begun after it (the init went on).
        assert!(!e.shown(None, quiet, Some(&step(5, 3.0)), at(5.0)));
        assert!(!e.shown(Some(at(4.0)), quiet, Some(&step(5, 4.5)), at(6.0)));
        assert!(!e.shown(Some(at(4.0)), quiet, None, at(6.0)));
        // `sleep 6` (step 3) begun at 1 s: still sleeping at 6.9 s, stuck
        // behind the report only once 6 s and the quiet time have passed
        // (a 1-CPU soft lockup never lets the init run again).
        assert!(!e.shown(Some(at(4.0)), quiet, Some(&step(3, 1.0)), at(7.9)));
        assert!(e.shown(Some(at(4.0)), quiet, Some(&step(3, 1.0)), at(8.0)));
        // A `wait` (step 6) begun after the report still waits on what
        // began before it; without a `waits` entry it counts as progress.
        assert!(e.shown(Some(at(4.0)), quiet, Some(&step(6, 9.0)), at(10.0)));
        let no_waits = EarlyEnd {
            waits: Vec::new(),
            ..e.clone()
        };
        assert!(!no_waits.shown(Some(at(4.0)), quiet, Some(&step(6, 9.0)), at(10.0)));
    }

    #[test]
    fn exit_codes() {
        // QEMU's own failure ("Error while loading elf kernel") exits 1:
        // never a guest's value.
        assert_eq!(exit_of_code(Some(1)), Exit::Qemu(Some(1)));
        assert_eq!(exit_of_code(Some(0)), Exit::Qemu(Some(0)));
        // The init's value, 42, as QEMU reports it.
        assert_eq!(
            exit_of_code(Some(2 * crate::guest::initramfs::DONE as i32 + 1)),
            Exit::Guest(crate::guest::initramfs::DONE)
        );
        assert_eq!(exit_of_code(Some(3)), Exit::Guest(1));
        assert_eq!(exit_of_code(None), Exit::Qemu(None));
        // QEMU's failure, with its message (as QEMU 7.2 words a vmlinux cut
        // short), is an error; the same code from a guest is not.
        let e = qemu_failure(
            Exit::Qemu(Some(1)),
            "qemu-system-x86_64: Error while loading elf kernel\n",
            "",
        )
        .unwrap_err();
        assert!(
            e.to_string().contains("Error while loading elf kernel"),
            "{e}"
        );
        assert_eq!(
            qemu_failure(
                Exit::Qemu(Some(1)),
                "",
                "[    1.0] forge_exit: powering off\n"
            )
            .unwrap(),
            Exit::Guest(0)
        );
        assert_eq!(
            qemu_failure(Exit::Qemu(Some(0)), "", "").unwrap(),
            Exit::Qemu(Some(0))
        );
    }
}
