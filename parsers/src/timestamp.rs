//! Timestamp grammars shared by every log format of a bundle.
//!
//! All of them return a [`Timestamp`]: the wall-clock time as written, plus the
//! UTC offset when the line carries one and whether the year was written. The
//! parsers never guess: a zoneless or yearless time is resolved later, by the
//! timeline stage, from `--tz` and the nearest dated line.

use nom::bytes::complete::take_while_m_n;
use nom::IResult;
use nom::Parser;

/// A time as written in a log line.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timestamp {
    /// Wall-clock time as written, in µs since 1970-01-01 as if it were UTC.
    /// When `year_known` is false it was computed with [`PLACEHOLDER_YEAR`].
    pub local_us: i64,
    /// The UTC offset written on the line, in seconds east of UTC.
    pub offset_s: Option<i32>,
    /// False for formats without a year (glog `I1219`, syslog `Nov  8`).
    pub year_known: bool,
}

/// Year used for yearless formats until the timeline knows better; a leap
/// year, so that `Feb 29` stays representable.
pub const PLACEHOLDER_YEAR: i32 = 2000;

impl Timestamp {
    /// The instant in UTC µs, when the line carried its own offset.
    pub fn utc_us(&self) -> Option<i64> {
        self.offset_s
            .map(|o| self.local_us - i64::from(o) * 1_000_000)
    }

    /// The same wall-clock time moved to another year (used to fill a
    /// missing year).
    pub fn with_year(&self, year: i32) -> Timestamp {
        let days = self.local_us.div_euclid(86_400_000_000);
        let within = self.local_us.rem_euclid(86_400_000_000);
        let (_, m, d) = civil_from_days(days);
        Timestamp {
            local_us: days_from_civil(year, m, d) * 86_400_000_000 + within,
            offset_s: self.offset_s,
            year_known: true,
        }
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = i64::from(if m <= 2 { y - 1 } else { y });
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// RFC 3339 UTC with milliseconds: `2026-11-26T04:15:28.340Z`.
pub fn rfc3339_ms(us: i64) -> String {
    let days = us.div_euclid(86_400_000_000);
    let within = us.rem_euclid(86_400_000_000);
    let (y, m, d) = civil_from_days(days);
    let secs = within / 1_000_000;
    let ms = (within % 1_000_000) / 1000;
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{ms:03}Z",
        secs / 3600,
        (secs / 60) % 60,
        secs % 60
    )
}

/// The civil date of a day count since 1970-01-01.
pub fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y } as i32, m, d)
}

/// Exactly `n` ASCII digits as a number. Checked on bytes: every line's
/// time goes through here, and decoding `char`s cost a tenth of ingest.
fn digits(n: usize) -> impl Fn(&str) -> IResult<&str, u32> {
    move |i: &str| match i.as_bytes().get(..n) {
        Some(ds) if ds.iter().all(u8::is_ascii_digit) => Ok((
            &i[n..],
            ds.iter().fold(0u32, |a, b| a * 10 + u32::from(b - b'0')),
        )),
        _ => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::TakeWhileMN,
        ))),
    }
}

fn sep<'a>(chars: &'static [u8]) -> impl Fn(&'a str) -> IResult<&'a str, char> {
    move |i: &'a str| match i.as_bytes().first() {
        Some(b) if chars.contains(b) => Ok((&i[1..], *b as char)),
        _ => Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Char,
        ))),
    }
}

