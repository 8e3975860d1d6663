//! Parameters of the delay stage.

use nice_plug::prelude::*;

use super::{hz, 
    choice_param, choice_value, decibel_param, frequency_param, milliseconds_param, percent_param, plain_param,
    switch_param,
};
use runnel_engine::delay::{
    DelaySettings, NoteModifier, NoteValue, TimeChangeMode, DUCK_AMOUNT_DB_RANGE, DUCK_RELEASE_MS_RANGE,
    FEEDBACK_RANGE, HIGH_CUT_HZ_RANGE, LOW_CUT_HZ_RANGE, MIX_RANGE, MOD_DEPTH_MS_RANGE, MOD_RATE_HZ_RANGE,
    SATURATION_RANGE, STEREO_OFFSET_MS_RANGE, TIME_MS_RANGE,
};

/// The delay stage's switch and settings. IDs start with `dly_` (the switch is `delay_on`).
#[derive(Params)]
pub struct DelayParams {
    /// Stage on/off.
    #[id = "delay_on"]
    pub enabled: BoolParam,
    /// Time in ms, used when not synced.
    #[id = "dly_time"]
    pub time: FloatParam,
    /// Follow the host tempo.
    #[id = "dly_sync"]
    pub sync: BoolParam,
    /// Synced note value.
    #[id = "dly_note"]
    pub note: IntParam,
    /// Straight, dotted or triplet.
    #[id = "dly_note_mod"]
    pub note_modifier: IntParam,
    /// Right channel's extra delay (negative: left later).
    #[id = "dly_offset"]
    pub stereo_offset: FloatParam,
    /// Echoes alternate between the channels.
    #[id = "dly_pingpong"]
    pub ping_pong: BoolParam,
    /// Loop gain in percent.
    #[id = "dly_feedback"]
    pub feedback: FloatParam,
    /// High-pass inside the loop.
    #[id = "dly_lowcut"]
    pub low_cut: FloatParam,
    /// Low-pass inside the loop.
    #[id = "dly_highcut"]
    pub high_cut: FloatParam,
    /// Soft saturation inside the loop.
    #[id = "dly_saturation"]
    pub saturation: FloatParam,
    /// How a time change sounds: tape glide or crossfade.
    #[id = "dly_time_mode"]
    pub time_change: IntParam,
    /// Wow/flutter rate.
    #[id = "dly_mod_rate"]
    pub mod_rate: FloatParam,
    /// Wow/flutter depth.
    #[id = "dly_mod_depth"]
    pub mod_depth: FloatParam,
    /// How far the echoes duck under loud input.
    #[id = "dly_duck"]
    pub duck_amount: FloatParam,
    /// How fast the echoes come back after the input quietens.
    #[id = "dly_duck_release"]
    pub duck_release: FloatParam,
    /// Hold the echoes and ignore new input.
    #[id = "dly_freeze"]
    pub freeze: BoolParam,
    /// Dry/wet balance.
    #[id = "dly_mix"]
    pub mix: FloatParam,
}

impl Default for DelayParams {
    fn default() -> Self {
        let d = DelaySettings::default();
        Self {
            enabled: switch_param("Delay", true),
            time: milliseconds_param("Delay Time".into(), d.time_ms, TIME_MS_RANGE, -1.5),
            sync: BoolParam::new("Delay Sync", d.sync),
            note: choice_param("Delay Note".into(), &NoteValue::ALL, NoteValue::label, d.note),
            note_modifier: choice_param(
                "Delay Note Modifier".into(),
                &NoteModifier::ALL,
                NoteModifier::label,
                d.note_modifier,
            ),
            stereo_offset: FloatParam::new(
                "Delay Stereo Offset",
                d.stereo_offset_ms,
                FloatRange::Linear { min: STEREO_OFFSET_MS_RANGE.0, max: STEREO_OFFSET_MS_RANGE.1 },
            )
            .with_unit("ms")
            .with_step_size(0.1)
            .with_value_to_string(super::format::v2s_milliseconds_signed())
            .with_string_to_value(super::format::s2v_milliseconds()),
            ping_pong: BoolParam::new("Delay Ping-Pong", d.ping_pong),
            feedback: percent_param("Delay Feedback".into(), d.feedback, FEEDBACK_RANGE),
            low_cut: frequency_param("Delay Low Cut".into(), d.low_cut_hz, LOW_CUT_HZ_RANGE),
            high_cut: frequency_param("Delay High Cut".into(), d.high_cut_hz, HIGH_CUT_HZ_RANGE),
            saturation: percent_param("Delay Saturation".into(), d.saturation, SATURATION_RANGE),
            time_change: choice_param(
                "Delay Time Change".into(),
                &TimeChangeMode::ALL,
                TimeChangeMode::label,
                d.time_change,
            ),
            mod_rate: plain_param("Delay Mod Rate".into(), d.mod_rate_hz, MOD_RATE_HZ_RANGE, -1.0, "Hz"),
            mod_depth: milliseconds_param("Delay Mod Depth".into(), d.mod_depth_ms, MOD_DEPTH_MS_RANGE, -1.0),
            duck_amount: decibel_param("Delay Ducking".into(), d.duck_amount_db, DUCK_AMOUNT_DB_RANGE),
            duck_release: milliseconds_param(
                "Delay Duck Release".into(),
                d.duck_release_ms,
                DUCK_RELEASE_MS_RANGE,
                -1.5,
            ),
            freeze: BoolParam::new("Delay Freeze", d.freeze),
            mix: percent_param("Delay Mix".into(), d.mix, MIX_RANGE),
        }
    }
}

impl DelayParams {
    /// The DSP settings these parameters describe.
    pub fn settings(&self) -> DelaySettings {
        DelaySettings {
            time_ms: self.time.value(),
            sync: self.sync.value(),
            note: choice_value(&self.note, &NoteValue::ALL),
            note_modifier: choice_value(&self.note_modifier, &NoteModifier::ALL),
            stereo_offset_ms: self.stereo_offset.value(),
            ping_pong: self.ping_pong.value(),
            feedback: self.feedback.value() / 100.0,
            low_cut_hz: hz(&self.low_cut),
            high_cut_hz: hz(&self.high_cut),
            saturation: self.saturation.value() / 100.0,
            time_change: choice_value(&self.time_change, &TimeChangeMode::ALL),
            mod_rate_hz: self.mod_rate.value(),
            mod_depth_ms: self.mod_depth.value(),
            duck_amount_db: self.duck_amount.value(),
            duck_release_ms: self.duck_release.value(),
            freeze: self.freeze.value(),
            mix: self.mix.value() / 100.0,
        }
    }
}
