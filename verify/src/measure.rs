//! Measured values: numbers a listing prints that differ from run to run
//! (how often a race went one way), declared in its manifest so that the
//! book can quote them without anyone typing them (issue 10, point 4).
//!
//! ```toml
//! [[measure]]
//! name = "ran"            # [a-z0-9_]+, unique within the listing
//! line = "ran=<N>/3000"   # text the listing prints; <N> marks a whole number
//! at_least = 1            # optional, inclusive
//! at_most = 2999          # optional, inclusive
//! ```
//!
//! In a run, every occurrence of the text with a whole number at `<N>` in a
//! kernel line of the console (never in the init's events, which the
//! listing does not print) yields a value: a listing that loads its module
//! twice yields two. The snapshot shows the text with `<N>` in place of the
//! number, so it stays the same from run to run ([`extract`]). A run without
//! a value for a declared measure, or with a value outside its bounds,
//! fails ([`check`]). `--accept` writes the accepted run's values, with the
//! kernel release and the day of the run, into
//! `kmods/NAME/snapshots/NAME.measured.toml` ([`Recorded`]), which the
//! book's `{{#measure NAME KEY}}` renders without running a kernel.

use crate::text::console::{strip_prefix, Line};
use anyhow::{bail, Context, Result};
use regex::Regex;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// What stands for the number in [`Measure::line`], and in the snapshot.
pub const PLACEHOLDER: &str = "<N>";

/// The form of a `[[measure]]` table, said after every error about one.
pub const FORM: &str = "a [[measure]] is `name = \"NAME\"` ([a-z0-9_]+, unique), `line = \"TEXT\"` (the text the listing prints, with exactly one <N> where a whole number stands, not next to a digit), and optionally `at_least = N` and `at_most = N` (inclusive bounds, at_least <= at_most)";

/// Digits a value may have: more would not fit an `i64`. A longer number is
/// not a value (and the run fails for want of one, naming the line).
const MAX_DIGITS: usize = 18;

/// One `[[measure]]` table as written.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawMeasure {
    name: String,
    line: String,
    at_least: Option<i64>,
    at_most: Option<i64>,
}

/// A validated measure of a listing.
#[derive(Debug, Clone)]
pub struct Measure {
    /// `[a-z0-9_]+`, unique within the listing: the key of
    /// `{{#measure LISTING NAME}}`, of `report.json` and of the measured file.
    pub name: String,
    /// The text the listing prints, with [`PLACEHOLDER`] where the number is.
    pub line: String,
    /// Smallest value a run may yield (inclusive), if bounded.
    pub at_least: Option<i64>,
    /// Largest value a run may yield (inclusive), if bounded.
    pub at_most: Option<i64>,
    /// Finds the text, the number in group 1.
    pattern: Regex,
}

/// The values of one run: measure name → each value, in console order.
pub type Values = BTreeMap<String, Vec<i64>>;

