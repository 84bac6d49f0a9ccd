"""Runs a journey's BPMN process in SpiffWorkflow, with a controlled clock.

SpiffWorkflow evaluates expressions in Python, while the export writes FEEL for Zeebe; the
script engine below translates the small FEEL subset the export emits (comparisons, `and`, `or`,
`not(...)`, `null`, `list contains(...)`, `+ - *`, `event.FIELD`) and reads ISO-8601 timer
durations as they are. Service tasks are completed by the harness, in the role of Zeebe's job
workers; timers fire when the simulated clock passes them.

One gap of SpiffWorkflow 3.2 is bridged here: it runs an event subprocess started by a message
beside the process without interrupting it, even with `isInterrupting="true"`. Zeebe interrupts;
so once the exit or goal subprocess reached its end event, the harness cancels the instance, as
Zeebe would have done itself.
"""

import re
import xml.etree.ElementTree as ET

import journey_router
from datetime import datetime, timedelta, timezone

from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, full_tag
from SpiffWorkflow.bpmn.parser.TaskParser import TaskParser
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.specs.defaults import ManualTask
from SpiffWorkflow.bpmn.specs.event_definitions import timer as timer_mod
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.util import BpmnEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

EPOCH = datetime(2026, 1, 5, 9, 0, 0, tzinfo=timezone.utc)


class SimClock:
    now = EPOCH


class _SimDatetime(datetime):
    @classmethod
    def now(cls, tz=None):
        return SimClock.now


timer_mod.datetime = _SimDatetime

ISO_DURATION = re.compile(r"^P(?!$)(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")
STRING = re.compile(r'"(?:[^"\\]|\\.)*"')


def feel_to_python(expr):
    """The FEEL subset the export writes, as a Python expression."""
    out, last = [], 0
    for m in STRING.finditer(expr):
        out.append(_code(expr[last:m.start()]))
        out.append(m.group(0))
        last = m.end()
    out.append(_code(expr[last:]))
    return "".join(out)


def _code(s):
    # Times (`wait until`): FEEL's `date and time`, `duration`, `now()` and `string`.
    s = s.replace("date and time(", "_dt(").replace("duration(", "_dur(")
    s = s.replace("now()", "_now()").replace("string(", "_str(")
    s = re.sub(r"(?<![!<>=])=(?!=)", "==", s)
    s = re.sub(r"\bnull\b", "None", s)
    s = re.sub(r"\btrue\b", "True", s)
    s = re.sub(r"\bfalse\b", "False", s)
    return s.replace("list contains(", "_contains(")


class Record(dict):
    """A JSON object read with dots, missing keys reading as null."""

    def __getattr__(self, name):
        v = self.get(name)
        return Record(v) if isinstance(v, dict) else v


class Scope(dict):
    def __missing__(self, key):
        return None


def _contains(items, x):
    return x in items


def _dt(text):
    """FEEL `date and time(text)`; null stays null."""
    if text is None:
        return None
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))


def _dur(text):
    """FEEL `duration(\"P1DT2H\")` (days, hours, minutes, seconds)."""
    m = re.fullmatch(r"(-)?P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?", text)
    if m is None:
        raise ValueError(f"not a duration: {text!r}")
    sign = -1 if m.group(1) else 1
    d, h, mi, se = (int(g or 0) for g in m.groups()[1:])
    return sign * timedelta(days=d, hours=h, minutes=mi, seconds=se)


def _now():
    return SimClock.now


def _str(x):
    return str(x)


FEEL_FUNCTIONS = {"_contains": _contains, "_dt": _dt, "_dur": _dur, "_now": _now, "_str": _str}


class FeelEngine(PythonScriptEngine):
    def _scope(self, task):
        scope = Scope({k: Record(v) if isinstance(v, dict) else v for k, v in task.data.items()})
        scope.update(FEEL_FUNCTIONS)
        return scope

    def evaluate(self, task, expression, external_context=None):
        text = expression.strip()
        if ISO_DURATION.match(text):
            return text
        if not text.startswith("="):
            raise ValueError(f"not a FEEL expression: {text!r}")
        value = eval(feel_to_python(text[1:]), {"__builtins__": {}, **FEEL_FUNCTIONS}, self._scope(task))
        # A timer's `timeDate` is read as ISO 8601 text.
        return value.isoformat() if isinstance(value, datetime) else value

    def execute(self, task, script, external_context=None):
        target, _, value = script.partition(" = ")
        task.data[target.strip()] = eval(
            feel_to_python(value), {"__builtins__": {}, **FEEL_FUNCTIONS}, self._scope(task)
        )
        return True


