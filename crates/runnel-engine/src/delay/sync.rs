//! Tempo sync: musical note values turned into seconds at the host's tempo.
//!
//! The engine only receives a tempo (beats per minute, a beat being a quarter note), not a time
//! signature, so bar lengths assume 4/4: one bar = four quarter notes. That is what every
//! mainstream delay plugin assumes for its "1 bar" setting too.

/// Tempo used until the host (or the standalone's `--tempo`) reports one.
pub const TEMPO_BPM_DEFAULT: f64 = 120.0;

/// Tempos outside this range are clamped. The bounds only protect the arithmetic (no division by
/// zero, no absurd lengths); the synced time is clamped to the delay's time range afterwards.
pub const TEMPO_BPM_RANGE: (f64, f64) = (10.0, 1000.0);

/// A straight note length a synced delay can snap to, from a 64th note to four bars.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NoteValue {
    /// 1/64 note: a sixteenth of a beat.
    SixtyFourth,
    /// 1/32 note: an eighth of a beat.
    ThirtySecond,
    /// 1/16 note: a quarter of a beat.
    Sixteenth,
    /// 1/8 note: half a beat (the classic dotted-eighth slapback uses this with `Dotted`).
    #[default]
    Eighth,
    /// 1/4 note: one beat.
    Quarter,
    /// 1/2 note: two beats.
    Half,
    /// A whole note: one bar of 4/4.
    Whole,
    /// Two bars of 4/4.
    TwoBars,
    /// Four bars of 4/4.
    FourBars,
}

impl NoteValue {
    /// Every value in ascending length, for the plugin's enum parameter.
    pub const ALL: [NoteValue; 9] = [
        NoteValue::SixtyFourth,
        NoteValue::ThirtySecond,
        NoteValue::Sixteenth,
        NoteValue::Eighth,
        NoteValue::Quarter,
        NoteValue::Half,
        NoteValue::Whole,
        NoteValue::TwoBars,
        NoteValue::FourBars,
    ];

    /// Length in beats (quarter notes).
    pub fn beats(self) -> f64 {
        match self {
            NoteValue::SixtyFourth => 1.0 / 16.0,
            NoteValue::ThirtySecond => 1.0 / 8.0,
            NoteValue::Sixteenth => 1.0 / 4.0,
            NoteValue::Eighth => 1.0 / 2.0,
            NoteValue::Quarter => 1.0,
            NoteValue::Half => 2.0,
            NoteValue::Whole => 4.0,
            NoteValue::TwoBars => 8.0,
            NoteValue::FourBars => 16.0,
        }
    }

    /// Text for the parameter display.
    pub fn label(self) -> &'static str {
        match self {
            NoteValue::SixtyFourth => "1/64",
            NoteValue::ThirtySecond => "1/32",
            NoteValue::Sixteenth => "1/16",
            NoteValue::Eighth => "1/8",
            NoteValue::Quarter => "1/4",
            NoteValue::Half => "1/2",
            NoteValue::Whole => "1 bar",
            NoteValue::TwoBars => "2 bars",
            NoteValue::FourBars => "4 bars",
        }
    }
}

/// How a note value is altered: straight, dotted (×1.5) or triplet (×2/3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum NoteModifier {
    /// The plain note length.
    Straight,
    /// One and a half times the note length.
    #[default]
    Dotted,
    /// Two thirds of the note length (three in the time of two).
    Triplet,
}

impl NoteModifier {
    /// Every modifier, for the plugin's enum parameter.
    pub const ALL: [NoteModifier; 3] = [NoteModifier::Straight, NoteModifier::Dotted, NoteModifier::Triplet];

    /// The factor applied to the straight note length.
    pub fn factor(self) -> f64 {
        match self {
            NoteModifier::Straight => 1.0,
            NoteModifier::Dotted => 1.5,
            NoteModifier::Triplet => 2.0 / 3.0,
        }
    }

    /// Text for the parameter display.
    pub fn label(self) -> &'static str {
        match self {
            NoteModifier::Straight => "straight",
            NoteModifier::Dotted => "dotted",
            NoteModifier::Triplet => "triplet",
        }
    }
}

/// Length of `note` with `modifier` at `bpm`, in seconds. The tempo is clamped to
/// [`TEMPO_BPM_RANGE`]; the result is not clamped to the delay's time range (the caller does that).
pub fn note_seconds(note: NoteValue, modifier: NoteModifier, bpm: f64) -> f64 {
    let bpm = sanitize_tempo(bpm).unwrap_or(TEMPO_BPM_DEFAULT);
    note.beats() * modifier.factor() * 60.0 / bpm
}

/// A usable tempo, or `None` for values a host should never send (NaN, zero, negative).
pub fn sanitize_tempo(bpm: f64) -> Option<f64> {
    if bpm.is_finite() && bpm > 0.0 {
        Some(bpm.clamp(TEMPO_BPM_RANGE.0, TEMPO_BPM_RANGE.1))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classic_values_at_120_bpm() {
        let ms = |n, m| note_seconds(n, m, 120.0) * 1000.0;
        assert_eq!(ms(NoteValue::Quarter, NoteModifier::Straight), 500.0);
        assert_eq!(ms(NoteValue::Eighth, NoteModifier::Dotted), 375.0);
        assert!((ms(NoteValue::Quarter, NoteModifier::Triplet) - 1000.0 / 3.0).abs() < 1e-9);
        assert_eq!(ms(NoteValue::Whole, NoteModifier::Straight), 2000.0);
        assert_eq!(ms(NoteValue::SixtyFourth, NoteModifier::Straight), 31.25);
    }

    #[test]
    fn broken_tempo_falls_back() {
        assert_eq!(sanitize_tempo(f64::NAN), None);
        assert_eq!(sanitize_tempo(0.0), None);
        assert_eq!(sanitize_tempo(5000.0), Some(TEMPO_BPM_RANGE.1));
        assert_eq!(note_seconds(NoteValue::Quarter, NoteModifier::Straight, -1.0), 0.5);
    }
}
