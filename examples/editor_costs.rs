//! Two figures for the editor's note: the GUI thread's frame time (the whole window laid out,
//! fed 1/60 s of stereo audio per frame, and tessellated, as at 60 fps; GPU upload and
//! rasterization excluded) and the audio thread's cost of the data path (copying a block into
//! the rings plus the timing calls), in ns per frame.
//!
//! `cargo run --release --example editor_costs`

use std::time::Instant;

use runnel_plugin::editor::access::LocalParams;
use runnel_plugin::editor::layout::DESIGN_SIZE;
use runnel_plugin::editor::{theme, EditorView};
use runnel_plugin::editor_feed::{drain_into, EditorFeed, StreamFacts};

fn main() {
    let stream = StreamFacts { sample_rate: 48_000.0, max_block: 256, last_block: 256, latency_samples: 0 };
    let ctx = egui::Context::default();
    theme::apply(&ctx);
    let params = LocalParams::default();
    let mut view = EditorView::default();
    let frame_samples: Vec<f32> = (0..800 * 2).map(|n| ((n / 2) as f32 * 0.1309).sin() * 0.25).collect();
    let frames = 600;
    let mut times = Vec::with_capacity(frames);
    for i in 0..frames {
        let started = Instant::now();
        view.feed_audio(&frame_samples, &frame_samples, stream.sample_rate, 1.0 / 60.0);
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, DESIGN_SIZE)),
            time: Some(i as f64 / 60.0),
            ..Default::default()
        };
        let mut output = ctx.run_ui(input, |ui| view.show(ui, &params, stream, 0));
        let primitives = ctx.tessellate(std::mem::take(&mut output.shapes), output.pixels_per_point);
        std::hint::black_box(primitives);
        output.textures_delta.clear();
        times.push(started.elapsed().as_secs_f64() * 1e3);
    }
    times.drain(..60); // warm-up
    times.sort_by(f64::total_cmp);
    let mean = times.iter().sum::<f64>() / times.len() as f64;
    println!(
        "GUI frame (layout + analysis + tessellation, 1040x860): mean {mean:.2} ms, median {:.2} ms, p99 {:.2} ms",
        times[times.len() / 2],
        times[times.len() * 99 / 100]
    );

    // Audio thread: a 256-frame stereo block, editor open (copy + Instant) vs closed.
    let (feed, mut writer) = EditorFeed::new();
    let mut left = vec![0.1f32; 256];
    let mut right = vec![-0.1f32; 256];
    let blocks = 200_000;
    for open in [false, true] {
        let mut reader = if open { feed.attach() } else { None };
        let mut sink = Vec::with_capacity(1 << 18);
        let started = Instant::now();
        for b in 0..blocks {
            let channels: [&mut [f32]; 2] = [&mut left, &mut right];
            let timing = writer.begin_block(&channels, 0);
            writer.end_block(timing, &channels);
            // The GUI side empties the rings now and then (not timed separately; cheap).
            if let Some(reader) = reader.as_mut() {
                if b % 64 == 0 {
                    sink.clear();
                    drain_into(&mut reader.input, &mut sink);
                    sink.clear();
                    drain_into(&mut reader.output, &mut sink);
                }
            }
        }
        let ns = started.elapsed().as_nanos() as f64 / (blocks * 256) as f64;
        println!(
            "audio thread data path, editor {}: {ns:.2} ns per frame (256-frame blocks, incl. GUI drain)",
            if open { "open" } else { "closed" }
        );
        if let Some(reader) = reader {
            feed.detach(reader);
        }
    }
}
