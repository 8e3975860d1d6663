//! Controls for one parameter in a fixed cell: a knob for continuous values, a switch for
//! on/off, a drop-down for choices. Every one shows its label and its value with the unit.
//!
//! Knob gestures: drag up/down (Shift: ten times finer), mouse wheel, double-click resets to
//! the default, right-click or Ctrl-click opens a text field that takes what the host's text
//! entry takes (the row's own parser, `ParamSpec::parse_text`).

use std::sync::Arc;

use egui::{pos2, vec2, Align2, Color32, Galley, Id, Key, Pos2, Rect, Response, Sense, Shape, Stroke, Ui};
use runnel_engine::params::spec::{override_of, Override};
use runnel_engine::params::{Kind, ParamSpec, PARAMS};

use super::access::ParamAccess;
use super::theme;

/// Knob travel per point of vertical drag (a 180-point drag covers the range).
const DRAG_TRAVEL_PER_POINT: f32 = 1.0 / 180.0;
/// How much finer the fine-adjust modifier (Shift) makes drags and wheel steps.
const FINE_FACTOR: f32 = 0.1;
/// Knob travel per wheel notch.
const WHEEL_TRAVEL_PER_NOTCH: f32 = 0.02;
/// Points of scroll egui reports per wheel notch.
const POINTS_PER_NOTCH: f32 = 50.0;
/// Where a knob's arc starts and how far it sweeps (radians, clockwise from the top).
const ARC_START: f32 = -0.75 * std::f32::consts::PI;
/// The arc's sweep.
const ARC_SWEEP: f32 = 1.5 * std::f32::consts::PI;

/// Sizes a label may shrink to, largest first, before words are shortened ([`theme::small`]
/// first; below 9 points labels stop being comfortable to read at 75 %).
const LABEL_SIZES: [f32; 4] = [10.5, 10.0, 9.5, 9.0];

/// Words a label or a choice may shorten when it does not fit its cell even at the smallest
/// size, in the abbreviations audio software commonly uses ("Auto Gain" is makeup's usual short
/// name). The control's tooltip keeps the full text.
const SHORTER_WORDS: [(&str, &str); 15] = [
    ("Resonance", "Reso"),
    ("Release", "Rel."),
    ("Crossover", "X-over"),
    ("Modifier", "Mod."),
    ("Side-chain", "SC"),
    ("Stereo", "St."),
    ("Saturation", "Satur."),
    ("Infinite", "Inf."),
    ("Auto Makeup", "Auto Gain"),
    ("Change", "Chg."),
    (" dB/oct resonant", " res"),
    ("dB/oct", "dB"),
    ("Band-pass", "BP"),
    ("Crossfade", "X-fade"),
    ("Equal power", "Eq. pow."),
];

/// The first of `candidates` (in order of preference) that fits `width` at the largest of
/// [`LABEL_SIZES`], measured by its ink (glyphs with their anti-aliasing fringe); else the last
/// candidate at the smallest size (never at the designed sizes; the editor tests check it).
fn fit_text(
    ui: &Ui,
    candidates: impl IntoIterator<Item = String>,
    width: f32,
    colour: Color32,
) -> Arc<Galley> {
    let painter = ui.painter();
    let mut last = None;
    for text in candidates {
        for size in LABEL_SIZES {
            let galley = painter.layout_no_wrap(text.clone(), egui::FontId::proportional(size), colour);
            if galley.mesh_bounds.width().max(galley.size().x) <= width {
                return galley;
            }
            last = Some(galley);
        }
    }
    last.expect("at least one candidate")
}

/// A label laid out to fit `width`: the label itself, else with [`SHORTER_WORDS`] shortened.
pub fn fit_label(ui: &Ui, label: &str, width: f32) -> Arc<Galley> {
    fit_text(ui, [label.to_string(), shortened(label)], width, theme::TEXT_DIM)
}

