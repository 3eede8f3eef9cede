//! Charts: the pictures of a report, drawn with plotters' SVG backend.
//!
//! * [`timeline`]: one swimlane per component of each process incarnation
//!   (the old and the new process of one restart are separate lanes, joined
//!   by a dashed link), event marks by kind, process-down stretches and log
//!   holes shaded, each client-failure window shaded in its cause's colour;
//! * [`requests`]: client requests per time bin, ok vs failed (from the
//!   client log, else the failures the Proxy logged);
//! * [`phases`]: one window's phases as a bar with their durations;
//! * [`Charts`]: all of a report's charts, drawn once for `--html` and `--svg`.
//!
//! Every chart has UTC axes with clock-aligned ticks and a legend; the same
//! analysis gives the same bytes. Text handed to plotters is escaped by its
//! SVG backend (`<`, `>`, `&`, `"`, `'`).
//!
//! Must not know: how windows, phases or causes are decided.

use super::model::{Report, WindowFacts};
use super::palette::{self, Rgb, Shape};
use super::rfc3339_ms;
use super::scene::{EventKind, Lanes, Outcomes, Scene, MAX_OVERVIEW_LANES};
use crate::attribute::PhaseId;
use anyhow::{anyhow, Result};
use plotters::coord::combinators::WithKeyPoints;
use plotters::coord::types::RangedCoordi64;
use plotters::element::DashedPathElement;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};
use std::collections::BTreeMap;

/// Width of every chart, px (the HTML scales it to the page).
pub const WIDTH: u32 = 1200;
/// Height of one swimlane, px.
const LANE_H: u32 = 18;
/// Room for lane names left of the timeline, px.
const LANE_LABELS: u32 = 230;
/// Marks of one kind on one lane closer than this many px are drawn once:
/// about a mark's width, so nothing visible is lost and the SVG stays small
/// (at most lanes × kinds × WIDTH / MARK_PX marks, whatever the bundle size).
const MARK_PX: i64 = 6;
/// Time shown around a window in its zoomed timeline.
const ZOOM_PAD_US: i64 = 10_000_000;
const FONT: &str = "sans-serif";

// y is integral too: plotters formats key-pointed i64 axes, not f64 ones.
type Coord = Cartesian2d<WithKeyPoints<RangedCoordi64>, WithKeyPoints<RangedCoordi64>>;
/// Height of a lane in y units.
const U: i64 = 10;
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Coord>;

fn plot_err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("drawing a chart: {e}")
}

fn rgb(c: Rgb) -> RGBColor {
    RGBColor(c.0, c.1, c.2)
}

/// Clock-aligned ticks for a time range: the step and the tick times.
#[derive(Clone, Debug, PartialEq)]
pub struct Ticks {
    /// Time between ticks, µs.
    pub step_us: i64,
    /// Tick times, UTC µs.
    pub at: Vec<i64>,
}

/// At most about `max` ticks on a step a reader can add up in their head.
pub fn ticks(from: i64, to: i64, max: i64) -> Ticks {
    const STEPS_MS: [i64; 22] = [
        1, 2, 5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000, 15_000, 30_000, 60_000,
        120_000, 300_000, 600_000, 900_000, 1_800_000, 3_600_000,
    ];
    let span = (to - from).max(1);
    let step_us = STEPS_MS
        .iter()
        .map(|ms| ms * 1000)
        .find(|s| span / s <= max)
        .unwrap_or_else(|| {
            // Whole hours beyond that.
            let h = 3_600_000_000;
            (span / max / h + 1) * h
        });
    let first = from.div_euclid(step_us) * step_us
        + if from.rem_euclid(step_us) == 0 {
            0
        } else {
            step_us
        };
    let at = (0..)
        .map(|k| first + k * step_us)
        .take_while(|t| *t <= to)
        .collect();
    Ticks { step_us, at }
}

/// A tick's label: the UTC clock, with ms when the step is under a second,
/// with the date when the range spans days.
pub fn clock(us: i64, step_us: i64, with_date: bool) -> String {
    let s = rfc3339_ms(us);
    let time = if step_us < 1_000_000 {
        &s[11..23]
    } else {
        &s[11..19]
    };
    if with_date {
        format!("{} {time}", &s[5..10])
    } else {
        time.to_string()
    }
}

/// The x axis description: UTC and the day(s) shown.
fn axis_desc(from: i64, to: i64) -> String {
    let (a, b) = (rfc3339_ms(from), rfc3339_ms(to));
    if a[..10] == b[..10] {
        format!("UTC, {}", &a[..10])
    } else {
        format!("UTC, {} → {}", &a[..10], &b[..10])
    }
}

fn days_differ(from: i64, to: i64) -> bool {
    rfc3339_ms(from)[..10] != rfc3339_ms(to)[..10]
}

/// A legend entry.
enum Swatch {
    Mark(Rgb, Shape),
    Fill(Rgb, f64),
}

/// Draws legend entries left to right, wrapping; returns nothing. The area
/// must be as tall as [`legend_height`] said.
fn draw_legend(
    area: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    items: &[(Swatch, String)],
) -> Result<()> {
    let font = (FONT, 12)
        .into_font()
        .color(&BLACK)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for ((x, y), (sw, text)) in legend_layout(items).into_iter().zip(items) {
        match sw {
            Swatch::Mark(c, shape) => draw_mark_px(area, (x + 6, y), *c, *shape)?,
            Swatch::Fill(c, alpha) => {
                area.draw(&Rectangle::new(
                    [(x, y - 6), (x + 12, y + 6)],
                    rgb(*c).mix(*alpha).filled(),
                ))
                .map_err(plot_err)?;
                area.draw(&Rectangle::new(
                    [(x, y - 6), (x + 12, y + 6)],
                    rgb(palette::DARK_GREY).stroke_width(1),
                ))
                .map_err(plot_err)?;
            }
        }
        area.draw(&Text::new(text.clone(), (x + 18, y), font.clone()))
            .map_err(plot_err)?;
    }
    Ok(())
}

