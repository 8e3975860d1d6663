//! Value ↔ text conversion for Runnel's parameters, in DSP units (Hz, dB, ms, s, 0–1 fractions).
//!
//! Every formatter returns the number followed by a space, leaving the unit to the caller
//! ("-6.0 " + "dB"): nice-plug shows `value_to_string(value) + unit` in CLAP hosts and the bare
//! value string with the unit in a separate field in VST3 hosts, so VST3 hosts get a real unit
//! field. Frequencies switch between "Hz" and "kHz", so [`frequency`] writes its unit itself and
//! its parameters carry none (see [`TextFormat::plugin_unit`](super::spec::TextFormat)).
//!
//! Value texts use the ASCII hyphen for minus and "-inf" for silence: hosts such as pedalboard
//! read parameter ranges by parsing the texts as numbers, and a typographic minus or a bare SI
//! prefix ("1.20 k") would make them give up.
//!
//! The parsers accept what people type: "1.2k", "1200", "1.2 kHz", "350ms", "0.35 s", "-6",
//! "−6 dB", "-inf".

/// The typographic minus sign, accepted when typed (or pasted) by users.
const MINUS: char = '\u{2212}';

/// Splits user input into a number and the text after it, accepting `−` for minus, a decimal
/// comma, and surrounding spaces. Returns `None` if no finite number leads the text.
fn split_number(text: &str) -> Option<(f32, String)> {
    let normalized: String = text.trim().replace(MINUS, "-").replace(',', ".");
    let lower = normalized.to_lowercase();
    let bytes = lower.as_bytes();
    let mut end = 0;
    while end < bytes.len() && (bytes[end].is_ascii_digit() || b"+-.eE".contains(&bytes[end])) {
        // Stop before an 'e' that does not start an exponent ("5e" is not a number, "5e3" is).
        if bytes[end] == b'e' && !bytes.get(end + 1).is_some_and(|c| c.is_ascii_digit() || *c == b'-') {
            break;
        }
        end += 1;
    }
    let number: f32 = lower[..end].parse().ok()?;
    if !number.is_finite() {
        return None;
    }
    Some((number, lower[end..].trim().to_string()))
}

/// Significant digits value texts carry (up to each format's decimal cap). Hosts such as
/// pedalboard scan a parameter's texts at 1001 positions and snap numbers they are given to the
/// grid those texts form; with six digits every scan step has its own text, so they see a
/// continuous range. Trailing zeros are dropped, so round values still read "1.20 kHz", "350 ms".
const SIGNIFICANT_DIGITS: i32 = 6;

/// `value` with [`SIGNIFICANT_DIGITS`] significant digits but at most `max_decimals` decimals,
/// then trailing zeros dropped down to `min_decimals(rounded value)` decimals. The minimum is
/// chosen from the rounded value so that a value and the value its text parses to always get
/// the same text (9.999996 kHz and 10 kHz both read "10.0 kHz").
fn precise(value: f32, min_decimals: impl Fn(f32) -> usize, max_decimals: usize) -> String {
    let magnitude = if value == 0.0 { 0 } else { value.abs().log10().floor() as i32 };
    let decimals = ((SIGNIFICANT_DIGITS - 1 - magnitude).max(0) as usize).min(max_decimals);
    let text = format!("{value:.decimals$}");
    let rounded: f32 = text.parse().unwrap_or(value);
    let keep = min_decimals(rounded).min(decimals);
    trim_zeros(&text, keep)
}

/// Drops trailing zeros after the decimal point, keeping at least `keep` decimals.
fn trim_zeros(text: &str, keep: usize) -> String {
    let Some(point) = text.find('.') else {
        return text.to_string();
    };
    let mut end = text.len();
    while end > point + 1 + keep && text.as_bytes()[end - 1] == b'0' {
        end -= 1;
    }
    if end == point + 1 {
        end = point;
    }
    let trimmed = &text[..end];
    // "-0" and "-0.0" read as zero.
    if trimmed.trim_start_matches('-').trim_matches(|c| c == '0' || c == '.').is_empty() {
        trimmed.trim_start_matches('-').to_string()
    } else {
        trimmed.to_string()
    }
}

