//! The guest's side channel: what the guest's init did, told where printk
//! cannot write.
//!
//! A module can print anything into the kernel log, including text that looks
//! like the init's own marker lines (`cases/trust/forge_step`, `forge_end`).
//! So every event of the init goes two ways: into the kernel log, where it
//! interleaves with the kernel's messages in the order they happened, and to
//! a second serial port (ttyS1, `0x2f8`) that QEMU writes to a file of its
//! own and that is not a console. Each event carries a fresh random token, a
//! UUID the init reads from `/proc/sys/kernel/random/uuid` (122 random bits,
//! a new one at each read, and read with the shell's own `read`, so an event
//! costs the guest no process) only when the event is written, so a module
//! cannot know the token of an event that has not happened yet. A
//! console line is the init's only when its token and text are those of the
//! next event on the channel ([`crate::text::console::split`]); any other line is
//! the kernel's (or a module's) text, however it reads.
//!
//! What this stops is forging through the kernel log, the channel every
//! listing prints to. Module code runs in the kernel and could drive the
//! second UART itself (port I/O at 0x2f8, or the tty layer); no guest-side
//! scheme keeps out a listing set on that, and review of the C file is what
//! does.
//!
//! On the channel, one event a line: `TOKEN TEXT`; on the console,
//! `verify[TOKEN]: TEXT`. TOKEN is [`TOKEN_LEN`] lower-case hex digits.

/// Hex digits of an event's token: a UUID without its dashes.
pub const TOKEN_LEN: usize = 32;

/// The guest device of the channel, the second 16550 UART.
pub const GUEST_DEVICE: &str = "/dev/ttyS1";

/// The I/O port and IRQ of the channel's UART: the PC's COM2, where the
/// kernel's 8250 driver looks for a second port (`/proc/tty/driver/serial`
/// lists it as `1: uart:16550A port:000002F8`, seen on 5.10, 6.1 and 6.12).
pub const IOBASE: u16 = 0x2f8;
/// The channel UART's IRQ: COM2's, with [`IOBASE`].
pub const IRQ: u8 = 3;

/// One thing the guest's init did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// The init is about to run the scenario's first step.
    Start,
    /// Step `n` (from 1) starts; `command` is how the book shows it.
    Step {
        /// The step's place in the manifest's `steps`, from 1.
        n: usize,
        /// The step as [`crate::manifest::Step::display`] writes it.
        command: String,
    },
    /// One line the running step printed (stdout and stderr).
    Out(String),
    /// Step `n` ended with this exit status.
    Exit {
        /// The step's place in the manifest's `steps`, from 1.
        n: usize,
        /// `$?` of the step's shell, as the init printed it (`0`, `1`, …).
        status: String,
    },
    /// Every step ran, and the grace period after the last one passed.
    End,
}

impl Event {
    /// Reads an event's text (what follows the token), or `None` when it is
    /// not one the init writes.
    pub fn parse(text: &str) -> Option<Event> {
        match text {
            "start" => return Some(Event::Start),
            "end" => return Some(Event::End),
            _ => {}
        }
        if let Some(out) = text.strip_prefix("out: ") {
            return Some(Event::Out(out.to_string()));
        }
        if text == "out:" {
            return Some(Event::Out(String::new()));
        }
        let rest = text.strip_prefix("step ")?;
        let (n, what) = rest.split_once(": ")?;
        let n: usize = n.parse().ok()?;
        Some(match what.strip_prefix("exit ") {
            Some(status) => Event::Exit {
                n,
                status: status.to_string(),
            },
            None => Event::Step {
                n,
                command: what.to_string(),
            },
        })
    }
}

/// One line of the channel: a token and the event it vouches for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    /// [`TOKEN_LEN`] lower-case hex digits ([`is_token`]), fresh for this event.
    pub token: String,
    /// The event's text as the init wrote it, compared with the console's.
    pub text: String,
    /// `text`, parsed ([`Event::parse`]).
    pub event: Event,
}

/// Whether `s` is a token as the init makes them.
pub fn is_token(s: &str) -> bool {
    s.len() == TOKEN_LEN && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The channel's records, in order, and a description of each line that is
/// not one (the channel is the harness's own; a bad line is a fault of the
/// harness or the guest's userland, never of the listing). A last line
/// without its newline is left out: the guest was still writing it.
pub fn parse(channel: &str) -> (Vec<Record>, Vec<String>) {
    let mut records = Vec::new();
    let mut bad = Vec::new();
    let complete = match channel.rfind('\n') {
        Some(i) => &channel[..i + 1],
        None => "",
    };
    for (i, line) in complete.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        let parsed = line.split_once(' ').and_then(|(token, text)| {
            if !is_token(token) {
                return None;
            }
            Event::parse(text).map(|event| Record {
                token: token.to_string(),
                text: text.to_string(),
                event,
            })
        });
        match parsed {
            Some(r) => records.push(r),
            None => bad.push(format!("side channel line {}: {:?}", i + 1, line)),
        }
    }
    (records, bad)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn events_round_trip_the_texts_the_init_writes() {
        assert_eq!(Event::parse("start"), Some(Event::Start));
        assert_eq!(Event::parse("end"), Some(Event::End));
        assert_eq!(
            Event::parse("step 2: rmmod demo"),
            Some(Event::Step {
                n: 2,
                command: "rmmod demo".into()
            })
        );
        assert_eq!(
            Event::parse("step 2: exit 1"),
            Some(Event::Exit {
                n: 2,
                status: "1".into()
            })
        );
        assert_eq!(
            Event::parse("out: insmod: ERROR: could not insert module"),
            Some(Event::Out("insmod: ERROR: could not insert module".into()))
        );
        assert_eq!(Event::parse("out:"), Some(Event::Out(String::new())));
        assert_eq!(Event::parse("step x: rmmod demo"), None);
        assert_eq!(Event::parse("hello"), None);
    }

    #[test]
    fn channel_lines_need_a_token() {
        let (records, bad) = parse(
            "0123456789abcdef0123456789abcdef start\r\nnot-a-token start\n0123456789abcdef0123456789abcdeF end\nfedcba9876543210fedcba9876543210 step 1: sleep 1\nfedcba98",
        );
        assert_eq!(records.len(), 2);
        assert_eq!(records[0].event, Event::Start);
        assert_eq!(records[1].token, "fedcba9876543210fedcba9876543210");
        // The unfinished last line is not an error: the guest was writing it.
        assert_eq!(bad.len(), 2, "{bad:?}");
        assert!(bad[0].contains("line 2"), "{bad:?}");
        assert!(bad[1].contains("line 3"), "{bad:?}");
    }
}