/// Where each legend entry goes (centre-left of its swatch), px.
fn legend_layout(items: &[(Swatch, String)]) -> Vec<(i32, i32)> {
    let (mut x, mut y) = (LANE_LABELS as i32 / 3, 12);
    let mut out = Vec::with_capacity(items.len());
    for (_, text) in items {
        let w = 30 + 7 * text.chars().count() as i32;
        if x + w > WIDTH as i32 - 10 && x > LANE_LABELS as i32 / 3 {
            x = LANE_LABELS as i32 / 3;
            y += 20;
        }
        out.push((x, y));
        x += w;
    }
    out
}

fn legend_height(items: &[(Swatch, String)]) -> u32 {
    legend_layout(items)
        .last()
        .map_or(0, |(_, y)| *y as u32 + 14)
}

fn draw_mark_px(
    area: &DrawingArea<SVGBackend, plotters::coord::Shift>,
    p: (i32, i32),
    c: Rgb,
    shape: Shape,
) -> Result<()> {
    let c = rgb(c);
    match shape {
        Shape::Dot => area.draw(&Circle::new(p, 4, c.filled())),
        Shape::Ring => area.draw(&Circle::new(p, 4, c.stroke_width(2))),
        Shape::Triangle => area.draw(&TriangleMarker::new(p, 5, c.filled())),
        Shape::Square => area.draw(&Rectangle::new(
            [(p.0 - 4, p.1 - 4), (p.0 + 4, p.1 + 4)],
            c.filled(),
        )),
        Shape::Box => area.draw(&Rectangle::new(
            [(p.0 - 4, p.1 - 4), (p.0 + 4, p.1 + 4)],
            c.stroke_width(2),
        )),
        Shape::Cross => area.draw(&Cross::new(p, 4, c.stroke_width(2))),
    }
    .map_err(plot_err)
}

/// Marks of one shape and colour at data points.
fn draw_marks(chart: &mut Chart, pts: Vec<(i64, i64)>, c: Rgb, shape: Shape) -> Result<()> {
    let c = rgb(c);
    let sq = |style: ShapeStyle| {
        move |p: (i64, i64)| EmptyElement::at(p) + Rectangle::new([(-3, -3), (3, 3)], style)
    };
    match shape {
        Shape::Dot => chart
            .draw_series(pts.into_iter().map(|p| Circle::new(p, 3, c.filled())))
            .map(|_| ()),
        Shape::Ring => chart
            .draw_series(
                pts.into_iter()
                    .map(|p| Circle::new(p, 3, c.stroke_width(1))),
            )
            .map(|_| ()),
        Shape::Triangle => chart
            .draw_series(
                pts.into_iter()
                    .map(|p| TriangleMarker::new(p, 4, c.filled())),
            )
            .map(|_| ()),
        Shape::Square => chart
            .draw_series(pts.into_iter().map(sq(c.filled())))
            .map(|_| ()),
        Shape::Box => chart
            .draw_series(pts.into_iter().map(sq(c.stroke_width(1))))
            .map(|_| ()),
        Shape::Cross => chart
            .draw_series(pts.into_iter().map(|p| Cross::new(p, 3, c.stroke_width(2))))
            .map(|_| ()),
    }
    .map_err(plot_err)
}

/// Draw order of event kinds: the numerous first, the decisive on top.
const MARK_ORDER: [EventKind; 17] = [
    EventKind::RequestSlow,
    EventKind::GrpcError,
    EventKind::ClientError,
    EventKind::EtcdSlow,
    EventKind::HeartbeatMiss,
    EventKind::SegmentReassign,
    EventKind::ChannelReassign,
    EventKind::MqReplay,
    EventKind::MetaRecovery,
    EventKind::RoutingUpdate,
    EventKind::ClockJump,
    EventKind::EtcdLeaderChange,
    EventKind::SessionLost,
    EventKind::ProcessStart,
    EventKind::NodeUp,
    EventKind::ProcessExit,
    EventKind::NodeDown,
];

/// Event marks per kind, one per lane per [`MARK_PX`] of time, with the
/// number of events each stands for (for the legend).
fn event_marks(
    scene: &Scene,
    lanes: &Lanes,
    shown: &[usize],
    from: i64,
    to: i64,
) -> BTreeMap<EventKind, (Vec<(usize, i64)>, usize)> {
    let bin = ((to - from) / (WIDTH as i64 / MARK_PX)).max(1);
    let mut marks: BTreeMap<EventKind, (Vec<(usize, i64)>, usize)> = BTreeMap::new();
    let mut last: BTreeMap<(EventKind, usize), i64> = BTreeMap::new();
    for e in scene.marks_between(from, to) {
        let Some(lane) = lanes.of_record(e.incarnation, e.component) else {
            continue;
        };
        let Some(row) = shown.iter().position(|l| *l == lane) else {
            continue;
        };
        let entry = marks.entry(e.kind).or_default();
        entry.1 += 1;
        let b = (e.ts - from) / bin;
        if last.insert((e.kind, row), b) != Some(b) {
            entry.0.push((row, e.ts));
        }
    }
    marks
}

