//! `{{#source FILE FUNCTION}}`: a kernel function as each kernel of the
//! matrix has it, from the extracts `cargo run -p verify -- sources --update`
//! cut out of each kernel's Debian source package
//! ([`crate::kernel_source`]). Kernels with the same text are shown once;
//! each further text as a diff from the one before it, with the whole text
//! folded; a kernel without the definition says so. Every extract's kernel
//! release, package version, file and lines are named.
//!
//! The extracts are text from outside the book: all of it goes through
//! [`html_escape`], in raw-HTML code blocks as the listings' are.

use super::html_escape;
use super::render::code_block;
use crate::kernel_source::{Extract, Store, STORE_DIR, UPDATE_COMMAND, WANTED_FILE};
use std::fmt::Write;

/// The words around a quoted function, per language.
#[derive(Debug, Clone, Copy)]
struct Words {
    /// "{name} in {file}, as each kernel of the matrix has it".
    title: &'static str,
    /// "Kernel {k}:" for one kernel.
    one: &'static str,
    /// "Kernels {k} (the same text):".
    same: &'static str,
    /// "Kernels {k} differ from {prev}:".
    differs: &'static str,
    /// "Kernel {k} differs from {prev}:".
    differs_one: &'static str,
    /// "The whole text on {k}".
    whole: &'static str,
    /// "{file}, lines {a}–{b}".
    lines: &'static str,
    macro_: &'static str,
    /// One kernel's line: "{k}: {at}, Debian package {package} {version},
    /// release {release}" (`{at}` is `lines` and the macro note, or nothing).
    item: &'static str,
    /// The same without `{at}`, for a kernel without the definition.
    item_absent: &'static str,
    /// "Not defined on {k}: no function or macro {name} in {files}."
    absent: &'static str,
    /// Between list items of kernels.
    sep: &'static str,
    reproduce: &'static str,
}

impl Words {
    fn for_language(id: &str) -> Words {
        if id.starts_with("zh") {
            Words {
                title: "{name}（{file}），各内核的原文",
                one: "内核 {k}：",
                same: "内核 {k}（文本相同）：",
                differs: "内核 {k} 与 {prev} 的差异：",
                differs_one: "内核 {k} 与 {prev} 的差异：",
                whole: "内核 {k} 上的完整文本",
                lines: "{file} 第 {a}–{b} 行",
                macro_: "（宏）",
                item: "{k}：{at}，Debian 源码包 {package} {version}，内核版本 {release}",
                item_absent: "{k}：Debian 源码包 {package} {version}，内核版本 {release}",
                absent: "内核 {k} 上没有这个定义：{files} 中都没有名为 {name} 的函数或宏。",
                sep: "、",
                reproduce: "从各内核的 Debian 源码包重新截取：",
            }
        } else {
            Words {
                title: "{name} in {file}, as each kernel of the matrix has it",
                one: "Kernel {k}:",
                same: "Kernels {k} (the same text):",
                differs: "Kernels {k} differ from {prev}:",
                differs_one: "Kernel {k} differs from {prev}:",
                whole: "The whole text on {k}",
                lines: "{file}, lines {a}–{b}",
                macro_: " (a macro)",
                item: "{k}: {at}, Debian package {package} {version}, release {release}",
                item_absent: "{k}: Debian package {package} {version}, release {release}",
                absent: "Not defined on {k}: no function or macro {name} in {files}.",
                sep: ", ",
                reproduce: "Cut again from each kernel's Debian source package:",
            }
        }
    }

    /// "Kernel 6.1:" or "Kernels 6.1, 6.12 (the same text):".
    fn kernels(&self, ids: &[&str]) -> String {
        let k = ids.join(self.sep);
        if ids.len() == 1 {
            self.one.replace("{k}", &k)
        } else {
            self.same.replace("{k}", &k)
        }
    }
}

fn code(s: &str) -> String {
    format!("<code>{}</code>", html_escape(s))
}

/// Kernels whose extract has the same text (or that all lack it).
struct Group<'a> {
    extracts: Vec<&'a Extract>,
}

