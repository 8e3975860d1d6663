//! Parameters of the reverb stage.

use nice_plug::prelude::*;

use super::{hz, choice_param, choice_value, frequency_param, milliseconds_param, percent_param, plain_param, switch_param};
use runnel_engine::reverb::{
    MixLaw, ReverbSettings, DECAY_S_RANGE, EARLY_LEVEL_RANGE, EARLY_SIZE_M_RANGE, HIGH_CROSSOVER_HZ_RANGE,
    HIGH_CUT_HZ_RANGE, HIGH_MULT_RANGE, LOW_CROSSOVER_HZ_RANGE, LOW_CUT_HZ_RANGE, LOW_MULT_RANGE, MIX_RANGE,
    MOD_DEPTH_MS_RANGE, MOD_RATE_HZ_RANGE, PRE_DELAY_MS_RANGE, SIZE_M_RANGE, WIDTH_RANGE,
};

/// The reverb stage's switch and settings. IDs start with `rv_` (the switch is `reverb_on`).
#[derive(Params)]
pub struct ReverbParams {
    /// Stage on/off.
    #[id = "reverb_on"]
    pub enabled: BoolParam,
    /// Mid-band decay time (RT60).
    #[id = "rv_decay"]
    pub decay: FloatParam,
    /// Room size in metres.
    #[id = "rv_size"]
    pub size: FloatParam,
    /// Delay before the reverb starts.
    #[id = "rv_predelay"]
    pub pre_delay: FloatParam,
    /// Low-band decay multiplier.
    #[id = "rv_low_mult"]
    pub low_mult: FloatParam,
    /// Low crossover.
    #[id = "rv_low_xover"]
    pub low_crossover: FloatParam,
    /// High-band decay multiplier (damping).
    #[id = "rv_high_mult"]
    pub high_mult: FloatParam,
    /// High crossover.
    #[id = "rv_high_xover"]
    pub high_crossover: FloatParam,
    /// Early reflections level.
    #[id = "rv_early_level"]
    pub early_level: FloatParam,
    /// Early reflections size.
    #[id = "rv_early_size"]
    pub early_size: FloatParam,
    /// Delay-line modulation rate.
    #[id = "rv_mod_rate"]
    pub mod_rate: FloatParam,
    /// Delay-line modulation depth.
    #[id = "rv_mod_depth"]
    pub mod_depth: FloatParam,
    /// Stereo width of the wet signal.
    #[id = "rv_width"]
    pub width: FloatParam,
    /// High-pass on the wet signal.
    #[id = "rv_lowcut"]
    pub low_cut: FloatParam,
    /// Low-pass on the wet signal.
    #[id = "rv_highcut"]
    pub high_cut: FloatParam,
    /// Hold the tail forever.
    #[id = "rv_freeze"]
    pub freeze: BoolParam,
    /// Dry/wet balance.
    #[id = "rv_mix"]
    pub mix: FloatParam,
    /// Linear or equal-power dry/wet law.
    #[id = "rv_mix_law"]
    pub mix_law: IntParam,
}

impl Default for ReverbParams {
    fn default() -> Self {
        let d = ReverbSettings::default();
        Self {
            enabled: switch_param("Reverb", true),
            decay: FloatParam::new(
                "Reverb Decay",
                d.decay_s,
                FloatRange::Skewed {
                    min: DECAY_S_RANGE.0,
                    max: DECAY_S_RANGE.1,
                    factor: FloatRange::skew_factor(-1.5),
                },
            )
            .with_unit("s")
            .with_value_to_string(super::format::v2s_seconds())
            .with_string_to_value(super::format::s2v_seconds()),
            size: plain_param("Reverb Size".into(), d.size_m, SIZE_M_RANGE, -1.0, "m"),
            pre_delay: milliseconds_param("Reverb Pre-delay".into(), d.pre_delay_ms, PRE_DELAY_MS_RANGE, -1.0),
            low_mult: plain_param("Reverb Low Mult".into(), d.low_mult, LOW_MULT_RANGE, -1.0, "x"),
            low_crossover: frequency_param("Reverb Low Crossover".into(), d.low_crossover_hz, LOW_CROSSOVER_HZ_RANGE),
            high_mult: plain_param("Reverb High Mult".into(), d.high_mult, HIGH_MULT_RANGE, 0.0, "x"),
            high_crossover: frequency_param(
                "Reverb High Crossover".into(),
                d.high_crossover_hz,
                HIGH_CROSSOVER_HZ_RANGE,
            ),
            early_level: percent_param("Reverb Early Level".into(), d.early_level, EARLY_LEVEL_RANGE),
            early_size: plain_param("Reverb Early Size".into(), d.early_size_m, EARLY_SIZE_M_RANGE, -1.0, "m"),
            mod_rate: plain_param("Reverb Mod Rate".into(), d.mod_rate_hz, MOD_RATE_HZ_RANGE, -1.0, "Hz"),
            mod_depth: milliseconds_param("Reverb Mod Depth".into(), d.mod_depth_ms, MOD_DEPTH_MS_RANGE, -1.0),
            width: percent_param("Reverb Width".into(), d.width, WIDTH_RANGE),
            low_cut: frequency_param("Reverb Low Cut".into(), d.low_cut_hz, LOW_CUT_HZ_RANGE),
            high_cut: frequency_param("Reverb High Cut".into(), d.high_cut_hz, HIGH_CUT_HZ_RANGE),
            freeze: BoolParam::new("Reverb Freeze", d.freeze),
            mix: percent_param("Reverb Mix".into(), d.mix, MIX_RANGE),
            mix_law: choice_param("Reverb Mix Law".into(), &MixLaw::ALL, MixLaw::name, d.mix_law),
        }
    }
}

impl ReverbParams {
    /// The DSP settings these parameters describe.
    pub fn settings(&self) -> ReverbSettings {
        ReverbSettings {
            decay_s: self.decay.value(),
            size_m: self.size.value(),
            pre_delay_ms: self.pre_delay.value(),
            low_mult: self.low_mult.value(),
            low_crossover_hz: hz(&self.low_crossover),
            high_mult: self.high_mult.value(),
            high_crossover_hz: hz(&self.high_crossover),
            early_level: self.early_level.value() / 100.0,
            early_size_m: self.early_size.value(),
            mod_rate_hz: self.mod_rate.value(),
            mod_depth_ms: self.mod_depth.value(),
            width: self.width.value() / 100.0,
            low_cut_hz: hz(&self.low_cut),
            high_cut_hz: hz(&self.high_cut),
            freeze: self.freeze.value(),
            mix: self.mix.value() / 100.0,
            mix_law: choice_value(&self.mix_law, &MixLaw::ALL),
        }
    }
}
