//! Any positive sample rate: hosts and validators activate plugins at rates such as 1234.5678 Hz
//! or 1.536 MHz, and the engine must prepare and run at all of them (clamping internally: design
//! frequencies below Nyquist, minimum line lengths, capped line memory), with finite output, a
//! finite tail, and the reported latency equal to the measured one.

use runnel_engine::delay::{DelaySettings, NoteModifier, NoteValue, TimeChangeMode};
use runnel_engine::engine::{Engine, EngineSettings};
use runnel_engine::filter::{
    BellSettings, FilterSettings, FilterSlope, NotchMode, NotchSettings, PassSettings, ShelfSettings,
};
use runnel_engine::reverb::{MixLaw, ReverbSettings};
use runnel_engine::testing::LatencyStage;

/// The rates validators are known to use, plus the common ones around them.
const RATES: [f32; 7] = [1000.0, 1234.5678, 12345.678, 22050.0, 48_000.0, 768_000.0, 1_536_000.0];

/// Latency of the test stage put into the chain, in samples.
const TEST_LATENCY: u32 = 13;

/// Deterministic white noise in ±`amplitude` (xorshift32).
fn noise(len: usize, amplitude: f32, mut seed: u32) -> Vec<f32> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 17;
            seed ^= seed << 5;
            (seed as f32 / u32::MAX as f32 * 2.0 - 1.0) * amplitude
        })
        .collect()
}

/// Every band, every stage on, every knob at the end of its range that stresses the design
/// most (`high` picks the top or the bottom end of the ranges; gains and mixes are maxed in
/// both). Feedback is 90 %: 99 % on a 16 s line rings for hours, past what a `u32` sample count
/// holds at MHz rates (where hosts read `u32::MAX` as "infinite" anyway).
fn extreme(high: bool) -> EngineSettings {
    use runnel_engine::delay as d;
    use runnel_engine::filter as f;
    use runnel_engine::reverb as r;
    let pick = |range: (f32, f32)| if high { range.1 } else { range.0 };
    let freq = pick(f::FREQUENCY_RANGE_HZ);
    let pass =
        |slope| PassSettings { enabled: true, cutoff_hz: freq, slope, resonance_q: f::RESONANCE_Q_RANGE.1 };
    let gain_db = f::GAIN_RANGE_DB.1;
    let shelf = ShelfSettings { enabled: true, freq_hz: freq, gain_db, q: pick(f::SHELF_Q_RANGE) };
    let bell = BellSettings { enabled: true, freq_hz: freq, gain_db, q: pick(f::BELL_Q_RANGE) };
    EngineSettings {
        input_gain_db: runnel_engine::gain::GAIN_DB_RANGE.1,
        filter_on: true,
        filter: FilterSettings {
            high_pass: pass(if high { FilterSlope::Db48 } else { FilterSlope::Db6 }),
            low_pass: pass(FilterSlope::Resonant12),
            low_shelf: shelf,
            high_shelf: shelf,
            bell_1: bell,
            bell_2: BellSettings { gain_db: -gain_db, ..bell },
            notch: NotchSettings {
                enabled: true,
                mode: if high { NotchMode::BandPass } else { NotchMode::Notch },
                freq_hz: freq,
                q: pick(f::NOTCH_Q_RANGE),
            },
        },
        delay_on: true,
        delay: DelaySettings {
            time_ms: pick(d::TIME_MS_RANGE),
            sync: high,
            note: NoteValue::FourBars,
            note_modifier: NoteModifier::Dotted,
            stereo_offset_ms: pick(d::STEREO_OFFSET_MS_RANGE),
            feedback: 0.9,
            ping_pong: high,
            low_cut_hz: pick(d::LOW_CUT_HZ_RANGE),
            high_cut_hz: pick(d::HIGH_CUT_HZ_RANGE),
            saturation: d::SATURATION_RANGE.1,
            mod_depth_ms: d::MOD_DEPTH_MS_RANGE.1,
            mod_rate_hz: pick(d::MOD_RATE_HZ_RANGE),
            time_change: if high { TimeChangeMode::Tape } else { TimeChangeMode::Crossfade },
            duck_amount_db: pick(d::DUCK_AMOUNT_DB_RANGE),
            duck_release_ms: pick(d::DUCK_RELEASE_MS_RANGE),
            mix: d::MIX_RANGE.1,
            freeze: false,
        },
        reverb_on: true,
        reverb: ReverbSettings {
            decay_s: pick(r::DECAY_S_RANGE),
            size_m: pick(r::SIZE_M_RANGE),
            pre_delay_ms: pick(r::PRE_DELAY_MS_RANGE),
            low_mult: pick(r::LOW_MULT_RANGE),
            low_crossover_hz: pick(r::LOW_CROSSOVER_HZ_RANGE),
            high_mult: pick(r::HIGH_MULT_RANGE),
            high_crossover_hz: pick(r::HIGH_CROSSOVER_HZ_RANGE),
            early_level: r::EARLY_LEVEL_RANGE.1,
            early_size_m: pick(r::EARLY_SIZE_M_RANGE),
            mod_rate_hz: pick(r::MOD_RATE_HZ_RANGE),
            mod_depth_ms: r::MOD_DEPTH_MS_RANGE.1,
            width: r::WIDTH_RANGE.1,
            low_cut_hz: pick(r::LOW_CUT_HZ_RANGE),
            high_cut_hz: pick(r::HIGH_CUT_HZ_RANGE),
            mix: r::MIX_RANGE.1,
            mix_law: if high { MixLaw::EqualPower } else { MixLaw::Linear },
            freeze: false,
        },
        output_gain_db: runnel_engine::gain::GAIN_DB_RANGE.1,
        // The dynamics stages (off by default) have their own rate sweep in dynamics_rates.rs.
        ..EngineSettings::default()
    }
}

