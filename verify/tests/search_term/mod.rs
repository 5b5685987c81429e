//! The words the browser test searches for, chosen from the built book at
//! test time: for each language, words that Pagefind finds on exactly one
//! page, and that page a chapter. Fixed words trapped contributors: a new
//! chapter that used one made the search return two pages.
//!
//! The choice models what Pagefind 1.6 (extended) does, from the same
//! crates, and errs on the side of refusing a word:
//! - Pagefind indexes the text of the element marked `data-pagefind-body`,
//!   without `script`, `style`, `nav`, `footer`, `form`, `label`, `svg`,
//!   `noscript`, `iframe`, `template`, `head` and `data-pagefind-ignore`
//!   elements. It cuts that text at whitespace; each piece is lower-cased,
//!   stripped of characters other than letters, digits and `_`, and stemmed
//!   (English: `pagefind_stem`'s snowball stemmer). Chinese pieces are first
//!   segmented into words (ICU4X's dictionary segmenter, `icu_segmenter`),
//!   and every pair of adjacent characters is indexed too.
//! - A query is stemmed and segmented the same way (in the browser, Chinese
//!   by `Intl.Segmenter`), and each of its words matches every indexed word
//!   that starts with it; a query of several words needs all of them.
//!
//! So a word is chosen when it is, in both joinings of the chapter's indexed
//! text (inline tags joining text or cutting it), a word of its own: English,
//! letters only, at least [`MIN_LATIN`] long, its own stem; Chinese, one
//! segment of [`MIN_CJK`] to [`MAX_CJK`] ideographs that the segmenter also
//! keeps whole when it stands alone (as the query does). And no other page of
//! the language holds it anywhere: not in its raw HTML, its text, its text
//! without punctuation, nor as the start of the stem of any of its words.

use pagefind_stem::{Algorithm, Stemmer};
use std::collections::BTreeSet;

/// The shortest English word chosen: short words are parts of longer ones.
pub const MIN_LATIN: usize = 5;
/// The fewest ideographs in a Chinese word chosen: one character would match
/// every word starting with it.
pub const MIN_CJK: usize = 2;
/// The most ideographs in a Chinese word chosen.
pub const MAX_CJK: usize = 4;

/// One page of the built book, as Pagefind indexes it.
pub struct Page {
    /// Its address on the served book as Pagefind gives it, such as
    /// `/en/wait-queues.html` (`/en/` for `/en/index.html`).
    pub url: String,
    /// The page as written.
    pub html: String,
    /// Whether it is a chapter of the book (the chosen word's page must be).
    pub chapter: bool,
}

/// A word to search for and the one page that holds it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Term {
    pub word: String,
    pub url: String,
}

/// How Pagefind treats the words of one language.
enum Rules {
    /// Words cut at whitespace, then stemmed.
    Stemmed(Stemmer),
    /// Words cut at whitespace, then segmented by a dictionary; no stemming.
    Segmented,
}

fn rules(lang: &str) -> Result<Rules, String> {
    match lang.split('-').next().unwrap_or("").to_ascii_lowercase().as_str() {
        "en" => Ok(Rules::Stemmed(Stemmer::create(Algorithm::English))),
        "zh" => Ok(Rules::Segmented),
        _ => Err(format!(
            "verify/tests/search_term/mod.rs knows how Pagefind indexes English and Chinese, not `{lang}`: add that language's rules (its stemmer, or its segmentation) to `rules`"
        )),
    }
}

/// Up to `max` words of the language `lang` (an HTML `lang` tag such as
/// `zh-CN`), sorted, each held by exactly one page of `pages` (every page of
/// that language), which is a chapter. Empty when no word qualifies.
pub fn choose(lang: &str, pages: &[Page], max: usize) -> Result<Vec<Term>, String> {
    let rules = rules(lang)?;
    // The words each chapter surely has in the index.
    let mut owners: std::collections::BTreeMap<String, Vec<&str>> = Default::default();
    for page in pages.iter().filter(|p| p.chapter) {
        for word in indexed_words(&page.html, &rules) {
            owners.entry(word).or_default().push(&page.url);
        }
    }
    let haystacks: Vec<String> = pages.iter().map(|p| haystack(&p.html, &rules)).collect();
    let mut chosen = Vec::new();
    for (word, urls) in owners {
        if chosen.len() == max {
            break;
        }
        // Two chapters with the word: no need to look further.
        let [url] = urls[..] else { continue };
        let holders = haystacks.iter().filter(|h| h.contains(&word)).count();
        if holders == 1 {
            chosen.push(Term {
                word,
                url: url.to_string(),
            });
        }
    }
    Ok(chosen)
}

