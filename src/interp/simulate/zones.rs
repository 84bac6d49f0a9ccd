//! Counting by customer time zone (issue 17): per zone, the customers, the sends held by quiet
//! hours and the messages delivered, by the local hour (0..23, on the customer's wall clock)
//! at which each was delivered.
//!
//! Only a journey that reads zones counts them (a `timezone` attribute, or a channel with
//! `quiet FROM..TO local`: [`reads_zones`]); for any other the tally holds no [`ZoneTally`] and
//! its hot path tests one `Option`. When it counts, a customer's zone is resolved once on
//! arrival (and again when a `set` step changes the `timezone` attribute) to an index into the
//! worker's table, and each send adds to fixed counters at that index: nothing is allocated or
//! looked up by name per send.
//!
//! A worker's table lists zones in the order its customers brought them, so two workers may
//! number them differently: [`ZoneCount`]s are merged by name, and the report sorts them by
//! name, so the result does not depend on which thread ran which customer.

use super::runner::{ARRIVAL_WINDOW, HORIZON, SIM_EPOCH};
use crate::interp::program::Program;
use crate::interp::time::{Instant, DAY, HOUR};
use crate::interp::value::Val;
use jiff::tz::TimeZone;

/// The zone of a customer whose `timezone` attribute is not set, or of a project without one.
pub const UTC: &str = "UTC";

/// One zone's counts.
#[derive(Clone, Debug, PartialEq)]
pub struct ZoneCount {
    /// The IANA name.
    pub name: String,
    /// Customers whose zone this was on arrival.
    pub customers: u64,
    /// Sends held by quiet hours (local or UTC) while the customer was in this zone.
    pub held: u64,
    /// Messages sent (transactional ones included), by the local hour in this zone at which
    /// they were sent.
    pub local_hour: [u64; 24],
}

impl ZoneCount {
    fn new(name: &str) -> ZoneCount {
        ZoneCount {
            name: name.to_string(),
            customers: 0,
            held: 0,
            local_hour: [0; 24],
        }
    }

    /// Messages delivered: the histogram's total.
    pub fn delivered(&self) -> u64 {
        self.local_hour.iter().sum()
    }

    fn add(&mut self, o: &ZoneCount) {
        self.customers += o.customers;
        self.held += o.held;
        for (a, b) in self.local_hour.iter_mut().zip(&o.local_hour) {
            *a += *b;
        }
    }
}

/// The zones sorted by name: the order every report lists them in.
pub fn sorted(zones: &[ZoneCount]) -> Vec<ZoneCount> {
    let mut v = zones.to_vec();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v
}

/// Whether the simulation of `p` counts by zone: the project has a `timezone` attribute or a
/// channel with local quiet hours. Otherwise the report has no zone section at all.
pub fn reads_zones(p: &Program) -> bool {
    p.zone_attr.is_some() || p.channels.iter().any(|c| c.quiet_local)
}

/// A worker's per-zone counting: the zones met so far (their rules, parallel to the counts)
/// and the zone of the current customer.
#[derive(Clone, Debug)]
pub struct ZoneTally {
    zone_attr: Option<usize>,
    rules: Vec<Offsets>,
    pub counts: Vec<ZoneCount>,
    current: usize,
}

impl ZoneTally {
    pub fn new(p: &Program) -> ZoneTally {
        ZoneTally {
            zone_attr: p.zone_attr,
            rules: Vec::new(),
            counts: Vec::new(),
            current: 0,
        }
    }

    /// The index of the zone of `value` (the `timezone` attribute's value; anything but a zone,
    /// an unset attribute, is UTC as in [`crate::interp::zone::customer_zone`]), added to the
    /// table the first time it is met.
    fn index(&mut self, value: Option<&Val>) -> usize {
        let (name, tz) = match value {
            Some(Val::Zone(z)) => (z.name(), z.tz()),
            _ => (UTC, &TimeZone::UTC),
        };
        if let Some(i) = self.counts.iter().position(|c| c.name == name) {
            return i;
        }
        self.rules.push(Offsets::new(tz));
        self.counts.push(ZoneCount::new(name));
        self.counts.len() - 1
    }

    /// Adds another worker's counts, matched by name (a zone only `o` met is appended).
    pub fn merge(&mut self, o: &ZoneTally) {
        for (z, tz) in o.counts.iter().zip(&o.rules) {
            match self.counts.iter_mut().find(|x| x.name == z.name) {
                Some(x) => x.add(z),
                None => {
                    self.counts.push(z.clone());
                    self.rules.push(tz.clone());
                }
            }
        }
    }