/// Frequency with its unit: "80 Hz", "20.5 Hz", "997.66 Hz" below 1 kHz (at most 0.001 Hz
/// resolution), then "1.20 kHz", "1.0046 kHz", "15.0 kHz" (at most 0.01 Hz).
pub fn frequency(hz: f32) -> String {
    let in_hz = precise(hz, |_| 0, 3);
    if in_hz.parse::<f32>().is_ok_and(|rounded| rounded < 1000.0) {
        return format!("{in_hz} Hz");
    }
    let khz = precise(hz / 1000.0, |k| if k < 10.0 { 2 } else { 1 }, 5);
    format!("{khz} kHz")
}

/// Parses "1.2k", "1.2 kHz", "1200", "1200 Hz" into hertz.
pub fn parse_frequency(text: &str) -> Option<f32> {
    let (number, rest) = split_number(text)?;
    match rest.as_str() {
        "" | "hz" => Some(number),
        "k" | "khz" => Some(number * 1000.0),
        _ => None,
    }
}

/// Gain: "-6.0 ", "-6.03 " (one to five decimals), "-inf " for −∞ (and anything at or below
/// `floor_db`).
pub fn decibels(db: f32, floor_db: f32) -> String {
    if db <= floor_db {
        "-inf ".to_string()
    } else {
        format!("{} ", precise(db, |_| 1, 5))
    }
}

/// Whether `text` (unit already removed, lower case) is one of the ways to write −∞.
fn is_minus_infinity(text: &str) -> bool {
    matches!(text, "-inf" | "-∞" | "-infinity")
}

/// Parses "-6", "−6 dB", "+3.5db" into decibels and "-inf" into −∞.
pub fn parse_decibels(text: &str) -> Option<f32> {
    let lower = text.trim().replace(MINUS, "-").to_lowercase();
    let without_unit = lower.trim_end_matches("db").trim();
    if is_minus_infinity(without_unit) {
        return Some(f32::NEG_INFINITY);
    }
    let (number, rest) = split_number(without_unit)?;
    rest.is_empty().then_some(number)
}

/// Loudness in LUFS: "-23.0 ", "-23.25 " (one to five decimals; the caller adds "LUFS").
pub fn lufs(lufs: f32) -> String {
    format!("{} ", precise(lufs, |_| 1, 5))
}

/// Parses "-23", "-23 LUFS", "-23LUFS", "−23 lufs" into LUFS.
pub fn parse_lufs(text: &str) -> Option<f32> {
    let (number, rest) = split_number(text)?;
    matches!(rest.as_str(), "" | "lufs").then_some(number)
}

/// The fewest decimals a millisecond text shows: "1.00", "12.5", "350".
fn millisecond_decimals(ms: f32) -> usize {
    match ms.abs() {
        a if a < 10.0 => 2,
        a if a < 100.0 => 1,
        _ => 0,
    }
}

/// Milliseconds: "1.00 ", "12.5 ", "350 ", "350.25 " (at most 10 ns resolution).
pub fn milliseconds(ms: f32) -> String {
    format!("{} ", precise(ms, millisecond_decimals, 5))
}

/// Signed milliseconds for offsets: "+12.5 " / "-12.5 " / "0.0 ".
pub fn milliseconds_signed(ms: f32) -> String {
    let text = precise(ms, |_| 1, 3);
    if text.trim_start_matches('-').trim_matches(|c| c == '0' || c == '.').is_empty() {
        "0.0 ".to_string()
    } else if text.starts_with('-') {
        format!("{text} ")
    } else {
        format!("+{text} ")
    }
}

/// Parses "350", "350ms", "0.35 s", "0.35s" into milliseconds.
pub fn parse_milliseconds(text: &str) -> Option<f32> {
    let (number, rest) = split_number(text)?;
    match rest.as_str() {
        "" | "ms" => Some(number),
        "s" | "sec" => Some(number * 1000.0),
        _ => None,
    }
}

