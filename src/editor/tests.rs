//! The editor driven in-process with synthesized egui input: the whole window is laid out and
//! "drawn" (egui's shapes, before rasterization) by [`EditorView::show`] against
//! [`LocalParams`], exactly as in the plugin, with pointer and keyboard events a user makes.

use egui::{pos2, vec2, Event, Modifiers, PointerButton, Pos2, RawInput, Rect};
use runnel_engine::params::{Kind, PARAMS};
use runnel_engine::presets::factory;

use super::access::{index_of, LocalParams, ParamAccess};
use super::graph::{PlotMap, GRID_FREQUENCIES};
use super::layout::{Layout, DESIGN_SIZE, RESIZE_GRIP};
use super::{knobs, theme, EditorView};
use crate::editor_feed::StreamFacts;

/// A running editor: the egui context, the view, the parameters, a clock.
struct Harness {
    ctx: egui::Context,
    view: EditorView,
    params: LocalParams,
    time: f64,
    /// The content area in points, as the last frame saw it.
    content: Rect,
}

const STREAM: StreamFacts =
    StreamFacts { sample_rate: 48_000.0, max_block: 512, last_block: 256, latency_samples: 0 };

impl Harness {
    fn new() -> Self {
        Self::at_scale(1.0)
    }

    /// An editor at `scale` (egui's zoom, as the plugin window applies it): the window is the
    /// design size times the scale in pixels, the content the design size in points; the
    /// first frame takes the zoom in.
    fn at_scale(scale: f32) -> Self {
        let ctx = egui::Context::default();
        theme::apply(&ctx);
        ctx.set_zoom_factor(scale);
        let view = EditorView { scale, ..Default::default() };
        let mut harness =
            Self { ctx, view, params: LocalParams::default(), time: 0.0, content: Rect::NOTHING };
        harness.frame(Vec::new());
        harness
    }

    /// One frame with these input events; returns egui's output.
    fn frame(&mut self, events: Vec<Event>) -> egui::FullOutput {
        self.time += 1.0 / 60.0;
        let input = RawInput {
            // In points: the window's pixels over egui's pixels per point (the zoom).
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, DESIGN_SIZE)),
            time: Some(self.time),
            events,
            ..Default::default()
        };
        let (view, params, content) = (&mut self.view, &self.params, &mut self.content);
        let mut output = self.ctx.run_ui(input, |ui| {
            *content = ui.ctx().content_rect();
            view.show(ui, params, STREAM, 0)
        });
        // No renderer here to take the font atlas.
        output.textures_delta.clear();
        output
    }

    /// Presses and releases `button` at `at`, each in its own frame.
    fn click(&mut self, at: Pos2, button: PointerButton, modifiers: Modifiers) {
        self.frame(vec![Event::PointerMoved(at)]);
        self.frame(vec![Event::PointerButton { pos: at, button, pressed: true, modifiers }]);
        self.frame(vec![Event::PointerButton { pos: at, button, pressed: false, modifiers }]);
    }

    /// Drags with the primary button from `from` to `to` in `steps` moves.
    fn drag(&mut self, from: Pos2, to: Pos2, steps: usize) {
        let none = Modifiers::NONE;
        self.frame(vec![Event::PointerMoved(from)]);
        self.frame(vec![Event::PointerButton {
            pos: from,
            button: PointerButton::Primary,
            pressed: true,
            modifiers: none,
        }]);
        for i in 1..=steps {
            let at = from + (to - from) * (i as f32 / steps as f32);
            self.frame(vec![Event::PointerMoved(at)]);
        }
        self.frame(vec![Event::PointerButton {
            pos: to,
            button: PointerButton::Primary,
            pressed: false,
            modifiers: none,
        }]);
        self.frame(Vec::new());
    }

    /// Where the control of parameter `id` was drawn.
    fn cell(&self, id: &str) -> Rect {
        self.ctx.data(|d| d.get_temp(knobs::cell_key(id))).unwrap_or_else(|| panic!("{id} not drawn"))
    }

    fn set(&self, id: &str, value: f32) {
        self.params.set_once(index_of(id).unwrap(), value);
    }
}

/// The plot's coordinate map, as the graph lays it out at the design size.
fn plot_map() -> PlotMap {
    PlotMap { rect: Layout::new(Pos2::ZERO).graph.shrink2(vec2(30.0, 14.0)) }
}