/// `text` with every one of [`SHORTER_WORDS`] shortened.
fn shortened(text: &str) -> String {
    SHORTER_WORDS.iter().fold(text.to_string(), |text, (word, short)| text.replace(word, short))
}

/// A value text laid out to fit `width`: the text itself, else with its number rounded to
/// fewer decimals one at a time ("0.707107" → "0.70711" → … → "0.71"); the full text is in the
/// typed-value field.
pub fn fit_value(ui: &Ui, text: &str, width: f32, colour: Color32) -> Arc<Galley> {
    let shorter = std::iter::successors(Some(text.to_string()), |t| fewer_decimals(t));
    fit_text(ui, shorter.take(6), width, colour)
}

/// `text` with its leading number rounded to one decimal fewer, keeping what follows (the
/// unit); `None` if it has no decimals left to drop.
fn fewer_decimals(text: &str) -> Option<String> {
    let end = text
        .char_indices()
        .find(|&(i, c)| !(c.is_ascii_digit() || c == '.' || (i == 0 && (c == '-' || c == '+'))))
        .map_or(text.len(), |(i, _)| i);
    let (number, rest) = text.split_at(end);
    let decimals = number.split_once('.')?.1.len();
    if decimals == 0 {
        return None;
    }
    let value: f64 = number.parse().ok()?;
    let sign = if number.starts_with('+') { "+" } else { "" };
    Some(format!("{sign}{value:.*}{rest}", decimals - 1))
}

/// Draws a control's label centred at the top of `rect`, fitted to its width, clipped to `rect`.
fn draw_label(ui: &Ui, rect: Rect, label: &str) {
    let galley = fit_label(ui, label, rect.width());
    let at = pos2(rect.center().x - 0.5 * galley.size().x, rect.top());
    ui.painter_at(rect).galley(at, galley, theme::TEXT_DIM);
}

/// Draws a value text centred in `rect`, fitted to its width, clipped to `rect`.
fn draw_value(ui: &Ui, rect: Rect, text: &str, colour: Color32) {
    let galley = fit_value(ui, text, rect.width(), colour);
    let at = rect.center() - 0.5 * galley.size();
    ui.painter_at(rect).galley(at, galley, colour);
}

/// How a control is drawn.
#[derive(Debug, Clone, Copy)]
pub struct CellStyle {
    /// Whether the stage the control belongs to is on (off stages are drawn dimmed).
    pub active: bool,
}

/// The control for row `index` in `rect`: knob, switch or drop-down by the row's kind.
pub fn control(
    ui: &mut Ui,
    rect: Rect,
    index: usize,
    label: &str,
    access: &dyn ParamAccess,
    style: CellStyle,
) {
    let spec = &PARAMS[index];
    // Remembered for the tests, which aim synthesized clicks at controls by parameter ID.
    ui.data_mut(|d| d.insert_temp(cell_key(spec.id), rect));
    match spec.kind {
        Kind::Float { .. } => knob(ui, rect, index, label, access, style),
        Kind::Switch => switch(ui, rect, index, label, access),
        Kind::Choice { .. } => choice(ui, rect, index, label, access),
    }
}

/// Where the control of a parameter was last drawn is kept in egui's memory under this key.
pub fn cell_key(id: &str) -> Id {
    Id::unique(("cell", id))
}

/// The text field's contents while a value is being typed, kept in egui's temporary memory.
#[derive(Debug, Clone, Default)]
struct TypedText(String);

