"""One router and one set of senders for every journey of a customer, as docs/exports.md
("Several journeys of one customer") specifies them, for the differential tests.

journey_router.simulate runs one journey alone. Here a customer is in every journey of a project
at once, each journey its own execution (Step Functions) or process instance (Zeebe), and what
spans journeys lives in the services, configured by the project's `journeyc-services.json`:

- the senders keep one send log per customer and channel, written by every journey: a channel's
  caps count the sends of all of them; a transactional touchpoint is neither held nor capped,
  and never enters the log;
- the router hands an event to the journeys that know it, one at a time, in arbitration order
  (`journeys` of the services file: higher priority first, then by name), each settled before
  the next, and refuses a trigger while the customer is in another journey of the same
  `exclusive` group;
- timers of several journeys due at one instant fire in the same arbitration order;
- one history per customer (docs/exports.md, "History") records every journey's sends and each
  event once, as it arrives, before any journey handles it, and answers every journey's
  lookups: `sent(T) within D` sees the sends of the other journeys.

A journey with `per FIELD` (`"per"` in the services file) has one instance per key: the router
starts an execution / process instance per customer and key when the trigger arrives with a key
no instance has, and hands an event that carries the field to the instance of its key only (an
event without the field to every instance of the journey). Its actions are tagged
`journey[key]`.

The world's actions (entered, sent, suppressed by a cap, refused by an exclusive group, ended),
tagged with the journey, are what tests/export_differential.rs compares with `journeyc`'s world.
"""

import json

import journey_router
from journey_router import History, customer_zone, fmt, holds, quiet_until, spec_node, wait_takes


class Services:
    """`journeyc-services.json`, read."""

    def __init__(self, doc):
        if doc.get("journeyc_services") != 1:
            raise ValueError("not a journeyc-services.json of version 1")
        self.order = [j["name"] for j in doc["journeys"]]
        self.group = {j["name"]: j["exclusive"] for j in doc["journeys"]}
        self.per = {j["name"]: j.get("per") for j in doc["journeys"]}
        self.channels = doc["channels"]
        self.touchpoints = doc["touchpoints"]
        self.zone = doc.get("customer_zone")

    def transactional(self, touchpoint):
        return self.touchpoints[touchpoint]["transactional"]

    def channel(self, touchpoint):
        return self.channels[self.touchpoints[touchpoint]["channel"]]


class CapService:
    """The channels' senders: caps over one log per customer and channel, every journey's sends."""

    def __init__(self, services):
        self.services = services
        self.log = {}  # (customer, channel) -> [(time, journey, touchpoint)]

    def quiet_until(self, t_abs, touchpoint, customer=None):
        if self.services.transactional(touchpoint):
            return None
        zone = customer_zone(self.services.zone, customer)
        return quiet_until(t_abs, self.services.channel(touchpoint)["quiet"], zone)

    def decide(self, customer, journey, touchpoint, t_abs):
        """`sent`, or `suppressed` with the earliest send of the window that filled the cap."""
        if self.services.transactional(touchpoint):
            return "sent", None  # exempt, and not counted
        name = self.services.touchpoints[touchpoint]["channel"]
        caps = self.services.channels[name]["caps"]
        window = max([c["per_secs"] for c in caps] or [0])
        log = [s for s in self.log.get((customer, name), []) if t_abs - s[0] < window]
        self.log[(customer, name)] = log
        for c in caps:
            within = [s for s in log if t_abs - s[0] < c["per_secs"]]
            if len(within) >= c["count"]:
                return "suppressed", within[0] if within else None
        if window > 0:
            log.append((t_abs, journey, touchpoint))
        return "sent", None


class Instance:
    """One journey of the customer: the current entry's engine and where it is parked."""

    def __init__(self, name, spec, make, attributes):
        self.name, self.spec, self.make, self.attrs = name, spec, make, attributes
        self.engine = None
        self.active = False
        self.entries = 0
        self.last_entry = None
        self.entered = None
        self.park = None  # (kind, deadline or None, node or touchpoint, handle)
        self.sent = set()
        self.key = None  # the instance's key, for a journey with `per FIELD`

    @property
    def label(self):
        return self.name if self.key is None else f"{self.name}[{self.key}]"


