//! Confidence intervals and significance for conversion rates and means.
//!
//! Rates use Wilson's score interval (good for small counts and rates near 0% or 100%, where the
//! textbook normal interval misbehaves); a difference of two rates uses Newcombe's hybrid score
//! interval built from the two Wilson intervals. A difference is called significant when its 95%
//! interval leaves out zero. Means use the normal approximation (Welch), fine for the thousands
//! of customers a simulation has.

/// The 97.5th percentile of the standard normal distribution.
pub const Z95: f64 = 1.959_963_984_540_054;

/// A proportion with its Wilson 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    pub hits: u64,
    pub n: u64,
    pub rate: f64,
    pub lo: f64,
    pub hi: f64,
}

pub fn wilson(hits: u64, n: u64) -> Rate {
    // With no one to count, every rate is possible: the interval is all of [0, 1], not a
    // confident zero.
    if n == 0 {
        return Rate {
            hits,
            n,
            rate: 0.0,
            lo: 0.0,
            hi: 1.0,
        };
    }
    let nf = n as f64;
    let p = hits as f64 / nf;
    let z2 = Z95 * Z95;
    let denom = 1.0 + z2 / nf;
    let centre = (p + z2 / (2.0 * nf)) / denom;
    let half = Z95 * (p * (1.0 - p) / nf + z2 / (4.0 * nf * nf)).sqrt() / denom;
    Rate {
        hits,
        n,
        rate: p,
        lo: (centre - half).max(0.0),
        hi: (centre + half).min(1.0),
    }
}

/// A difference `b - a` with its 95% interval.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Diff {
    pub diff: f64,
    pub lo: f64,
    pub hi: f64,
}

impl Diff {
    /// Whether the interval leaves out zero.
    pub fn significant(&self) -> bool {
        self.lo > 0.0 || self.hi < 0.0
    }
}

/// Newcombe's hybrid score interval for the difference `b - a` of two independent proportions;
/// `None` when either side has no one in it (there is nothing to compare).
pub fn rate_diff(a: &Rate, b: &Rate) -> Option<Diff> {
    if a.n == 0 || b.n == 0 {
        return None;
    }
    let d = b.rate - a.rate;
    let lo = d - ((b.rate - b.lo).powi(2) + (a.hi - a.rate).powi(2)).sqrt();
    let hi = d + ((b.hi - b.rate).powi(2) + (a.rate - a.lo).powi(2)).sqrt();
    Some(Diff { diff: d, lo, hi })
}

/// The difference `b - a` of two means (Welch, normal approximation), from (mean, variance,
/// size) of each; `None` when either side is empty.
pub fn mean_diff(a: (f64, f64, u64), b: (f64, f64, u64)) -> Option<Diff> {
    if a.2 == 0 || b.2 == 0 {
        return None;
    }
    let d = b.0 - a.0;
    let se = (a.1 / a.2 as f64 + b.1 / b.2 as f64).sqrt();
    Some(Diff {
        diff: d,
        lo: d - Z95 * se,
        hi: d + Z95 * se,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_one_counted_leaves_every_rate_possible() {
        let r = wilson(0, 0);
        assert_eq!((r.lo, r.hi), (0.0, 1.0));
    }

    #[test]
    fn wilson_matches_a_known_value() {
        // 81 of 263: Wilson interval 0.2553..0.3662 (Newcombe 1998, table I).
        let r = wilson(81, 263);
        assert!(
            (r.lo - 0.2553).abs() < 5e-4 && (r.hi - 0.3662).abs() < 5e-4,
            "{r:?}"
        );
        assert_eq!(wilson(0, 0).rate, 0.0);
        assert!(wilson(0, 10).lo == 0.0);
    }

    #[test]
    fn newcombe_matches_a_known_value() {
        // 56/70 vs 48/80: difference 0.2, interval 0.0524..0.3339 (Newcombe 1998, method 10).
        let d = rate_diff(&wilson(48, 80), &wilson(56, 70)).expect("both have customers");
        assert!(
            (d.lo - 0.0524).abs() < 5e-4 && (d.hi - 0.3339).abs() < 5e-4,
            "{d:?}"
        );
        assert!(d.significant());
        assert!(rate_diff(&wilson(0, 0), &wilson(1, 2)).is_none());
    }
}
