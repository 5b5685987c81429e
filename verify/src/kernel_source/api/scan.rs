//! What a kernel header declares, function by function: pure text, no I/O.
//!
//! The header's comments and literals are blanked first
//! ([`super::super::cut::code_only`]), so nothing inside them counts. Then:
//!
//! - preprocessor lines (with their `\` continuations) are read apart from
//!   the C text: `#define NAME(…)` is a function-like macro
//!   ([`Form::Macro`]), `#define NAME …` an object-like one ([`Form::Alias`],
//!   wanted only when a name is asked for by name); every other directive
//!   is skipped. Conditionals are not evaluated: every branch of every
//!   `#if`/`#ifdef`/`#else` is read, so a name declared in one branch and
//!   defined `static inline` in another has both forms (which one a module
//!   gets is decided later, with the kernel's exports: [`super::decide`]);
//! - the C text is cut into top-level statements by tracking brace depth: a
//!   statement ending in `;` whose declarator is `NAME(…)` is a prototype
//!   ([`Form::Declared`]); one followed by a `{…}` body is a function
//!   defined in the header ([`Form::Inline`]: a header's body is compiled
//!   into every module that calls it, `static inline` or not). Typedefs,
//!   variables, function pointers, structs, unions, enums and initializers
//!   declare no function. Attribute macros (`__printf(4, 5)` before a
//!   prototype, `__noreturn` or `asm(…)` after it) are not names: the name
//!   is the last `NAME(` at parenthesis depth 0 that follows a type (a word
//!   or `*`), and a word without a lower-case letter (`DECLARE_PER_CPU(…)`)
//!   is a macro invocation, not a function.

use super::super::cut::code_only;
use std::fmt;

/// How a header has a name, in one place of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Form {
    /// A prototype: `int kthread_stop(struct task_struct *k);`.
    Declared,
    /// A function with its body in the header (`static inline …`).
    Inline,
    /// A function-like `#define NAME(…)`.
    Macro,
    /// An object-like `#define NAME …` (a name made another's).
    Alias,
}

impl Form {
    /// The word `api.toml` writes.
    pub fn word(self) -> &'static str {
        match self {
            Form::Declared => "declared",
            Form::Inline => "inline",
            Form::Macro => "macro",
            Form::Alias => "alias",
        }
    }

    /// [`Form::word`] read back.
    pub fn from_word(w: &str) -> Option<Form> {
        [Form::Declared, Form::Inline, Form::Macro, Form::Alias]
            .into_iter()
            .find(|f| f.word() == w)
    }
}

impl fmt::Display for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// One place where a header declares or defines a name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decl {
    /// The C identifier.
    pub name: String,
    /// How.
    pub form: Form,
    /// 1-based line of the name (of the `#define` line for a macro).
    pub line: usize,
}

/// C words that are followed by `(` without being a function's name, and
/// attribute macros that take arguments.
const NOT_NAMES: &[&str] = &[
    "auto",
    "bool",
    "char",
    "const",
    "double",
    "enum",
    "extern",
    "float",
    "inline",
    "int",
    "long",
    "register",
    "restrict",
    "return",
    "short",
    "signed",
    "sizeof",
    "static",
    "struct",
    "typedef",
    "typeof",
    "union",
    "unsigned",
    "void",
    "volatile",
    "_Bool",
    "_Static_assert",
    "static_assert",
    "asm",
    "__asm__",
    "__typeof__",
    "__attribute__",
    "__printf",
    "__scanf",
    "__section",
    "__aligned",
    "__alloc_size",
    "__realloc_size",
    "__diagnose_as",
    "__must_hold",
    "__acquires",
    "__releases",
    "__cond_acquires",
];

