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

#[cfg(test)]
mod tests {
    use super::*;

    fn program(src: &str) -> Program {
        crate::interp::program::compile_for_test("keys.journey", src).remove(0)
    }

    fn keyed(ty: &str) -> Program {
        program(&format!(
            "event placed {{ order: {ty} }}\nevent shipped {{ order: {ty} }}\nchannel email\ntouchpoint t {{ channel email  template \"t\" }}\njourney orders per order {{\n  trigger placed\n  onboarding {{\n    wait shipped up to 1d\n    send t\n  }}\n}}\n"
        ))
    }

    #[test]
    fn keys_are_numbered_per_customer_in_the_order_first_seen() {
        let mut k = Keys::default();
        assert!(!k.any(), "no keyed journey");
        assert_eq!((k.index("a"), k.index("b"), k.index("a")), (0, 1, 0));
        k.clear();
        assert!(k.texts.is_empty());
        assert_eq!(k.index("b"), 0);
        assert!(Keys::new(&[keyed("string")]).any());
    }

    #[test]
    fn a_trigger_gets_a_new_key_and_what_follows_it_carries_its_instance_s() {
        for (ty, first, second) in [
            ("string", Val::Str(Arc::from("1")), Val::Str(Arc::from("2"))),
            ("int", Val::Int(1), Val::Int(2)),
        ] {
            let mut k = Keys::new(&[keyed(ty)]);
            let mut a = Vec::new();
            assert_eq!(k.attach("placed", NONE, &mut a), 0, "{ty}");
            assert_eq!(a, [(Arc::from("order"), first.clone())], "{ty}");
            let mut b = Vec::new();
            assert_eq!(k.attach("placed", NONE, &mut b), 1, "{ty}");
            assert_eq!(b, [(Arc::from("order"), second)], "{ty}");
            // The shipment following the first order's instance carries its key.
            let mut s = Vec::new();
            assert_eq!(k.attach("shipped", 0, &mut s), 0, "{ty}");
            assert_eq!(s, [(Arc::from("order"), first)], "{ty}");
            // An event the keyed journey does not know (another journey's, say) gets no key,
            // whatever it follows.
            let mut n = Vec::new();
            assert_eq!(k.attach("noted", 0, &mut n), NONE, "{ty}");
            assert!(n.is_empty(), "{ty}");
            // Following no instance, it carries none.
            let mut none = Vec::new();
            assert_eq!(k.attach("shipped", NONE, &mut none), NONE, "{ty}");
            assert!(none.is_empty(), "{ty}");
            // A drawn key is kept, and is the key the event carries.
            let drawn = if ty == "int" {
                Val::Int(42)
            } else {
                Val::Str(Arc::from("A-42"))
            };
            let mut d = vec![(Arc::from("order"), drawn.clone())];
            assert_eq!(k.attach("placed", NONE, &mut d), 2, "{ty}");
            assert_eq!(d, [(Arc::from("order"), drawn)], "{ty}");
        }
    }
}