/// Validates the `[[measure]]` tables of a manifest. Errors name the key
/// (`measure[1].line`) and the allowed form ([`FORM`]).
pub fn parse(raw: &[RawMeasure]) -> Result<Vec<Measure>, String> {
    let mut out: Vec<Measure> = Vec::new();
    for (i, r) in raw.iter().enumerate() {
        let key = |k: &str| format!("key `measure[{i}].{k}`");
        if r.name.is_empty()
            || !r
                .name
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        {
            return Err(format!(
                "{}: `{}` is not a measure name; {FORM}",
                key("name"),
                r.name
            ));
        }
        if let Some(j) = out.iter().position(|m| m.name == r.name) {
            return Err(format!(
                "{}: `{}` is also the name of measure[{j}]; {FORM}",
                key("name"),
                r.name
            ));
        }
        let parts: Vec<&str> = r.line.split(PLACEHOLDER).collect();
        let (before, after) = match parts.as_slice() {
            [before, after] => (*before, *after),
            [_] => {
                return Err(format!(
                    "{}: `{}` has no {PLACEHOLDER}; {FORM}",
                    key("line"),
                    r.line
                ))
            }
            _ => {
                return Err(format!(
                    "{}: `{}` has {} {PLACEHOLDER}; {FORM}",
                    key("line"),
                    r.line,
                    parts.len() - 1
                ))
            }
        };
        if before.trim().is_empty() && after.trim().is_empty() {
            return Err(format!(
                "{}: `{}` is a number alone, which any line holds; {FORM}",
                key("line"),
                r.line
            ));
        }
        if before.ends_with(|c: char| c.is_ascii_digit())
            || after.starts_with(|c: char| c.is_ascii_digit())
        {
            return Err(format!(
                "{}: `{}` has a digit next to {PLACEHOLDER}, so the number's end is not known; {FORM}",
                key("line"),
                r.line
            ));
        }
        if r.line.chars().any(|c| c.is_control()) {
            return Err(format!(
                "{}: `{}` holds a control character; a console line has none; {FORM}",
                key("line"),
                r.line.escape_default()
            ));
        }
        if let (Some(lo), Some(hi)) = (r.at_least, r.at_most) {
            if lo > hi {
                return Err(format!(
                    "{}: {lo} is more than `at_most` ({hi}), so no value could pass; {FORM}",
                    key("at_least")
                ));
            }
        }
        // No digit before the number (the placeholder starts the text) and
        // none after the text (it ends in a digit): `ran=<N>/300` is not
        // found in `ran=5/3000`.
        let mut p = String::new();
        if before.is_empty() {
            p.push_str("(?:^|[^0-9])");
        } else {
            if before.starts_with(|c: char| c.is_ascii_digit()) {
                p.push_str("(?:^|[^0-9])");
            }
            p.push_str(&regex::escape(before));
        }
        p.push_str(&format!("(-?[0-9]{{1,{MAX_DIGITS}}})"));
        p.push_str(&regex::escape(after));
        if after.is_empty() || after.ends_with(|c: char| c.is_ascii_digit()) {
            p.push_str("(?:$|[^0-9])");
        }
        let pattern = Regex::new(&p).map_err(|e| format!("{}: {e}; {FORM}", key("line")))?;
        out.push(Measure {
            name: r.name.clone(),
            line: r.line.clone(),
            at_least: r.at_least,
            at_most: r.at_most,
            pattern,
        });
    }
    Ok(out)
}

impl Measure {
    /// The values in one console line (without its timestamp), and the line
    /// with each number replaced by [`PLACEHOLDER`].
    pub fn find(&self, line: &str) -> (Vec<i64>, String) {
        let mut values = Vec::new();
        let mut masked = String::with_capacity(line.len());
        let mut at = 0;
        // Matches do not overlap; a boundary character consumed by one
        // (`[^0-9]`) is outside group 1 and copied back as it was.
        for caps in self.pattern.captures_iter(line) {
            let n = caps.get(1).expect("the pattern has one group");
            let Ok(v) = n.as_str().parse::<i64>() else {
                continue;
            };
            values.push(v);
            masked.push_str(&line[at..n.start()]);
            masked.push_str(PLACEHOLDER);
            at = n.end();
        }
        masked.push_str(&line[at..]);
        (values, masked)
    }

    /// The bounds as a phrase (`at least 1 and at most 2999`), or `None`.
    pub fn bounds(&self) -> Option<String> {
        match (self.at_least, self.at_most) {
            (None, None) => None,
            (Some(lo), None) => Some(format!("at least {lo}")),
            (None, Some(hi)) => Some(format!("at most {hi}")),
            (Some(lo), Some(hi)) => Some(format!("at least {lo} and at most {hi}")),
        }
    }
}

/// The values of every measure in the kernel's lines of a run, and the
/// lines with each measured number replaced by [`PLACEHOLDER`], so that the
/// normalized text does not change with the values. The init's events are
/// left as they are: the listing does not print them. A measure without a
/// value has an empty list.
pub fn extract(measures: &[Measure], lines: &[Line]) -> (Vec<Line>, Values) {
    let mut values: Values = measures.iter().map(|m| (m.name.clone(), vec![])).collect();
    if measures.is_empty() {
        return (lines.to_vec(), values);
    }
    let out = lines
        .iter()
        .map(|l| match l {
            Line::Guest(_) => l.clone(),
            Line::Kernel(raw) => {
                let text = strip_prefix(raw);
                let prefix = &raw[..raw.len() - text.len()];
                let mut text = text.to_string();
                for m in measures {
                    let (found, masked) = m.find(&text);
                    if !found.is_empty() {
                        values
                            .get_mut(&m.name)
                            .expect("every measure")
                            .extend(found);
                        text = masked;
                    }
                }
                Line::Kernel(format!("{prefix}{text}"))
            }
        })
        .collect();
    (out, values)
}