/// Seconds: "0.350 " below 1 s, "2.5 ", "2.5346 " from 1 s (at most 10 µs resolution).
pub fn seconds(s: f32) -> String {
    format!("{} ", precise(s, |rounded| if rounded < 1.0 { 3 } else { 1 }, 5))
}

/// Parses "2.5", "2.5 s", "2500ms" into seconds.
pub fn parse_seconds(text: &str) -> Option<f32> {
    let (number, rest) = split_number(text)?;
    match rest.as_str() {
        "" | "s" | "sec" => Some(number),
        "ms" => Some(number / 1000.0),
        _ => None,
    }
}

/// A 0–1 fraction shown as percent: 0.35 → "35 ", 0.3541 → "35.41 " (at most 0.0001 %).
pub fn percent(fraction: f32) -> String {
    format!("{} ", precise(fraction * 100.0, |_| 0, 4))
}

/// Parses "35", "35%", "35 %" as percent and returns the fraction (0.35).
pub fn parse_percent(text: &str) -> Option<f32> {
    let (number, rest) = split_number(text)?;
    matches!(rest.as_str(), "" | "%").then_some(number / 100.0)
}

/// Plain numbers (Q, multipliers, metres): at least three significant digits, so the bottom
/// of a strongly skewed range still reads precisely ("0.102 ", "1.50 ", "12.0 "), and up to
/// six ("0.707107 ").
pub fn plain(v: f32) -> String {
    let min_decimals = |rounded: f32| match rounded.abs() {
        a if a < 1.0 => 3,
        a if a < 10.0 => 2,
        _ => 1,
    };
    format!("{} ", precise(v, min_decimals, 6))
}

