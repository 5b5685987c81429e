//! Markdown for the directives, made only from files and the model: the
//! listing's sources and its accepted snapshots under `kmods/NAME/`,
//! `kernels.toml`, and a simulation's exploration, which must equal its
//! accepted snapshot `examples/snapshots/NAME.snap`. No output in the book is
//! typed by hand (DESIGN.md §5).
//!
//! Everything here that the book did not write — file names, titles,
//! `kernels.toml` values, file contents, outputs — goes through
//! [`html_escape`], wherever it lands: code blocks are raw HTML
//! (`<pre><code>`) rather than Markdown fences, so their text is escaped the
//! same way, and Markdown never sees it as syntax. Files are read through
//! [`files`], never through a link.

use super::files::{self, Holder};
use super::html_escape;
use crate::host::matrix::Matrix;
use crate::manifest::Scenario;
use crate::run::{crosscheck, sim};
use crate::snapshot::{self, Status, Store};
use crate::text::outcome::Outcome;
use std::fmt::Write;
use std::path::Path;

/// The words around the rendered blocks, per language.
#[derive(Debug, Clone, Copy)]
pub struct Words {
    /// Whether these are the Chinese pages' words: a listing is captioned
    /// with its `title_zh` there, with its `title` elsewhere.
    chinese: bool,
    listing: &'static str,
    /// Before one kernel's id ("Verified dmesg, kernel 5.10").
    verified_on_one: &'static str,
    /// Before several ("Verified dmesg, kernels 5.10, 6.1").
    verified_on: &'static str,
    /// Between kernel ids in a caption: ", " in English, "、" in Chinese.
    sep: &'static str,
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
    model: &'static str,
    variant: &'static str,
    /// "{schedules} schedules … {n} reachable outcomes".
    explored: &'static str,
    /// The same, for a single reachable outcome.
    explored_one: &'static str,
    /// "Reachable outcome {i} of {n}".
    outcome_of: &'static str,
    /// "verify classifies … as {as}".
    observed_as: &'static str,
    /// "… on kernels {kernels}".
    seen_on: &'static str,
    not_seen: &'static str,
    /// "Witness schedule ({n} steps)".
    witness: &'static str,
    prints_nothing: &'static str,
    /// Between two sentences: a space in English, nothing in Chinese.
    gap: &'static str,
    /// "Variant {name}: the same steps, booted with {how}".
    variant_intro: &'static str,
    /// "kernel parameters {params}".
    with_params: &'static str,
    /// "{n} vCPUs".
    with_vcpus: &'static str,
    /// The listing's own run, in the outcome table's header.
    as_listed: &'static str,
    /// "and" between two changes.
    and: &'static str,
    /// Before a listing's measured values: "Measured by {key}: …".
    measured_caption: &'static str,
    /// `{{#measure}}`'s columns: the kernel release, the day of the run.
    release: &'static str,
    run_date: &'static str,
    /// `{{#measure}}`'s cell for a kernel the listing does not build on.
    no_run: &'static str,
}

impl Words {
    /// Chinese for `zh…` language ids, English otherwise.
    pub fn for_language(id: &str) -> Words {
        if id.starts_with("zh") {
            Words {
                chinese: true,
                listing: "清单",
                verified_on_one: "验证通过的 dmesg，内核",
                verified_on: "验证通过的 dmesg，内核",
                sep: "、",
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
                model: "模型",
                variant: "变体",
                explored: "穷举模型中原子步骤的所有交错：共 {schedules} 种调度，可达结果 {n} 种。",
                explored_one:
                    "穷举模型中原子步骤的所有交错：共 {schedules} 种调度，可达结果只有 1 种。",
                outcome_of: "可达结果 {i}/{n}：",
                observed_as: "verify 会把这样的运行判定为 {as}。",
                seen_on: "模块在内核 {kernels} 上的验证运行正是这个结果。",
                not_seen: "模块的验证运行在哪个内核上都不是这个结果。",
                witness: "见证调度（{n} 步）",
                prints_nothing: "（模块什么也不打印）",
                gap: "",
                variant_intro: "变体 {name}：步骤相同，启动时加上{how}",
                with_params: "内核参数 {params}",
                with_vcpus: "{n} 个 vCPU",
                as_listed: "按清单运行",
                and: "，并用",
                measured_caption: "已验收运行中的测量值 {key}（文本 {line}）：",
                release: "内核版本",
                run_date: "运行日期（UTC）",
                no_run: "未运行：清单在此内核上构建失败（预期如此）",
            }
        } else {
            Words {
                chinese: false,
                listing: "Listing",
                verified_on_one: "Verified dmesg, kernel",
                verified_on: "Verified dmesg, kernels",
                sep: ", ",
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
                model: "Model",
                variant: "Variant",
                explored: "Every interleaving of the model's atomic steps: {schedules} schedules, {n} reachable outcomes.",
                explored_one: "Every interleaving of the model's atomic steps: {schedules} schedules, one reachable outcome.",
                outcome_of: "Reachable outcome {i} of {n}:",
                observed_as: "verify classifies such a run as {as}.",
                seen_on: "The module's verified runs ended this way on kernels {kernels}.",
                not_seen: "None of the module's verified runs ended this way.",
                witness: "Witness schedule ({n} steps)",
                prints_nothing: "(the module prints nothing)",
                gap: " ",
                variant_intro: "Variant {name}: the same steps, booted with {how}",
                with_params: "the kernel parameters {params}",
                with_vcpus: "{n} vCPUs",
                as_listed: "as listed",
                and: " and ",
                measured_caption: "Measured in the accepted runs, {key} (the text {line}):",
                release: "Kernel release",
                run_date: "Run on (UTC)",
                no_run: "no run: the listing does not build on this kernel (as expected)",
            }
        }
    }

