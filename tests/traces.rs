//! Trace exports in real bundles: every span of an OTLP/JSON capture is
//! accounted for, counted here from the file itself with serde_json, and a
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

/// Every span object of a bundle's OTLP captures.
fn capture_spans(bundle: &Path) -> Vec<Value> {
    otlp_files(bundle)
        .iter()
        .flat_map(|f| otlp_spans(&text_of(f)))
        .map(|(_, s)| s)
        .collect()
}

/// Bundles with an OTLP capture: the samples', and the shared ones when beside.
fn bundles_with_traces() -> Vec<PathBuf> {
    util::real_bundles()
        .into_iter()
        .filter(|b| !otlp_files(b).is_empty())
        .collect()
}

/// The source name the analyzer gives a bundle file (`.gz` dropped).
fn source_name(bundle: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(bundle).unwrap().to_string_lossy();
    rel.strip_suffix(".gz").unwrap_or(&rel).to_string()
}

#[test]
fn every_span_of_an_otlp_capture_is_accounted_for() {
    let bundles = bundles_with_traces();
    assert!(
        bundles
            .iter()
            .any(|b| b.starts_with(util::root().join("samples"))),
        "a sample with an OTLP capture: {bundles:?}"
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

/// The same spans as a Jaeger export, in place of the OTLP capture, give
/// the same span count and the same analysis of the logs.
#[test]
fn a_jaeger_export_of_the_same_spans_is_read_alike() {
    let b = bundles_with_traces()
        .into_iter()
        .find(|b| b.starts_with(util::root().join("samples")))
        .expect("a sample with an OTLP capture");
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
    // to three decimals there.
    let to_us = |mut d: Value| {
        for w in d["windows"].as_array_mut().unwrap() {
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

/// Each window's failed spans, by operation and peer, are those the test
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
                        && peer_of(s) == g["peer"]
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
    let b = bundles_with_traces()
        .into_iter()
        .find(|b| b.starts_with(util::root().join("samples")))
        .expect("a sample with an OTLP capture");
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
        }
    }
}