fn valid(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> bool {
    (1..=12).contains(&mo) && (1..=31).contains(&d) && h < 24 && mi < 60 && s <= 60 && y > 0
}

fn make(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32, us: u32) -> i64 {
    days_from_civil(y, mo, d) * 86_400_000_000
        + i64::from(h * 3600 + mi * 60 + s) * 1_000_000
        + i64::from(us)
}

/// A [`Timestamp`] of checked calendar and clock parts (`input` is for the error).
fn checked(
    input: &str,
    (y, mo, d): (i32, u32, u32),
    (h, mi, s, us): (u32, u32, u32, u32),
    offset_s: Option<i32>,
    year_known: bool,
) -> Result<Timestamp, nom::Err<nom::error::Error<&str>>> {
    if !valid(y, mo, d, h, mi, s) {
        return Err(nom::Err::Error(nom::error::Error::new(
            input,
            nom::error::ErrorKind::Verify,
        )));
    }
    Ok(Timestamp {
        local_us: make(y, mo, d, h, mi, s, us),
        offset_s,
        year_known,
    })
}

/// `.123`, `,123` or `.123456789` → µs (truncated past 6 digits).
fn fraction(i: &str) -> IResult<&str, u32> {
    let (rest, _) = sep(b".,")(i)?;
    let n = rest.bytes().take(9).take_while(u8::is_ascii_digit).count();
    if n == 0 {
        return Err(nom::Err::Error(nom::error::Error::new(
            rest,
            nom::error::ErrorKind::TakeWhileMN,
        )));
    }
    let mut us = 0u32;
    for (k, b) in rest.bytes().take(n.min(6)).enumerate() {
        us += u32::from(b - b'0') * 10u32.pow(5 - k as u32);
    }
    Ok((&rest[n..], us))
}

/// A duration as Go's `time.Duration` prints it (`10.000783686s`,
/// `1m10.817394697s`, `850ms`, `1h2m`, `3µs`) → µs; `None` when it is not one.
pub fn go_duration_us(s: &str) -> Option<i64> {
    let mut rest = s.trim();
    if rest.is_empty() {
        return None;
    }
    let mut total = 0.0f64;
    while !rest.is_empty() {
        let num_len = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let n: f64 = rest[..num_len].parse().ok()?;
        rest = &rest[num_len..];
        // Longest unit first: `ms` before `m`.
        let (mul, unit) = [
            (1e-3, "ns"),
            (1.0, "us"),
            (1.0, "µs"),
            (1e3, "ms"),
            (1e6, "s"),
            (60e6, "m"),
            (3600e6, "h"),
        ]
        .into_iter()
        .filter(|(_, u)| rest.starts_with(u))
        .max_by_key(|(_, u)| u.len())?;
        total += n * mul;
        rest = &rest[unit.len()..];
    }
    Some(total.round() as i64)
}

/// `Z`, `+08:00`, `+0800`, `-07:00` → seconds east of UTC.
pub fn zone(i: &str) -> IResult<&str, i32> {
    if let Some(rest) = i.strip_prefix('Z') {
        return Ok((rest, 0));
    }
    let (rest, sign) = sep(b"+-")(i)?;
    let (rest, hh) = digits(2)(rest)?;
    let rest = rest.strip_prefix(':').unwrap_or(rest);
    let (rest, mm) = digits(2)(rest)?;
    let secs = (hh * 3600 + mm * 60) as i32;
    Ok((rest, if sign == '-' { -secs } else { secs }))
}

/// `HH:MM:SS` → (h, m, s).
fn clock(i: &str) -> IResult<&str, (u32, u32, u32)> {
    let (i, (h, _, m, _, s)) = (digits(2), sep(b":"), digits(2), sep(b":"), digits(2)).parse(i)?;
    Ok((i, (h, m, s)))
}

/// A dated time in any of the numeric layouts found in a bundle:
/// `2024/12/19 08:12:33.123 +00:00` (Milvus, with a space before the zone),
/// `2023-08-14T07:44:46.290Z`, `2022-12-27T16:14:25.197+0800` (etcd, kubectl),
/// `2019-03-23 17:01:49.987159` (capnslog), `2022-05-12 17:42:39,721` (Python),
/// `2026/11/26 04:14:41` (Go's log package). The zone is optional.
pub fn datetime(i: &str) -> IResult<&str, Timestamp> {
    let (r, (y, s1, mo, _, d, _)) = (
        digits(4),
        sep(b"/-"),
        digits(2),
        sep(b"/-"),
        digits(2),
        sep(b"T "),
    )
        .parse(i)?;
    let _ = s1;
    let (r, (h, mi, s)) = clock(r)?;
    let (r, us) = match fraction(r) {
        Ok((r2, us)) => (r2, us),
        Err(_) => (r, 0),
    };
    // Milvus writes "… 08:12:33.123 +00:00"; everyone else glues the zone on.
    let (r, offset) = match zone(r) {
        Ok((r2, o)) => (r2, Some(o)),
        Err(_) => match r.strip_prefix(' ').map(zone) {
            Some(Ok((r2, o))) if r2.is_empty() || r2.starts_with(|c: char| !c.is_ascii_digit()) => {
                (r2, Some(o))
            }
            _ => (r, None),
        },
    };
    let stamp = checked(i, (y as i32, mo, d), (h, mi, s, us), offset, true)?;
    Ok((r, stamp))
}

/// The Milvus layout exactly: `2024/12/19 08:12:33.123 +00:00`.
pub fn milvus(i: &str) -> IResult<&str, Timestamp> {
    if let Some(done) = milvus_fixed(i) {
        return Ok(done);
    }
    milvus_general(i)
}

/// The layout every Milvus line has, read at fixed positions (most lines
/// of a bundle start with it); `None` sends the text to the general grammar,
/// which gives the same answer for what this accepts (tested).
fn milvus_fixed(i: &str) -> Option<(&str, Timestamp)> {
    const LAYOUT: &[u8; 30] = b"0000/00/00 00:00:00.000 +00:00";
    let b = i.as_bytes().get(..LAYOUT.len())?;
    let fits = b.iter().zip(LAYOUT).all(|(c, l)| match l {
        b'0' => c.is_ascii_digit(),
        b'+' => *c == b'+' || *c == b'-',
        _ => c == l,
    });
    // A digit after the zone would make it part of something else.
    if !fits
        || i.as_bytes()
            .get(LAYOUT.len())
            .is_some_and(u8::is_ascii_digit)
    {
        return None;
    }
    let n = |from: usize, len: usize| {
        b[from..from + len]
            .iter()
            .fold(0u32, |a, c| a * 10 + u32::from(c - b'0'))
    };
    let zone = (n(25, 2) * 3600 + n(28, 2) * 60) as i32;
    let offset = if b[24] == b'-' { -zone } else { zone };
    let stamp = checked(
        i,
        (n(0, 4) as i32, n(5, 2), n(8, 2)),
        (n(11, 2), n(14, 2), n(17, 2), n(20, 3) * 1000),
        Some(offset),
        true,
    )
    .ok()?;
    Some((&i[LAYOUT.len()..], stamp))
}

fn milvus_general(i: &str) -> IResult<&str, Timestamp> {
    let (r, ts) = datetime(i)?;
    let b = i.as_bytes();
    if b.get(4) != Some(&b'/') || ts.offset_s.is_none() {
        return Err(nom::Err::Error(nom::error::Error::new(
            i,
            nom::error::ErrorKind::Verify,
        )));
    }
    Ok((r, ts))
}

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// The BSD syslog stamp `Nov  8 17:16:44` (no year, no zone).
pub fn syslog(i: &str) -> IResult<&str, Timestamp> {
    let err = || nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Tag));
    let mon = i.get(..3).ok_or_else(err)?;
    let mo = MONTHS.iter().position(|m| *m == mon).ok_or_else(err)? as u32 + 1;
    let r = i[3..].strip_prefix(' ').ok_or_else(err)?;
    let r = r.strip_prefix(' ').unwrap_or(r);
    let (r, d) = take_while_m_n(1, 2, |c: char| c.is_ascii_digit()).parse(r)?;
    let d: u32 = d.parse().map_err(|_| err())?;
    let r = r.strip_prefix(' ').ok_or_else(err)?;
    let (r, (h, mi, s)) = clock(r)?;
    let (r, us) = fraction(r).unwrap_or((r, 0));
    if !valid(PLACEHOLDER_YEAR, mo, d, h, mi, s) {
        return Err(err());
    }
    let local_us = make(PLACEHOLDER_YEAR, mo, d, h, mi, s, us);
    Ok((
        r,
        Timestamp {
            local_us,
            offset_s: None,
            year_known: false,
        },
    ))
}

