"""KAITO's admission rules that the CRD schema cannot express, held against every environment's
Workspace. Each rule comes from KAITO's webhook or controller source; data/kaito.toml names the file.
"""

from __future__ import annotations

import copy
import re

import pytest
from conftest import Stack
from stack_objects import one_of_kind

from aks_platform import manifests
from aks_platform.azure_facts import load_vm_sizes

# api/v1beta1/labels.go reservedSelectorLabelKeys (v0.12.0): KAITO's own node and pod labels.
RESERVED_SELECTOR_KEYS = {
    "kaito.sh/workspace",
    "kaito.sh/ragengine",
    "kaito.sh/workspacenamespace",
    "kaito.sh/ragenginenamespace",
}
# api/v1beta1/workspace_validation.go: N_SERIES_PREFIX, D_SERIES_PREFIX
AZURE_SERIES = re.compile(r"^Standard_[ND]")
AKS_POOL_LABEL = "kubernetes.azure.com/agentpool"


def admission_errors(workspace: dict) -> list[str]:
    """What the add-on's KAITO (node auto-provisioning on) refuses at create, or cannot schedule."""
    problems = []
    resource = workspace.get("resource", {})
    has_inference, has_tuning = "inference" in workspace, "tuning" in workspace
    if has_inference == has_tuning:
        problems.append("exactly one of inference and tuning")
    instance_type = resource.get("instanceType", "")
    if manifests.kaito_facts()["node_auto_provisioning"] and not instance_type:
        problems.append("instanceType is required when node auto-provisioning is enabled")
    elif not AZURE_SERIES.match(instance_type):
        problems.append(f"unsupported instance type {instance_type}")
    labels = resource.get("labelSelector", {}).get("matchLabels", {})
    usable = {key for key in labels if key not in RESERVED_SELECTOR_KEYS}
    if not usable:
        problems.append("matchLabels must contain at least one non-reserved label")
    if AKS_POOL_LABEL in labels:
        # Pods require the selector's labels; KAITO's provisioned nodes are not in that AKS pool.
        problems.append(
            "labelSelector names an AKS pool, whose nodes KAITO does not provision: pods stay Pending"
        )
    preset = workspace.get("inference", {}).get("preset")
    if preset is not None and "/" not in preset["name"]:
        problems.append(f"preset {preset['name']} is not a Hugging Face model id")
    return problems


def requested_gpus(workspace: dict) -> int:
    """GPUs the workspace's pods get: KAITO's preset asks for the size's GPUs, a template for its own."""
    size = load_vm_sizes()[workspace["resource"]["instanceType"]]
    inference = workspace["inference"]
    if "preset" in inference:
        return size.gpus  # pkg/workspace/inference/preset_inferences.go: nvidia.com/gpu = GPU count
    containers = inference["template"]["spec"]["containers"]
    return sum(int(c.get("resources", {}).get("limits", {}).get(manifests.NVIDIA_GPU, 0)) for c in containers)


def _workspace(stack: Stack) -> dict:
    return copy.deepcopy(one_of_kind(stack, "Workspace"))


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_the_workspace_is_admitted(environment: str, dev_workloads: Stack, prod_workloads: Stack) -> None:
    stack = dev_workloads if environment == "dev" else prod_workloads
    assert admission_errors(_workspace(stack)) == []


def test_without_instance_type_the_webhook_refuses_it(dev_workloads: Stack) -> None:
    workspace = _workspace(dev_workloads)
    del workspace["resource"]["instanceType"]
    assert admission_errors(workspace) == ["instanceType is required when node auto-provisioning is enabled"]


def test_pinning_to_an_aks_pool_is_refused(dev_workloads: Stack) -> None:
    workspace = _workspace(dev_workloads)
    workspace["resource"]["labelSelector"]["matchLabels"] = {AKS_POOL_LABEL: "gpunp"}
    assert any("AKS pool" in problem for problem in admission_errors(workspace))
    workspace["resource"]["labelSelector"]["matchLabels"] = {"kaito.sh/workspace": "x"}
    assert "matchLabels must contain at least one non-reserved label" in admission_errors(workspace)


def test_a_gpu_environment_requests_its_gpus(dev_workloads: Stack, prod_workloads: Stack) -> None:
    workspace = _workspace(prod_workloads)
    size = load_vm_sizes()[workspace["resource"]["instanceType"]]
    assert size.gpus >= 1
    assert requested_gpus(workspace) == size.gpus
    # Without a preset, a template that asks for no GPU would run on the CPU of a GPU node.
    template = _workspace(dev_workloads)
    template["resource"]["instanceType"] = workspace["resource"]["instanceType"]
    assert requested_gpus(template) == 0


def test_the_cpu_poc_asks_for_no_gpu(dev_workloads: Stack) -> None:
    workspace = _workspace(dev_workloads)
    assert load_vm_sizes()[workspace["resource"]["instanceType"]].gpus == 0
    assert requested_gpus(workspace) == 0