/// Most rows of failed spans under the lanes (one per node the calls were
/// meant for; the rest share the last).
const MAX_SPAN_ROWS: usize = 6;

/// One row of failed spans: its label, the marks (one per [`MARK_PX`] of
/// time) and how many spans they stand for.
struct SpanRow {
    label: String,
    marks: Vec<i64>,
    count: usize,
}

/// The failed spans in `[from, to]`, a row per node the calls were meant
/// for (unknown last), binned like event marks.
fn span_rows(scene: &Scene, from: i64, to: i64) -> Vec<SpanRow> {
    let bin = ((to - from) / (WIDTH as i64 / MARK_PX)).max(1);
    let spans = scene.failed_spans_between(from, to);
    // Known nodes by id, then the unknown ones.
    let mut nodes: Vec<Option<u32>> = spans.iter().map(|m| m.node).collect();
    nodes.sort_by_key(|n| (n.is_none(), *n));
    nodes.dedup();
    let others = nodes.len() > MAX_SPAN_ROWS;
    let row_of = |n: Option<u32>| {
        let i = nodes.iter().position(|x| *x == n).unwrap_or(0);
        i.min(MAX_SPAN_ROWS - 1)
    };
    let mut rows: Vec<SpanRow> = nodes
        .iter()
        .take(MAX_SPAN_ROWS)
        .enumerate()
        .map(|(i, n)| SpanRow {
            label: match (n, others && i == MAX_SPAN_ROWS - 1) {
                (_, true) => "failed calls → other nodes".to_string(),
                (Some(n), false) => format!("failed calls → node {n}"),
                (None, false) => "failed calls → node unknown".to_string(),
            },
            marks: Vec::new(),
            count: 0,
        })
        .collect();
    for m in spans {
        let row = &mut rows[row_of(m.node)];
        row.count += 1;
        let b = (m.ts - from) / bin;
        if row.marks.last().is_none_or(|t| (t - from) / bin != b) {
            row.marks.push(m.ts);
        }
    }
    rows
}

/// The lanes with a line in `[from, to]`.
fn lanes_in(lanes: &Lanes, from: i64, to: i64) -> Vec<usize> {
    (0..lanes.lanes.len())
        .filter(|i| {
            let l = &lanes.lanes[*i];
            l.last >= from && l.first <= to
        })
        .collect()
}

/// The charts of a report, drawn once and shared by `--html` and `--svg`.
pub struct Charts {
    /// The whole bundle's swimlanes.
    pub timeline: String,
    /// Requests per second.
    pub requests: String,
    /// What that chart counted, and from which log.
    pub outcomes: Outcomes,
    /// Per window of the range: phase bar and zoomed timeline, for the
    /// windows drawn (the ones with a card of their own).
    pub windows: Vec<Option<(String, String)>>,
}

impl Charts {
    /// Draws the charts of an analysis: the overview, the requests and, for
    /// the windows (indexes in the range) of `drawn`, their own two.
    pub fn draw(m: &Report, drawn: &[usize]) -> Result<Charts> {
        let empty = Scene::default();
        let scene = m.scene.as_ref().unwrap_or(&empty);
        let lanes = &scene.lanes;
        let (from, to) = m.span().unwrap_or((0, 1));
        let to = to.max(from + 1);
        let overview = || {
            if lanes.lanes.len() > MAX_OVERVIEW_LANES {
                let runs = scene.runs;
                let title = format!("Timeline: one lane per component, its {runs} process runs together ({} lanes would not fit; each window's timeline shows its own runs)", lanes.lanes.len());
                timeline(m, scene, &lanes.grouped(), from, to, &title)
            } else {
                let title = "Timeline: one lane per component of each process (restarts joined by a dashed link)";
                timeline(m, scene, lanes, from, to, title)
            }
        };
        let outcomes = scene.outcomes.clone();
        // Every chart is independent: drawn in parallel, kept in order.
        use rayon::prelude::*;
        let windows = || {
            m.windows
                .par_iter()
                .enumerate()
                .map(|(i, w)| {
                    if !drawn.contains(&i) {
                        return Ok(None);
                    }
                    let bar = phases(w)?;
                    let (start, end) = extent(w);
                    let (zf, zt) = ((start - ZOOM_PAD_US).max(from), (end + ZOOM_PAD_US).min(to));
                    let title = format!(
                        "Window {}: {} → {} UTC",
                        i + 1,
                        clock(zf, 1, false),
                        clock(zt, 1, false)
                    );
                    let zoom = timeline(m, scene, lanes, zf, zt.max(zf + 1), &title)?;
                    Ok(Some((bar, zoom)))
                })
                .collect::<Result<Vec<_>>>()
        };
        let (overview, (per_second, windows)) = rayon::join(overview, || {
            rayon::join(|| requests(m, &outcomes, from, to), windows)
        });
        let (overview, per_second, windows) = (overview?, per_second?, windows?);
        Ok(Charts {
            timeline: overview,
            requests: per_second,
            outcomes,
            windows,
        })
    }

    /// The charts as named SVG files (`--svg DIR`).
    pub fn files(&self) -> Vec<(String, &str)> {
        let mut out = vec![
            ("timeline.svg".to_string(), self.timeline.as_str()),
            ("requests.svg".to_string(), self.requests.as_str()),
        ];
        for (i, drawn) in self.windows.iter().enumerate() {
            let Some((phases, zoom)) = drawn else {
                continue;
            };
            out.push((format!("window-{}-phases.svg", i + 1), phases.as_str()));
            out.push((format!("window-{}-timeline.svg", i + 1), zoom.as_str()));
        }
        out
    }
}

