//! Controls for one parameter in a fixed cell: a knob for continuous values, a switch for
//! on/off, a drop-down for choices. Every one shows its label and its value with the unit.
//!
//! Knob gestures: drag up/down (Shift: ten times finer), mouse wheel, double-click resets to
//! the default, right-click or Ctrl-click opens a text field that takes what the host's text
//! entry takes (the row's own parser, `ParamSpec::parse_text`).

use egui::{pos2, vec2, Align2, Color32, Id, Key, Pos2, Rect, Response, Sense, Shape, Stroke, Ui};
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
    let painter = ui.painter_at(rect.expand(2.0));
    painter.text(rect.center_top(), Align2::CENTER_TOP, label, theme::small(), theme::TEXT_DIM);
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
    draw_dial(ui, dial_rect, spec, value, style, &response);
    let text = spec.value_text(value);
    let colour = if response.hovered() || response.dragged() { theme::TEXT } else { theme::TEXT_DIM };
    painter.text(value_rect.center(), Align2::CENTER_CENTER, text, theme::small(), colour);
    response.on_hover_text(format!(
        "{}\nDrag (Shift: fine), wheel, double-click: default, right-click: type",
        spec.name
    ));
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
    let painter = ui.painter_at(rect.expand(2.0));
    painter.text(rect.center_top(), Align2::CENTER_TOP, label, theme::small(), theme::TEXT_DIM);
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

/// A drop-down of the row's choices.
pub fn choice(ui: &mut Ui, rect: Rect, index: usize, label: &str, access: &dyn ParamAccess) {
    let spec = &PARAMS[index];
    let Kind::Choice { count, label: choice_label } = spec.kind else { return };
    ui.painter().text(rect.center_top(), Align2::CENTER_TOP, label, theme::small(), theme::TEXT_DIM);
    let current = access.get(index).round().clamp(0.0, (count - 1) as f32) as usize;
    let combo_rect = Rect::from_center_size(rect.center() + vec2(0.0, 4.0), vec2(rect.width() - 2.0, 18.0));
    let mut child = ui.new_child(egui::UiBuilder::new().max_rect(combo_rect));
    child.style_mut().override_font_id = Some(theme::small());
    // Long choice labels ("12 dB/oct resonant") are cut, never wrapped into a tall column.
    child.style_mut().wrap_mode = Some(egui::TextWrapMode::Truncate);
    egui::ComboBox::from_id_salt(("choice", spec.id))
        .width(combo_rect.width() - 8.0)
        .selected_text(choice_label(current))
        .show_ui(&mut child, |ui| {
            for i in 0..count {
                if ui.selectable_label(i == current, choice_label(i)).clicked() && i != current {
                    access.set_once(index, i as f32);
                }
            }
        });
}
