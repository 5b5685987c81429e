//! Markdown for the directives, made only from files: the listing's sources
//! and its accepted snapshots under `kmods/NAME/`, and `kernels.toml`. No
//! output in the book is typed by hand (DESIGN.md §5).

use crate::manifest::Scenario;
use crate::matrix::Matrix;
use crate::outcome::Outcome;
use crate::snapshot::{self, Store};
use std::fmt::Write;
use std::path::Path;

/// The words around the rendered blocks, per language.
#[derive(Debug, Clone, Copy)]
pub struct Words {
    listing: &'static str,
    verified_on: &'static str,
    output: &'static str,
    /// "Output B (6.1) differs from output A (5.10):", with {b} {b_kernels} {a} {a_kernels}.
    differs: &'static str,
    full_output: &'static str,
    kernel: &'static str,
    suite: &'static str,
    outcome: &'static str,
    reproduce: &'static str,
    archives: &'static str,
    image: &'static str,
    listings: &'static str,
}

impl Words {
    /// Chinese for `zh…` language ids, English otherwise.
    pub fn for_language(id: &str) -> Words {
        if id.starts_with("zh") {
            Words {
                listing: "清单",
                verified_on: "验证通过的 dmesg，内核",
                output: "输出",
                differs: "输出 {b}（{b_kernels}）与输出 {a}（{a_kernels}）的差异：",
                full_output: "完整输出",
                kernel: "内核",
                suite: "Debian 发行版",
                outcome: "结果",
                reproduce: "在本机复现：",
                archives: "软件源",
                image: "内核包",
                listings: "已验证的清单",
            }
        } else {
            Words {
                listing: "Listing",
                verified_on: "Verified dmesg, kernels",
                output: "Output",
                differs: "Output {b} ({b_kernels}) differs from output {a} ({a_kernels}):",
                full_output: "Full output",
                kernel: "Kernel",
                suite: "Debian suite",
                outcome: "Outcome",
                reproduce: "Reproduce it:",
                archives: "Archives",
                image: "Kernel package",
                listings: "Verified listings",
            }
        }
    }
}

/// A fenced code block whose fence is longer than any backtick run inside.
fn fenced(lang: &str, body: &str) -> String {
    let longest = body.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}{lang}\n{}\n{fence}\n", body.trim_end_matches('\n'))
}

/// Kernels that printed the same thing, in matrix order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub kernels: Vec<String>,
    pub text: String,
}

/// The accepted output of every kernel of the matrix, grouped by equality.
/// A kernel without an accepted snapshot is an error naming the kernel and
/// the command that makes one.
pub fn groups(scenario: &Scenario, matrix: &Matrix) -> Result<Vec<Group>, String> {
    let store = Store::new(&scenario.dir, &scenario.name);
    let mut groups: Vec<Group> = Vec::new();
    let mut missing = Vec::new();
    for k in &matrix.kernels {
        match store.expected(&k.id).map_err(|e| format!("{e:#}"))? {
            None => missing.push(k.id.clone()),
            Some((_, text)) => match groups.iter_mut().find(|g| snapshot::same(&g.text, &text)) {
                Some(g) => g.kernels.push(k.id.clone()),
                None => groups.push(Group {
                    kernels: vec![k.id.clone()],
                    text: text.trim_end().to_string(),
                }),
            },
        }
    }
    if !missing.is_empty() {
        return Err(format!(
            "listing `{name}` has no accepted snapshot for kernel {} (neither {}/snapshots/{name}.snap nor {name}@KERNEL.snap); \
             run `cargo run -p verify -- --accept {name}` and commit the snapshots",
            missing.join(", "),
            scenario.dir.display(),
            name = scenario.name,
        ));
    }
    Ok(groups)
}

/// The files of a listing shown in the book: C sources and headers, then Kbuild.
fn listing_files(dir: &Path) -> Result<Vec<(String, String)>, String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map_err(|e| format!("reading {}: {e}", dir.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".c") || n.ends_with(".h"))
        .collect();
    names.sort_by_key(|n| (n.ends_with(".c"), n.clone()));
    names.push("Kbuild".into());
    names
        .into_iter()
        .map(|n| {
            let path = dir.join(&n);
            std::fs::read_to_string(&path)
                .map(|text| (n, text))
                .map_err(|e| format!("reading {}: {e}", path.display()))
        })
        .collect()
}

fn letter(i: usize) -> char {
    (b'A' + (i % 26) as u8) as char
}