/// What every chart shares: a title, a UTC time axis with clock ticks, an
/// integer y axis, a legend below.
struct Frame<'f> {
    title: String,
    /// Height of caption, plot and x axis (the legend comes on top), px.
    plot_h: u32,
    from: i64,
    to: i64,
    /// y range and where its labels go.
    y: (std::ops::Range<i64>, Vec<i64>),
    y_label: &'f dyn Fn(&i64) -> String,
    /// Horizontal grid lines and an axis name (counts), else neither (lanes, bars).
    y_desc: Option<String>,
    legend: Vec<(Swatch, String)>,
}

/// Draws a frame, then `body` into it; the SVG text.
fn draw_frame(f: Frame, body: impl FnOnce(&mut Chart) -> Result<()>) -> Result<String> {
    let height = f.plot_h + legend_height(&f.legend) + 6;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let (area, bottom) = root.split_vertically(f.plot_h);
        let t = ticks(f.from, f.to, 12);
        let dated = days_differ(f.from, f.to);
        let tick_label = |x: &i64| clock(*x, t.step_us, dated);
        let mut chart = ChartBuilder::on(&area)
            .caption(&f.title, (FONT, 16))
            .margin(6)
            .margin_right(18)
            .x_label_area_size(40)
            .y_label_area_size(LANE_LABELS)
            .build_cartesian_2d(
                (f.from..f.to).with_key_points(t.at.clone()),
                f.y.0.with_key_points(f.y.1),
            )
            .map_err(plot_err)?;
        let mut mesh = chart.configure_mesh();
        mesh.bold_line_style(RGBColor(0xdd, 0xdd, 0xdd))
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 12))
            .x_label_formatter(&tick_label)
            .y_label_formatter(f.y_label)
            .x_desc(axis_desc(f.from, f.to));
        match f.y_desc {
            Some(d) => mesh.y_desc(d),
            None => mesh.disable_y_mesh(),
        };
        mesh.draw().map_err(plot_err)?;
        body(&mut chart)?;
        draw_legend(&bottom, &f.legend)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// The windows overlapping `[from, to]`, with their 1-based number.
fn windows_in<'m>(m: &'m Report, from: i64, to: i64) -> Vec<&'m WindowFacts<'m>> {
    m.windows
        .iter()
        .filter(|w| w.end >= from && w.start <= to)
        .collect()
}

/// One legend entry per cause among the windows.
fn window_legend(windows: &[&WindowFacts]) -> Vec<(Swatch, String)> {
    let mut causes: Vec<_> = windows.iter().map(|w| w.cause).collect();
    causes.sort_unstable();
    causes.dedup();
    causes
        .into_iter()
        .map(|c| {
            (
                Swatch::Fill(palette::cause(c), 0.3),
                format!("window: {}", c.id()),
            )
        })
        .collect()
}

/// Each window as a band in its cause's colour, from 0 to `top`, labelled
/// `W<n> <cause>` at the top.
fn draw_windows(
    chart: &mut Chart,
    windows: &[&WindowFacts],
    from: i64,
    to: i64,
    top: i64,
) -> Result<()> {
    let clamp = |x: i64| x.clamp(from, to);
    // A label needs about this much room; with many windows the ones that
    // would overlap the label before are left out (the bands all stay).
    let label_us = (to - from) / WIDTH as i64 * LABEL_PX;
    let mut last_label: Option<i64> = None;
    for w in windows {
        let (idx, at) = (w.number, w.at);
        chart
            .draw_series([Rectangle::new(
                [(clamp(w.start), 0), (clamp(w.end), top)],
                rgb(palette::cause(at.cause)).mix(0.22).filled(),
            )])
            .map_err(plot_err)?;
        let crowded = windows.len() > crate::report::model::CARDS_MAX
            && last_label.is_some_and(|l| clamp(w.start) - l < label_us);
        if crowded {
            continue;
        }
        last_label = Some(clamp(w.start));
        chart
            .draw_series([Text::new(
                format!("W{idx} {}", at.cause.id()),
                (clamp(w.start), top),
                (FONT, 11).into_font().color(&BLACK),
            )])
            .map_err(plot_err)?;
    }
    Ok(())
}

/// Room a window label takes, px.
const LABEL_PX: i64 = 130;