impl Group<'_> {
    fn ids(&self) -> Vec<&str> {
        self.extracts.iter().map(|x| x.kernel.as_str()).collect()
    }
    fn text(&self) -> Option<&str> {
        self.extracts[0].found.as_ref().map(|f| f.text.as_str())
    }
}

/// The Markdown (raw HTML) of `{{#source FILE FUNCTION}}` in language
/// `lang`, for the kernels `kernel_ids` (the matrix, in order). Errors:
/// `FILE FUNCTION` is not in `wanted.toml` (naming what is), or a kernel has
/// no extract ([`Store::load`] has already refused a store like that).
pub fn render(
    store: &Store,
    file: &str,
    name: &str,
    kernel_ids: &[String],
    lang: &str,
) -> Result<String, String> {
    let w = Words::for_language(lang);
    let Some(wanted) = store.wanted(file, name) else {
        let listed: Vec<String> = store.wanted.iter().map(|w| w.key()).collect();
        return Err(format!(
            "`{file} {name}` is not in {STORE_DIR}/{WANTED_FILE} ({}); add it there as a [[function]] with file = \"{file}\" and name = \"{name}\", run `{UPDATE_COMMAND}`, and commit the extracts",
            if listed.is_empty() {
                "it lists nothing".to_string()
            } else {
                format!("it has: {}", listed.join(", "))
            }
        ));
    };
    let extracts = store.of(file, name, kernel_ids);
    if extracts.len() != kernel_ids.len() {
        let missing: Vec<&str> = kernel_ids
            .iter()
            .filter(|id| !extracts.iter().any(|x| &&x.kernel == id))
            .map(String::as_str)
            .collect();
        return Err(format!(
            "`{file} {name}` has no extract for kernel {}; run `{UPDATE_COMMAND}` and commit the extracts",
            missing.join(", ")
        ));
    }
    let mut groups: Vec<Group> = Vec::new();
    for x in extracts {
        let text = x.found.as_ref().map(|f| f.text.as_str());
        match groups.iter_mut().find(|g| g.text() == text) {
            Some(g) => g.extracts.push(x),
            None => groups.push(Group { extracts: vec![x] }),
        }
    }

    let id: String = format!("{file}-{name}")
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let mut md = String::new();
    let _ = writeln!(md, "<div class=\"ksource\" id=\"source-{id}\">\n");
    let _ = writeln!(
        md,
        "<p class=\"ksource-title\">{}</p>\n",
        w.title
            .replace("{name}", &code(name))
            .replace("{file}", &code(file))
    );
    let mut prev: Option<&Group> = None;
    for g in &groups {
        let ids = g.ids();
        let Some(text) = g.text() else {
            let _ = writeln!(
                md,
                "<p class=\"ksource-absent\">{}</p>\n",
                w.absent
                    .replace("{k}", &html_escape(&ids.join(w.sep)))
                    .replace("{name}", &code(name))
                    .replace(
                        "{files}",
                        &wanted
                            .files()
                            .map(|f| code(f))
                            .collect::<Vec<_>>()
                            .join(w.sep)
                    )
            );
            md.push_str(&where_list(&g.extracts, &w));
            continue;
        };
        match prev {
            None => {
                let _ = writeln!(
                    md,
                    "<p class=\"ksource-kernels\">{}</p>\n",
                    html_escape(&w.kernels(&ids))
                );
                md.push_str(&where_list(&g.extracts, &w));
                md.push_str(&code_block("c", text));
                md.push('\n');
            }
            Some(p) => {
                let p_text = p.text().unwrap_or("");
                let _ = writeln!(
                    md,
                    "<p class=\"ksource-kernels\">{}</p>\n",
                    html_escape(
                        &if ids.len() == 1 {
                            w.differs_one
                        } else {
                            w.differs
                        }
                        .replace("{k}", &ids.join(w.sep))
                        .replace("{prev}", &p.ids().join(w.sep))
                    )
                );
                md.push_str(&where_list(&g.extracts, &w));
                let diff = similar::TextDiff::from_lines(p_text, text)
                    .unified_diff()
                    .context_radius(2)
                    .header(&p.ids().join(", "), &ids.join(", "))
                    .to_string();
                md.push_str(&code_block("diff", &diff));
                md.push('\n');
                let _ = writeln!(
                    md,
                    "<details class=\"ksource-group\">\n<summary>{}</summary>\n",
                    html_escape(&w.whole.replace("{k}", &ids.join(w.sep)))
                );
                md.push_str(&code_block("c", text));
                md.push_str("\n</details>\n\n");
            }
        }
        prev = Some(g);
    }
    let _ = writeln!(md, "<p class=\"ksource-reproduce\">{}</p>\n", w.reproduce);
    md.push_str(&code_block("sh", UPDATE_COMMAND));
    md.push_str("\n</div>\n");
    Ok(md)
}

