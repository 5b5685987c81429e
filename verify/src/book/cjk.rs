//! Line breaks inside Chinese prose.
//!
//! A Markdown paragraph's line break is a soft break, which the browser
//! shows as a space; between two Chinese characters that space is a typo
//! ("说明。 相关"). Writers wrap Chinese lines like English ones, so the
//! Chinese pages get their soft breaks between two CJK characters removed
//! before rendering. Code blocks and code spans are untouched, and a line
//! that starts a block (heading, list item, table row, quote, directive)
//! is never joined to the line before it.

/// Whether `c` is a CJK character or CJK/fullwidth punctuation, the
/// characters between which Chinese typesetting puts no space.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{2E80}'..='\u{2FDF}'   // radicals
        | '\u{3000}'..='\u{303F}' // CJK punctuation: 、。「」
        | '\u{3400}'..='\u{4DBF}' // extension A
        | '\u{4E00}'..='\u{9FFF}' // unified ideographs
        | '\u{F900}'..='\u{FAFF}' // compatibility ideographs
        | '\u{FF00}'..='\u{FFEF}' // fullwidth forms: ，：；（）
        | '\u{201C}' | '\u{201D}' // “ ” as Chinese text uses them
    )
}

/// `text` (one chapter's Markdown) with every line break that sits between
/// two CJK characters inside a paragraph removed, together with the next
/// line's indentation. Fenced code blocks pass unchanged.
pub fn join_soft_breaks(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut fences = super::cite::Fences::default();
    let mut prev_joinable = false;
    for line in text.split_inclusive('\n') {
        let body = line.trim_end_matches(['\n', '\r']);
        let t = body.trim_start();
        if fences.is_code(line) {
            out.push_str(line);
            prev_joinable = false;
            continue;
        }
        let starts_cjk = t.chars().next().is_some_and(is_cjk);
        if prev_joinable && starts_cjk {
            // Replace the newline just written with this line's text.
            while out.ends_with(['\n', '\r']) {
                out.pop();
            }
            out.push_str(t);
            out.push_str(&line[body.len()..]);
        } else {
            out.push_str(line);
        }
        let block_start =
            t.starts_with('#') || t.starts_with('|') || t.starts_with('<') || t.starts_with("{{");
        // A heading, a table row or an HTML line ends where it ends; a line
        // ending in a hard break (two spaces, a backslash) keeps its break.
        prev_joinable = !t.is_empty()
            && !block_start
            && !body.ends_with("  ")
            && !body.ends_with('\\')
            && body.chars().last().is_some_and(is_cjk);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::join_soft_breaks;

    #[test]
    fn breaks_between_chinese_characters_are_removed_and_no_others() {
        let md = "并逐个内核说明。\n相关事实是\n  `park.1`，见附录。\nEnglish line\n下一行\n\n# 标题\n正文\n- 列表\n  续行\n| 表 |\n| 格 |\n```\n代码\n代码\n```\n硬换行  \n保留\n";
        assert_eq!(
            join_soft_breaks(md),
            "并逐个内核说明。相关事实是\n  `park.1`，见附录。\nEnglish line\n下一行\n\n# 标题\n正文\n- 列表续行\n| 表 |\n| 格 |\n```\n代码\n代码\n```\n硬换行  \n保留\n"
        );
    }

    #[test]
    fn text_without_breaks_to_join_is_unchanged() {
        let md = "One line.\nTwo lines.\n\n中文一行。\n\n{{#kmod x}}\n";
        assert_eq!(join_soft_breaks(md), md);
    }
}