/// An engine with the test latency stage after the filter, prepared at `rate`.
fn engine_at(rate: f32, block: usize) -> Engine {
    let mut engine = Engine::new();
    engine.insert_stage(2, Box::new(LatencyStage::new(TEST_LATENCY, 1.0)));
    engine.prepare(rate, block);
    engine
}

/// Runs `seconds` of `input` (repeated) through `engine` in blocks of `block` and checks every
/// output sample is finite; returns the peak.
fn run_finite(engine: &mut Engine, input: &[f32], frames: usize, block: usize, what: &str) -> f32 {
    let mut peak = 0.0f32;
    let mut done = 0;
    while done < frames {
        let n = block.min(frames - done);
        let start = done % input.len().max(1);
        let mut left: Vec<f32> = (0..n).map(|i| input[(start + i) % input.len()]).collect();
        let mut right: Vec<f32> = left.iter().map(|v| -0.5 * v).collect();
        engine.process_stereo(&mut left, &mut right);
        for (i, v) in left.iter().chain(&right).enumerate() {
            assert!(v.is_finite(), "{what}: non-finite output {v} at frame {}", done + i % n);
            peak = peak.max(v.abs());
        }
        done += n;
    }
    peak
}

#[test]
fn runs_at_any_sample_rate_with_finite_output_and_tail_at_defaults_and_extremes() {
    for rate in RATES {
        // A quarter second of loud noise with a click at the start, then a quarter second of
        // silence, at the defaults and with every knob at either end of its range.
        let frames = (0.25 * rate) as usize;
        let mut input = noise(frames, 0.9, rate as u32 | 1);
        input[0] = 1.0;
        for (name, settings) in [
            ("defaults", EngineSettings::default()),
            ("top of every range", extreme(true)),
            ("bottom of every range", extreme(false)),
        ] {
            let what = format!("{rate} Hz, {name}");
            let mut engine = engine_at(rate, 512);
            // 4 dotted bars at 40 BPM = 36 s: clamped to the longest synced time.
            engine.set_tempo(40.0);
            engine.set_settings(&settings);
            run_finite(&mut engine, &input, frames, 512, &what);
            run_finite(&mut engine, &[0.0], frames, 512, &what);
            let tail = engine.tail_samples();
            let tail = tail.unwrap_or_else(|| panic!("{what}: unbounded tail without freeze"));
            // At least the reverb's decay; at most 100 repeats of a 16 s line plus a 30 s
            // reverb (under an hour), far from the u32 ceiling a runaway estimate would hit.
            let seconds = tail as f64 / rate as f64;
            println!("{what}: tail {tail} samples = {seconds:.1} s");
            assert!(seconds >= settings.reverb.decay_s as f64, "{what}: tail {seconds} s");
            assert!(seconds < 3600.0, "{what}: tail {seconds} s");
            assert_eq!(engine.latency_samples(), TEST_LATENCY, "{what}");
        }
    }
}