/// `{{#kmod NAME}}`: the listing, its verified dmesg per kernel (identical
/// outputs grouped; a diff where kernels differ), the outcome per kernel, and
/// the command that reproduces it.
pub fn kmod(scenario: &Scenario, matrix: &Matrix, words: &Words) -> Result<String, String> {
    let name = &scenario.name;
    let groups = groups(scenario, matrix)?;
    let files = listing_files(&scenario.dir)?;
    let mut md = String::new();
    // Blank lines around the div: Markdown inside an HTML block needs them.
    let _ = writeln!(md, "<div class=\"kmod\" id=\"kmod-{name}\">\n");
    let _ = writeln!(
        md,
        "<p class=\"kmod-title\">{} <code>{name}</code>: {}</p>\n",
        words.listing,
        html_escape(&scenario.title)
    );
    for (file, text) in &files {
        let lang = if file == "Kbuild" { "makefile" } else { "c" };
        let _ = writeln!(
            md,
            "<p class=\"kmod-file\"><code>kmods/{name}/{file}</code></p>\n"
        );
        md.push_str(&fenced(lang, text));
        md.push('\n');
    }

    let several = groups.len() > 1;
    for (i, g) in groups.iter().enumerate() {
        let verified = format!("{} {}", words.verified_on, g.kernels.join(", "));
        let caption = if several {
            format!("{} {} — {verified}", words.output, letter(i))
        } else {
            verified.clone()
        };
        if i == 0 {
            let _ = writeln!(
                md,
                "<p class=\"kmod-output\">{}</p>\n",
                html_escape(&caption)
            );
            md.push_str(&fenced("text", &g.text));
            md.push('\n');
            continue;
        }
        let prev = &groups[i - 1];
        let caption = words
            .differs
            .replace("{b}", &letter(i).to_string())
            .replace("{b_kernels}", &g.kernels.join(", "))
            .replace("{a}", &letter(i - 1).to_string())
            .replace("{a_kernels}", &prev.kernels.join(", "));
        let _ = writeln!(md, "<p class=\"kmod-output\">{caption}</p>\n");
        let diff =
            similar::TextDiff::from_lines(&format!("{}\n", prev.text), &format!("{}\n", g.text))
                .unified_diff()
                .context_radius(2)
                .header(&prev.kernels.join(", "), &g.kernels.join(", "))
                .to_string();
        md.push_str(&fenced("diff", &diff));
        md.push('\n');
        let _ = writeln!(
            md,
            "<details class=\"kmod-group\">\n<summary>{}</summary>\n",
            html_escape(&format!("{} {} — {verified}", words.full_output, letter(i)))
        );
        md.push_str(&fenced("text", &g.text));
        md.push_str("\n</details>\n\n");
    }

    // The outcome on each kernel.
    let _ = write!(
        md,
        "| {} | {} | {} |",
        words.kernel, words.suite, words.outcome
    );
    if several {
        let _ = write!(md, " {} |", words.output);
    }
    md.push_str(if several {
        "\n|---|---|---|---|\n"
    } else {
        "\n|---|---|---|\n"
    });
    for k in &matrix.kernels {
        let outcome: Outcome = scenario.expected(&k.id);
        let _ = write!(md, "| {} | {} | `{outcome}` |", k.id, k.suite);
        if several {
            let i = groups
                .iter()
                .position(|g| g.kernels.contains(&k.id))
                .unwrap_or(0);
            let _ = write!(md, " {} |", letter(i));
        }
        md.push('\n');
    }
    md.push('\n');

    let _ = writeln!(md, "<p class=\"kmod-reproduce\">{}</p>\n", words.reproduce);
    md.push_str(&fenced("sh", &format!("cargo run -p verify -- {name}")));
    md.push_str("\n</div>\n");
    Ok(md)
}