/// Every declaration and definition of a function-like name in `header`,
/// in the order of the file (a name may appear more than once).
pub fn scan(header: &str) -> Vec<Decl> {
    let code = code_only(header);
    let mut decls = Vec::new();
    // The C text: `code` with the preprocessor lines blanked (line breaks
    // kept, so line numbers stay the file's).
    let mut c = String::with_capacity(code.len());
    let lines: Vec<&str> = code.split_inclusive('\n').collect();
    let mut i = 0;
    while i < lines.len() {
        if !lines[i].trim_start().starts_with('#') {
            c.push_str(lines[i]);
            i += 1;
            continue;
        }
        let first = i + 1;
        let mut logical = String::new();
        while i < lines.len() {
            let l = lines[i];
            let body = l.trim_end_matches(['\n', '\r']);
            c.push_str(if l.ends_with('\n') { "\n" } else { "" });
            i += 1;
            match body.strip_suffix('\\') {
                Some(b) => {
                    logical.push_str(b);
                    logical.push(' ');
                }
                None => {
                    logical.push_str(body);
                    break;
                }
            }
        }
        if let Some((name, form)) = define(&logical) {
            decls.push(Decl {
                name,
                form,
                line: first,
            });
        }
    }
    decls.extend(statements(&c));
    decls.sort_by_key(|d| d.line);
    decls
}

/// `# define NAME(` or `#define NAME`: the name and whether it takes
/// arguments (no space between the name and `(`, as C says).
fn define(logical: &str) -> Option<(String, Form)> {
    let rest = logical.trim_start().strip_prefix('#')?.trim_start();
    let rest = rest.strip_prefix("define")?;
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let rest = rest.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let name = &rest[..end];
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    let form = if rest[end..].starts_with('(') {
        Form::Macro
    } else {
        Form::Alias
    };
    Some((name.to_string(), form))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tok<'a> {
    Word(&'a str),
    Punct(char),
}

/// The words and punctuation of C text, each with its 1-based line.
fn tokens(c: &str) -> Vec<(Tok<'_>, usize)> {
    let mut out = Vec::new();
    let mut line = 1;
    let b = c.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let ch = b[i];
        if ch == b'\n' {
            line += 1;
            i += 1;
        } else if ch.is_ascii_whitespace() {
            i += 1;
        } else if ch.is_ascii_alphanumeric() || ch == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push((Tok::Word(&c[start..i]), line));
        } else {
            // Non-ASCII bytes cannot start C syntax; skip them whole.
            let len = c[i..].chars().next().map_or(1, char::len_utf8);
            if ch.is_ascii() {
                out.push((Tok::Punct(ch as char), line));
            }
            i += len;
        }
    }
    out
}

/// The prototypes and header-defined functions of C text without its
/// preprocessor lines.
fn statements(c: &str) -> Vec<Decl> {
    let mut out = Vec::new();
    let mut stmt: Vec<(Tok, usize)> = Vec::new();
    let mut depth = 0usize;
    // Inside a function's body (rather than a struct's or an initializer's).
    let mut in_body = false;
    for (t, line) in tokens(c) {
        if depth > 0 {
            match t {
                Tok::Punct('{') => depth += 1,
                Tok::Punct('}') => {
                    depth -= 1;
                    if depth == 0 && in_body {
                        in_body = false;
                        stmt.clear();
                    }
                }
                _ => {}
            }
            continue;
        }
        match t {
            Tok::Punct('{') => {
                let last = stmt.last().map(|(t, _)| *t);
                let is_function = !typedef(&stmt)
                    && !initializer(&stmt)
                    && matches!(last, Some(Tok::Punct(')')) | Some(Tok::Word(_)));
                match is_function.then(|| declarator(&stmt)).flatten() {
                    Some((name, line)) => {
                        out.push(Decl {
                            name: name.to_string(),
                            form: Form::Inline,
                            line,
                        });
                        in_body = true;
                    }
                    None => in_body = false,
                }
                depth = 1;
            }
            // A `}` without its `{` (branches of an #if each opening one):
            // nothing to close at the top level.
            Tok::Punct('}') => {}
            Tok::Punct(';') => {
                if !typedef(&stmt) {
                    if let Some((name, line)) = declarator(&stmt) {
                        out.push(Decl {
                            name: name.to_string(),
                            form: Form::Declared,
                            line,
                        });
                    }
                }
                stmt.clear();
            }
            _ => stmt.push((t, line)),
        }
    }
    out
}

