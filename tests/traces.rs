//! Trace exports in real bundles: every span of an OTLP/JSON capture, and
//! every span the stdout exporter wrote into a Milvus stdout log (Go JSON
//! lines, C++ text blocks), is accounted for, counted here from the file
//! itself (serde_json, and a reader of the C++ block of its own), and a
//! Jaeger UI export of the same spans (written here from the capture,
//! following Jaeger's JSON model) is read to the same count.

use crate::util;
use serde_json::{json, Value};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The OTLP/JSON files of a bundle (`traces/otlp-traces.jsonl[.gz]`).
fn otlp_files(bundle: &Path) -> Vec<PathBuf> {
    let dir = bundle.join("traces");
    let Ok(rd) = std::fs::read_dir(&dir) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .map(|e| e.unwrap().path())
        .filter(|p| {
            let n = p.file_name().unwrap().to_string_lossy();
            n.starts_with("otlp-traces.jsonl")
        })
        .collect();
    v.sort();
    v
}

/// The text of a file, through gzip when it is `.gz`.
fn text_of(p: &Path) -> String {
    let bytes = std::fs::read(p).unwrap();
    if p.extension().is_some_and(|e| e == "gz") {
        let mut s = String::new();
        flate2::read::MultiGzDecoder::new(&bytes[..])
            .read_to_string(&mut s)
            .unwrap();
        s
    } else {
        String::from_utf8(bytes).unwrap()
    }
}

/// The spans of an OTLP/JSON file, each with its resource's attributes.
fn otlp_spans(text: &str) -> Vec<(Value, Value)> {
    let mut out = Vec::new();
    for line in text.lines().filter(|l| !l.trim().is_empty()) {
        let req: Value = serde_json::from_str(line).unwrap();
        for rs in req["resourceSpans"].as_array().unwrap() {
            let resource = rs["resource"]["attributes"].clone();
            for ss in rs["scopeSpans"].as_array().unwrap() {
                for s in ss["spans"].as_array().unwrap() {
                    out.push((resource.clone(), s.clone()));
                }
            }
        }
    }
    out
}

/// The Milvus stdout logs of a bundle that hold spans of the stdout
/// exporter (`trace.exporter=stdout`).
fn stdout_logs(bundle: &Path) -> Vec<PathBuf> {
    let Ok(rd) = std::fs::read_dir(bundle.join("milvus")) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .map(|e| e.unwrap().path())
        .filter(|p| p.file_name().unwrap().to_string_lossy().contains("stdout"))
        .filter(|p| !stdout_spans(&text_of(p)).is_empty())
        .collect();
    v.sort();
    v
}

/// An OTLP/JSON attribute of a text or a number.
fn otlp_attr(key: &str, v: &Value) -> Value {
    match v {
        Value::Number(n) => json!({"key": key, "value": {"intValue": n.to_string()}}),
        Value::String(t) => json!({"key": key, "value": {"stringValue": t}}),
        other => json!({"key": key, "value": {"stringValue": other.to_string()}}),
    }
}

/// The OTLP name of a span kind (Go's number or C++'s word).
fn otlp_kind(k: &str) -> String {
    let word = match k {
        "1" => "internal",
        "2" => "server",
        "3" => "client",
        "4" => "producer",
        "5" => "consumer",
        w => w,
    };
    format!("SPAN_KIND_{}", word.to_uppercase())
}

/// A span in the OTLP/JSON shape the other tests read.
#[allow(clippy::too_many_arguments)]
fn otlp_shaped(
    name: &str,
    trace: &str,
    span: &str,
    parent: &str,
    kind: &str,
    (start_ns, end_ns): (i64, i64),
    (status, message): (&str, &str),
    attributes: Vec<Value>,
) -> Value {
    let parent = match parent.bytes().all(|b| b == b'0') {
        true => "",
        false => parent,
    };
    let mut st = json!({});
    if status.eq_ignore_ascii_case("error") {
        st = json!({"code": "STATUS_CODE_ERROR", "message": message});
    }
    json!({
        "name": name, "traceId": trace, "spanId": span, "parentSpanId": parent,
        "kind": otlp_kind(kind), "startTimeUnixNano": start_ns.to_string(),
        "endTimeUnixNano": end_ns.to_string(), "status": st, "attributes": attributes,
    })
}

/// A C++ span block: its `{` line, its members, its attributes, the member
/// whose tab-indented lines follow.
type Block = (usize, Vec<(String, String)>, Vec<Value>, String);

