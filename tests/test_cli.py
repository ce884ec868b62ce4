"""The user's path: the pinned cdktf CLI runs the app and writes the stack's Terraform JSON."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest
from conftest import NODE_BIN, ROOT


@pytest.mark.subprocess
def test_cdktf_synth_writes_both_dev_stacks(tmp_path: Path) -> None:
    cdktf = NODE_BIN / "cdktf"
    if not cdktf.exists():
        pytest.fail("node_modules/.bin/cdktf is missing: run `make install`")
    out = tmp_path / "cdktf.out"
    env = {**os.environ, "CHECKPOINT_DISABLE": "1", "CDKTF_ENV": "dev"}
    result = subprocess.run(
        [str(cdktf), "synth", "--output", str(out)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    stack_file = out / "stacks" / "ai-conformant-aks-dev" / "cdk.tf.json"
    stack = json.loads(stack_file.read_text())
    cluster = stack["resource"]["azurerm_kubernetes_cluster"]["aks"]
    assert cluster["name"] == "aks-ai-conformant-dev-centralus"
    workloads_file = out / "stacks" / "ai-conformant-aks-dev-workloads" / "cdk.tf.json"
    workloads = json.loads(workloads_file.read_text())
    assert "cross-stack-reference-input-ai-conformant-aks-dev" in workloads["data"]["terraform_remote_state"]
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["stacks"]["ai-conformant-aks-dev-workloads"]["dependencies"] == ["ai-conformant-aks-dev"]
    assert "end-of-life" not in result.stderr.lower(), "jsii ran on an unsupported Node"
