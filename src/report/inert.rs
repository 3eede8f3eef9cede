//! Making log-derived text inert for the sink it is written to. A bundle
//! is untrusted: its lines and file names may hold terminal escape
//! sequences (`ESC]0;…` retitles the window, `ESC]52;…` writes the
//! clipboard), spreadsheet formulas, or NUL bytes decoded from `\u0000`.
//!
//! * terminal and plain text ([`Inert`]): every C0 and C1 control
//!   character but the line break and the tab is written as `\xNN` /
//!   `\u{NN}`, so nothing reaches the terminal as a command and no NUL
//!   reaches a file read by `grep`;
//! * CSV ([`csv_cell`], [`csv_frame`]): a cell starting with `=`, `+`,
//!   `-`, `@`, a tab or a carriage return gets a leading `'` (OWASP's
//!   advice against formula injection);
//! * HTML and Markdown escape their own way (their writers), JSON escapes
//!   control characters itself.
//!
//! Must not know: what the text means.

use std::borrow::Cow;
use std::io::Write;

/// A writer that shows control characters escaped (terminal, text).
pub struct Inert<'a>(pub &'a mut dyn Write);

/// The text with its control characters escaped (line breaks and tabs kept).
pub fn terminal(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_control) {
        return Cow::Borrowed(s);
    }
    let mut o = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_control(c) {
            escape_into(c, &mut o);
        } else {
            o.push(c);
        }
    }
    Cow::Owned(o)
}

fn is_control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

fn escape_into(c: char, o: &mut String) {
    use std::fmt::Write as _;
    let n = c as u32;
    let _ = if n < 0x80 {
        write!(o, "\\x{n:02x}")
    } else {
        write!(o, "\\u{{{n:x}}}")
    };
}

impl Write for Inert<'_> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        match std::str::from_utf8(buf) {
            Ok(s) => self.0.write_all(terminal(s).as_bytes())?,
            // Not text: the bytes below 0x20 escaped, the rest as they are.
            Err(_) => {
                for b in buf {
                    if (*b < 0x20 && *b != b'\n' && *b != b'\t') || *b == 0x7f {
                        write!(self.0, "\\x{b:02x}")?;
                    } else {
                        self.0.write_all(&[*b])?;
                    }
                }
            }
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.0.flush()
    }
}

/// A CSV cell that a spreadsheet will not run as a formula.
pub fn csv_cell(s: &str) -> Cow<'_, str> {
    match s.as_bytes().first() {
        Some(b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r') => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

/// The frame with every text cell made a safe CSV cell.
pub fn csv_frame(
    df: &polars::prelude::DataFrame,
) -> polars::prelude::PolarsResult<polars::prelude::DataFrame> {
    use polars::prelude::*;
    let columns = df
        .columns()
        .iter()
        .map(|c| -> PolarsResult<Column> {
            if c.dtype() != &DataType::String {
                return Ok(c.clone());
            }
            let cells: Vec<Option<String>> = c
                .str()?
                .iter()
                .map(|v| v.map(|v| csv_cell(v).into_owned()))
                .collect();
            Ok(Column::new(c.name().clone(), cells))
        })
        .collect::<PolarsResult<Vec<_>>>()?;
    DataFrame::new_infer_height(columns)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_nul_are_shown_not_sent() {
        assert_eq!(terminal("a\u{1b}]0;pwned\u{7}b"), "a\\x1b]0;pwned\\x07b");
        assert_eq!(terminal("nul\0here\nnext\tcol"), "nul\\x00here\nnext\tcol");
        assert_eq!(terminal("c1 \u{9b}31m"), "c1 \\u{9b}31m");
        assert!(matches!(terminal("plain"), Cow::Borrowed(_)));
        let mut out = Vec::new();
        write!(Inert(&mut out), "x\u{1b}[2J").unwrap();
        assert_eq!(out, b"x\\x1b[2J");
    }

    #[test]
    fn formulas_become_text() {
        assert_eq!(
            csv_cell("=HYPERLINK(\"http://x\")"),
            "'=HYPERLINK(\"http://x\")"
        );
        assert_eq!(csv_cell("-1+2"), "'-1+2");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(csv_cell("\tcmd"), "'\tcmd");
        assert_eq!(csv_cell("querynode"), "querynode");
    }
}
