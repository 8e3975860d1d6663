//! The graph: spectrum analyzer (input dim, output bright, peak hold) under the filter's
//! response (combined and per band, from the engine's own `magnitude_response_db`), with a
//! draggable node per band.
//!
//! Node gestures: drag moves frequency (and gain, for bands that have one) to the value under
//! the pointer; the wheel changes Q (slope for the high- and low-pass); double-click toggles
//! the band; right-click or Ctrl-click opens text fields for the band's values. The values
//! are shown beside a node while it is dragged or hovered.

use egui::{pos2, vec2, Align2, Color32, Id, Pos2, Rect, Sense, Shape, Stroke, Ui};
use runnel_engine::filter::Filter;
use runnel_engine::params::{Kind, ParamValues, PARAMS};

use super::access::ParamAccess;
use super::knobs;
use super::panels;
use super::spectrum::{self, Analyzer, FREQ_RANGE};
use super::theme;

/// The response curve's dB range (± this, the right-hand axis).
pub const EQ_RANGE_DB: f32 = 24.0;
/// The analyzer's dB range, top and bottom (the left-hand axis).
pub const SPECTRUM_RANGE_DB: (f32, f32) = (0.0, -96.0);
/// Radius of a band node.
const NODE_RADIUS: f32 = 7.0;
/// Q (and resonance) change per wheel notch, as a factor.
const Q_STEP: f32 = 1.12;
/// Points of scroll per wheel notch.
const POINTS_PER_NOTCH: f32 = 50.0;
/// Frequencies of the labelled vertical grid lines.
pub const GRID_FREQUENCIES: [f32; 10] =
    [20.0, 50.0, 100.0, 200.0, 500.0, 1000.0, 2000.0, 5000.0, 10_000.0, 20_000.0];

/// Where things are on the plot.
#[derive(Debug, Clone, Copy)]
pub struct PlotMap {
    /// The plot area.
    pub rect: Rect,
}

impl PlotMap {
    /// x of a frequency (log axis, 20 Hz at the left edge, 20 kHz at the right).
    pub fn x(&self, hz: f32) -> f32 {
        let t = (hz / FREQ_RANGE.0).ln() / (FREQ_RANGE.1 / FREQ_RANGE.0).ln();
        self.rect.left() + t * self.rect.width()
    }
    /// The frequency at x.
    pub fn hz(&self, x: f32) -> f32 {
        let t = ((x - self.rect.left()) / self.rect.width()).clamp(0.0, 1.0);
        FREQ_RANGE.0 * (FREQ_RANGE.1 / FREQ_RANGE.0).powf(t)
    }
    /// y of a response gain (dB).
    pub fn eq_y(&self, db: f32) -> f32 {
        self.rect.center().y
            - db.clamp(-EQ_RANGE_DB * 1.2, EQ_RANGE_DB * 1.2) / EQ_RANGE_DB * self.rect.height() * 0.5
    }
    /// The response gain at y.
    pub fn eq_db(&self, y: f32) -> f32 {
        (self.rect.center().y - y) / (self.rect.height() * 0.5) * EQ_RANGE_DB
    }
    /// y of a spectrum level (dBFS).
    pub fn spectrum_y(&self, db: f32) -> f32 {
        let (top, bottom) = SPECTRUM_RANGE_DB;
        let t = ((db - bottom) / (top - bottom)).clamp(0.0, 1.0);
        self.rect.bottom() - t * self.rect.height()
    }
}

/// One filter band as the graph sees it: its rows by role, found by walking the table.
#[derive(Debug, Clone)]
pub struct Band {
    /// Band name (second group component), e.g. "Bell 1".
    pub name: &'static str,
    /// Position in the filter's band list (colour).
    pub number: usize,
    /// The band's on switch.
    pub on: Option<usize>,
    /// Frequency row.
    pub freq: usize,
    /// Gain row (shelves and bells).
    pub gain: Option<usize>,
    /// Q or resonance row.
    pub q: Option<usize>,
    /// Slope row (high- and low-pass).
    pub slope: Option<usize>,
}