#[test]
fn reported_latency_is_measured_at_any_sample_rate() {
    for rate in RATES {
        let mut engine = engine_at(rate, 256);
        engine.set_settings(&EngineSettings::default());
        let mut left = vec![0.0f32; 600];
        left[100] = 1.0;
        let mut right = left.clone();
        engine.process_stereo(&mut left, &mut right);
        for channel in [&left, &right] {
            let first = channel.iter().position(|v| v.abs() > 1e-6).unwrap();
            assert_eq!(first - 100, engine.latency_samples() as usize, "{rate} Hz");
        }
    }
}

#[test]
fn after_the_reported_tail_the_output_is_below_minus_90_dbfs() {
    // A reasonable setting with a bounded tail: band-limited, short echoes, a small room.
    let settings = EngineSettings {
        filter: FilterSettings {
            high_pass: PassSettings {
                enabled: true,
                cutoff_hz: 80.0,
                slope: FilterSlope::Db24,
                resonance_q: 0.7,
            },
            low_pass: PassSettings {
                enabled: true,
                cutoff_hz: 12_000.0,
                slope: FilterSlope::Db12,
                resonance_q: 0.7,
            },
            ..FilterSettings::default()
        },
        delay: DelaySettings { time_ms: 80.0, feedback: 0.3, ..DelaySettings::default() },
        reverb: ReverbSettings { decay_s: 0.4, size_m: 8.0, pre_delay_ms: 5.0, ..ReverbSettings::default() },
        ..EngineSettings::default()
    };
    let floor = 10f32.powf(-90.0 / 20.0);
    for rate in RATES {
        let mut engine = engine_at(rate, 1024);
        engine.set_settings(&settings);
        let burst = (0.05 * rate) as usize + 1;
        run_finite(&mut engine, &noise(burst, 0.5, 99), burst, 1024, "burst");
        let tail = engine.tail_samples().expect("bounded tail") as usize;
        run_finite(&mut engine, &[0.0], tail, 1024, "tail");
        let after = run_finite(&mut engine, &[0.0], (0.05 * rate) as usize + 1, 1024, "after");
        println!(
            "{rate} Hz: tail {tail} samples ({:.3} s), peak after it {:.1} dBFS",
            tail as f32 / rate,
            20.0 * after.max(1e-12).log10()
        );
        assert!(after < floor, "{rate} Hz: {after:e} after a tail of {tail} samples");
    }
}

#[test]
fn never_panics_at_odd_sample_rates() {
    // Not musical rates, but a host or a fuzzer may send them: prepare must not panic and the
    // output must stay finite. Non-positive and non-finite rates fall back to 48 kHz.
    for rate in [1.0f32, 3.0, 7.5, 100.0, 3_000_000.0, f32::MIN_POSITIVE, 0.0, -44_100.0, f32::NAN] {
        for settings in [EngineSettings::default(), extreme(true), extreme(false)] {
            let mut engine = engine_at(rate, 64);
            engine.set_settings(&settings);
            let input = noise(256, 0.9, 5);
            run_finite(&mut engine, &input, 256, 64, &format!("{rate} Hz"));
            let _ = engine.tail_samples();
        }
    }
}

#[test]
fn delay_line_memory_is_capped_above_384_khz() {
    // Up to 384 kHz the lines hold 16 s (the longest synced time); above, the same 6.144 M
    // samples per channel hold proportionally less, and the free-running 4 s still fit at
    // 1.536 MHz.
    use runnel_engine::delay::Delay;
    for (rate, longest_synced_s) in
        [(48_000.0f32, 16.0), (384_000.0, 16.0), (768_000.0, 8.0), (1_536_000.0, 4.0)]
    {
        let mut delay = Delay::new();
        delay.prepare(rate, 64);
        delay.set_tempo(30.0); // four bars = 32 s: beyond every ceiling
        let settings = DelaySettings {
            sync: true,
            note: NoteValue::FourBars,
            stereo_offset_ms: 0.0,
            ..DelaySettings::default()
        };
        delay.set_settings(&settings);
        let longest = delay.target_delays()[0];
        assert_eq!(longest, (longest_synced_s * rate) as f64, "{rate} Hz");
        delay.set_settings(&DelaySettings { sync: false, time_ms: 4000.0, ..settings });
        assert_eq!(delay.target_delays()[0], (4.0 * rate) as f64, "{rate} Hz, free 4 s");
    }
}
