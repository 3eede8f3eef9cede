//! Colours and marks shared by the charts, the HTML and the legends.
//!
//! Colours come from the Okabe–Ito palette, chosen to stay distinct for
//! readers with the common colour-vision deficiencies; every coloured thing
//! also carries a label or a shape, so a grey-scale print still reads. A
//! phase is drawn in the colour of the cause it stands for in that window,
//! so a window shaded in its cause's colour matches the phase that held it
//! open.

use super::scene::EventKind;
use crate::attribute::Cause;

/// An sRGB colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    /// `#rrggbb`, for CSS.
    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// True when black text reads better than white on this colour
    /// (relative luminance above the midpoint).
    pub fn is_light(self) -> bool {
        let l =
            0.2126 * f64::from(self.0) + 0.7152 * f64::from(self.1) + 0.0722 * f64::from(self.2);
        l > 140.0
    }
}

/// Okabe–Ito orange.
pub const ORANGE: Rgb = Rgb(0xE6, 0x9F, 0x00);
/// Okabe–Ito sky blue.
pub const SKY_BLUE: Rgb = Rgb(0x56, 0xB4, 0xE9);
/// Okabe–Ito bluish green.
pub const GREEN: Rgb = Rgb(0x00, 0x9E, 0x73);
/// Okabe–Ito yellow.
pub const YELLOW: Rgb = Rgb(0xF0, 0xE4, 0x42);
/// Okabe–Ito blue.
pub const BLUE: Rgb = Rgb(0x00, 0x72, 0xB2);
/// Okabe–Ito vermillion.
pub const VERMILLION: Rgb = Rgb(0xD5, 0x5E, 0x00);
/// Okabe–Ito reddish purple.
pub const PURPLE: Rgb = Rgb(0xCC, 0x79, 0xA7);
/// Okabe–Ito black.
pub const BLACK: Rgb = Rgb(0x00, 0x00, 0x00);
/// Unknown cause, log holes.
pub const GREY: Rgb = Rgb(0x99, 0x99, 0x99);
/// Process down, outlines.
pub const DARK_GREY: Rgb = Rgb(0x55, 0x55, 0x55);

/// Requests that succeeded.
pub const OK: Rgb = BLUE;
/// Requests that failed.
pub const FAILED: Rgb = VERMILLION;

/// The colour of a root cause.
pub fn cause(c: Cause) -> Rgb {
    match c {
        Cause::ProcessDown => VERMILLION,
        Cause::NodeUnresponsive => PURPLE,
        Cause::SessionTimeout => ORANGE,
        Cause::CoordinationDelay => BLUE,
        Cause::MqReplay => GREEN,
        Cause::MetadataSync => YELLOW,
        Cause::GrpcChannelRebuild => SKY_BLUE,
        Cause::EtcdUnavailable => BLACK,
        Cause::Unknown => GREY,
    }
}

/// The shape of an event mark.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    /// Filled circle.
    Dot,
    /// Hollow circle.
    Ring,
    /// Filled triangle.
    Triangle,
    /// Filled square.
    Square,
    /// Hollow square.
    Box,
    /// Diagonal cross.
    Cross,
}

/// How a failed span is marked under the lanes: as the `grpc-error` it is.
pub fn failed_span() -> (Rgb, Shape) {
    event(EventKind::GrpcError)
}

/// How an event kind is marked on the timeline: colour and shape, so two
/// kinds differ by shape even where colours merge in print.
pub fn event(k: EventKind) -> (Rgb, Shape) {
    match k {
        EventKind::ProcessStart => (GREEN, Shape::Triangle),
        EventKind::ProcessExit => (VERMILLION, Shape::Cross),
        EventKind::SessionLost => (PURPLE, Shape::Cross),
        EventKind::HeartbeatMiss => (ORANGE, Shape::Triangle),
        EventKind::NodeDown => (BLACK, Shape::Cross),
        EventKind::NodeUp => (BLACK, Shape::Triangle),
        EventKind::ChannelReassign => (BLUE, Shape::Square),
        EventKind::SegmentReassign => (BLUE, Shape::Box),
        EventKind::MqReplay => (GREEN, Shape::Square),
        EventKind::MetaRecovery => (YELLOW, Shape::Square),
        EventKind::RoutingUpdate => (SKY_BLUE, Shape::Square),
        EventKind::GrpcError => (SKY_BLUE, Shape::Ring),
        EventKind::ClientError => (VERMILLION, Shape::Ring),
        EventKind::EtcdSlow => (BLACK, Shape::Box),
        EventKind::EtcdLeaderChange => (BLACK, Shape::Dot),
        EventKind::ClockJump => (PURPLE, Shape::Box),
        EventKind::RequestSlow => (ORANGE, Shape::Ring),
        EventKind::MemoryUsage => (YELLOW, Shape::Dot),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_differ_by_colour_or_shape() {
        for (i, a) in EventKind::ALL.iter().enumerate() {
            for b in &EventKind::ALL[i + 1..] {
                assert_ne!(event(*a), event(*b), "{} and {} look alike", a.id(), b.id());
            }
        }
    }

    #[test]
    fn text_contrast() {
        assert!(YELLOW.is_light() && SKY_BLUE.is_light() && ORANGE.is_light());
        assert!(!BLUE.is_light() && !BLACK.is_light() && !VERMILLION.is_light());
        assert_eq!(VERMILLION.hex(), "#d55e00");
    }
}