/// The filter's bands with their rows, in table order. A row's role comes from its ID's
/// suffix (`_on`, `_freq`, `_gain`, `_q`, `_slope`), the table's naming rule.
pub fn bands() -> Vec<Band> {
    let mut bands: Vec<Band> = Vec::new();
    let mut names: Vec<&'static str> = Vec::new();
    for (i, spec) in PARAMS.iter().enumerate() {
        let Some(("Filter", band)) = spec.group.split_once('/') else { continue };
        if !names.contains(&band) {
            names.push(band);
        }
        let rows: Vec<usize> =
            PARAMS.iter().enumerate().filter(|(_, s)| s.group == spec.group).map(|(i, _)| i).collect();
        if bands.iter().any(|b| b.name == band) {
            continue;
        }
        let find = |suffix: &str| rows.iter().copied().find(|&r| PARAMS[r].id.ends_with(suffix));
        if let Some(freq) = find("_freq") {
            bands.push(Band {
                name: band,
                number: names.len() - 1,
                on: find("_on"),
                freq,
                gain: find("_gain"),
                q: find("_q"),
                slope: find("_slope"),
            });
        }
        let _ = i;
    }
    bands
}

/// Everything the graph keeps between frames.
pub struct Graph {
    /// The analyzed input.
    pub input: Analyzer,
    /// The analyzed output.
    pub output: Analyzer,
    /// The bands.
    bands: Vec<Band>,
    /// Filters evaluating the response: the whole filter first, then one per band with only
    /// that band on.
    filters: Vec<Filter>,
    /// The sample rate the filters were prepared for.
    filter_rate: f32,
    /// Frequencies the response is evaluated at (one per display point).
    freqs: Vec<f32>,
    /// Response per filter, dB.
    responses: Vec<Vec<f32>>,
    /// The band whose text fields are open.
    editing: Option<usize>,
}

impl Default for Graph {
    fn default() -> Self {
        let bands = bands();
        let count = bands.len() + 1;
        Self {
            input: Analyzer::new(),
            output: Analyzer::new(),
            filters: (0..count).map(|_| Filter::new()).collect(),
            bands,
            filter_rate: 0.0,
            freqs: (0..spectrum::POINTS).map(spectrum::point_frequency).collect(),
            responses: vec![vec![0.0; spectrum::POINTS]; count],
            editing: None,
        }
    }
}

impl Graph {
    /// The bands the graph shows.
    pub fn bands(&self) -> &[Band] {
        &self.bands
    }

    /// Recomputes the response curves for `values` at `sample_rate`.
    fn update_responses(&mut self, values: &ParamValues, sample_rate: f32) {
        if sample_rate != self.filter_rate {
            for filter in &mut self.filters {
                filter.prepare(sample_rate, 1);
            }
            self.filter_rate = sample_rate;
        }
        let whole = values.to_settings().filter;
        self.filters[0].set_settings(&whole);
        self.filters[0].reset();
        for (band_index, band) in self.bands.iter().enumerate() {
            let mut only = values.clone();
            for other in &self.bands {
                if let Some(on) = other.on {
                    if other.name != band.name {
                        let _ = only.set(PARAMS[on].id, 0.0);
                    }
                }
            }
            let filter = &mut self.filters[band_index + 1];
            filter.set_settings(&only.to_settings().filter);
            filter.reset();
        }
        for (filter, out) in self.filters.iter().zip(&mut self.responses) {
            filter.magnitude_response_db(&self.freqs, out);
        }
    }

    /// Draws the graph in `rect` and handles the nodes' gestures.
    pub fn show(&mut self, ui: &mut Ui, rect: Rect, access: &dyn ParamAccess, sample_rate: f32) {
        let values = access.values();
        self.update_responses(&values, if sample_rate > 0.0 { sample_rate } else { 48_000.0 });
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 6.0, theme::PLOT);
        let map = PlotMap { rect: rect.shrink2(vec2(30.0, 14.0)) };
        draw_grid(ui, &map);
        self.draw_spectrum(ui, &map);

        let filter_rows = panels::stage_rows("Filter");
        let master = panels::on_switch(&filter_rows, "Filter");
        let filter_on = master
            .is_none_or(|m| runnel_engine::params::spec::is_on(values.get(PARAMS[m].id).unwrap_or(1.0)));
        let band_on = |band: &Band| band.on.is_none_or(|i| runnel_engine::params::spec::is_on(access.get(i)));

