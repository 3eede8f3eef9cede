//! Zero-copy text slices and their escapes.
//!
//! A quoted Milvus value or a JSON string is kept as written (escapes and
//! all) and unescaped only when somebody reads it: most field values of most
//! lines are never looked at.

use std::borrow::Cow;

/// How the raw text of a [`Text`] is escaped.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Escape {
    /// As is.
    None,
    /// Inside zap-text double quotes: `\"`, `\\`, `\n`, `\t`, `\r`, `\uXXXX`.
    Quoted,
    /// Inside a JSON string.
    Json,
}

/// A slice of a line, with the escape rule needed to read it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Text<'a> {
    /// The bytes as written, without the surrounding quotes.
    pub raw: &'a str,
    /// How `raw` is escaped.
    pub escape: Escape,
}

impl<'a> Text<'a> {
    /// Unescaped text.
    pub fn plain(raw: &'a str) -> Text<'a> {
        Text {
            raw,
            escape: Escape::None,
        }
    }

    /// Zap-text quoted text.
    pub fn quoted(raw: &'a str) -> Text<'a> {
        Text {
            raw,
            escape: Escape::Quoted,
        }
    }

    /// JSON string contents.
    pub fn json(raw: &'a str) -> Text<'a> {
        Text {
            raw,
            escape: Escape::Json,
        }
    }

    /// True when there is no text.
    pub fn is_empty(&self) -> bool {
        self.raw.is_empty()
    }

    /// The text, unescaped; borrows when there is nothing to unescape.
    pub fn to_cow(&self) -> Cow<'a, str> {
        if self.escape == Escape::None || !self.raw.contains('\\') {
            return Cow::Borrowed(self.raw);
        }
        let mut s = String::with_capacity(self.raw.len());
        unescape_into(self.raw, self.escape, &mut s);
        Cow::Owned(s)
    }
}

/// Appends `raw`, unescaped by `escape`, to `out`. Unknown escapes are kept
/// as written; a lone trailing backslash too. Never panics.
pub fn unescape_into(raw: &str, escape: Escape, out: &mut String) {
    if escape == Escape::None {
        out.push_str(raw);
        return;
    }
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('t') => out.push('\t'),
            Some('r') => out.push('\r'),
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('/') => out.push('/'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('u') => match hex4(chars.as_str()) {
                Some(hi @ 0xd800..=0xdbff) => {
                    chars = chars.as_str()[4..].chars();
                    // A UTF-16 surrogate pair (`\ud83d\ude00`) is one character.
                    let rest = chars.as_str();
                    match rest.strip_prefix("\\u").and_then(hex4) {
                        Some(lo @ 0xdc00..=0xdfff) => {
                            chars = rest[6..].chars();
                            let cp = 0x10000 + ((hi - 0xd800) << 10) + (lo - 0xdc00);
                            out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                        }
                        _ => out.push('\u{fffd}'),
                    }
                }
                Some(cp) => {
                    chars = chars.as_str()[4..].chars();
                    out.push(char::from_u32(cp).unwrap_or('\u{fffd}'));
                }
                None => out.push_str("\\u"),
            },
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
}

/// The four hex digits at the start of `s` (no sign, no fewer digits).
fn hex4(s: &str) -> Option<u32> {
    let h = s.get(..4)?;
    if !h.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u32::from_str_radix(h, 16).ok()
}

/// Finds the closing double quote of a string whose body starts at
/// `s[0]`: returns the body length. Backslash escapes are skipped.
pub(crate) fn quoted_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let off = memchr::memchr2(b'"', b'\\', &b[i..])?;
        i += off;
        if b[i] == b'\\' {
            i += 2;
            continue;
        }
        return Some(i);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unescapes_zap_quoting() {
        // From pkg/log/zap_log_test.go (2.2–2.5).
        let t = Text::quoted(r#"SELECT * FROM TABLE\n\tWHERE ID=\"abc\""#);
        assert_eq!(t.to_cow(), "SELECT * FROM TABLE\n\tWHERE ID=\"abc\"");
        assert_eq!(Text::json(r"caf\u00e9 \ud").to_cow(), "café \\ud");
        // Found by the json_scanner fuzz target: a surrogate pair is one
        // character, as serde_json reads it; `\u+123` is no escape.
        assert_eq!(Text::json(r"\udbee\udeeb").to_cow(), "\u{10baeb}");
        assert_eq!(Text::json(r"\ud83d\ude00!").to_cow(), "😀!");
        assert_eq!(Text::json(r"\ud83d x").to_cow(), "\u{fffd} x");
        assert_eq!(Text::json(r"\u+123").to_cow(), "\\u+123");
        assert_eq!(Text::quoted(r"trailing\").to_cow(), "trailing\\");
    }

    #[test]
    fn finds_closing_quote() {
        assert_eq!(quoted_len(r#"a \"b\" c"] [x=1]"#), Some(9));
        assert_eq!(quoted_len(r#"never closed \"#), None);
    }
}
