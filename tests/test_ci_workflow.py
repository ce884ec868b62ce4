"""The CI workflow users can copy: valid against the published GitHub Actions workflow schema (the
copy vendored in check-jsonschema, so no network), and running what .ci/run runs."""

from __future__ import annotations

import json
from importlib import resources

import jsonschema
from conftest import ROOT
from ruamel.yaml import YAML

WORKFLOW = ROOT / ".github" / "workflows" / "ci.yml"


def load_workflow() -> dict:
    """YAML 1.2, as GitHub reads it: `on` is a key, not the boolean true of YAML 1.1 (PyYAML)."""
    return YAML(typ="safe").load(WORKFLOW.read_text())


def workflow_schema() -> dict:
    vendor = resources.files("check_jsonschema.builtin_schemas.vendor")
    return json.loads((vendor / "github-workflows.json").read_text(encoding="utf-8"))


def test_workflow_matches_the_github_actions_schema() -> None:
    document = load_workflow()
    errors = sorted(jsonschema.Draft7Validator(workflow_schema()).iter_errors(document), key=str)
    assert [error.message for error in errors] == []


def test_the_schema_check_can_fail() -> None:
    document = load_workflow()
    document["jobs"]["test"]["runs-on-typo"] = document["jobs"]["test"].pop("runs-on")
    assert list(jsonschema.Draft7Validator(workflow_schema()).iter_errors(document))


def test_workflow_runs_the_readme_test_command_like_ci() -> None:
    jobs = load_workflow()["jobs"]
    commands = "\n".join(step.get("run", "") for step in jobs["test"]["steps"])
    ci_run = (ROOT / ".ci" / "run").read_text()
    assert "make test" in commands and "make test" in ci_run
    assert "prometheus" in commands and "prometheus" in ci_run
    assert "make test" in (ROOT / "README.md").read_text()


def test_workflow_runs_every_make_target_that_ci_runs() -> None:
    """.ci/run also runs the standard-import comparison that `make test` leaves out: so must the
    workflow (in a job of its own, beside the test job)."""
    runs = [step.get("run", "") for job in load_workflow()["jobs"].values() for step in job["steps"]]
    lines = [line.strip() for run in runs for line in run.splitlines()]
    workflow_targets = {line for line in lines if line.startswith("make ")}
    ci_targets = {
        line.strip() for line in (ROOT / ".ci" / "run").read_text().splitlines() if line.startswith("make ")
    }
    assert ci_targets == {"make test", "make test-standard-import"}
    assert ci_targets <= workflow_targets
