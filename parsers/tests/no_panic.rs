//! No input may panic a grammar: real lines cut at every character,
//! with multi-byte characters slipped in at every position, and random
//! bytes.

use parsers::{continues, parse_line, Grammar, LineOut};

fn real_lines() -> Vec<String> {
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/../samples/kill-restart-1");
    let mut files = vec![
        format!("{sample}/milvus/milvus-stderr.log"),
        format!("{sample}/client/pymilvus.log"),
        format!("{sample}/etcd/etcd.log"),
    ];
    // The public corpus when ../shared is beside the repository (required on CI).
    let corpus = concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus/public");
    match std::fs::read_dir(corpus) {
        Ok(dir) => files.extend(dir.map(|e| e.unwrap().path().display().to_string())),
        Err(_) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("no ../shared/corpus/public: the corpus lines are left out")
        }
        Err(e) => panic!("{corpus}: {e} (CI=true needs ../shared)"),
    }
    let mut lines: Vec<String> = Vec::new();
    for f in files {
        let text = String::from_utf8_lossy(&std::fs::read(&f).unwrap()).into_owned();
        lines.extend(
            text.lines()
                .take(40)
                .map(|l| l.chars().take(600).collect::<String>()),
        );
    }
    lines.extend([
        r#"[2024/12/19 08:12:33.123 +00:00] [INFO] [querycoordv2/server.go:748] ["a node down, remove it"] [nodeID=5] [t=2024/12/19 08:12:30.001 +00:00]"#.to_string(),
        "[2024/12/19 08:12:33.123 +00:00] [ACCESS] <root: 1.2.3.4:5> Search [status: Failed] [code: 503]".to_string(),
        "{\"log\":\"x\\n\",\"stream\":\"stdout\",\"time\":\"2024-12-19T08:12:33Z\"}".to_string(),
        "  start         : 1795672344254665903".to_string(),
    ]);
    lines
}

fn exercise(line: &str) {
    let mut out = LineOut::default();
    let _ = parse_line(line, &mut out);
    for g in Grammar::ALL {
        let _ = continues(g, line);
    }
    let mut s = String::new();
    let _ = parsers::decode_docker_json(line, &mut s);
    let _ = parsers::cpp_span_member(line);
}

#[test]
fn cut_lines_and_inserted_characters_never_panic() {
    for line in real_lines() {
        let bounds: Vec<usize> = line
            .char_indices()
            .map(|(i, _)| i)
            .chain([line.len()])
            .collect();
        let step = (bounds.len() / 150).max(1);
        for &b in bounds.iter().step_by(step) {
            exercise(&line[..b]);
            for ins in ["€", "\u{fffd}", "\"", "\\", "[", "]", "=", "\u{1b}[", "}"] {
                let mut m = String::with_capacity(line.len() + 4);
                m.push_str(&line[..b]);
                m.push_str(ins);
                m.push_str(&line[b..]);
                exercise(&m);
            }
        }
    }
}

#[test]
fn random_bytes_never_panic() {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    let alphabet = b"[]{}\"\\=:,. -+/TZ0123456789abcINFOWARN|\t\x1b\xe2\x82\xac\xff";
    for _ in 0..20_000 {
        let len = (x % 90) as usize;
        let mut bytes = Vec::with_capacity(len);
        for _ in 0..len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            bytes.push(alphabet[(x % alphabet.len() as u64) as usize]);
        }
        let s = String::from_utf8_lossy(&bytes).into_owned();
        exercise(&s);
        // Also behind a real Milvus prefix, where the deep grammar code runs.
        let p = format!("[2026/11/26 04:15:28.340 +00:00] [INFO] [a/b.go:1] {s}");
        exercise(&p);
    }
}