/// The words a page surely has in Pagefind's index, under both joinings of
/// its text.
fn indexed_words(html: &str, rules: &Rules) -> BTreeSet<String> {
    let glued = words_of(&indexed_text(html, ""), rules);
    let spaced = words_of(&indexed_text(html, " "), rules);
    glued.intersection(&spaced).cloned().collect()
}

fn words_of(text: &str, rules: &Rules) -> BTreeSet<String> {
    let mut words = BTreeSet::new();
    for piece in text.split_whitespace() {
        match rules {
            Rules::Stemmed(stemmer) => {
                let word = piece.trim_matches(|c: char| !c.is_alphanumeric());
                let mut chars = word.chars();
                // Letters only, and no capital inside: Pagefind cuts
                // camelCase and punctuated words into parts of their own.
                let plain = chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                    && chars.all(|c| c.is_ascii_lowercase());
                let word = word.to_ascii_lowercase();
                if plain && word.len() >= MIN_LATIN && stemmer.stem(&word) == word.as_str() {
                    words.insert(word);
                }
            }
            Rules::Segmented => {
                for word in segments(piece) {
                    let n = word.chars().count();
                    if (MIN_CJK..=MAX_CJK).contains(&n)
                        && word.chars().all(is_ideograph)
                        && segments(word).count() == 1
                    {
                        words.insert(word.to_string());
                    }
                }
            }
        }
    }
    words
}

/// The words of `text` as Pagefind's segmenter cuts them (ICU4X's dictionary
/// segmenter, as `pagefind::fossick` calls it).
fn segments(text: &str) -> impl Iterator<Item = &str> {
    let segmenter = icu_segmenter::WordSegmenter::new_dictionary(Default::default());
    let mut start = 0;
    segmenter.segment_str(text).skip(1).map(move |end| {
        let word = &text[start..end];
        start = end;
        word
    })
}

/// The CJK Unified Ideographs and their extensions, the characters Pagefind
/// pairs up.
fn is_ideograph(c: char) -> bool {
    matches!(u32::from(c), 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x323AF)
}

