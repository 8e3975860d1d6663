//! The editor: spectrum analyzer under the filter's response with draggable band nodes,
//! meters, a preset bar, stage panels built from the parameter table, and a status line —
//! all visible at once at the default size, and scaled as a whole from 75 % to 200 %.
//!
//! [`EditorView`] is the whole window and knows nothing of the host: it reads and writes
//! parameters through [`access::ParamAccess`] and is fed audio by the caller, so the tests
//! drive it in-process with synthesized input. [`RunnelEditor`] connects it to nice-plug: the
//! host's GUI context and the audio thread's [`EditorFeed`].

pub mod access;
pub mod graph;
pub mod knobs;
pub mod layout;
pub mod meters;
pub mod panels;
pub mod record;
pub mod spectrum;
pub mod status;
pub mod theme;
pub mod top_bar;

#[cfg(test)]
mod tests;

use std::sync::Arc;

use nice_plug::context::gui::GuiContext;
use nice_plug::prelude::*;
use nice_plug_egui::{create_egui_editor, EguiEditor, EguiNiceSettings, NiceEguiApp, RepaintNotifier};

use crate::editor_feed::{drain_into, EditorFeed, FeedReader, StreamFacts, GAIN_REDUCTION_STAGES};
use crate::params::RunnelParams;
use crate::recording::RecordingControl;
use access::{HostParams, ParamAccess};
use layout::{Layout, DESIGN_SIZE, SCALE_RANGE};
use runnel_engine::params::PARAMS;

/// The window's parts and their state between frames; host-independent.
pub struct EditorView {
    /// Spectrum and response.
    pub graph: graph::Graph,
    /// Meters.
    pub meters: meters::Meters,
    /// Presets and A/B.
    pub top_bar: top_bar::TopBar,
    /// Load figures shown.
    pub status: status::Status,
    /// The scale the user picked (applied by the host wrapper as egui's zoom).
    pub scale: f32,
    /// Gain reductions of the dynamics stages that are switched on, for the meters.
    pub gain_reductions: Vec<meters::GainReduction>,
    /// The record button's state.
    pub record: record::RecordButton,
    /// Starts and stops recordings of the output; without it (a view built for a test of other
    /// parts) no record button is drawn.
    pub recording: Option<Arc<RecordingControl>>,
}

impl Default for EditorView {
    fn default() -> Self {
        Self {
            graph: graph::Graph::default(),
            meters: meters::Meters::default(),
            top_bar: top_bar::TopBar::new(),
            status: status::Status::default(),
            scale: 1.0,
            gain_reductions: Vec::new(),
            record: record::RecordButton::default(),
            recording: None,
        }
    }
}

impl EditorView {
    /// Feeds one frame's copied audio (interleaved stereo) to the analyzers and meters.
    pub fn feed_audio(&mut self, input: &[f32], output: &[f32], sample_rate: f32, dt: f32) {
        self.graph.input.push_stereo(input, sample_rate, dt);
        self.graph.output.push_stereo(output, sample_rate, dt);
        self.meters.push(input, output, sample_rate, dt);
    }

    /// Draws the whole window into `ui` (whose top-left is the design's origin).
    pub fn show(&mut self, ui: &mut egui::Ui, access: &dyn ParamAccess, stream: StreamFacts, dropped: u64) {
        let origin = ui.max_rect().min;
        let layout = Layout::new(origin);
        ui.painter().rect_filled(egui::Rect::from_min_size(origin, DESIGN_SIZE), 0.0, theme::BACKGROUND);
        self.graph.show(ui, layout.graph, access, stream.sample_rate);
        self.meters.draw(ui, layout.meters, &self.gain_reductions);
        panels::filter_strip(ui, layout.strip, access);
        panels::panel_row(ui, layout.panels, access);
        self.status.show(ui, layout.status, stream, dropped);
        // The bar last: its drop-downs open over the rest.
        let mut scale = self.scale;
        self.top_bar.show(ui, layout.top_bar, access, &mut scale);
        self.scale = scale;
        if let Some(control) = &self.recording {
            self.record.show(ui, record::area(layout.top_bar), control);
        }
    }
}