    /// The caption of `scenario` in this language: its `title_zh` on the
    /// Chinese pages, its `title` on the English ones.
    pub fn title<'a>(&self, scenario: &'a Scenario) -> &'a str {
        if self.chinese {
            &scenario.title_zh
        } else {
            &scenario.title
        }
    }
}

/// A code block as mdBook renders a fenced one (`<pre><code
/// class="language-LANG">`), written as raw HTML so that `body` is escaped
/// text whatever it holds (a fence, `</code>`, `{{#include}}`). `lang` is
/// the book's own.
pub(super) fn code_block(lang: &str, body: &str) -> String {
    format!(
        "<pre><code class=\"language-{lang}\">{}\n</code></pre>\n",
        html_escape(body.trim_end_matches('\n'))
    )
}

/// Kernels that printed the same thing, in matrix order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    /// Matrix ids, in matrix order.
    pub kernels: Vec<String>,
    /// Their accepted output, the snapshot's text.
    pub text: String,
}

/// The accepted output of every kernel of the matrix, grouped by equality.
/// A kernel without an accepted snapshot is an error naming the kernel and
/// the command that makes one.
/// For a variant (an expanded [`Scenario`] with `variant` set): its own
/// snapshots, on the kernels it runs on.
pub fn groups(scenario: &Scenario, matrix: &Matrix) -> Result<Vec<Group>, String> {
    let store = Store::new(&scenario.dir, &scenario.id());
    let mut groups: Vec<Group> = Vec::new();
    let mut missing = Vec::new();
    for k in matrix.kernels.iter().filter(|k| scenario.runs_on(&k.id)) {
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
            "listing `{id}` has no accepted snapshot for kernel {} (neither {}/snapshots/{id}.snap nor {id}@KERNEL.snap); \
             run `cargo run -p verify -- --accept {name}` and commit the snapshots",
            missing.join(", "),
            scenario.dir.display(),
            id = scenario.id(),
            name = scenario.name,
        ));
    }
    Ok(groups)
}

/// The files of a listing shown in the book: C sources and headers, then
/// Kbuild. The listing's directory (and its `snapshots/`) must hold only
/// regular files; nothing is read through a link.
pub(super) fn listing_files(root: &Path, dir: &Path) -> Result<Vec<(String, String)>, String> {
    files::check_dir(root, dir, &["snapshots"], Holder::Listing)?;
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
        .map(|n| files::read(root, &dir.join(&n), Holder::Listing).map(|text| (n, text)))
        .collect()
}

fn letter(i: usize) -> char {
    (b'A' + (i % 26) as u8) as char
}

/// The verified outputs of one run of a listing (itself or a variant):
/// the first group in full, each next one as a diff from the one before,
/// with its full text folded.
fn outputs(md: &mut String, groups: &[Group], words: &Words) {
    let several = groups.len() > 1;
    for (i, g) in groups.iter().enumerate() {
        let verified = format!(
            "{} {}",
            if g.kernels.len() == 1 {
                words.verified_on_one
            } else {
                words.verified_on
            },
            g.kernels.join(words.sep)
        );
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
            md.push_str(&code_block("text", &g.text));
            md.push('\n');
            continue;
        }
        let prev = &groups[i - 1];
        let caption = words
            .differs
            .replace("{b}", &letter(i).to_string())
            .replace("{b_kernels}", &g.kernels.join(words.sep))
            .replace("{a}", &letter(i - 1).to_string())
            .replace("{a_kernels}", &prev.kernels.join(words.sep));
        let _ = writeln!(
            md,
            "<p class=\"kmod-output\">{}</p>\n",
            html_escape(&caption)
        );
        let diff =
            similar::TextDiff::from_lines(&format!("{}\n", prev.text), &format!("{}\n", g.text))
                .unified_diff()
                .context_radius(2)
                .header(&prev.kernels.join(", "), &g.kernels.join(", "))
                .to_string();
        md.push_str(&code_block("diff", &diff));
        md.push('\n');
        let _ = writeln!(
            md,
            "<details class=\"kmod-group\">\n<summary>{}</summary>\n",
            html_escape(&format!("{} {} — {verified}", words.full_output, letter(i)))
        );
        md.push_str(&code_block("text", &g.text));
        md.push_str("\n</details>\n\n");
    }
}