/// One line per kernel: where its text is, from which package and release.
fn where_list(extracts: &[&Extract], w: &Words) -> String {
    let mut md = String::from("<ul class=\"ksource-where\">\n");
    for x in extracts {
        let at = match &x.found {
            Some(f) => format!(
                "{}{}",
                w.lines
                    .replace("{file}", &code(&f.file))
                    .replace("{a}", &f.lines.0.to_string())
                    .replace("{b}", &f.lines.1.to_string()),
                if f.kind == crate::kernel_source::cut::Kind::Macro {
                    w.macro_
                } else {
                    ""
                }
            ),
            None => String::new(),
        };
        let item = if at.is_empty() { w.item_absent } else { w.item };
        let _ = writeln!(
            md,
            "<li>{}</li>",
            item.replace("{k}", &html_escape(&x.kernel))
                .replace("{at}", &at)
                .replace("{package}", &code(&x.package))
                .replace("{version}", &html_escape(&x.version))
                .replace("{release}", &code(&x.release))
        );
    }
    md.push_str("</ul>\n\n");
    md
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::kernel_source::{cut::Kind, Found, Wanted};

    fn extract(kernel: &str, text: Option<&str>) -> Extract {
        Extract {
            kernel: kernel.into(),
            release: format!("{kernel}.0-1-cloud-amd64"),
            package: format!("linux-source-{kernel}"),
            version: format!("{kernel}.9-1"),
            url: "http://deb.debian.org/x.deb".into(),
            sha256: "00".repeat(32),
            file: "kernel/kthread.c".into(),
            name: "kthread_exit".into(),
            found: text.map(|t| Found {
                kind: if t.starts_with("#define") {
                    Kind::Macro
                } else {
                    Kind::Function
                },
                file: if t.starts_with("#define") {
                    "include/linux/kthread.h".into()
                } else {
                    "kernel/kthread.c".into()
                },
                lines: (10, 9 + t.lines().count()),
                text: t.into(),
            }),
            looked_in: vec!["kernel/kthread.c".into(), "include/linux/kthread.h".into()],
        }
    }

    fn store(extracts: Vec<Extract>) -> Store {
        Store {
            wanted: vec![Wanted {
                file: "kernel/kthread.c".into(),
                name: "kthread_exit".into(),
                also: vec!["include/linux/kthread.h".into()],
            }],
            extracts,
            ..Store::default()
        }
    }

    fn ids(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn same_texts_grouped_differences_as_diffs_and_absence_said() {
        let f1 = "void kthread_exit(long result)\n{\n\tdo_exit(result);\n}\n";
        let f2 = "void kthread_exit(long result)\n{\n\tto_kthread(current)->result = result;\n\tdo_exit(0);\n}\n";
        let m = "#define kthread_exit(result) do_exit(result)\n";
        let s = store(vec![
            extract("4.19", None),
            extract("5.10", Some(f1)),
            extract("6.1", Some(f2)),
            extract("6.12", Some(f2)),
            extract("7.2", Some(m)),
        ]);
        let k = ids(&["4.19", "5.10", "6.1", "6.12", "7.2"]);
        let md = render(&s, "kernel/kthread.c", "kthread_exit", &k, "en").unwrap();
        assert!(md.contains("Not defined on 4.19: no function or macro <code>kthread&#95;exit</code> in <code>kernel/kthread.c</code>, <code>include/linux/kthread.h</code>."), "{md}");
        assert!(
            md.contains("<p class=\"ksource-kernels\">Kernel 5.10:</p>"),
            "{md}"
        );
        assert!(md.contains("Kernels 6.1, 6.12 differ from 5.10:"), "{md}");
        assert!(md.contains("Kernel 7.2 differs from 6.1, 6.12:"), "{md}");
        assert!(md.contains("<li>6.12: <code>kernel/kthread.c</code>, lines 10–14, Debian package <code>linux-source-6.12</code> 6.12.9-1, release <code>6.12.0-1-cloud-amd64</code></li>"), "{md}");
        assert!(
            md.contains("<code>include/linux/kthread.h</code>, lines 10–10 (a macro)"),
            "{md}"
        );
        // 5.10's text in full once; 6.1/6.12's as a diff and folded in full.
        assert_eq!(md.matches(&html_escape(f1.trim_end())).count(), 1, "{md}");
        assert_eq!(md.matches(&html_escape(f2.trim_end())).count(), 1, "{md}");
        assert!(md.contains(&html_escape("+\tdo_exit(0);")), "{md}");
        assert!(
            md.contains("<summary>The whole text on 6.1, 6.12</summary>"),
            "{md}"
        );
        assert!(md.contains("cargo run -p verify -- sources --update"));
        let zh = render(&s, "kernel/kthread.c", "kthread_exit", &k, "zh").unwrap();
        assert!(
            zh.contains("内核 6.1、6.12 与 5.10 的差异：") && zh.contains("（宏）"),
            "{zh}"
        );
    }

    #[test]
    fn unknown_functions_and_missing_kernels_are_named() {
        let s = store(vec![extract("6.1", Some("int x(void)\n{\n}\n"))]);
        let e = render(&s, "kernel/kthread.c", "kthread_stop", &ids(&["6.1"]), "en").unwrap_err();
        assert!(e.contains("`kernel/kthread.c kthread_stop` is not in src/kernel-sources/wanted.toml (it has: kernel/kthread.c kthread_exit)"), "{e}");
        let e = render(
            &s,
            "kernel/kthread.c",
            "kthread_exit",
            &ids(&["6.1", "6.12"]),
            "en",
        )
        .unwrap_err();
        assert!(e.contains("no extract for kernel 6.12"), "{e}");
    }

    /// Source text is the kernel's, not the book's: nothing in it reaches
    /// the page as markup.
    #[test]
    fn hostile_source_text_is_escaped() {
        let evil = "int kthread_exit(void)\n{\n\t/* </code></pre><img src=x onerror=alert(1)> {{#include /etc/passwd}} ``` [x](javascript:alert(2)) */\n}\n";
        let mut x = extract("6.1", Some(evil));
        x.release = "<script>alert(3)</script>".into();
        x.version = "1|[l](javascript:alert(4))".into();
        let md = render(
            &store(vec![x]),
            "kernel/kthread.c",
            "kthread_exit",
            &ids(&["6.1"]),
            "en",
        )
        .unwrap();
        for raw in [
            "<img",
            "<script",
            "</code></pre><img",
            "{{",
            "```",
            "](javascript",
        ] {
            assert!(!md.contains(raw), "`{raw}` reached the page: {md}");
        }
    }

    #[test]
    fn the_repository_store_renders_every_wanted_function() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let m = crate::host::matrix::Matrix::load(&root.join("kernels.toml")).unwrap();
        let s = Store::load(&root, &m.ids()).unwrap();
        assert!(!s.wanted.is_empty());
        for wanted in &s.wanted {
            let md = render(&s, &wanted.file, &wanted.name, &m.ids(), "en").unwrap();
            for x in s.of(&wanted.file, &wanted.name, &m.ids()) {
                assert!(md.contains(&html_escape(&x.release)), "{}", x.release);
            }
        }
        // The facts the book argues from, per kernel: kthread_stop() sets
        // TIF_NOTIFY_SIGNAL from 6.1, not on 5.10.
        let stop: Vec<_> = s.of("kernel/kthread.c", "kthread_stop", &m.ids());
        let sets = |x: &&Extract| {
            x.found
                .as_ref()
                .is_some_and(|f| f.text.contains("TIF_NOTIFY_SIGNAL"))
        };
        assert!(!sets(&stop[0]) && stop[1..].iter().all(sets));
    }
}