/// The nice-plug editor: the view, the parameters, the feed.
pub struct RunnelEditor {
    /// Parameters, shared with the audio thread.
    params: Arc<RunnelParams>,
    /// The audio thread's copies and figures.
    feed: Arc<EditorFeed>,
    /// The plugin's recording control, for the record button.
    recording: Arc<RecordingControl>,
    /// The ring readers while the window is open.
    reader: Option<FeedReader>,
    /// Present while the window is open; needed to tell the host about parameter gestures.
    gui_context: Option<GuiContext>,
    /// The window's contents; made when the window opens, dropped when it closes.
    view: Option<EditorView>,
    /// Input samples read this frame (reused).
    input: Vec<f32>,
    /// Output samples read this frame (reused).
    output: Vec<f32>,
    /// Time of the previous frame (egui's clock), for ballistics.
    last_time: Option<f64>,
    /// Seconds since the audio last had a sample above the analyzer's floor: once every display
    /// has settled, the window is redrawn only a few times a second.
    quiet_seconds: f32,
}

/// Frame interval while audio moves the meters and spectra: 30 frames a second are smooth for
/// meters and cost half of drawing at the display's rate (which, software-rendered on a machine
/// without a GPU, took more than a core and made JACK miss cycles at short periods).
const ACTIVE_FRAME: std::time::Duration = std::time::Duration::from_nanos(1_000_000_000 / 30);
/// Frame interval once everything has settled: the status line's counters still update.
const SETTLED_FRAME: std::time::Duration = std::time::Duration::from_millis(250);
/// Below this a sample draws nothing: the analyzer's floor, −120 dBFS.
const QUIET_AMPLITUDE: f32 = 1e-6;

/// Creates the editor for the plugin's `editor()` call.
pub fn create(
    params: Arc<RunnelParams>,
    feed: Arc<EditorFeed>,
    recording: Arc<RecordingControl>,
) -> Option<EguiEditor<RunnelEditor>> {
    let min = DESIGN_SIZE * SCALE_RANGE.0;
    let max = DESIGN_SIZE * SCALE_RANGE.1;
    let settings = EguiNiceSettings::new().with_tile("Runnel").with_resize_hint(
        ResizeHint::resizable().with_min_max_logical_size(
            Some(nice_plug::editor::dpi::LogicalSize::new(min.x, min.y)),
            Some(nice_plug::editor::dpi::LogicalSize::new(max.x, max.y)),
        ),
    );
    create_egui_editor(
        params.editor_state.clone(),
        RepaintNotifier::new(),
        settings,
        RunnelEditor {
            params,
            feed,
            recording,
            reader: None,
            gui_context: None,
            view: None,
            input: Vec::with_capacity(crate::editor_feed::RING_FRAMES * 2),
            output: Vec::with_capacity(crate::editor_feed::RING_FRAMES * 2),
            last_time: None,
            quiet_seconds: 0.0,
        },
    )
}

impl NiceEguiApp for RunnelEditor {
    fn build(
        &mut self,
        egui_ctx: egui::Context,
        gui_context: GuiContext,
        _frame: &mut nice_plug_egui::Frame,
    ) -> Result<(), nice_plug_egui::baseview::HandlerError> {
        theme::apply(&egui_ctx);
        self.gui_context = Some(gui_context);
        // nice-plug-egui 0.6 never calls `editor_closed`: the previous window's readers may
        // still be here, and are handed back before this window takes them.
        self.feed.reattach(&mut self.reader);
        let view = EditorView {
            scale: egui_ctx.zoom_factor().clamp(SCALE_RANGE.0, SCALE_RANGE.1),
            recording: Some(self.recording.clone()),
            ..EditorView::default()
        };
        self.view = Some(view);
        self.last_time = None;
        self.quiet_seconds = 0.0;
        Ok(())
    }