/// `{{#kernels}}`: the kernel matrix, straight from `kernels.toml`.
pub fn kernels(matrix: &Matrix, scenarios: &[Scenario], words: &Words) -> String {
    let mut md = format!(
        "| {} | {} | {} | {} | {} |\n|---|---|---|---|---|\n",
        words.kernel, words.suite, words.image, words.archives, words.listings
    );
    for k in &matrix.kernels {
        let image = k
            .packages
            .iter()
            .find(|p| p.starts_with("linux-image-"))
            .map_or("-".to_string(), |p| format!("`{p}`"));
        // `deb URL SUITE COMPONENT…` → `SUITE COMPONENT…`
        let archives: Vec<String> = k
            .mirrors
            .iter()
            .map(|m| m.split_whitespace().skip(2).collect::<Vec<_>>().join(" "))
            .map(|a| format!("`{a}`"))
            .collect();
        let verified = scenarios
            .iter()
            .filter(|s| {
                Store::new(&s.dir, &s.name)
                    .expected(&k.id)
                    .ok()
                    .flatten()
                    .is_some()
            })
            .count();
        let _ = writeln!(
            md,
            "| {} | {} | {image} | {} | {verified} |",
            k.id,
            k.suite,
            archives.join("<br>")
        );
    }
    md
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn repo() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    fn load() -> (Matrix, Vec<Scenario>) {
        let m = Matrix::load(&repo().join("kernels.toml")).unwrap();
        let s = crate::manifest::discover(&repo().join("kmods"), &m.ids()).unwrap();
        (m, s)
    }

    #[test]
    fn fences_outgrow_backticks_inside() {
        assert_eq!(fenced("c", "a\n"), "```c\na\n```\n");
        assert_eq!(fenced("md", "```x```"), "````md\n```x```\n````\n");
    }

    #[test]
    fn every_listing_renders_with_its_snapshot_text() {
        let (m, scenarios) = load();
        assert!(!scenarios.is_empty());
        for s in &scenarios {
            let md = kmod(s, &m, &Words::for_language("en")).unwrap();
            let groups = groups(s, &m).unwrap();
            let kernels: usize = groups.iter().map(|g| g.kernels.len()).sum();
            assert_eq!(
                kernels,
                m.kernels.len(),
                "{}: every kernel in one group",
                s.name
            );
            for g in &groups {
                assert!(
                    md.contains(&g.text),
                    "{}: output of {:?} is in the text",
                    s.name,
                    g.kernels
                );
            }
            assert!(md.contains(&format!("cargo run -p verify -- {}", s.name)));
            assert!(md.contains(&format!("kmods/{}/Kbuild", s.name)));
            if groups.len() > 1 {
                assert!(
                    md.contains("```diff"),
                    "{}: a diff where kernels differ",
                    s.name
                );
            }
            for k in &m.kernels {
                assert!(md.contains(&format!(
                    "| {} | {} | `{}` |",
                    k.id,
                    k.suite,
                    s.expected(&k.id)
                )));
            }
        }
    }

    #[test]
    fn identical_outputs_are_grouped_in_matrix_order() {
        let d = std::env::temp_dir().join(format!("verify-render-{}", std::process::id()));
        let dir = d.join("demo");
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("demo.c"), "int x;\n").unwrap();
        std::fs::write(dir.join("Kbuild"), "obj-m += demo.o\n").unwrap();
        let m = Matrix::parse(
            "[[kernel]]\nid='a'\nsuite='s1'\nmirrors=['deb u s1 main']\npackages=[]\n\
             [[kernel]]\nid='b'\nsuite='s2'\nmirrors=['deb u s2 main']\npackages=[]\n\
             [[kernel]]\nid='c'\nsuite='s3'\nmirrors=['deb u s3 main']\npackages=[]\n",
        )
        .unwrap();
        let s = Scenario::parse(
            &dir,
            "title='T <x>'\nexpect='clean'\nsteps=['insmod demo.ko']\n[expect_on]\nb='oops'\n",
            &m.ids(),
        )
        .unwrap();
        let err = kmod(&s, &m, &Words::for_language("en")).unwrap_err();
        assert!(
            err.contains("no accepted snapshot for kernel a, b, c"),
            "{err}"
        );
        let store = Store::new(&dir, "demo");
        snapshot::write(&store.shared_path(), "demo", "$ insmod demo.ko\nsame\n").unwrap();
        snapshot::write(&store.kernel_path("b"), "demo", "$ insmod demo.ko\nother\n").unwrap();
        let g = groups(&s, &m).unwrap();
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].kernels, ["a", "c"]);
        assert_eq!(g[1].kernels, ["b"]);
        let md = kmod(&s, &m, &Words::for_language("zh")).unwrap();
        assert!(md.contains("T &lt;x&gt;"));
        assert!(md.contains("-same\n+other"), "{md}");
        assert!(md.contains("| b | s2 | `oops` | B |"), "{md}");
        assert!(md.contains("验证通过的 dmesg，内核 a, c"), "{md}");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn kernel_table_comes_from_the_matrix() {
        let (m, s) = load();
        let md = kernels(&m, &s, &Words::for_language("en"));
        for k in &m.kernels {
            assert!(md.contains(&format!("| {} | {} |", k.id, k.suite)), "{md}");
        }
        assert!(md.contains("`bookworm-security main`"), "{md}");
    }
}
