//! Primitives shared by the grammars: bracket groups, quoted strings and the
//! ANSI colour debris that terminals and docker-compose leave in a line.

use crate::text::{quoted_len, Text};
use nom::IResult;

fn fail(i: &str) -> nom::Err<nom::error::Error<&str>> {
    nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Verify))
}

/// A `"…"` string in zap-text quoting: returns its body.
pub(crate) fn quoted(i: &str) -> IResult<&str, Text<'_>> {
    let body = i.strip_prefix('"').ok_or_else(|| fail(i))?;
    let n = quoted_len(body).ok_or_else(|| fail(i))?;
    Ok((&body[n + 1..], Text::quoted(&body[..n])))
}

/// A bare token up to (not including) any of `stops`.
pub(crate) fn bare<'a>(i: &'a str, stops: &[u8]) -> IResult<&'a str, &'a str> {
    let n = i
        .bytes()
        .position(|b| stops.contains(&b))
        .unwrap_or(i.len());
    Ok((&i[n..], &i[..n]))
}

/// A JSON string starting at `i[0] == '"'`: body (escaped) and rest.
pub(crate) fn json_string(i: &str) -> IResult<&str, Text<'_>> {
    let (rest, t) = quoted(i)?;
    Ok((rest, Text::json(t.raw)))
}

/// Length of an ANSI escape sequence (`ESC [ … m`, or the `[32m` debris left
/// when the ESC byte was lost or replaced by U+FFFD) at the start of `s`.
pub(crate) fn ansi_len(s: &str) -> usize {
    let b = s.as_bytes();
    let start = if b.first() == Some(&0x1b) {
        1
    } else if s.starts_with('\u{fffd}') {
        3
    } else {
        0
    };
    if b.get(start) != Some(&b'[') {
        return 0;
    }
    let mut i = start + 1;
    while i < b.len() && (b[i].is_ascii_digit() || b[i] == b';') {
        i += 1;
    }
    if i > start + 1 && b.get(i) == Some(&b'm')
        || (start > 0 && i == start + 1 && b.get(i) == Some(&b'm'))
    {
        i + 1
    } else {
        0
    }
}

/// `s` without ANSI sequences at its start and end.
pub(crate) fn trim_ansi(mut s: &str) -> &str {
    loop {
        let n = ansi_len(s);
        if n == 0 {
            break;
        }
        s = &s[n..];
    }
    // Trailing: look for the last ESC / U+FFFD / '[' that starts a sequence
    // running to the end.
    // A sequence cut by the end of the line (`…^[[`).
    if let Some(pos) = s
        .rfind('\u{1b}')
        .filter(|p| s.len() - p <= 2 && s[p + 1..].bytes().all(|b| b == b'['))
    {
        s = &s[..pos];
    }
    loop {
        let cut = ['\u{1b}', '\u{fffd}', '['].into_iter().find_map(|marker| {
            let pos = s.rfind(marker)?;
            let n = ansi_len(&s[pos..]);
            (n > 0 && pos + n == s.len()).then_some(pos)
        });
        match cut {
            Some(p) => s = &s[..p],
            None => break,
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ansi_debris() {
        assert_eq!(ansi_len("\u{1b}[93m[batch]"), 5);
        assert_eq!(ansi_len("[32mmilvus"), 4);
        assert_eq!(ansi_len("\u{fffd}[0m rest"), 6);
        assert_eq!(ansi_len("[2024/01/01"), 0);
        assert_eq!(
            trim_ansi("\u{1b}[93m[search] retry:4\u{1b}[0m"),
            "[search] retry:4"
        );
        assert_eq!(
            trim_ansi("\u{1b}[93m[batch_insert] retry:4\u{1b}["),
            "[batch_insert] retry:4"
        );
    }

    #[test]
    fn quoted_strings() {
        let (rest, t) = quoted(r#""a \"b\"] c"] [k=v]"#).unwrap();
        assert_eq!((rest, t.raw), ("] [k=v]", r#"a \"b\"] c"#));
        assert!(quoted(r#""open"#).is_err());
    }
}

/// Skips one JSON value at the start of `s` (string, number, literal, array
/// or object, nested ones balanced); returns its length.
fn json_value_len(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    match b.first()? {
        b'"' => Some(quoted_len(&s[1..])? + 2),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut i = 0;
            while i < b.len() {
                match b[i] {
                    b'"' => i += quoted_len(&s[i + 1..])? + 1,
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(i + 1);
                        }
                    }
                    _ => {}
                }
                i += 1;
            }
            None
        }
        _ => {
            let n = b
                .iter()
                .position(|c| matches!(c, b',' | b'}' | b']' | b' ' | b'\t'))
                .unwrap_or(b.len());
            (n > 0).then_some(n)
        }
    }
}

fn skip_ws(s: &str) -> &str {
    s.trim_start_matches([' ', '\t'])
}

/// Reads a JSON object at the start of `s` into `fields` (top-level members
/// only; string values stay JSON-escaped, other values are raw JSON text).
/// Returns the length of the object, or `None` (with `fields` restored) when
/// `s` does not start with a well-formed object.
pub(crate) fn json_object<'a>(s: &'a str, fields: &mut Vec<crate::Field<'a>>) -> Option<usize> {
    let mark = fields.len();
    let r = json_members(s, fields);
    if r.is_none() {
        fields.truncate(mark);
    }
    r
}

fn json_members<'a>(s: &'a str, fields: &mut Vec<crate::Field<'a>>) -> Option<usize> {
    let mut r = skip_ws(s.strip_prefix('{')?);
    if let Some(rest) = r.strip_prefix('}') {
        return Some(s.len() - rest.len());
    }
    loop {
        let (after_key, key) = json_string(r).ok()?;
        let after_colon = skip_ws(skip_ws(after_key).strip_prefix(':')?);
        let n = json_value_len(after_colon)?;
        let raw = &after_colon[..n];
        let value = if raw.starts_with('"') {
            Text::json(&raw[1..raw.len() - 1])
        } else {
            Text::plain(raw)
        };
        fields.push(crate::Field { key, value });
        r = skip_ws(&after_colon[n..]);
        if let Some(rest) = r.strip_prefix(',') {
            r = skip_ws(rest);
        } else if let Some(rest) = r.strip_prefix('}') {
            return Some(s.len() - rest.len());
        } else {
            return None;
        }
    }
}

/// The value of the first member named `key` in `fields`.
pub(crate) fn member<'a>(fields: &[crate::Field<'a>], key: &str) -> Option<Text<'a>> {
    fields.iter().find(|f| f.key.raw == key).map(|f| f.value)
}

#[cfg(test)]
mod json_tests {
    use super::*;

    #[test]
    fn reads_flat_and_nested_members() {
        let mut f = Vec::new();
        let s = r#"{"level":"info","ts":1526585787.148433,"peers":["a","b"],"o":{"x":"}"},"msg":"say \"hi\""} tail"#;
        let n = json_object(s, &mut f).unwrap();
        assert_eq!(&s[n..], " tail");
        assert_eq!(f.len(), 5);
        assert_eq!(member(&f, "ts").unwrap().raw, "1526585787.148433");
        assert_eq!(member(&f, "peers").unwrap().raw, r#"["a","b"]"#);
        assert_eq!(member(&f, "msg").unwrap().to_cow(), "say \"hi\"");
    }

    #[test]
    fn rejects_broken_objects_and_restores() {
        let mut f = Vec::new();
        assert!(json_object(r#"{"a":"b","c":"#, &mut f).is_none());
        assert!(json_object(r#"{"a" "b"}"#, &mut f).is_none());
        assert!(f.is_empty());
    }
}
