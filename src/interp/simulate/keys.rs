//! Keys of keyed journeys (`journey NAME per FIELD`) in simulations (docs/simulation.md,
//! "Keyed journeys"): which key an event a rule produces carries, so that a simulated customer
//! can have several orders in flight and each order's shipment moves that order.
//!
//! - The trigger event of a keyed journey (on arrival or produced again by a rule) whose fields
//!   do not give the key gets a new key of its own: `"1"`, `"2"`, ... for a string key, `1`,
//!   `2`, ... for an int (numbered per customer). A field block that draws the key keeps it.
//! - Another event that declares the key field, produced by a rule, carries the key of the
//!   instance it follows: a response (`after T`) the key of the instance that sent `T`, a base
//!   rule the key of the customer's arrival. A drawn key field wins.

use crate::interp::program::Program;
use crate::interp::value::Val;
use crate::ir::Type;
use std::sync::Arc;

/// No key (an index into [`Keys::texts`]).
pub const NONE: u32 = u32::MAX;

/// One keyed journey of the world: its key field and how keys are written.
#[derive(Clone, Debug)]
struct KeyedJourney {
    field: Arc<str>,
    trigger: String,
    /// The events of the journey that declare the field.
    declaring: Vec<String>,
    int: bool,
}

/// The keys of the current customer and the world's keyed journeys.
#[derive(Clone, Debug, Default)]
pub struct Keys {
    journeys: Vec<KeyedJourney>,
    /// The current customer's keys, as the world names instances.
    pub texts: Vec<Arc<str>>,
    /// Keys made for the current customer so far.
    made: u64,
}

impl Keys {
    pub fn new(programs: &[Program]) -> Keys {
        let journeys = programs
            .iter()
            .filter_map(|p| {
                let field = p.ir.per.as_deref()?;
                let declaring =
                    p.ir.events
                        .iter()
                        .filter(|(_, e)| e.fields.contains_key(field))
                        .map(|(n, _)| n.clone())
                        .collect();
                let int = matches!(
                    p.ir.events
                        .get(&p.ir.trigger.event)
                        .and_then(|e| e.fields.get(field)),
                    Some(Type::Int)
                );
                Some(KeyedJourney {
                    field: Arc::from(field),
                    trigger: p.ir.trigger.event.clone(),
                    declaring,
                    int,
                })
            })
            .collect();
        Keys {
            journeys,
            texts: Vec::new(),
            made: 0,
        }
    }

    pub fn any(&self) -> bool {
        !self.journeys.is_empty()
    }

    /// A new customer.
    pub fn clear(&mut self) {
        self.texts.clear();
        self.made = 0;
    }

    /// The index of key `text`, added if new.
    pub fn index(&mut self, text: &str) -> u32 {
        match self.texts.iter().position(|k| &**k == text) {
            Some(i) => i as u32,
            None => {
                self.texts.push(Arc::from(text));
                (self.texts.len() - 1) as u32
            }
        }
    }

    /// Gives the fields of event `name` (following the instance of key `from`) the keys they
    /// lack (see the module's rules). Returns the key the event carries for the first keyed
    /// journey it concerns, for the rules drawn from it.
    pub fn attach(&mut self, name: &str, from: u32, fields: &mut Vec<(Arc<str>, Val)>) -> u32 {
        let mut carried = NONE;
        for k in 0..self.journeys.len() {
            let (field, int) = (self.journeys[k].field.clone(), self.journeys[k].int);
            if let Some((_, v)) = fields.iter().find(|(n, _)| *n == field) {
                if carried == NONE {
                    let text = match v {
                        Val::Str(s) => Some(s.to_string()),
                        Val::Int(i) => Some(i.to_string()),
                        _ => None,
                    };
                    if let Some(t) = text {
                        carried = self.index(&t);
                    }
                }
                continue;
            }
            let text: Arc<str> = if self.journeys[k].trigger == name {
                self.made += 1;
                Arc::from(self.made.to_string())
            } else if from != NONE && self.journeys[k].declaring.iter().any(|e| e == name) {
                match self.texts.get(from as usize) {
                    Some(t) => t.clone(),
                    None => continue,
                }
            } else {
                continue;
            };
            let value = if int {
                match text.parse::<i64>() {
                    Ok(i) => Val::Int(i),
                    Err(_) => continue,
                }
            } else {
                Val::Str(text.clone())
            };
            fields.push((field, value));
            if carried == NONE {
                carried = self.index(&text);
            }
        }
        carried
    }
}
