"""The services beside the engine, as docs/exports.md specifies them, for the differential tests.

The event router (trigger, entry, exit criteria, goals, which waits an event completes), the
channel senders (caps, quiet hours) and the engagement store are the same for both engines, so
this module drives either one through an adapter, on a simulated clock:

    park = engine.settle()      # run until the steps wait for something, or end
    engine.start / send_done / deliver / time_out / release / stop

A park is ("send", node, touchpoint, handle, customer), ("wait", node, timeout or None, handle),
("delay", deadline, handle), ("history", node, reads, handle) (answered at once with
engine.history_done), ("clock", node, handle) (answered at once with engine.clock_done: the
time a `wait until` ends, after which the engine parks on a delay), ("clock_at", node, at,
offset, handle) (the clock service adds `offset` seconds to the RFC 3339 time `at`: `wait until
x - 24h` in Step Functions), ("until", instant, handle) (a wait for an absolute instant, seconds
since 1970: a timer on a datetime; one already past ends at once) or ("ended", reason). Times
are seconds after the scenario's start. A send's `customer` is the attributes the sender sees
(ASL: the message's `customer`, sent for local quiet hours; BPMN: the job's variables), from
which it reads the customer's zone.
"""

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

DAY = 86_400


# ---------------------------------------------------------------- IR expressions (router side)

def enum_index(spec, enum_name, value):
    types = [a["type"] for a in spec["attributes"].values()]
    types += [t for e in spec["events"].values() for t in e["fields"].values()]
    for t in types:
        if t.get("kind") == "enum" and t["name"] == enum_name:
            return t["values"].index(value) if value in t["values"] else None
    return None


def const(spec, v):
    t, val = v["type"], v["value"]
    if t == "enum":
        return ("enum", val["index"])
    return val


def read_value(spec, ty, v):
    """A JSON value of type `ty` in the form expressions compare."""
    if v is None:
        return None
    if ty.get("kind") == "enum":
        i = ty["values"].index(v) if v in ty["values"] else None
        return None if i is None else ("enum", i)
    return v


def evaluate(spec, e, attrs, fields, event_name, hist=None):
    """An IR expression with the interpreter's rules: missing values make comparisons false.
    `hist` is (History, now) where history can be read."""
    op = e["op"]
    if op == "history":
        return None if hist is None else hist[0].value(e["of"], e["name"], e["within_secs"], hist[1])
    if op == "const":
        return const(spec, e["value"])
    if op == "attr":
        ty = spec["attributes"][e["name"]]["type"]
        return read_value(spec, ty, attrs.get(e["name"]))
    if op == "trigger_field" and event_name == e["event"]:
        # The trigger's own condition: the trigger event is the event being handled.
        op = "event_field"
    if op == "event_field":
        ty = spec["events"].get(e["event"], {"fields": {}})["fields"].get(e["field"], {})
        return read_value(spec, ty, (fields or {}).get(e["field"]))
    if op == "not":
        v = evaluate(spec, e["expr"], attrs, fields, event_name, hist)
        return (not v) if isinstance(v, bool) else True
    if op == "in":
        v = evaluate(spec, e["expr"], attrs, fields, event_name, hist)
        return v is not None and any(
            v == evaluate(spec, x, attrs, fields, event_name, hist) for x in e["list"]
        )
    if op == "binary":
        o = e["operator"]
        if o == "and":
            return evaluate(spec, e["lhs"], attrs, fields, event_name, hist) is True and \
                evaluate(spec, e["rhs"], attrs, fields, event_name, hist) is True
        if o == "or":
            return evaluate(spec, e["lhs"], attrs, fields, event_name, hist) is True or \
                evaluate(spec, e["rhs"], attrs, fields, event_name, hist) is True
        a = evaluate(spec, e["lhs"], attrs, fields, event_name, hist)
        b = evaluate(spec, e["rhs"], attrs, fields, event_name, hist)
        if a is None or b is None:
            return False if o in ("eq", "ne", "lt", "le", "gt", "ge") else None
        return {
            "eq": lambda: a == b, "ne": lambda: a != b, "lt": lambda: a < b,
            "le": lambda: a <= b, "gt": lambda: a > b, "ge": lambda: a >= b,
        }.get(o, lambda: None)()
    raise ValueError(f"the router does not evaluate `{op}`")


def holds(spec, cond, attrs, fields, event_name, hist=None):
    return cond is None or evaluate(spec, cond, attrs, fields, event_name, hist) is True


