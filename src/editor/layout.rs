//! Where every part sits, in the design's own coordinates (points at 100 %): the editor is
//! drawn at this fixed size and scaled as a whole (egui's zoom), so at 75 % or 200 % nothing
//! reflows or clips — it only gets smaller or larger, and text is rasterized at the final
//! pixel size (crisp at any scale and HiDPI factor).

use egui::{pos2, vec2, Rect};

/// The design size in points; the window is this times the scale.
/// 860 points tall: the stage panels take two rows since the dynamics stages joined the chain.
pub const DESIGN_SIZE: egui::Vec2 = egui::Vec2::new(1040.0, 860.0);
/// Smallest and largest scale.
pub const SCALE_RANGE: (f32, f32) = (0.75, 2.0);
/// Space between parts.
const GAP: f32 = 6.0;
/// Height of the top bar.
const TOP_BAR_HEIGHT: f32 = 34.0;
/// Height of the status line.
const STATUS_HEIGHT: f32 = 20.0;
/// Side of the resize grip in the window's bottom-right corner (over the status line's end).
pub const RESIZE_GRIP: f32 = 14.0;
/// Width of the meters column.
const METERS_WIDTH: f32 = 232.0;
/// Height of the graph and meters row.
const GRAPH_HEIGHT: f32 = 290.0;
/// Height of the filter strip (gains and bands).
const STRIP_HEIGHT: f32 = 104.0;

/// The rectangles of the parts.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// Presets, A/B, bypass, scale.
    pub top_bar: Rect,
    /// Spectrum and response.
    pub graph: Rect,
    /// Level, loudness and gain-reduction meters.
    pub meters: Rect,
    /// Gains and filter bands.
    pub strip: Rect,
    /// Delay, reverb and any later stage.
    pub panels: Rect,
    /// Sample rate, latency, load.
    pub status: Rect,
}

impl Layout {
    /// The layout of a window whose content starts at `origin`.
    pub fn new(origin: egui::Pos2) -> Self {
        let at = |x: f32, y: f32| origin + vec2(x, y);
        let width = DESIGN_SIZE.x - 2.0 * GAP;
        let top_bar = Rect::from_min_size(origin, vec2(DESIGN_SIZE.x, TOP_BAR_HEIGHT));
        let row_top = TOP_BAR_HEIGHT + GAP;
        let graph = Rect::from_min_size(at(GAP, row_top), vec2(width - METERS_WIDTH - GAP, GRAPH_HEIGHT));
        let meters =
            Rect::from_min_size(pos2(graph.right() + GAP, graph.top()), vec2(METERS_WIDTH, GRAPH_HEIGHT));
        let strip = Rect::from_min_size(at(GAP, row_top + GRAPH_HEIGHT + GAP), vec2(width, STRIP_HEIGHT));
        let status =
            Rect::from_min_size(at(0.0, DESIGN_SIZE.y - STATUS_HEIGHT), vec2(DESIGN_SIZE.x, STATUS_HEIGHT));
        let panels = Rect::from_min_max(
            pos2(strip.left(), strip.bottom() + GAP),
            pos2(strip.right(), status.top() - GAP),
        );
        Self { top_bar, graph, meters, strip, panels, status }
    }
}

/// The scale that fits a window of `window` logical pixels, within [`SCALE_RANGE`].
pub fn fitting_scale(window: egui::Vec2) -> f32 {
    (window.x / DESIGN_SIZE.x).min(window.y / DESIGN_SIZE.y).clamp(SCALE_RANGE.0, SCALE_RANGE.1)
}