/// What is wrong with the values of a run on `kernel`: a measure without a
/// value, or a value outside its bounds; each message names the measure,
/// the line looked for or the value and the bound, the kernel, and the
/// manifest `manifest`. Empty when all is well. A run that did not happen
/// (a build error) has no values and is not checked.
pub fn check(measures: &[Measure], values: &Values, kernel: &str, manifest: &str) -> Vec<String> {
    let mut problems = Vec::new();
    for (i, m) in measures.iter().enumerate() {
        let got = values.get(&m.name).map(Vec::as_slice).unwrap_or_default();
        if got.is_empty() {
            problems.push(format!(
                "measure `{}` has no value on kernel {kernel}: no kernel line of the run holds `{}` with a whole number at {PLACEHOLDER} ({manifest}, key `measure[{i}].line`)",
                m.name, m.line
            ));
        }
        for &v in got {
            let broken = match (m.at_least, m.at_most) {
                (Some(lo), _) if v < lo => Some(format!("below `at_least` = {lo}")),
                (_, Some(hi)) if v > hi => Some(format!("above `at_most` = {hi}")),
                _ => None,
            };
            if let Some(why) = broken {
                problems.push(format!(
                    "measure `{}` on kernel {kernel}: the value {v} (`{}`) is {why} ({manifest}, key `measure[{i}]`); if the kernel is right, the bounds are not",
                    m.name,
                    m.line.replace(PLACEHOLDER, &v.to_string()),
                ));
            }
        }
    }
    problems
}

/// The UTC day of `t` as `YYYY-MM-DD` (the proleptic Gregorian calendar;
/// days-from-civil inverted as in Howard Hinnant's `civil_from_days`).
pub fn utc_day(t: std::time::SystemTime) -> String {
    let secs = t
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs()) as i64;
    let z = secs.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// One kernel's accepted run of a measure, as the measured file keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Record {
    /// The values of the accepted run, in console order.
    pub values: Vec<i64>,
    /// `uname -r` of the kernel the run booted.
    pub release: String,
    /// The UTC day of the run, `YYYY-MM-DD`.
    pub date: String,
}

/// `kmods/NAME/snapshots/NAME.measured.toml`: measure name → kernel id →
/// [`Record`]. Written only by `--accept` (never with CI=true), read by the
/// book.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded(pub BTreeMap<String, BTreeMap<String, Record>>);

/// One kernel's run that `--accept` accepted.
#[derive(Debug, Clone)]
pub struct Accepted {
    /// The run's values ([`extract`]).
    pub values: Values,
    /// `uname -r` of the kernel it booted.
    pub release: String,
    /// The UTC day it ran, `YYYY-MM-DD` ([`utc_day`]).
    pub date: String,
}

/// The measured file of the listing in `dir` named `name`.
pub fn recorded_path(dir: &Path, name: &str) -> PathBuf {
    dir.join("snapshots").join(format!("{name}.measured.toml"))
}

const HEADER: &str = "# The values of each kernel's accepted run of this listing's [[measure]]s:\n# written by `cargo run -p verify -- --accept NAME`, shown by the book's\n# {{#measure NAME MEASURE}}. Not to be edited by hand.\n";

impl Recorded {
    /// Reads `path` (`Ok(None)` when there is none) without following a link.
    /// Errors name the file and what is wrong.
    pub fn read(path: &Path) -> Result<Option<Recorded>> {
        match crate::regular::read_to_string(path) {
            Ok(text) => Recorded::parse(&text)
                .map(Some)
                .with_context(|| format!("{}", path.display())),
            Err(e) if e.not_found() => Ok(None),
            Err(e) => Err(e).with_context(|| {
                format!(
                    "reading {}; the measured values are a regular file written by `--accept`",
                    path.display()
                )
            }),
        }
    }

