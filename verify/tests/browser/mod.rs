//! Headless Chromium driven over the Chrome DevTools Protocol, through the
//! pipe transport (`--remote-debugging-pipe`: JSON messages ending in NUL on
//! file descriptors 3 and 4), so no WebSocket client or driver is needed.

use serde_json::{json, Value};
use std::fs::File;
use std::io::{BufRead, BufReader, Write};
use std::os::fd::{FromRawFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError};
use std::time::{Duration, Instant};

const CALL_TIMEOUT: Duration = Duration::from_secs(60);

/// The Chromium to run: `$CHROMIUM`, else the first of the usual names on
/// PATH. Missing ones are installed by verify's prerequisite step, as for a
/// run (as root: installed; otherwise it fails with the `apt-get` command).
pub fn find_chromium() -> PathBuf {
    if let Some(p) = std::env::var_os("CHROMIUM") {
        return PathBuf::from(p);
    }
    if let Err(e) = verify::host::prereq::ensure() {
        panic!("the book's browser tests need headless Chromium: {e:#}");
    }
    let names = verify::host::prereq::CHROMIUMS;
    match names.into_iter().find(|n| verify::host::prereq::on_path(n)) {
        Some(name) => PathBuf::from(name),
        None => panic!(
            "this test needs headless Chromium and found none on PATH ({}); set CHROMIUM=/path/to/chrome",
            names.join(", ")
        ),
    }
}

pub struct Browser {
    child: Child,
    to_browser: File,
    from_browser: Receiver<Value>,
    next_id: u64,
    profile: PathBuf,
}

fn pipe() -> (RawFd, RawFd) {
    let mut fds = [0; 2];
    // SAFETY: fds is a valid array of two ints for pipe2 to fill.
    let rc = unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) };
    assert_eq!(rc, 0, "pipe2: {}", std::io::Error::last_os_error());
    (fds[0], fds[1])
}

impl Browser {
    /// Starts headless Chromium with a fresh profile.
    pub fn launch() -> Browser {
        let program = find_chromium();
        let profile = std::env::temp_dir()
            .join(format!(
                "verify-chromium-{}-{:?}",
                std::process::id(),
                std::thread::current().id()
            ))
            .to_string_lossy()
            .replace(['(', ')'], "");
        let profile = PathBuf::from(profile);
        let _ = std::fs::remove_dir_all(&profile);
        std::fs::create_dir_all(&profile).unwrap();
        // Chromium reads commands from fd 3 and writes replies to fd 4.
        let (cmd_read, cmd_write) = pipe();
        let (reply_read, reply_write) = pipe();
        let log = File::create(profile.with_extension("log")).unwrap();
        let mut cmd = Command::new(&program);
        cmd.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-default-apps",
            "--no-first-run",
            "--no-default-browser-check",
            "--mute-audio",
            "--hide-scrollbars",
            "--remote-debugging-pipe",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg("about:blank")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(log)
        // Its own process group, so that every helper process can be ended together.
        .process_group(0);
        // SAFETY: only async-signal-safe calls (dup2) between fork and exec.
        unsafe {
            cmd.pre_exec(move || {
                if libc::dup2(cmd_read, 3) < 0 || libc::dup2(reply_write, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = cmd.spawn().unwrap_or_else(|e| {
            panic!(
                "starting {}: {e}; install it with `apt-get install -y chromium`",
                program.display()
            )
        });
        // SAFETY: these descriptors were just created and are owned here only.
        unsafe {
            libc::close(cmd_read);
            libc::close(reply_write);
        }
        let to_browser = unsafe { File::from_raw_fd(cmd_write) };
        let from = unsafe { File::from_raw_fd(reply_read) };
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(from);
            loop {
                let mut buf = Vec::new();
                match reader.read_until(0, &mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {
                        buf.pop();
                        if let Ok(v) = serde_json::from_slice::<Value>(&buf) {
                            if tx.send(v).is_err() {
                                break;
                            }
                        }
                    }
                }
            }
        });
        Browser {
            child,
            to_browser,
            from_browser: rx,
            next_id: 1,
            profile,
        }
    }

    /// Sends a command (to a page when `session` is given) and waits for its reply.
    pub fn call(&mut self, session: Option<&str>, method: &str, params: Value) -> Value {
        self.try_call(session, method, params)
            .unwrap_or_else(|err| panic!("{method}: {err}"))
    }

    /// Like `call`, but an error reply (e.g. the page navigated meanwhile) is returned.
    pub fn try_call(
        &mut self,
        session: Option<&str>,
        method: &str,
        params: Value,
    ) -> Result<Value, Value> {
        let id = self.next_id;
        self.next_id += 1;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = serde_json::to_vec(&msg).unwrap();
        bytes.push(0);
        self.to_browser
            .write_all(&bytes)
            .unwrap_or_else(|e| panic!("Chromium went away ({e}); its log: {}", self.log()));
        let deadline = Instant::now() + CALL_TIMEOUT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.from_browser.recv_timeout(left) {
                Ok(v) if v["id"] == json!(id) => {
                    if let Some(err) = v.get("error") {
                        return Err(err.clone());
                    }
                    return Ok(v["result"].clone());
                }
                Ok(_) => {} // an event
                Err(RecvTimeoutError::Timeout) => panic!(
                    "{method}: no reply in {CALL_TIMEOUT:?}; Chromium's log: {}",
                    self.log()
                ),
                Err(RecvTimeoutError::Disconnected) => {
                    panic!("{method}: Chromium exited; its log: {}", self.log())
                }
            }
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.profile.with_extension("log")).unwrap_or_default()
    }

    /// A new tab of `width`×`height` CSS pixels.
    pub fn page(&mut self, width: u32, height: u32) -> Page<'_> {
        let target = self.call(None, "Target.createTarget", json!({"url": "about:blank"}));
        let target_id = target["targetId"].as_str().unwrap().to_string();
        let attached = self.call(
            None,
            "Target.attachToTarget",
            json!({"targetId": target_id, "flatten": true}),
        );
        let session = attached["sessionId"].as_str().unwrap().to_string();
        let mut page = Page {
            browser: self,
            session,
        };
        page.call("Page.enable", json!({}));
        page.call("Runtime.enable", json!({}));
        page.call(
            "Emulation.setDeviceMetricsOverride",
            json!({"width": width, "height": height, "deviceScaleFactor": 1, "mobile": false}),
        );
        page
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self
            .to_browser
            .write_all(b"{\"id\":0,\"method\":\"Browser.close\"}\0");
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        // Whatever is left of its process group.
        // SAFETY: kill has no memory-safety preconditions.
        unsafe {
            libc::kill(-(self.child.id() as i32), libc::SIGKILL);
        }
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
        let _ = std::fs::remove_file(self.profile.with_extension("log"));
    }
}