/// Parses a plain number, ignoring a trailing `unit` in any case (e.g. "x", "Hz").
pub fn parse_plain(text: &str, unit: &str) -> Option<f32> {
    let (number, rest) = split_number(text)?;
    (rest.is_empty() || rest == unit.to_lowercase()).then_some(number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequency_text_round_trips() {
        assert_eq!(frequency(80.0), "80 Hz");
        assert_eq!(frequency(20.24), "20.24 Hz");
        assert_eq!(frequency(20.5), "20.5 Hz");
        assert_eq!(frequency(350.4), "350.4 Hz");
        assert_eq!(frequency(350.0), "350 Hz");
        assert_eq!(frequency(99.9999), "100 Hz");
        assert_eq!(frequency(999.7), "999.7 Hz");
        assert_eq!(frequency(999.9999), "1.00 kHz");
        assert_eq!(frequency(1004.6), "1.0046 kHz");
        assert_eq!(frequency(9999.7), "9.9997 kHz");
        assert_eq!(frequency(9999.999), "10.0 kHz");
        assert_eq!(frequency(1200.0), "1.20 kHz");
        assert_eq!(frequency(15000.0), "15.0 kHz");
        assert_eq!(frequency(20000.0), "20.0 kHz");
        for typed in ["1.2k", "1.2 kHz", "1200", "1200 Hz", "1,2k", "1.2KHZ"] {
            assert_eq!(parse_frequency(typed), Some(1200.0), "{typed}");
        }
        assert_eq!(parse_frequency("1.20 kHz"), Some(1200.0));
        assert_eq!(parse_frequency("fast"), None);
        assert_eq!(parse_frequency("12 parsecs"), None);
    }

    #[test]
    fn decibel_text_round_trips() {
        assert_eq!(format!("{}dB", decibels(-6.0, -60.0)), "-6.0 dB");
        assert_eq!(format!("{}dB", decibels(-0.000001, -60.0)), "0.0 dB");
        assert_eq!(format!("{}dB", decibels(0.5904, -60.0)), "0.5904 dB");
        assert_eq!(format!("{}dB", decibels(-6.03, -60.0)), "-6.03 dB");
        assert_eq!(format!("{}dB", decibels(-60.0, -60.0)), "-inf dB");
        assert_eq!(format!("{}dB", decibels(f32::NEG_INFINITY, -60.0)), "-inf dB");
        for typed in ["-6", "−6 dB", "-6.0dB", " -6 "] {
            assert_eq!(parse_decibels(typed), Some(-6.0), "{typed}");
        }
        assert_eq!(parse_decibels("+3.5db"), Some(3.5));
        assert_eq!(parse_decibels("-inf"), Some(f32::NEG_INFINITY));
        assert_eq!(parse_decibels("−∞ dB"), Some(f32::NEG_INFINITY));
        assert_eq!(parse_decibels("loud"), None);
        assert_eq!(parse_decibels("inf"), None);
    }

    #[test]
    fn lufs_text_round_trips() {
        assert_eq!(format!("{}LUFS", lufs(-23.0)), "-23.0 LUFS");
        assert_eq!(format!("{}LUFS", lufs(-14.25)), "-14.25 LUFS");
        assert_eq!(format!("{}LUFS", lufs(-6.0)), "-6.0 LUFS");
        for typed in ["-23", "-23 LUFS", "-23LUFS", "-23 lufs", "\u{2212}23 LUFS", " -23.0 Lufs "] {
            assert_eq!(parse_lufs(typed), Some(-23.0), "{typed}");
        }
        // Every text the formatter writes reads back as the value it was written from.
        for k in 0..=2400 {
            let value = -60.0 + k as f32 * 0.0225;
            let text = format!("{}LUFS", lufs(value));
            let back = parse_lufs(&text).unwrap_or_else(|| panic!("{text} does not parse"));
            assert_eq!(format!("{}LUFS", lufs(back)), text);
            assert!((back - value).abs() <= 1e-4 * value.abs().max(1.0), "{value} → {text} → {back}");
        }
        assert_eq!(parse_lufs("-23 dB"), None, "dB is not LUFS");
        assert_eq!(parse_lufs("-23 LU"), None, "LU is relative, not full-scale loudness");
        assert_eq!(parse_lufs("loud"), None);
        assert_eq!(parse_lufs("-inf"), None);
    }

    #[test]
    fn time_text_round_trips() {
        assert_eq!(format!("{}ms", milliseconds(350.0)), "350 ms");
        assert_eq!(format!("{}ms", milliseconds(2.5)), "2.50 ms");
        assert_eq!(format!("{}ms", milliseconds(12.5)), "12.5 ms");
        assert_eq!(format!("{}ms", milliseconds_signed(-12.5)), "-12.5 ms");
        assert_eq!(format!("{}ms", milliseconds_signed(12.5)), "+12.5 ms");
        assert_eq!(format!("{}ms", milliseconds_signed(-0.0001)), "0.0 ms");
        assert_eq!(format!("{}ms", milliseconds(350.25)), "350.25 ms");
        assert_eq!(format!("{}ms", milliseconds(1.0)), "1.00 ms");
        assert_eq!(format!("{}s", seconds(0.35)), "0.350 s");
        assert_eq!(format!("{}s", seconds(3.5000005)), "3.5 s");
        assert_eq!(parse_milliseconds("\u{2212}12.5 ms"), Some(-12.5));
        assert_eq!(parse_milliseconds("350ms"), Some(350.0));
        assert_eq!(parse_milliseconds("0.35 s"), Some(350.0));
        assert_eq!(parse_milliseconds("350"), Some(350.0));
        assert_eq!(format!("{}s", seconds(2.5)), "2.5 s");
        assert_eq!(parse_seconds("2.5"), Some(2.5));
        assert_eq!(parse_seconds("2500ms"), Some(2.5));
        assert_eq!(parse_seconds("2.5 s"), Some(2.5));
    }

    #[test]
    fn percent_and_plain_parse() {
        assert_eq!(format!("{}%", percent(0.35)), "35 %");
        assert_eq!(parse_percent("35 %"), Some(0.35));
        assert_eq!(parse_percent("35"), Some(0.35));
        assert_eq!(parse_plain("1.5x", "x"), Some(1.5));
        assert_eq!(format!("{}m", plain(25.0)), "25.0 m");
        assert_eq!(format!("{}x", plain(1.5)), "1.50 x");
        assert_eq!(parse_plain("0.71", ""), Some(0.71));
        assert_eq!(parse_plain("0.50 Hz", "Hz"), Some(0.5));
        assert_eq!(parse_plain("nan", ""), None);
    }
}