    /// Parses the text of a measured file.
    pub fn parse(text: &str) -> Result<Recorded> {
        let map: BTreeMap<String, BTreeMap<String, Record>> = toml::from_str(text).context(
            "not a measured file: `[MEASURE.\"KERNEL\"]` tables of `values = [N, …]`, `release = \"…\"`, `date = \"YYYY-MM-DD\"`",
        )?;
        for (m, kernels) in &map {
            for (k, r) in kernels {
                let day = r.date.as_bytes();
                let is_day = day.len() == 10
                    && day.iter().enumerate().all(|(i, b)| {
                        matches!(i, 4 | 7) == (*b == b'-')
                            && (matches!(i, 4 | 7) || b.is_ascii_digit())
                    });
                if !is_day {
                    bail!("`{m}.\"{k}\".date`: `{}` is not YYYY-MM-DD", r.date);
                }
                if r.values.is_empty() {
                    bail!("`{m}.\"{k}\".values`: empty; a recorded run has at least one value");
                }
            }
        }
        Ok(Recorded(map))
    }

    /// The file's text.
    pub fn render(&self) -> String {
        let mut s = HEADER.to_string();
        for (m, kernels) in &self.0 {
            for (k, r) in kernels {
                let values: Vec<String> = r.values.iter().map(i64::to_string).collect();
                s.push_str(&format!(
                    "\n[{m}.\"{}\"]\nvalues = [{}]\nrelease = \"{}\"\ndate = \"{}\"\n",
                    k.escape_default(),
                    values.join(", "),
                    r.release.escape_default(),
                    r.date
                ));
            }
        }
        s
    }

    /// `self` after `--accept` of the runs `accepted` (kernel → its run):
    /// those kernels' records replaced (removed for a kernel whose run had
    /// no values, a build error), the other kernels of `matrix` kept, and
    /// measures no longer declared and kernels no longer in the matrix
    /// dropped.
    pub fn merged(
        &self,
        measures: &[Measure],
        matrix: &[String],
        accepted: &BTreeMap<String, Accepted>,
    ) -> Recorded {
        let mut out = BTreeMap::new();
        for m in measures {
            let mut kernels: BTreeMap<String, Record> = self
                .0
                .get(&m.name)
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|(k, _)| matrix.contains(k) && !accepted.contains_key(k))
                .collect();
            for (k, a) in accepted {
                if let Some(v) = a.values.get(&m.name).filter(|v| !v.is_empty()) {
                    kernels.insert(
                        k.clone(),
                        Record {
                            values: v.clone(),
                            release: a.release.clone(),
                            date: a.date.clone(),
                        },
                    );
                }
            }
            if !kernels.is_empty() {
                out.insert(m.name.clone(), kernels);
            }
        }
        Recorded(out)
    }
}