/// `{{#kmod NAME}}`: the listing, its verified dmesg per kernel (identical
/// outputs grouped; a diff where kernels differ), the outcome per kernel, and
/// the command that reproduces it.
/// `root` is the repository's root: the listing must be below it, reached
/// through no link.
pub fn kmod(
    root: &Path,
    scenario: &Scenario,
    matrix: &Matrix,
    words: &Words,
) -> Result<String, String> {
    // Checked before the snapshots are read.
    let files = listing_files(root, &scenario.dir)?;
    let name = html_escape(&scenario.name);
    let groups_base = groups(scenario, matrix)?;
    let mut md = String::new();
    // Blank lines around the div: Markdown inside an HTML block needs them.
    let _ = writeln!(md, "<div class=\"kmod\" id=\"kmod-{name}\">\n");
    let _ = writeln!(
        md,
        "<p class=\"kmod-title\">{} <code>{name}</code>: {}</p>\n",
        words.listing,
        html_escape(words.title(scenario))
    );
    for (file, text) in &files {
        let lang = if file == "Kbuild" { "makefile" } else { "c" };
        let _ = writeln!(
            md,
            "<p class=\"kmod-file\"><code>kmods/{name}/{}</code></p>\n",
            html_escape(file)
        );
        md.push_str(&code_block(lang, text));
        md.push('\n');
    }

    let runs = scenario.expand();
    let mut all_groups = Vec::new();
    for run in &runs {
        let groups = if run.variant.is_none() {
            groups_base.clone()
        } else {
            groups(run, matrix)?
        };
        if let Some(v) = &run.variant {
            let spec = scenario.variants.iter().find(|x| &x.name == v);
            let mut how = Vec::new();
            if let Some(spec) = spec.filter(|x| !x.cmdline.is_empty()) {
                how.push(words.with_params.replace(
                    "{params}",
                    &format!("<code>{}</code>", html_escape(&spec.cmdline.join(" "))),
                ));
            }
            if let Some(n) = spec.and_then(|x| x.vcpus) {
                how.push(words.with_vcpus.replace("{n}", &n.to_string()));
            }
            let _ = writeln!(
                md,
                "<p class=\"kmod-variant\" id=\"kmod-{name}-{}\">{}</p>\n",
                html_escape(v),
                words
                    .variant_intro
                    .replace("{name}", &format!("<code>{}</code>", html_escape(v)))
                    .replace("{how}", &how.join(words.and))
            );
        }
        outputs(&mut md, &groups, words);
        all_groups.push(groups);
    }

    // The outcome on each kernel, one column per variant.
    let several = |g: &Vec<Group>| g.len() > 1;
    let _ = write!(md, "| {} | {} |", words.kernel, words.suite);
    for run in &runs {
        let head = match &run.variant {
            None if runs.len() > 1 => format!("{} ({})", words.outcome, words.as_listed),
            None => words.outcome.to_string(),
            Some(v) => format!("{} <code>{}</code>", words.variant, html_escape(v)),
        };
        let _ = write!(md, " {head} |");
    }
    if several(&all_groups[0]) {
        let _ = write!(md, " {} |", words.output);
    }
    let columns = 2 + runs.len() + usize::from(several(&all_groups[0]));
    md.push('\n');
    md.push_str(&"|---".repeat(columns));
    md.push_str("|\n");
    for k in &matrix.kernels {
        let _ = write!(md, "| {} | {} |", html_escape(&k.id), html_escape(&k.suite));
        for run in &runs {
            if run.runs_on(&k.id) {
                let outcome: Outcome = run.expected(&k.id);
                let _ = write!(md, " <code>{}</code> |", html_escape(&outcome.to_string()));
            } else {
                md.push_str(" — |");
            }
        }
        if several(&all_groups[0]) {
            let i = all_groups[0]
                .iter()
                .position(|g| g.kernels.contains(&k.id))
                .unwrap_or(0);
            let _ = write!(md, " {} |", letter(i));
        }
        md.push('\n');
    }
    md.push('\n');

    // The numbers a run measures, from the accepted runs: the listing's,
    // then each variant's.
    for run in &runs {
        for m in &run.measures {
            let mut caption = words
                .measured_caption
                .replace("{key}", &format!("<code>{}</code>", html_escape(&m.name)))
                .replace("{line}", &format!("<code>{}</code>", html_escape(&m.line)));
            if let Some(v) = &run.variant {
                caption = format!(
                    "{} <code>{}</code>: {caption}",
                    words.variant,
                    html_escape(v)
                );
            }
            let _ = writeln!(md, "<p class=\"kmod-measure\">{caption}</p>\n");
            md.push_str(&measure(root, run, &m.name, matrix, words)?);
            md.push('\n');
        }
    }

    let _ = writeln!(md, "<p class=\"kmod-reproduce\">{}</p>\n", words.reproduce);
    md.push_str(&code_block(
        "sh",
        &format!("cargo run -p verify -- {}", scenario.name),
    ));
    md.push_str("\n</div>\n");
    Ok(md)
}

