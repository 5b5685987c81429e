//! A small static file server for the built book on localhost: Pagefind
//! loads its index with `fetch`, which `file://` pages cannot do. Used by
//! `cargo run -p verify -- book --serve` and by the browser tests.

use anyhow::{Context, Result};
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A running server; it stops accepting connections when dropped.
pub struct Server {
    /// The address it listens on, with the port it got when asked for port 0.
    pub addr: SocketAddr,
    stop: Arc<AtomicBool>,
}

impl Server {
    /// Serves `root` on `addr` (port 0: any free port) from a background thread.
    pub fn start(root: &Path, addr: &str) -> Result<Server> {
        let listener = TcpListener::bind(addr).with_context(|| format!("listening on {addr}"))?;
        let addr = listener.local_addr()?;
        let stop = Arc::new(AtomicBool::new(false));
        let root = root.to_path_buf();
        let flag = stop.clone();
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if flag.load(Ordering::Relaxed) {
                    break;
                }
                if let Ok(conn) = conn {
                    let root = root.clone();
                    std::thread::spawn(move || {
                        let _ = handle(&root, conn);
                    });
                }
            }
        });
        Ok(Server { addr, stop })
    }

    /// `http://ADDR/PATH` for a path of the book (a leading `/` or not).
    pub fn url(&self, path: &str) -> String {
        format!("http://{}/{}", self.addr, path.trim_start_matches('/'))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        // Wake the accept loop so it sees the flag.
        let _ = TcpStream::connect_timeout(&self.addr, Duration::from_millis(200));
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" => "application/json",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "wasm" => "application/wasm",
        "txt" | "md" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// `/a/b/` → `root/a/b/index.html`; nothing outside `root`.
fn resolve(root: &Path, url_path: &str) -> Option<PathBuf> {
    let path = url_path.split(['?', '#']).next().unwrap_or("/");
    let path = percent_decode(path)?;
    let rel = Path::new(path.trim_start_matches('/'));
    if rel.components().any(|c| !matches!(c, Component::Normal(_))) {
        return None;
    }
    let mut full = root.join(rel);
    if full.is_dir() {
        full = full.join("index.html");
    }
    full.is_file().then_some(full)
}

fn percent_decode(s: &str) -> Option<String> {
    let mut bytes = Vec::with_capacity(s.len());
    let mut it = s.bytes();
    while let Some(b) = it.next() {
        if b == b'%' {
            let hex = [it.next()?, it.next()?];
            bytes.push(u8::from_str_radix(std::str::from_utf8(&hex).ok()?, 16).ok()?);
        } else {
            bytes.push(b);
        }
    }
    String::from_utf8(bytes).ok()
}

fn handle(root: &Path, conn: TcpStream) -> Result<()> {
    conn.set_read_timeout(Some(Duration::from_secs(10)))?;
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut conn = conn;
    loop {
        let mut request = String::new();
        if reader.read_line(&mut request)? == 0 {
            return Ok(());
        }
        let mut keep_alive = true;
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header)? == 0 || header.trim().is_empty() {
                break;
            }
            if header.to_ascii_lowercase().starts_with("connection:")
                && header.to_ascii_lowercase().contains("close")
            {
                keep_alive = false;
            }
        }
        let mut parts = request.split_whitespace();
        let (method, target) = (parts.next().unwrap_or(""), parts.next().unwrap_or("/"));
        let (status, ctype, body) = match (method, resolve(root, target)) {
            ("GET" | "HEAD", Some(file)) => ("200 OK", content_type(&file), std::fs::read(&file)?),
            ("GET" | "HEAD", None) => (
                "404 Not Found",
                "text/plain; charset=utf-8",
                b"not found\n".to_vec(),
            ),
            _ => (
                "405 Method Not Allowed",
                "text/plain; charset=utf-8",
                b"GET only\n".to_vec(),
            ),
        };
        write!(
            conn,
            "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nCache-Control: no-store\r\nConnection: {}\r\n\r\n",
            body.len(),
            if keep_alive { "keep-alive" } else { "close" }
        )?;
        if method != "HEAD" {
            conn.write_all(&body)?;
        }
        conn.flush()?;
        if !keep_alive {
            return Ok(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn serves_files_and_nothing_outside_the_root() {
        let d = std::env::temp_dir().join(format!("verify-serve-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(d.join("en")).unwrap();
        std::fs::write(d.join("en/index.html"), "<p>中文</p>").unwrap();
        assert_eq!(resolve(&d, "/en/"), Some(d.join("en/index.html")));
        assert_eq!(
            resolve(&d, "/en/index.html?search=x"),
            Some(d.join("en/index.html"))
        );
        assert_eq!(resolve(&d, "/../etc/passwd"), None);
        assert_eq!(resolve(&d, "/en/%2e%2e/%2e%2e/etc/passwd"), None);
        let server = Server::start(&d, "127.0.0.1:0").unwrap();
        let mut c = TcpStream::connect(server.addr).unwrap();
        c.write_all(b"GET /en/ HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            .unwrap();
        let mut resp = String::new();
        c.read_to_string(&mut resp).unwrap();
        assert!(
            resp.starts_with("HTTP/1.1 200 OK") && resp.ends_with("<p>中文</p>"),
            "{resp}"
        );
        drop(server);
        std::fs::remove_dir_all(&d).unwrap();
    }
}
