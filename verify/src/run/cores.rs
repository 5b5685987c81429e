//! Admission of guests to the host's cores: a pair takes a core before its
//! build and boot, and gives it back while its guest is idle (asleep in a
//! `sleep` step, blocked in a hang), so another pair can start meanwhile.
//! More guests than cores run at once only when the extra ones are idle;
//! how many may exist at all is bounded by memory ([`guest_slots`]).

use std::sync::{Arc, Condvar, Mutex};

/// The cores guests may keep busy, and how many they keep busy now.
#[derive(Debug)]
pub struct Cores {
    cores: usize,
    busy: Mutex<usize>,
    freed: Condvar,
}

/// One pair's hold on a core; dropped, it gives the core back.
#[derive(Debug)]
pub struct Claim {
    cores: Arc<Cores>,
    held: Mutex<bool>,
}

impl Cores {
    /// `cores` busy guests at most (at least 1).
    pub fn new(cores: usize) -> Self {
        Cores {
            cores: cores.max(1),
            busy: Mutex::new(0),
            freed: Condvar::new(),
        }
    }

    /// Waits until fewer than `cores` claims are busy, then takes one.
    pub fn take(self: &Arc<Self>) -> Claim {
        let mut busy = self.busy.lock().unwrap_or_else(|e| e.into_inner());
        while *busy >= self.cores {
            busy = self.freed.wait(busy).unwrap_or_else(|e| e.into_inner());
        }
        *busy += 1;
        Claim {
            cores: self.clone(),
            held: Mutex::new(true),
        }
    }

    /// Claims busy now (for tests and progress).
    pub fn busy(&self) -> usize {
        *self.busy.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl Claim {
    /// The guest went idle (`true`: its core is given back and a waiting
    /// pair may start) or busy again (`false`: it counts again at once,
    /// even above the limit: a running guest cannot be made to wait, so the
    /// limit holds back only new starts).
    pub fn set_idle(&self, idle: bool) {
        let mut held = self.held.lock().unwrap_or_else(|e| e.into_inner());
        if *held != idle {
            return;
        }
        *held = !idle;
        let mut busy = self.cores.busy.lock().unwrap_or_else(|e| e.into_inner());
        if idle {
            *busy -= 1;
            self.cores.freed.notify_one();
        } else {
            *busy += 1;
        }
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.set_idle(true);
    }
}

/// How many guests may exist at once for `cores` busy ones: twice the
/// cores, fewer when memory is short. Each guest has 256 MiB
/// ([`crate::guest::vm`]'s `-m`) and QEMU's own memory around it, and its
/// pair builds a module beside it: 1 GiB of `MemAvailable` (`/proc/meminfo`,
/// kibibytes) per guest. At least `cores`.
pub fn guest_slots(cores: usize, meminfo: &str) -> usize {
    let available_kib = meminfo
        .lines()
        .find_map(|l| l.strip_prefix("MemAvailable:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse::<u64>().ok());
    let by_memory = available_kib.map_or(cores, |k| (k / (1024 * 1024)) as usize);
    (2 * cores).min(by_memory).max(cores)
}

/// Whether a guest is idle, from its QEMU's CPU time: below a fifth of one
/// core over the last [`IDLE_WINDOW`]. An idle TCG guest (vCPUs halted in
/// the kernel's idle loop, the tick stopped) uses a few percent; one that
/// boots, builds its page tables or runs a step uses a whole core.
pub const IDLE_SHARE: f64 = 0.2;

/// How often the CPU time of a guest's QEMU is sampled.
pub const IDLE_WINDOW: std::time::Duration = std::time::Duration::from_millis(500);

/// The CPU time (user plus system, seconds) of process `pid` and all its
/// threads, from `/proc/PID/stat` (fields 14 and 15, `utime` and `stime`,
/// in clock ticks: `proc(5)`); `None` when it cannot be read.
pub fn cpu_secs(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // comm, field 2, may hold spaces and parentheses: count from its end.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3 (state): utime is field 14, index 11.
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // SAFETY: sysconf has no preconditions.
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) };
    (hz > 0).then(|| ticks as f64 / hz as f64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Duration;

    #[test]
    fn an_idle_guest_lets_the_next_pair_start_and_counts_again_when_busy() {
        let cores = Arc::new(Cores::new(1));
        let first = cores.take();
        let started = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                let _second = cores.take();
                started.store(true, Ordering::SeqCst);
            });
            std::thread::sleep(Duration::from_millis(100));
            // One core, held: the second pair waits.
            assert!(!started.load(Ordering::SeqCst));
            first.set_idle(true);
        });
        assert!(started.load(Ordering::SeqCst));
        // Busy again: it counts at once, and a third pair would wait.
        first.set_idle(false);
        first.set_idle(false);
        assert_eq!(cores.busy(), 1);
        drop(first);
        assert_eq!(cores.busy(), 0);
    }

    #[test]
    fn guests_are_bounded_by_cores_and_memory() {
        let mem = |gib: u64| format!("MemTotal: 99 kB\nMemAvailable: {} kB\n", gib * 1024 * 1024);
        assert_eq!(guest_slots(2, &mem(24)), 4);
        assert_eq!(guest_slots(2, &mem(3)), 3);
        // Short of memory, still the cores; unreadable, the cores.
        assert_eq!(guest_slots(2, &mem(0)), 2);
        assert_eq!(guest_slots(2, ""), 2);
    }

    #[test]
    fn cpu_time_of_this_process_is_read() {
        let t = cpu_secs(std::process::id()).expect("own /proc/PID/stat");
        assert!(t >= 0.0);
        assert!(cpu_secs(u32::MAX).is_none());
    }
}