/// `{{#sim NAME}}`: every reachable outcome of simulation `NAME` (per
/// variant), with the module's lines it prints, how verify would classify it,
/// the kernels whose verified run of the modelled listing ended that way
/// (from the accepted snapshots of `modules`, through the same cross-check
/// as `cargo run -p verify`), one witness schedule, and the command that
/// reproduces it. The exploration must equal the accepted snapshot.
pub fn sim(
    root: &Path,
    name: &str,
    modules: &[Scenario],
    matrix: &Matrix,
    words: &Words,
) -> Result<String, String> {
    let run = sim::run(name).ok_or_else(|| {
        format!(
            "no simulation `{name}` in {}/ (there are: {})",
            sim::EXAMPLES_DIR,
            sim::names().join(", ")
        )
    })?;
    let store = sim::store(root, name);
    let snap = format!("{}/snapshots/{name}.snap", sim::EXAMPLES_DIR);
    files::check_dir(
        root,
        &root.join(sim::EXAMPLES_DIR).join("snapshots"),
        &[],
        Holder::Repository,
    )?;
    match store
        .compare_single(&run.text)
        .map_err(|e| format!("{e:#}"))?
        .0
    {
        Status::Match => {}
        Status::Missing => {
            return Err(format!(
                "simulation `{name}` has no accepted snapshot ({snap}); run `cargo run -p verify -- --accept {name}` and commit it"
            ))
        }
        Status::Mismatch => {
            return Err(format!(
                "simulation `{name}` no longer prints its accepted snapshot {snap}; `cargo run -p verify -- {name}` shows the difference, `cargo run -p verify -- --accept {name}` accepts it"
            ))
        }
    }
    let report = &run.report;
    let mut md = String::new();
    let id = html_escape(name);
    let _ = writeln!(md, "<div class=\"sim\" id=\"sim-{id}\">\n");
    let _ = writeln!(
        md,
        "<p class=\"sim-title\">{} <code>{id}</code>: {}</p>\n",
        words.model,
        html_escape(if words.chinese {
            &report.title_zh
        } else {
            &report.title
        })
    );
    let several = report.variants.len() > 1;
    for v in &report.variants {
        let module = v.kmod.as_deref().unwrap_or(name);
        if several {
            let _ = writeln!(
                md,
                "<p class=\"sim-variant\">{} <code>{}</code>: <code>{}</code></p>\n",
                words.variant,
                html_escape(&v.variant),
                html_escape(&v.summary)
            );
        } else {
            let _ = writeln!(
                md,
                "<p class=\"sim-variant\"><code>{}</code></p>\n",
                html_escape(&v.summary)
            );
        }
        let explored = if v.outcomes.len() == 1 {
            words.explored_one
        } else {
            words.explored
        };
        let _ = writeln!(
            md,
            "<p class=\"sim-explored\">{}</p>\n",
            explored
                .replace("{schedules}", &v.schedules.to_string())
                .replace("{n}", &v.outcomes.len().to_string())
        );
        let seen = match v.kmod.as_deref() {
            Some(kmod) => seen_on(root, v, kmod, modules, matrix)?,
            None => None,
        };
        let n = v.outcomes.len();
        for (i, o) in v.outcomes.iter().enumerate() {
            let _ = writeln!(
                md,
                "<p class=\"sim-outcome\">{} <code>{}</code></p>\n",
                words
                    .outcome_of
                    .replace("{i}", &(i + 1).to_string())
                    .replace("{n}", &n.to_string()),
                html_escape(&o.name)
            );
            let mut notes = words.observed_as.replace(
                "{as}",
                &o.observed_as
                    .iter()
                    .map(|c| format!("<code>{}</code>", html_escape(&c.to_string())))
                    .collect::<Vec<_>>()
                    .join(" / "),
            );
            if let Some(seen) = &seen {
                let kernels: Vec<&str> = seen
                    .iter()
                    .filter(|(_, hit)| hit == &o.name)
                    .map(|(k, _)| k.as_str())
                    .collect();
                notes.push_str(words.gap);
                if kernels.is_empty() {
                    notes.push_str(words.not_seen);
                } else {
                    notes.push_str(
                        &words
                            .seen_on
                            .replace("{kernels}", &html_escape(&kernels.join(", "))),
                    );
                }
            }
            let _ = writeln!(md, "<p class=\"sim-seen\">{notes}</p>\n");
            let dmesg: Vec<String> = o.dmesg.iter().map(|l| format!("{module}: {l}")).collect();
            if dmesg.is_empty() {
                md.push_str(&code_block("text", words.prints_nothing));
            } else {
                md.push_str(&code_block("text", &dmesg.join("\n")));
            }
            md.push('\n');
            let steps: Vec<String> = o
                .witness
                .iter()
                .enumerate()
                .map(|(i, w)| examples::report::witness_line(i + 1, w))
                .collect();
            let _ = writeln!(
                md,
                "<details class=\"sim-witness\">\n<summary>{}</summary>\n",
                words.witness.replace("{n}", &steps.len().to_string())
            );
            md.push_str(&code_block("text", &steps.join("\n")));
            md.push_str("\n</details>\n\n");
        }
    }
    let _ = writeln!(md, "<p class=\"sim-reproduce\">{}</p>\n", words.reproduce);
    md.push_str(&code_block("sh", &sim::command(name)));
    md.push_str("\n</div>\n");
    Ok(md)
}

/// For each kernel with an accepted snapshot of `kmod`: the model's outcome
/// that run was. `None` when `kmod` is not a listing here. A snapshot the
/// model cannot reach fails the build, as it fails `cargo run -p verify`.
fn seen_on(
    root: &Path,
    v: &examples::VariantReport,
    kmod: &str,
    modules: &[Scenario],
    matrix: &Matrix,
) -> Result<Option<Vec<(String, String)>>, String> {
    let Some(module) = modules.iter().find(|s| s.name == kmod) else {
        return Ok(None);
    };
    files::check_dir(root, &module.dir, &["snapshots"], Holder::Listing)?;
    let store = Store::new(&module.dir, kmod);
    let mut seen = Vec::new();
    for k in &matrix.kernels {
        let Some((path, text)) = store.expected(&k.id).map_err(|e| format!("{e:#}"))? else {
            continue; // {{#kmod}} names a missing snapshot
        };
        match crosscheck::check_variant(v, kmod, module.expected(&k.id), &text) {
            Ok(Some(hit)) => seen.push((k.id.clone(), hit)),
            Ok(None) => {}
            Err(e) => {
                return Err(format!(
                    "the accepted output of `{kmod}` on kernel {} ({}) is {e}",
                    k.id,
                    path.display()
                ))
            }
        }
    }
    Ok(Some(seen))
}

