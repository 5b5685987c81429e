//! Cutting one definition out of a C file: pure text, no I/O.
//!
//! A function definition is found by its name followed by `(` on a line that
//! starts at column 0 (file scope, kernel coding style), whose parameter
//! list is followed (after attributes such as `__releases(x)`) by `{`; it
//! runs from its signature (with a return type written on the line above,
//! as in `static void __sched\n__schedule(…)`) through the brace that
//! closes the body. A prototype (`…);`) is not a definition. A macro is a
//! `#define NAME` with its continuation lines. Comments, string and
//! character literals are blanked before anything is matched or counted,
//! so a brace or a name inside them changes nothing.

use std::fmt;

/// What was cut.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A C function definition, signature through closing brace.
    Function,
    /// A `#define`, with its continuation lines.
    Macro,
}

impl fmt::Display for Kind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Kind::Function => "function",
            Kind::Macro => "macro",
        })
    }
}

/// One definition cut out of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cut {
    /// Function or macro.
    pub kind: Kind,
    /// 1-based line of its first line in the file.
    pub first: usize,
    /// 1-based line of its last line in the file.
    pub last: usize,
    /// Its lines as they are in the file, each ending in `\n`.
    pub text: String,
}

/// `source` with comments and the insides of string and character literals
/// replaced by spaces, byte for byte (line breaks kept), so that positions
/// and line numbers are the same as in `source`.
pub fn code_only(source: &str) -> String {
    #[derive(PartialEq)]
    enum S {
        Code,
        Line,
        Block,
        Str(u8),
    }
    let b = source.as_bytes();
    let mut out = b.to_vec();
    let mut s = S::Code;
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        match s {
            S::Code => {
                if c == b'/' && b.get(i + 1) == Some(&b'/') {
                    s = S::Line;
                    out[i] = b' ';
                } else if c == b'/' && b.get(i + 1) == Some(&b'*') {
                    s = S::Block;
                    out[i] = b' ';
                    out[i + 1] = b' ';
                    i += 1;
                } else if c == b'"' || c == b'\'' {
                    s = S::Str(c);
                }
            }
            S::Line => {
                if c == b'\n' {
                    s = S::Code;
                } else {
                    out[i] = b' ';
                }
            }
            S::Block => {
                if c == b'*' && b.get(i + 1) == Some(&b'/') {
                    out[i] = b' ';
                    out[i + 1] = b' ';
                    i += 1;
                    s = S::Code;
                } else if c != b'\n' {
                    out[i] = b' ';
                }
            }
            S::Str(q) => {
                if c == b'\\' && i + 1 < b.len() {
                    out[i] = b' ';
                    if b[i + 1] != b'\n' {
                        out[i + 1] = b' ';
                    }
                    i += 1;
                } else if c == q || c == b'\n' {
                    s = S::Code;
                } else {
                    out[i] = b' ';
                }
            }
        }
        i += 1;
    }
    // Only ASCII bytes were replaced, by ASCII spaces: still UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

fn is_ident(c: u8) -> bool {
    c.is_ascii_alphanumeric() || c == b'_'
}

/// Byte offsets of the starts of each line of `text`.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .filter(|&i| i <= text.len())
        .collect()
}

