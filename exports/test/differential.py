"""Runs scenario customers through a journey's exports on real engines, for
tests/export_differential.rs.

Usage: python differential.py CASE.json  (writes the results as JSON to stdout)

A case with `services` (a project's journeyc-services.json) and `journeys` (spec, ASL document
and BPMN path of each journey) runs each scenario's customer in every journey at once, through
one shared router and set of senders (shared_services.py), once with Step Functions and once
with BPMN.

CASE.json holds the journey's spec, its ASL document, the path of its BPMN file, and the
scenarios (customer id, attributes, timeline of events and opens, split buckets). Each scenario
runs (a) as a Step Functions execution in moto and (b) as a SpiffWorkflow process instance,
both driven by journey_router on a simulated clock. The Rust test compares the ordered sends and
the ending with the interpreter's.
"""

import json
import logging
import sys

logging.disable(logging.CRITICAL)  # moto logs every branch failure of a Parallel as an error

import engine_asl  # noqa: E402
import engine_bpmn  # noqa: E402
import journey_router  # noqa: E402
import shared_services  # noqa: E402


def run(case):
    spec = case["spec"]
    results = []
    with engine_asl.mocked():
        for sc in case["scenarios"]:
            out = {"name": sc["name"]}
            for label, make in (
                ("asl", lambda: engine_asl.AslEngine(case["asl"], spec, sc)),
                ("bpmn", lambda: engine_bpmn.BpmnEngine(case["bpmn_path"], spec, sc)),
            ):
                try:
                    out[label] = journey_router.simulate(
                        make(), spec, sc, case["epoch"], case["horizon"]
                    )
                except Exception as e:  # report, so the test shows which engine and where
                    out[label] = {"timeline": [f"harness error: {type(e).__name__}: {e}"],
                                  "sends": [], "ended": "error"}
            results.append(out)
    return results


def fnv1a(*parts):
    h = 0xcbf29ce484222325
    for p in parts:
        for b in p.encode() + b"\xff":
            h = ((h ^ b) * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h


def keyed_splits(spec, customer_id, key):
    """The buckets of an instance of a keyed journey (docs/exports.md): the split bucket of
    docs/exports.md with the hash of the customer id and the key."""
    out = {}
    for n in spec["nodes"]:
        if n["type"] != "split":
            continue
        z = fnv1a(customer_id, key) ^ fnv1a(spec["name"], n["id"])
        z = ((z ^ (z >> 30)) * 0xbf58476d1ce4e5b9) & 0xFFFFFFFFFFFFFFFF
        z = ((z ^ (z >> 27)) * 0x94d049bb133111eb) & 0xFFFFFFFFFFFFFFFF
        key_name = "".join(c if c.isascii() and c.isalnum() else "_" for c in n["id"])
        out[key_name] = (z ^ (z >> 31)) % 10000
    return out


def run_world(case):
    services = shared_services.Services(case["services"])
    journeys = {j["spec"]["name"]: j for j in case["journeys"]}
    results = []
    with engine_asl.mocked():
        for sc in case["scenarios"]:
            out = {"name": sc["name"]}

            def of(spec, key):  # what one engine of journey `spec` needs of the scenario
                name = spec["name"]
                if key is None:
                    return {"customer_id": sc["customer_id"],
                            "splits": sc["journeys"][name]["splits"]}
                # An instance of a keyed journey: its key, and the buckets of the id and the key.
                return {"customer_id": sc["customer_id"], "instance_key": key,
                        "splits": keyed_splits(spec, sc["customer_id"], key)}

            for label, engine in (
                ("asl", lambda j: lambda entry, key=None: engine_asl.AslEngine(
                    j["asl"], j["spec"], of(j["spec"], key),
                    entry if key is None else f"{key}-{entry}")),
                ("bpmn", lambda j: lambda entry, key=None: engine_bpmn.BpmnEngine(
                    j["bpmn_path"], j["spec"], of(j["spec"], key))),
            ):
                makers = {name: (j["spec"], engine(j)) for name, j in journeys.items()}
                try:
                    out[label] = shared_services.simulate_world(
                        services, makers, sc, case["epoch"], case["horizon"]
                    )
                except Exception as e:  # report, so the test shows which engine and where
                    out[label] = {"timeline": [f"harness error: {type(e).__name__}: {e}"],
                                  "actions": [[-1, "?", "error"]]}
            results.append(out)
    return results


if __name__ == "__main__":
    with open(sys.argv[1]) as f:
        case = json.load(f)
    json.dump(run_world(case) if "services" in case else run(case), sys.stdout)
