//! Customers who are done: a replay forgets everything about a customer but the journeys they
//! entered `once` and left for good, kept as one entry of a set keyed by a 128-bit hash of the
//! id (tens of bytes per customer instead of a whole [`World`]). Memory then follows the
//! customers in flight, not every customer a long log ever entered.
//!
//! A customer is *done* in a journey when the journey is `entry once`, they entered it, are no
//! longer in it, and nothing of that entry can still count: no goal window or `converts`
//! window is open any more. The rest of their world must be as new: every other journey
//! untouched with the default profile, and no send left in a cap window. Such a customer
//! behaves exactly like a new one whose done journeys say "entered before", so the replay
//! keeps only that. The hash is 128-bit FNV-1a, so two ids share an entry only with a
//! probability of about n²/2¹²⁹ (about 10⁻²⁷ for a million customers): docs/event-logs.md.

use crate::interp::engine::{Customer, Watch};
use crate::interp::program::Program;
use crate::interp::time::Instant;
use crate::interp::value::Val;
use crate::interp::world::{Cast, World};
use crate::ir::Entry;

/// The key of a customer id in the done set: 128-bit FNV-1a of the id's UTF-8 bytes followed by
/// the byte 0xFF (as the 64-bit hash of shards and splits).
pub fn id_key(id: &str) -> u128 {
    const OFFSET: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;
    let mut h = OFFSET;
    for b in id.bytes().chain(std::iter::once(0xff)) {
        h ^= u128::from(b);
        h = h.wrapping_mul(PRIME);
    }
    h
}

/// A hasher for keys that are hashes already (the done set's keys, the ids seen): one
/// multiply-and-mix instead of SipHash, which the replay paid on every call.
#[derive(Clone, Copy, Default)]
pub struct KeyHasher(u64);

impl std::hash::Hasher for KeyHasher {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(*b)).wrapping_mul(0x9e37_79b9_7f4a_7c15);
        }
        self.0 = mix(self.0);
    }
    fn write_u64(&mut self, n: u64) {
        self.0 = mix(self.0 ^ n);
    }
    fn write_u128(&mut self, n: u128) {
        self.write_u64(n as u64 ^ (n >> 64) as u64);
    }
}

/// splitmix64's finaliser.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// Hash maps and sets keyed by hashes.
pub type Keys = std::hash::BuildHasherDefault<KeyHasher>;

/// The longest cap window of each world channel, over every journey that uses it.
pub fn channel_windows(cast: &Cast) -> Vec<i64> {
    let mut w = vec![0; cast.channel_names.len()];
    for (j, p) in cast.programs.iter().enumerate() {
        for (ch, window) in p.channel_window.iter().enumerate() {
            if let Some(slot) = w.get_mut(cast.world_channel(j, ch)) {
                *slot = (*slot).max(*window);
            }
        }
    }
    w
}

/// The most journeys a done entry can name (one bit each).
const MAX_JOURNEYS: usize = 64;

/// What is left of a customer the replay forgets: the journeys they are done in (a bit each),
/// and their profile when it is not the default one.
pub type Forgotten = (u64, Option<Box<[Val]>>);

/// A customer kept as a profile: the journeys they are done in, and the profile's values.
pub type Profile = (u64, Box<[Val]>);