/// A rotary knob with label above and value below.
pub fn knob(ui: &mut Ui, rect: Rect, index: usize, label: &str, access: &dyn ParamAccess, style: CellStyle) {
    let spec = &PARAMS[index];
    let id = Id::unique(("knob", spec.id));
    draw_label(ui, rect, label);
    let value_rect = Rect::from_min_max(pos2(rect.left(), rect.bottom() - 14.0), rect.right_bottom());
    let dial_rect =
        Rect::from_min_max(pos2(rect.left(), rect.top() + 13.0), pos2(rect.right(), value_rect.top()));
    let response = ui.interact(dial_rect, id, Sense::click_and_drag());

    if value_entry(ui, value_rect, id, index, access, &response) {
        draw_dial(ui, dial_rect, spec, access.get(index), style, &response);
        return;
    }
    handle_knob_gestures(ui, &response, id, index, access);
    let value = access.get(index);
    // A row a switch has taken over (the ratio while ∞:1 is on) is drawn as off and reads
    // what is in effect; it still turns (showing the value being set while dragged), setting
    // the value for when the switch goes off.
    let taken_over = overriding(spec, access);
    let style = CellStyle { active: style.active && taken_over.is_none() };
    draw_dial(ui, dial_rect, spec, value, style, &response);
    let text = match taken_over {
        Some(o) if !response.dragged() => o.reads.to_string(),
        _ => spec.value_text(value),
    };
    let colour = if response.hovered() || response.dragged() { theme::TEXT } else { theme::TEXT_DIM };
    draw_value(ui, value_rect, &text, colour);
    let taken_over_note = taken_over.map_or_else(String::new, |o| {
        let switch = runnel_engine::params::find(o.switch).map_or(o.switch, |s| s.name);
        format!("\n{} is on: {} applies; this value returns when it is off", switch, o.reads)
    });
    response.on_hover_text(format!(
        "{}{taken_over_note}\nDrag (Shift: fine), wheel, double-click: default, right-click: type",
        spec.name
    ));
}

/// The override in effect on `spec`'s row: its switch exists and is on.
pub fn overriding(spec: &ParamSpec, access: &dyn ParamAccess) -> Option<&'static Override> {
    let over = override_of(spec.id)?;
    let switch = PARAMS.iter().position(|p| p.id == over.switch)?;
    runnel_engine::params::spec::is_on(access.get(switch)).then_some(over)
}

/// Drag, wheel and double-click on a knob.
fn handle_knob_gestures(ui: &Ui, response: &Response, id: Id, index: usize, access: &dyn ParamAccess) {
    let spec = &PARAMS[index];
    let fine = ui.input(|i| i.modifiers.shift);
    let scale = if fine { FINE_FACTOR } else { 1.0 };
    if response.double_clicked() {
        access.set_once(index, spec.default_value());
        return;
    }
    if response.drag_started() {
        access.begin(index);
        ui.data_mut(|d| d.insert_temp(id, spec.normalize(access.get(index))));
    }
    if response.dragged() {
        // The travel is kept unquantized between frames, so slow drags are not lost to rounding.
        let start: f32 = ui.data(|d| d.get_temp(id)).unwrap_or_else(|| spec.normalize(access.get(index)));
        let travel = (start - response.drag_delta().y * DRAG_TRAVEL_PER_POINT * scale).clamp(0.0, 1.0);
        ui.data_mut(|d| d.insert_temp(id, travel));
        access.set(index, spec.unnormalize(travel));
    }
    if response.drag_stopped() {
        access.end(index);
    }
    if response.hovered() && !response.dragged() {
        let scroll = ui.input(|i| i.smooth_scroll_delta.y);
        if scroll != 0.0 {
            let travel = spec.normalize(access.get(index))
                + scroll / POINTS_PER_NOTCH * WHEEL_TRAVEL_PER_NOTCH * scale;
            access.set_once(index, spec.unnormalize(travel.clamp(0.0, 1.0)));
        }
    }
}

