//! The JSON automation spec: the IR written as JSON for other systems (a messaging platform, an
//! automation service) to consume from CI.
//!
//! The bytes are a function of the journey alone: keys come in struct field order (maps are
//! sorted), there are no timestamps and no absolute paths, and the text ends with a newline, so
//! a spec committed to a repository diffs cleanly. Reading a spec back and writing it again gives
//! the same bytes (tested in `tests/spec.rs`). `schema/journey-spec.v2.json` describes the format
//! and `docs/spec.md` documents it node by node.

use crate::ir::{Journey, SPEC_VERSION};

/// Why a spec could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("not a journey spec: {0}")]
    Json(#[from] serde_json::Error),
    #[error("spec version {found} is not supported (this journeyc reads version {SPEC_VERSION})")]
    Version { found: u32 },
}

/// The spec of one journey, pretty-printed with a trailing newline.
///
/// Plain data with string keys always serialises; the `Result` only passes on serde's signature.
pub fn to_json(journey: &Journey) -> Result<String, serde_json::Error> {
    let mut s = serde_json::to_string_pretty(journey)?;
    s.push('\n');
    Ok(s)
}

/// Reads a spec written by [`to_json`].
pub fn from_json(text: &str) -> Result<Journey, ReadError> {
    let journey: Journey = serde_json::from_str(text)?;
    if journey.spec_version != SPEC_VERSION {
        return Err(ReadError::Version {
            found: journey.spec_version,
        });
    }
    Ok(journey)
}