/// The US 12-hour stamp of Python's `logging` with `datefmt="%m/%d/%Y %I:%M:%S %p"`:
/// `05/10/2023 11:55:02 AM` (no zone).
pub fn us_twelve_hour(i: &str) -> IResult<&str, Timestamp> {
    let err = || nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Tag));
    let (r, (mo, _, d, _, y, _)) = (
        digits(2),
        sep(b"/"),
        digits(2),
        sep(b"/"),
        digits(4),
        sep(b" "),
    )
        .parse(i)?;
    let (r, (h, mi, s)) = clock(r)?;
    let (r, us) = fraction(r).unwrap_or((r, 0));
    let (r, pm) = if let Some(r) = r.strip_prefix(" AM") {
        (r, false)
    } else if let Some(r) = r.strip_prefix(" PM") {
        (r, true)
    } else {
        return Err(err());
    };
    if !(1..=12).contains(&h) {
        return Err(err());
    }
    let h = h % 12 + if pm { 12 } else { 0 };
    Ok((
        r,
        checked(i, (y as i32, mo, d), (h, mi, s, us), None, true)?,
    ))
}

/// RFC 1123 with a numeric zone, as `kubectl describe` prints times:
/// `Wed, 19 Jul 2023 16:14:13 +0800` (the weekday is not checked).
pub fn rfc1123(i: &str) -> IResult<&str, Timestamp> {
    let err = || nom::Err::Error(nom::error::Error::new(i, nom::error::ErrorKind::Tag));
    let r = i.split_once(", ").map(|(_, r)| r).ok_or_else(err)?;
    let (r, d) = take_while_m_n(1, 2, |c: char| c.is_ascii_digit()).parse(r)?;
    let d: u32 = d.parse().map_err(|_| err())?;
    let r = r.strip_prefix(' ').ok_or_else(err)?;
    let mo = MONTHS
        .iter()
        .position(|m| r.starts_with(m))
        .ok_or_else(err)? as u32
        + 1;
    let r = r[3..].strip_prefix(' ').ok_or_else(err)?;
    let (r, y) = digits(4)(r)?;
    let r = r.strip_prefix(' ').ok_or_else(err)?;
    let (r, (h, mi, s)) = clock(r)?;
    let r = r.strip_prefix(' ').ok_or_else(err)?;
    let (r, offset) = zone(r)?;
    Ok((
        r,
        checked(i, (y as i32, mo, d), (h, mi, s, 0), Some(offset), true)?,
    ))
}

