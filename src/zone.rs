//! Zones and command-line times: what `--tz`, `--since` and `--until` take.
//!
//! A zone is a fixed offset (`+08:00`, `-0500`, `+0530`, `UTC`) or an IANA
//! name (`Asia/Shanghai`, with its daylight-saving rules, from the
//! chrono-tz database): times written without a zone are read in it. A
//! command-line time is an RFC 3339 time, a `YYYY-MM-DD[ HH:MM[:SS]]` local
//! time, or a time relative to now (`-2h`, `-30m`, `-1d`).
//!
//! Must not know: sources, records, windows.

use anyhow::{bail, Result};
use chrono::{Offset, TimeZone};

/// The zone of times written without one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Zone {
    /// Seconds east of UTC.
    Fixed(i32),
    /// A zone of the IANA database.
    Named(chrono_tz::Tz),
}

impl Default for Zone {
    fn default() -> Self {
        Zone::Fixed(0)
    }
}

impl Zone {
    /// Reads `+05:30`, `-0800`, `+08`, `UTC`, `Z`, `GMT` or an IANA name.
    pub fn parse(s: &str) -> Result<Zone> {
        let t = s.trim();
        if t.eq_ignore_ascii_case("utc") || t == "Z" || t.eq_ignore_ascii_case("gmt") {
            return Ok(Zone::Fixed(0));
        }
        if let Ok(("", off)) = parsers::timestamp::zone(t) {
            return Ok(Zone::Fixed(off));
        }
        if let Some(off) = hours_only(t) {
            return Ok(Zone::Fixed(off));
        }
        match t.parse::<chrono_tz::Tz>() {
            Ok(tz) => Ok(Zone::Named(tz)),
            Err(_) => bail!(
                "time zone {s:?} is neither an offset (+08:00, -0500, UTC) nor an IANA zone name (Asia/Shanghai, America/New_York)"
            ),
        }
    }

    /// Seconds east of UTC at the local time `local_us` (µs since the
    /// epoch, read as wall-clock time). A wall time skipped by a
    /// daylight-saving change takes the offset before the change; a
    /// repeated one, the earlier reading.
    pub fn offset_at_local(&self, local_us: i64) -> i32 {
        match self {
            Zone::Fixed(o) => *o,
            Zone::Named(tz) => {
                let Some(naive) =
                    chrono::DateTime::from_timestamp_micros(local_us).map(|d| d.naive_utc())
                else {
                    return 0;
                };
                match tz.offset_from_local_datetime(&naive) {
                    chrono::LocalResult::Single(o) | chrono::LocalResult::Ambiguous(o, _) => {
                        o.fix().local_minus_utc()
                    }
                    // In a gap: the offset in force just before it.
                    chrono::LocalResult::None => {
                        tz.offset_from_utc_datetime(&naive).fix().local_minus_utc()
                    }
                }
            }
        }
    }

    /// The UTC µs of a wall-clock time in this zone.
    pub fn to_utc_us(&self, local_us: i64) -> i64 {
        local_us - i64::from(self.offset_at_local(local_us)) * 1_000_000
    }
}

/// `+08`, `-05`: an offset of whole hours.
fn hours_only(t: &str) -> Option<i32> {
    let (sign, digits) = match t.as_bytes().first()? {
        b'+' => (1, &t[1..]),
        b'-' => (-1, &t[1..]),
        _ => return None,
    };
    if digits.is_empty() || digits.len() > 2 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let h: i32 = digits.parse().ok()?;
    (h <= 14).then_some(sign * h * 3600)
}

/// A command-line time in UTC µs: RFC 3339, a local date and time (in
/// `zone`), a date alone (its midnight), or now minus a duration (`-2h`).
pub fn parse_time_arg(s: &str, zone: &Zone, now_us: i64) -> Result<i64> {
    let t = s.trim();
    if t.starts_with('-') && t[1..].starts_with(|c: char| c.is_ascii_digit()) {
        if let Some(d) = relative_us(&t[1..]) {
            return Ok(now_us - d);
        }
    }
    if let Ok(("", ts)) = parsers::timestamp::datetime(t) {
        return Ok(ts.utc_us().unwrap_or_else(|| zone.to_utc_us(ts.local_us)));
    }
    if let Some(local) = date_only(t) {
        return Ok(zone.to_utc_us(local));
    }
    bail!("time {s:?} is not like 2026-11-26T04:15:28Z, 2026-11-26 04:15:28, 2026-11-26 or -2h (before now)")
}