def simulate_world(services, journeys, scenario, epoch, horizon):
    """Runs one customer through every journey of `journeys` ({name: (spec, make(entry, key))}).

    Returns the world's actions as [time, journey, what] in the order they happened, and a
    readable timeline."""
    names = [n for n in services.order if n in journeys]
    # Per journey in arbitration order: its instances, in the order they were made (one for a
    # journey without `per`, made now; one per key for a keyed journey, made by its trigger).
    slots = {n: [] for n in names}
    for n in names:
        if services.per.get(n) is None:
            slots[n].append(Instance(n, journeys[n][0], journeys[n][1],
                                     scenario["journeys"][n]["attributes"]))

    def all_insts():
        return [i for n in names for i in slots[n]]
    customer = scenario["customer_id"]
    senders = CapService(services)
    history = History()
    actions, timeline = [], []

    def act(t, inst, what):
        actions.append([t, inst.label, what])
        timeline.append(f"{fmt(t)} {inst.label}: {what}")

    def note(t, inst, what):
        timeline.append(f"{fmt(t)} {inst.label}: {what}")

    def settle(inst, t):
        inst.engine.now(t)
        while True:
            park = inst.engine.settle()
            kind = park[0]
            if kind == "ended":
                inst.active, inst.park = False, None
                act(t, inst, f"ended: {park[1]}")
                return
            if kind == "send":
                _, _node, tp, handle, customer = park
                until = senders.quiet_until(epoch + t, tp, customer)
                if until is not None:
                    note(t, inst, f"deferred {tp} to {fmt(until - epoch)}")
                    inst.park = ("deferred", until - epoch, tp, handle)
                    return
                send(inst, t, tp, handle)
                continue
            if kind == "wait":
                _, node, timeout, handle = park
                inst.park = ("wait", None if timeout is None else t + timeout, node, handle)
                return
            if kind == "delay":
                _, secs, handle = park
                inst.park = ("delay", t + secs, None, handle)
                return
            if kind == "history":
                _, _node, reads, handle = park
                inst.engine.history_done(handle, history.answer(reads, t))
                continue
            if kind == "until":
                _, instant, handle = park
                inst.park = ("delay", max(t, instant - epoch), None, handle)
                return
            if kind == "clock_at":
                _, _node, at, offset, handle = park
                until = journey_router.parse_rfc3339(at) + offset
                inst.engine.clock_done(handle, until, until - epoch - t)
                continue
            raise RuntimeError(f"unknown park {park}")

    def send(inst, t, tp, handle):
        outcome, by = senders.decide(customer, inst.name, tp, epoch + t)
        if outcome == "sent":
            inst.sent.add(tp)
            history.sent(t, tp)
            # The values the message carried, as the interpreter's world shows them.
            data = inst.engine.send_data(handle)
            shown = "" if data is None else " " + json.dumps(
                data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            act(t, inst, f"sent {tp}{shown}")
        else:
            act(t, inst, f"suppressed {tp} (cap)")
            note(t, inst, f"  the cap was reached by {by[2]} of {by[1]} at {fmt(by[0] - epoch)}")
        inst.engine.send_done(handle, tp, outcome)

    def fire(inst):
        kind, t, what, handle = inst.park
        inst.park = None
        inst.engine.now(t)
        if kind == "delay":
            note(t, inst, "delay over")
            inst.engine.release(handle)
        elif kind == "wait":
            note(t, inst, f"timeout at {what}")
            inst.engine.time_out(handle)
        else:
            send(inst, t, what, handle)
        settle(inst, t)

    def fire_timers(until):
        """Every timer due at or before `until`: by time, then arbitration order."""
        while True:
            insts = all_insts()
            due = [(i.park[1], rank) for rank, i in enumerate(insts)
                   if i.active and i.park is not None and i.park[1] is not None]
            if not due:
                return
            t, rank = min(due)
            if t > until:
                return
            fire(insts[rank])

    def holder(inst):
        group = services.group.get(inst.name)
        if group is None:
            return None
        # Instances of one journey never exclude each other.
        return next((o for o in all_insts() if o.name != inst.name and o.active
                     and services.group.get(o.name) == group), None)

    def handle(inst, t, name, fields):
        spec, attrs = inst.spec, inst.attrs
        hist = (history, t)
        if inst.active:
            # Exit criteria first, then goals, then the wait (docs/semantics.md).
            if any(x["event"] == name and holds(spec, x["condition"], attrs, fields, name, hist)
                   for x in spec["exits"]):
                note(t, inst, f"exit on {name}")
                inst.engine.now(t)
                inst.engine.stop("exit")
                settle(inst, t)
                return
            if any(g["event"] == name
                   and (g["within_secs"] is None or t - inst.entered <= g["within_secs"])
                   and holds(spec, g["condition"], attrs, fields, name, hist)
                   for g in spec["goals"]):
                note(t, inst, f"goal {name}")
                inst.engine.now(t)
                inst.engine.stop("converted")
                settle(inst, t)
                return
            p = inst.park
            if p is not None and p[0] == "wait":
                node = spec_node(spec, p[2])
                taken, came = wait_takes(spec, node, name, attrs, fields, hist)
                if taken:
                    inst.park = None
                    note(t, inst, f"{name} reached {p[2]}")
                    inst.engine.now(t)
                    inst.engine.deliver(p[3], fields, came)
                    settle(inst, t)
            return
        trig = spec["trigger"]
        if name != trig["event"] or not holds(spec, trig["condition"], attrs, fields, name, hist):
            return
        other = holder(inst)
        if other is not None:
            act(t, inst, f"refused: in {other.name} (exclusive {services.group[inst.name]})")
            return
        entry = spec["entry"]
        if entry["rule"] == "once" and inst.entries > 0:
            return
        if entry["rule"] == "every" and inst.last_entry is not None \
                and t - inst.last_entry < entry["period_secs"]:
            return
        inst.entries += 1
        inst.active, inst.entered, inst.last_entry = True, t, t
        inst.park, inst.sent = None, set()
        inst.engine = inst.make(inst.entries, inst.key)
        act(t, inst, "entered")
        inst.engine.now(t)
        inst.engine.start(attrs, fields)
        settle(inst, t)

    steps = sorted(scenario["steps"], key=lambda s: s["at"])  # stable: same-time order kept
    for step in steps:
        t = step["at"]
        # Events before the timers of their instant.
        fire_timers(t - 1)
        if "identify" in step:
            # The profile the router keeps changes; running executions keep their attributes.
            for n in names:
                scenario["journeys"][n]["attributes"].update(step["identify"])
            continue
        if "engage" in step:
            for inst in all_insts():
                if inst.active and step["touchpoint"] in inst.sent:
                    inst.engine.engage(step["engage"], step["touchpoint"])
                    note(t, inst, f"{step['engage']} {step['touchpoint']}")
            continue
        # Recorded once, as it arrives, before any journey handles it.
        history.event(t, step["event"])
        name, fields = step["event"], step.get("fields", {})
        for n in names:
            spec = journeys[n][0]
            if name not in spec["events"]:
                continue
            per = services.per.get(n)
            if per is None:
                handle(slots[n][0], t, name, fields)
                continue
            if per not in spec["events"][name]["fields"]:
                for inst in list(slots[n]):
                    handle(inst, t, name, fields)
                continue
            key = fields.get(per)
            if key is None or isinstance(key, bool) or not isinstance(key, (str, int)):
                continue  # no key: no instance's event, and a trigger without one enters nothing
            key = str(key)
            inst = next((i for i in slots[n] if i.key == key), None)
            if inst is None:
                if name != spec["trigger"]["event"]:
                    continue
                inst = Instance(n, spec, journeys[n][1], scenario["journeys"][n]["attributes"])
                inst.key = key
                slots[n].append(inst)
                handle(inst, t, name, fields)
                if inst.entries == 0:
                    slots[n].remove(inst)  # it did not enter: nothing to remember
                continue
            handle(inst, t, name, fields)
    last = steps[-1]["at"] if steps else 0
    fire_timers(last + horizon)
    for inst in all_insts():
        if inst.active:
            note(last + horizon, inst, "still in the journey")
    return {"actions": actions, "timeline": timeline}