/// The swimlane timeline of `[from, to]`.
pub fn timeline(
    m: &Report,
    scene: &Scene,
    lanes: &Lanes,
    from: i64,
    to: i64,
    title: &str,
) -> Result<String> {
    let shown = lanes_in(lanes, from, to);
    let spans = span_rows(scene, from, to);
    let n = (shown.len() + spans.len()).max(1);
    let marks = event_marks(scene, lanes, &shown, from, to);
    let mut legend: Vec<(Swatch, String)> = MARK_ORDER
        .iter()
        .rev()
        .filter_map(|k| marks.get(k).map(|(_, count)| (k, count)))
        .map(|(k, count)| {
            let (c, s) = palette::event(*k);
            (Swatch::Mark(c, s), format!("{} ({count})", k.id()))
        })
        .collect();
    if !spans.is_empty() {
        let (c, s) = palette::failed_span();
        let count: usize = spans.iter().map(|r| r.count).sum();
        legend.push((Swatch::Mark(c, s), format!("failed span ({count})")));
    }
    legend.push((
        Swatch::Fill(palette::DARK_GREY, 0.45),
        "process down".into(),
    ));
    legend.push((Swatch::Fill(palette::GREY, 0.25), "log hole".into()));
    let windows = windows_in(m, from, to);
    legend.extend(window_legend(&windows));
    let centres: Vec<i64> = (0..n as i64).map(|i| i * U + U / 2).collect();
    let label_of = |y: &i64| {
        let row = n.saturating_sub(1 + (y.max(&0) / U) as usize);
        match shown.get(row) {
            Some(l) => lanes.lanes[*l].label.clone(),
            None => spans
                .get(row - shown.len())
                .map(|r| r.label.clone())
                .unwrap_or_default(),
        }
    };
    let frame = Frame {
        title: title.to_string(),
        plot_h: 34 + n as u32 * LANE_H + 48,
        from,
        to,
        y: (0..n as i64 * U, centres),
        y_label: &label_of,
        y_desc: None,
        legend,
    };
    draw_frame(frame, |chart| {
        let y_of = |row: usize| (n - 1 - row) as i64 * U;
        let clamp = |x: i64| x.clamp(from, to);
        // Lanes: a light band for every other lane, a bar where the lane wrote lines.
        chart
            .draw_series((0..shown.len()).filter(|r| r % 2 == 1).map(|r| {
                Rectangle::new(
                    [(from, y_of(r)), (to, y_of(r) + U)],
                    RGBColor(0xf4, 0xf4, 0xf4).filled(),
                )
            }))
            .map_err(plot_err)?;
        chart
            .draw_series(shown.iter().enumerate().map(|(r, l)| {
                let l = &lanes.lanes[*l];
                Rectangle::new(
                    [(clamp(l.first), y_of(r) + 4), (clamp(l.last), y_of(r) + 6)],
                    RGBColor(0xb8, 0xc4, 0xd0).filled(),
                )
            }))
            .map_err(plot_err)?;
        // Restarts: the old lane's last line linked to the new lane's first.
        for (r, l) in shown.iter().enumerate() {
            let lane = &lanes.lanes[*l];
            if let Some(prev) = lane.after.and_then(|p| shown.iter().position(|x| *x == p)) {
                let old = &lanes.lanes[shown[prev]];
                let pts = vec![
                    (clamp(old.last), y_of(prev) + U / 2),
                    (clamp(lane.first), y_of(r) + U / 2),
                ];
                chart
                    .draw_series(std::iter::once(DashedPathElement::new(
                        pts,
                        4,
                        3,
                        rgb(palette::DARK_GREY).stroke_width(1),
                    )))
                    .map_err(plot_err)?;
            }
        }
        draw_faults(scene, lanes, &shown, chart, from, to)?;
        draw_windows(chart, &windows, from, to, n as i64 * U)?;
        for k in MARK_ORDER {
            if let Some((pts, _)) = marks.get(&k) {
                let (c, s) = palette::event(k);
                let pts = pts
                    .iter()
                    .map(|(row, ts)| (*ts, y_of(*row) + U / 2))
                    .collect();
                draw_marks(chart, pts, c, s)?;
            }
        }
        // Failed spans, under the lanes: a row per node they were meant for.
        let (c, s) = palette::failed_span();
        for (i, r) in spans.iter().enumerate() {
            let y = y_of(shown.len() + i) + U / 2;
            draw_marks(chart, r.marks.iter().map(|ts| (*ts, y)).collect(), c, s)?;
        }
        Ok(())
    })
}

/// Process-down stretches over the lanes of the process, log holes over the
/// lanes of the silent incarnation.
fn draw_faults(
    scene: &Scene,
    lanes: &Lanes,
    shown: &[usize],
    chart: &mut Chart,
    from: i64,
    to: i64,
) -> Result<()> {
    let n = shown.len().max(1);
    let y_of = |row: usize| (n - 1 - row) as i64 * U;
    let clamp = |x: i64| x.clamp(from, to);
    let rows_of = |incs: &[u32]| -> Vec<usize> {
        shown
            .iter()
            .enumerate()
            .filter(|(_, l)| {
                lanes.lanes[**l]
                    .incarnations
                    .iter()
                    .any(|i| incs.contains(i))
            })
            .map(|(r, _)| r)
            .collect()
    };
    // (row, start, end) of every stretch to draw.
    let rows = |stretches: &[super::scene::Stretch]| -> Vec<(usize, i64, i64)> {
        let mut out = Vec::new();
        for x in stretches.iter().filter(|x| x.to >= from && x.from <= to) {
            for r in rows_of(&x.incarnations) {
                out.push((r, clamp(x.from), clamp(x.to)));
            }
        }
        out
    };
    let down = rows(&scene.outages);
    let holes = rows(&scene.holes);
    let px = ((to - from) / WIDTH as i64).max(1);
    for (r, s0, s1) in crowded_merged(down, n, px) {
        chart
            .draw_series(std::iter::once(Rectangle::new(
                [(s0, y_of(r) + 1), (s1, y_of(r) + 9)],
                rgb(palette::DARK_GREY).mix(0.45).filled(),
            )))
            .map_err(plot_err)?;
    }
    for (r, s0, s1) in crowded_merged(holes, n, px) {
        let cell = [(s0, y_of(r) + 1), (s1, y_of(r) + 9)];
        chart
            .draw_series([
                Rectangle::new(cell, rgb(palette::GREY).mix(0.25).filled()),
                Rectangle::new(cell, rgb(palette::DARK_GREY).stroke_width(1)),
            ])
            .map_err(plot_err)?;
    }
    Ok(())
}