/// `{{#measure NAME KEY}}`: the values of measure `KEY` of listing
/// `scenario` in each kernel's accepted run, from its measured file
/// `kmods/NAME/snapshots/NAME.measured.toml` (written by `--accept`): a
/// table of kernel, value(s), kernel release and day of the run, in matrix
/// order. A kernel the manifest expects not to build has no run and says so.
/// Errors: `KEY` is not a measure of the listing; the file is missing,
/// damaged or a link; a kernel of the matrix has no recorded value.
pub fn measure(
    root: &Path,
    scenario: &Scenario,
    key: &str,
    matrix: &Matrix,
    words: &Words,
) -> Result<String, String> {
    let name = &scenario.name;
    let Some(m) = scenario.measures.iter().find(|m| m.name == key) else {
        let declared: Vec<&str> = scenario.measures.iter().map(|m| m.name.as_str()).collect();
        return Err(format!(
            "listing `{name}` has no measure `{key}` ({}; a [[measure]] with `name = \"{key}\"` in kmods/{name}/scenario.toml declares one)",
            if declared.is_empty() {
                "it declares none".to_string()
            } else {
                format!("it has: {}", declared.join(", "))
            }
        ));
    };
    files::check_dir(root, &scenario.dir, &["snapshots"], Holder::Listing)?;
    // A variant records its values beside its snapshots, under its own name.
    let path = crate::measure::recorded_path(&scenario.dir, &scenario.id());
    let accept = format!(
        "run `cargo run -p verify -- --accept {name}` and commit {}",
        path.strip_prefix(root).unwrap_or(&path).display()
    );
    if !files::inside(root, &path, Holder::Listing)? {
        return Err(format!(
            "listing `{name}` has no measured values ({} is missing); {accept}",
            path.strip_prefix(root).unwrap_or(&path).display()
        ));
    }
    let text = files::read(root, &path, Holder::Listing)?;
    let recorded = crate::measure::Recorded::parse(&text).map_err(|e| {
        format!(
            "{}: {e:#}; {accept}",
            path.strip_prefix(root).unwrap_or(&path).display()
        )
    })?;
    let runs = recorded.0.get(key);
    let mut md = format!(
        "| {} | <code>{}</code> | {} | {} |\n|---|---|---|---|\n",
        words.kernel,
        html_escape(&m.line),
        words.release,
        words.run_date
    );
    let mut missing = Vec::new();
    for k in matrix.kernels.iter().filter(|k| scenario.runs_on(&k.id)) {
        match runs.and_then(|r| r.get(&k.id)) {
            Some(r) => {
                let values: Vec<String> = r.values.iter().map(i64::to_string).collect();
                let _ = writeln!(
                    md,
                    "| {} | {} | <code>{}</code> | {} |",
                    html_escape(&k.id),
                    html_escape(&values.join(", ")),
                    html_escape(&r.release),
                    html_escape(&r.date)
                );
            }
            None if scenario.expected(&k.id) == Outcome::BuildError => {
                let _ = writeln!(md, "| {} | {} | | |", html_escape(&k.id), words.no_run);
            }
            None => missing.push(k.id.as_str()),
        }
    }
    if !missing.is_empty() {
        return Err(format!(
            "measure `{key}` of listing `{name}` has no recorded value for kernel {}; {accept}",
            missing.join(", ")
        ));
    }
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
            .map_or("-".to_string(), |p| {
                format!("<code>{}</code>", html_escape(p))
            });
        // `deb URL SUITE COMPONENT…` → `SUITE COMPONENT…`
        let archives: Vec<String> = k
            .mirrors
            .iter()
            .map(|m| m.split_whitespace().skip(2).collect::<Vec<_>>().join(" "))
            .map(|a| format!("<code>{}</code>", html_escape(&a)))
            .collect();
        let verified = scenarios
            .iter()
            .filter(|s| Store::new(&s.dir, &s.name).has(&k.id))
            .count();
        let _ = writeln!(
            md,
            "| {} | {} | {image} | {} | {verified} |",
            html_escape(&k.id),
            html_escape(&k.suite),
            archives.join("<br>")
        );
    }
    md
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
    fn code_blocks_are_escaped_html() {
        assert_eq!(
            code_block("c", "a\n"),
            "<pre><code class=\"language-c\">a\n</code></pre>\n"
        );
        assert_eq!(
            code_block("text", "```\n</code></pre><img src=x>\n\n{{#include /etc/passwd}}\n"),
            "<pre><code class=\"language-text\">&#96;&#96;&#96;&#10;&lt;/code&gt;&lt;/pre&gt;&lt;img src=x&gt;&#10;&#10;&#123;&#123;&#35;include /etc/passwd&#125;&#125;\n</code></pre>\n"
        );
    }

    #[test]
    fn every_listing_renders_with_its_snapshot_text() {
        let (m, scenarios) = load();
        assert!(!scenarios.is_empty());
        for s in &scenarios {
            let md = kmod(&repo(), s, &m, &Words::for_language("en")).unwrap();
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
                    md.contains(&html_escape(&g.text)),
                    "{}: output of {:?} is in the text",
                    s.name,
                    g.kernels
                );
            }
            assert!(md.contains(&html_escape(&format!("cargo run -p verify -- {}", s.name))));
            assert!(md.contains(&html_escape(&format!("kmods/{}/Kbuild", s.name))));
            if groups.len() > 1 {
                assert!(
                    md.contains("<pre><code class=\"language-diff\">"),
                    "{}: a diff where kernels differ",
                    s.name
                );
            }
            for k in &m.kernels {
                assert!(md.contains(&format!(
                    "| {} | {} | <code>{}</code> |",
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
            "title='T <x>'\ntitle_zh='T <x> 中'\nexpect='clean'\nsteps=['insmod demo.ko']\n[expect_on]\nb='oops'\n",
            &m.ids(),
        )
        .unwrap();
        let err = kmod(&d, &s, &m, &Words::for_language("en")).unwrap_err();
        assert!(
            err.contains("no accepted snapshot for kernel a, b, c"),
            "{err}"
        );
        let store = Store::new(&dir, "demo");
        store
            .write_file(&store.shared_path(), "$ insmod demo.ko\nsame\n")
            .unwrap();
        store
            .write_file(&store.kernel_path("b"), "$ insmod demo.ko\nother\n")
            .unwrap();
        let g = groups(&s, &m).unwrap();
        assert_eq!(g.len(), 2);
        assert_eq!(g[0].kernels, ["a", "c"]);
        assert_eq!(g[1].kernels, ["b"]);
        let md = kmod(&d, &s, &m, &Words::for_language("zh")).unwrap();
        // The Chinese page captions the listing with `title_zh`, escaped,
        // and never with the English `title`.
        assert!(
            md.contains("清单 <code>demo</code>: T &lt;x&gt; 中</p>"),
            "{md}"
        );
        assert!(!md.contains("T &lt;x&gt;</p>"), "{md}");
        let en = kmod(&d, &s, &m, &Words::for_language("en")).unwrap();
        assert!(
            en.contains("Listing <code>demo</code>: T &lt;x&gt;</p>") && !en.contains(" 中"),
            "{en}"
        );
        assert!(md.contains(&html_escape("-same\n+other")), "{md}");
        assert!(md.contains("| b | s2 | <code>oops</code> | B |"), "{md}");
        assert!(md.contains("验证通过的 dmesg，内核 a、c"), "{md}");
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// A variant's outputs follow the listing's, each introduced by what it
    /// changes; the outcome table has a column per variant, with a dash for
    /// a kernel the variant does not run on.
    #[test]
    fn variants_are_shown_kernel_by_variant() {
        let d = std::env::temp_dir().join(format!("verify-render-variant-{}", std::process::id()));
        let dir = d.join("kmods/demo");
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("demo.c"), "int x;\n").unwrap();
        std::fs::write(dir.join("Kbuild"), "obj-m += demo.o\n").unwrap();
        let m = Matrix::parse(
            "[[kernel]]\nid='a'\nsuite='s1'\nmirrors=['deb u s1 main']\npackages=[]\n\
             [[kernel]]\nid='b'\nsuite='s2'\nmirrors=['deb u s2 main']\npackages=[]\n",
        )
        .unwrap();
        let s = Scenario::parse(
            &dir,
            "title='T'\ntitle_zh='T 中'\nexpect='oops'\nsteps=['insmod demo.ko']\n\
             [[variant]]\nname='checked'\ncmdline=['slub_debug=FZPU']\nvcpus=2\nkernels=['b']\nexpect='warn'\n",
            &m.ids(),
        )
        .unwrap();
        let store = Store::new(&dir, "demo");
        store
            .write_file(&store.shared_path(), "$ insmod demo.ko\nplain\n")
            .unwrap();
        // The variant's snapshot is missing: named with its own file.
        let err = kmod(&d, &s, &m, &Words::for_language("en")).unwrap_err();
        assert!(
            err.contains("`demo.checked`")
                && err.contains("for kernel b")
                && err.contains("--accept demo"),
            "{err}"
        );
        let v = Store::new(&dir, "demo.checked");
        v.write_file(&v.shared_path(), "$ insmod demo.ko\nchecked <x>\n")
            .unwrap();
        let md = kmod(&d, &s, &m, &Words::for_language("en")).unwrap();
        let intro = format!(
            "Variant <code>checked</code>: the same steps, booted with the kernel parameters <code>{}</code> and 2 vCPUs",
            html_escape("slub_debug=FZPU")
        );
        assert!(md.contains(&intro), "{md}");
        assert!(md.contains("checked &lt;x&gt;"), "{md}");
        assert!(md.find("plain").unwrap() < md.find("checked &lt;x&gt;").unwrap());
        assert!(
            md.contains(
                "| Kernel | Debian suite | Outcome (as listed) | Variant <code>checked</code> |"
            ),
            "{md}"
        );
        assert!(md.contains("| a | s1 | <code>oops</code> | — |"), "{md}");
        assert!(
            md.contains("| b | s2 | <code>oops</code> | <code>warn</code> |"),
            "{md}"
        );
        let zh = kmod(&d, &s, &m, &Words::for_language("zh")).unwrap();
        assert!(zh.contains("变体 <code>checked</code>"), "{zh}");

        // A variant's measured values come from its own file, on its kernels.
        let s = Scenario::parse(
            &dir,
            "title='T'\ntitle_zh='T 中'\nexpect='oops'\nsteps=['insmod demo.ko']\n\
             [[measure]]\nname='n'\nline='n=<N>'\n\
             [[variant]]\nname='checked'\nvcpus=2\nkernels=['b']\nexpect='warn'\n",
            &m.ids(),
        )
        .unwrap();
        let row = |k: &str, v: i64| {
            format!("[n.\"{k}\"]\nvalues = [{v}]\nrelease = \"r-{k}\"\ndate = \"2026-12-01\"\n")
        };
        std::fs::write(
            dir.join("snapshots/demo.measured.toml"),
            row("a", 11) + &row("b", 12),
        )
        .unwrap();
        let err = kmod(&d, &s, &m, &Words::for_language("en")).unwrap_err();
        assert!(err.contains("demo.checked.measured.toml"), "{err}");
        std::fs::write(
            dir.join("snapshots/demo.checked.measured.toml"),
            row("b", 21),
        )
        .unwrap();
        let md = kmod(&d, &s, &m, &Words::for_language("en")).unwrap();
        assert!(
            md.contains("| a | 11 |") && md.contains("| b | 12 |"),
            "{md}"
        );
        let variant_part = &md[md.find("Variant <code>checked</code>: Measured").unwrap()..];
        assert!(
            variant_part.contains("| b | 21 |") && !variant_part.contains("| a |"),
            "{md}"
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// What the book did not write never reaches the page as markup: not as
    /// HTML, not as Markdown (links, code spans, table cells), not as a
    /// directive of this preprocessor or of mdBook's `links`.
    #[test]
    fn hostile_names_titles_data_and_outputs_are_escaped() {
        const IMG: &str = "<img src=x onerror=alert(1)>";
        let d = std::env::temp_dir().join(format!("verify-render-xss-{}", std::process::id()));
        let dir = d.join("kmods/demo");
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join(format!("{IMG}.h")), "/* </code> ``` */\n").unwrap();
        std::fs::write(
            dir.join("demo.c"),
            "#include \"x.h\" // {{#include /etc/passwd}}\n",
        )
        .unwrap();
        std::fs::write(dir.join("Kbuild"), "obj-m += demo.o\n").unwrap();
        let m = Matrix::parse(&format!(
            "[[kernel]]\nid='a'\nsuite='s1{IMG}\\\"q\\\"`x`|[l](javascript:alert(2))'\n\
             mirrors=['deb u s1 main<script>']\npackages=['linux-image-`x`<b>']\n\
             [[kernel]]\nid='b'\nsuite='s2'\nmirrors=['deb u s2 main']\npackages=[]\n"
        ))
        .unwrap();
        let s = Scenario::parse(
            &dir,
            "title=\"t {{#kmod other}} <script>alert(3)</script> [x](javascript:alert(4)) `c` ' \\\"\"\n\
             title_zh=\"标题 {{#kmod other}} <script>alert(7)</script> [x](javascript:alert(8)) `c`\"\n\
             expect='clean'\nsteps=['insmod demo.ko']\n",
            &m.ids(),
        )
        .unwrap();
        let store = Store::new(&dir, "demo");
        store
            .write_file(
                &store.shared_path(),
                "$ insmod demo.ko\n</code></pre><img src=x onerror=alert(5)>\n```\n<b>x</b>\n",
            )
            .unwrap();
        store
            .write_file(
                &store.kernel_path("b"),
                "$ insmod demo.ko\n[y](javascript:alert(6))\n",
            )
            .unwrap();
        let words = Words::for_language("en");
        let zh = Words::for_language("zh");
        let en = kmod(&d, &s, &m, &words).unwrap() + &kernels(&m, std::slice::from_ref(&s), &words);
        // The Chinese page too: its caption is the hostile `title_zh`.
        let md = en.clone() + &kmod(&d, &s, &m, &zh).unwrap();
        for raw in [
            "<img",
            "<script",
            "<b>",
            "/* </code>",
            "</code></pre><img",
            "](javascript",
            "{{",
            "`x`",
            "`c`",
            "```",
            "|[l]",
        ] {
            assert!(!md.contains(raw), "`{raw}` reached the page: {md}");
        }
        assert!(
            md.contains(&html_escape(&format!("kmods/demo/{IMG}.h"))),
            "{md}"
        );
        assert!(md.contains(&html_escape(&s.title)), "{md}");
        assert!(md.contains(&html_escape(&s.title_zh)), "{md}");
        let suite = &m.kernels[0].suite;
        assert!(suite.contains(IMG) && suite.contains("`x`|[l](javascript"));
        assert_eq!(en.matches(&html_escape(suite)).count(), 2, "{en}");
        // Every table row still has its five (or three plus output) cells.
        for row in md.lines().filter(|l| l.starts_with("| a |")) {
            assert!(matches!(row.matches(" | ").count(), 3 | 4), "{row}");
        }
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_simulation_renders_every_reachable_outcome_with_a_witness() {
        let (m, s) = load();
        let md = sim(
            &repo(),
            "stop_after_run",
            &s,
            &m,
            &Words::for_language("en"),
        )
        .unwrap();
        let report = examples::run("stop_after_run").unwrap();
        let v = &report.variants[0];
        assert_eq!(v.outcomes.len(), 2);
        for (i, o) in v.outcomes.iter().enumerate() {
            assert!(
                md.contains(&format!("Reachable outcome {} of 2: <code>", i + 1)),
                "{md}"
            );
            assert!(md.contains(&html_escape(&o.name)), "{}", o.name);
            for l in &o.dmesg {
                let line = html_escape(&format!("stop_after_run: {l}"));
                assert!(md.contains(&line), "{l}");
            }
            let summary = format!("Witness schedule ({} steps)", o.witness.len());
            assert!(md.contains(&summary), "{summary}");
            let last = examples::report::witness_line(o.witness.len(), o.witness.last().unwrap());
            assert!(md.contains(&html_escape(&last)), "{last}");
        }
        // The verified runs of the listing are the -EINTR outcome, on every kernel.
        let kernels: Vec<&str> = m.kernels.iter().map(|k| k.id.as_str()).collect();
        let seen = format!(
            "The module's verified runs ended this way on kernels {}.",
            kernels.join(", ")
        );
        assert_eq!(md.matches(&seen).count(), 1, "{md}");
        assert!(md.contains("None of the module's verified runs ended this way."));
        assert!(md.contains(
            "<pre><code class=\"language-sh\">cargo run -p examples --bin stop&#95;after&#95;run\n</code></pre>"
        ));

        assert!(md.contains("1521 schedules, 2 reachable outcomes."), "{md}");
        assert!(!md.contains("Variant"), "one variant: no variant names");

        // A variant that models no listing says nothing about kernels; one
        // that models a load of a listing says where that load's runs landed.
        let md = sim(&repo(), "lost_wakeup", &s, &m, &Words::for_language("zh")).unwrap();
        // The Chinese page titles the model in Chinese.
        assert!(
            md.contains(&format!(
                "模型 <code>{}</code>: {}",
                html_escape("lost_wakeup"),
                html_escape("在检查条件与 set_current_state() 之间丢失的唤醒")
            )),
            "{md}"
        );
        assert!(!md.contains("A wake-up lost between"), "{md}");
        let variants: Vec<&str> = md.split("<p class=\"sim-variant\">").skip(1).collect();
        assert_eq!(variants.len(), 4, "{md}");
        assert!(variants[1].starts_with("变体 <code>state-before-check</code>"));
        assert!(!variants[0].contains("验证运行") && !variants[1].contains("验证运行"));
        for v in &variants[2..] {
            let seen = format!(
                "模块在内核 {} 上的验证运行正是这个结果。",
                kernels.join(", ")
            );
            assert!(v.contains(&seen), "{v}");
        }
        assert!(md.contains("见证调度"), "{md}");
        assert!(
            md.contains("（模块什么也不打印）"),
            "a hang that prints nothing: {md}"
        );

        let err = sim(&repo(), "nope", &s, &m, &Words::for_language("en")).unwrap_err();
        assert!(
            err.contains("no simulation `nope`") && err.contains("stop_after_run"),
            "{err}"
        );
    }

    #[test]
    fn a_simulation_without_its_accepted_snapshot_is_refused() {
        let d = std::env::temp_dir().join(format!("verify-render-sim-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        let (m, s) = load();
        let words = Words::for_language("en");
        let err = sim(&d, "cancel_created", &s, &m, &words).unwrap_err();
        assert!(err.contains("no accepted snapshot"), "{err}");
        assert!(err.contains("--accept cancel_created"), "{err}");
        let store = sim::store(&d, "cancel_created");
        store.accept_single("an older output").unwrap();
        let err = sim(&d, "cancel_created", &s, &m, &words).unwrap_err();
        assert!(
            err.contains("no longer prints its accepted snapshot"),
            "{err}"
        );
        let run = sim::run("cancel_created").unwrap();
        store.accept_single(&run.text).unwrap();
        // The listings are the repository's, outside this scratch root: none
        // is read from here.
        assert!(sim(&d, "cancel_created", &[], &m, &words).is_ok());
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn a_verified_run_the_model_cannot_reach_fails_the_simulation() {
        let (m, s) = load();
        let mut modules = s.clone();
        let listing = modules
            .iter_mut()
            .find(|s| s.name == "completion_handshake")
            .unwrap();
        // The manifest says the run hung: the model of the listing cannot.
        listing.expect = Outcome::HungTask;
        listing.expect_on.clear();
        let err = sim(
            &repo(),
            "completion_handshake",
            &modules,
            &m,
            &Words::for_language("en"),
        )
        .unwrap_err();
        assert!(
            err.contains("the accepted output of `completion_handshake` on kernel")
                && err.contains("observed `hung-task`"),
            "{err}"
        );
    }

    #[test]
    fn measures_render_from_the_recorded_file_and_name_what_is_missing() {
        let d = std::env::temp_dir().join(format!("verify-render-measure-{}", std::process::id()));
        let dir = d.join("kmods/demo");
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&dir).unwrap();
        let m = Matrix::parse(
            "[[kernel]]\nid='a'\nsuite='s1'\nmirrors=['deb u s1 main']\npackages=[]\n\
             [[kernel]]\nid='b'\nsuite='s2'\nmirrors=['deb u s2 main']\npackages=[]\n\
             [[kernel]]\nid='c'\nsuite='s3'\nmirrors=['deb u s3 main']\npackages=[]\n",
        )
        .unwrap();
        let s = Scenario::parse(
            &dir,
            "title='T'\ntitle_zh='T 中'\nexpect='clean'\nsteps=['insmod demo.ko']\n[expect_on]\nc='build-error'\n\
             [[measure]]\nname='ran'\nline='ran=<N>/300 <b>'\n",
            &m.ids(),
        )
        .unwrap();
        let (en, zh) = (Words::for_language("en"), Words::for_language("zh"));
        let err = measure(&d, &s, "lost", &m, &en).unwrap_err();
        assert!(
            err.contains("no measure `lost`") && err.contains("it has: ran"),
            "{err}"
        );
        let err = measure(&d, &s, "ran", &m, &en).unwrap_err();
        assert!(
            err.contains("kmods/demo/snapshots/demo.measured.toml is missing")
                && err.contains("--accept demo"),
            "{err}"
        );
        let path = crate::measure::recorded_path(&dir, "demo");
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(
            &path,
            "[ran.a]\nvalues = [3, 14]\nrelease = \"5.10.0-32-cloud-amd64<img src=x>\"\ndate = \"2026-11-30\"\n",
        )
        .unwrap();
        let err = measure(&d, &s, "ran", &m, &en).unwrap_err();
        assert!(
            err.contains("measure `ran` of listing `demo` has no recorded value for kernel b;"),
            "c does not build, so only b is missing: {err}"
        );
        std::fs::write(
            &path,
            format!(
                "{}[ran.b]\nvalues = [0]\nrelease = \"6.1.0-57-cloud-amd64\"\ndate = \"2026-12-01\"\n",
                std::fs::read_to_string(&path).unwrap()
            ),
        )
        .unwrap();
        let md = measure(&d, &s, "ran", &m, &en).unwrap();
        assert_eq!(
            md,
            "| Kernel | <code>ran=&lt;N&gt;/300 &lt;b&gt;</code> | Kernel release | Run on (UTC) |\n\
             |---|---|---|---|\n\
             | a | 3, 14 | <code>5.10.0-32-cloud-amd64&lt;img src=x&gt;</code> | 2026-11-30 |\n\
             | b | 0 | <code>6.1.0-57-cloud-amd64</code> | 2026-12-01 |\n\
             | c | no run: the listing does not build on this kernel (as expected) | | |\n"
        );
        let md = measure(&d, &s, "ran", &m, &zh).unwrap();
        assert!(
            md.starts_with("| 内核 | <code>") && md.contains("| 内核版本 | 运行日期（UTC） |"),
            "{md}"
        );
        // A damaged file, then a link, are named.
        std::fs::write(
            &path,
            "[ran.a]\nvalues = []\nrelease = 'r'\ndate = '2026-11-30'\n",
        )
        .unwrap();
        let err = measure(&d, &s, "ran", &m, &en).unwrap_err();
        assert!(
            err.contains("demo.measured.toml: `ran.\"a\".values`: empty"),
            "{err}"
        );
        std::fs::remove_file(&path).unwrap();
        std::fs::write(d.join("host.toml"), "secret").unwrap();
        std::os::unix::fs::symlink(d.join("host.toml"), &path).unwrap();
        let err = measure(&d, &s, "ran", &m, &en).unwrap_err();
        assert!(
            err.contains("symbolic link") && !err.contains("secret"),
            "{err}"
        );
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn kernel_table_comes_from_the_matrix() {
        let (m, s) = load();
        let md = kernels(&m, &s, &Words::for_language("en"));
        for k in &m.kernels {
            assert!(md.contains(&format!("| {} | {} |", k.id, k.suite)), "{md}");
        }
        assert!(md.contains("<code>bookworm-security main</code>"), "{md}");
    }
}