/// Whether the customer can be forgotten at `now` (no later call of theirs comes earlier), and
/// what must be kept: `Some((0, None))` when nothing distinguishes them from a new customer,
/// `Some((mask, profile))` when they are done in the journeys of `mask`, untouched in the
/// others but for a profile that every journey holds alike (`same_schema`: the journeys
/// declare the same attributes), `None` when their world must be kept whole. Forgets the
/// sends no cap window holds any more.
pub fn forget(
    cast: &Cast,
    world: &mut World,
    now: Instant,
    windows: &[i64],
    same_schema: bool,
) -> Option<Forgotten> {
    world.logs.prune(now, windows);
    world.history.prune(now);
    if !world.logs.is_empty() || !world.history.is_empty() {
        return None;
    }
    // The instances of keyed journeys (`per FIELD`) are kept as long as any is; a scheduled
    // trigger reaches every customer seen so far, so none is forgotten.
    if !world.keyed.is_empty() || world.instances.iter().any(|c| c.next_fire.is_some()) {
        return None;
    }
    // A `trigger when` condition last decided true must be remembered: met again as new, the
    // customer would be entered by a rise that never happened.
    if world.instances.iter().any(|c| c.when_last == Some(true)) {
        return None;
    }
    let mut mask = 0u64;
    // The profile of the journeys the customer is not done in, with its program's defaults.
    let mut profile: Option<(&Vec<Val>, &Vec<Val>)> = None;
    for (j, (p, c)) in cast.programs.iter().zip(&world.instances).enumerate() {
        if j < MAX_JOURNEYS && done_in(p, c, now) {
            mask |= 1 << j;
            continue;
        }
        let untouched = c.run.is_none()
            && c.watch.is_none()
            && c.entries == 0
            && c.last_entry.is_none()
            && c.channel_log.iter().all(Vec::is_empty);
        if !untouched {
            return None;
        }
        match profile {
            None => profile = Some((&c.attrs, &p.attr_defaults)),
            Some((attrs, _)) if *attrs == c.attrs => {}
            Some(_) => return None,
        }
    }
    match profile {
        Some((attrs, defaults)) if attrs != defaults => {
            same_schema.then(|| (mask, Some(attrs.clone().into_boxed_slice())))
        }
        _ => Some((mask, None)),
    }
}

fn done_in(p: &Program, c: &Customer, now: Instant) -> bool {
    matches!(p.ir.entry, Entry::Once)
        && c.entries > 0
        && c.run.is_none()
        && c.channel_log.iter().all(Vec::is_empty)
        && c.watch.as_ref().is_none_or(|w| !watch_open(p, w, now))
}

/// Whether an event at `now` or later could still reach a goal or credit a send of a finished
/// entry (the engine's `goal_reached` and `credit` after the steps end).
fn watch_open(p: &Program, w: &Watch, now: Instant) -> bool {
    let goal = p
        .goals
        .iter()
        .any(|(_, _, within)| within.is_some_and(|d| now - w.entered_at <= d));
    let credit = p.touchpoints.iter().enumerate().any(|(tp, def)| {
        def.converts.is_some_and(|(_, within)| {
            w.last_sent
                .get(tp)
                .copied()
                .flatten()
                .is_some_and(|s| now - s <= within)
        })
    });
    goal || credit
}

/// A customer met again after they were forgotten: new, but entered before in the journeys
/// of `mask`, with the profile kept (the attributes of a done journey are never read again).
pub fn restore(cast: &Cast, id: &str, mask: u64, profile: Option<&[Val]>) -> World {
    let mut w = World::new(cast, id);
    for (j, c) in w.instances.iter_mut().enumerate() {
        if j < MAX_JOURNEYS && mask & (1 << j) != 0 {
            c.entries = 1;
        }
        if let Some(p) = profile {
            c.attrs = p.to_vec();
        }
    }
    w
}

/// Whether every journey declares the same attributes in the same order, so that one profile
/// stands for each journey's.
pub fn same_schema(programs: &[Program]) -> bool {
    programs
        .windows(2)
        .all(|w| w[0].attr_names == w[1].attr_names && w[0].attr_defaults == w[1].attr_defaults)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_128_bit_fnv1a_with_the_end_byte() {
        // FNV-1a 128 of the single byte 0xFF (the empty id).
        let mut h: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
        h ^= 0xff;
        h = h.wrapping_mul(0x0000_0000_0100_0000_0000_0000_0000_013b);
        assert_eq!(id_key(""), h);
        assert_ne!(id_key("u1"), id_key("u2"));
        assert_eq!(id_key("u1"), id_key("u1"));
    }
}
