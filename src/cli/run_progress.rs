//! The progress bar of `journeyc run`: on a terminal only (standard error is a terminal and the
//! `CI` variable is not set, read as `journeyc simulate` reads it), and only once a replay has
//! taken a couple of seconds, so short runs, pipes and CI logs never see it. It goes to
//! standard error; the actions on standard output are untouched.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

/// A replay this long shows a bar.
const SHOW_AFTER: Duration = Duration::from_secs(2);
/// Lines between two looks at the clock (a look costs a system call).
const EVERY: u32 = 4096;

pub struct Progress {
    allowed: bool,
    started: Instant,
    /// The log's size in bytes, when it is a file (a pipe has none: the bar counts bytes).
    total: Option<u64>,
    bytes: u64,
    since: u32,
    bar: Option<indicatif::ProgressBar>,
}

impl Progress {
    pub fn new(total: Option<u64>) -> Self {
        let in_ci = std::env::var("CI")
            .is_ok_and(|v| !matches!(v.to_ascii_lowercase().as_str(), "" | "0" | "false"));
        Progress {
            allowed: std::io::stderr().is_terminal() && !in_ci,
            started: Instant::now(),
            total,
            bytes: 0,
            since: 0,
            bar: None,
        }
    }

    /// One more line of `bytes` bytes (with its line ending) was read.
    #[inline]
    pub fn line(&mut self, bytes: usize) {
        self.bytes += bytes as u64;
        self.since += 1;
        if self.since >= EVERY {
            self.since = 0;
            self.tick();
        }
    }

    fn tick(&mut self) {
        if !self.allowed {
            return;
        }
        if self.bar.is_none() {
            if self.started.elapsed() < SHOW_AFTER {
                return;
            }
            let template = match self.total {
                Some(_) => "{bar:30} {binary_bytes}/{binary_total_bytes} of the log, {binary_bytes_per_sec}, eta {eta}",
                None => "{spinner} {binary_bytes} of the log, {binary_bytes_per_sec}",
            };
            // Hidden until it stands where the replay is, with the rate measured from there:
            // drawn from zero, it would show a rate thousands of times too fast at first.
            let bar = indicatif::ProgressBar::with_draw_target(
                self.total,
                indicatif::ProgressDrawTarget::hidden(),
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(template) {
                bar.set_style(style);
            }
            bar.set_position(self.bytes);
            bar.reset_eta();
            bar.set_draw_target(indicatif::ProgressDrawTarget::stderr());
            self.bar = Some(bar.with_elapsed(self.started.elapsed()));
        }
        if let Some(bar) = &self.bar {
            bar.set_position(self.bytes);
        }
    }

    /// Runs `f` (which prints to standard error) with the bar hidden.
    pub fn suspend<R>(&self, f: impl FnOnce() -> R) -> R {
        match &self.bar {
            Some(bar) => bar.suspend(f),
            None => f(),
        }
    }

    /// Removes the bar before the summary is printed.
    pub fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}