        // Per-band curves (enabled bands only), then the combined curve on top.
        let painter = ui.painter_at(map.rect.expand(2.0));
        for (band_index, band) in self.bands.iter().enumerate() {
            if band_on(band) && filter_on {
                let colour = theme::band_colour(band.number).gamma_multiply(0.45);
                painter.add(curve(
                    &map,
                    &self.freqs,
                    &self.responses[band_index + 1],
                    Stroke::new(1.0, colour),
                ));
            }
        }
        let combined_colour = if filter_on { theme::ACCENT } else { theme::OFF };
        let flat = vec![0.0; self.freqs.len()];
        let combined = if filter_on { &self.responses[0] } else { &flat };
        painter.add(curve(&map, &self.freqs, combined, Stroke::new(2.0, combined_colour)));

        for band_index in 0..self.bands.len() {
            self.node(ui, &map, band_index, access, band_on(&self.bands[band_index]) && filter_on);
        }
        if let Some(master) = master {
            self.master_switch(ui, rect, master, access);
        }
        self.text_fields(ui, &map, access);
    }

    /// The filter's master switch in the graph's top-left corner.
    fn master_switch(&self, ui: &mut Ui, rect: Rect, master: usize, access: &dyn ParamAccess) {
        let pill = Rect::from_min_size(rect.min + vec2(36.0, 6.0), vec2(24.0, 13.0));
        let response = ui.interact(pill.expand(3.0), Id::unique("filter-master"), Sense::click());
        let on = runnel_engine::params::spec::is_on(access.get(master));
        if response.clicked() {
            access.set_once(master, if on { 0.0 } else { 1.0 });
        }
        knobs::draw_pill(
            ui,
            pill,
            runnel_engine::params::spec::is_on(access.get(master)),
            response.hovered(),
        );
        ui.painter().text(
            pill.right_center() + vec2(6.0, 0.0),
            Align2::LEFT_CENTER,
            "Filter",
            theme::heading(),
            theme::TEXT,
        );
    }

    /// The spectra: input as a dim line, output filled and bright, output peak hold.
    fn draw_spectrum(&self, ui: &Ui, map: &PlotMap) {
        let painter = ui.painter_at(map.rect);
        let points = |db: &[f32]| -> Vec<Pos2> {
            self.freqs.iter().zip(db).map(|(&f, &d)| pos2(map.x(f), map.spectrum_y(d))).collect()
        };
        let output = points(&self.output.smoothed_db);
        // Fill under the output curve with thin vertical quads (a convex-safe fill).
        let mut mesh = egui::Mesh::default();
        for pair in output.windows(2) {
            let base = mesh.vertices.len() as u32;
            for p in [pair[0], pair[1]] {
                mesh.colored_vertex(p, theme::SPECTRUM_OUTPUT_FILL);
                mesh.colored_vertex(pos2(p.x, map.rect.bottom()), Color32::TRANSPARENT);
            }
            mesh.add_triangle(base, base + 1, base + 2);
            mesh.add_triangle(base + 1, base + 2, base + 3);
        }
        painter.add(Shape::mesh(mesh));
        painter.add(Shape::line(points(&self.input.smoothed_db), Stroke::new(1.0, theme::SPECTRUM_INPUT)));
        painter.add(Shape::line(points(&self.output.peak_db), Stroke::new(1.0, theme::PEAK_HOLD)));
        painter.add(Shape::line(output, Stroke::new(1.5, theme::SPECTRUM_OUTPUT)));
    }

    /// One band's node: drawing and gestures.
    fn node(&mut self, ui: &mut Ui, map: &PlotMap, band_index: usize, access: &dyn ParamAccess, on: bool) {
        let band = self.bands[band_index].clone();
        let freq = access.get(band.freq);
        let gain = band.gain.map_or(0.0, |g| access.get(g));
        let centre = pos2(map.x(freq), map.eq_y(gain));
        let id = Id::unique(("node", band.name));
        let hit = Rect::from_center_size(centre, vec2(NODE_RADIUS * 2.6, NODE_RADIUS * 2.6));
        let response = ui.interact(hit, id, Sense::click_and_drag());

        if response.double_clicked() {
            if let Some(on_row) = band.on {
                access.set_once(
                    on_row,
                    if runnel_engine::params::spec::is_on(access.get(on_row)) { 0.0 } else { 1.0 },
                );
            }
        } else if response.secondary_clicked()
            || (response.clicked() && ui.input(|i| i.modifiers.command || i.modifiers.ctrl))
        {
            self.editing = Some(band_index);
            let texts: Vec<String> =
                band_rows(&band).iter().map(|&r| PARAMS[r].value_text(access.get(r))).collect();
            ui.data_mut(|d| d.insert_temp(Id::unique("band-texts"), texts));
        }
        if response.drag_started() {
            access.begin(band.freq);
            if let Some(g) = band.gain {
                access.begin(g);
            }
        }
        if response.dragged() {
            if let Some(pointer) = response.interact_pointer_pos() {
                access.set(band.freq, map.hz(pointer.x));
                if let Some(g) = band.gain {
                    access.set(g, map.eq_db(pointer.y));
                }
            }
        }
        if response.drag_stopped() {
            access.end(band.freq);
            if let Some(g) = band.gain {
                access.end(g);
            }
        }
        if response.hovered() {
            let notches = ui.input(|i| i.smooth_scroll_delta.y) / POINTS_PER_NOTCH;
            if notches != 0.0 {
                wheel(&band, notches, access);
            }
        }

        // Drawn after the gestures so the node follows the pointer in the same frame.
        let freq = access.get(band.freq);
        let gain = band.gain.map_or(0.0, |g| access.get(g));
        let centre = pos2(map.x(freq), map.eq_y(gain));
        let colour = theme::band_colour(band.number);
        let painter = ui.painter();
        let active = response.dragged() || response.hovered();
        if on {
            painter.circle_filled(
                centre,
                NODE_RADIUS,
                colour.gamma_multiply(if active { 1.0 } else { 0.85 }),
            );
        } else {
            painter.circle_filled(centre, NODE_RADIUS, theme::PLOT);
        }
        painter.circle_stroke(centre, NODE_RADIUS, Stroke::new(if active { 2.0 } else { 1.2 }, colour));
        let short: String =
            band.name.chars().filter(|c| c.is_ascii_uppercase() || c.is_ascii_digit()).collect();
        painter.text(
            centre,
            Align2::CENTER_CENTER,
            &short,
            egui::FontId::proportional(8.5),
            if on { theme::PLOT } else { colour },
        );
        if active {
            let text = band_rows(&band)
                .iter()
                .map(|&r| PARAMS[r].value_text(access.get(r)))
                .collect::<Vec<_>>()
                .join("   ");
            let label = format!("{}   {}", band.name, text);
            let galley = painter.layout_no_wrap(label, theme::body(), theme::TEXT);
            let mut at = centre + vec2(12.0, -26.0);
            at.x = at.x.min(map.rect.right() - galley.size().x - 4.0);
            at.y = at.y.max(map.rect.top() + 2.0);
            let bg = Rect::from_min_size(at, galley.size()).expand(3.0);
            painter.rect_filled(bg, 3.0, theme::PANEL.gamma_multiply(0.95));
            painter.galley(at, galley, theme::TEXT);
        }
    }

    /// Text fields for the band opened with right-click or Ctrl-click, beside its node.
    fn text_fields(&mut self, ui: &mut Ui, map: &PlotMap, access: &dyn ParamAccess) {
        let Some(band_index) = self.editing else { return };
        let band = self.bands[band_index].clone();
        let rows = band_rows(&band);
        let key = Id::unique("band-texts");
        let mut texts: Vec<String> = ui.data(|d| d.get_temp(key)).unwrap_or_default();
        texts.resize(rows.len(), String::new());
        let at = pos2(map.x(access.get(band.freq)) + 14.0, map.rect.top() + 20.0);
        let mut close = ui.input(|i| i.key_pressed(egui::Key::Escape));
        egui::Area::new(Id::unique("band-entry"))
            .order(egui::Order::Foreground)
            .fixed_pos(at)
            .constrain_to(map.rect)
            .show(ui.ctx(), |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    ui.label(egui::RichText::new(band.name).font(theme::heading()));
                    egui::Grid::new("band-entry-grid").num_columns(2).show(ui, |ui| {
                        for (row, text) in rows.iter().zip(texts.iter_mut()) {
                            ui.label(panels::short_name(PARAMS[*row].name, "Filter", band.name));
                            let edit = ui.add(
                                egui::TextEdit::singleline(text)
                                    .id(Id::unique(("band-entry", *row)))
                                    .desired_width(80.0),
                            );
                            if edit.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
                                knobs::commit_typed(&PARAMS[*row], *row, text, access);
                                *text = PARAMS[*row].value_text(access.get(*row));
                            }
                            ui.end_row();
                        }
                    });
                    if ui.button("Done").clicked() {
                        close = true;
                    }
                });
            });
        if close {
            self.editing = None;
            ui.data_mut(|d| d.remove::<Vec<String>>(key));
        } else {
            ui.data_mut(|d| d.insert_temp(key, texts));
        }
    }
}

