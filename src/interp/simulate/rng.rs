//! Per-customer random streams.
//!
//! Customer `i` of a run draws from ChaCha8 keyed by the seed, on stream `i`: its draws depend
//! on nothing but `(seed, i)`, so a run split over any number of threads (or machines) draws
//! exactly what one thread would. ChaCha8 is fast, has 2^64 independent streams, and its output
//! is fixed by its specification, so reports stay byte-identical across versions of the crate.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

/// One worker's generator, moved to a customer's stream with [`Stream::start`].
pub struct Stream {
    key: <ChaCha8Rng as SeedableRng>::Seed,
    rng: ChaCha8Rng,
}

impl Stream {
    pub fn new(seed: u64) -> Stream {
        let rng = ChaCha8Rng::seed_from_u64(seed);
        Stream {
            key: rng.get_seed(),
            rng,
        }
    }

    /// Moves to the start of customer `index`'s stream. A fresh generator on the key is cheap
    /// and computes nothing until the first draw, whereas `set_stream` and `set_word_pos` on a
    /// used one each compute a buffer of blocks at once: this way a customer costs one buffer,
    /// not two. The draws are the same.
    pub fn start(&mut self, index: u64) {
        self.rng = ChaCha8Rng::from_seed(self.key);
        self.rng.set_stream(index);
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

    /// Uniform in `[0, 1)`.
    #[inline]
    pub fn unit(&mut self) -> f64 {
        (self.rng.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }
}