/// Every definition of `name` in `source` (functions first, then macros),
/// in the order of the file. Errors: a body whose closing brace is missing.
pub fn cut_all(source: &str, name: &str) -> Result<Vec<Cut>, String> {
    let code = code_only(source);
    let cb = code.as_bytes();
    let starts = line_starts(source);
    let line_of = |pos: usize| starts.partition_point(|&s| s <= pos); // 1-based
    let lines: Vec<&str> = source.split_inclusive('\n').collect();
    let text_of = |first: usize, last: usize| -> String {
        let mut t: String = lines[first - 1..last].concat();
        if !t.ends_with('\n') {
            t.push('\n');
        }
        t
    };
    let mut found = Vec::new();

    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(code.len());
        let line = &code[start..end];
        let first_byte = line.as_bytes().first().copied().unwrap_or(b' ');
        if first_byte.is_ascii_whitespace() || first_byte == b'#' || first_byte == b'}' {
            continue;
        }
        // The name as a whole identifier followed by `(`.
        let mut from = 0;
        let mut hit = None;
        while let Some(p) = line[from..].find(name) {
            let at = from + p;
            let before_ok = at == 0 || !is_ident(line.as_bytes()[at - 1]);
            let after = &line[at + name.len()..];
            let after_ok = after.trim_start_matches([' ', '\t']).starts_with('(');
            if before_ok && after_ok {
                hit = Some(start + at);
                break;
            }
            from = at + name.len();
        }
        let Some(name_at) = hit else { continue };
        // Past the parameter list, then attributes, to `{` or not.
        let open = name_at + name.len() + code[name_at + name.len()..].find('(').unwrap_or(0);
        let Some(close) = matching(cb, open, b'(', b')') else {
            continue;
        };
        let mut j = close + 1;
        let body = loop {
            while j < cb.len() && cb[j].is_ascii_whitespace() {
                j += 1;
            }
            if j >= cb.len() {
                break None;
            }
            match cb[j] {
                b'{' => break Some(j),
                c if is_ident(c) => {
                    while j < cb.len() && is_ident(cb[j]) {
                        j += 1;
                    }
                    while j < cb.len() && (cb[j] == b' ' || cb[j] == b'\t') {
                        j += 1;
                    }
                    if cb.get(j) == Some(&b'(') {
                        match matching(cb, j, b'(', b')') {
                            Some(c) => j = c + 1,
                            None => break None,
                        }
                    }
                }
                _ => break None, // `;`, `,`, `=`: a declaration or a call
            }
        };
        let Some(brace) = body else { continue };
        let Some(end_brace) = matching(cb, brace, b'{', b'}') else {
            return Err(format!(
                "`{name}` at line {}: its body's closing brace is missing",
                i + 1
            ));
        };
        // The return type on the line above, when the name starts the line.
        let mut first = i + 1;
        if name_at == start {
            while first > 1 {
                let prev = code[starts[first - 2]..starts[first - 1]].trim_end();
                let pb = prev.as_bytes().first().copied().unwrap_or(b' ');
                if prev.is_empty()
                    || pb.is_ascii_whitespace()
                    || pb == b'#'
                    || prev.ends_with([';', '}', '{', ')', ','])
                {
                    break;
                }
                first -= 1;
            }
        }
        let last = line_of(end_brace);
        found.push(Cut {
            kind: Kind::Function,
            first,
            last,
            text: text_of(first, last),
        });
    }

    let define = regex::Regex::new(&format!(
        r"^[ \t]*#[ \t]*define[ \t]+{}\b",
        regex::escape(name)
    ))
    .expect("an escaped name is a valid pattern");
    let mut i = 0;
    while i < lines.len() {
        if define.is_match(&code[starts[i]..]) {
            let first = i + 1;
            while lines[i].trim_end_matches(['\n', '\r']).ends_with('\\') && i + 1 < lines.len() {
                i += 1;
            }
            found.push(Cut {
                kind: Kind::Macro,
                first,
                last: i + 1,
                text: text_of(first, i + 1),
            });
        }
        i += 1;
    }
    Ok(found)
}