/// The span of a C++ block, if it names a trace.
fn block_span((at, members, attrs, _): Block) -> Option<(usize, Value)> {
    let m = |k: &str| {
        members
            .iter()
            .find(|(key, _)| key == k)
            .map_or("", |(_, v)| v.as_str())
    };
    if m("trace_id").is_empty() {
        return None;
    }
    let start: i64 = m("start").parse().unwrap();
    let length: i64 = m("duration").parse().unwrap_or(0);
    Some((
        at,
        otlp_shaped(
            m("name"),
            m("trace_id"),
            m("span_id"),
            m("parent_span_id"),
            &m("span kind").to_lowercase(),
            (start, start + length),
            (m("status"), m("description")),
            attrs,
        ),
    ))
}

/// The spans of a Milvus stdout log, each with its line: Go's stdout
/// exporter writes a JSON object a line (`{"Name":…,"SpanContext":…}`),
/// C++'s a block from a lone `{` to a lone `}`, `  key : value` a line (a
/// block cut before its `}` ends at the next `{` or the end of the file).
fn stdout_spans(text: &str) -> Vec<(usize, Value)> {
    let mut out = Vec::new();
    let mut block: Option<Block> = None;
    for (i, line) in text.lines().enumerate() {
        if line.starts_with("{\"Name\"") {
            let Ok(s) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            let ns = |k: &str| {
                chrono::DateTime::parse_from_rfc3339(s[k].as_str().unwrap())
                    .unwrap()
                    .timestamp_nanos_opt()
                    .unwrap()
            };
            let attributes = s["Attributes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|a| otlp_attr(a["Key"].as_str().unwrap(), &a["Value"]["Value"]))
                .collect();
            out.push((
                i + 1,
                otlp_shaped(
                    s["Name"].as_str().unwrap(),
                    s["SpanContext"]["TraceID"].as_str().unwrap(),
                    s["SpanContext"]["SpanID"].as_str().unwrap(),
                    s["Parent"]["SpanID"].as_str().unwrap_or(""),
                    &s["SpanKind"].to_string(),
                    (ns("StartTime"), ns("EndTime")),
                    (
                        s["Status"]["Code"].as_str().unwrap_or(""),
                        s["Status"]["Description"].as_str().unwrap_or(""),
                    ),
                    attributes,
                ),
            ));
            continue;
        }
        if line == "{" {
            out.extend(block.take().and_then(block_span));
            block = Some((i + 1, Vec::new(), Vec::new(), String::new()));
            continue;
        }
        let Some((_, members, attrs, section)) = block.as_mut() else {
            continue;
        };
        if line == "}" {
            out.extend(block.take().and_then(block_span));
        } else if let Some(kv) = line.strip_prefix('\t') {
            if section == "attributes" {
                if let Some((k, v)) = kv.split_once(": ") {
                    attrs.push(otlp_attr(k, &json!(v)));
                }
            }
        } else if let Some((k, v)) = line.strip_prefix("  ").and_then(|l| l.split_once(':')) {
            let k = k.trim_end().to_string();
            *section = k.clone();
            members.push((k, v.trim().to_string()));
        }
    }
    out.extend(block.take().and_then(block_span));
    out
}

/// Every span object of a bundle's OTLP captures and stdout logs.
fn capture_spans(bundle: &Path) -> Vec<Value> {
    let otlp = otlp_files(bundle)
        .into_iter()
        .flat_map(|f| otlp_spans(&text_of(&f)))
        .map(|(_, s)| s);
    let stdout = stdout_logs(bundle)
        .into_iter()
        .flat_map(|f| stdout_spans(&text_of(&f)))
        .map(|(_, s)| s);
    otlp.chain(stdout).collect()
}

/// Bundles with trace exports or stdout spans: the samples', and the
/// shared ones when beside.
fn bundles_with_traces() -> Vec<PathBuf> {
    util::real_bundles()
        .into_iter()
        .filter(|b| !otlp_files(b).is_empty() || !stdout_logs(b).is_empty())
        .collect()
}

/// The first sample with an OTLP capture.
fn otlp_sample() -> PathBuf {
    bundles_with_traces()
        .into_iter()
        .find(|b| b.starts_with(util::root().join("samples")) && !otlp_files(b).is_empty())
        .expect("a sample with an OTLP capture")
}

/// The source name the analyzer gives a bundle file (`.gz` dropped).
fn source_name(bundle: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(bundle).unwrap().to_string_lossy();
    rel.strip_suffix(".gz").unwrap_or(&rel).to_string()
}

#[test]
fn every_span_of_an_otlp_capture_is_accounted_for() {
    let bundles = bundles_with_traces();
    let samples = util::root().join("samples");
    assert!(
        bundles
            .iter()
            .any(|b| b.starts_with(&samples) && !otlp_files(b).is_empty()),
        "a sample with an OTLP capture: {bundles:?}"
    );
    assert!(
        bundles
            .iter()
            .any(|b| b.starts_with(&samples) && !stdout_logs(b).is_empty()),
        "a sample with stdout spans: {bundles:?}"
    );
    for b in bundles {
        let d = util::analyze(&[&b]);
        let mut in_files = 0u64;
        for f in otlp_files(&b) {
            let text = text_of(&f);
            let spans = otlp_spans(&text).len() as u64;
            in_files += spans;
            let s = util::source_in(&d, &source_name(&b, &f));
            assert_eq!(s["spans_total"], spans, "{}", f.display());
            let batches = text.lines().filter(|l| !l.trim().is_empty()).count();
            assert_eq!(s["lines_parsed"], batches as u64, "{}", f.display());
            assert_eq!(s["lines_unparsed"], 0, "{}", f.display());
            let named = match f.extension() {
                Some(e) if e == "gz" => f.with_extension(""),
                _ => f.clone(),
            };
            assert_eq!(s["lines_total"], util::physical_lines(&named));
        }
        for f in stdout_logs(&b) {
            let spans = stdout_spans(&text_of(&f)).len() as u64;
            in_files += spans;
            let s = util::source_in(&d, &source_name(&b, &f));
            assert_eq!(s["spans_total"], spans, "{}", f.display());
        }
        let sum: u64 = d["accounting"]["sources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["spans_total"].as_u64().unwrap())
            .sum();
        assert_eq!(d["accounting"]["spans_total"], sum);
        assert!(sum >= in_files, "{}", b.display());
    }
}

/// An OTLP attribute value as a Jaeger tag (`{key, type, value}`).
fn tag(key: &str, v: &Value) -> Value {
    let (ty, value) = match v.as_object().and_then(|o| o.iter().next()) {
        Some((k, x)) if k == "intValue" => {
            ("int64", json!(x.as_str().unwrap().parse::<i64>().unwrap()))
        }
        Some((k, x)) if k == "boolValue" => ("bool", x.clone()),
        Some((k, x)) if k == "doubleValue" => ("float64", x.clone()),
        Some((_, x)) => (
            "string",
            json!(x.as_str().map_or(x.to_string(), str::to_string)),
        ),
        None => ("string", json!("")),
    };
    json!({"key": key, "type": ty, "value": value})
}

/// The Jaeger UI's JSON download of these spans: one entry per trace, its
/// spans with microsecond times, OTLP attributes as tags, the kind and the
/// status as `span.kind` / `otel.status_code` / `otel.status_description`,
/// events as logs, resources as processes (Jaeger's OTLP translation).
fn jaeger_export(spans: &[(Value, Value)]) -> Value {
    let mut traces: std::collections::BTreeMap<
        String,
        (Vec<Value>, serde_json::Map<String, Value>),
    > = Default::default();
    let mut process_ids: std::collections::BTreeMap<String, String> = Default::default();
    for (resource, s) in spans {
        let key = resource.to_string();
        let n = process_ids.len();
        let pid = process_ids
            .entry(key)
            .or_insert_with(|| format!("p{}", n + 1))
            .clone();
        let attrs = resource.as_array().unwrap();
        let service = attrs
            .iter()
            .find(|a| a["key"] == "service.name")
            .map_or(String::new(), |a| {
                a["value"]["stringValue"].as_str().unwrap().to_string()
            });
        let process_tags: Vec<Value> = attrs
            .iter()
            .filter(|a| a["key"] != "service.name")
            .map(|a| tag(a["key"].as_str().unwrap(), &a["value"]))
            .collect();
        let ns = |k: &str| s[k].as_str().unwrap().parse::<i64>().unwrap();
        let (start, end) = (ns("startTimeUnixNano"), ns("endTimeUnixNano"));
        let mut tags: Vec<Value> = s["attributes"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|a| tag(a["key"].as_str().unwrap(), &a["value"]))
            .collect();
        let kind = s["kind"]
            .as_str()
            .unwrap_or("")
            .trim_start_matches("SPAN_KIND_")
            .to_lowercase();
        tags.push(json!({"key": "span.kind", "type": "string", "value": kind}));
        if s["status"]["code"] == "STATUS_CODE_ERROR" {
            tags.push(json!({"key": "otel.status_code", "type": "string", "value": "ERROR"}));
            tags.push(json!({"key": "error", "type": "bool", "value": true}));
            if let Some(m) = s["status"]["message"].as_str() {
                tags.push(json!({"key": "otel.status_description", "type": "string", "value": m}));
            }
        }
        let logs: Vec<Value> = s["events"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|e| {
                let mut fields =
                    vec![json!({"key": "event", "type": "string", "value": e["name"]})];
                fields.extend(
                    e["attributes"]
                        .as_array()
                        .into_iter()
                        .flatten()
                        .map(|a| tag(a["key"].as_str().unwrap(), &a["value"])),
                );
                let t = e["timeUnixNano"].as_str().unwrap().parse::<i64>().unwrap();
                json!({"timestamp": t / 1000, "fields": fields})
            })
            .collect();
        let trace_id = s["traceId"].as_str().unwrap().to_string();
        let references: Vec<Value> = s["parentSpanId"]
            .as_str()
            .filter(|p| !p.is_empty())
            .map(|p| json!({"refType": "CHILD_OF", "traceID": trace_id, "spanID": p}))
            .into_iter()
            .collect();
        let entry = traces.entry(trace_id.clone()).or_default();
        entry.0.push(json!({
            "traceID": trace_id,
            "spanID": s["spanId"],
            "flags": 1,
            "operationName": s["name"],
            "references": references,
            "startTime": start / 1000,
            "duration": (end - start) / 1000,
            "tags": tags,
            "logs": logs,
            "processID": pid,
            "warnings": null,
        }));
        entry
            .1
            .insert(pid, json!({"serviceName": service, "tags": process_tags}));
    }
    let data: Vec<Value> = traces
        .into_iter()
        .map(|(id, (spans, processes))| {
            json!({"traceID": id, "spans": spans, "processes": processes, "warnings": null})
        })
        .collect();
    json!({"data": data, "total": 0, "limit": 0, "offset": 0, "errors": null})
}

/// Evidence from a trace export with its source and line cleared: they
/// name the export's own file and line, the text is the same.
fn same_trace_evidence(list: &mut Value) {
    for e in list.as_array_mut().unwrap() {
        if e["source"].as_str().unwrap().starts_with("traces/") {
            e["source"] = json!("traces");
            e["line"] = json!(0);
        }
    }
}

/// The same spans as a Jaeger export, in place of the OTLP capture, give
/// the same span count and the same analysis of the logs.
#[test]
fn a_jaeger_export_of_the_same_spans_is_read_alike() {
    let b = otlp_sample();
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join(b.file_name().unwrap());
    let files = otlp_files(&b);
    util::copy_tree(&b, &copy, &|n| {
        util::is_annotation(n) || n.starts_with("otlp-traces.jsonl")
    });
    let spans: Vec<(Value, Value)> = files.iter().flat_map(|f| otlp_spans(&text_of(f))).collect();
    let doc = serde_json::to_string_pretty(&jaeger_export(&spans)).unwrap();
    std::fs::write(copy.join("traces/jaeger-ui-download.json"), &doc).unwrap();
    let otlp = util::analyze(&[&b]);
    let jaeger = util::analyze(&[&copy]);
    let s = util::source_in(&jaeger, "traces/jaeger-ui-download.json");
    assert_eq!(s["spans_total"], spans.len() as u64);
    assert_eq!(s["formats"]["jaeger-json"], doc.lines().count() as u64);
    assert_eq!(
        jaeger["accounting"]["spans_total"],
        otlp["accounting"]["spans_total"]
    );
    // Jaeger writes times in microseconds: a span's length in ms is kept
    // to three decimals there. A phase's span evidence names its own file
    // and line; its text is the same.
    let to_us = |mut d: Value| {
        for w in d["windows"].as_array_mut().unwrap() {
            for p in w["phases"].as_array_mut().unwrap() {
                same_trace_evidence(&mut p["evidence"]);
            }
            same_trace_evidence(&mut w["evidence"]);
            if let Some(spans) = w["traces"]["request_path"]["spans"].as_array_mut() {
                for x in spans {
                    let ms = x["duration_ms"].as_f64().unwrap();
                    x["duration_ms"] = json!((ms * 1000.0 + 1e-6).floor() / 1000.0);
                }
            }
        }
        d["windows"].take()
    };
    let (a, b) = (to_us(jaeger), to_us(otlp));
    let differs = a
        .as_array()
        .unwrap()
        .iter()
        .zip(b.as_array().unwrap())
        .flat_map(|(x, y)| {
            x.as_object()
                .unwrap()
                .iter()
                .filter(move |(k, v)| y[k.as_str()] != **v)
                .map(|(k, _)| k.clone())
        })
        .collect::<Vec<_>>();
    assert!(
        differs.is_empty(),
        "window members that differ: {differs:?}"
    );
    assert_eq!(a, b);
}

/// RFC 3339 → UTC µs.
fn us(t: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(t.as_str().unwrap())
        .unwrap()
        .timestamp_micros()
}

/// The peer of an OTLP span as `address:port`, or null.
fn peer_of(s: &Value) -> Value {
    let attr = |k: &str| {
        s["attributes"]
            .as_array()
            .into_iter()
            .flatten()
            .find(|a| a["key"] == k)
            .map(|a| {
                a["value"]
                    .as_object()
                    .unwrap()
                    .values()
                    .next()
                    .unwrap()
                    .clone()
            })
    };
    match (attr("net.sock.peer.addr"), attr("net.sock.peer.port")) {
        (Some(a), Some(p)) => json!(format!("{}:{}", a.as_str().unwrap(), p.as_str().unwrap())),
        (Some(a), None) => a,
        _ => Value::Null,
    }
}

/// Each window's failed spans, by operation and the address called (a
/// server span's, its parent client span's peer), are those the test
/// counts in the capture: the error spans that started inside the window
/// (the count may differ only by spans within a millisecond of a bound, as
/// the JSON writes times in milliseconds); a `node not match` error names
/// the expected node as the node the call was meant for.
#[test]
fn a_windows_error_spans_are_those_of_the_capture() {
    let mut saw_dead_node = false;
    for b in bundles_with_traces() {
        let d = util::analyze(&[&b]);
        let spans = capture_spans(&b);
        // The address a call went to: a client span's peer; a server span
        // (whose peer is its caller) was called at its parent client span's.
        let clients: std::collections::HashMap<(&str, &str), Value> = spans
            .iter()
            .filter(|s| s["kind"] == "SPAN_KIND_CLIENT")
            .map(|s| {
                let key = (
                    s["traceId"].as_str().unwrap(),
                    s["spanId"].as_str().unwrap(),
                );
                (key, peer_of(s))
            })
            .collect();
        let called = |s: &Value| match s["kind"].as_str() {
            Some("SPAN_KIND_SERVER") => clients
                .get(&(
                    s["traceId"].as_str().unwrap(),
                    s["parentSpanId"].as_str().unwrap_or(""),
                ))
                .cloned()
                .unwrap_or(Value::Null),
            _ => peer_of(s),
        };
        let start_of = |s: &Value| {
            s["startTimeUnixNano"]
                .as_str()
                .unwrap()
                .parse::<i64>()
                .unwrap()
                / 1000
        };
        for w in d["windows"].as_array().unwrap() {
            let (from, to) = (us(&w["start"]), us(&w["end"]));
            let t = &w["traces"];
            let count_in = |lo: i64, hi: i64, pick: &dyn Fn(&Value) -> bool| {
                spans
                    .iter()
                    .filter(|s| (lo..=hi).contains(&start_of(s)) && pick(s))
                    .count() as u64
            };
            let inner = count_in(from + 1000, to - 1000, &|_| true);
            let outer = count_in(from - 1000, to + 1000, &|_| true);
            let n = t["spans"].as_u64().unwrap();
            assert!(
                (inner..=outer).contains(&n),
                "{}: {n} spans, {inner}..{outer}",
                b.display()
            );
            let groups = t["error_spans"].as_array().unwrap();
            let errors_in = |lo: i64, hi: i64| {
                count_in(lo, hi, &|s| s["status"]["code"] == "STATUS_CODE_ERROR")
            };
            let listed: u64 = groups.iter().map(|g| g["count"].as_u64().unwrap()).sum();
            assert!(
                (errors_in(from + 1000, to - 1000)..=errors_in(from - 1000, to + 1000))
                    .contains(&listed),
                "{}",
                b.display()
            );
            for g in groups {
                let of_group = |s: &Value| {
                    s["status"]["code"] == "STATUS_CODE_ERROR"
                        && s["name"] == g["operation"]
                        && called(s) == g["peer"]
                };
                let c = g["count"].as_u64().unwrap();
                let (lo, hi) = (
                    count_in(from + 1000, to - 1000, &of_group),
                    count_in(from - 1000, to + 1000, &of_group),
                );
                assert!((lo..=hi).contains(&c), "{g}: {lo}..{hi}");
                let expected = spans
                    .iter()
                    .filter(|s| of_group(s) && (from - 1000..=to + 1000).contains(&start_of(s)))
                    .find_map(|s| {
                        let m = s["status"]["message"].as_str()?;
                        let id = m.split("expectedNodeID=").nth(1)?;
                        Some(
                            id.chars()
                                .take_while(char::is_ascii_digit)
                                .collect::<String>(),
                        )
                    });
                if let Some(id) = expected {
                    assert_eq!(g["peer_node"], json!(id), "{g}");
                    saw_dead_node |= g["operation"]
                        .as_str()
                        .unwrap()
                        .starts_with("milvus.proto.query.QueryNode/");
                }
            }
        }
    }
    assert!(saw_dead_node, "a QueryNode call meant for the dead node");
}

/// A Proxy failure's trace id leads to its spans: the line named holds
/// that trace id, and the path is the trace's root down to its deepest
/// span (none of these failed in their status), as the test follows the
/// parent links in the capture.
#[test]
fn a_proxy_failures_trace_id_leads_to_its_span_path() {
    let mut paths = 0;
    for b in bundles_with_traces() {
        let d = util::analyze(&[&b]);
        let spans = capture_spans(&b);
        for w in d["windows"].as_array().unwrap() {
            let p = &w["traces"]["request_path"];
            if p.is_null() {
                continue;
            }
            paths += 1;
            let id = p["trace_id"].as_str().unwrap();
            let file = std::fs::read_to_string(b.join(p["source"].as_str().unwrap())).unwrap();
            let line = file
                .lines()
                .nth(p["line"].as_u64().unwrap() as usize - 1)
                .unwrap();
            assert!(line.contains(&format!("traceID={id}")), "{line}");
            let trace: Vec<&Value> = spans.iter().filter(|s| s["traceId"] == id).collect();
            let parent_of = |s: &Value| {
                let pid = s["parentSpanId"].as_str().unwrap_or("");
                trace.iter().find(|t| t["spanId"] == pid).copied()
            };
            let depth = |s: &Value| {
                let mut n = 1;
                let mut at = s;
                while let Some(p) = parent_of(at) {
                    n += 1;
                    at = p;
                }
                n
            };
            let failed = trace
                .iter()
                .any(|s| s["status"]["code"] == "STATUS_CODE_ERROR");
            let listed = p["spans"].as_array().unwrap();
            if !failed {
                let deepest = trace.iter().map(|s| depth(s)).max().unwrap();
                assert_eq!(listed.len(), deepest, "{id}");
            }
            let root = trace.iter().find(|s| parent_of(s).is_none()).unwrap();
            assert_eq!(listed[0]["operation"], root["name"], "{id}");
            for pair in listed.windows(2) {
                let child = trace.iter().find(|s| {
                    s["name"] == pair[1]["operation"]
                        && parent_of(s).is_some_and(|p| p["name"] == pair[0]["operation"])
                });
                assert!(
                    child.is_some(),
                    "{} is no child of {}",
                    pair[1]["operation"],
                    pair[0]["operation"]
                );
            }
        }
    }
    assert!(paths > 0, "a window with a request path");
}

/// `timeline --spans` lists every span of the capture once, in start order,
/// with its error text; CSV has the same columns.
#[test]
fn timeline_lists_every_span() {
    let samples = util::root().join("samples");
    let mut n = 0;
    for b in bundles_with_traces()
        .into_iter()
        .filter(|b| b.starts_with(&samples))
    {
        n += 1;
        let spans = capture_spans(&b);
        let path = b.to_str().unwrap();
        let out = util::ok(&["timeline", path, "--spans", "--format", "jsonl"]);
        let rows: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(rows.len(), spans.len());
        let failed = |s: &Value| s["status"]["code"] == "STATUS_CODE_ERROR";
        assert_eq!(
            rows.iter().filter(|r| r["status"] == "error").count(),
            spans.iter().filter(|s| failed(s)).count()
        );
        assert!(rows
            .windows(2)
            .all(|w| w[0]["ts"].as_str() <= w[1]["ts"].as_str()));
        let mut ids: Vec<&str> = rows
            .iter()
            .map(|r| r["span_id"].as_str().unwrap())
            .collect();
        ids.sort_unstable();
        let mut want: Vec<&str> = spans
            .iter()
            .map(|s| s["spanId"].as_str().unwrap())
            .collect();
        want.sort_unstable();
        assert_eq!(ids, want);
        let csv = util::ok(&["timeline", path, "--spans", "--format", "csv"]);
        assert!(csv.starts_with("ts,duration_ms,trace_id,span_id,parent_id,operation,kind,status,message,service,node,peer,grpc_code,source,line"));
    }
    assert!(n >= 2, "the samples with an OTLP capture and stdout spans");
}

/// The HTML report shows each window's failed calls and its request's
/// span path (the trace id the JSON names), self-contained and small.
#[test]
fn the_html_report_shows_the_traces_block() {
    for b in bundles_with_traces() {
        let dir = tempfile::tempdir().unwrap();
        let (html, json) = (dir.path().join("r.html"), dir.path().join("r.json"));
        let args = [
            "analyze",
            b.to_str().unwrap(),
            "--html",
            html.to_str().unwrap(),
            "--json",
            json.to_str().unwrap(),
        ];
        let out = util::run(&args);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let d: Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
        let page = std::fs::read_to_string(&html).unwrap();
        assert!(page.len() < 5 << 20, "{} bytes", page.len());
        assert!(!page.contains("<script src") && !page.contains("<link"));
        for w in d["windows"].as_array().unwrap() {
            for g in w["traces"]["error_spans"]
                .as_array()
                .unwrap()
                .iter()
                .take(3)
            {
                assert!(page.contains(g["example_trace_id"].as_str().unwrap()));
            }
            if let Some(id) = w["traces"]["request_path"]["trace_id"].as_str() {
                assert!(page.contains("One failed request inside Milvus"));
                assert!(page.contains(id));
            }
            // The latency rows, and the timeline's row of failed calls
            // meant for the node of the most frequent group.
            for l in w["traces"]["latency"].as_array().unwrap() {
                assert!(page.contains("Internal-call latency (traces)"));
                assert!(page.contains(l["operation"].as_str().unwrap()));
            }
            if let Some(n) = w["traces"]["error_spans"][0]["peer_node"].as_str() {
                assert!(
                    page.contains(&format!("failed calls → node {n}")),
                    "no row of failed calls to node {n}"
                );
            }
        }
    }
}

/// The start of an OTLP span, UTC µs (floored, as the analyzer keeps it).
fn start_us(s: &Value) -> i64 {
    s["startTimeUnixNano"]
        .as_str()
        .unwrap()
        .parse::<i64>()
        .unwrap()
        / 1000
}

/// The expected node id a `node not match` error text names.
fn expected_in(s: &Value) -> Option<String> {
    let m = s["status"]["message"].as_str()?;
    let id = m.split("expectedNodeID=").nth(1)?;
    Some(id.chars().take_while(char::is_ascii_digit).collect())
}

/// Every failed span is a `grpc-error` event of `timeline --events`, at its
/// start, its subject the node a `node not match` text expected.
#[test]
fn failed_spans_are_grpc_error_events() {
    for b in bundles_with_traces() {
        let spans = capture_spans(&b);
        let failed: Vec<&Value> = spans
            .iter()
            .filter(|s| s["status"]["code"] == "STATUS_CODE_ERROR")
            .collect();
        let out = util::ok(&[
            "timeline",
            b.to_str().unwrap(),
            "--events",
            "--format",
            "jsonl",
        ]);
        let events: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str::<Value>(l).unwrap())
            .filter(|e| e["rule"] == "span-status-error")
            .collect();
        assert_eq!(events.len(), failed.len(), "{}", b.display());
        assert!(events.iter().all(|e| e["kind"] == "grpc-error"));
        let mut want: Vec<(i64, Value)> = failed
            .iter()
            .map(|s| {
                (
                    start_us(s) / 1000,
                    expected_in(s).map_or(Value::Null, |n| json!(n)),
                )
            })
            .filter(|(_, n)| !n.is_null())
            .collect();
        let mut got: Vec<(i64, Value)> = events
            .iter()
            .filter(|e| e["message"].as_str().unwrap().contains("expectedNodeID="))
            .map(|e| (us(&e["ts"]) / 1000, e["subject"].clone()))
            .collect();
        want.sort_by_key(|a| (a.0, a.1.to_string()));
        got.sort_by_key(|a| (a.0, a.1.to_string()));
        assert_eq!(got, want, "{}", b.display());
        // Events come in time order, the spans' among the lines'.
        let all: Vec<Value> = out
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(all
            .windows(2)
            .all(|w| w[0]["ts"].as_str() <= w[1]["ts"].as_str()));
    }
}

/// Nearest-rank percentile of durations in ns, as ms rounded to 0.01.
fn nearest_rank_ms(sorted_ns: &[i64], q: f64) -> f64 {
    let rank = ((q * sorted_ns.len() as f64).ceil() as usize).clamp(1, sorted_ns.len());
    (sorted_ns[rank - 1] as f64 / 1e4).round() / 100.0
}

/// A window's latency rows are the percentiles the test computes from the
/// capture for that operation and side, inside the window and over the
/// same length before it (at least 60 s); exact when the test's count
/// (bounds in ms) is the analyzer's.
#[test]
fn latency_inside_and_before_a_window_is_that_of_the_capture() {
    let mut rows = 0;
    for b in bundles_with_traces() {
        let d = util::analyze(&[&b]);
        let spans = capture_spans(&b);
        for w in d["windows"].as_array().unwrap() {
            let (from, to) = (us(&w["start"]), us(&w["end"]));
            let before_from = from - (to - from).max(60_000_000);
            for l in w["traces"]["latency"].as_array().unwrap() {
                rows += 1;
                let kind = format!("SPAN_KIND_{}", l["kind"].as_str().unwrap().to_uppercase());
                let durations = |lo: i64, hi: i64| {
                    let mut v: Vec<i64> = spans
                        .iter()
                        .filter(|s| s["name"] == l["operation"] && s["kind"] == kind.as_str())
                        .filter(|s| (lo..hi).contains(&start_us(s)))
                        .map(|s| {
                            let ns = |k: &str| s[k].as_str().unwrap().parse::<i64>().unwrap();
                            ns("endTimeUnixNano") - ns("startTimeUnixNano")
                        })
                        .collect();
                    v.sort_unstable();
                    v
                };
                for (side, lo, hi) in [("before", before_from, from), ("inside", from, to + 1000)] {
                    let got = &l[side];
                    let v = durations(lo, hi);
                    let n = got["count"].as_u64().unwrap();
                    let near = durations(lo - 1000, hi + 1000).len() as u64;
                    let inner = durations(lo + 1000, hi - 1000).len() as u64;
                    assert!((inner..=near).contains(&n), "{l}: {side} {inner}..{near}");
                    if v.len() as u64 == n {
                        for (q, k) in [(0.5, "p50_ms"), (0.9, "p90_ms"), (0.99, "p99_ms")] {
                            assert_eq!(
                                got[k].as_f64().unwrap(),
                                nearest_rank_ms(&v, q),
                                "{l}: {side} {k}"
                            );
                        }
                    }
                    assert!(n >= 5, "{l}");
                }
            }
        }
    }
    assert!(rows > 0, "a window with latency rows");
}

/// A phase cites failed calls of its time: the span record's line of the
/// trace export holds a span of that operation.
#[test]
fn phases_cite_failed_spans_as_evidence() {
    let mut cited = 0;
    for b in bundles_with_traces() {
        let d = util::analyze(&[&b]);
        // (source, line) → the names of the spans on that line.
        let mut names: std::collections::HashMap<(String, usize), Vec<String>> = Default::default();
        for f in otlp_files(&b) {
            let text = text_of(&f);
            for (i, line) in text.lines().enumerate() {
                for (_, s) in otlp_spans(line) {
                    names
                        .entry((source_name(&b, &f), i + 1))
                        .or_default()
                        .push(s["name"].as_str().unwrap().to_string());
                }
            }
        }
        for f in stdout_logs(&b) {
            for (line, s) in stdout_spans(&text_of(&f)) {
                names
                    .entry((source_name(&b, &f), line))
                    .or_default()
                    .push(s["name"].as_str().unwrap().to_string());
            }
        }
        for w in d["windows"].as_array().unwrap() {
            for p in w["phases"].as_array().unwrap() {
                for e in p["evidence"].as_array().unwrap() {
                    let text = e["text"].as_str().unwrap();
                    let Some(rest) = text.strip_prefix("span ") else {
                        continue;
                    };
                    cited += 1;
                    let (from, to) = (us(&p["start"]), us(&p["end"]));
                    assert!((from - 1000..=to + 1000).contains(&us(&e["ts"])), "{e}");
                    let op = rest.split([' ', ':']).next().unwrap();
                    let key = (
                        e["source"].as_str().unwrap().to_string(),
                        e["line"].as_u64().unwrap() as usize,
                    );
                    let on_line = names
                        .get(&key)
                        .unwrap_or_else(|| panic!("no span at {key:?}"));
                    assert!(on_line.iter().any(|n| n == op), "{op} at {key:?}");
                }
            }
        }
    }
    assert!(cited > 0, "a phase that cites a failed span");
}