#[test]
fn dragging_a_band_node_sets_the_values_under_the_pointer() {
    let mut h = Harness::new();
    h.set("b1_on", 1.0);
    h.frame(Vec::new());
    let map = plot_map();
    let start = pos2(map.x(h.params.by_id("b1_freq")), map.eq_y(h.params.by_id("b1_gain")));
    let target = pos2(map.x(2000.0), map.eq_y(7.5));
    h.drag(start, target, 12);
    let (freq, gain) = (h.params.by_id("b1_freq"), h.params.by_id("b1_gain"));
    assert!((freq / 2000.0 - 1.0).abs() < 0.01, "frequency {freq}");
    assert!((gain / 7.5 - 1.0).abs() < 0.01, "gain {gain}");
    // And the values are those under the pointer where it was released, by the plot's scale.
    assert!((freq / map.hz(target.x) - 1.0).abs() < 0.001);
}

#[test]
fn double_clicking_a_node_toggles_its_band_and_the_wheel_changes_q() {
    let mut h = Harness::new();
    h.frame(Vec::new());
    let map = plot_map();
    let node = pos2(map.x(h.params.by_id("b2_freq")), map.eq_y(0.0));
    assert_eq!(h.params.by_id("b2_on"), 0.0);
    h.click(node, PointerButton::Primary, Modifiers::NONE);
    h.frame(vec![Event::PointerButton {
        pos: node,
        button: PointerButton::Primary,
        pressed: true,
        modifiers: Modifiers::NONE,
    }]);
    h.frame(vec![Event::PointerButton {
        pos: node,
        button: PointerButton::Primary,
        pressed: false,
        modifiers: Modifiers::NONE,
    }]);
    assert_eq!(h.params.by_id("b2_on"), 1.0, "double-click turns the band on");
    let q = h.params.by_id("b2_q");
    h.frame(vec![Event::MouseWheel {
        unit: egui::MouseWheelUnit::Point,
        delta: vec2(0.0, 50.0),
        modifiers: Modifiers::NONE,
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
    }]);
    for _ in 0..30 {
        h.frame(Vec::new());
    }
    assert!(h.params.by_id("b2_q") > q * 1.05, "wheel up raises Q: {q} → {}", h.params.by_id("b2_q"));
}

#[test]
fn typing_into_a_knob_sets_the_value_exactly() {
    let mut h = Harness::new();
    let cell = h.cell("dly_feedback");
    h.click(cell.center(), PointerButton::Secondary, Modifiers::NONE);
    let select_all = Event::Key {
        key: egui::Key::A,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers: Modifiers::COMMAND,
    };
    h.frame(vec![select_all, Event::Text("62.5 %".into())]);
    let enter = Event::Key {
        key: egui::Key::Enter,
        physical_key: None,
        pressed: true,
        repeat: false,
        modifiers: Modifiers::NONE,
    };
    h.frame(vec![enter]);
    h.frame(Vec::new());
    let spec = &PARAMS[index_of("dly_feedback").unwrap()];
    assert_eq!(h.params.by_id("dly_feedback"), spec.parse_text("62.5 %").unwrap());
    assert_eq!(h.params.by_id("dly_feedback"), 0.625);
}

#[test]
fn double_click_resets_a_knob_and_dragging_it_moves_it() {
    let mut h = Harness::new();
    let id = "rv_decay";
    let default = h.params.by_id(id);
    let cell = h.cell(id);
    h.drag(cell.center(), cell.center() - vec2(0.0, 60.0), 6);
    let raised = h.params.by_id(id);
    assert!(raised > default, "dragging up raises: {default} → {raised}");
    h.click(cell.center(), PointerButton::Primary, Modifiers::NONE);
    h.frame(vec![Event::PointerButton {
        pos: cell.center(),
        button: PointerButton::Primary,
        pressed: true,
        modifiers: Modifiers::NONE,
    }]);
    h.frame(vec![Event::PointerButton {
        pos: cell.center(),
        button: PointerButton::Primary,
        pressed: false,
        modifiers: Modifiers::NONE,
    }]);
    assert_eq!(h.params.by_id(id), default);
}

