//! The editor: every parameter, grouped by stage, in a resizable window.

use std::sync::Arc;

use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::*;
use nice_plug_egui::resizable_window::ResizableWindow;
use nice_plug_egui::widgets::ParamSlider;
use nice_plug_egui::{create_egui_editor, EguiEditor, EguiNiceSettings, NiceEguiApp, RepaintNotifier};

use runnel_engine::params::{PARAMS, STAGES};

use crate::params::RunnelParams;

/// Smallest size the editor can be resized to.
const MIN_SIZE: (f32, f32) = (480.0, 360.0);

/// The editor application: holds the parameters and, while open, the host's GUI context.
pub struct RunnelEditor {
    /// Parameters, shared with the audio thread.
    params: Arc<RunnelParams>,
    /// Present while the window is open; needed to tell the host about parameter gestures.
    gui_context: Option<GuiContext>,
}

/// Creates the editor for the plugin's `editor()` call.
pub fn create(params: Arc<RunnelParams>) -> Option<EguiEditor<RunnelEditor>> {
    let settings = EguiNiceSettings::new().with_tile("Runnel").with_resize_hint(
        ResizeHint::resizable()
            .with_min_logical_size(nice_plug::editor::dpi::LogicalSize::new(MIN_SIZE.0, MIN_SIZE.1)),
    );
    create_egui_editor(
        params.editor_state.clone(),
        RepaintNotifier::new(),
        settings,
        RunnelEditor { params, gui_context: None },
    )
}

impl NiceEguiApp for RunnelEditor {
    fn build(
        &mut self,
        _egui_ctx: egui::Context,
        gui_context: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        self.gui_context = Some(gui_context);
        Ok(())
    }

    fn editor_closed(&mut self) {
        self.gui_context = None;
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut nice_plug_egui::Frame) {
        let Some(gui_context) = self.gui_context.clone() else {
            return;
        };
        let setter = gui_context.param_setter();
        let params = self.params.clone();
        ResizableWindow::new("runnel-editor").min_size(egui::Vec2::new(MIN_SIZE.0, MIN_SIZE.1)).show(
            ui,
            |ui| {
                ui.heading("Runnel");
                egui::ScrollArea::vertical().auto_shrink([false, false]).show(ui, |ui| {
                    draw_groups(ui, params.as_ref(), &setter);
                });
            },
        );
    }
}

/// How many columns the stages are laid out in.
const COLUMN_COUNT: usize = 3;

/// The stages of the parameter table in signal-flow order, split into at most `columns`
/// consecutive runs so that the tallest column (in parameters) is as short as possible. With
/// today's table: Gain + Filter + AGC | Compressor + Delay | Reverb + Limiter. Parameters outside a stage (the host bypass)
/// are the host's and not shown.
pub fn stage_columns(columns: usize) -> Vec<Vec<&'static str>> {
    let rows = |stage: &str| PARAMS.iter().filter(|p| p.group.split('/').next() == Some(stage)).count();
    let heights: Vec<usize> = STAGES.iter().map(|s| rows(s)).collect();
    // Best split of stages[start..] into `k` runs: (tallest column, run lengths).
    fn best(heights: &[usize], k: usize) -> (usize, Vec<usize>) {
        if k == 1 || heights.len() <= 1 {
            return (heights.iter().sum(), vec![heights.len()]);
        }
        (1..=heights.len() - 1)
            .map(|first| {
                let (rest, mut runs) = best(&heights[first..], k - 1);
                runs.insert(0, first);
                (heights[..first].iter().sum::<usize>().max(rest), runs)
            })
            .min_by_key(|(tallest, _)| *tallest)
            .unwrap_or((0, Vec::new()))
    }
    let (_, runs) = best(&heights, columns.min(STAGES.len()).max(1));
    let mut start = 0;
    runs.into_iter()
        .map(|len| {
            let column = STAGES[start..start + len].to_vec();
            start += len;
            column
        })
        .collect()
}

/// A parameter as the editor lists it.
struct Row {
    /// Pointer into the plugin's params object.
    ptr: ParamPtr,
    /// Display name.
    name: String,
    /// Stage (first group component), e.g. "Filter".
    stage: String,
    /// Band within the stage (second group component), e.g. "High-pass"; empty if none.
    band: String,
}

