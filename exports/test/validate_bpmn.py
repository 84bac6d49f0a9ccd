"""Parses and validates BPMN files with SpiffWorkflow (pinned in requirements.txt).

Usage: python validate_bpmn.py FILE.bpmn...
Each file is checked against the BPMN 2.0 XML schema (SpiffWorkflow's BpmnValidator) and its
process is parsed into a workflow spec. Prints one line per file; exits 1 if any file fails.
Run by tests/export_validate.rs.
"""

import sys

from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnParser, BpmnValidator
from SpiffWorkflow.bpmn.parser.ValidationException import ValidationException


def check(path):
    parser = BpmnParser(validator=BpmnValidator())
    parser.add_bpmn_file(path)
    ids = parser.get_process_ids()
    if len(ids) != 1:
        raise ValidationException(f"expected one process, found {ids}")
    spec = parser.get_spec(ids[0])
    return ids[0], len(spec.task_specs)


def main(paths):
    failed = 0
    for path in paths:
        try:
            pid, n = check(path)
            print(f"{path}: valid (process {pid}, {n} task specs)")
        except Exception as e:  # any parser error is a failure to report, not a crash
            failed += 1
            print(f"{path}: INVALID: {type(e).__name__}: {e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