/// A stereo sine, interleaved.
fn sine(freq: f32, amplitude: f32, frames: usize) -> Vec<f32> {
    (0..frames)
        .flat_map(|n| {
            let x = amplitude * (2.0 * std::f32::consts::PI * freq * n as f32 / STREAM.sample_rate).sin();
            [x, x]
        })
        .collect()
}

#[test]
fn a_1_khz_tone_peaks_on_the_1_khz_grid_line() {
    let mut h = Harness::new();
    // One continuous tone, fed 800 frames (1/60 s) per GUI frame.
    let tone = sine(1000.0, 0.5, 800 * 30);
    let mut output = egui::FullOutput::default();
    for chunk in tone.chunks(1600) {
        h.view.feed_audio(chunk, chunk, STREAM.sample_rate, 1.0 / 60.0);
        output = h.frame(Vec::new());
    }
    let map = plot_map();
    // The 1 kHz grid line as drawn: a vertical segment in the strong grid colour.
    let grid_x: Vec<f32> = output
        .shapes
        .iter()
        .filter_map(|clipped| match &clipped.shape {
            egui::Shape::LineSegment { points, stroke }
                if stroke.color == theme::GRID_STRONG && points[0].x == points[1].x =>
            {
                Some(points[0].x)
            }
            _ => None,
        })
        .collect();
    let line_x = *grid_x.iter().find(|&&x| (x - map.x(1000.0)).abs() < 0.5).expect("a 1 kHz grid line");
    assert!(GRID_FREQUENCIES.contains(&1000.0));
    // The output spectrum as drawn: the path in the output colour; its highest point.
    let path = output
        .shapes
        .iter()
        .find_map(|clipped| match &clipped.shape {
            egui::Shape::Path(path)
                if path.stroke.color == egui::epaint::ColorMode::Solid(theme::SPECTRUM_OUTPUT) =>
            {
                Some(path.points.clone())
            }
            _ => None,
        })
        .expect("the output spectrum is drawn");
    let peak = path.iter().min_by(|a, b| a.y.total_cmp(&b.y)).unwrap();
    assert!((peak.x - line_x).abs() <= 1.0, "peak at x = {}, 1 kHz line at x = {line_x}", peak.x);
}

#[test]
fn meters_read_the_test_level() {
    let mut h = Harness::new();
    let amplitude = 10f32.powf(-12.0 / 20.0);
    let tone = sine(1000.0, amplitude, 800 * 240);
    for chunk in tone.chunks(1600) {
        h.view.feed_audio(chunk, chunk, STREAM.sample_rate, 1.0 / 60.0);
        h.frame(Vec::new());
    }
    for meter in h.view.meters.input.iter().chain(&h.view.meters.output) {
        assert!((meter.peak_db + 12.0).abs() < 0.5, "peak {}", meter.peak_db);
        assert!((meter.hold_db + 12.0).abs() < 0.5, "hold {}", meter.hold_db);
        assert!((meter.rms_db() + 15.05).abs() < 0.5, "rms {}", meter.rms_db());
    }
    let loudness = h.view.meters.loudness.figures();
    for (name, value) in [
        ("momentary", loudness.momentary),
        ("short-term", loudness.short_term),
        ("integrated", loudness.integrated),
        ("true peak", loudness.true_peak_db),
    ] {
        assert!((value + 12.0).abs() < 0.5, "{name} {value}");
    }
}

#[test]
fn the_preset_browser_loads_a_factory_preset_and_every_parameter_follows() {
    let mut h = Harness::new();
    let next: Rect = h.ctx.data(|d| d.get_temp(egui::Id::unique("next-preset"))).expect("next button drawn");
    h.click(next.center(), PointerButton::Primary, Modifiers::NONE);
    let first = factory::presets().into_iter().next().expect("factory presets");
    assert_eq!(h.view.top_bar.current, Some(0));
    for (spec, value) in first.values.iter().filter(|(spec, _)| spec.in_presets()) {
        assert_eq!(h.params.by_id(spec.id), value, "{}", spec.id);
    }
    assert!(!h.view.top_bar.is_dirty(&h.params));
    h.set("dly_mix", 0.123);
    assert!(h.view.top_bar.is_dirty(&h.params), "an edit marks the preset dirty");
    // Next again: the second preset, every parameter following.
    h.click(next.center(), PointerButton::Primary, Modifiers::NONE);
    let second = factory::presets().into_iter().nth(1).unwrap();
    for (spec, value) in second.values.iter().filter(|(spec, _)| spec.in_presets()) {
        assert_eq!(h.params.by_id(spec.id), value, "{}", spec.id);
    }
}

