"""Runs a journey's state machine in moto's Step Functions executor (moto[stepfunctions]).

Waits are made instant and timeouts are decided by the simulated clock of journey_router: a
`Wait` state parks until the router releases it, and a `.waitForTaskToken` task times out (as
`States.Timeout`, through the executor's own timeout path) when the router says its deadline
passed. Everything else is moto's: the state machine, the SQS queues the tasks post their tokens
to, SendTaskSuccess / SendTaskFailure, and the DynamoDB table the engagement reads come from.
"""

import itertools
import json
import os
import threading
import time

os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3  # noqa: E402
import journey_router  # noqa: E402
from moto import mock_aws  # noqa: E402
from moto.stepfunctions.parser.asl.component.state.exec.state_task.service import (  # noqa: E402
    state_task_service_callback as callback_mod,
)
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import (  # noqa: E402
    timestamp as timestamp_mod,
)
from moto.stepfunctions.parser.asl.component.state.wait.wait_function import (  # noqa: E402
    wait_function as wait_mod,
)
from moto.stepfunctions.parser.asl.eval.callback.callback import (  # noqa: E402
    CallbackOutcomeTimedOut,
)

PREFIX = "https://sqs.us-east-1.amazonaws.com/123456789012/journeyc-"
POLL = 0.005
PATIENCE = 30.0  # seconds of real time an engine may take to reach its next park


class Clock:
    """What the patched executor reports to, and waits on."""

    def __init__(self):
        self.lock = threading.Lock()
        self.delays = []  # (execution ARN, seconds, threading.Event) of Wait states parked
        self.timed_out = set()  # task tokens whose deadline passed


CLOCK = Clock()
MACHINES = itertools.count(1)
# Messages the executions posted, by execution ARN: several executions (the journeys of one
# customer, see shared_services.py) share the queues, and each engine reads its own.
MAILBOX = {}
LISTENERS = {}


def _wait_interval(self, env, wait_seconds):
    release = threading.Event()
    execution = env.states.context_object.context_object_data["Execution"]["Id"]
    with CLOCK.lock:
        CLOCK.delays.append((execution, wait_seconds, release))
    while not release.wait(POLL):
        if not env.is_running():
            return


def _eval_wait_for_task_token(self, env, timeout_seconds, callback_endpoint, heartbeat_endpoint):
    while True:
        outcome = callback_endpoint.wait(timeout=POLL)
        if outcome is not None:
            return outcome
        if callback_endpoint.callback_id in CLOCK.timed_out or not env.is_running():
            return CallbackOutcomeTimedOut(callback_id=callback_endpoint.callback_id)


_timestamp_wait_seconds = timestamp_mod.Timestamp._get_wait_seconds


class Until(int):
    """The seconds a `Wait` on a timestamp waits, carrying the timestamp itself (seconds since
    1970), so that the router measures it on the simulated clock, not moto's real one."""

    def __new__(cls, instant):
        obj = super().__new__(cls, 0)
        obj.instant = instant
        return obj


def _get_wait_seconds(self, env):
    # moto reads the timestamp at the document's path and checks its form (`...Z`), then
    # measures it against the real clock; the harness keeps the timestamp instead.
    self.string.eval(env=env)
    text = env.stack.pop()
    if self._from_timestamp_string(timestamp=text) is None:
        return _timestamp_wait_seconds(self, env)  # moto's own failure
    return Until(journey_router.parse_rfc3339(text))


wait_mod.WaitFunction._wait_interval = _wait_interval
timestamp_mod.Timestamp._get_wait_seconds = _get_wait_seconds
callback_mod.StateTaskServiceCallback._eval_wait_for_task_token = _eval_wait_for_task_token