def wait_takes(spec, node, name, attrs, fields, hist=None):
    """Whether event `name` ends the wait `node`, and the event to name to the engine: a wait for
    several events is told which one came (the first branch for it whose `where` holds takes it,
    docs/exports.md); a wait for one event is not (None)."""
    if node["type"] == "wait_any":
        return any(b["event"] == name and holds(spec, b["condition"], attrs, fields, name, hist)
                   for b in node["branches"]), name
    return node["event"] == name and holds(spec, node["condition"], attrs, fields, name,
                                           hist), None


# ---------------------------------------------------------------- history service

def history_reads(e, out):
    """The history reads of an IR expression, by key, as the exports ask for them."""
    if isinstance(e, dict):
        if e.get("op") == "history":
            key = f"{e['of']}_{e['name']}_{e['within_secs']}"
            out[key] = {"key": key, "of": e["of"], "name": e["name"], "within_secs": e["within_secs"]}
        for v in e.values():
            history_reads(v, out)
    elif isinstance(e, list):
        for v in e:
            history_reads(v, out)
    return out


@dataclass
class History:
    """The customer's sends and events, answering history lookups (docs/exports.md, "History"):
    a send or event at exactly `within_secs` before now is within the window."""
    events: dict = field(default_factory=dict)
    sends: dict = field(default_factory=dict)

    def event(self, t, name):
        self.events.setdefault(name, []).append(t)

    def sent(self, t, touchpoint):
        self.sends.setdefault(touchpoint, []).append(t)

    def value(self, of, name, within, now):
        times = (self.sends if of == "sent" else self.events).get(name, [])
        n = sum(1 for s in times if s <= now and now - s <= within)
        return n if of == "count" else n > 0

    def answer(self, reads, now):
        return {r["key"]: self.value(r["of"], r["name"], r["within_secs"], now) for r in reads}


# ---------------------------------------------------------------- clock service

WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]


def next_clock(t_abs, day, minute, zone=None):
    """The clock service (docs/exports.md, "Clock waits"): the first time strictly after `t_abs`
    at `minute` past midnight on `day` (any day when None), in UTC or in `zone` (an IANA name),
    as interp/zone.rs computes it."""
    if zone in (None, "UTC"):
        d = t_abs // DAY
        for _ in range(8):
            at = d * DAY + minute * 60
            # 1970-01-01, day 0, was a Thursday.
            if at > t_abs and (day is None or WEEKDAYS.index(day) == (d + 3) % 7):
                return at
            d += 1
        raise ValueError("no such time within a week")
    tz = ZoneInfo(zone)
    date = datetime.fromtimestamp(t_abs, tz).date()
    for i in range(16):
        d = date + timedelta(days=i)
        if day is None or d.weekday() == WEEKDAYS.index(day):
            # A wall time in a DST gap is when the gap ends, in an overlap the earlier instant.
            at = local_to_abs(d, minute, tz)
            if at > t_abs:
                return at
    raise ValueError("no such time within two weeks")


def parse_rfc3339(text):
    """Seconds since 1970 of an RFC 3339 time (`Z` or an offset)."""
    return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())