/// The typed-value field: opened by right-click or Ctrl-click on `response`, committed with
/// Enter (or by leaving the field), cancelled with Escape. Returns whether it is showing.
pub fn value_entry(
    ui: &mut Ui,
    rect: Rect,
    id: Id,
    index: usize,
    access: &dyn ParamAccess,
    response: &Response,
) -> bool {
    let spec = &PARAMS[index];
    let text_id = id.with("typed");
    let ctrl_click = response.clicked() && ui.input(|i| i.modifiers.command || i.modifiers.ctrl);
    if response.secondary_clicked() || ctrl_click {
        let current = spec.value_text(access.get(index));
        ui.data_mut(|d| d.insert_temp(text_id, TypedText(current)));
        ui.memory_mut(|m| m.request_focus(text_id));
        // The field appears from the next frame: drawn now, the click that opened it would
        // count as a click elsewhere and take its focus away at once.
        return true;
    }
    let Some(TypedText(mut text)) = ui.data(|d| d.get_temp::<TypedText>(text_id)) else {
        return false;
    };
    let field = egui::TextEdit::singleline(&mut text)
        .id(text_id)
        .font(theme::small())
        .align(egui::Align2::CENTER_CENTER)
        .desired_width(rect.width());
    let field_rect = Rect::from_center_size(rect.center(), vec2(rect.width().max(60.0), 16.0));
    let out = ui.put(field_rect, field);
    let escape = ui.input(|i| i.key_pressed(Key::Escape));
    if out.lost_focus() || escape {
        ui.data_mut(|d| d.remove::<TypedText>(text_id));
        if !escape {
            commit_typed(spec, index, &text, access);
        }
    } else {
        ui.data_mut(|d| d.insert_temp(text_id, TypedText(text)));
    }
    true
}

/// Sets row `index` from typed text, if the row's parser accepts it (out-of-range values are
/// clamped into the range, as hosts' text entry does). Returns whether it was accepted.
pub fn commit_typed(spec: &ParamSpec, index: usize, text: &str, access: &dyn ParamAccess) -> bool {
    match spec.parse_text(text).and_then(|v| spec.clamped(v)) {
        Some(value) => {
            access.set_once(index, value);
            true
        }
        None => false,
    }
}

/// The knob's dial: a track, the value arc (from the centre for ranges around zero), a pointer.
fn draw_dial(ui: &Ui, rect: Rect, spec: &ParamSpec, value: f32, style: CellStyle, response: &Response) {
    let painter = ui.painter();
    let radius = (rect.width().min(rect.height()) * 0.5 - 3.0).max(4.0);
    let centre = rect.center();
    let travel = spec.normalize(value);
    let origin = match spec.kind {
        Kind::Float { range: (min, max), .. } if min < 0.0 && max > 0.0 => spec.normalize(0.0),
        _ => 0.0,
    };
    let colour = if !style.active {
        theme::OFF
    } else if response.dragged() || response.hovered() {
        theme::ACCENT
    } else {
        theme::ACCENT.gamma_multiply(0.85)
    };
    painter.circle_filled(centre, radius - 4.0, Color32::from_rgb(44, 48, 56));
    painter.add(arc(centre, radius, 0.0, 1.0, Stroke::new(3.0, Color32::from_rgb(56, 61, 71))));
    painter.add(arc(centre, radius, origin.min(travel), origin.max(travel), Stroke::new(3.0, colour)));
    let angle = ARC_START + travel * ARC_SWEEP;
    let tip = centre + vec2(angle.sin(), -angle.cos()) * (radius - 5.0);
    let inner = centre + vec2(angle.sin(), -angle.cos()) * (radius * 0.25);
    painter.line_segment([inner, tip], Stroke::new(2.0, theme::TEXT));
}

/// An arc of the knob's sweep between travels `from` and `to` (0–1).
fn arc(centre: Pos2, radius: f32, from: f32, to: f32, stroke: Stroke) -> Shape {
    let steps = ((to - from) * 48.0).ceil().max(1.0) as usize;
    let points = (0..=steps)
        .map(|i| {
            let angle = ARC_START + (from + (to - from) * i as f32 / steps as f32) * ARC_SWEEP;
            centre + vec2(angle.sin(), -angle.cos()) * radius
        })
        .collect();
    Shape::line(points, stroke)
}

