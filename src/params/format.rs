//! Value ↔ text conversion for Runnel's parameters.
//!
//! nice-plug shows `value_to_string(value) + unit` in CLAP hosts and the bare value string (with
//! the unit in a separate field) in VST3 hosts. Most formatters return a number with a trailing
//! space and leave the unit to the parameter ("-6.0 " + "dB"), so VST3 hosts get a real unit
//! field. Frequencies switch between "Hz" and "kHz", so their formatter writes the unit itself
//! and the parameter has none.
//!
//! Value texts use the ASCII hyphen for minus and "-inf" for silence: hosts such as pedalboard
//! read parameter ranges by parsing the texts as numbers, and a typographic minus or a bare SI
//! prefix ("1.20 k") would make them give up.
//!
//! The parsers accept what people type: "1.2k", "1200", "1.2 kHz", "350ms", "0.35 s", "-6",
//! "−6 dB", "-inf".

use std::sync::Arc;

/// A boxed formatter as nice-plug's `with_value_to_string` wants it.
pub type ValueToString = Arc<dyn Fn(f32) -> String + Send + Sync>;
/// A boxed parser as nice-plug's `with_string_to_value` wants it.
pub type StringToValue = Arc<dyn Fn(&str) -> Option<f32> + Send + Sync>;

/// The typographic minus sign, accepted when typed (or pasted) by users.
const MINUS: char = '\u{2212}';

/// Splits user input into a number and the text after it, accepting `−` for minus, a decimal
/// comma, and surrounding spaces. Returns `None` if no number leads the text.
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
/// the bottom of a log-like range moves slowly), "350 Hz", then "1.20 kHz" from 1 kHz; use with
/// no unit.
pub fn v2s_frequency() -> ValueToString {
    // Thresholds sit where rounding would carry into the next format ("9999.7" must read
    // "10.0 kHz", not "10.00 kHz"), so every value has exactly one text.
    Arc::new(|hz| {
        if hz < 99.995 {
            format!("{} Hz", trimmed(hz, 2))
        } else if hz < 999.5 {
            format!("{hz:.0} Hz")
        } else if hz < 9_995.0 {
            format!("{:.2} kHz", hz / 1000.0)
        } else {
            format!("{:.1} kHz", hz / 1000.0)
        }
    })
}

/// [`v2s_frequency`] for a parameter whose plain value is `log2(Hz)` (see
/// `params::frequency_param`).
pub fn v2s_log2_frequency() -> ValueToString {
    let hz_text = v2s_frequency();
    Arc::new(move |log2_hz| hz_text(log2_hz.exp2()))
}

/// [`s2v_frequency`] for a parameter whose plain value is `log2(Hz)`.
pub fn s2v_log2_frequency() -> StringToValue {
    let parse_hz = s2v_frequency();
    Arc::new(move |text| parse_hz(text).filter(|hz| *hz > 0.0).map(f32::log2))
}

/// Parses "1.2k", "1.2 kHz", "1200", "1200 Hz" into hertz.
pub fn s2v_frequency() -> StringToValue {
    Arc::new(|text| {
        let (number, rest) = split_number(text)?;
        match rest.as_str() {
            "" | "hz" => Some(number),
            "k" | "khz" => Some(number * 1000.0),
            _ => None,
        }
    })
}

/// Gain: "-6.0 " with one decimal, "-inf " at or below `floor_db`; use with unit "dB".
pub fn v2s_decibels(floor_db: f32) -> ValueToString {
    Arc::new(move |db| {
        if db <= floor_db {
            "-inf ".to_string()
        } else if db.abs() < 0.05 {
            // Avoid "-0.0 dB" for values that round to zero.
            "0.0 ".to_string()
        } else {
            format!("{db:.1} ")
        }
    })
}