/// More stretches than this on one row and those closer than a pixel are
/// drawn as one: a day of a bundle has thousands of short holes, a chart
/// ~1,200 pixels.
const STRETCHES_PER_ROW: usize = 300;

/// The stretches to draw, in order: as given on rows that hold few, merged
/// where they touch (within a pixel of `px` µs) on crowded rows.
fn crowded_merged(mut v: Vec<(usize, i64, i64)>, rows: usize, px: i64) -> Vec<(usize, i64, i64)> {
    let mut per_row = vec![0usize; rows];
    for (r, _, _) in &v {
        per_row[*r] += 1;
    }
    if per_row.iter().all(|n| *n <= STRETCHES_PER_ROW) {
        return v;
    }
    let (crowded, mut out): (Vec<_>, Vec<_>) = v
        .drain(..)
        .partition(|(r, _, _)| per_row[*r] > STRETCHES_PER_ROW);
    let mut crowded = crowded;
    crowded.sort_unstable();
    let mut merged: Vec<(usize, i64, i64)> = Vec::new();
    for (r, a, b) in crowded {
        match merged.last_mut() {
            Some((lr, _, lb)) if *lr == r && a <= *lb + px => *lb = (*lb).max(b),
            _ => merged.push((r, a, b)),
        }
    }
    out.extend(merged);
    out
}

/// Ok vs failed requests over `[from, to]`, windows shaded behind.
pub fn requests(m: &Report, o: &Outcomes, from: i64, to: i64) -> Result<String> {
    let per = if o.bin_us == 1_000_000 {
        "second".to_string()
    } else {
        format!("{} s", o.bin_us / 1_000_000)
    };
    let title = if o.client_log {
        format!("Client requests per {per}, by outcome (client log)")
    } else {
        format!("Failed requests per {per} logged by the Proxy (no client log: successes unknown)")
    };
    let top = (o
        .bins
        .iter()
        .map(|(_, ok, f)| ok + f)
        .max()
        .unwrap_or(0)
        .max(1) as i64
        * 11
        + 9)
        / 10;
    let mut legend = vec![(Swatch::Fill(palette::FAILED, 1.0), "failed".to_string())];
    if o.client_log {
        legend.insert(0, (Swatch::Fill(palette::OK, 1.0), "ok".to_string()));
    }
    let windows = windows_in(m, from, to);
    legend.extend(window_legend(&windows));
    let count_label = |y: &i64| y.to_string();
    let frame = Frame {
        title,
        plot_h: 230,
        from,
        to,
        y: (0..top, count_ticks(top)),
        y_label: &count_label,
        y_desc: Some(format!("requests per {per}")),
        legend,
    };
    draw_frame(frame, |chart| {
        draw_windows(chart, &windows, from, to, top)?;
        let end = |b: i64| (b + o.bin_us).min(to);
        chart
            .draw_series(o.bins.iter().filter(|b| b.2 > 0).map(|(b, _, f)| {
                Rectangle::new(
                    [(*b, 0), (end(*b), *f as i64)],
                    rgb(palette::FAILED).filled(),
                )
            }))
            .map_err(plot_err)?;
        chart
            .draw_series(o.bins.iter().filter(|b| b.1 > 0).map(|(b, ok, f)| {
                Rectangle::new(
                    [(*b, *f as i64), (end(*b), (*f + *ok) as i64)],
                    rgb(palette::OK).filled(),
                )
            }))
            .map_err(plot_err)?;
        Ok(())
    })
}

/// About five round counts up to `top`.
fn count_ticks(top: i64) -> Vec<i64> {
    let raw = (top / 5).max(1);
    let mag = 10i64.pow(raw.ilog10());
    let step = [1, 2, 5, 10]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10 * mag);
    (0..).map(|k| k * step).take_while(|v| *v <= top).collect()
}

/// Phase label inside its segment, as long as fits.
fn phase_text(p: PhaseId, secs: f64, px: f64) -> Option<String> {
    let long = format!("{} {secs:.1} s", p.id());
    let short = format!("{secs:.1} s");
    [long, short]
        .into_iter()
        .find(|t| t.chars().count() as f64 * 6.6 + 8.0 <= px)
}

/// A window with its phases: from the earliest phase start (the fault,
/// often before the first failure) to the latest end.
fn extent(w: &WindowFacts) -> (i64, i64) {
    let at = w.at;
    let start = at.phases.iter().map(|p| p.start).chain([w.start]).min();
    let end = at.phases.iter().map(|p| p.end).chain([w.end]).max();
    (start.unwrap_or(w.start), end.unwrap_or(w.end))
}

