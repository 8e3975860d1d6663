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

/// Formats with `decimals` decimals, then drops trailing zeros ("20.50" → "20.5", "80.00" → "80").
fn trimmed(value: f32, decimals: usize) -> String {
    let text = format!("{value:.decimals$}");
    if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    }
}

/// Frequency with its unit: "20.01 Hz" / "80 Hz" below 100 Hz (decimals only where they matter:
/// the bottom of a log-like range moves slowly), "350 Hz", then "1.20 kHz" from 1 kHz.
pub fn frequency(hz: f32) -> String {
    // Thresholds sit where rounding would carry into the next format ("9999.7" must read
    // "10.0 kHz", not "10.00 kHz"), so every value has exactly one text.
    if hz < 99.995 {
        format!("{} Hz", trimmed(hz, 2))
    } else if hz < 999.5 {
        format!("{hz:.0} Hz")
    } else if hz < 9_995.0 {
        format!("{:.2} kHz", hz / 1000.0)
    } else {
        format!("{:.1} kHz", hz / 1000.0)
    }
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

/// Gain: "-6.0 " with one decimal, "-inf " for −∞ (and anything at or below `floor_db`).
pub fn decibels(db: f32, floor_db: f32) -> String {
    if db <= floor_db {
        "-inf ".to_string()
    } else if db.abs() < 0.05 {
        // Avoid "-0.0 dB" for values that round to zero.
        "0.0 ".to_string()
    } else {
        format!("{db:.1} ")
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

/// Milliseconds with three significant digits: "1.00 ", "12.5 ", "350 ".
pub fn milliseconds(ms: f32) -> String {
    match ms.abs() {
        a if a < 9.995 => format!("{ms:.2} "),
        a if a < 99.95 => format!("{ms:.1} "),
        _ => format!("{ms:.0} "),
    }
}

/// Signed milliseconds for offsets: "+12.5 " / "-12.5 " / "0.0 ".
pub fn milliseconds_signed(ms: f32) -> String {
    if ms.abs() < 0.05 {
        "0.0 ".to_string()
    } else {
        format!("{ms:+.1} ")
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

/// Seconds: "0.350 " below 1 s, "2.5 " from 1 s.
pub fn seconds(s: f32) -> String {
    if s < 0.9995 {
        format!("{s:.3} ")
    } else {
        format!("{s:.1} ")
    }
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

/// A 0–1 fraction shown as percent: 0.35 → "35 ".
pub fn percent(fraction: f32) -> String {
    format!("{:.0} ", fraction * 100.0)
}

/// Parses "35", "35%", "35 %" as percent and returns the fraction (0.35).
pub fn parse_percent(text: &str) -> Option<f32> {
    let (number, rest) = split_number(text)?;
    matches!(rest.as_str(), "" | "%").then_some(number / 100.0)
}

/// Plain numbers (Q, multipliers, metres) with three significant digits, so the bottom of a
/// strongly skewed range still reads precisely: "0.102 ", "1.50 ", "12.0 ".
pub fn plain(v: f32) -> String {
    let decimals = match v.abs() {
        a if a < 0.9995 => 3,
        a if a < 9.995 => 2,
        _ => 1,
    };
    format!("{v:.decimals$} ")
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
        assert_eq!(frequency(350.4), "350 Hz");
        assert_eq!(frequency(99.999), "100 Hz");
        assert_eq!(frequency(999.7), "1.00 kHz");
        assert_eq!(frequency(9999.7), "10.0 kHz");
        assert_eq!(frequency(1200.0), "1.20 kHz");
        assert_eq!(frequency(15000.0), "15.0 kHz");
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
        assert_eq!(format!("{}dB", decibels(-0.01, -60.0)), "0.0 dB");
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
    fn time_text_round_trips() {
        assert_eq!(format!("{}ms", milliseconds(350.0)), "350 ms");
        assert_eq!(format!("{}ms", milliseconds(2.5)), "2.50 ms");
        assert_eq!(format!("{}ms", milliseconds(12.5)), "12.5 ms");
        assert_eq!(format!("{}ms", milliseconds_signed(-12.5)), "-12.5 ms");
        assert_eq!(format!("{}ms", milliseconds_signed(12.5)), "+12.5 ms");
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
        assert_eq!(plain(0.5004), "0.500 ");
        assert_eq!(format!("{}x", plain(1.5)), "1.50 x");
        assert_eq!(parse_plain("0.71", ""), Some(0.71));
        assert_eq!(parse_plain("0.50 Hz", "Hz"), Some(0.5));
        assert_eq!(parse_plain("nan", ""), None);
    }
}
