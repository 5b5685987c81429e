//! The tools the book is built with, at the versions pinned in `.ci/tools.env`
//! (the one place .ci/install-tools, the workflows and this crate read).

use anyhow::{bail, Context, Result};
use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

/// The pins' file, relative to the repository root.
pub const PINS_FILE: &str = ".ci/tools.env";

/// `KEY=VALUE` lines of `.ci/tools.env`; `#` starts a comment line.
pub fn pins(root: &Path) -> Result<BTreeMap<String, String>> {
    let path = root.join(PINS_FILE);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("reading the tool pins {}", path.display()))?;
    parse_pins(&text).with_context(|| format!("in {}", path.display()))
}

/// The pins of `text` as in [`pins`]. Errors: a line that is not
/// `KEY=VALUE`, by its 1-based number.
pub fn parse_pins(text: &str) -> Result<BTreeMap<String, String>> {
    let mut out = BTreeMap::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((k, v)) = line.split_once('=') else {
            bail!("line {}: `{line}` is not KEY=VALUE", i + 1);
        };
        out.insert(k.trim().to_string(), v.trim().to_string());
    }
    Ok(out)
}

/// A program the book build runs, and how to install the pinned version.
pub struct Tool {
    /// The program [`check`] runs with `--version`.
    pub program: &'static str,
    /// The key of [`PINS_FILE`] holding its version.
    pub pin: &'static str,
    /// Install command; `{v}` is the version.
    pub install: &'static str,
}

/// The tools a book build runs: mdBook, its linkcheck2 renderer, Pagefind.
pub const TOOLS: &[Tool] = &[
    Tool {
        program: "mdbook",
        pin: "MDBOOK_VERSION",
        install: "cargo install --locked --version {v} mdbook",
    },
    Tool {
        program: "mdbook-linkcheck2",
        pin: "MDBOOK_LINKCHECK2_VERSION",
        install: "cargo install --locked --version {v} mdbook-linkcheck2",
    },
    Tool {
        program: "pagefind",
        pin: "PAGEFIND_VERSION",
        install: "npm install --global pagefind@{v}",
    },
];

/// The first line `program --version` prints, if it runs.
pub fn version_line(program: &str) -> Option<String> {
    let out = Command::new(program).arg("--version").output().ok()?;
    let text =
        String::from_utf8_lossy(&out.stdout).to_string() + &String::from_utf8_lossy(&out.stderr);
    text.lines().next().map(|l| l.trim().to_string())
}

/// Whether a `--version` line names exactly `version` (`mdbook v0.5.4`).
pub fn names_version(line: &str, version: &str) -> bool {
    line.split_whitespace()
        .any(|w| w.trim_start_matches('v') == version)
}

/// Fails naming every tool that is missing or at another version, with the
/// command that installs the pinned one (`bash .ci/install-tools` does all).
pub fn check(root: &Path) -> Result<()> {
    let pins = pins(root)?;
    let mut problems = Vec::new();
    for t in TOOLS {
        let v = pins
            .get(t.pin)
            .with_context(|| format!("{PINS_FILE} has no {}", t.pin))?;
        let install = t.install.replace("{v}", v);
        match version_line(t.program) {
            None => problems.push(format!(
                "`{}` is not installed; install it with `{install}`",
                t.program
            )),
            Some(line) if !names_version(&line, v) => problems.push(format!(
                "`{}` is `{line}` but {PINS_FILE} pins {v}; install it with `{install}`",
                t.program
            )),
            Some(_) => {}
        }
    }
    if !problems.is_empty() {
        bail!("the book's tools are not as pinned (`bash .ci/install-tools` installs them all):\n  {}", problems.join("\n  "));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn repository_pins_every_tool() {
        let pins = pins(&Path::new(env!("CARGO_MANIFEST_DIR")).join("..")).unwrap();
        for t in TOOLS {
            assert!(pins.contains_key(t.pin), "{} is pinned", t.pin);
        }
        assert_eq!(pins["MDBOOK_VERSION"], "0.5.4");
    }

    #[test]
    fn version_lines() {
        assert!(names_version("mdbook v0.5.4", "0.5.4"));
        assert!(names_version("mdbook-linkcheck2 0.13.0", "0.13.0"));
        assert!(names_version("pagefind 1.6.0", "1.6.0"));
        assert!(!names_version("mdbook v0.5.40", "0.5.4"));
        assert!(parse_pins("A=1\nbad\n").is_err());
    }
}
