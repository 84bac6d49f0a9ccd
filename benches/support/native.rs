//! The bench journey (`benches/bench.journey`) written by hand as a Rust state machine: the
//! native ceiling journeyc's simulator is measured against in `docs/performance.md`.
//!
//! It draws from the same RNG family in the same way (ChaCha8, one stream per customer, the
//! multiply-shift `below`), counts the same things a funnel needs, and nothing else: no
//! interpreter, no observer, no general event queue.

use rand_chacha::ChaCha8Rng;
use rand_core::{RngCore, SeedableRng};

const DAY: u64 = 86_400;

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Counts {
    pub entered: u64,
    pub welcome: u64,
    pub activated: u64,
    pub offer_a: u64,
    pub offer_b: u64,
    pub reminder: u64,
    pub converted: u64,
    /// Seconds from entry to conversion, summed.
    pub time_to_goal: u64,
}

#[inline]
fn below(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    ((u128::from(rng.next_u64()) * u128::from(n)) >> 64) as u64
}

/// Simulates customers `from..to` of the bench journey with `seed`.
pub fn run(seed: u64, from: u64, to: u64) -> Counts {
    let key = ChaCha8Rng::seed_from_u64(seed).get_seed();
    let mut c = Counts::default();
    for i in from..to {
        // As in journeyc: a fresh generator on stream `i` computes its first block on first use.
        let mut rng = ChaCha8Rng::from_seed(key);
        rng.set_stream(i);
        let _arrival = below(&mut rng, 7 * DAY);
        c.entered += 1;
        c.welcome += 1;
        // activated 60% within 3d: the wait sees it, as its deadline is 3d.
        let hit = below(&mut rng, 1_000_000) < 600_000;
        let at = below(&mut rng, 3 * DAY + 1);
        if !hit {
            c.reminder += 1; // then wait 2d and exit
            continue;
        }
        c.activated += 1;
        // The split: half and half, by a hash of the customer.
        let a = (i.wrapping_mul(0x9e37_79b9_7f4a_7c15) >> 63) == 0;
        let ppm = if a {
            c.offer_a += 1;
            100_000
        } else {
            c.offer_b += 1;
            150_000
        };
        let conv = below(&mut rng, 1_000_000) < ppm;
        let delay = below(&mut rng, 7 * DAY + 1);
        if conv {
            c.converted += 1;
            c.time_to_goal += at + delay;
        }
    }
    c
}
