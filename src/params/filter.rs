//! Parameters of the filter stage: high-pass, low-pass, two shelves, two bells, notch/band-pass.

use nice_plug::prelude::*;

use super::{hz, choice_param, choice_value, decibel_param, frequency_param, plain_param, switch_param};
use runnel_engine::filter::{
    BellSettings, FilterSettings, FilterSlope, NotchMode, NotchSettings, PassSettings, ShelfSettings,
    BELL_Q_RANGE, FREQUENCY_RANGE_HZ, GAIN_RANGE_DB, NOTCH_Q_RANGE, RESONANCE_Q_RANGE, SHELF_Q_RANGE,
};

/// The filter stage's switch and its bands. Band IDs are `<band>_<field>`, e.g. `hp_freq`.
#[derive(Params)]
pub struct FilterParams {
    /// Stage on/off.
    #[id = "filter_on"]
    pub enabled: BoolParam,
    /// High-pass band.
    #[nested(id_prefix = "hp", group = "High-pass")]
    pub high_pass: PassParams,
    /// Low-pass band.
    #[nested(id_prefix = "lp", group = "Low-pass")]
    pub low_pass: PassParams,
    /// Low shelf.
    #[nested(id_prefix = "ls", group = "Low Shelf")]
    pub low_shelf: GainBandParams,
    /// High shelf.
    #[nested(id_prefix = "hs", group = "High Shelf")]
    pub high_shelf: GainBandParams,
    /// First bell.
    #[nested(id_prefix = "b1", group = "Bell 1")]
    pub bell_1: GainBandParams,
    /// Second bell.
    #[nested(id_prefix = "b2", group = "Bell 2")]
    pub bell_2: GainBandParams,
    /// Notch / band-pass band.
    #[nested(id_prefix = "notch", group = "Notch")]
    pub notch: NotchParams,
}

impl Default for FilterParams {
    fn default() -> Self {
        let d = FilterSettings::default();
        Self {
            enabled: switch_param("Filter", true),
            high_pass: PassParams::new("HP", &d.high_pass),
            low_pass: PassParams::new("LP", &d.low_pass),
            low_shelf: GainBandParams::shelf("Low Shelf", &d.low_shelf),
            high_shelf: GainBandParams::shelf("High Shelf", &d.high_shelf),
            bell_1: GainBandParams::bell("Bell 1", &d.bell_1),
            bell_2: GainBandParams::bell("Bell 2", &d.bell_2),
            notch: NotchParams::new("Notch", &d.notch),
        }
    }
}

impl FilterParams {
    /// The DSP settings these parameters describe.
    pub fn settings(&self) -> FilterSettings {
        FilterSettings {
            high_pass: self.high_pass.settings(),
            low_pass: self.low_pass.settings(),
            low_shelf: self.low_shelf.shelf_settings(),
            high_shelf: self.high_shelf.shelf_settings(),
            bell_1: self.bell_1.bell_settings(),
            bell_2: self.bell_2.bell_settings(),
            notch: self.notch.settings(),
        }
    }
}

/// A high- or low-pass band.
#[derive(Params)]
pub struct PassParams {
    /// Band on/off.
    #[id = "on"]
    pub enabled: BoolParam,
    /// Cutoff (−3 dB for the Butterworth slopes).
    #[id = "freq"]
    pub cutoff: FloatParam,
    /// Slope, or the resonant 12 dB/oct mode.
    #[id = "slope"]
    pub slope: IntParam,
    /// Q of the resonant mode.
    #[id = "q"]
    pub resonance: FloatParam,
}

impl PassParams {
    fn new(band: &str, d: &PassSettings) -> Self {
        Self {
            enabled: switch_param(band, d.enabled),
            cutoff: frequency_param(format!("{band} Cutoff"), d.cutoff_hz, FREQUENCY_RANGE_HZ),
            slope: choice_param(format!("{band} Slope"), &FilterSlope::ALL, FilterSlope::label, d.slope),
            resonance: plain_param(format!("{band} Resonance"), d.resonance_q, RESONANCE_Q_RANGE, -1.0, ""),
        }
    }

    fn settings(&self) -> PassSettings {
        PassSettings {
            enabled: self.enabled.value(),
            cutoff_hz: hz(&self.cutoff),
            slope: choice_value(&self.slope, &FilterSlope::ALL),
            resonance_q: self.resonance.value(),
        }
    }
}

/// A band with a frequency, a gain and a Q: a shelf or a bell (they differ only in their Q
/// range and in the DSP settings type they fill).
#[derive(Params)]
pub struct GainBandParams {
    /// Band on/off.
    #[id = "on"]
    pub enabled: BoolParam,
    /// Corner (shelf) or centre (bell) frequency.
    #[id = "freq"]
    pub freq: FloatParam,
    /// Shelf or peak gain.
    #[id = "gain"]
    pub gain: FloatParam,
    /// Transition (shelf) or bandwidth (bell) Q.
    #[id = "q"]
    pub q: FloatParam,
}

impl GainBandParams {
    fn new(band: &str, enabled: bool, freq_hz: f32, gain_db: f32, q: f32, q_range: (f32, f32)) -> Self {
        Self {
            enabled: switch_param(band, enabled),
            freq: frequency_param(format!("{band} Freq"), freq_hz, FREQUENCY_RANGE_HZ),
            gain: decibel_param(format!("{band} Gain"), gain_db, GAIN_RANGE_DB),
            q: plain_param(format!("{band} Q"), q, q_range, -1.0, ""),
        }
    }

    fn shelf(band: &str, d: &ShelfSettings) -> Self {
        Self::new(band, d.enabled, d.freq_hz, d.gain_db, d.q, SHELF_Q_RANGE)
    }

    fn bell(band: &str, d: &BellSettings) -> Self {
        Self::new(band, d.enabled, d.freq_hz, d.gain_db, d.q, BELL_Q_RANGE)
    }

    fn shelf_settings(&self) -> ShelfSettings {
        ShelfSettings {
            enabled: self.enabled.value(),
            freq_hz: hz(&self.freq),
            gain_db: self.gain.value(),
            q: self.q.value(),
        }
    }

    fn bell_settings(&self) -> BellSettings {
        BellSettings {
            enabled: self.enabled.value(),
            freq_hz: hz(&self.freq),
            gain_db: self.gain.value(),
            q: self.q.value(),
        }
    }
}

/// The notch / band-pass band.
#[derive(Params)]
pub struct NotchParams {
    /// Band on/off.
    #[id = "on"]
    pub enabled: BoolParam,
    /// Notch or band-pass.
    #[id = "mode"]
    pub mode: IntParam,
    /// Centre frequency.
    #[id = "freq"]
    pub freq: FloatParam,
    /// Bandwidth as Q.
    #[id = "q"]
    pub q: FloatParam,
}

impl NotchParams {
    fn new(band: &str, d: &NotchSettings) -> Self {
        Self {
            enabled: switch_param(band, d.enabled),
            mode: choice_param(format!("{band} Mode"), &NotchMode::ALL, NotchMode::label, d.mode),
            freq: frequency_param(format!("{band} Freq"), d.freq_hz, FREQUENCY_RANGE_HZ),
            q: plain_param(format!("{band} Q"), d.q, NOTCH_Q_RANGE, -1.0, ""),
        }
    }

    fn settings(&self) -> NotchSettings {
        NotchSettings {
            enabled: self.enabled.value(),
            mode: choice_value(&self.mode, &NotchMode::ALL),
            freq_hz: hz(&self.freq),
            q: self.q.value(),
        }
    }
}
