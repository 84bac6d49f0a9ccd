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

/// The difference `after - before` of two rates over the same `n` customers, from the customers
/// the edit changed: `lost` had it before and not after, `gained` the other way round. The
/// interval is Agresti and Min's (2005): Wald's for paired proportions after adding half a
/// customer to each cell, which keeps it honest when few customers changed (with none changed it
/// is a narrow interval around zero, not the point zero). `None` without customers.
pub fn paired_rate_diff(lost: u64, gained: u64, n: u64) -> Option<Diff> {
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    let diff = (gained as f64 - lost as f64) / nf;
    let (b, c, m) = (gained as f64 + 0.5, lost as f64 + 0.5, nf + 2.0);
    let centre = (b - c) / m;
    let var = ((b + c) - (b - c) * (b - c) / m) / (m * m);
    let half = Z95 * var.max(0.0).sqrt();
    Some(Diff {
        diff,
        lo: (centre - half).max(-1.0),
        hi: (centre + half).min(1.0),
    })
}

/// The mean of per-customer differences over `n` customers, from their sum and sum of squares,
/// with the normal interval. `None` without customers.
pub fn paired_mean_diff(sum: i64, sum_sq: u64, n: u64) -> Option<Diff> {
    if n == 0 {
        return None;
    }
    let nf = n as f64;
    let mean = sum as f64 / nf;
    let var = if n > 1 {
        ((sum_sq as f64 - sum as f64 * mean) / (nf - 1.0)).max(0.0)
    } else {
        0.0
    };
    let half = Z95 * (var / nf).sqrt();
    Some(Diff {
        diff: mean,
        lo: mean - half,
        hi: mean + half,
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn paired_differences() {
        // No customer changed: zero, with a narrow interval around it.
        let d = paired_rate_diff(0, 0, 10_000).expect("customers");
        assert_eq!(d.diff, 0.0);
        assert!(d.lo < 0.0 && d.hi > 0.0 && d.hi < 0.001, "{d:?}");
        assert!(!d.significant());
        // 300 customers gained the step and 100 lost it, of 10,000: +2 points, clearly.
        let d = paired_rate_diff(100, 300, 10_000).expect("customers");
        assert!((d.diff - 0.02).abs() < 1e-12);
        assert!(d.significant() && d.lo > 0.01 && d.hi < 0.03, "{d:?}");
        // The same difference between independent samples is not significant at this size.
        let ind = rate_diff(&wilson(5_000, 10_000), &wilson(5_200, 10_000)).expect("n");
        let paired = paired_rate_diff(100, 300, 10_000).expect("n");
        assert!(paired.hi - paired.lo < (ind.hi - ind.lo) / 2.0);
        // Every customer got exactly one message more.
        let m = paired_mean_diff(1_000, 1_000, 1_000).expect("customers");
        assert_eq!((m.diff, m.lo, m.hi), (1.0, 1.0, 1.0));
        assert_eq!(paired_rate_diff(0, 0, 0), None);
    }

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

    /// Welch's difference of means: 12 (variance 9, 50 customers) minus 10 (variance 4, 100
    /// customers) is 2, with standard error sqrt(4/100 + 9/50) = 0.4690, so 2 +- 1.96 * 0.4690.
    #[test]
    fn welch_matches_a_known_value() {
        let d = mean_diff((10.0, 4.0, 100), (12.0, 9.0, 50)).expect("both have customers");
        assert_eq!(d.diff, 2.0);
        assert!(
            (d.lo - 1.0807).abs() < 5e-4 && (d.hi - 2.9193).abs() < 5e-4,
            "{d:?}"
        );
        assert!(d.significant());
        assert_eq!(mean_diff((1.0, 1.0, 0), (1.0, 1.0, 5)), None);
        assert_eq!(mean_diff((1.0, 1.0, 5), (1.0, 1.0, 0)), None);
    }

    /// Agresti and Min's paired interval, by hand: 12 gained and 3 lost of 40 is +0.225. With
    /// half a customer added to each cell, b = 12.5, c = 3.5 and m = 42: centre 9/42 = 0.21429,
    /// variance (16 - 81/42) / 42^2 = 0.0079770, so 0.21429 +- 1.96 * 0.089314.
    #[test]
    fn paired_rates_match_a_hand_computation() {
        let d = paired_rate_diff(3, 12, 40).expect("customers");
        assert_eq!(d.diff, 0.225);
        assert!(
            (d.lo - 0.039_233).abs() < 1e-6 && (d.hi - 0.389_338).abs() < 1e-6,
            "{d:?}"
        );
        // The interval never leaves [-1, 1]: every customer lost it.
        let all = paired_rate_diff(5, 0, 5).expect("customers");
        assert_eq!((all.diff, all.lo), (-1.0, -1.0));
        assert!(all.hi < 0.0, "{all:?}");
        let all = paired_rate_diff(0, 5, 5).expect("customers");
        assert_eq!((all.diff, all.hi), (1.0, 1.0));
    }

    /// The paired mean, by hand: differences summing to 30, squares to 110, over 20 customers:
    /// mean 1.5, variance (110 - 30 * 1.5) / 19 = 3.4211, so 1.5 +- 1.96 * sqrt(3.4211 / 20).
    #[test]
    fn paired_means_match_a_hand_computation() {
        let d = paired_mean_diff(30, 110, 20).expect("customers");
        assert_eq!(d.diff, 1.5);
        assert!(
            (d.lo - 0.689_388).abs() < 1e-6 && (d.hi - 2.310_612).abs() < 1e-6,
            "{d:?}"
        );
        // One customer: no spread to measure.
        let one = paired_mean_diff(-4, 16, 1).expect("a customer");
        assert_eq!((one.diff, one.lo, one.hi), (-4.0, -4.0, -4.0));
        assert_eq!(paired_mean_diff(0, 0, 0), None);
    }

    /// An interval that touches zero does not leave it out.
    #[test]
    fn significant_means_the_interval_leaves_out_zero() {
        let diff = |lo: f64, hi: f64| Diff {
            diff: (lo + hi) / 2.0,
            lo,
            hi,
        };
        assert!(!diff(0.0, 0.2).significant());
        assert!(!diff(-0.2, 0.0).significant());
        assert!(!diff(-0.1, 0.1).significant());
        assert!(diff(0.01, 0.2).significant());
        assert!(diff(-0.3, -0.1).significant());
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