/// Everything in which a search could find a word on this page, lower-case:
/// the raw HTML, its text (tags removed without a space, which only ever
/// makes more text), that text without punctuation, and the stems of its
/// words. A page holds a word if this contains it.
fn haystack(html: &str, rules: &Rules) -> String {
    let text = text_of(html, "");
    let mut all = html.to_lowercase();
    all.push('\n');
    all.push_str(&text.to_lowercase());
    all.push('\n');
    let bare: String = text
        .chars()
        .filter(|c| c.is_alphanumeric() || c.is_whitespace())
        .collect();
    all.push_str(&bare.to_lowercase());
    if let Rules::Stemmed(stemmer) = rules {
        let lower = text.to_lowercase();
        let pieces = lower
            .split(|c: char| !c.is_alphanumeric())
            .chain(lower.split_whitespace());
        for piece in pieces {
            let word: String = piece
                .chars()
                .filter(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !word.is_empty() {
                all.push('\n');
                all.push_str(&stemmer.stem(&word));
            }
        }
    }
    all
}

/// One piece of an HTML page.
#[derive(Debug, PartialEq)]
enum Token<'a> {
    Text(&'a str),
    /// An opening tag: its lower-case name, its attributes, and whether it
    /// is void or self-closing (no closing tag follows).
    Open(String, &'a str, bool),
    Close(String),
}

/// Elements without a closing tag.
const VOID: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track",
    "wbr",
];

/// Elements whose content Pagefind drops (`REMOVE_SELECTORS` in
/// `pagefind::fossick::parser`).
const DROPPED: &[&str] = &[
    "head", "style", "script", "noscript", "label", "form", "svg", "footer", "nav", "iframe",
    "template",
];

/// The page cut into text and tags; comments dropped; the content of
/// `script` and `style` is text, whatever `<` it holds.
fn tokens(html: &str) -> Vec<Token<'_>> {
    let mut out = Vec::new();
    let mut rest = html;
    while !rest.is_empty() {
        let Some(lt) = rest.find('<') else {
            out.push(Token::Text(rest));
            break;
        };
        if lt > 0 {
            out.push(Token::Text(&rest[..lt]));
        }
        rest = &rest[lt..];
        if let Some(comment) = rest.strip_prefix("<!--") {
            rest = comment.find("-->").map_or("", |e| &comment[e + 3..]);
            continue;
        }
        let Some(gt) = rest.find('>') else {
            out.push(Token::Text(rest));
            break;
        };
        let tag = &rest[1..gt];
        rest = &rest[gt + 1..];
        if let Some(name) = tag.strip_prefix('/') {
            out.push(Token::Close(name.trim().to_ascii_lowercase()));
            continue;
        }
        let end = tag
            .find(|c: char| c.is_whitespace() || c == '/')
            .unwrap_or(tag.len());
        let name = tag[..end].to_ascii_lowercase();
        let closed = tag.ends_with('/') || VOID.contains(&name.as_str());
        if (name == "script" || name == "style") && !closed {
            let close = format!("</{name}");
            let e = rest.to_ascii_lowercase().find(&close).unwrap_or(rest.len());
            out.push(Token::Open(name.clone(), &tag[end..], false));
            out.push(Token::Text(&rest[..e]));
            out.push(Token::Close(name));
            rest = rest[e..].find('>').map_or("", |g| &rest[e + g + 1..]);
            continue;
        }
        out.push(Token::Open(name, &tag[end..], closed));
    }
    out
}

fn has_attribute(attributes: &str, name: &str) -> bool {
    attributes
        .split(|c: char| c.is_whitespace() || c == '/')
        .any(|a| a == name || a.starts_with(&format!("{name}=")))
}

/// All the text of a page, each tag replaced by `sep`, character references
/// decoded.
fn text_of(html: &str, sep: &str) -> String {
    let mut text = String::new();
    for t in tokens(html) {
        match t {
            Token::Text(s) => text.push_str(&decode(s)),
            _ => text.push_str(sep),
        }
    }
    text
}

/// The text Pagefind indexes: the element marked `data-pagefind-body`,
/// without what Pagefind drops, each tag replaced by `sep`. Empty when no
/// element is marked.
fn indexed_text(html: &str, sep: &str) -> String {
    let tokens = tokens(html);
    let body = tokens.iter().position(
        |t| matches!(t, Token::Open(_, a, false) if has_attribute(a, "data-pagefind-body")),
    );
    let Some(body) = body else {
        return String::new();
    };
    let Token::Open(body_name, _, _) = &tokens[body] else {
        unreachable!()
    };
    let mut depth = 0;
    // The element being dropped, and how deep in elements of its name.
    let mut dropped: Option<(&str, usize)> = None;
    let mut text = String::new();
    for t in &tokens[body..] {
        match t {
            Token::Open(name, attributes, closed) => {
                if let Some((d, n)) = &mut dropped {
                    if d == name && !closed {
                        *n += 1;
                    }
                    continue;
                }
                if *closed {
                    text.push_str(sep);
                    continue;
                }
                if name == body_name {
                    depth += 1;
                }
                if DROPPED.contains(&name.as_str())
                    || has_attribute(attributes, "data-pagefind-ignore")
                {
                    dropped = Some((name, 1));
                    if name == body_name {
                        depth -= 1;
                    }
                    continue;
                }
                text.push_str(sep);
            }
            Token::Close(name) => {
                if let Some((d, n)) = &mut dropped {
                    if d == name {
                        *n -= 1;
                        if *n == 0 {
                            dropped = None;
                        }
                    }
                    continue;
                }
                if name == body_name {
                    depth -= 1;
                    if depth == 0 {
                        break;
                    }
                }
                text.push_str(sep);
            }
            Token::Text(s) => {
                if dropped.is_none() {
                    text.push_str(&decode(s));
                }
            }
        }
    }
    text
}

