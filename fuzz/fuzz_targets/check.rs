#![no_main]
//! See `journeyc::fuzz::check_text` for what is checked, and docs/fuzzing.md for how to run it.

libfuzzer_sys::fuzz_target!(|data: &[u8]| journeyc::fuzz::check_text(data));