/// Parses "-6", "−6 dB", "+3.5db", "-inf" into decibels; "-inf" maps to `floor_db`.
pub fn s2v_decibels(floor_db: f32) -> StringToValue {
    Arc::new(move |text| {
        let lower = text.trim().replace(MINUS, "-").to_lowercase();
        let without_unit = lower.trim_end_matches("db").trim();
        if matches!(without_unit, "-inf" | "-∞" | "-infinity") {
            return Some(floor_db);
        }
        let (number, rest) = split_number(without_unit)?;
        rest.is_empty().then_some(number)
    })
}

/// Milliseconds with three significant digits: "1.00 ", "12.5 ", "350 "; use with unit "ms".
pub fn v2s_milliseconds() -> ValueToString {
    Arc::new(|ms| match ms.abs() {
        a if a < 9.995 => format!("{ms:.2} "),
        a if a < 99.95 => format!("{ms:.1} "),
        _ => format!("{ms:.0} "),
    })
}

/// Signed milliseconds for offsets: "+12.5 " / "-12.5 " / "0.0 "; use with unit "ms".
pub fn v2s_milliseconds_signed() -> ValueToString {
    Arc::new(|ms| if ms.abs() < 0.05 { "0.0 ".to_string() } else { format!("{ms:+.1} ") })
}

/// Parses "350", "350ms", "0.35 s", "0.35s" into milliseconds.
pub fn s2v_milliseconds() -> StringToValue {
    Arc::new(|text| {
        let (number, rest) = split_number(text)?;
        match rest.as_str() {
            "" | "ms" => Some(number),
            "s" | "sec" => Some(number * 1000.0),
            _ => None,
        }
    })
}

/// Seconds: "0.350 " below 1 s, "2.5 " from 1 s; use with unit "s".
pub fn v2s_seconds() -> ValueToString {
    Arc::new(|s| if s < 0.9995 { format!("{s:.3} ") } else { format!("{s:.1} ") })
}

/// Parses "2.5", "2.5 s", "2500ms" into seconds.
pub fn s2v_seconds() -> StringToValue {
    Arc::new(|text| {
        let (number, rest) = split_number(text)?;
        match rest.as_str() {
            "" | "s" | "sec" => Some(number),
            "ms" => Some(number / 1000.0),
            _ => None,
        }
    })
}

/// Percent stored as 0–100: "35 "; use with unit "%".
pub fn v2s_percent() -> ValueToString {
    Arc::new(|p| format!("{p:.0} "))
}

/// Parses "35", "35%", "35 %" as percent.
pub fn s2v_percent() -> StringToValue {
    Arc::new(|text| {
        let (number, rest) = split_number(text)?;
        matches!(rest.as_str(), "" | "%").then_some(number)
    })
}

/// Plain numbers (Q, multipliers, metres) with three significant digits, so the bottom of a
/// strongly skewed range still reads precisely: "0.102", "1.50", "12.0"; a trailing space
/// before a unit such as "x", "m" or "Hz".
pub fn v2s_plain(unit: &'static str) -> ValueToString {
    let separator = if unit.is_empty() { "" } else { " " };
    Arc::new(move |v| {
        let decimals = match v.abs() {
            a if a < 0.9995 => 3,
            a if a < 9.995 => 2,
            _ => 1,
        };
        format!("{v:.decimals$}{separator}")
    })
}