/// The glog stamp after the level letter: `20261126 04:14:41.680169` or the
/// classic yearless `1219 08:12:33.123456`.
pub fn glog(i: &str) -> IResult<&str, Timestamp> {
    let n = i.bytes().take_while(u8::is_ascii_digit).count();
    let (r, y, year_known) = match n {
        8 => {
            let (r, y) = digits(4)(i)?;
            (r, y as i32, true)
        }
        4 => (i, PLACEHOLDER_YEAR, false),
        _ => {
            return Err(nom::Err::Error(nom::error::Error::new(
                i,
                nom::error::ErrorKind::Digit,
            )))
        }
    };
    let (r, (mo, d, _)) = (digits(2), digits(2), sep(b" ")).parse(r)?;
    let (r, (h, mi, s)) = clock(r)?;
    let (r, us) = fraction(r).unwrap_or((r, 0));
    Ok((r, checked(i, (y, mo, d), (h, mi, s, us), None, year_known)?))
}

/// A UNIX epoch in seconds with a fraction (`1526585787.148433`), as old etcd
/// zap configs wrote `ts`.
pub fn epoch_seconds(v: f64) -> Option<Timestamp> {
    if !(0.0..1e11).contains(&v) {
        return None;
    }
    Some(Timestamp {
        local_us: (v * 1e6).round() as i64,
        offset_s: Some(0),
        year_known: true,
    })
}

#[cfg(test)]
mod tests {

    #[test]
    fn go_durations() {
        assert_eq!(go_duration_us("10.000783686s"), Some(10_000_784));
        assert_eq!(go_duration_us("1m10.817394697s"), Some(70_817_395));
        assert_eq!(go_duration_us("850ms"), Some(850_000));
        assert_eq!(go_duration_us("1h2m"), Some(3_720_000_000));
        assert_eq!(go_duration_us("3µs"), Some(3));
        assert_eq!(go_duration_us("1500ns"), Some(2));
        assert_eq!(go_duration_us("10"), None);
        assert_eq!(go_duration_us("fast"), None);
        assert_eq!(go_duration_us(""), None);
    }

    #[test]
    fn formats_utc_ms() {
        let us = super::datetime("2026-11-26T04:15:28.340Z")
            .unwrap()
            .1
            .utc_us()
            .unwrap();
        assert_eq!(super::rfc3339_ms(us), "2026-11-26T04:15:28.340Z");
        assert_eq!(super::rfc3339_ms(-1_000), "1969-12-31T23:59:59.999Z");
    }