/// An on/off switch: label above, a pill that slides, the state as text below.
pub fn switch(ui: &mut Ui, rect: Rect, index: usize, label: &str, access: &dyn ParamAccess) {
    let spec = &PARAMS[index];
    let painter = ui.painter_at(rect);
    draw_label(ui, rect, label);
    let pill = Rect::from_center_size(rect.center(), vec2(30.0, 15.0));
    let response = ui.interact(pill.expand(4.0), Id::unique(("switch", spec.id)), Sense::click());
    let on = runnel_engine::params::spec::is_on(access.get(index));
    if response.clicked() {
        access.set_once(index, if on { 0.0 } else { 1.0 });
    }
    draw_pill(ui, pill, runnel_engine::params::spec::is_on(access.get(index)), response.hovered());
    let state = if on { "On" } else { "Off" };
    painter.text(rect.center_bottom(), Align2::CENTER_BOTTOM, state, theme::small(), theme::TEXT_DIM);
    response.on_hover_text(spec.name);
}

/// A switch's pill: accent with the knob right when on, grey with the knob left when off.
pub fn draw_pill(ui: &Ui, pill: Rect, on: bool, hovered: bool) {
    let painter = ui.painter();
    let fill = if on { theme::ACCENT } else { theme::OFF };
    let fill = if hovered { fill.gamma_multiply(1.15) } else { fill };
    painter.rect_filled(pill, pill.height() * 0.5, fill);
    let knob_x = if on { pill.right() - pill.height() * 0.5 } else { pill.left() + pill.height() * 0.5 };
    painter.circle_filled(pos2(knob_x, pill.center().y), pill.height() * 0.5 - 2.0, theme::TEXT);
}

/// A drop-down of the row's choices: a compact button showing the current choice (fitted to
/// the cell like a label, never cut with an ellipsis) that opens the list of all choices.
pub fn choice(ui: &mut Ui, rect: Rect, index: usize, label: &str, access: &dyn ParamAccess) {
    let spec = &PARAMS[index];
    let Kind::Choice { count, label: choice_label } = spec.kind else { return };
    draw_label(ui, rect, label);
    let current = access.get(index).round().clamp(0.0, (count - 1) as f32) as usize;
    let button = Rect::from_center_size(rect.center() + vec2(0.0, 4.0), vec2(rect.width() - 2.0, 18.0));
    let response = ui.interact(button, Id::unique(("choice", spec.id)), Sense::click());
    let visuals = ui.style().interact(&response);
    let painter = ui.painter_at(button);
    painter.rect(button, 3.0, visuals.bg_fill, visuals.bg_stroke, egui::StrokeKind::Inside);
    // The opening mark as a drawn triangle (the default font has no arrow glyphs).
    let mark = pos2(button.right() - 6.0, button.center().y);
    // The mark gives way where the choice would not fit beside it (the narrow filter cells).
    let text = shortened(choice_label(current));
    let beside_mark =
        Rect::from_min_max(button.min + vec2(3.0, 0.0), pos2(button.right() - 11.0, button.bottom()));
    let fits_beside = fit_label(ui, &text, beside_mark.width()).mesh_bounds.width() <= beside_mark.width();
    let text_area = if fits_beside {
        painter.add(Shape::convex_polygon(
            vec![mark + vec2(-3.0, -1.5), mark + vec2(3.0, -1.5), mark + vec2(0.0, 2.0)],
            theme::TEXT_DIM,
            Stroke::NONE,
        ));
        beside_mark
    } else {
        button.shrink2(vec2(2.0, 0.0))
    };
    let galley =
        fit_text(ui, [choice_label(current).to_string(), text], text_area.width(), visuals.text_color());
    ui.painter_at(text_area).galley(text_area.center() - 0.5 * galley.size(), galley, visuals.text_color());
    egui::Popup::menu(&response).width(rect.width().max(90.0)).show(|ui| {
        for i in 0..count {
            if ui.selectable_label(i == current, choice_label(i)).clicked() && i != current {
                access.set_once(index, i as f32);
            }
        }
    });
    response.on_hover_text(format!("{}: {}", spec.name, choice_label(current)));
}
