//! Writing quantities the way a `.journey` file writes them, for every stage's messages.

/// A duration in the source's units: `1d12h`, `3d`, `30m`; `0s` for zero. Days are the largest
/// unit, since journeys are written in days far more often than in weeks.
pub fn duration(secs: u64) -> String {
    if secs == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = secs;
    for (unit, size) in [("d", 86_400), ("h", 3_600), ("m", 60), ("s", 1)] {
        if rest >= size {
            out.push_str(&format!("{}{unit}", rest / size));
            rest %= size;
        }
    }
    out
}

/// A signed duration, for offsets that may be negative.
pub fn signed_duration(secs: i64) -> String {
    let d = duration(secs.unsigned_abs());
    if secs < 0 {
        format!("-{d}")
    } else {
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_written() {
        assert_eq!(duration(3 * 86_400), "3d");
        assert_eq!(duration(86_400 + 12 * 3_600), "1d12h");
        assert_eq!(duration(90), "1m30s");
        assert_eq!(duration(0), "0s");
        assert_eq!(signed_duration(-3_600), "-1h");
    }
}
