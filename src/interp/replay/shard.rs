//! Shards: customers are independent (caps and history are per customer), so a log can be
//! replayed by N processes, each running the customers whose id hashes to its shard. The hash
//! is fixed and platform-independent so that every process, on any machine and any version of
//! journeyc, agrees on who is whose; docs/event-logs.md#shards---shard-kn gives it in full.

use crate::interp::program::stable_hash;

/// One shard of `count`, numbered from 0 (as Kubernetes indexed Jobs and AWS Batch array jobs
/// number theirs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// Whether the customer `id` is this shard's.
    pub fn owns(&self, id: &str) -> bool {
        shard_of(id, self.count) == self.index
    }
}

/// The shard of a customer id among `count`: FNV-1a (64 bits) of the id's UTF-8 bytes followed
/// by the byte 0xFF, modulo `count`. The same hash assigns split variants, so it never changes.
pub fn shard_of(id: &str, count: u64) -> u64 {
    stable_hash(&[id]) % count.max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_hash_is_the_documented_one() {
        // The values docs/event-logs.md's reference implementation gives.
        assert_eq!(stable_hash(&["u1"]), 0x4d24_1a19_3e7d_b964);
        assert_eq!(shard_of("u1", 7), 3);
        assert_eq!(shard_of("anon-7", 7), 2);
        assert_eq!(shard_of("ana", 3), 2);
        assert_eq!(shard_of("anything", 1), 0);
    }
}