class JobParser(BpmnParser):
    # Service tasks wait for a job worker (the harness), as in Zeebe.
    OVERRIDE_PARSER_CLASSES = {full_tag("serviceTask"): (TaskParser, ManualTask)}


ENDINGS = {"journey.completed": "completed", "journey.exited": "exit_on",
           "journey.converted": "converted"}
INTERRUPTS = {"journey.exit_on": "exit_on", "journey.goal": "converted"}


class BpmnEngine:
    def __init__(self, path, spec, scenario):
        parser = JobParser()
        parser.add_bpmn_file(path)
        self.wf_spec = parser.get_spec(spec["name"])
        self.subprocesses = parser.get_subprocess_specs(spec["name"])
        self.spec = spec
        self.scenario = scenario
        self.exit_nodes = {n["id"] for n in spec["nodes"] if n["type"] == "exit"}
        self.send_nodes = {n["id"] for n in spec["nodes"] if n["type"] == "send"}
        # `wait until`: the `journey-clock` job, then a timer on `clock_until` (its seconds
        # from now, as the clock service answered them).
        self.clock_nodes = {n["id"] for n in spec["nodes"] if n["type"] == "wait_clock"}
        self.clock_wait = 0
        self.engaged = {}
        # Decisions that read history: their first task is the `journey-history` job, whose
        # reads SpiffWorkflow (not reading Zeebe's task headers) takes from the spec.
        self.history_nodes = {}
        for n in spec["nodes"]:
            conds = [a["condition"] for a in n.get("arms", [])] + ([n["guard"]] if n.get("guard") else [])
            reads = journey_router.history_reads(conds, {})
            if reads:
                self.history_nodes[n["id"]] = list(reads.values())
        self.wf = None
        self.t = EPOCH
        # The input mapping of each send task (`zeebe:input` into `data`): SpiffWorkflow does not
        # read Zeebe's extensions, so the harness evaluates it when the job is taken, as Zeebe
        # does when it activates the task.
        zeebe = "{http://camunda.org/schema/zeebe/1.0}"
        self.inputs = {}
        for task in ET.parse(path).getroot().iter("{http://www.omg.org/spec/BPMN/20100524/MODEL}serviceTask"):
            for i in task.iter(f"{zeebe}input"):
                self.inputs.setdefault(task.get("id"), []).append((i.get("source"), i.get("target")))

    def start(self, attrs, fields):
        SimClock.now = self.t
        self.wf = BpmnWorkflow(self.wf_spec, self.subprocesses, script_engine=FeelEngine())
        data = dict(attrs)
        data["customer_id"] = self.scenario["customer_id"]
        if "instance_key" in self.scenario:  # an instance of a keyed journey (`per FIELD`)
            data["instance_key"] = self.scenario["instance_key"]
        data["event"] = fields
        data["trigger"] = fields  # `trigger.FIELD` reads it for the whole instance
        for key, bucket in self.scenario["splits"].items():
            data[f"split_{key}"] = bucket
        start = self.wf.get_tasks(state=TaskState.READY)[0]
        start.data.update(data)
        self.wf.do_engine_steps()

    def now(self, secs):
        self.t = EPOCH + timedelta(seconds=secs)

    def _refresh(self):
        # New timers start from now; due timers fire when their deadline is strictly before
        # now, so they are checked a microsecond later.
        SimClock.now = self.t
        self.wf.refresh_waiting_tasks()
        SimClock.now = self.t + timedelta(microseconds=1)
        self.wf.refresh_waiting_tasks()
        SimClock.now = self.t

    def _ended(self):
        for t in self.wf.get_tasks(state=TaskState.COMPLETED):
            name = t.task_spec.bpmn_id
            if name in ENDINGS:
                return ENDINGS[name]
            if name in self.exit_nodes:
                return "exit_step"
        return "completed?"

    def settle(self):
        while True:
            self._refresh()
            self.wf.do_engine_steps()
            for sp in self.wf.subprocesses.values():
                if sp.spec.name in INTERRUPTS and sp.is_completed():
                    self.wf.cancel()
                    return ("ended", INTERRUPTS[sp.spec.name])
            if self.wf.is_completed():
                return ("ended", self._ended())
            ready = [t for t in self.wf.get_tasks(state=TaskState.READY) if t.task_spec.manual]
            if ready:
                task = ready[0]
                bid = task.task_spec.bpmn_id
                node = bid[: -len(".deliver")] if bid.endswith(".deliver") else bid
                if bid in self.history_nodes:
                    return ("history", bid, self.history_nodes[bid], task)
                if bid in self.clock_nodes:
                    return ("clock", bid, task)
                if node in self.send_nodes:
                    # SpiffWorkflow does not read Zeebe's task headers: the touchpoint comes
                    # from the node the task was generated from.
                    tp = next(n["touchpoint"] for n in self.spec["nodes"] if n["id"] == node)
                    return ("send", node, tp, task, task.data)
                # The engagement service: opens and clicks of this instance so far.
                eng = {}
                for tp, kinds in self.engaged.items():
                    for k in kinds:
                        eng[f"{k}_{tp}"] = True
                task.data["engagement"] = eng
                task.run()
                continue
            waiting = [t for t in self.wf.get_tasks(state=TaskState.WAITING)
                       if t.task_spec.bpmn_id not in ("journey.exit_on.start", "journey.goal.start")]
            for t in waiting:
                bid = t.task_spec.bpmn_id
                node = next((n for n in self.spec["nodes"] if n["id"] == bid or f"{n['id']}.event" == bid), None)
                if node is not None and node["type"] == "wait_event":
                    return ("wait", node["id"], node["timeout_secs"], node["id"])
                if node is not None and node["type"] == "delay":
                    return ("delay", node["secs"], node["id"])
                if bid.endswith(".timer") and bid[: -len(".timer")] in self.clock_nodes:
                    return ("delay", self.clock_wait, bid)
                # `wait until TIME`: the timer's own `timeDate`, measured on the simulated clock.
                until = next((n for n in self.spec["nodes"] if n["type"] == "wait_until"
                              and bid in (n["id"], f"{n['id']}.wait")), None)
                if until is not None:
                    value = FeelEngine().evaluate(t, t.task_spec.event_definition.expression)
                    return ("until", journey_router.parse_rfc3339(value), bid)
                if node is not None and node["type"] == "wait_any":
                    # The event-based gateway of a wait for several events.
                    return ("wait", node["id"], node["timeout_secs"], node["id"])
                # Or one of its message catches, `<node>.on_<event>`.
                multi = next((n for n in self.spec["nodes"] if n["type"] == "wait_any"
                              and any(f"{n['id']}.on_{b['event']}" == bid for b in n["branches"])), None)
                if multi is not None:
                    return ("wait", multi["id"], multi["timeout_secs"], multi["id"])
            raise RuntimeError(f"the process neither parked nor ended: {[t.task_spec.bpmn_id for t in waiting]}")

    def send_data(self, task):
        """The values of the send task's input mapping `data`, or None."""
        for source, target in self.inputs.get(task.task_spec.bpmn_id, []):
            if target == "data":
                return FeelEngine().evaluate(task, source)
        return None

    def send_done(self, task, touchpoint, outcome):
        if outcome == "sent":
            task.data[f"sent_{touchpoint}"] = True
        task.run()

    def clock_done(self, task, until_abs, wait_secs):
        task.data["clock_until"] = journey_router.rfc3339(until_abs)
        self.clock_wait = wait_secs
        task.run()

    def history_done(self, task, answer):
        task.data["history"] = answer
        task.run()

    def deliver(self, node_id, fields, event=None):
        name = event or next(n["event"] for n in self.spec["nodes"] if n["id"] == node_id)
        self.wf.catch(BpmnEvent(MessageEventDefinition(name), payload={"event": fields}))

    def time_out(self, _node):
        pass  # the timer fires once the clock passes it

    def release(self, _node):
        pass

    def engage(self, kind, touchpoint):
        item = self.engaged.setdefault(touchpoint, set())
        item.add("opened")
        if kind == "clicked":
            item.add("clicked")

    def stop(self, why):
        journey = self.spec["name"]
        name = f"{journey}.exit" if why == "exit" else f"{journey}.converted"
        self.wf.catch(BpmnEvent(MessageEventDefinition(name), payload={}))