/// One window's phases as a bar, the client-failure span under it.
pub fn phases(w: &WindowFacts) -> Result<String> {
    let (idx, at) = (w.number, w.at);
    let (from0, to0) = extent(w);
    let pad = ((to0 - from0) / 50).max(1);
    let (from, to) = (from0 - pad, to0 + pad);
    let legend: Vec<(Swatch, String)> = at
        .phases
        .iter()
        .map(|p| {
            (
                Swatch::Fill(palette::cause(p.cause), 1.0),
                format!("{} {:.1} s", p.id.id(), p.len_us() as f64 / 1e6),
            )
        })
        .collect();
    let rows = |y: &i64| match *y {
        y if y > 15 => "phases".to_string(),
        _ => "clients failing".to_string(),
    };
    let frame = Frame {
        title: format!("Window {idx}: phases ({})", at.cause.id()),
        plot_h: 150,
        from,
        to,
        y: (0..30, vec![9, 20]),
        y_label: &rows,
        y_desc: None,
        legend,
    };
    draw_frame(frame, |chart| {
        let px_per_us = f64::from(WIDTH - LANE_LABELS - 30) / (to - from) as f64;
        for p in &at.phases {
            let c = palette::cause(p.cause);
            chart
                .draw_series([
                    Rectangle::new([(p.start, 14), (p.end, 26)], rgb(c).filled()),
                    Rectangle::new([(p.start, 14), (p.end, 26)], WHITE.stroke_width(1)),
                ])
                .map_err(plot_err)?;
            let secs = p.len_us() as f64 / 1e6;
            if let Some(text) = phase_text(p.id, secs, p.len_us() as f64 * px_per_us) {
                let ink = if c.is_light() { BLACK } else { WHITE };
                let style = (FONT, 12)
                    .into_font()
                    .color(&ink)
                    .pos(Pos::new(HPos::Center, VPos::Center));
                chart
                    .draw_series([Text::new(text, (p.start + p.len_us() / 2, 20), style)])
                    .map_err(plot_err)?;
            }
        }
        // The span clients failed, as a bracket.
        let ink = rgb(palette::BLACK);
        chart
            .draw_series([PathElement::new(
                vec![(w.start, 11), (w.start, 9), (w.end, 9), (w.end, 11)],
                ink.stroke_width(2),
            )])
            .map_err(plot_err)?;
        let label = format!("{:.1} s", (w.end - w.start) as f64 / 1e6);
        let style = (FONT, 12)
            .into_font()
            .color(&BLACK)
            .pos(Pos::new(HPos::Center, VPos::Top));
        chart
            .draw_series([Text::new(
                label,
                (w.start + (w.end - w.start) / 2, 7),
                style,
            )])
            .map_err(plot_err)?;
        Ok(())
    })
}

/// `compare`: both sides' phases of a pair of windows as two bars on one
/// scale, seconds from each side's fault.
pub fn compare_phases(p: &crate::compare::Pair) -> Result<String> {
    let sides = [("before", p.before.as_ref()), ("after", p.after.as_ref())];
    let end = sides
        .iter()
        .flat_map(|(_, s)| s.iter().flat_map(|s| &s.phases))
        .map(|x| x.offset_s + x.duration_s)
        .chain(
            sides
                .iter()
                .flat_map(|(_, s)| s.iter().map(|s| s.duration_s)),
        )
        .fold(1.0f64, f64::max);
    let mut legend: Vec<(Swatch, String)> = Vec::new();
    for (_, s) in &sides {
        for x in s.iter().flat_map(|s| &s.phases) {
            let label = format!("{} ({})", x.id.id(), x.cause.id());
            if !legend.iter().any(|(_, l)| *l == label) {
                legend.push((Swatch::Fill(palette::cause(x.cause), 1.0), label));
            }
        }
    }
    let plot_h = 150;
    let height = plot_h + legend_height(&legend) + 6;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, height)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let (area, bottom) = root.split_vertically(plot_h);
        let mut chart = ChartBuilder::on(&area)
            .caption("Phases from the fault, both sides on one scale", (FONT, 16))
            .margin(6)
            .margin_right(18)
            .x_label_area_size(40)
            .y_label_area_size(110)
            .build_cartesian_2d(0f64..end * 1.04, 0f64..2f64)
            .map_err(plot_err)?;
        // Each row is named with its window's length.
        let named = |label: &str, s: Option<&crate::compare::WindowSide>| {
            s.map_or(format!("{label}: none"), |s| {
                format!("{label} {:.1} s", s.duration_s)
            })
        };
        let (before_label, after_label) = (named("before", sides[0].1), named("after", sides[1].1));
        let row_label = |y: &f64| match *y {
            y if (1.4..1.6).contains(&y) => before_label.clone(),
            y if (0.4..0.6).contains(&y) => after_label.clone(),
            _ => String::new(),
        };
        chart
            .configure_mesh()
            .disable_y_mesh()
            .bold_line_style(RGBColor(0xdd, 0xdd, 0xdd))
            .light_line_style(WHITE)
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 12))
            .y_labels(5)
            .y_label_formatter(&row_label)
            .x_label_formatter(&|x: &f64| format!("{x:.0} s"))
            .x_desc("seconds from the fault")
            .draw()
            .map_err(plot_err)?;
        for (row, (_, side)) in sides.iter().enumerate() {
            let Some(side) = side else { continue };
            let (lo, hi) = if row == 0 { (1.2, 1.8) } else { (0.2, 0.8) };
            for x in &side.phases {
                let (a, b) = (x.offset_s, x.offset_s + x.duration_s);
                chart
                    .draw_series([
                        Rectangle::new([(a, lo), (b, hi)], rgb(palette::cause(x.cause)).filled()),
                        Rectangle::new([(a, lo), (b, hi)], WHITE.stroke_width(1)),
                    ])
                    .map_err(plot_err)?;
            }
        }
        draw_legend(&bottom, &legend)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

