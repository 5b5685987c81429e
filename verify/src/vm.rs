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
/// minutes so hangs are reported within a scenario's time limit.
///
/// `tsc_early_khz`: microvm has no HPET or PM timer, so the kernel calibrates
/// the TSC against the PIT, which fails when the host is busy; the kernel then
/// hung early in boot, printing nothing (seen on 6.1 with two guests and a
/// build sharing two cores). A fixed value skips that calibration; since it
/// is not the real rate, `tsc=unstable` keeps the kernel from using the TSC
/// as its clock, or its watchdog would say so in the middle of a scenario.
pub const CMDLINE: &str = "console=ttyS0 quiet panic=-1 printk.devkmsg=on \
     tsc_early_khz=2000000 tsc=unstable \
     watchdog_thresh=2 sysctl.kernel.hung_task_timeout_secs=3 \
     sysctl.kernel.hung_task_check_interval_secs=1 \
     sysctl.kernel.hung_task_warnings=1";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Boot {
    /// `-kernel vmlinux` through the PVH entry point.
    Pvh,
    /// `-kernel bzImage`, the fallback.
    BzImage,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Exit {
    /// The guest wrote this status to isa-debug-exit.
    Guest(u8),
    /// QEMU exited by itself otherwise (0: the guest rebooted or panicked).
    Qemu(Option<i32>),
    /// Killed after the time limit.
    TimedOut,
    /// Killed after a crash report was followed by silence.
    Settled,
}

#[derive(Debug)]
pub struct Run {
    pub console: String,
    /// QEMU's own messages.
    pub stderr: String,
    pub exit: Exit,
    pub secs: f64,
}

pub struct Machine<'a> {
    pub kernel: &'a Path,
    pub initrd: &'a Path,
    pub vcpus: u32,
    /// How long the scenario may run, counted from the guest's start marker so
    /// that a slow boot on a busy host does not eat into it.
    pub time_limit: Duration,
    /// How long the kernel may take to reach its init's start marker.
    pub boot_limit: Duration,
    /// The line the guest's init prints first.
    pub start_marker: &'a str,
    /// Stop once this much silence follows the first crash report.
    pub settle: Duration,
    /// Whether a console line starts a crash report.
    pub is_report: fn(&str) -> bool,
}

impl Machine<'_> {
    fn command(&self) -> Command {
        let mut c = Command::new("qemu-system-x86_64");
        c.args(["-M", "microvm,accel=tcg", "-cpu", "max", "-m", "256M"])
            .args(["-smp", &self.vcpus.to_string()])
            .args(["-nodefaults", "-no-user-config", "-display", "none"])
            .args(["-no-reboot", "-serial", "stdio"])
            .args(["-device", "isa-debug-exit,iobase=0xf4,iosize=0x04"])
            .arg("-kernel")
            .arg(self.kernel)
            .arg("-initrd")
            .arg(self.initrd)
            .args(["-append", CMDLINE])
            .stdin(Stdio::null())
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

    pub fn run(&self) -> Result<Run> {
        let started = Instant::now();
        let mut child = self
            .command()
            .spawn()
            .context("starting qemu-system-x86_64")?;
        let pgid = child.id() as i32;
        let console = Arc::new(Mutex::new(Vec::<u8>::new()));
        let mut out = child.stdout.take().expect("piped");
        let sink = console.clone();
        let reader = std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 {
                    break;
                }
                sink.lock().unwrap().extend_from_slice(&buf[..n]);
            }
        });
        let mut err = child.stderr.take().expect("piped");
        let err_reader = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = err.read_to_string(&mut s);
            s
        });

        let mut last_len = 0;
        let mut last_change = Instant::now();
        let (mut reported, mut booted) = (false, false);
        let mut scenario_started: Option<Instant> = None;
        let exit = loop {
            if let Some(status) = child.try_wait()? {
                break match status.code() {
                    Some(c) if c % 2 == 1 => Exit::Guest(((c - 1) / 2) as u8),
                    other => Exit::Qemu(other),
                };
            }
            {
                // The console only grows: look again only when it has.
                let c = console.lock().unwrap();
                if c.len() != last_len {
                    last_len = c.len();
                    last_change = Instant::now();
                    let text = String::from_utf8_lossy(&c);
                    reported = text.lines().any(|l| (self.is_report)(l));
                    booted = text.contains(self.start_marker);
                }
            }
            if booted && scenario_started.is_none() {
                scenario_started = Some(Instant::now());
            }
            let out_of_time = match scenario_started {
                Some(t) => t.elapsed() >= self.time_limit,
                None => started.elapsed() >= self.boot_limit,
            };
            let killed = if out_of_time {
                Some(Exit::TimedOut)
            } else if reported && last_change.elapsed() >= self.settle {
                Some(Exit::Settled)
            } else {
                None
            };
            if let Some(exit) = killed {
                // SAFETY: kill(2) on the process group we created; no memory involved.
                unsafe { libc::kill(-pgid, libc::SIGKILL) };
                child.wait()?;
                break exit;
            }
            std::thread::sleep(Duration::from_millis(100));
        };
        reader.join().ok();
        let stderr = err_reader.join().unwrap_or_default();
        let console = String::from_utf8_lossy(&console.lock().unwrap()).into_owned();
        if let Exit::Qemu(Some(code)) = exit {
            if code != 0 && console.is_empty() {
                anyhow::bail!("qemu-system-x86_64 failed (exit {code}): {}", stderr.trim());
            }
        }
        Ok(Run {
            console,
            stderr,
            exit,
            secs: started.elapsed().as_secs_f64(),
        })
    }
}
