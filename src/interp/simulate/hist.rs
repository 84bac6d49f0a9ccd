//! A bounded log-linear histogram of non-negative integers (seconds, message counts).
//!
//! Memory stays flat however many customers are simulated: values below 64 have a bin each, and
//! every doubling above is cut into 64 bins, so a quantile read back is within 1/64 (about 1.6%)
//! of the true value. Counts are integers, so merging histograms from several threads gives the
//! same result in any order.

const EXACT: u64 = 64;
const SUB_BITS: u32 = 6;
const SUB: usize = 1 << SUB_BITS;
/// Enough doublings for any `u64`.
const BINS: usize = EXACT as usize + (64 - SUB_BITS as usize) * SUB;

#[derive(Clone, Debug)]
pub struct Hist {
    bins: Vec<u64>,
    count: u64,
    sum: u128,
    sum_sq: u128,
    /// The extremes of the values added: a quantile read back as the middle of its bin is
    /// clamped to them, so when every value is 367 the p90 is 367, not its bin's middle 366.
    min: u64,
    max: u64,
}

impl Default for Hist {
    fn default() -> Self {
        Hist {
            bins: vec![0; BINS],
            count: 0,
            sum: 0,
            sum_sq: 0,
            min: u64::MAX,
            max: 0,
        }
    }
}

fn bin_of(v: u64) -> usize {
    if v < EXACT {
        return v as usize;
    }
    let e = 63 - v.leading_zeros(); // >= SUB_BITS
    let sub = ((v >> (e - SUB_BITS)) as usize) & (SUB - 1);
    EXACT as usize + (e - SUB_BITS) as usize * SUB + sub
}

/// The smallest value of a bin and its width.
fn bin_range(b: usize) -> (u64, u64) {
    if b < EXACT as usize {
        return (b as u64, 1);
    }
    let k = b - EXACT as usize;
    let e = (k / SUB) as u32 + SUB_BITS;
    let sub = (k % SUB) as u64;
    let width = 1u64 << (e - SUB_BITS);
    ((1u64 << e) + sub * width, width)
}

impl Hist {
    pub fn add(&mut self, v: u64) {
        self.bins[bin_of(v)] += 1;
        self.count += 1;
        self.sum += u128::from(v);
        self.sum_sq += u128::from(v) * u128::from(v);
        self.min = self.min.min(v);
        self.max = self.max.max(v);
    }

    pub fn merge(&mut self, other: &Hist) {
        for (a, b) in self.bins.iter_mut().zip(&other.bins) {
            *a += *b;
        }
        self.count += other.count;
        self.sum += other.sum;
        self.sum_sq += other.sum_sq;
        self.min = self.min.min(other.min);
        self.max = self.max.max(other.max);
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn max(&self) -> u64 {
        self.max
    }

    /// The mean over `n` values, where values never added count as zero (customers who got no
    /// message on a channel are not added at all).
    pub fn mean_over(&self, n: u64) -> f64 {
        if n == 0 {
            0.0
        } else {
            self.sum as f64 / n as f64
        }
    }

    /// The sample variance over `n` values, the missing ones being zero.
    pub fn variance_over(&self, n: u64) -> f64 {
        if n < 2 {
            return 0.0;
        }
        let mean = self.sum as f64 / n as f64;
        let ss = self.sum_sq as f64 - n as f64 * mean * mean;
        (ss / (n - 1) as f64).max(0.0)
    }

    /// The nearest-rank `q` quantile over `n` values, the `n - count` values never added being
    /// zero: the smallest value with at least `q` of all values at or below it, read back as the
    /// middle of its bin (exact below 64). `None` when `n` is zero.
    pub fn quantile_over(&self, q: f64, n: u64) -> Option<u64> {
        if n == 0 {
            return None;
        }
        let rank = ((q * n as f64).ceil() as u64).clamp(1, n);
        let zeros = n.saturating_sub(self.count);
        if rank <= zeros {
            return Some(0);
        }
        let mut seen = zeros;
        for (b, c) in self.bins.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (lo, width) = bin_range(b);
                return Some((lo + width / 2).clamp(self.min.min(self.max), self.max));
            }
        }
        Some(self.max)
    }

    /// The `q` quantile of the values added.
    pub fn quantile(&self, q: f64) -> Option<u64> {
        self.quantile_over(q, self.count)
    }
}

