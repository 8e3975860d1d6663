//! Value ↔ text conversion for Runnel's parameters.
//!
//! nice-plug shows `value_to_string(value) + unit` in CLAP hosts and the bare value string (with
//! the unit in a separate field) in VST3 hosts. So each formatter here returns the number with
//! any SI prefix, and the parameter's unit is the base unit: "1.20 k" + "Hz" reads "1.20 kHz".
//! The parsers accept what people type: "1.2k", "1200", "1.2 kHz", "350ms", "0.35 s", "-6",
//! "−6 dB", "-inf".

use std::sync::Arc;

/// A boxed formatter as nice-plug's `with_value_to_string` wants it.
pub type ValueToString = Arc<dyn Fn(f32) -> String + Send + Sync>;
/// A boxed parser as nice-plug's `with_string_to_value` wants it.
pub type StringToValue = Arc<dyn Fn(&str) -> Option<f32> + Send + Sync>;

/// The typographic minus sign; hosts render it the same width as `+`, which keeps columns aligned.
const MINUS: char = '\u{2212}';

/// Replaces a leading ASCII hyphen with the typographic minus.
fn with_typographic_minus(text: String) -> String {
    match text.strip_prefix('-') {
        Some(rest) => format!("{MINUS}{rest}"),
        None => text,
    }
}

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

/// Frequency: "80 " below 1 kHz, "1.20 k" from 1 kHz; use with unit "Hz".
pub fn v2s_frequency() -> ValueToString {
    Arc::new(|hz| {
        if hz < 1000.0 {
            format!("{hz:.0} ")
        } else if hz < 10_000.0 {
            format!("{:.2} k", hz / 1000.0)
        } else {
            format!("{:.1} k", hz / 1000.0)
        }
    })
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

/// Gain: "−6.0 " with one decimal, "−∞ " at or below `floor_db`; use with unit "dB".
pub fn v2s_decibels(floor_db: f32) -> ValueToString {
    Arc::new(move |db| {
        if db <= floor_db {
            format!("{MINUS}\u{221e} ")
        } else if db.abs() < 0.05 {
            // Avoid "−0.0 dB" for values that round to zero.
            "0.0 ".to_string()
        } else {
            with_typographic_minus(format!("{db:.1} "))
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

/// Milliseconds: "350 " (one decimal below 10 ms); use with unit "ms".
pub fn v2s_milliseconds() -> ValueToString {
    Arc::new(|ms| if ms < 10.0 { format!("{ms:.1} ") } else { format!("{ms:.0} ") })
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

/// Seconds: "2.5 " (two decimals below 1 s, one decimal from 1 s); use with unit "s".
pub fn v2s_seconds() -> ValueToString {
    Arc::new(|s| if s < 1.0 { format!("{s:.2} ") } else { format!("{s:.1} ") })
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

/// Plain numbers (Q, ratios): "0.71 " / "12.0 "; use with an empty unit or e.g. "x".
pub fn v2s_plain(decimals: usize) -> ValueToString {
    Arc::new(move |v| format!("{v:.decimals$}"))
}

/// Parses a plain number, ignoring a trailing `suffix` (e.g. "x").
pub fn s2v_plain(suffix: &'static str) -> StringToValue {
    Arc::new(move |text| {
        let (number, rest) = split_number(text)?;
        (rest.is_empty() || rest == suffix).then_some(number)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frequency_text_round_trips() {
        let f = v2s_frequency();
        let p = s2v_frequency();
        assert_eq!(format!("{}Hz", f(80.0)), "80 Hz");
        assert_eq!(format!("{}Hz", f(1200.0)), "1.20 kHz");
        assert_eq!(format!("{}Hz", f(15000.0)), "15.0 kHz");
        for typed in ["1.2k", "1.2 kHz", "1200", "1200 Hz", "1,2k", "1.2KHZ"] {
            assert_eq!(p(typed), Some(1200.0), "{typed}");
        }
        assert_eq!(p("1.20 kHz"), Some(1200.0));
        assert_eq!(p("fast"), None);
        assert_eq!(p("12 parsecs"), None);
    }

    #[test]
    fn decibel_text_round_trips() {
        let f = v2s_decibels(-60.0);
        let p = s2v_decibels(-60.0);
        assert_eq!(format!("{}dB", f(-6.0)), "\u{2212}6.0 dB");
        assert_eq!(format!("{}dB", f(-0.01)), "0.0 dB");
        assert_eq!(format!("{}dB", f(-60.0)), "\u{2212}\u{221e} dB");
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
        assert_eq!(format!("{}ms", v2s_milliseconds()(2.5)), "2.5 ms");
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
        assert_eq!(s2v_plain("")("0.71"), Some(0.71));
        assert_eq!(s2v_plain("")("nan"), None);
    }
}