#[test]
fn a_b_compare_swaps_the_two_settings() {
    let mut h = Harness::new();
    h.set("rv_mix", 0.2);
    h.view.top_bar.select_slot(1, &h.params);
    assert_eq!(h.params.by_id("rv_mix"), 0.2, "B starts as a copy");
    h.set("rv_mix", 0.8);
    h.view.top_bar.select_slot(0, &h.params);
    assert_eq!(h.params.by_id("rv_mix"), 0.2);
    h.view.top_bar.select_slot(1, &h.params);
    assert_eq!(h.params.by_id("rv_mix"), 0.8);
}

#[test]
fn every_parameter_but_the_host_bypass_has_a_control_inside_the_window() {
    let h = Harness::new();
    let window = Rect::from_min_size(Pos2::ZERO, DESIGN_SIZE);
    let mut drawn: Vec<Rect> = Vec::new();
    for spec in PARAMS.iter().filter(|s| s.in_presets()) {
        let cell: Option<Rect> = h.ctx.data(|d| d.get_temp(knobs::cell_key(spec.id)));
        // Stage and band switches sit in panel headings, the filter's on the graph.
        if spec.id.ends_with("_on") && cell.is_none() {
            continue;
        }
        let cell = cell.unwrap_or_else(|| panic!("{} has no control", spec.id));
        assert!(window.contains_rect(cell), "{} outside the window: {cell:?}", spec.id);
        assert!(cell.width() >= 36.0 && cell.height() >= 40.0, "{} too small: {cell:?}", spec.id);
        for other in &drawn {
            assert!(other.intersect(cell).area() < 1.0, "{} overlaps another control", spec.id);
        }
        drawn.push(cell);
    }
}