/// One bar of a time histogram as the HTML report draws it: values in `from..to` seconds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bucket {
    pub from: u64,
    pub to: u64,
    pub count: u64,
}

/// Bar widths a reader can name, from a minute to 30 days.
const WIDTHS: [u64; 16] = [
    60,
    5 * 60,
    15 * 60,
    30 * 60,
    3_600,
    2 * 3_600,
    3 * 3_600,
    6 * 3_600,
    12 * 3_600,
    86_400,
    2 * 86_400,
    3 * 86_400,
    7 * 86_400,
    14 * 86_400,
    30 * 86_400,
    91 * 86_400,
];

impl Hist {
    /// The values as at most `max_bars` bars of one readable width (a minute, an hour, a day, a
    /// week...), from zero to the largest value. Each fine bin goes to the bar holding its
    /// middle (clamped to the values seen), so a bar's count is exact below a minute and within
    /// a bin's width (1/64 of the value) of its edges above. Empty when no value was added.
    pub fn buckets(&self, max_bars: u64) -> Vec<Bucket> {
        if self.count == 0 {
            return Vec::new();
        }
        let width = WIDTHS
            .iter()
            .copied()
            .find(|w| self.max / w < max_bars.max(1))
            .unwrap_or(WIDTHS[WIDTHS.len() - 1]);
        let n = (self.max / width + 1) as usize;
        let mut out: Vec<Bucket> = (0..n as u64)
            .map(|k| Bucket {
                from: k * width,
                to: (k + 1) * width,
                count: 0,
            })
            .collect();
        for (b, c) in self.bins.iter().enumerate() {
            if *c == 0 {
                continue;
            }
            let (lo, w) = bin_range(b);
            let mid = (lo + w / 2).clamp(self.min.min(self.max), self.max);
            let k = ((mid / width) as usize).min(n - 1);
            out[k].count += c;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_hold_every_value_in_readable_widths() {
        let mut h = Hist::default();
        assert!(h.buckets(12).is_empty());
        for v in [0u64, 3_600, 86_400, 86_400 * 3 + 5, 86_400 * 9 + 18_000] {
            h.add(v);
        }
        let b = h.buckets(12);
        assert_eq!(b.iter().map(|x| x.count).sum::<u64>(), 5);
        assert_eq!(b[0].to - b[0].from, 86_400, "a day per bar for nine days");
        assert_eq!(b.len(), 10);
        assert_eq!(b[0].count, 2);
        assert_eq!(b[9].count, 1);
    }

    /// The sums behind the mean and variance: values 2, 4 and 9 over five customers (two never
    /// added, so zero) have mean 3 and sample variance (1 + 1 + 9 + 9 + 36) / 4 = 14.
    #[test]
    fn mean_and_variance_count_the_missing_values_as_zero() {
        let mut h = Hist::default();
        assert_eq!((h.mean_over(0), h.variance_over(0)), (0.0, 0.0));
        for v in [2, 4, 9] {
            h.add(v);
        }
        assert_eq!(h.count(), 3);
        assert_eq!(h.mean_over(3), 5.0);
        assert_eq!(h.mean_over(5), 3.0);
        assert_eq!(h.variance_over(5), 14.0);
        assert_eq!(h.variance_over(3), 13.0, "(9 + 1 + 16) / 2");
        // One value has no spread; two have.
        assert_eq!(h.variance_over(1), 0.0);
        let mut two = Hist::default();
        two.add(10);
        assert_eq!(
            two.variance_over(2),
            50.0,
            "10 and a missing 0: (25 + 25) / 1"
        );
    }

    /// Merging the histograms of two workers gives what one worker adding every value gets.
    #[test]
    fn a_merge_is_the_histogram_of_all_the_values() {
        let (mut a, mut b, mut all) = (Hist::default(), Hist::default(), Hist::default());
        for v in [5u64, 70, 3_600, 90_000] {
            a.add(v);
            all.add(v);
        }
        for v in [1u64, 2, 200_000] {
            b.add(v);
            all.add(v);
        }
        a.merge(&b);
        assert_eq!(a.count(), 7);
        assert_eq!(a.max(), 200_000);
        assert_eq!(a.mean_over(10), all.mean_over(10));
        assert_eq!(a.variance_over(10), all.variance_over(10));
        for q in [0.1, 0.25, 0.5, 0.75, 1.0] {
            assert_eq!(a.quantile(q), all.quantile(q), "q{q}");
        }
        assert_eq!(
            a.quantile(0.1),
            Some(1),
            "the smallest value came from the other side"
        );
        assert_eq!(a.buckets(12), all.buckets(12));
    }

    /// Each bar width a reader can name is picked when the largest value needs it: 11 bars of
    /// it fit in 12, and no narrower width does.
    #[test]
    fn bars_take_the_narrowest_readable_width() {
        let (m, h, d) = (60, 3_600, 86_400);
        let widths = [
            m,
            5 * m,
            15 * m,
            30 * m,
            h,
            2 * h,
            3 * h,
            6 * h,
            12 * h,
            d,
            2 * d,
            3 * d,
            7 * d,
            14 * d,
            30 * d,
            91 * d,
        ];
        for w in widths {
            let mut hist = Hist::default();
            hist.add(11 * w);
            let bars = hist.buckets(12);
            assert_eq!((bars[0].from, bars[0].to), (0, w), "max {}", 11 * w);
            assert_eq!((bars[11].from, bars[11].to), (11 * w, 12 * w));
            assert_eq!(bars.len(), 12);
        }
        // Twelve minutes would take 13 one-minute bars: five minutes it is.
        let mut hist = Hist::default();
        hist.add(12 * m);
        let bars = hist.buckets(12);
        assert_eq!((bars.len(), bars[0].to), (3, 5 * m));
    }

    /// A value goes to the bar that holds it: 59 seconds is in the first minute, 60 in the
    /// second.
    #[test]
    fn a_value_goes_to_the_bar_that_holds_it() {
        let mut h = Hist::default();
        for v in [59, 60, 600] {
            h.add(v);
        }
        let counts: Vec<u64> = h.buckets(12).iter().map(|b| b.count).collect();
        assert_eq!(counts, [1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    }

    /// Above 64 a quantile reads back as the middle of its bin: 1000 and 1007 share the bin
    /// 1000..1008, whose middle is 1004.
    #[test]
    fn a_quantile_is_the_middle_of_its_bin() {
        let mut h = Hist::default();
        h.add(1_000);
        h.add(1_007);
        assert_eq!(bin_range(bin_of(1_000)), (1_000, 8));
        assert_eq!(h.quantile(0.5), Some(1_004));
    }

    #[test]
    fn bins_cover_their_values() {
        for v in [0, 1, 63, 64, 65, 127, 128, 1000, 86_400, 1 << 40, u64::MAX] {
            let (lo, w) = bin_range(bin_of(v));
            assert!(lo <= v && v - lo < w, "{v} not in {lo}+{w}");
        }
    }

    #[test]
    fn quantiles_are_close() {
        let mut h = Hist::default();
        for v in 1..=10_000u64 {
            h.add(v * 60);
        }
        let median = h.quantile(0.5).unwrap_or(0) as f64;
        assert!((median - 300_000.0).abs() / 300_000.0 < 0.02, "{median}");
        assert_eq!(h.quantile_over(0.5, 30_000), Some(0));
        assert_eq!(h.max(), 600_000);
    }

    #[test]
    fn a_quantile_never_leaves_the_values_seen() {
        let mut h = Hist::default();
        for _ in 0..3 {
            h.add(367);
        }
        assert_eq!(h.quantile(0.9), Some(367));
        assert_eq!(h.quantile(0.5), Some(367));
    }
}
