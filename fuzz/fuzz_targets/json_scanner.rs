//! The JSON object scanner against serde_json: whenever serde_json reads
//! a line as one object, the scanner reads the same object, to its end,
//! with the same top-level members (the last of duplicate keys, as
//! serde_json keeps it; string values unescaped, others as written JSON).
//! Where serde_json refuses, the scanner may be lenient, but never panics.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    let scanned = parsers::fuzzing::json_object(s);
    // Records are lines: the scanner skips spaces and tabs only.
    if s.contains(['\n', '\r']) || s.starts_with([' ', '\t']) {
        return;
    }
    let Ok(serde_json::Value::Object(obj)) = serde_json::from_str::<serde_json::Value>(s) else {
        return;
    };
    let (n, members) =
        scanned.unwrap_or_else(|| panic!("serde_json reads an object the scanner refuses: {s:?}"));
    assert!(
        s[n..].trim_matches([' ', '\t']).is_empty(),
        "object ends at {n} of {s:?}"
    );
    let mut last: Vec<(String, String)> = Vec::new();
    for (k, v) in members {
        last.retain(|(k2, _)| *k2 != k);
        last.push((k, v));
    }
    assert_eq!(last.len(), obj.len(), "members of {s:?}");
    for (k, v) in &last {
        let want = obj.get(k).unwrap_or_else(|| panic!("key {k:?} of {s:?}"));
        match want {
            serde_json::Value::String(w) => assert_eq!(v, w, "value of {k:?} in {s:?}"),
            other => {
                let again: serde_json::Value = serde_json::from_str(v)
                    .unwrap_or_else(|e| panic!("raw value {v:?} of {k:?} in {s:?}: {e}"));
                assert_eq!(&again, other, "value of {k:?} in {s:?}");
            }
        }
    }
});