/// Writes what `--accept` of `accepted` makes of the measured file of the
/// listing in `dir` (see [`Recorded::merged`]), with the repository's
/// no-follow writer; removes the file when nothing is left in it. A link
/// where the file is, or a damaged file, is an error naming it. Returns the
/// file written or removed, if any.
pub fn accept(
    dir: &Path,
    name: &str,
    measures: &[Measure],
    matrix: &[String],
    accepted: &BTreeMap<String, Accepted>,
) -> Result<Option<PathBuf>> {
    let path = recorded_path(dir, name);
    let old = Recorded::read(&path)?;
    if measures.is_empty() && old.is_none() {
        return Ok(None);
    }
    let new = old
        .clone()
        .unwrap_or_default()
        .merged(measures, matrix, accepted);
    if new.0.is_empty() {
        if old.is_some() {
            std::fs::remove_file(&path).with_context(|| format!("removing {}", path.display()))?;
            return Ok(Some(path));
        }
        return Ok(None);
    }
    crate::snapshot::write_no_follow(&path, new.render().as_bytes())?;
    Ok(Some(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::guest::channel::Event;

    fn raw(name: &str, line: &str, lo: Option<i64>, hi: Option<i64>) -> RawMeasure {
        RawMeasure {
            name: name.into(),
            line: line.into(),
            at_least: lo,
            at_most: hi,
        }
    }

    fn one(line: &str) -> Measure {
        parse(&[raw("m", line, None, None)]).unwrap().remove(0)
    }

    #[test]
    fn bad_measures_name_the_key_and_the_form() {
        let err = |r: Vec<RawMeasure>| parse(&r).unwrap_err();
        let e = err(vec![raw("ran", "ran=/300", None, None)]);
        assert!(
            e.starts_with("key `measure[0].line`: `ran=/300` has no <N>")
                && e.contains("[[measure]]"),
            "{e}"
        );
        let e = err(vec![raw("ran", "<N> of <N>", None, None)]);
        assert!(
            e.contains("measure[0].line") && e.contains("has 2 <N>"),
            "{e}"
        );
        let e = err(vec![raw("Ran", "ran=<N>", None, None)]);
        assert!(
            e.contains("measure[0].name") && e.contains("[a-z0-9_]+"),
            "{e}"
        );
        let e = err(vec![raw("", "ran=<N>", None, None)]);
        assert!(e.contains("measure[0].name"), "{e}");
        let e = err(vec![
            raw("ran", "ran=<N>", None, None),
            raw("ran", "x=<N>", None, None),
        ]);
        assert!(
            e.contains("measure[1].name") && e.contains("also the name of measure[0]"),
            "{e}"
        );
        let e = err(vec![raw("ran", "ran=<N>", Some(5), Some(4))]);
        assert!(
            e.contains("measure[0].at_least") && e.contains("at_most"),
            "{e}"
        );
        let e = err(vec![raw("ran", " <N> ", None, None)]);
        assert!(e.contains("a number alone"), "{e}");
        let e = err(vec![raw("ran", "x1<N>", None, None)]);
        assert!(e.contains("digit next to <N>"), "{e}");
        let e = err(vec![raw("ran", "x=<N>0", None, None)]);
        assert!(e.contains("digit next to <N>"), "{e}");
        let e = err(vec![raw("ran", "x=<N>\n", None, None)]);
        assert!(e.contains("control character"), "{e}");
        // Equal bounds are one allowed value.
        assert!(parse(&[raw("ran", "ran=<N>", Some(4), Some(4))]).is_ok());
    }

    #[test]
    fn values_are_whole_numbers_where_the_placeholder_is() {
        let m = one("ran=<N>/300");
        assert_eq!(m.find("stop_race_count: ran=13/300").0, [13]);
        assert_eq!(
            m.find("stop_race_count: ran=13/300").1,
            "stop_race_count: ran=<N>/300"
        );
        assert_eq!(m.find("ran=-4/300 and ran=0/300").0, [-4, 0]);
        // Not the text: another number after it, no number, a fraction's tail.
        assert_eq!(m.find("ran=13/3000").0, Vec::<i64>::new());
        assert_eq!(m.find("ran=13/3000").1, "ran=13/3000");
        assert!(m.find("ran=/300").0.is_empty());
        assert!(m.find("ran=x/300").0.is_empty());
        assert!(m.find("ran=1.5/300").0.is_empty());
        // A number too long for an i64 is no value, and stays as it is.
        assert!(m.find("ran=12345678901234567890/300").0.is_empty());
        // The placeholder at either end: the number is whole.
        let m = one("<N> pairs");
        assert_eq!(m.find("made 300 pairs").0, [300]);
        assert_eq!(m.find("made 300 pairs").1, "made <N> pairs");
        assert_eq!(m.find("x-7 pairs").0, [-7]);
        let m = one("pairs: <N>");
        assert_eq!(m.find("pairs: 300").0, [300]);
        assert_eq!(m.find("pairs: 3000").0, [3000]);
        assert_eq!(m.find("pairs: 3000 more").1, "pairs: <N> more");
    }

    #[test]
    fn extract_reads_kernel_lines_only_and_masks_them() {
        let ms = parse(&[
            raw("ran", "ran=<N>/300", None, None),
            raw("none", "never=<N>", None, None),
        ])
        .unwrap();
        let lines = vec![
            Line::Guest(Event::Step {
                n: 1,
                command: "insmod x.ko ran=9/300".into(),
            }),
            Line::Kernel("[    4.265076] stop_race_count: ran=127/300".into()),
            Line::Kernel("[    5.060879] stop_race_count: ran=54/300".into()),
            Line::Kernel("[    5.1] [T12] other: 3".into()),
        ];
        let (out, values) = extract(&ms, &lines);
        assert_eq!(values["ran"], [127, 54]);
        assert_eq!(values["none"], Vec::<i64>::new());
        assert_eq!(out[0], lines[0], "the init's events are not the listing's");
        assert_eq!(
            out[1],
            Line::Kernel("[    4.265076] stop_race_count: ran=<N>/300".into())
        );
        assert_eq!(out[3], lines[3]);
        // Normalized, the two runs read the same.
        let text = crate::text::normalize::normalize(&out);
        assert!(
            text.contains("stop_race_count: ran=<N>/300\nstop_race_count: ran=<N>/300\n"),
            "{text}"
        );
        // Without measures nothing changes.
        assert_eq!(extract(&[], &lines).0, lines);
    }

    /// Real runs of `stop_race_count` (tests/fixtures/runs/), from the
    /// console to the values and the snapshot text: the values are those the
    /// measured file records, and the text is the accepted snapshot.
    #[test]
    fn real_runs_yield_their_values_and_the_accepted_snapshot() {
        use crate::fixtures::{RUN_COUNT_6_1, RUN_COUNT_LATEST};
        let repo = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let kernels = ["5.10", "6.1", "6.12", "latest"].map(String::from);
        let sc =
            crate::manifest::Scenario::load(&repo.join("kmods/stop_race_count"), &kernels).unwrap();
        let snap = crate::snapshot::read(
            &repo.join("kmods/stop_race_count/snapshots/stop_race_count.snap"),
        )
        .unwrap();
        let recorded = Recorded::read(&recorded_path(&sc.dir, &sc.name))
            .unwrap()
            .unwrap();
        for (kernel, run) in [("6.1", RUN_COUNT_6_1), ("latest", RUN_COUNT_LATEST)] {
            let split = run.split();
            assert!(split.problems.is_empty() && split.finished, "{kernel}");
            let (lines, values) = extract(&sc.measures, &split.lines);
            assert_eq!(values["ran"], recorded.0["ran"][kernel].values, "{kernel}");
            assert!(
                check(&sc.measures, &values, kernel, "scenario.toml").is_empty(),
                "{kernel}: {values:?}"
            );
            let text = crate::text::normalize::normalize(&lines);
            assert!(crate::snapshot::same(&text, &snap), "{kernel}: {text}");
            // Unmasked, the number would be in the text.
            let raw = crate::text::normalize::normalize(&split.lines);
            assert!(
                raw.contains(&format!("ran={}/10000", values["ran"][0])),
                "{raw}"
            );
        }
    }

    #[test]
    fn check_names_the_measure_the_line_the_value_and_the_bound() {
        let ms = parse(&[raw("ran", "ran=<N>/300", Some(1), Some(299))]).unwrap();
        let manifest = "kmods/x/scenario.toml";
        let v = |xs: &[i64]| Values::from([("ran".to_string(), xs.to_vec())]);
        assert!(check(&ms, &v(&[1, 299]), "6.1", manifest).is_empty());
        let p = check(&ms, &v(&[]), "6.1", manifest);
        assert_eq!(p.len(), 1);
        assert!(
            p[0].contains("measure `ran` has no value on kernel 6.1")
                && p[0].contains("`ran=<N>/300`")
                && p[0].contains("measure[0].line"),
            "{p:?}"
        );
        let p = check(&ms, &v(&[0, 300]), "latest", manifest);
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(
            p[0].contains("kernel latest")
                && p[0].contains("value 0 (`ran=0/300`)")
                && p[0].contains("below `at_least` = 1"),
            "{p:?}"
        );
        assert!(p[1].contains("value 300") && p[1].contains("above `at_most` = 299"));
        // Unbounded: any value passes.
        let free = parse(&[raw("ran", "ran=<N>/300", None, None)]).unwrap();
        assert!(check(&free, &v(&[-5]), "6.1", manifest).is_empty());
        assert_eq!(ms[0].bounds().unwrap(), "at least 1 and at most 299");
        assert_eq!(free[0].bounds(), None);
    }

    #[test]
    fn days_are_utc_calendar_days() {
        use std::time::{Duration, UNIX_EPOCH};
        assert_eq!(utc_day(UNIX_EPOCH), "1970-01-01");
        // 2000-02-29 23:59:59 UTC, a leap day, then the next second.
        let t = UNIX_EPOCH + Duration::from_secs(951_868_799);
        assert_eq!(utc_day(t), "2000-02-29");
        assert_eq!(utc_day(t + Duration::from_secs(1)), "2000-03-01");
        assert_eq!(
            utc_day(UNIX_EPOCH + Duration::from_secs(1_796_083_200)),
            "2026-12-01"
        );
    }

    fn tmp(tag: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("verify-measure-{tag}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn accept_merges_writes_and_refuses_links() {
        let d = tmp("accept");
        let ms = parse(&[raw("ran", "ran=<N>/300", None, None)]).unwrap();
        let matrix: Vec<String> = vec!["5.10".into(), "6.1".into()];
        let run = |v: &[i64], rel: &str, date: &str| Accepted {
            values: Values::from([("ran".to_string(), v.to_vec())]),
            release: rel.to_string(),
            date: date.to_string(),
        };
        let accepted = BTreeMap::from([
            (
                "5.10".to_string(),
                run(&[3], "5.10.0-32-cloud-amd64", "2026-11-30"),
            ),
            (
                "6.1".to_string(),
                run(&[120, 7], "6.1.0-57-cloud-amd64", "2026-11-30"),
            ),
        ]);
        let p = accept(&d, "demo", &ms, &matrix, &accepted)
            .unwrap()
            .unwrap();
        assert_eq!(p, d.join("snapshots/demo.measured.toml"));
        let text = std::fs::read_to_string(&p).unwrap();
        assert!(
            text.contains("[ran.\"6.1\"]\nvalues = [120, 7]\nrelease = \"6.1.0-57-cloud-amd64\"\ndate = \"2026-11-30\"\n"),
            "{text}"
        );
        let r = Recorded::read(&p).unwrap().unwrap();
        assert_eq!(r.0["ran"]["5.10"].values, [3]);
        // One kernel again: the other's record stays.
        let again = BTreeMap::from([(
            "6.1".to_string(),
            run(&[9], "6.1.0-58-cloud-amd64", "2026-12-01"),
        )]);
        accept(&d, "demo", &ms, &matrix, &again).unwrap();
        let r = Recorded::read(&p).unwrap().unwrap();
        assert_eq!(r.0["ran"]["6.1"].values, [9]);
        assert_eq!(r.0["ran"]["6.1"].date, "2026-12-01");
        assert_eq!(r.0["ran"]["5.10"].date, "2026-11-30");
        // A kernel that left the matrix, and a build error (no values).
        let r2 = r.merged(
            &ms,
            &["6.1".to_string()],
            &BTreeMap::from([("6.1".to_string(), run(&[], "r", "2026-12-02"))]),
        );
        assert!(r2.0.is_empty(), "{r2:?}");
        // No measures left: the file goes.
        assert_eq!(
            accept(&d, "demo", &[], &matrix, &again).unwrap(),
            Some(p.clone())
        );
        assert!(!p.exists());
        // A link where the file is: refused, nothing written through it.
        let target = d.join("host.toml");
        std::fs::write(&target, "secret").unwrap();
        std::os::unix::fs::symlink(&target, &p).unwrap();
        let e = format!(
            "{:#}",
            accept(&d, "demo", &ms, &matrix, &accepted).unwrap_err()
        );
        assert!(
            e.contains("demo.measured.toml") && e.contains("symbolic link"),
            "{e}"
        );
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "secret");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn damaged_measured_files_are_named() {
        let e = format!(
            "{:#}",
            Recorded::parse(
                "[ran.\"6.1\"]\nvalues = [1]\nrelease = \"r\"\ndate = \"30.11.2026\"\n"
            )
            .unwrap_err()
        );
        assert!(
            e.contains("ran.\"6.1\".date") && e.contains("YYYY-MM-DD"),
            "{e}"
        );
        let e = format!(
            "{:#}",
            Recorded::parse("[ran.\"6.1\"]\nvalues = []\nrelease = \"r\"\ndate = \"2026-11-30\"\n")
                .unwrap_err()
        );
        assert!(e.contains("values"), "{e}");
        let e = format!("{:#}", Recorded::parse("ran = 3\n").unwrap_err());
        assert!(e.contains("not a measured file"), "{e}");
        // What render writes, parse reads back.
        let r = Recorded(BTreeMap::from([(
            "ran".to_string(),
            BTreeMap::from([(
                "latest".to_string(),
                Record {
                    values: vec![-1, 2],
                    release: "7.2.13+deb14-cloud-amd64".into(),
                    date: "2026-11-30".into(),
                },
            )]),
        )]));
        assert_eq!(Recorded::parse(&r.render()).unwrap(), r);
    }
}
