//! Stage panels, built by walking the engine's parameter table: every stage of
//! [`STAGES`](runnel_engine::params::STAGES) and every row of its groups gets a control, so a
//! row or a stage added to the table (the dynamics stage, for one) appears here without any
//! change to the editor.

use egui::{pos2, vec2, Align2, Rect, Ui};
use runnel_engine::params::{Kind, PARAMS, STAGES};

use super::access::ParamAccess;
use super::knobs::{self, CellStyle};
use super::theme;

/// Preferred size of one control cell (knob with label and value).
pub const CELL: egui::Vec2 = egui::Vec2::new(60.0, 66.0);
/// Smallest a cell may shrink to before the panel stops fitting.
const MIN_CELL_WIDTH: f32 = 38.0;
/// Height of a panel's heading row.
const HEADING_HEIGHT: f32 = 22.0;

/// The stages drawn in the stage-panel row: all but the gains (in the filter strip) and the
/// filter (on the graph and in its strip).
pub fn panel_stages() -> Vec<&'static str> {
    STAGES.iter().copied().filter(|s| !matches!(*s, "Gain" | "Filter")).collect()
}

/// The row indices of a stage, in table order.
pub fn stage_rows(stage: &str) -> Vec<usize> {
    PARAMS
        .iter()
        .enumerate()
        .filter(|(_, spec)| spec.group.split('/').next() == Some(stage))
        .map(|(i, _)| i)
        .collect()
}

/// The stage's or band's own on/off switch among `rows`: the switch whose ID ends in `_on` in
/// the group itself (not in a band below it).
pub fn on_switch(rows: &[usize], group: &str) -> Option<usize> {
    rows.iter().copied().find(|&i| {
        let spec = &PARAMS[i];
        matches!(spec.kind, Kind::Switch) && spec.group == group && spec.id.ends_with("_on")
    })
}

/// Drops the stage or band name a host needs ("Delay Feedback", "HP Cutoff", "Input Gain") but
/// a panel titled with the stage doesn't: the stage or band name in front (or, failing that, the
/// stage name at the end), or else the band's abbreviation.
pub fn short_name<'a>(name: &'a str, stage: &str, band: &str) -> &'a str {
    for prefix in [stage, band] {
        if let Some(rest) = name.strip_prefix(prefix).and_then(|r| r.strip_prefix(' ')) {
            return rest;
        }
    }
    // "Input Gain" in the Gain block: the stage name closes the name instead.
    if let Some(rest) = name.strip_suffix(stage).and_then(|r| r.strip_suffix(' ')) {
        return rest;
    }
    match name.split_once(' ') {
        Some((_abbreviation, rest)) if !band.is_empty() => rest,
        _ => name,
    }
}

/// `count` cells laid out in rows inside `area`, as large as [`CELL`] allows and as many
/// columns as needed to fit the height; cells narrow (down to [`MIN_CELL_WIDTH`]) rather than
/// overflow. Returns the cells in reading order.
pub fn cell_grid(area: Rect, count: usize) -> Vec<Rect> {
    if count == 0 {
        return Vec::new();
    }
    let rows = ((area.height() / CELL.y).floor() as usize).max(1);
    let columns = count.div_ceil(rows);
    let width = (area.width() / columns as f32).clamp(MIN_CELL_WIDTH, CELL.x);
    let height = (area.height() / rows as f32).min(CELL.y + 8.0);
    (0..count)
        .map(|i| {
            let (row, column) = (i / columns, i % columns);
            Rect::from_min_size(
                pos2(area.left() + column as f32 * width, area.top() + row as f32 * height),
                vec2(width, height),
            )
        })
        .collect()
}

/// A panel frame with a heading and, if the group has one, its on/off switch in the heading.
/// Returns the content area and whether the group is on.
pub fn frame(
    ui: &mut Ui,
    rect: Rect,
    title: &str,
    on_switch: Option<usize>,
    access: &dyn ParamAccess,
) -> (Rect, bool) {
    let painter = ui.painter();
    painter.rect_filled(rect, 6.0, theme::PANEL);
    painter.rect_stroke(rect, 6.0, theme::hairline(theme::PANEL_EDGE), egui::StrokeKind::Inside);
    let heading = Rect::from_min_size(rect.min, vec2(rect.width(), HEADING_HEIGHT));
    let mut on = true;
    let mut text_x = heading.left() + 8.0;
    if let Some(index) = on_switch {
        on = runnel_engine::params::spec::is_on(access.get(index));
        let pill =
            Rect::from_min_size(pos2(heading.left() + 8.0, heading.center().y - 6.5), vec2(24.0, 13.0));
        let response = ui.interact(
            pill.expand(3.0),
            egui::Id::unique(("stage-on", PARAMS[index].id)),
            egui::Sense::click(),
        );
        if response.clicked() {
            access.set_once(index, if on { 0.0 } else { 1.0 });
            on = !on;
        }
        knobs::draw_pill(ui, pill, on, response.hovered());
        response.on_hover_text(PARAMS[index].name);
        text_x = pill.right() + 6.0;
    }
    let colour = if on { theme::TEXT } else { theme::TEXT_DIM };
    ui.painter().text(pos2(text_x, heading.center().y), Align2::LEFT_CENTER, title, theme::heading(), colour);
    let content = Rect::from_min_max(pos2(rect.left() + 4.0, heading.bottom()), rect.max - vec2(4.0, 4.0));
    (content, on)
}