    fn editor_closed(&mut self) {
        if let Some(reader) = self.reader.take() {
            self.feed.detach(reader);
        }
        self.gui_context = None;
        self.view = None;
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut nice_plug_egui::Frame) {
        let (Some(gui_context), Some(view)) = (self.gui_context.clone(), self.view.as_mut()) else {
            return;
        };
        let ctx = ui.ctx().clone();
        let now = ctx.input(|i| i.time);
        let dt = self.last_time.map_or(0.0, |t| (now - t) as f32).clamp(0.0, 0.5);
        self.last_time = Some(now);

        let stream = self.feed.stream();
        self.input.clear();
        self.output.clear();
        if let Some(reader) = &mut self.reader {
            self.feed.resume(reader);
            drain_into(&mut reader.input, &mut self.input);
            drain_into(&mut reader.output, &mut self.output);
        }
        view.feed_audio(&self.input, &self.output, stream.sample_rate, dt);
        let feed = &self.feed;
        view.status.update(dt, || feed.take_load());

        let access = HostParams { params: &self.params, context: &gui_context };
        // Dynamics stages that are on get a gain-reduction meter (read from the audio thread).
        let reductions = feed.take_gain_reductions();
        view.gain_reductions = GAIN_REDUCTION_STAGES
            .iter()
            .zip(reductions)
            .filter(|((_, _, switch), _)| {
                PARAMS.iter().position(|p| p.id == *switch).is_some_and(|i| access.get(i) >= 0.5)
            })
            .map(|((_, label, _), reduction_db)| meters::GainReduction { label, reduction_db })
            .collect();
        egui::CentralPanel::default().frame(egui::Frame::NONE).show(ui, |ui| {
            view.show(ui, &access, stream, feed.dropped_blocks());
            resize_corner(ui, &mut view.scale);
        });
        apply_scale(&ctx, view);
        // Meters and spectra move with the audio; once silence has let every display settle,
        // only the status line changes. Input (pointer, keys) redraws at once regardless.
        let audible = self.input.iter().chain(&self.output).any(|x| x.abs() > QUIET_AMPLITUDE);
        self.quiet_seconds = if audible { 0.0 } else { self.quiet_seconds + dt };
        ctx.request_repaint_after(if self.quiet_seconds > spectrum::SETTLE_S {
            SETTLED_FRAME
        } else {
            ACTIVE_FRAME
        });
    }
}

/// The corner grip: dragging it picks the scale whose window ends under the pointer.
fn resize_corner(ui: &mut egui::Ui, scale: &mut f32) {
    let size = layout::RESIZE_GRIP;
    let origin = ui.max_rect().min;
    let corner =
        egui::Rect::from_min_size(origin + DESIGN_SIZE - egui::vec2(size, size), egui::vec2(size, size));
    let response = ui.interact(corner, egui::Id::unique("resize-corner"), egui::Sense::drag());
    if response.dragged() {
        if let Some(pointer) = response.interact_pointer_pos() {
            let fraction = ((pointer - origin).x / DESIGN_SIZE.x).max((pointer - origin).y / DESIGN_SIZE.y);
            *scale = (*scale * fraction).clamp(SCALE_RANGE.0, SCALE_RANGE.1);
        }
    }
    nice_plug_egui::resizable_window::paint_resize_corner(ui, &response);
}

/// Makes the window's scale follow the view's choice, or a window resized from outside (a
/// host or window manager) pick the scale that fits it. The design always fills the window at
/// the design size times the zoom; the window is then asked for exactly that size.
fn apply_scale(ctx: &egui::Context, view: &mut EditorView) {
    let zoom = ctx.zoom_factor();
    let window = ctx.content_rect().size() * zoom;
    let expected = DESIGN_SIZE * zoom;
    let target = if (view.scale - zoom).abs() > 0.005 {
        view.scale
    } else if (window - expected).length() > 2.0 {
        layout::fitting_scale(window)
    } else {
        return;
    };
    view.scale = target;
    ctx.set_zoom_factor(target);
    ctx.send_viewport_cmd(egui::ViewportCommand::InnerSize(DESIGN_SIZE));
}