class AslEngine:
    def __init__(self, definition, spec, scenario, entry=1):
        self.spec = spec
        self.scenario = scenario
        self.steps = definition["States"]["journey"]["Branches"][0]["States"]
        self.sfn = boto3.client("stepfunctions")
        self.sqs = boto3.client("sqs")
        self.ddb = boto3.client("dynamodb")
        queues = ["waits", "listen", "history", "clock"] + [f"send-{c}" for c in spec["channels"]]
        self.queues = [self.sqs.create_queue(QueueName=f"journeyc-{q}")["QueueUrl"] for q in queues]
        try:
            self.ddb.create_table(
                TableName="journeyc-engagement",
                KeySchema=[{"AttributeName": "execution", "KeyType": "HASH"}],
                AttributeDefinitions=[{"AttributeName": "execution", "AttributeType": "S"}],
                BillingMode="PAY_PER_REQUEST",
            )
        except self.ddb.exceptions.ResourceInUseException:
            pass
        self.arn = self.sfn.create_state_machine(
            name=f"{spec['name']}-{next(MACHINES)}",
            definition=json.dumps(definition),
            roleArn="arn:aws:iam::123456789012:role/journeys",
        )["stateMachineArn"]
        self.entry = entry
        self.execution = None
        self.pending = []
        self.engaged = {}
        self.payloads = {}  # the `data` of each send's message, by task token

    def start(self, attrs, fields):
        payload = {
            "customer_id": self.scenario["customer_id"],
            "customer": attrs,
            "event": fields,
            "trigger": fields,  # `trigger.FIELD` reads it for the whole execution
            "splits": self.scenario["splits"],
        }
        if "instance_key" in self.scenario:  # an instance of a keyed journey (`per FIELD`)
            payload["instance_key"] = self.scenario["instance_key"]
        self.execution = self.sfn.start_execution(
            stateMachineArn=self.arn, name=f"entry-{self.entry}", input=json.dumps(payload)
        )["executionArn"]
        self.pending = MAILBOX.setdefault(self.execution, [])

    @property
    def listener(self):
        return LISTENERS.get(self.execution)

    def _poll_queues(self):
        for url in self.queues:
            got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)
            for m in got.get("Messages", []):
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
                body = json.loads(m["Body"])
                if body["type"] == "listen":
                    # moto shares the context object between a Parallel's branches: when the
                    # steps branch ends at once (nothing to send), the listener's message can
                    # be posted as the branch is cancelled, without its token. That execution is
                    # ending and needs no listener; one that goes on without a listener shows
                    # as a divergence (no goal or exit can reach it).
                    if "task_token" in body:
                        LISTENERS[body["execution"]] = body["task_token"]
                else:
                    MAILBOX.setdefault(body["execution"], []).append(body)

    def _status(self):
        d = self.sfn.describe_execution(executionArn=self.execution)
        return d["status"], d.get("output")

    def settle(self):
        start = time.monotonic()
        while time.monotonic() - start < PATIENCE:
            self._poll_queues()
            if self.pending:
                body = self.pending.pop(0)
                if body["type"] == "send":
                    self.payloads[body["task_token"]] = body.get("data")
                    return ("send", body["node"], body["touchpoint"], body["task_token"],
                            body.get("customer"))
                if body["type"] == "history":
                    return ("history", body["node"], body["reads"], body["task_token"])
                if body["type"] == "clock" and "at" in body:
                    return ("clock_at", body["node"], body["at"], body["offset_secs"],
                            body["task_token"])
                if body["type"] == "clock":
                    return ("clock", body["node"], body["task_token"])
                # The deadline is the state's own TimeoutSeconds, so the document is what is tested.
                timeout = self.steps[body["node"]].get("TimeoutSeconds")
                return ("wait", body["node"], timeout, body["task_token"])
            with CLOCK.lock:
                mine = [d for d in CLOCK.delays if d[0] == self.execution]
                if mine:
                    CLOCK.delays.remove(mine[0])
                    if isinstance(mine[0][1], Until):
                        return ("until", mine[0][1].instant, mine[0][2])
                    return ("delay", mine[0][1], mine[0][2])
            status, output = self._status()
            if status != "RUNNING":
                if status == "SUCCEEDED":
                    return ("ended", json.loads(output).get("ended", "?"))
                return ("ended", f"execution {status.lower()}")
            time.sleep(POLL)
        raise TimeoutError("the state machine neither parked nor ended")

    def now(self, secs):
        pass  # moto's clock is not read: waits and timeouts are released by the router

    def send_data(self, token):
        """The values the send's message carried (its `data`), or None."""
        return self.payloads.get(token)

    def send_done(self, token, touchpoint, outcome):
        # The sender's answer as docs/exports.md writes it: a suppression says why.
        answer = {"outcome": outcome}
        if outcome == "suppressed":
            answer["reason"] = "cap"
        self.sfn.send_task_success(taskToken=token, output=json.dumps(answer))

    def clock_done(self, token, until_abs, wait_secs):
        until = journey_router.rfc3339(until_abs)
        self.sfn.send_task_success(taskToken=token, output=json.dumps({"until": until}))

    def history_done(self, token, answer):
        self.sfn.send_task_success(taskToken=token, output=json.dumps(answer))

    def deliver(self, token, fields, event=None):
        # A wait for several events learns which one came: {"event": NAME, "fields": {...}}.
        output = fields if event is None else {"event": event, "fields": fields}
        self.sfn.send_task_success(taskToken=token, output=json.dumps(output))

    def time_out(self, token):
        CLOCK.timed_out.add(token)

    def release(self, release):
        release.set()

    def engage(self, kind, touchpoint):
        item = self.engaged.setdefault(touchpoint, set())
        item.add("opened")
        if kind == "clicked":
            item.add("clicked")
        attrs = {"execution": {"S": self.execution}}
        for tp, kinds in self.engaged.items():
            for k in kinds:
                attrs[f"{k}_{tp}"] = {"BOOL": True}
        self.ddb.put_item(TableName="journeyc-engagement", Item=attrs)

    def stop(self, why):
        start = time.monotonic()
        while self.listener is None and time.monotonic() - start < PATIENCE:
            self._poll_queues()
            time.sleep(POLL)
        error = {"exit": "Journey.Exit", "converted": "Journey.Converted"}[why]
        self.sfn.send_task_failure(taskToken=self.listener, error=error)


def mocked():
    return mock_aws(config={"stepfunctions": {"execute_state_machine": True}})