/// Every text shape of a frame with its clip rectangle (nested shape lists included).
fn texts(output: &egui::FullOutput) -> Vec<(Rect, egui::epaint::TextShape)> {
    fn walk(clip: Rect, shape: &egui::Shape, out: &mut Vec<(Rect, egui::epaint::TextShape)>) {
        match shape {
            egui::Shape::Text(text) => out.push((clip, text.clone())),
            egui::Shape::Vec(shapes) => shapes.iter().for_each(|s| walk(clip, s, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    for clipped in &output.shapes {
        walk(clipped.clip_rect, &clipped.shape, &mut out);
    }
    out
}

/// No text anywhere in the window is cut: at 75 %, 100 % and 200 %, with the dynamics stages
/// off (the gain-reduction caption) and on (their meter rows), every text's glyphs lie inside
/// the rectangle it is clipped to (a control's label and value are clipped to the control's
/// cell, so a label wider than its cell fails here) and inside the window, and no text was
/// shortened with an ellipsis (drop-downs truncate what does not fit), and none lies under the
/// window's resize grip.
#[test]
fn every_label_and_value_fits_its_cell_at_every_scale() {
    let mut problems = Vec::new();
    for scale in [0.75f32, 1.0, 2.0] {
        for dynamics_on in [false, true] {
            let mut h = Harness::at_scale(scale);
            let on = if dynamics_on { 1.0 } else { 0.0 };
            for id in ["agc_on", "compressor_on", "limiter_on", "comp_ratio_inf"] {
                h.set(id, on);
            }
            h.view.gain_reductions = if dynamics_on {
                ["AGC", "Comp", "Limit"]
                    .into_iter()
                    .map(|label| super::meters::GainReduction { label, reduction_db: 12.0 })
                    .collect()
            } else {
                Vec::new()
            };
            // Defaults, then every continuous row at its range ends (the widest value texts),
            // then every choice row at each of its choices.
            let mut outputs = vec![h.frame(Vec::new())];
            assert!(
                (h.content.size() - DESIGN_SIZE).length() < 0.5,
                "content {:?} at scale {scale}",
                h.content
            );
            assert_eq!(outputs[0].pixels_per_point, scale);
            for end in [0.0, 1.0] {
                for (index, spec) in PARAMS.iter().enumerate().filter(|(_, s)| s.is_continuous()) {
                    h.params.set_once(index, spec.unnormalize(end));
                }
                outputs.push(h.frame(Vec::new()));
            }
            let most_choices = PARAMS
                .iter()
                .filter_map(|s| match s.kind {
                    Kind::Choice { count, .. } => Some(count),
                    _ => None,
                })
                .max()
                .unwrap_or(0);
            for choice in 0..most_choices {
                for (index, spec) in PARAMS.iter().enumerate() {
                    if let Kind::Choice { count, .. } = spec.kind {
                        h.params.set_once(index, choice.min(count - 1) as f32);
                    }
                }
                outputs.push(h.frame(Vec::new()));
            }
            let window = Rect::from_min_size(Pos2::ZERO, DESIGN_SIZE);
            for (clip, text) in outputs.iter().flat_map(texts) {
                let ink = text.visual_bounding_rect();
                let shown = text.galley.text();
                if ink.width() <= 0.0 {
                    continue;
                }
                let room = clip.intersect(window).expand(0.5);
                if !room.contains_rect(ink) {
                    problems.push(format!(
                        "{scale}x dynamics {dynamics_on}: {shown:?} at {ink:?} cut by {clip:?}"
                    ));
                }
                let grip = Rect::from_min_max(
                    Pos2::ZERO + DESIGN_SIZE - vec2(RESIZE_GRIP, RESIZE_GRIP),
                    Pos2::ZERO + DESIGN_SIZE,
                );
                if ink.intersects(grip) {
                    problems
                        .push(format!("{scale}x dynamics {dynamics_on}: {shown:?} under the resize grip"));
                }
                if text.galley.elided {
                    problems.push(format!(
                        "{scale}x dynamics {dynamics_on}: {shown:?} shortened with an ellipsis"
                    ));
                }
            }
        }
    }
    problems.sort();
    problems.dedup();
    assert!(problems.is_empty(), "{} texts do not fit:\n{}", problems.len(), problems.join("\n"));
}

/// The texts drawn inside the cell of parameter `id`.
fn texts_in_cell(h: &Harness, output: &egui::FullOutput, id: &str) -> Vec<String> {
    let cell = h.cell(id);
    texts(output)
        .into_iter()
        .filter(|(_, t)| cell.expand(0.5).contains_rect(t.visual_bounding_rect()))
        .map(|(_, t)| t.galley.text().to_string())
        .collect()
}

/// While "Compressor Infinite Ratio" is on, the ratio knob reads "∞:1" (a glyph the editor's
/// font has) instead of its own value, and it still turns: the value it sets applies once the
/// switch is off again.
#[test]
fn the_ratio_knob_reads_infinity_while_the_infinite_ratio_switch_is_on() {
    let mut h = Harness::new();
    h.set("compressor_on", 1.0);
    h.set("comp_ratio", 4.0);
    let output = h.frame(Vec::new());
    let shown = texts_in_cell(&h, &output, "comp_ratio");
    assert!(shown.iter().any(|t| t == "4.00") && !shown.iter().any(|t| t.contains('\u{221e}')), "{shown:?}");

    // Switched on with a click on its own control, as a user does.
    let switch = h.cell("comp_ratio_inf");
    h.click(switch.center(), PointerButton::Primary, Modifiers::NONE);
    assert_eq!(h.params.by_id("comp_ratio_inf"), 1.0);
    let output = h.frame(Vec::new());
    let shown = texts_in_cell(&h, &output, "comp_ratio");
    assert!(shown.iter().any(|t| t == "\u{221e}:1"), "{shown:?}");
    assert!(h.ctx.fonts_mut(|f| f.has_glyphs(&theme::small(), "\u{221e}:1")), "the font lacks ∞");

    // The knob still turns (dragged up), and the switch stays on.
    let knob = h.cell("comp_ratio");
    h.drag(knob.center(), knob.center() - vec2(0.0, 30.0), 6);
    assert!(h.params.by_id("comp_ratio") > 4.0, "ratio {}", h.params.by_id("comp_ratio"));
    assert_eq!(h.params.by_id("comp_ratio_inf"), 1.0);
    h.set("comp_ratio_inf", 0.0);
    let output = h.frame(Vec::new());
    let shown = texts_in_cell(&h, &output, "comp_ratio");
    assert!(!shown.iter().any(|t| t.contains('\u{221e}')), "{shown:?}");
}
