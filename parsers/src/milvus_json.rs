//! Milvus zap JSON format (`log.format: json`, 2.2–2.5): keys `level`, `time`,
//! (`name`), `caller`, `message`, then context and call-site fields, then
//! `stack`. `time` uses the text layout `2006/01/02 15:04:05.000 -07:00`.

use crate::common::member;
use crate::timestamp;
use crate::{Grammar, Level, LineOut, Record};

/// Makes a Milvus JSON record of the object members at `out.fields[start..]`.
pub(crate) fn from_members(start: usize, out: &mut LineOut<'_>) -> bool {
    let f = &out.fields[start..];
    let parsed = (|| {
        let ts = timestamp::milvus(member(f, "time")?.raw).ok()?.1;
        let level = Level::from_word(member(f, "level")?.raw)?;
        Some((
            ts,
            level,
            member(f, "caller").map(|c| c.raw).unwrap_or(""),
            member(f, "message"),
        ))
    })();
    let Some((ts, level, caller, message)) = parsed else {
        return false;
    };
    out.emit(
        Record::new(
            Grammar::MilvusJson,
            message.unwrap_or(crate::Text::plain("")),
            start,
        )
        .with_ts(Some(ts))
        .with_level(level)
        .with_caller(caller),
    )
}

#[cfg(test)]
mod tests {
    use crate::{parse_line, Grammar, Level, LineKind, LineOut};

    #[test]
    fn json_format_2_x_public() {
        // milvus-41700 (public issue, May 2025): big ids stay raw text.
        let mut out = LineOut::default();
        let line = r#"{"level":"WARN","time":"2025/05/07 20:24:23.212 +00:00","caller":"utils/types.go:68","message":"delta position is quite stale","collectionID":455854789967236203,"segmentID":457131009530704933,"channel":"rootcoord-dml_1_455854789967236203v0","posTs":457873202589990913,"posTime":"2025/05/07 19:54:13.923 +00:00","tsLag":"30m9.289400214s"}"#;
        let r = crate::one_record(line, &mut out);
        assert_eq!(
            (r.grammar, r.level, r.caller),
            (Grammar::MilvusJson, Level::Warn, "utils/types.go:68")
        );
        assert_eq!(r.message.to_cow(), "delta position is quite stale");
        let f = out.fields_of(&r);
        assert_eq!(
            f.iter()
                .find(|f| f.key.raw == "collectionID")
                .unwrap()
                .value
                .raw,
            "455854789967236203"
        );
    }

    #[test]
    fn json_format_2_0_array_fields() {
        // milvus-15882 (public issue, May 2022).
        let mut out = LineOut::default();
        let line = r#"{"level":"WARN","time":"2022/05/19 05:52:39.838 +00:00","caller":"query_coord.go:532","message":"loadBalanceSegmentLoop: there are too few available query nodes to balance","onlineNodeIDs":[342],"availableNodeIDs":[342]}"#;
        assert_eq!(parse_line(line, &mut out), LineKind::Records);
        assert_eq!(out.records[0].grammar, Grammar::MilvusJson);
    }
}
