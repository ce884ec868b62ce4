"""`make review` (`cdktf synth --hcl`): the HCL says what the JSON says.

The HCL of every stack is parsed with HashiCorp's HCL parser (@cdktf/hcl2json, WebAssembly) and
compared with the JSON that deploy uses: every azapi resource's type, resource_id, action, method,
body, name, parent_id and replace_triggers_refs; every kubernetes_manifest's manifest; every
helm_release's values.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
from commands import Run
from conftest import NODE_BIN, ROOT, Stack

from aks_platform import yaml_text
from aks_platform.environments import environment_files

HCL2JSON = ROOT / "tests" / "hcl2json.cjs"
AZAPI_ATTRIBUTES = (
    "type",
    "resource_id",
    "action",
    "method",
    "body",
    "name",
    "parent_id",
    "replace_triggers_refs",
)


@pytest.fixture(scope="module")
def hcl_stacks(make_review_run: Run) -> dict[str, dict[str, Any]]:
    """Every stack's HCL that `make review` wrote, parsed by HashiCorp's parser."""
    files = sorted((make_review_run.check().out / "stacks").glob("*/cdk.tf"))
    assert len(files) == 2 * len(environment_files())
    parsed = subprocess.run(
        [str(NODE_BIN / "node"), str(HCL2JSON), *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert parsed.returncode == 0, parsed.stderr
    return {Path(name).parent.name: document for name, document in json.loads(parsed.stdout).items()}


@pytest.mark.subprocess
def test_make_review_writes_hcl_only(make_review_run: Run) -> None:
    """The target itself: HCL for every stack into REVIEW_OUT, no JSON beside it."""
    files = make_review_run.check().files
    assert len([name for name in files if name.endswith("/cdk.tf")]) == 2 * len(environment_files())
    assert not [name for name in files if name.endswith("cdk.tf.json")]


def _hcl_resource(document: dict[str, Any], resource_type: str, name: str) -> dict[str, Any]:
    (body,) = document["resource"][resource_type][name]  # HCL blocks parse as lists
    return body


def _pairs(stacks: dict[str, tuple[Stack, Stack | None]]) -> list[tuple[str, Stack]]:
    pairs = []
    for environment, (cluster, workloads) in stacks.items():
        pairs.append((f"ai-conformant-aks-{environment}", cluster))
        pairs.append((f"ai-conformant-aks-{environment}-workloads", workloads))
    return pairs


@pytest.mark.subprocess
def test_hcl_means_what_the_json_means(hcl_stacks, dev_stacks, prod_stacks) -> None:
    compared = 0
    for stack_name, stack in _pairs({"dev": dev_stacks, "prod": prod_stacks}):
        document = hcl_stacks[stack_name]
        for resource_type in ("azapi_resource_action", "azapi_update_resource", "azapi_resource"):
            for name, resource in stack["resource"].get(resource_type, {}).items():
                hcl = _hcl_resource(document, resource_type, name)
                for attribute in AZAPI_ATTRIBUTES:
                    assert hcl.get(attribute) == resource.get(attribute), f"{stack_name} {name}.{attribute}"
                compared += 1
        for name, resource in stack["resource"].get("kubernetes_manifest", {}).items():
            assert _hcl_resource(document, "kubernetes_manifest", name)["manifest"] == resource["manifest"], (
                name
            )
            compared += 1
        for name, resource in stack["resource"].get("terraform_data", {}).items():
            hcl = _hcl_resource(document, "terraform_data", name)
            for attribute in ("input", "triggers_replace"):
                assert hcl.get(attribute) == resource.get(attribute), f"{stack_name} {name}.{attribute}"
            compared += 1
        for name, resource in stack["resource"].get("helm_release", {}).items():
            # cdktf writes multi-line strings as heredocs, which end in one more line break: compare
            # the YAML they hold.
            hcl_values = _hcl_resource(document, "helm_release", name).get("values", [])
            assert [yaml_text.load(v) for v in hcl_values] == [
                yaml_text.load(v) for v in resource.get("values", [])
            ]
            compared += 1
    assert compared >= 20


@pytest.mark.subprocess
def test_lists_stay_lists_and_quoted_numbers_stay_strings(hcl_stacks) -> None:
    document = hcl_stacks["ai-conformant-aks-dev-workloads"]
    # The Workspace is a release's values now (YAML in a heredoc): "1" must stay a string there too.
    (values,) = _hcl_resource(document, "helm_release", "kaito_workspace")["values"]
    (manifest,) = yaml_text.load(values)["objects"]
    (container,) = manifest["inference"]["template"]["spec"]["containers"]
    assert container["args"][2] == "1"
    assert container["ports"] == [{"containerPort": 5000}]


def test_hcl_attributes_protect_what_cdktf_would_misread() -> None:
    from constructs.hcl import hcl_any

    value = hcl_any({"a": ["1", "[x]", 'say "hi"', "plain", 2, True, None]})["value"]
    assert value == {"a": ['"1"', '"[x]"', '"say \\"hi\\""', "plain", 2, True, None]}
