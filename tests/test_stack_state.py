"""make diff on a never-deployed environment: the workloads stack waits for the cluster's state.

Driven by real state: the synthesized workloads stack's own terraform_remote_state config, and
state files Terraform itself writes (an outputs-only configuration, no provider needed).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from cdktf import Testing as CdktfTesting
from conftest import environment_settings

from aks_platform.stacks import build_stacks
from aks_platform.tools import plan_check
from aks_platform.tools.stack_state import not_yet_plannable, remote_states

CLUSTER = "ai-conformant-aks-dev"
WORKLOADS = "ai-conformant-aks-dev-workloads"
needs_terraform = pytest.mark.skipif(shutil.which("terraform") is None, reason="needs terraform on PATH")


@pytest.fixture(scope="module")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """dev's stacks as make synth writes them: <root>/cdktf.out/stacks/<stack>/cdk.tf.json."""
    root = tmp_path_factory.mktemp("repository")
    app = CdktfTesting.app(outdir=str(root / "cdktf.out"))
    build_stacks(app, {"dev": environment_settings("dev")})
    app.synth()
    return root


def _terraform_state(root: Path, outputs: dict[str, str], destroy: bool = False) -> None:
    """Let Terraform write the cluster stack's local state file, holding `outputs`."""
    work = root / "writer"
    work.mkdir(exist_ok=True)
    config = {
        "terraform": {"backend": {"local": {"path": str(root / f"terraform.{CLUSTER}.tfstate")}}},
        "output": {name: {"value": value} for name, value in outputs.items()},
    }
    (work / "main.tf.json").write_text(json.dumps(config))
    run = {
        "cwd": work,
        "check": True,
        "capture_output": True,
        "env": {"PATH": "/usr/local/bin:/usr/bin:/bin", "CHECKPOINT_DISABLE": "1", "TF_IN_AUTOMATION": "1"},
    }
    subprocess.run(["terraform", "init", "-input=false", "-reconfigure"], **run)
    subprocess.run(
        ["terraform", "apply", "-input=false", "-auto-approve", *(["-destroy"] if destroy else [])], **run
    )


def test_the_workloads_stack_reads_the_cluster_stacks_local_state(synthesized: Path) -> None:
    (state,) = remote_states(synthesized / "cdktf.out" / "stacks" / WORKLOADS)
    assert (state.backend, state.where) == ("local", f"../../../terraform.{CLUSTER}.tfstate")
    # The cluster stack itself reads no other state: it is always planned.
    assert remote_states(synthesized / "cdktf.out" / "stacks" / CLUSTER) == []


def test_never_deployed_the_workloads_plan_waits_and_says_why(synthesized: Path) -> None:
    reason = not_yet_plannable(synthesized / "cdktf.out" / "stacks" / WORKLOADS)
    assert reason is not None
    assert "has never been applied" in reason and "Its plan follows once the cluster exists" in reason
    assert not_yet_plannable(synthesized / "cdktf.out" / "stacks" / CLUSTER) is None


def test_make_diffs_plan_check_skips_the_stack_without_running_terraform(
    synthesized: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(plan_check, "STACKS", synthesized / "cdktf.out" / "stacks")
    monkeypatch.setenv("PATH", "/nonexistent")  # a terraform call would fail: none is made
    assert plan_check.main(["diff", WORKLOADS]) == 0
    assert "diff: ai-conformant-aks-dev-workloads: not planned" in capsys.readouterr().out


@needs_terraform
def test_once_the_cluster_state_has_outputs_the_workloads_stack_is_planned(synthesized: Path) -> None:
    folder = synthesized / "cdktf.out" / "stacks" / WORKLOADS
    _terraform_state(synthesized, {"cluster_name": "aks-ai-conformant-dev-centralus"})
    assert not_yet_plannable(folder) is None
    # After a destroy the state is still there, without outputs: not plannable again.
    _terraform_state(synthesized, {"cluster_name": "aks-ai-conformant-dev-centralus"}, destroy=True)
    reason = not_yet_plannable(folder)
    assert reason is not None and "has no outputs" in reason


# --- prod: the azurerm backend, read with az (a fake here; its error text is Azure Storage's) -----

FAKE_AZ = """#!/bin/sh
# az storage blob download ... --file <path> ...: answer as $FAKE_AZ_MODE says.
while [ $# -gt 0 ]; do [ "$1" = "--file" ] && target="$2"; shift; done
case "$FAKE_AZ_MODE" in
  missing) echo "ERROR: The specified blob does not exist. ErrorCode:BlobNotFound" >&2; exit 1 ;;
  denied) echo "ERROR: not authorized. ErrorCode:AuthorizationPermissionMismatch" >&2; exit 1 ;;
  outputs) echo '{"version": 4, "outputs": {"cluster_name": {"value": "c", "type": "string"}}}' > "$target" ;;
esac
"""


@pytest.fixture
def prod_workloads_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    app = CdktfTesting.app(outdir=str(tmp_path / "cdktf.out"))
    build_stacks(app, {"prod": environment_settings("prod")})
    app.synth()
    folder = tmp_path / "bin"
    folder.mkdir()
    (folder / "az").write_text(FAKE_AZ)
    (folder / "az").chmod(0o755)
    monkeypatch.setenv("PATH", f"{folder}:/usr/bin:/bin")
    return tmp_path / "cdktf.out" / "stacks" / "ai-conformant-aks-prod-workloads"


def test_prods_cluster_state_is_read_from_its_blob(
    prod_workloads_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """BlobNotFound: never applied, so not planned; a blob with outputs: planned; any other
    error says nothing either way, so Terraform's plan reports it."""
    monkeypatch.setenv("FAKE_AZ_MODE", "missing")
    (state,) = remote_states(prod_workloads_folder)
    assert state.backend == "azurerm" and state.where.endswith("/tfstate/ai-conformant-aks-prod.tfstate")
    reason = not_yet_plannable(prod_workloads_folder)
    assert reason is not None and "ai-conformant-aks-prod, which has never been applied" in reason
    monkeypatch.setenv("FAKE_AZ_MODE", "outputs")
    assert not_yet_plannable(prod_workloads_folder) is None
    monkeypatch.setenv("FAKE_AZ_MODE", "denied")
    assert not_yet_plannable(prod_workloads_folder) is None