def rfc3339(t_abs):
    from datetime import timezone
    return datetime.fromtimestamp(t_abs, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# ---------------------------------------------------------------- channel senders

def zone_rule(spec):
    """`customer_zone` of journeyc-services.json, from a journey's spec: the `timezone`
    attribute and its default (UTC when it has none); None when there is no such attribute."""
    for name, a in spec["attributes"].items():
        if a["type"]["kind"] == "timezone":
            d = a.get("default")
            return {"attribute": name, "default": d["value"] if d else "UTC"}
    return None


def customer_zone(rule, customer):
    """The customer's zone name: the attribute's value, else the project default, else UTC."""
    if rule is None:
        return "UTC"
    return (customer or {}).get(rule["attribute"]) or rule["default"] or "UTC"


def local_to_abs(day, minute, tz):
    """The instant of local wall time `minute` on `day` (as interp/zone.rs): in a DST gap the
    instant the gap ends, in an overlap the earlier instant."""
    naive = datetime(day.year, day.month, day.day, minute // 60, minute % 60)
    early = int(naive.replace(tzinfo=tz, fold=0).timestamp())
    if datetime.fromtimestamp(early, tz).replace(tzinfo=None) == naive:
        return early
    # A gap: the two offsets read the wall time on either side of the change; find the change.
    lo, hi = sorted((early, int(naive.replace(tzinfo=tz, fold=1).timestamp())))
    before = datetime.fromtimestamp(lo, tz).utcoffset()
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if datetime.fromtimestamp(mid, tz).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return hi


def local_quiet_until(t_abs, frm, to, zone):
    tz = ZoneInfo(zone)
    now = datetime.fromtimestamp(t_abs, tz)
    m = now.hour * 60 + now.minute
    inside = (frm <= m < to) if frm < to else (m >= frm or m < to)
    if not inside:
        return None
    day = now.date()
    for _ in range(16):
        end = local_to_abs(day, to, tz)
        if end > t_abs:
            return end
        day += timedelta(days=1)
    return t_abs + DAY


def quiet_until(t_abs, quiet, zone="UTC"):
    """The end of the quiet window if absolute time `t_abs` falls in it (as interp/time.rs;
    `local` windows in the customer's `zone` as interp/zone.rs)."""
    if quiet is None:
        return None
    frm, to = quiet["from_minute"], quiet["to_minute"]
    if quiet.get("local"):
        return local_quiet_until(t_abs, frm, to, zone)
    m = (t_abs % DAY) // 60
    inside = (frm <= m < to) if frm < to else (m >= frm or m < to)
    if not inside:
        return None
    end = t_abs - t_abs % DAY + to * 60
    if end <= t_abs:
        end += DAY
    return end


@dataclass
class Senders:
    spec: dict
    log: dict = field(default_factory=dict)

    def window(self, channel):
        return max([c["per_secs"] for c in self.spec["channels"][channel]["caps"]] or [0])

    def deliver(self, t, channel):
        """`sent` or `suppressed` for a send at `t` (quiet hours already handled)."""
        caps = self.spec["channels"][channel]["caps"]
        window = self.window(channel)
        log = [s for s in self.log.get(channel, []) if t - s < window]
        over = any(sum(1 for s in log if t - s < c["per_secs"]) >= c["count"] for c in caps)
        if over:
            self.log[channel] = log
            return "suppressed"
        if window > 0:
            log.append(t)
        self.log[channel] = log
        return "sent"


# ---------------------------------------------------------------- the simulation

def fmt(t):
    d, r = divmod(t, DAY)
    h, r = divmod(r, 3600)
    m, s = divmod(r, 60)
    out = (f"{d}d" if d else "") + (f"{h}h" if h else "") + (f"{m}m" if m else "") + (f"{s}s" if s else "")
    return "+" + (out or "0")


def simulate(engine, spec, scenario, epoch, horizon):
    """Runs one customer through `engine`; returns the timeline, the sends and the ending."""
    attrs = dict(scenario["attributes"])
    steps = sorted(scenario["steps"], key=lambda s: s["at"])  # stable: same-time order kept
    timeline, sends = [], []
    senders = Senders(spec)
    history = History()
    state = {"entered": None, "park": None, "sent": set(), "ended": None}

    def note(t, text):
        timeline.append(f"{fmt(t)} {text}")

    def settle(t):
        engine.now(t)
        while True:
            park = engine.settle()
            kind = park[0]
            if kind == "ended":
                state["ended"] = park[1]
                note(t, f"ended: {park[1]}")
                return
            if kind == "send":
                _, node, tp, handle, customer = park
                ch = spec["touchpoints"][tp]["channel"]
                # A transactional touchpoint ignores quiet hours and caps (the sender reads the
                # message's `transactional` flag), as the interpreter does.
                quiet = None if spec["touchpoints"][tp].get("transactional") else spec["channels"][ch]["quiet"]
                until = quiet_until(epoch + t, quiet, customer_zone(zone_rule(spec), customer))
                if until is not None:
                    note(t, f"deferred {tp} to {fmt(until - epoch)}")
                    state["park"] = ("deferred", until - epoch, tp, handle)
                    return
                send(t, tp, handle)
                continue
            if kind == "wait":
                _, node, deadline, handle = park
                state["park"] = ("wait", None if deadline is None else t + deadline, node, handle)
                return
            if kind == "delay":
                _, secs, handle = park
                state["park"] = ("delay", t + secs, None, handle)
                return
            if kind == "until":
                _, instant, handle = park
                state["park"] = ("delay", max(t, instant - epoch), None, handle)
                return
            if kind == "clock_at":
                _, node, at, offset, handle = park
                until = parse_rfc3339(at) + offset
                engine.clock_done(handle, until, until - epoch - t)
                continue
            if kind == "history":
                _, node, reads, handle = park
                engine.history_done(handle, history.answer(reads, t))
                continue
            if kind == "clock":
                # The clock service answers at once; the engine then waits for the time.
                _, node, handle = park
                n = spec_node(spec, node)
                until = next_clock(epoch + t, n["day"], n["minute_of_day"],
                                   customer_zone(zone_rule(spec), attrs) if n["local"] else None)
                engine.clock_done(handle, until, until - epoch - t)
                continue
            raise RuntimeError(f"unknown park {park}")

    def send(t, tp, handle):
        ch = spec["touchpoints"][tp]["channel"]
        if spec["touchpoints"][tp].get("transactional"):
            outcome = "sent"
        else:
            outcome = senders.deliver(epoch + t, ch)
        data = engine.send_data(handle) if outcome == "sent" else None
        # The values the message carried, compared with the interpreter's as part of the send.
        shown = "" if data is None else " " + json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        if outcome == "sent":
            sends.append([t, tp + shown])
            state["sent"].add(tp)
            history.sent(t, tp)
        note(t, f"{outcome} {tp}{shown}")
        engine.send_done(handle, tp, outcome)

    def fire(t):
        kind, _, node, handle = state["park"]
        state["park"] = None
        engine.now(t)  # before the engine resumes: a Choice on `now` reads the simulated clock
        if kind == "delay":
            note(t, "delay over")
            engine.release(handle)
        elif kind == "wait":
            note(t, f"timeout at {node}")
            engine.time_out(handle)
        else:
            send(t, node, handle)
        settle(t)

    def deadline():
        p = state["park"]
        return None if p is None else p[1]

    trig = spec["trigger"]
    # `trigger when COND` (docs/exports.md, "Entry when a condition becomes true"): the router
    # decides the condition on the profile it keeps, when it first meets the customer and after
    # each identify, and starts an execution with an empty `event` when it rises.
    when_last = [None]

    def decide_when(t):
        now = holds(spec, trig["condition"], attrs, {}, None)
        before = bool(when_last[0])
        when_last[0] = now
        if now and not before and state["entered"] is None:
            state["entered"] = t
            note(t, "entered when the condition became true")
            engine.now(t)
            engine.start(attrs, {})
            settle(t)

    if trig.get("when"):
        decide_when(0)
    for step in steps:
        t = step["at"]
        if state["ended"] is not None and state["entered"] is not None:
            break
        while state["entered"] is not None and state["ended"] is None \
                and deadline() is not None and deadline() < t:
            fire(deadline())
        if state["ended"] is not None:
            break
        engine.now(t)
        if "identify" in step:
            # The router's profile changes; a running execution keeps the attributes it
            # started with (docs/exports.md).
            attrs.update(step["identify"])
            if trig.get("when"):
                decide_when(t)
            continue
        if "engage" in step:
            if state["entered"] is not None and step["touchpoint"] in state["sent"]:
                engine.engage(step["engage"], step["touchpoint"])
                note(t, f"{step['engage']} {step['touchpoint']}")
            continue
        name, fields = step["event"], step.get("fields", {})
        # Recorded as it arrives, before anything handles it (docs/semantics.md, "History").
        history.event(t, name)
        hist = (history, t)
        if state["entered"] is None:
            if name == trig.get("event") and holds(spec, trig["condition"], attrs, fields, name, hist):
                state["entered"] = t
                note(t, f"entered on {name}")
                engine.now(t)
                engine.start(attrs, fields)
                settle(t)
            continue
        # Exit criteria first, then goals, then the wait (docs/semantics.md).
        if any(x["event"] == name and holds(spec, x["condition"], attrs, fields, name, hist)
               for x in spec["exits"]):
            note(t, f"exit on {name}")
            engine.stop("exit")
            settle(t)
            break
        goal = any(
            g["event"] == name
            and (g["within_secs"] is None or t - state["entered"] <= g["within_secs"])
            and holds(spec, g["condition"], attrs, fields, name, hist)
            for g in spec["goals"]
        )
        if goal:
            note(t, f"goal {name}")
            engine.stop("converted")
            settle(t)
            break
        p = state["park"]
        if p is not None and p[0] == "wait":
            node = spec_node(spec, p[2])
            taken, came = wait_takes(spec, node, name, attrs, fields, hist)
            if taken:
                state["park"] = None
                note(t, f"{name} reached {p[2]}")
                engine.deliver(p[3], fields, came)
                settle(t)
    last = steps[-1]["at"] if steps else 0
    while state["entered"] is not None and state["ended"] is None \
            and deadline() is not None and deadline() <= last + horizon:
        fire(deadline())
    ended = state["ended"]
    if state["entered"] is None:
        ended = "not_entered"
    elif ended is None:
        ended = "in_journey"
    return {"timeline": timeline, "sends": sends, "ended": ended}


def spec_node(spec, node_id):
    for n in spec["nodes"]:
        if n["id"] == node_id:
            return n
    raise KeyError(node_id)
