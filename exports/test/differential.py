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


def run_world(case):
    services = shared_services.Services(case["services"])
    journeys = {j["spec"]["name"]: j for j in case["journeys"]}
    results = []
    with engine_asl.mocked():
        for sc in case["scenarios"]:
            out = {"name": sc["name"]}

            def of(name):  # what one engine of journey `name` needs of the scenario
                return {"customer_id": sc["customer_id"], "splits": sc["journeys"][name]["splits"]}

            for label, engine in (
                ("asl", lambda j: lambda entry: engine_asl.AslEngine(
                    j["asl"], j["spec"], of(j["spec"]["name"]), entry)),
                ("bpmn", lambda j: lambda entry: engine_bpmn.BpmnEngine(
                    j["bpmn_path"], j["spec"], of(j["spec"]["name"]))),
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