/// Text with its character references decoded (the named ones mdBook and
/// the preprocessor write, and every numeric one).
fn decode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let decoded = rest.find(';').filter(|&e| e <= 10).and_then(|e| {
            let c = match &rest[1..e] {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                "nbsp" => Some('\u{a0}'),
                r => r
                    .strip_prefix("#x")
                    .or_else(|| r.strip_prefix("#X"))
                    .map(|h| u32::from_str_radix(h, 16))
                    .or_else(|| r.strip_prefix('#').map(|d| d.parse::<u32>()))
                    .and_then(|n| n.ok())
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, e))
        });
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(url: &str, body: &str) -> Page {
        Page {
            url: url.to_string(),
            html: format!(
                "<!DOCTYPE html>\n<html lang=\"en\">\n<head><title>{url}</title><script>var x = 'hidden';</script></head>\n<body>\n<nav>navigation</nav>\n<main>\n<div data-pagefind-body data-pagefind-meta=\"title:T\">\n<span class=\"lang-switch\" data-pagefind-ignore>[switcher]</span>\n{body}\n</div>\n</main>\n</body>\n</html>\n"
            ),
            chapter: true,
        }
    }

    fn words(lang: &str, pages: &[Page]) -> Vec<(String, String)> {
        choose(lang, pages, 100)
            .unwrap()
            .into_iter()
            .map(|t| (t.word, t.url))
            .collect()
    }

    fn pair(w: &str, u: &str) -> (String, String) {
        (w.to_string(), u.to_string())
    }

    #[test]
    fn an_english_word_on_one_chapter_only_is_chosen_and_shared_ones_are_not() {
        let pages = [
            page("/en/a.html", "<p>The thread sleeps. A modpost warning.</p>"),
            page(
                "/en/b.html",
                "<p>The thread sleeps, then exits quietly.</p>",
            ),
        ];
        // `thread` and `sleeps` are on both; `exits` and `quietly` are not
        // their own stems (exit, quiet); `warning` neither (warn).
        assert_eq!(words("en", &pages), [pair("modpost", "/en/a.html")]);
    }

    #[test]
    fn the_words_come_sorted_and_at_most_max() {
        let pages = [
            page("/en/a.html", "<p>zebra alpha</p>"),
            page("/en/b.html", "<p>mango</p>"),
        ];
        assert_eq!(
            words("en", &pages),
            [
                pair("alpha", "/en/a.html"),
                pair("mango", "/en/b.html"),
                pair("zebra", "/en/a.html")
            ]
        );
        let one = choose("en", &pages, 1).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].word, "alpha");
    }

    #[test]
    fn a_word_that_another_page_holds_in_any_form_is_not_chosen() {
        let chapter = page("/en/a.html", "<p>modpost quirk gadget widget zebra</p>");
        let others = [
            // In an attribute only: the raw HTML holds it.
            page("/en/b.html", "<p title=\"modpost\">x</p>"),
            // Punctuated: Pagefind indexes `quirk` from `qu-irk`.
            page("/en/c.html", "<p>qu-irk</p>"),
            // Across an inline tag: Pagefind joins `gad` and `get`.
            page("/en/d.html", "<p>gad<em>get</em></p>"),
            // Longer: a query matches every word it starts.
            page("/en/e.html", "<p>widgetry</p>"),
        ];
        // Alone, the chapter has all five.
        let alone = words("en", std::slice::from_ref(&chapter));
        let five = ["gadget", "modpost", "quirk", "widget", "zebra"];
        assert_eq!(alone, five.map(|w| pair(w, "/en/a.html")));
        let mut pages = vec![chapter];
        pages.extend(others);
        assert_eq!(words("en", &pages), [pair("zebra", "/en/a.html")]);
        // A page that is not a chapter holds words too, but is never chosen.
        let mut pages = vec![page("/en/a.html", "<p>alpha</p>")];
        let mut landing = page("/index.html", "<p>gamma alpha</p>");
        landing.chapter = false;
        pages.push(landing);
        assert_eq!(words("en", &pages), []);
    }

    #[test]
    fn only_words_pagefind_surely_indexes_on_the_chapter_are_chosen() {
        let pages = [page(
            "/en/a.html",
            // Split by an inline tag, too short, with a digit, camelCase, an
            // identifier, in a dropped element; below, outside the body and
            // in an ignored one. Only the plain word is left.
            "<p>foo<code>barbaz</code> tiny x86ish kThreadish kthread_stop zebra</p><script>scripted</script><footer>footnote</footer>",
        )];
        let mut outside = pages[0]
            .html
            .replace("<nav>navigation</nav>", "<p>outsider</p>");
        outside = outside.replace("[switcher]", "[switcher ignored]");
        let pages = [Page {
            url: "/en/a.html".to_string(),
            html: outside,
            chapter: true,
        }];
        assert_eq!(words("en", &pages), [pair("zebra", "/en/a.html")]);
    }

    #[test]
    fn a_chinese_word_is_one_segment_of_two_to_four_ideographs_on_one_chapter() {
        let pages = [
            page("/zh/a.html", "<p>线程丢失了唤醒。</p>"),
            page("/zh/b.html", "<p>线程退出。</p>"),
        ];
        let chosen = words("zh-CN", &pages);
        // 线程 is on both pages; 了 is one character.
        assert!(chosen.contains(&pair("丢失", "/zh/a.html")), "{chosen:?}");
        assert!(chosen.contains(&pair("退出", "/zh/b.html")), "{chosen:?}");
        assert!(
            chosen.iter().all(|(w, _)| w != "线程" && w != "了"),
            "{chosen:?}"
        );
        for (w, _) in &chosen {
            assert!((2..=4).contains(&w.chars().count()) && w.chars().all(is_ideograph));
            assert_eq!(segments(w).collect::<Vec<_>>(), [w.as_str()]);
        }
    }

    #[test]
    fn a_chinese_word_that_another_page_holds_as_two_characters_is_not_chosen() {
        let pages = [
            page("/zh/a.html", "<p>线程丢失了唤醒。</p>"),
            // Pagefind indexes every pair of adjacent ideographs: 丢失 here
            // is found, though it is no word of this sentence.
            page("/zh/b.html", "<p>东西丢失</p>"),
            page("/zh/c.html", "<p>唤<em>醒</em></p>"),
        ];
        let alone = words("zh-CN", &pages[..1]);
        assert!(alone.contains(&pair("丢失", "/zh/a.html")), "{alone:?}");
        assert!(alone.contains(&pair("唤醒", "/zh/a.html")), "{alone:?}");
        let chosen = words("zh-CN", &pages);
        assert!(
            chosen.iter().all(|(w, _)| w != "丢失" && w != "唤醒"),
            "{chosen:?}"
        );
    }

    #[test]
    fn a_language_without_rules_is_an_error_naming_the_fix() {
        let err = choose("fr", &[], 1).unwrap_err();
        assert!(
            err.contains("verify/tests/search_term/mod.rs") && err.contains("`fr`"),
            "{err}"
        );
    }

    #[test]
    fn tokens_and_text_follow_pagefinds_reading() {
        assert_eq!(
            decode("a &amp;&lt;b&gt; &#39;c&#x27; &bogus; &"),
            "a &<b> 'c' &bogus; &"
        );
        let html = "<div data-pagefind-body><p>one<br>two<!-- no --></p><div>three</div><nav>no</nav><script>if (a < b) {}</script></div><p>after</p>";
        assert_eq!(
            indexed_text(html, " ")
                .split_whitespace()
                .collect::<Vec<_>>(),
            ["one", "two", "three"]
        );
        assert_eq!(indexed_text(html, ""), "onetwothree");
        assert_eq!(indexed_text("<p>no body</p>", " "), "");
        assert!(text_of(html, "").contains("if (a < b) {}"));
    }
}