/// `2h`, `30m`, `90s`, `1d`, `1.5h` in µs.
fn relative_us(s: &str) -> Option<i64> {
    let (num, unit) = s.split_at(s.find(|c: char| !(c.is_ascii_digit() || c == '.'))?);
    let n: f64 = num.parse().ok()?;
    let mul = match unit {
        "s" => 1e6,
        "m" | "min" => 60e6,
        "h" => 3600e6,
        "d" => 86_400e6,
        _ => return None,
    };
    Some((n * mul).round() as i64)
}

/// `YYYY-MM-DD`, as the µs of its midnight read as UTC wall time.
fn date_only(t: &str) -> Option<i64> {
    let d = chrono::NaiveDate::parse_from_str(t, "%Y-%m-%d").ok()?;
    Some(d.and_hms_opt(0, 0, 0)?.and_utc().timestamp_micros())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offsets_in_either_spelling_and_iana_names() {
        assert_eq!(Zone::parse("+05:30").unwrap(), Zone::Fixed(19_800));
        assert_eq!(Zone::parse("-0500").unwrap(), Zone::Fixed(-18_000));
        assert_eq!(Zone::parse("-05:00").unwrap(), Zone::Fixed(-18_000));
        assert_eq!(Zone::parse("+08").unwrap(), Zone::Fixed(28_800));
        assert_eq!(Zone::parse("UTC").unwrap(), Zone::Fixed(0));
        let sh = Zone::parse("Asia/Shanghai").unwrap();
        assert_eq!(sh.offset_at_local(0), 8 * 3600);
        assert!(Zone::parse("Mars/Olympus").is_err());
    }

    #[test]
    fn a_named_zone_follows_daylight_saving() {
        let ny = Zone::parse("America/New_York").unwrap();
        let jan = chrono::NaiveDate::from_ymd_opt(2026, 1, 15)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        let jul = chrono::NaiveDate::from_ymd_opt(2026, 7, 15)
            .unwrap()
            .and_hms_opt(12, 0, 0)
            .unwrap();
        assert_eq!(
            ny.offset_at_local(jan.and_utc().timestamp_micros()),
            -5 * 3600
        );
        assert_eq!(
            ny.offset_at_local(jul.and_utc().timestamp_micros()),
            -4 * 3600
        );
        // 02:30 on 2026-03-08 does not exist in New York: the offset before.
        let gap = chrono::NaiveDate::from_ymd_opt(2026, 3, 8)
            .unwrap()
            .and_hms_opt(2, 30, 0)
            .unwrap();
        assert_eq!(
            ny.offset_at_local(gap.and_utc().timestamp_micros()),
            -5 * 3600
        );
    }

    #[test]
    fn times_absolute_local_dated_and_relative() {
        let utc = parse_time_arg("2026-11-26T04:15:28Z", &Zone::Fixed(0), 0).unwrap();
        assert_eq!(
            parse_time_arg("2026-11-26 09:45:28", &Zone::Fixed(19_800), 0).unwrap(),
            utc
        );
        assert_eq!(
            parse_time_arg(
                "2026-11-26 12:15:28",
                &Zone::parse("Asia/Shanghai").unwrap(),
                0
            )
            .unwrap(),
            utc
        );
        let midnight = parse_time_arg("2026-11-26", &Zone::Fixed(0), 0).unwrap();
        assert_eq!(utc - midnight, (4 * 3600 + 15 * 60 + 28) * 1_000_000);
        assert_eq!(
            parse_time_arg("-2h", &Zone::Fixed(0), utc).unwrap(),
            utc - 7_200_000_000
        );
        assert_eq!(
            parse_time_arg("-30m", &Zone::Fixed(0), utc).unwrap(),
            utc - 1_800_000_000
        );
        assert!(parse_time_arg("yesterday", &Zone::Fixed(0), 0).is_err());
    }
}