pub struct Page<'a> {
    browser: &'a mut Browser,
    session: String,
}

impl Page<'_> {
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        let session = self.session.clone();
        self.browser.call(Some(&session), method, params)
    }

    /// Loads `url` and waits for the load event's state.
    pub fn goto(&mut self, url: &str) {
        let r = self.call("Page.navigate", json!({"url": url}));
        if let Some(e) = r.get("errorText") {
            panic!("loading {url}: {e}");
        }
        self.wait_for(
            "document.readyState === 'complete'",
            &format!("{url} to load"),
        );
    }

    /// Evaluates `expr` in the page (awaiting a promise) and returns its value.
    pub fn eval(&mut self, expr: &str) -> Value {
        self.try_eval(expr)
            .unwrap_or_else(|e| panic!("evaluating `{expr}`: {e}"))
    }

    fn try_eval(&mut self, expr: &str) -> Result<Value, String> {
        let session = self.session.clone();
        let r = self
            .browser
            .try_call(
                Some(&session),
                "Runtime.evaluate",
                json!({"expression": expr, "awaitPromise": true, "returnByValue": true}),
            )
            .map_err(|e| e.to_string())?;
        if let Some(e) = r.get("exceptionDetails") {
            return Err(e.to_string());
        }
        Ok(r["result"]["value"].clone())
    }

    /// Waits until `expr` is truthy and returns its value; errors while the
    /// page navigates are retried.
    pub fn wait_for(&mut self, expr: &str, what: &str) -> Value {
        let deadline = Instant::now() + CALL_TIMEOUT;
        loop {
            let last = match self.try_eval(expr) {
                Ok(v)
                    if !matches!(v, Value::Null | Value::Bool(false))
                        && v != json!("")
                        && v != json!(0) =>
                {
                    return v
                }
                Ok(v) => v.to_string(),
                Err(e) => e,
            };
            if Instant::now() > deadline {
                panic!("waited {CALL_TIMEOUT:?} for {what} (`{expr}`); last: {last}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Types text into the focused element, as an input method commits it.
    pub fn type_text(&mut self, text: &str) {
        self.call("Input.insertText", json!({"text": text}));
    }

    /// A PNG of the viewport, written to `path`.
    pub fn screenshot(&mut self, path: &Path) -> Vec<u8> {
        let r = self.call("Page.captureScreenshot", json!({"format": "png"}));
        let png = base64_decode(r["data"].as_str().expect("screenshot data"));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).unwrap();
        }
        std::fs::write(path, &png).unwrap();
        png
    }
}

fn base64_decode(s: &str) -> Vec<u8> {
    let value = |c: u8| -> u32 {
        match c {
            b'A'..=b'Z' => (c - b'A') as u32,
            b'a'..=b'z' => (c - b'a' + 26) as u32,
            b'0'..=b'9' => (c - b'0' + 52) as u32,
            b'+' => 62,
            b'/' => 63,
            _ => panic!("not base64: {c}"),
        }
    };
    let bytes: Vec<u8> = s
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(bytes.len() * 3 / 4);
    for chunk in bytes.chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            n |= value(c) << (18 - 6 * i);
        }
        out.push((n >> 16) as u8);
        if chunk.len() > 2 {
            out.push((n >> 8) as u8);
        }
        if chunk.len() > 3 {
            out.push(n as u8);
        }
    }
    out
}

#[test]
fn base64_round_trip() {
    assert_eq!(base64_decode("aGVsbG8="), b"hello");
    assert_eq!(base64_decode("aGk="), b"hi");
    assert_eq!(base64_decode("iVBORw0KGgo="), b"\x89PNG\r\n\x1a\n");
}