/// One stage panel: frame, heading switch, and a cell per remaining row (bands' rows are
/// included in table order, labelled without the band prefix).
pub fn stage_panel(ui: &mut Ui, rect: Rect, stage: &str, access: &dyn ParamAccess) {
    let rows = stage_rows(stage);
    let switch = on_switch(&rows, stage);
    let (content, on) = frame(ui, rect, stage, switch, access);
    let controls: Vec<usize> = rows.into_iter().filter(|&i| Some(i) != switch).collect();
    for (cell, &index) in cell_grid(content, controls.len()).iter().zip(&controls) {
        let spec = &PARAMS[index];
        let band = spec.group.split_once('/').map_or("", |(_, b)| b);
        let label = short_name(spec.name, stage, band);
        knobs::control(ui, cell.shrink2(vec2(2.0, 1.0)), index, label, access, CellStyle { active: on });
    }
}

/// How many cells a stage panel needs (its rows but the stage switch), for sharing the
/// panel row's width.
pub fn cell_count(stage: &str) -> usize {
    let rows = stage_rows(stage);
    rows.len() - usize::from(on_switch(&rows, stage).is_some())
}

/// Most cells one line of panels holds before it wraps: today's delay and reverb (34) share a
/// line, as in 0.1's layout; with the dynamics stages the panels take two lines.
const CELLS_PER_PANEL_LINE: usize = 36;

/// The stage panels: [`panel_stages`] in signal order, wrapped into lines of at most
/// [`CELLS_PER_PANEL_LINE`] cells; within a line, widths in proportion to the cells.
pub fn panel_row(ui: &mut Ui, area: Rect, access: &dyn ParamAccess) {
    let mut lines: Vec<Vec<&'static str>> = vec![Vec::new()];
    let mut cells_in_line = 0;
    for stage in panel_stages() {
        let cells = cell_count(stage).max(1);
        if cells_in_line + cells > CELLS_PER_PANEL_LINE && !lines.last().is_some_and(Vec::is_empty) {
            lines.push(Vec::new());
            cells_in_line = 0;
        }
        cells_in_line += cells;
        lines.last_mut().expect("one line at least").push(stage);
    }
    let gap = 6.0;
    let line_height = (area.height() - gap * (lines.len() - 1) as f32) / lines.len() as f32;
    for (line_index, stages) in lines.iter().enumerate() {
        let top = area.top() + line_index as f32 * (line_height + gap);
        let total: usize = stages.iter().map(|s| cell_count(s).max(1)).sum();
        let usable = area.width() - gap * (stages.len().saturating_sub(1)) as f32;
        let mut x = area.left();
        for stage in stages {
            let width = usable * cell_count(stage).max(1) as f32 / total as f32;
            let rect = Rect::from_min_size(pos2(x, top), vec2(width, line_height));
            stage_panel(ui, rect, stage, access);
            x += width + gap;
        }
    }
}

/// The filter strip: the gains, the filter's master switch, and one block per band (its on
/// switch in the block's heading and a cell per other row).
pub fn filter_strip(ui: &mut Ui, area: Rect, access: &dyn ParamAccess) {
    let gains = stage_rows("Gain");
    let filter_rows = stage_rows("Filter");
    let master = on_switch(&filter_rows, "Filter");
    let mut bands: Vec<&'static str> = Vec::new();
    for &i in &filter_rows {
        if let Some((_, band)) = PARAMS[i].group.split_once('/') {
            if !bands.contains(&band) {
                bands.push(band);
            }
        }
    }
    // Widths: the gains block and each band block in proportion to their cells.
    let band_cells = |band: &str| {
        let group = format!("Filter/{band}");
        let rows: Vec<usize> = filter_rows.iter().copied().filter(|&i| PARAMS[i].group == group).collect();
        let switch = on_switch(&rows, &group);
        (rows.into_iter().filter(|&i| Some(i) != switch).collect::<Vec<_>>(), switch)
    };
    let blocks: Vec<(String, Vec<usize>, Option<usize>)> = std::iter::once(("Gain".to_string(), gains, None))
        .chain(bands.iter().map(|band| {
            let (cells, switch) = band_cells(band);
            (band.to_string(), cells, switch)
        }))
        .collect();
    let gap = 4.0;
    let total: usize = blocks.iter().map(|(_, cells, _)| cells.len().max(1)).sum();
    let usable = area.width() - gap * (blocks.len() - 1) as f32;
    let mut x = area.left();
    let filter_on = master.is_none_or(|m| runnel_engine::params::spec::is_on(access.get(m)));
    for (block_index, (title, cells, switch)) in blocks.iter().enumerate() {
        let width = usable * cells.len().max(1) as f32 / total as f32;
        let rect = Rect::from_min_size(pos2(x, area.top()), vec2(width, area.height()));
        // The gains block carries the filter's master switch under its cells' row.
        let (content, on) = frame(ui, rect, title, *switch, access);
        if block_index > 0 {
            let colour = theme::band_colour(block_index - 1);
            ui.painter().line_segment(
                [rect.left_top() + vec2(6.0, 1.0), rect.right_top() + vec2(-6.0, 1.0)],
                egui::Stroke::new(2.0, colour),
            );
        }
        let active = on && (block_index == 0 || filter_on);
        for (cell, &index) in cell_grid(content, cells.len()).iter().zip(cells) {
            let spec = &PARAMS[index];
            let band = spec.group.split_once('/').map_or("", |(_, b)| b);
            let stage = spec.group.split('/').next().unwrap_or_default();
            let label = short_name(spec.name, stage, band);
            knobs::control(ui, cell.shrink2(vec2(1.0, 1.0)), index, label, access, CellStyle { active });
        }
        x += width + gap;
    }
}
