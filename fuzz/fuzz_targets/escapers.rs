//! The escapers of every sink, on any text: HTML (`html::esc`), Markdown
//! (`markdown::text`, `markdown::code`), terminal and text
//! (`inert::terminal`) and CSV (`inert::csv_cell`). Oracle: no raw `<`,
//! quote or control character survives in HTML; no unescaped `<` or `|`,
//! no line break in Markdown, and a code span is closed by its own fence;
//! no ESC (nor any other control but line break and tab) reaches a
//! terminal; no CSV cell starts with `=`, `+`, `-`, `@`, a tab or CR.
#![no_main]

use libfuzzer_sys::fuzz_target;
use milvus_postmortem::report::{html, inert, markdown};

fn control(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
}

fuzz_target!(|data: &[u8]| {
    let s = String::from_utf8_lossy(data);
    let h = html::esc(&s);
    assert!(
        !h.contains(['<', '>', '"', '\'']) && !h.chars().any(control),
        "html: {h:?}"
    );
    for (i, _) in h.match_indices('&') {
        let rest = &h[i..];
        assert!(
            ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                .iter()
                .any(|e| rest.starts_with(e)),
            "html &: {h:?}"
        );
    }
    let t = markdown::text(&s);
    assert!(
        !t.contains(['\n', '\r']) && !t.chars().any(char::is_control),
        "md text: {t:?}"
    );
    let b = t.as_bytes();
    for (i, c) in b.iter().enumerate() {
        if matches!(c, b'<' | b'|' | b'`' | b'[') {
            // Escaped by an odd run of backslashes before it.
            let run = b[..i].iter().rev().take_while(|x| **x == b'\\').count();
            assert!(run % 2 == 1, "md text: unescaped {} in {t:?}", *c as char);
        }
    }
    let c = markdown::code(&s, 200);
    assert!(
        !c.contains(['\n', '\r']) && !c.chars().any(char::is_control),
        "md code: {c:?}"
    );
    // An empty span is the two fences alone; a body that starts with a
    // backtick is padded with a space, so the leading run is the fence.
    if c != "``" {
        let fence = c.chars().take_while(|x| *x == '`').count();
        assert!(fence >= 1 && c.len() > 2 * fence, "md code fence: {c:?}");
        assert!(c.ends_with(&"`".repeat(fence)), "md code fence: {c:?}");
        let inner = &c[fence..c.len() - fence];
        assert!(
            !inner.contains(&"`".repeat(fence)),
            "md code closed early: {c:?}"
        );
    }
    let term = inert::terminal(&s);
    assert!(!term.chars().any(control), "terminal: {term:?}");
    let cell = inert::csv_cell(&s);
    assert!(
        !cell.starts_with(['=', '+', '-', '@', '\t', '\r']),
        "csv: {cell:?}"
    );
});