    /// A customer arrives with attributes `attrs` (the population drawn): their zone from now on.
    pub fn arrive(&mut self, attrs: &[Val]) {
        let value = self.zone_attr.and_then(|i| attrs.get(i));
        self.current = self.index(value);
        self.counts[self.current].customers += 1;
    }

    /// A `set` step gave attribute `attr` the value `value`: when it is the `timezone`
    /// attribute, the customer's later sends count in the new zone.
    pub fn set(&mut self, attr: usize, value: &Val) {
        if self.zone_attr == Some(attr) {
            self.current = self.index(Some(value));
        }
    }

    /// A send held by quiet hours.
    #[inline]
    pub fn held(&mut self) {
        if let Some(c) = self.counts.get_mut(self.current) {
            c.held += 1;
        }
    }

    /// A message sent at `t`: counted at its local hour in the customer's zone.
    #[inline]
    pub fn delivered(&mut self, t: Instant) {
        let (Some(c), Some(rules)) = (
            self.counts.get_mut(self.current),
            self.rules.get(self.current),
        ) else {
            return;
        };
        c.local_hour[hour_at(t, rules.offset(t))] += 1;
    }
}

/// The instants a simulation can send at: from a day before the first arrival to a day after
/// the last customer's horizon ([`super::runner`]).
const WINDOW: (Instant, Instant) = (SIM_EPOCH - DAY, SIM_EPOCH + ARRIVAL_WINDOW + HORIZON + DAY);

/// A zone's UTC offsets over the simulation's [`WINDOW`], read from its rules once: a handful
/// of spans (a zone with DST changes twice a year), so that the offset of a send is a short
/// scan instead of a search of the zone's rules (which cost more than the rest of counting a
/// send). Outside the window the rules are read.
#[derive(Clone, Debug)]
struct Offsets {
    tz: TimeZone,
    /// From the window's start: each instant the offset changes, with the offset (seconds east
    /// of UTC) from then on, in time order.
    spans: Vec<(Instant, i64)>,
}

impl Offsets {
    fn new(tz: &TimeZone) -> Offsets {
        let (start, end) = WINDOW;
        let mut spans = vec![(start, offset_by_rules(tz, start))];
        if let Ok(from) = jiff::Timestamp::from_second(start) {
            for tr in tz.following(from) {
                let at = tr.timestamp().as_second();
                if at >= end {
                    break;
                }
                spans.push((at, i64::from(tr.offset().seconds())));
            }
        }
        Offsets {
            tz: tz.clone(),
            spans,
        }
    }

    /// The zone's offset at `t`, in seconds east of UTC.
    #[inline]
    fn offset(&self, t: Instant) -> i64 {
        let (start, end) = WINDOW;
        if t < start || t >= end {
            return offset_by_rules(&self.tz, t);
        }
        let mut offset = 0;
        for (from, o) in &self.spans {
            if *from > t {
                break;
            }
            offset = *o;
        }
        offset
    }
}

/// The offset of `tz` at `t` from its rules (jiff's zone database).
fn offset_by_rules(tz: &TimeZone, t: Instant) -> i64 {
    jiff::Timestamp::from_second(t)
        .map(|ts| i64::from(tz.to_offset(ts).seconds()))
        .unwrap_or(0)
}

/// The wall-clock hour (0..23) at `t` with a UTC offset of `offset` seconds.
fn hour_at(t: Instant, offset: i64) -> usize {
    (t.saturating_add(offset).rem_euclid(DAY) / HOUR) as usize
}

