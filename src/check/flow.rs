//! Path-sensitive analyses of a journey (filled in by the flow analysis work).

use super::model::{JourneyDef, Model};
use super::Sink;

pub fn check(_j: &JourneyDef, _model: &Model, _sink: &mut Sink) {}
