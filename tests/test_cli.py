"""The user's path: the pinned cdktf CLI runs the app and writes every stack's Terraform JSON."""

from __future__ import annotations

import json

import pytest
from commands import Run
from conftest import NODE_BIN


@pytest.mark.subprocess
def test_cdktf_synth_writes_every_stack(cli_run: Run) -> None:
    """`cdktf synth` (with CDKTF_ENV empty, as `make synth` runs it)."""
    if not (NODE_BIN / "cdktf").exists():
        pytest.fail("node_modules/.bin/cdktf is missing: run `make install`")
    result, out = cli_run.process, cli_run.out
    assert result.returncode == 0, result.stdout + result.stderr
    stack = json.loads((out / "stacks" / "ai-conformant-aks-dev" / "cdk.tf.json").read_text())
    cluster = stack["resource"]["azurerm_kubernetes_cluster"]["aks"]
    assert cluster["name"] == "aks-ai-conformant-dev-centralus"
    workloads = json.loads((out / "stacks" / "ai-conformant-aks-dev-workloads" / "cdk.tf.json").read_text())
    assert "cross-stack-reference-input-ai-conformant-aks-dev" in workloads["data"]["terraform_remote_state"]
    manifest = json.loads((out / "manifest.json").read_text())
    for environment in ("dev", "prod"):
        dependencies = manifest["stacks"][f"ai-conformant-aks-{environment}-workloads"]["dependencies"]
        assert dependencies == [f"ai-conformant-aks-{environment}"]
    assert "end-of-life" not in result.stderr.lower(), "jsii ran on an unsupported Node"
