//! Colours, strokes and text sizes: one palette for every part of the editor.

use egui::{Color32, FontId, Stroke};

/// Window background.
pub const BACKGROUND: Color32 = Color32::from_rgb(22, 24, 28);
/// Panel background (one step lighter than the window).
pub const PANEL: Color32 = Color32::from_rgb(32, 35, 41);
/// Panel outline.
pub const PANEL_EDGE: Color32 = Color32::from_rgb(52, 56, 64);
/// The analyzer's plot area.
pub const PLOT: Color32 = Color32::from_rgb(14, 16, 19);
/// Grid lines.
pub const GRID: Color32 = Color32::from_rgb(44, 48, 56);
/// Emphasized grid lines (decades, 0 dB).
pub const GRID_STRONG: Color32 = Color32::from_rgb(70, 76, 88);
/// Primary text.
pub const TEXT: Color32 = Color32::from_rgb(222, 226, 232);
/// Secondary text (labels, units).
pub const TEXT_DIM: Color32 = Color32::from_rgb(140, 147, 160);
/// The accent colour: active controls, the response curve.
pub const ACCENT: Color32 = Color32::from_rgb(255, 170, 60);
/// The input spectrum (dim).
pub const SPECTRUM_INPUT: Color32 = Color32::from_rgba_premultiplied(70, 110, 150, 110);
/// The output spectrum (bright).
pub const SPECTRUM_OUTPUT: Color32 = Color32::from_rgb(110, 200, 255);
/// The output spectrum's fill.
pub const SPECTRUM_OUTPUT_FILL: Color32 = Color32::from_rgba_premultiplied(25, 60, 85, 120);
/// Peak-hold line.
pub const PEAK_HOLD: Color32 = Color32::from_rgba_premultiplied(150, 170, 190, 150);
/// Meter bar below −18 dBFS.
pub const METER_LOW: Color32 = Color32::from_rgb(70, 190, 120);
/// Meter bar from −18 to −6 dBFS.
pub const METER_MID: Color32 = Color32::from_rgb(220, 200, 70);
/// Meter bar above −6 dBFS, and clip lamps.
pub const METER_HIGH: Color32 = Color32::from_rgb(235, 80, 70);
/// Switched-off controls.
pub const OFF: Color32 = Color32::from_rgb(80, 84, 94);

/// Colour of filter band `i` (nodes and per-band curves), cycling through a small palette.
pub fn band_colour(i: usize) -> Color32 {
    const BANDS: [Color32; 7] = [
        Color32::from_rgb(240, 110, 110),
        Color32::from_rgb(240, 160, 90),
        Color32::from_rgb(230, 210, 90),
        Color32::from_rgb(120, 210, 120),
        Color32::from_rgb(90, 200, 220),
        Color32::from_rgb(130, 140, 250),
        Color32::from_rgb(210, 120, 230),
    ];
    BANDS[i % BANDS.len()]
}

/// Small caption text (axis labels, units).
pub fn small() -> FontId {
    FontId::proportional(10.5)
}

/// Normal control text.
pub fn body() -> FontId {
    FontId::proportional(12.0)
}

/// Panel headings.
pub fn heading() -> FontId {
    FontId::proportional(13.5)
}

/// Numbers that must line up (meters, status).
pub fn mono() -> FontId {
    FontId::monospace(11.5)
}

/// A thin line in `colour`.
pub fn hairline(colour: Color32) -> Stroke {
    Stroke::new(1.0, colour)
}

/// Applies the palette to egui's own widgets (combo boxes, buttons, text fields).
pub fn apply(ctx: &egui::Context) {
    let mut visuals = egui::Visuals::dark();
    visuals.panel_fill = BACKGROUND;
    visuals.window_fill = PANEL;
    visuals.extreme_bg_color = PLOT;
    visuals.selection.bg_fill = ACCENT.gamma_multiply(0.6);
    visuals.widgets.inactive.weak_bg_fill = Color32::from_rgb(44, 48, 56);
    visuals.widgets.hovered.weak_bg_fill = Color32::from_rgb(58, 63, 73);
    visuals.widgets.active.weak_bg_fill = Color32::from_rgb(70, 76, 88);
    ctx.set_visuals(visuals);
    ctx.global_style_mut(|style| {
        style.spacing.item_spacing = egui::vec2(6.0, 4.0);
        style.spacing.button_padding = egui::vec2(6.0, 2.0);
    });
}