/// `compare`: one side's requests per second over the pair's
/// neighbourhood of the fault (ok and failed, stacked), the y scale `top`
/// shared with the other side.
pub fn compare_requests(
    title: &str,
    side: &crate::compare::WindowSide,
    neighbourhood_s: f64,
    top: u64,
) -> Result<String> {
    let pad = crate::compare::NEIGHBOURHOOD_PAD_US as f64 / 1e6;
    let legend = vec![
        (Swatch::Fill(palette::OK, 1.0), "ok".to_string()),
        (Swatch::Fill(palette::FAILED, 1.0), "failed".to_string()),
    ];
    let (w, plot_h) = (WIDTH / 2, 230);
    let height = plot_h + legend_height(&legend) + 6;
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (w, height)).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        let (area, bottom) = root.split_vertically(plot_h);
        let top = (top.max(1) as f64 * 1.1).ceil();
        let mut chart = ChartBuilder::on(&area)
            .caption(title, (FONT, 14))
            .margin(6)
            .margin_right(12)
            .x_label_area_size(36)
            .y_label_area_size(50)
            .build_cartesian_2d(-pad..neighbourhood_s - pad, 0f64..top)
            .map_err(plot_err)?;
        chart
            .configure_mesh()
            .bold_line_style(RGBColor(0xdd, 0xdd, 0xdd))
            .light_line_style(WHITE)
            .label_style((FONT, 11))
            .axis_desc_style((FONT, 11))
            .x_label_formatter(&|x: &f64| format!("{x:.0} s"))
            .y_label_formatter(&|y: &f64| format!("{y:.0}"))
            .x_desc("seconds from the fault")
            .y_desc("requests per second")
            .draw()
            .map_err(plot_err)?;
        let x0 = |sec: u32| f64::from(sec) - pad;
        chart
            .draw_series(side.per_second.iter().filter(|b| b.2 > 0).map(|(s, _, f)| {
                Rectangle::new(
                    [(x0(*s), 0.0), (x0(*s) + 1.0, *f as f64)],
                    rgb(palette::FAILED).filled(),
                )
            }))
            .map_err(plot_err)?;
        chart
            .draw_series(
                side.per_second
                    .iter()
                    .filter(|b| b.1 > 0)
                    .map(|(s, ok, f)| {
                        Rectangle::new(
                            [(x0(*s), *f as f64), (x0(*s) + 1.0, (*f + *ok) as f64)],
                            rgb(palette::OK).filled(),
                        )
                    }),
            )
            .map_err(plot_err)?;
        let (ws, we) = (
            (side.start - side.fault_at) as f64 / 1e6,
            (side.end - side.fault_at) as f64 / 1e6,
        );
        chart
            .draw_series([Rectangle::new(
                [(ws, 0.0), (we, top)],
                rgb(palette::cause(side.cause)).mix(0.18).filled(),
            )])
            .map_err(plot_err)?;
        draw_legend(&bottom, &legend)?;
        root.present().map_err(plot_err)?;
    }
    Ok(svg)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::scene::SpanMark;

    #[test]
    fn failed_spans_get_a_row_per_node_meant_the_rest_sharing_the_last() {
        let mut scene = Scene::default();
        // Nodes 1..=8 and an unknown one, a span each second; node 1 thrice
        // in one bin.
        for (i, node) in (1..=8).map(Some).chain([None]).enumerate() {
            scene.failed_spans.push(SpanMark {
                ts: i as i64 * 1_000_000,
                node,
            });
        }
        scene.failed_spans.splice(
            0..0,
            [SpanMark {
                ts: 0,
                node: Some(1),
            }; 2],
        );
        let rows = span_rows(&scene, 0, 10_000_000);
        let labels: Vec<&str> = rows.iter().map(|r| r.label.as_str()).collect();
        assert_eq!(labels.len(), MAX_SPAN_ROWS);
        assert_eq!(labels[0], "failed calls → node 1");
        assert_eq!(labels[MAX_SPAN_ROWS - 1], "failed calls → other nodes");
        assert_eq!(rows.iter().map(|r| r.count).sum::<usize>(), 11);
        // Three spans in one bin: one mark standing for three.
        assert_eq!((rows[0].count, rows[0].marks.len()), (3, 1));
        // Nodes 6, 7, 8 and the unknown one share the last row.
        assert_eq!(rows[MAX_SPAN_ROWS - 1].count, 4);
    }

    #[test]
    fn ticks_fall_on_round_clock_times() {
        let from = 1_764_130_528_340_000; // 04:15:28.340
        let t = ticks(from, from + 180_000_000, 12);
        assert_eq!(t.step_us, 15_000_000);
        assert!(t.at.iter().all(|x| x % 15_000_000 == 0));
        assert!(t.at.len() <= 13 && t.at[0] >= from);
        assert_eq!(clock(t.at[0], t.step_us, false), "04:15:30");
        let fine = ticks(from, from + 2_000_000, 12);
        assert_eq!(fine.step_us, 200_000);
        assert_eq!(clock(fine.at[0], fine.step_us, false), "04:15:28.400");
        let long = ticks(from, from + 3 * 86_400_000_000, 12);
        assert_eq!(long.step_us % 3_600_000_000, 0);
        assert!(long.at.len() <= 13);
    }

    #[test]
    fn count_ticks_are_round() {
        assert_eq!(count_ticks(11), vec![0, 2, 4, 6, 8, 10]);
        assert_eq!(count_ticks(1), vec![0, 1]);
        assert_eq!(count_ticks(480)[1], 100);
    }

    #[test]
    fn phase_labels_fit_or_shorten() {
        assert_eq!(
            phase_text(PhaseId::Detection, 18.8, 400.0).as_deref(),
            Some("detection 18.8 s")
        );
        assert_eq!(
            phase_text(PhaseId::Detection, 18.8, 50.0).as_deref(),
            Some("18.8 s")
        );
        assert_eq!(phase_text(PhaseId::Detection, 18.8, 10.0), None);
    }
}
