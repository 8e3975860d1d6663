//! The reference chain R1 of the speed and renderer issues, shared by the benches and examples
//! that measure it (included with `#[path]`): high-pass 80 Hz and low-pass 8 kHz at 12 dB/oct,
//! +3.5 dB, delay 350 ms with 35 % feedback and 25 % mix, reverb decay 1 s and 25 % mix.

use runnel_engine::delay::DelaySettings;
use runnel_engine::engine::EngineSettings;
use runnel_engine::filter::{FilterSettings, FilterSlope, PassSettings};
use runnel_engine::reverb::ReverbSettings;

/// R1's settings.
pub fn r1_settings() -> EngineSettings {
    let pass =
        |cutoff_hz| PassSettings { enabled: true, cutoff_hz, slope: FilterSlope::Db12, resonance_q: 0.707 };
    EngineSettings {
        filter_on: true,
        filter: FilterSettings {
            high_pass: pass(80.0),
            low_pass: pass(8_000.0),
            ..FilterSettings::default()
        },
        output_gain_db: 3.5,
        delay_on: true,
        delay: DelaySettings { time_ms: 350.0, feedback: 0.35, mix: 0.25, ..DelaySettings::default() },
        reverb_on: true,
        reverb: ReverbSettings { decay_s: 1.0, mix: 0.25, ..ReverbSettings::default() },
        ..EngineSettings::default()
    }
}

/// Every stage switched off (the gains at 0 dB): what the chain costs by itself.
#[allow(dead_code)] // Not every includer measures it.
pub fn all_stages_off() -> EngineSettings {
    EngineSettings { filter_on: false, delay_on: false, reverb_on: false, ..EngineSettings::default() }
}