/// Three columns of stages; each stage a collapsible section, its bands separated by captions.
fn draw_groups(ui: &mut egui::Ui, params: &RunnelParams, setter: &ParamSetter) {
    let rows: Vec<Row> = params
        .param_map()
        .into_iter()
        .map(|(_id, ptr, group)| {
            let mut parts = group.splitn(2, '/');
            let stage = parts.next().unwrap_or_default().to_string();
            let band = parts.next().unwrap_or_default().to_string();
            // SAFETY: the pointer comes from our own params object, which outlives this frame.
            let name = unsafe { ptr.name() }.to_string();
            Row { ptr, name, stage, band }
        })
        .collect();
    let layout = stage_columns(COLUMN_COUNT);
    ui.columns(layout.len(), |columns| {
        for (column, stages) in columns.iter_mut().zip(&layout) {
            for stage in stages {
                draw_stage(column, stage, rows.iter().filter(|r| r.stage == *stage), setter);
            }
        }
    });
}

/// One stage: a collapsible header, then a label/slider grid per band.
fn draw_stage<'a>(ui: &mut egui::Ui, stage: &str, rows: impl Iterator<Item = &'a Row>, setter: &ParamSetter) {
    egui::CollapsingHeader::new(egui::RichText::new(stage).strong()).default_open(true).show(ui, |ui| {
        let mut band: Option<&str> = None;
        let rows: Vec<&Row> = rows.collect();
        let mut start = 0;
        while start < rows.len() {
            let this_band = rows[start].band.as_str();
            let end =
                rows[start..].iter().position(|r| r.band != this_band).map_or(rows.len(), |n| start + n);
            if band != Some(this_band) && !this_band.is_empty() {
                ui.add_space(4.0);
                ui.label(egui::RichText::new(this_band).italics().weak());
            }
            band = Some(this_band);
            egui::Grid::new((stage, this_band)).num_columns(2).spacing([8.0, 4.0]).show(ui, |ui| {
                for row in &rows[start..end] {
                    ui.label(short_name(&row.name, stage, this_band));
                    add_slider(ui, &row.ptr, setter);
                    ui.end_row();
                }
            });
            start = end;
        }
    });
}

/// Drops the stage or band prefix a host needs ("Delay Feedback", "HP Cutoff") but the grouped
/// editor doesn't: the stage or band name, or else the band's abbreviation (the first word).
fn short_name<'a>(name: &'a str, stage: &str, band: &str) -> &'a str {
    for prefix in [stage, band] {
        if let Some(rest) = name.strip_prefix(prefix).and_then(|r| r.strip_prefix(' ')) {
            return rest;
        }
    }
    match name.split_once(' ') {
        Some((_abbreviation, rest)) if !band.is_empty() => rest,
        _ => name,
    }
}

/// A [`ParamSlider`] for any kind of parameter.
fn add_slider(ui: &mut egui::Ui, ptr: &ParamPtr, setter: &ParamSetter) {
    const WIDTH: f32 = 130.0;
    // SAFETY: the pointers come from our own params object, which outlives this frame.
    unsafe {
        match ptr {
            ParamPtr::FloatParam(p) => ui.add(ParamSlider::for_param(&**p, setter).with_width(WIDTH)),
            ParamPtr::IntParam(p) => ui.add(ParamSlider::for_param(&**p, setter).with_width(WIDTH)),
            ParamPtr::BoolParam(p) => ui.add(ParamSlider::for_param(&**p, setter).with_width(WIDTH)),
            ParamPtr::EnumParam(p) => ui.add(ParamSlider::for_param(&**p, setter).with_width(WIDTH)),
        };
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_come_from_the_table_and_keep_the_0_1_layout() {
        // 0.1's columns (Gain + Filter | Delay | Reverb), each joined by its neighbouring
        // dynamics stage.
        assert_eq!(
            stage_columns(3),
            vec![vec!["Gain", "Filter", "AGC"], vec!["Compressor", "Delay"], vec!["Reverb", "Limiter"]]
        );
        assert_eq!(stage_columns(1), vec![STAGES.to_vec()]);
        // Every stage of the table is shown exactly once.
        let shown: Vec<&str> = stage_columns(COLUMN_COUNT).concat();
        assert_eq!(shown, STAGES.to_vec());
        // And every parameter but the host bypass belongs to a shown stage.
        for spec in PARAMS.iter().filter(|p| p.in_presets()) {
            assert!(shown.contains(&spec.group.split('/').next().unwrap()), "{}", spec.id);
        }
    }
}