/// Parses a plain number, ignoring a trailing `unit` in any case (e.g. "x", "Hz").
pub fn s2v_plain(unit: &'static str) -> StringToValue {
    let unit = unit.to_lowercase();
    Arc::new(move |text| {
        let (number, rest) = split_number(text)?;
        (rest.is_empty() || rest == unit).then_some(number)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequency_text_round_trips() {
        let f = v2s_frequency();
        let p = s2v_frequency();
        assert_eq!(f(80.0), "80 Hz");
        assert_eq!(f(20.24), "20.24 Hz");
        assert_eq!(f(20.5), "20.5 Hz");
        assert_eq!(f(350.4), "350 Hz");
        assert_eq!(f(99.999), "100 Hz");
        assert_eq!(f(999.7), "1.00 kHz");
        assert_eq!(f(9999.7), "10.0 kHz");
        assert_eq!(f(1200.0), "1.20 kHz");
        assert_eq!(f(15000.0), "15.0 kHz");
        for typed in ["1.2k", "1.2 kHz", "1200", "1200 Hz", "1,2k", "1.2KHZ"] {
            assert_eq!(p(typed), Some(1200.0), "{typed}");
        }
        assert_eq!(p("1.20 kHz"), Some(1200.0));
        assert_eq!(p("fast"), None);
        let log_text = v2s_log2_frequency();
        let log_parse = s2v_log2_frequency();
        assert_eq!(log_text(1200f32.log2()), "1.20 kHz");
        assert!((log_parse("1.2k").unwrap() - 1200f32.log2()).abs() < 1e-6);
        assert_eq!(log_parse("0 Hz"), None);
        assert_eq!(p("12 parsecs"), None);
    }

    #[test]
    fn decibel_text_round_trips() {
        let f = v2s_decibels(-60.0);
        let p = s2v_decibels(-60.0);
        assert_eq!(format!("{}dB", f(-6.0)), "-6.0 dB");
        assert_eq!(format!("{}dB", f(-0.01)), "0.0 dB");
        assert_eq!(format!("{}dB", f(-60.0)), "-inf dB");
        for typed in ["-6", "−6 dB", "-6.0dB", " -6 "] {
            assert_eq!(p(typed), Some(-6.0), "{typed}");
        }
        assert_eq!(p("+3.5db"), Some(3.5));
        assert_eq!(p("-inf"), Some(-60.0));
        assert_eq!(p(&format!("{}dB", f(-60.0))), Some(-60.0));
        assert_eq!(p("loud"), None);
    }

    #[test]
    fn time_text_round_trips() {
        let ms = s2v_milliseconds();
        assert_eq!(format!("{}ms", v2s_milliseconds()(350.0)), "350 ms");
        assert_eq!(format!("{}ms", v2s_milliseconds()(2.5)), "2.50 ms");
        assert_eq!(format!("{}ms", v2s_milliseconds()(12.5)), "12.5 ms");
        assert_eq!(format!("{}ms", v2s_milliseconds_signed()(-12.5)), "-12.5 ms");
        assert_eq!(format!("{}ms", v2s_milliseconds_signed()(12.5)), "+12.5 ms");
        assert_eq!(ms("\u{2212}12.5 ms"), Some(-12.5));
        assert_eq!(ms("350ms"), Some(350.0));
        assert_eq!(ms("0.35 s"), Some(350.0));
        assert_eq!(ms("350"), Some(350.0));
        let s = s2v_seconds();
        assert_eq!(format!("{}s", v2s_seconds()(2.5)), "2.5 s");
        assert_eq!(s("2.5"), Some(2.5));
        assert_eq!(s("2500ms"), Some(2.5));
        assert_eq!(s("2.5 s"), Some(2.5));
    }

    #[test]
    fn percent_and_plain_parse() {
        assert_eq!(s2v_percent()("35 %"), Some(35.0));
        assert_eq!(s2v_percent()("35"), Some(35.0));
        assert_eq!(s2v_plain("x")("1.5x"), Some(1.5));
        assert_eq!(format!("{}m", v2s_plain("m")(25.0)), "25.0 m");
        assert_eq!(v2s_plain("")(0.5004), "0.500");
        assert_eq!(format!("{}x", v2s_plain("x")(1.5)), "1.50 x");
        assert_eq!(s2v_plain("")("0.71"), Some(0.71));
        assert_eq!(s2v_plain("Hz")("0.50 Hz"), Some(0.5));
        assert_eq!(s2v_plain("")("nan"), None);
    }
}