/// The hour (0..23) of the wall clock in `tz` at `t`.
pub fn local_hour(t: Instant, tz: &TimeZone) -> usize {
    hour_at(t, offset_by_rules(tz, t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::interp::time::parse_rfc3339;
    use crate::interp::zone::Zone;

    fn zone(name: &str) -> Val {
        Val::Zone(Zone::get(name).expect("a zone"))
    }

    #[test]
    fn the_local_hour_is_the_wall_clock_of_the_zone() {
        let t = parse_rfc3339("2026-01-05T23:30:00Z").expect("time");
        let tokyo = Zone::get("Asia/Tokyo").expect("zone");
        let ny = Zone::get("America/New_York").expect("zone");
        assert_eq!(local_hour(t, tokyo.tz()), 8);
        assert_eq!(local_hour(t, ny.tz()), 18);
        assert_eq!(local_hour(t, &TimeZone::UTC), 23);
        // Summer time in New York: UTC-4.
        let july = parse_rfc3339("2026-07-01T12:00:00Z").expect("time");
        assert_eq!(local_hour(july, ny.tz()), 8);
        // Before the epoch too.
        assert_eq!(local_hour(-1, &TimeZone::UTC), 23);
    }

    /// The offsets read once over the window are the zone's rules at every instant: across DST
    /// changes both ways, in zones of half-hour shifts and of none, and outside the window.
    #[test]
    fn offsets_over_the_window_are_the_zone_s_rules() {
        let names = [
            "America/New_York",
            "Europe/Berlin",
            "Asia/Tokyo",
            "Australia/Lord_Howe",
            "America/Santiago",
            "UTC",
        ];
        let (start, end) = WINDOW;
        for name in names {
            let z = Zone::get(name).expect("zone");
            let o = Offsets::new(z.tz());
            let mut t = start - 3 * DAY;
            while t < end + 3 * DAY {
                // Each 7919 s, and on both sides of every change.
                for u in [t, t - 1] {
                    assert_eq!(o.offset(u), offset_by_rules(z.tz(), u), "{name} at {u}");
                }
                t += 7_919;
            }
            for (at, _) in &o.spans {
                for u in [*at - 1, *at, *at + 1] {
                    assert_eq!(o.offset(u), offset_by_rules(z.tz(), u), "{name} at {u}");
                }
            }
            if name == "America/New_York" {
                assert_eq!(o.spans.len(), 3, "{:?}", o.spans);
            }
        }
    }

    fn tally(zone_attr: Option<usize>) -> ZoneTally {
        ZoneTally {
            zone_attr,
            rules: Vec::new(),
            counts: Vec::new(),
            current: 0,
        }
    }

    #[test]
    fn workers_that_met_zones_in_another_order_merge_by_name() {
        let t = parse_rfc3339("2026-01-05T03:10:00Z").expect("time");
        let mut a = tally(Some(0));
        a.arrive(&[zone("Asia/Tokyo")]);
        a.held();
        a.arrive(&[Val::Missing]);
        a.delivered(t);
        let mut b = tally(Some(0));
        b.arrive(&[Val::Missing]);
        b.delivered(t);
        b.delivered(t);
        b.arrive(&[zone("Europe/Paris")]);
        let mut ab = a.clone();
        ab.merge(&b);
        let mut ba = b.clone();
        ba.merge(&a);
        assert_eq!(sorted(&ab.counts), sorted(&ba.counts));
        let all = sorted(&ab.counts);
        let names: Vec<_> = all.iter().map(|z| z.name.as_str()).collect();
        assert_eq!(names, ["Asia/Tokyo", "Europe/Paris", "UTC"]);
        assert_eq!(all[0].held, 1);
        assert_eq!(all[2].local_hour[3], 3);
        assert_eq!(all[2].delivered(), 3);
        assert_eq!(all[2].customers, 2);
        // The merged table keeps each zone's rules beside its counts.
        ab.arrive(&[zone("Europe/Paris")]);
        ab.delivered(t);
        let paris = ab.counts.iter().find(|c| c.name == "Europe/Paris");
        assert_eq!(paris.map(|c| c.local_hour[4]), Some(1));
    }

    #[test]
    fn a_customer_s_zone_is_the_attribute_else_utc() {
        let mut z = tally(Some(1));
        z.arrive(&[Val::Bool(true), zone("Asia/Tokyo")]);
        let t = parse_rfc3339("2026-01-05T23:30:00Z").expect("time");
        z.delivered(t);
        z.held();
        z.arrive(&[Val::Bool(true), Val::Missing]);
        z.delivered(t);
        // A `set` of another attribute changes nothing; of the zone, the zone.
        z.set(0, &zone("Europe/Paris"));
        z.delivered(t);
        z.set(1, &zone("Asia/Tokyo"));
        z.delivered(t);
        let names: Vec<_> = z.counts.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Asia/Tokyo", "UTC"]);
        assert_eq!(z.counts[0].customers, 1);
        assert_eq!(z.counts[0].held, 1);
        assert_eq!(z.counts[0].local_hour[8], 2);
        assert_eq!(z.counts[1].local_hour[23], 2);
    }
}
