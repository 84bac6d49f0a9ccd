//! Per-customer random streams.
//!
//! Customer `i` of a run draws from ChaCha8 keyed by the seed, on stream `i`: its draws depend
//! on nothing but `(seed, i)`, so a run split over any number of threads (or machines) draws
//! exactly what one thread would. ChaCha8 is fast, has 2^64 independent streams, and its output
//! is fixed by its specification, so reports stay byte-identical across versions of the crate.
//!
//! Event fields are drawn from small sub-streams ([`SubStream`], SplitMix64) of their own, one
//! per `(seed, customer, rule, occurrence)`: giving one rule fields then takes no number from
//! the customer's stream, so the population and every other rule draw exactly what they drew
//! without it.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// One worker's generator, moved to a customer's stream with [`Stream::start`].
pub struct Stream {
    key: <ChaCha8Rng as SeedableRng>::Seed,
    rng: ChaCha8Rng,
    /// The current customer's index, and the seed mixed: the roots of its sub-streams,
    /// combined only when one is taken, so customers without fields pay nothing.
    index: u64,
    seed_mix: u64,
}

/// What the population and field draws take their numbers from.
pub trait Source {
    /// Uniform in `0..n` (`n > 0`).
    fn below(&mut self, n: u64) -> u64;
}

/// SplitMix64's output function: a bijection on `u64` that mixes every bit into every other.
#[inline]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

const GOLDEN: u64 = 0x9e37_79b9_7f4a_7c15;

/// A SplitMix64 generator: a few instructions to start and to draw, for the handful of field
/// values an event needs. Its output is fixed by its definition, like ChaCha8's.
pub struct SubStream {
    state: u64,
}

impl SubStream {
    #[inline]
    fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(GOLDEN);
        mix(self.state)
    }
}

impl Source for SubStream {
    #[inline]
    fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.next_u64()) * u128::from(n)) >> 64) as u64
    }
}

impl Source for Stream {
    #[inline]
    fn below(&mut self, n: u64) -> u64 {
        Stream::below(self, n)
    }
}

impl Stream {
    pub fn new(seed: u64) -> Stream {
        let rng = ChaCha8Rng::seed_from_u64(seed);
        let seed_mix = mix(seed ^ 0x6669_656c_6473); // "fields"
        Stream {
            key: rng.get_seed(),
            rng,
            index: 0,
            seed_mix,
        }
    }

    /// The sub-stream for the `nth` event (from 0) that draw site `site` produces for the
    /// current customer (site 0 is the `trigger` block, site `r + 1` behaviour rule `r`). It
    /// depends on nothing else, and taking it draws nothing from the customer's stream.
    pub fn sub(&self, site: u32, nth: u32) -> SubStream {
        let key = (u64::from(site) << 32) | u64::from(nth);
        let root = mix(self.seed_mix ^ mix(self.index.wrapping_add(GOLDEN)));
        SubStream {
            state: mix(root ^ mix(key.wrapping_add(GOLDEN))),
        }
    }

    /// Moves to the start of customer `index`'s stream. A fresh generator on the key is cheap
    /// and computes nothing until the first draw, whereas `set_stream` and `set_word_pos` on a
    /// used one each compute a buffer of blocks at once: this way a customer costs one buffer,
    /// not two. The draws are the same.
    pub fn start(&mut self, index: u64) {
        self.rng = ChaCha8Rng::from_seed(self.key);
        self.rng.set_stream(index);
        self.index = index;
    }

    /// Uniform in `0..n` (`n > 0`), by the multiply-shift method: no division and no loop; the
    /// bias is below `n / 2^64`, far under anything a report shows.
    #[inline]
    pub fn below(&mut self, n: u64) -> u64 {
        ((u128::from(self.rng.next_u64()) * u128::from(n)) >> 64) as u64
    }

    /// True with probability `ppm` parts per million.
    #[inline]
    pub fn chance(&mut self, ppm: u32) -> bool {
        self.below(1_000_000) < u64::from(ppm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// SplitMix64 as published (Steele, Lea and Flood; Vigna's `splitmix64.c`): seeded with 0,
    /// its first outputs are these.
    #[test]
    fn the_sub_stream_is_splitmix64() {
        let mut s = SubStream { state: 0 };
        assert_eq!(s.next_u64(), 0xe220_a839_7b1d_cdaf);
        assert_eq!(s.next_u64(), 0x6e78_9e6a_a1b9_65f4);
        assert_eq!(s.next_u64(), 0x06c4_5d18_8009_454f);
    }

    #[test]
    fn sub_streams_depend_on_customer_site_and_occurrence() {
        let mut s = Stream::new(7);
        s.start(3);
        let a = s.sub(1, 0).next_u64();
        assert_eq!(a, s.sub(1, 0).next_u64());
        assert_ne!(a, s.sub(2, 0).next_u64());
        assert_ne!(a, s.sub(1, 1).next_u64());
        s.start(4);
        assert_ne!(a, s.sub(1, 0).next_u64());
        let mut t = Stream::new(8);
        t.start(3);
        assert_ne!(a, t.sub(1, 0).next_u64());
    }

    /// A seed's draws, pinned: a change to how the streams are keyed or mixed changes every
    /// report of every seed, which users comparing runs across versions would see. Change
    /// these values only on purpose, and say so in the commit.
    #[test]
    fn a_seed_draws_the_same_numbers_in_every_version() {
        let mut s = Stream::new(7);
        s.start(3);
        let sub: Vec<u64> = {
            let mut t = s.sub(1, 2);
            (0..3).map(|_| t.below(1_000_000)).collect()
        };
        let own: Vec<u64> = (0..3).map(|_| s.below(1_000_000)).collect();
        assert_eq!((sub, own), (SUB_7_3_1_2.to_vec(), OWN_7_3.to_vec()));
    }

    const SUB_7_3_1_2: [u64; 3] = [199_212, 793_758, 579_551];
    const OWN_7_3: [u64; 3] = [181_541, 92_864, 979_004];

    /// `chance(ppm)` is true for the draws below `ppm` in a million, and only those.
    #[test]
    fn a_chance_holds_below_its_parts_per_million() {
        let draw = || {
            let mut s = Stream::new(5);
            s.start(1);
            s
        };
        let v = draw().below(1_000_000) as u32;
        assert!(!draw().chance(v));
        assert!(draw().chance(v + 1));
        assert!(!draw().chance(0));
        assert!(draw().chance(1_000_000));
    }

    #[test]
    fn taking_a_sub_stream_leaves_the_customer_stream_alone() {
        let mut a = Stream::new(1);
        let mut b = Stream::new(1);
        a.start(9);
        b.start(9);
        let _ = a.sub(1, 0).next_u64();
        assert_eq!(a.below(1 << 40), b.below(1 << 40));
    }
}
