//! The gate: what an instance is allowed to do because of the customer's other journeys.
//!
//! Sends: one log per channel holds the sends of every journey within the channel's longest cap
//! window; before an instance acts, the world lends it the logs of its channels (a swap, no
//! copy), so the engine's cap check counts every journey's sends and records its own, and the
//! suppression it reports names the earliest send in the window, whichever journey made it.
//! Transactional touchpoints never enter the log (the engine skips it for them).
//!
//! Entries: a journey with `exclusive GROUP` does not enter while the customer is in another
//! journey of the group; the instance is told which one (`Customer::barred`, decided by
//! `keyed::holder`, which also counts the instances of keyed journeys).

use crate::interp::engine::SendMark;

/// Per world channel, the sends within its longest cap window.
#[derive(Clone, Debug, Default, serde::Serialize, serde::Deserialize)]
pub struct SendLogs {
    logs: Vec<Vec<SendMark>>,
}

impl SendLogs {
    pub fn new(channels: usize) -> Self {
        SendLogs {
            logs: vec![Vec::new(); channels],
        }
    }

    /// Swaps the world's logs of the channels in `map` with an instance's (local) logs: called
    /// once to lend them, and once more to take them back.
    pub fn lend(&mut self, map: &[usize], local: &mut [Vec<SendMark>]) {
        for (l, w) in local.iter_mut().zip(map) {
            if let Some(shared) = self.logs.get_mut(*w) {
                std::mem::swap(l, shared);
            }
        }
    }

    /// The logs by world channel (read by replay state files).
    pub fn logs(&self) -> &[Vec<SendMark>] {
        &self.logs
    }

    /// Forgets the sends no cap can count any more: those at least `windows[w]` (the longest
    /// cap window of world channel `w`) before `now`. The engine does the same before it counts;
    /// a replay does it to see whether a customer can be forgotten.
    pub fn prune(&mut self, now: crate::interp::time::Instant, windows: &[i64]) {
        for (log, window) in self.logs.iter_mut().zip(windows) {
            log.retain(|s| now - s.at < *window);
        }
    }

    /// Frees the room a deserialized log was given to grow.
    pub fn shrink_to_fit(&mut self) {
        self.logs.shrink_to_fit();
        self.logs.iter_mut().for_each(Vec::shrink_to_fit);
    }

    pub fn is_empty(&self) -> bool {
        self.logs.iter().all(Vec::is_empty)
    }

    /// Forgets every send, keeping the buffers (a simulation reuses one world per worker).
    pub fn clear(&mut self) {
        for log in &mut self.logs {
            log.clear();
        }
    }
}