/// The band's rows shown as values and text fields: frequency, gain, Q, slope.
fn band_rows(band: &Band) -> Vec<usize> {
    [Some(band.freq), band.gain, band.slope, band.q].into_iter().flatten().collect()
}

/// The wheel on a node: slope steps for pass bands (choices), Q by a factor otherwise.
fn wheel(band: &Band, notches: f32, access: &dyn ParamAccess) {
    if let Some(slope) = band.slope {
        if let Kind::Choice { count, .. } = PARAMS[slope].kind {
            let step = notches.signum();
            let next = (access.get(slope) + step).clamp(0.0, (count - 1) as f32);
            access.set_once(slope, next);
        }
    } else if let Some(q) = band.q {
        access.set_once(q, access.get(q) * Q_STEP.powf(notches));
    }
}

/// A response curve through the display frequencies.
fn curve(map: &PlotMap, freqs: &[f32], db: &[f32], stroke: Stroke) -> Shape {
    Shape::line(freqs.iter().zip(db).map(|(&f, &d)| pos2(map.x(f), map.eq_y(d))).collect(), stroke)
}

/// The grid: labelled frequency lines, response dB on the left, spectrum dBFS on the right.
fn draw_grid(ui: &Ui, map: &PlotMap) {
    let painter = ui.painter();
    let rect = map.rect;
    for &f in &GRID_FREQUENCIES {
        let x = map.x(f);
        let strong = matches!(f as u32, 100 | 1000 | 10_000);
        painter.line_segment(
            [pos2(x, rect.top()), pos2(x, rect.bottom())],
            theme::hairline(if strong { theme::GRID_STRONG } else { theme::GRID }),
        );
        let label = if f >= 1000.0 { format!("{}k", f / 1000.0) } else { format!("{f}") };
        painter.text(
            pos2(x, rect.bottom() + 2.0),
            Align2::CENTER_TOP,
            label,
            theme::small(),
            theme::TEXT_DIM,
        );
    }
    for minor in [
        30.0, 40.0, 60.0, 70.0, 80.0, 90.0, 300.0, 400.0, 600.0, 700.0, 800.0, 900.0, 3000.0, 4000.0, 6000.0,
        7000.0, 8000.0, 9000.0,
    ] {
        let x = map.x(minor);
        painter.line_segment(
            [pos2(x, rect.top()), pos2(x, rect.bottom())],
            theme::hairline(theme::GRID.gamma_multiply(0.5)),
        );
    }
    for step in -2..=2 {
        let db = step as f32 * EQ_RANGE_DB / 2.0;
        let y = map.eq_y(db);
        painter.line_segment(
            [pos2(rect.left(), y), pos2(rect.right(), y)],
            theme::hairline(if step == 0 { theme::GRID_STRONG } else { theme::GRID }),
        );
        // The end ticks' labels sit inside the graph's height, so the unit captions above the
        // top corners (and the frequency row below) keep clear of them.
        let (left_anchor, right_anchor) = match step {
            2 => (Align2::RIGHT_TOP, Align2::LEFT_TOP),
            -2 => (Align2::RIGHT_BOTTOM, Align2::LEFT_BOTTOM),
            _ => (Align2::RIGHT_CENTER, Align2::LEFT_CENTER),
        };
        painter.text(
            pos2(rect.left() - 4.0, y),
            left_anchor,
            format!("{db:+.0}"),
            theme::small(),
            theme::ACCENT.gamma_multiply(0.8),
        );
        let spectrum_db =
            SPECTRUM_RANGE_DB.1 + (step + 2) as f32 / 4.0 * (SPECTRUM_RANGE_DB.0 - SPECTRUM_RANGE_DB.1);
        painter.text(
            pos2(rect.right() + 4.0, map.spectrum_y(spectrum_db)),
            right_anchor,
            format!("{spectrum_db:.0}"),
            theme::small(),
            theme::SPECTRUM_OUTPUT.gamma_multiply(0.8),
        );
    }
    painter.text(
        pos2(rect.left() - 4.0, rect.top() - 12.0),
        Align2::RIGHT_TOP,
        "dB",
        theme::small(),
        theme::TEXT_DIM,
    );
    painter.text(
        pos2(rect.right() + 4.0, rect.top() - 12.0),
        Align2::LEFT_TOP,
        "dBFS",
        theme::small(),
        theme::TEXT_DIM,
    );
}