    use super::*;

    fn utc(s: &str) -> i64 {
        datetime(s).unwrap().1.utc_us().unwrap()
    }

    #[test]
    fn milvus_fixed_layout_reads_as_the_general_grammar() {
        let cases = [
            "2024/12/19 08:12:33.123 +00:00] [INFO]",
            "2024/12/19 08:12:33.123 -07:30]",
            "2024/12/19 08:12:33.123 +05:45",
            "2024/02/29 23:59:60.999 +00:00]",
            "2024/13/19 08:12:33.123 +00:00]",
            "2024/12/32 08:12:33.123 +00:00]",
            "2024/12/19 24:12:33.123 +00:00]",
            "0000/12/19 08:12:33.123 +00:00]",
            "2024/12/19 08:12:33.123 +00:001",
            "2024/12/19 08:12:33.123 +0000]",
            "2024/12/19 08:12:33.1234 +00:00]",
            "2024-12-19 08:12:33.123 +00:00]",
            "2024/12/19T08:12:33.123 +00:00]",
            "2024/12/19 08:12:33.123 *00:00]",
            "2024/12/19 08:12:33.123 +00:00",
        ];
        for c in cases {
            let general = super::milvus_general(c).ok();
            if let Some(fixed) = super::milvus_fixed(c) {
                assert_eq!(Some(fixed), general, "{c}");
            }
            assert_eq!(super::milvus(c).ok(), general, "{c}");
        }
        assert!(super::milvus_fixed(cases[0]).is_some());
    }

    #[test]
    fn milvus_layout_and_offsets() {
        // pkg/log/zap_log_test.go asserts these two strings are the same instant.
        assert_eq!(
            utc("2019/01/11 15:45:41.165 +08:00"),
            utc("2019/01/11 07:45:41.165 +00:00")
        );
        let (rest, ts) = milvus("2026/11/26 04:15:28.340 +00:00] [INFO]").unwrap();
        assert_eq!(rest, "] [INFO]");
        assert_eq!(ts.local_us, 1_795_666_528_340_000);
    }

    #[test]
    fn etcd_ts_variants() {
        let a = utc("2023-08-14T07:44:46.290Z");
        assert_eq!(utc("2023-08-14T07:44:46.29Z"), a);
        assert_eq!(utc("2023-08-14T07:44:46.290000Z"), a);
        assert_eq!(utc("2023-08-14T15:44:46.290+0800"), a);
        assert_eq!(utc("2023-08-14T15:44:46.290+08:00"), a);
        assert_eq!(
            epoch_seconds(1526585787.148433).unwrap().utc_us(),
            Some(1_526_585_787_148_433)
        );
    }

    #[test]
    fn zoneless_layouts() {
        let (r, ts) = datetime("2019-03-23 17:01:49.987159 W | etcdserver").unwrap();
        assert_eq!((r, ts.offset_s), (" W | etcdserver", None));
        let (r, ts) = datetime("2022-05-12 17:42:39,721] [").unwrap();
        assert_eq!((r, ts.local_us % 1_000_000), ("] [", 721_000));
        let (r, ts) = datetime("2023-08-17 09:38:04 - DEBUG - ci_test]").unwrap();
        assert_eq!((r, ts.offset_s), (" - DEBUG - ci_test]", None));
        assert!(datetime("2023-13-17 09:38:04").is_err());
    }

    #[test]
    fn yearless_layouts() {
        let (_, ts) = syslog("Nov  8 17:16:44 moss etcd:").unwrap();
        assert!(!ts.year_known);
        assert_eq!(
            ts.with_year(2023).local_us,
            datetime("2023-11-08 17:16:44").unwrap().1.local_us
        );
        let (_, ts) = glog("1219 08:12:33.123456 1 a.cc:1]").unwrap();
        assert!(!ts.year_known);
        let (_, ts) = glog("20261126 04:14:41.680169 32511 knowhere_config.cc:94]").unwrap();
        assert_eq!(
            ts.local_us,
            datetime("2026-11-26 04:14:41.680169").unwrap().1.local_us
        );
    }

    #[test]
    fn civil_round_trip() {
        for days in [-800_000i64, -1, 0, 59, 10_957, 20_000, 2_000_000] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days);
        }
    }
}