/// The one definition of `name` in `source`: `Ok(None)` when there is none,
/// an error when there are several (naming their lines) or a body does not
/// close.
pub fn cut(source: &str, name: &str) -> Result<Option<Cut>, String> {
    let mut all = cut_all(source, name)?;
    match all.len() {
        0 => Ok(None),
        1 => Ok(all.pop()),
        _ => Err(format!(
            "`{name}` is defined {} times (lines {}); the book quotes one definition",
            all.len(),
            all.iter()
                .map(|c| format!("{}-{} ({})", c.first, c.last, c.kind))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// The position of the bracket that closes the one at `open`.
fn matching(code: &[u8], open: usize, o: u8, c: u8) -> Option<usize> {
    let mut depth = 0usize;
    for (k, &b) in code.iter().enumerate().skip(open) {
        if b == o {
            depth += 1;
        } else if b == c {
            depth -= 1;
            if depth == 0 {
                return Some(k);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `kthread_stop()` of kernel/kthread.c in Debian's linux-source-6.1
    /// 6.1.192-3 (lines 698-717 there), with a shortened kernel-doc comment
    /// above it and its export below.
    const KTHREAD_STOP: &str = "\
/**
 * kthread_stop - stop a thread created by kthread_create().
 * @k: thread created by kthread_create().
 *
 * Returns the result of threadfn(), or %-EINTR if wake_up_process()
 * was never called.
 */
int kthread_stop(struct task_struct *k)
{
	struct kthread *kthread;
	int ret;

	trace_sched_kthread_stop(k);

	get_task_struct(k);
	kthread = to_kthread(k);
	set_bit(KTHREAD_SHOULD_STOP, &kthread->flags);
	kthread_unpark(k);
	set_tsk_thread_flag(k, TIF_NOTIFY_SIGNAL);
	wake_up_process(k);
	wait_for_completion(&kthread->exited);
	ret = kthread->result;
	put_task_struct(k);

	trace_sched_kthread_stop_ret(ret);
	return ret;
}
EXPORT_SYMBOL(kthread_stop);
";

    #[test]
    fn a_function_from_signature_to_closing_brace() {
        let c = cut(KTHREAD_STOP, "kthread_stop").unwrap().unwrap();
        assert_eq!(c.kind, Kind::Function);
        assert_eq!((c.first, c.last), (8, 27));
        assert!(c
            .text
            .starts_with("int kthread_stop(struct task_struct *k)\n{\n"));
        assert!(c.text.ends_with("\treturn ret;\n}\n"));
        // The comment and the export mention the name, but define nothing.
        assert!(!c.text.contains("EXPORT_SYMBOL") && !c.text.contains("/**"));
        assert_eq!(cut(KTHREAD_STOP, "kthread_sto").unwrap(), None);
        assert_eq!(cut(KTHREAD_STOP, "wake_up_process").unwrap(), None);
    }

    #[test]
    fn return_type_above_attributes_after_and_prototypes_skipped() {
        let src = "\
static void __sched notrace
__schedule(unsigned int sched_mode);

static void __sched notrace
__schedule(unsigned int sched_mode)
	__releases(rq->lock)
{
	if (x) {
		y(\"}\" /* } */, '}');
	}
}
";
        let c = cut(src, "__schedule").unwrap().unwrap();
        assert_eq!((c.first, c.last), (4, 11), "{c:?}");
        assert!(c
            .text
            .starts_with("static void __sched notrace\n__schedule("));
    }

    #[test]
    fn one_line_inline_and_a_multi_line_macro() {
        let src = "\
static inline bool kthread_is_per_cpu(struct task_struct *p) { return false; }
#define kthread_exit(result) do_exit(result)
#define kthread_run(threadfn, data, namefmt, ...)			   \\
({									   \\
	struct task_struct *__k						   \\
		= kthread_create(threadfn, data, namefmt, ## __VA_ARGS__); \\
	__k;								   \\
})
void kthread_exit_not(long result);
";
        let c = cut(src, "kthread_is_per_cpu").unwrap().unwrap();
        assert_eq!((c.kind, c.first, c.last), (Kind::Function, 1, 1));
        let c = cut(src, "kthread_exit").unwrap().unwrap();
        assert_eq!((c.kind, c.first, c.last), (Kind::Macro, 2, 2));
        assert_eq!(c.text, "#define kthread_exit(result) do_exit(result)\n");
        let c = cut(src, "kthread_run").unwrap().unwrap();
        assert_eq!((c.kind, c.first, c.last), (Kind::Macro, 3, 8));
        assert_eq!(cut(src, "kthread_exit_not").unwrap(), None, "a prototype");
    }

    #[test]
    fn two_definitions_are_named_not_guessed() {
        let src = "#ifdef CONFIG_X\nint f(void)\n{\n\treturn 1;\n}\n#else\nstatic inline int f(void) { return 0; }\n#endif\n";
        let e = cut(src, "f").unwrap_err();
        assert!(
            e.contains("defined 2 times (lines 2-5 (function), 7-7 (function))"),
            "{e}"
        );
        let e = cut("int g(void)\n{\n\tif (x) {\n", "g").unwrap_err();
        assert!(e.contains("closing brace is missing"), "{e}");
    }

    #[test]
    fn comments_and_literals_are_blanked_in_place() {
        let s = "a /* {x} */ b // }\n\"}\\\"{\" '{' c";
        let c = code_only(s);
        assert_eq!(c.len(), s.len());
        assert!(!c.contains('{') && !c.contains('}'), "{c:?}");
        assert!(c.starts_with("a ") && c.contains(" b ") && c.ends_with(" c"));
        assert_eq!(c.matches('\n').count(), 1);
    }
}
