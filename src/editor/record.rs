//! The record button at the right of the top bar: starts and stops a recording of the processed
//! output (a numbered take in the recordings folder, see [`crate::recording::next_take`]) and
//! shows the take's length and its dropped-frame count while it runs, the file name after.

use std::path::PathBuf;
use std::sync::Arc;

use egui::{vec2, Rect, Ui};

use super::theme;
use crate::recording::{self, RecordingControl};

/// The button's state between frames.
#[derive(Debug, Default)]
pub struct RecordButton {
    /// The take being written (or last written), for the caption.
    take: Option<PathBuf>,
    /// Why the last start or stop failed, shown until the next click.
    error: Option<String>,
}

impl RecordButton {
    /// Draws the button and its caption in `rect` (right-aligned) and acts on clicks.
    pub fn show(&mut self, ui: &mut Ui, rect: Rect, control: &Arc<RecordingControl>) {
        let recording = control.is_recording();
        let mut child = ui.new_child(
            egui::UiBuilder::new().max_rect(rect).layout(egui::Layout::right_to_left(egui::Align::Center)),
        );
        let ui = &mut child;
        ui.style_mut().override_font_id = Some(theme::body());
        let (text, fill) = if recording {
            (egui::RichText::new("■ Stop").color(theme::PLOT), theme::METER_HIGH)
        } else {
            (
                egui::RichText::new("● Rec").color(theme::METER_HIGH),
                ui.visuals().widgets.inactive.weak_bg_fill,
            )
        };
        let button = ui.add(egui::Button::new(text).fill(fill)).on_hover_text(if recording {
            "Stop recording and finish the file".to_string()
        } else {
            match recording::take_dir() {
                Some(dir) => format!("Record the output to a new take in {}", dir.display()),
                None => "No recordings folder (set --record-dir)".to_string(),
            }
        });
        if button.clicked() {
            self.error = None;
            if recording {
                if let Err(e) = control.stop() {
                    self.error = Some(e);
                }
            } else {
                match recording::next_take().and_then(|path| control.start(&path).map(|()| path)) {
                    Ok(path) => self.take = Some(path),
                    Err(e) => self.error = Some(e),
                }
            }
        }
        let caption = self.caption(control, recording);
        let label = ui.add(
            egui::Label::new(
                egui::RichText::new(caption).font(theme::small()).color(if self.error.is_some() {
                    theme::METER_HIGH
                } else {
                    theme::TEXT_DIM
                }),
            )
            .truncate(),
        );
        if let Some(take) = &self.take {
            label.on_hover_text(take.display().to_string());
        }
    }

    /// What the caption says: the error, the running take's length and dropped frames, or the
    /// finished take's name.
    pub fn caption(&self, control: &RecordingControl, recording: bool) -> String {
        if let Some(error) = &self.error {
            return error.clone();
        }
        let Some(take) = &self.take else { return String::new() };
        let name = take.file_name().map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        let (written, dropped) = control.counters().unwrap_or((0, 0));
        let seconds = written as f64 / f64::from(control.sample_rate().max(1));
        let length = format!("{}:{:04.1}", (seconds / 60.0).floor() as u64, seconds % 60.0);
        if recording {
            format!("{name}  {length}  dropped {dropped}")
        } else {
            format!("saved {name} ({length}, dropped {dropped})")
        }
    }
}

/// Where the record part sits: the right end of the top bar, left of the window's edge.
pub fn area(top_bar: Rect) -> Rect {
    Rect::from_min_max(top_bar.right_top() + vec2(-300.0, 5.0), top_bar.right_bottom() - vec2(10.0, 5.0))
}

#[cfg(test)]
mod tests {
    use egui::{pos2, Event, Modifiers, PointerButton, Pos2, RawInput};

    use super::*;

    /// Runs one frame of the button alone in a top bar 1040 points wide.
    fn frame(
        ctx: &egui::Context,
        button: &mut RecordButton,
        control: &Arc<RecordingControl>,
        events: Vec<Event>,
    ) {
        let input = RawInput {
            screen_rect: Some(Rect::from_min_size(Pos2::ZERO, vec2(1040.0, 34.0))),
            events,
            ..Default::default()
        };
        let mut output = ctx.run_ui(input, |ui| button.show(ui, area(ui.max_rect()), control));
        // No renderer here to take the font atlas.
        output.textures_delta.clear();
    }

    /// A click where the button is drawn (the right end of the area).
    fn click(ctx: &egui::Context, button: &mut RecordButton, control: &Arc<RecordingControl>) {
        let at = pos2(1040.0 - 10.0 - 20.0, 17.0);
        let modifiers = Modifiers::NONE;
        frame(ctx, button, control, vec![Event::PointerMoved(at)]);
        for pressed in [true, false] {
            let event = Event::PointerButton { pos: at, button: PointerButton::Primary, pressed, modifiers };
            frame(ctx, button, control, vec![event]);
        }
    }

    #[test]
    fn the_button_records_a_numbered_take_of_what_was_processed_and_shows_its_length_and_drops() {
        let dir = std::env::temp_dir().join(format!("runnel-takes-{}", std::process::id()));
        crate::recording::set_take_dir(dir.clone());
        let ctx = egui::Context::default();
        let mut button = RecordButton::default();
        let (control, mut port) = crate::recording::channel();

        // Before audio runs, a click explains why nothing happens.
        click(&ctx, &mut button, &control);
        assert!(!control.is_recording());
        assert_eq!(button.caption(&control, false), "cannot record before audio is running");

        control.activated(48_000.0);
        click(&ctx, &mut button, &control);
        assert!(control.is_recording());
        for _ in 0..750 {
            port.process(&[0.25; 64], &[-0.25; 64]);
        }
        // The writer thread drains the ring on its own schedule; wait for it to catch up.
        for _ in 0..200 {
            if control.counters() == Some((48_000, 0)) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
        assert_eq!(button.caption(&control, true), "Runnel take 001.wav  0:01.0  dropped 0");
        click(&ctx, &mut button, &control);
        assert!(!control.is_recording());
        assert_eq!(button.caption(&control, false), "saved Runnel take 001.wav (0:01.0, dropped 0)");

        let take = dir.join("Runnel take 001.wav");
        let reader = hound::WavReader::open(&take).unwrap();
        assert_eq!(reader.spec().sample_rate, 48_000);
        let samples: Vec<f32> = reader.into_samples().map(Result::unwrap).collect();
        assert_eq!(samples.len(), 96_000);
        assert!(samples.chunks(2).all(|frame| frame == [0.25, -0.25]));
        // The next take gets the next number.
        assert_eq!(crate::recording::next_take().unwrap(), dir.join("Runnel take 002.wav"));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