/// `… = {`: an `=` outside parentheses (one inside them is a macro's
/// argument, as in `DEFINE_LOCK_GUARD_0(x, _T->flags = f(), …)`).
fn initializer(stmt: &[(Tok, usize)]) -> bool {
    let mut parens = 0usize;
    for (t, _) in stmt {
        match t {
            Tok::Punct('(') => parens += 1,
            Tok::Punct(')') => parens = parens.saturating_sub(1),
            Tok::Punct('=') if parens == 0 => return true,
            _ => {}
        }
    }
    false
}

fn typedef(stmt: &[(Tok, usize)]) -> bool {
    stmt.iter().any(|(t, _)| *t == Tok::Word("typedef"))
}

/// The function a statement declares: the last word at parenthesis depth 0
/// that is followed by `(` and follows a type (a word or `*`), and is a
/// function's name (not a C word, not an attribute, not all capitals).
fn declarator<'a>(stmt: &[(Tok<'a>, usize)]) -> Option<(&'a str, usize)> {
    let mut parens = 0usize;
    let mut found = None;
    for (i, (t, line)) in stmt.iter().enumerate() {
        match t {
            Tok::Punct('(') => parens += 1,
            Tok::Punct(')') => parens = parens.saturating_sub(1),
            Tok::Word(w) if parens == 0 => {
                let called = stmt.get(i + 1).map(|(t, _)| *t) == Some(Tok::Punct('('));
                let after_type = i > 0 && matches!(stmt[i - 1].0, Tok::Word(_) | Tok::Punct('*'));
                if called
                    && after_type
                    && !NOT_NAMES.contains(w)
                    && w.chars().any(|c| c.is_ascii_lowercase())
                    && !w.starts_with(|c: char| c.is_ascii_digit())
                {
                    found = Some((*w, *line));
                }
            }
            _ => {}
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn forms(text: &str) -> Vec<(String, Form, usize)> {
        scan(text)
            .into_iter()
            .map(|d| (d.name, d.form, d.line))
            .collect()
    }

    /// From 6.12's include/linux/kthread.h.
    const KTHREAD_612: &str = r#"/* SPDX-License-Identifier: GPL-2.0 */
#ifndef _LINUX_KTHREAD_H
#define _LINUX_KTHREAD_H
/* Simple interface for creating and stopping kernel threads without mess. */
#include <linux/err.h>
#include <linux/sched.h>

struct mm_struct;

__printf(4, 5)
struct task_struct *kthread_create_on_node(int (*threadfn)(void *data),
					   void *data,
					   int node,
					   const char namefmt[], ...);

/**
 * kthread_create - create a kthread on the current node
 * This macro will create a kthread on the current node, leaving it in
 * the stopped state.  This is just a helper for kthread_create_on_node();
 */
#define kthread_create(threadfn, data, namefmt, arg...) \
	kthread_create_on_node(threadfn, data, NUMA_NO_NODE, namefmt, ##arg)

#define kthread_run(threadfn, data, namefmt, ...)			   \
({									   \
	struct task_struct *__k						   \
		= kthread_create(threadfn, data, namefmt, ## __VA_ARGS__); \
	if (!IS_ERR(__k))						   \
		wake_up_process(__k);					   \
	__k;								   \
})

static inline struct task_struct *
kthread_run_on_cpu(int (*threadfn)(void *data), void *data,
			unsigned int cpu, const char *namefmt)
{
	struct task_struct *p;

	p = kthread_create_on_cpu(threadfn, data, cpu, namefmt);
	if (!IS_ERR(p))
		wake_up_process(p);

	return p;
}

int kthread_stop(struct task_struct *k);
void kthread_exit(long result) __noreturn;
void kthread_complete_and_exit(struct completion *, long) __noreturn;

int kthreadd(void *unused);
extern struct task_struct *kthreadd_task;
extern int tsk_fork_get_node(struct task_struct *tsk);

struct kthread_work;
typedef void (*kthread_work_func_t)(struct kthread_work *work);
void kthread_delayed_work_timer_fn(struct timer_list *t);

enum {
	KTW_FREEZABLE		= 1 << 0,	/* freeze during suspend */
};

struct kthread_worker {
	unsigned int		flags;
	raw_spinlock_t		lock;
	struct task_struct	*task;
};

#define KTHREAD_WORK_INIT(work, fn)	{				\
	.node = LIST_HEAD_INIT((work).node),				\
	.func = (fn),							\
	}

extern void __kthread_init_worker(struct kthread_worker *worker,
			const char *name, struct lock_class_key *key);

__printf(3, 4) struct kthread_worker *
kthread_create_worker_on_cpu(int cpu, unsigned int flags,
			     const char namefmt[], ...);

#ifdef CONFIG_BLK_CGROUP
void kthread_associate_blkcg(struct cgroup_subsys_state *css);
struct cgroup_subsys_state *kthread_blkcg(void);
#else
static inline void kthread_associate_blkcg(struct cgroup_subsys_state *css) { }
#endif
#endif /* _LINUX_KTHREAD_H */
"#;

    #[test]
    fn kthread_h_of_6_12() {
        let f = forms(KTHREAD_612);
        let want = [
            ("_LINUX_KTHREAD_H", Form::Alias, 3),
            ("kthread_create_on_node", Form::Declared, 11),
            ("kthread_create", Form::Macro, 21),
            ("kthread_run", Form::Macro, 24),
            ("kthread_run_on_cpu", Form::Inline, 34),
            ("kthread_stop", Form::Declared, 46),
            ("kthread_exit", Form::Declared, 47),
            ("kthread_complete_and_exit", Form::Declared, 48),
            ("kthreadd", Form::Declared, 50),
            ("tsk_fork_get_node", Form::Declared, 52),
            ("kthread_delayed_work_timer_fn", Form::Declared, 56),
            ("KTHREAD_WORK_INIT", Form::Macro, 68),
            ("__kthread_init_worker", Form::Declared, 73),
            ("kthread_create_worker_on_cpu", Form::Declared, 77),
            ("kthread_associate_blkcg", Form::Declared, 81),
            ("kthread_blkcg", Form::Declared, 82),
            ("kthread_associate_blkcg", Form::Inline, 84),
        ];
        let want: Vec<(String, Form, usize)> = want
            .iter()
            .map(|(n, f, l)| (n.to_string(), *f, *l))
            .collect();
        assert_eq!(f, want);
    }

    /// From 7.2's include/linux/kthread.h: kthread_exit became a macro,
    /// kthread_create_worker a macro whose body ends in `;`.
    #[test]
    fn kthread_h_of_7_2() {
        let text = "int kthread_affine_preferred(struct task_struct *p, const struct cpumask *mask);\n\
                    #define kthread_exit(result) do_exit(result)\n\
                    void kthread_do_exit(struct kthread *, long);\n\
                    __printf(3, 4)\n\
                    struct kthread_worker *kthread_create_worker_on_node(unsigned int flags,\n\
                    \t\t\t\t\t\t     int node,\n\
                    \t\t\t\t\t\t     const char namefmt[], ...);\n\
                    \n\
                    #define kthread_create_worker(flags, namefmt, ...) \\\n\
                    \tkthread_create_worker_on_node(flags, NUMA_NO_NODE, namefmt, ## __VA_ARGS__);\n\
                    static inline struct kthread *tsk_is_kthread(struct task_struct *p)\n\
                    {\n\
                    \tif (p->flags & PF_KTHREAD)\n\
                    \t\treturn p->worker_private;\n\
                    \treturn NULL;\n\
                    }\n";
        assert_eq!(
            forms(text),
            vec![
                ("kthread_affine_preferred".into(), Form::Declared, 1),
                ("kthread_exit".into(), Form::Macro, 2),
                ("kthread_do_exit".into(), Form::Declared, 3),
                ("kthread_create_worker_on_node".into(), Form::Declared, 5),
                ("kthread_create_worker".into(), Form::Macro, 9),
                ("tsk_is_kthread".into(), Form::Inline, 11),
            ]
        );
    }

    /// From include/linux/freezer.h (6.1): the same names in both branches
    /// of CONFIG_FREEZER, a static key declared by a macro.
    #[test]
    fn both_branches_of_a_conditional_are_read() {
        let text = "#ifdef CONFIG_FREEZER\n\
                    DECLARE_STATIC_KEY_FALSE(freezer_active);\n\
                    extern bool freezing_slow_path(struct task_struct *p);\n\
                    static inline bool freezing(struct task_struct *p)\n\
                    {\n\
                    \tif (static_branch_unlikely(&freezer_active))\n\
                    \t\treturn freezing_slow_path(p);\n\
                    \n\
                    \treturn false;\n\
                    }\n\
                    extern bool set_freezable(void);\n\
                    #else /* !CONFIG_FREEZER */\n\
                    static inline bool freezing(struct task_struct *p) { return false; }\n\
                    static inline bool set_freezable(void) { return false; }\n\
                    #define wait_event_freezekillable_unsafe(wq, condition)\t\t\\\n\
                    \t\twait_event_killable(wq, condition)\n\
                    #endif /* !CONFIG_FREEZER */\n";
        assert_eq!(
            forms(text),
            vec![
                ("freezing_slow_path".into(), Form::Declared, 3),
                ("freezing".into(), Form::Inline, 4),
                ("set_freezable".into(), Form::Declared, 11),
                ("freezing".into(), Form::Inline, 13),
                ("set_freezable".into(), Form::Inline, 14),
                ("wait_event_freezekillable_unsafe".into(), Form::Macro, 15),
            ]
        );
    }

    /// Comments, strings, function pointers, initializers and attributes
    /// declare nothing; an attribute before the type is not the name.
    #[test]
    fn what_is_not_a_function() {
        let text = "/* int fake(void); */\n\
                    // void fake2(void);\n\
                    extern int (*hook)(void);\n\
                    struct ops x = { .f = g(1) };\n\
                    extern __printf(1, 2) void panic_like(const char *fmt, ...);\n\
                    void spins(void) __attribute__((noreturn)) asm(\"x\");\n\
                    extern struct task_struct *kthreadd_task;\n\
                    EXPORT_SYMBOL(y);\n\
                    const char *s = \"void fake3(void);\";\n\
                    #  define  spaced(x)  (x)\n\
                    #define DEFINE_THING(x) struct thing x\n\
                    #define not_called (1)\n\
                    #include <linux/x.h>\n\
                    struct task_struct *(*pick)(int);\n";
        assert_eq!(
            forms(text),
            vec![
                ("panic_like".into(), Form::Declared, 5),
                ("spins".into(), Form::Declared, 6),
                ("spaced".into(), Form::Macro, 10),
                ("DEFINE_THING".into(), Form::Macro, 11),
                ("not_called".into(), Form::Alias, 12),
            ]
        );
    }

    /// From 6.1's include/linux/sched/signal.h: a macro invocation with no
    /// `;` (and an `=` in its arguments) just before a function.
    #[test]
    fn a_guard_macro_before_a_function() {
        let text = "DEFINE_LOCK_GUARD_0(no_notify_signal,\n\
                    \t\t    _T->flags = no_notify_signal_save(),\n\
                    \t\t    no_notify_signal_restore(_T->flags),\n\
                    \t\t    unsigned int flags)\n\
                    \n\
                    static inline int signal_pending(struct task_struct *p)\n\
                    {\n\
                    \treturn task_sigpending(p);\n\
                    }\n\
                    static struct ops o = { .f = g(1) };\n";
        assert_eq!(
            forms(text),
            vec![("signal_pending".into(), Form::Inline, 6)]
        );
    }

    /// Two branches of an #if giving one body two signatures: one function.
    /// A `}` with no `{` at the top level is passed over.
    #[test]
    fn two_signatures_one_body_and_a_stray_brace() {
        let text = "#ifdef A\nstatic inline int f(int a)\n#else\nstatic inline int f(int a, int b)\n#endif\n{\n\treturn 0;\n}\n}\nint g(void);\n";
        assert_eq!(
            forms(text),
            vec![
                ("f".into(), Form::Inline, 4),
                ("g".into(), Form::Declared, 10)
            ]
        );
    }
}
