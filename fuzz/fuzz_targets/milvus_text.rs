//! The Milvus text bracket tokenizer, by round trip: a message and fields
//! taken from the input are written as Milvus' zap text encoder writes them
//! (`pkg/log/zap_text_encoder.go`: quoted when they hold a space, `\`, `"`,
//! `[`, `]` or `=`, with `\"`, `\\`, `\n`, `\r`, `\t` escapes), and the
//! record read back must hold exactly them. Any input line is also
//! tokenized as is: never a panic, never an end past the line.
#![no_main]

use libfuzzer_sys::fuzz_target;

fn needs_quotes(s: &str) -> bool {
    s.chars()
        .any(|c| matches!(c, ' ' | '\\' | '"' | '[' | ']' | '=') || c.is_control())
}

fn encode(s: &str) -> String {
    if !needs_quotes(s) {
        return s.to_string();
    }
    let mut o = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => o.push_str("\\\""),
            '\\' => o.push_str("\\\\"),
            '\n' => o.push_str("\\n"),
            '\r' => o.push_str("\\r"),
            '\t' => o.push_str("\\t"),
            c if c.is_control() => o.push_str(&format!("\\u{:04x}", c as u32)),
            c => o.push(c),
        }
    }
    o.push('"');
    o
}

fuzz_target!(|data: &[u8]| {
    let raw = String::from_utf8_lossy(data);
    if let Some((end, _, _)) = parsers::fuzzing::milvus_text(&raw) {
        assert!(end <= raw.len());
    }
    let mut parts = raw.split('\u{1}').map(|p| p.replace('\u{fffd}', ""));
    let message = parts.next().unwrap_or_default();
    let rest: Vec<String> = parts.collect();
    let fields: Vec<(String, String)> = rest
        .chunks(2)
        .filter(|kv| !kv[0].is_empty())
        .map(|kv| (kv[0].clone(), kv.get(1).cloned().unwrap_or_default()))
        .collect();
    let mut line =
        String::from("[2024/12/19 08:12:33.123 +00:00] [INFO] [querycoordv2/server.go:748]");
    if !message.is_empty() {
        line.push_str(&format!(" [{}]", encode(&message)));
    } else if fields.is_empty() {
        return;
    }
    for (k, v) in &fields {
        line.push_str(&format!(" [{}={}]", encode(k), encode(v)));
    }
    let (end, got_message, got_fields) =
        parsers::fuzzing::milvus_text(&line).unwrap_or_else(|| panic!("not read: {line:?}"));
    assert_eq!(end, line.len(), "{line:?}");
    assert_eq!(got_message, message, "{line:?}");
    assert_eq!(got_fields, fields, "{line:?}");
});
