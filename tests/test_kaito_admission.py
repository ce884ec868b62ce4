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
from aks_platform.tools import kaito_version

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


# The first release each rule holds in, read at kaito-project/kaito tags v0.6.0 to v0.12.0 (the
# files data/kaito.toml names). Written here independently of data/kaito.toml; a test holds the two
# together.
SINCE = {
    "inference-or-tuning": "v0.6.0",  # api/v1beta1/workspace_validation.go validateCreate
    "instance-type-azure-series": "v0.6.0",  # ResourceSpec validateCreateWithInference
    "instance-type-required": "v0.8.0",  # validateCreate: ErrMissingField with NAP on
    "hugging-face-preset": "v0.9.0",  # pkg/utils/plugin/plugin.go IsValidPreset accepts org/name
    "label-selector-non-reserved": "v0.11.0",  # SanitizedMatchLabels, "non-reserved label"
    "inference-statefulset": "v0.8.0",  # manifests.go GenerateManifestWithPodTemplate -> StatefulSet
}


def holds(rule: str, version: str) -> bool:
    return kaito_version.parse(version) >= kaito_version.parse(SINCE[rule])


def admission_errors(workspace: dict, version: str = "v0.12.0") -> list[str]:
    """What the add-on's KAITO `version` (node auto-provisioning on) refuses at create, or cannot schedule."""
    problems = []
    resource = workspace.get("resource", {})
    has_inference, has_tuning = "inference" in workspace, "tuning" in workspace
    if has_inference == has_tuning:
        problems.append("exactly one of inference and tuning")
    instance_type = resource.get("instanceType", "")
    if not instance_type:
        if manifests.kaito_facts()["node_auto_provisioning"] and holds("instance-type-required", version):
            problems.append("instanceType is required when node auto-provisioning is enabled")
    elif not AZURE_SERIES.match(instance_type):
        problems.append(f"unsupported instance type {instance_type}")
    labels = resource.get("labelSelector", {}).get("matchLabels", {})
    usable = {key for key in labels if key not in RESERVED_SELECTOR_KEYS}
    if not usable and holds("label-selector-non-reserved", version):
        problems.append("matchLabels must contain at least one non-reserved label")
    if AKS_POOL_LABEL in labels:
        # Pods require the selector's labels; KAITO's provisioned nodes are not in that AKS pool.
        problems.append(
            "labelSelector names an AKS pool, whose nodes KAITO does not provision: pods stay Pending"
        )
    preset = workspace.get("inference", {}).get("preset")
    if preset is not None:
        if "/" not in preset["name"]:
            problems.append(f"preset {preset['name']} is not a Hugging Face model id")
        elif not holds("hugging-face-preset", version):
            problems.append(
                f"Unsupported inference preset name {preset['name']} (Hugging Face ids from v0.9.0)"
            )
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


DESIGNED_FOR = manifests.kaito_facts()["designed_for"]
# Releases whose Workspace CRD is in ../shared/reference/crds.
REFERENCE_RELEASES = ["v0.6.0", "v0.8.0", "v0.10.0", "v0.11.0", "v0.12.0"]


@pytest.mark.parametrize("version", DESIGNED_FOR)
@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_the_workspace_is_admitted(
    environment: str, version: str, dev_workloads: Stack, prod_workloads: Stack
) -> None:
    stack = dev_workloads if environment == "dev" else prod_workloads
    assert admission_errors(_workspace(stack), version) == []


def test_designed_for_lists_exactly_the_releases_that_admit_every_workspace(
    dev_workloads: Stack, prod_workloads: Stack
) -> None:
    workspaces = [_workspace(dev_workloads), _workspace(prod_workloads)]
    admitting = [
        version
        for version in REFERENCE_RELEASES
        if all(not admission_errors(workspace, version) for workspace in workspaces)
    ]
    assert DESIGNED_FOR == admitting == ["v0.10.0", "v0.11.0", "v0.12.0"]


def test_a_hugging_face_preset_is_refused_before_v0_9(prod_workloads: Stack) -> None:
    workspace = _workspace(prod_workloads)
    for version in ("v0.6.0", "v0.8.0"):
        assert admission_errors(workspace, version) == [
            "Unsupported inference preset name HuggingFaceTB/SmolLM2-1.7B-Instruct "
            "(Hugging Face ids from v0.9.0)"
        ]
    assert admission_errors(workspace, "v0.9.0") == []


def test_rules_start_where_the_data_says() -> None:
    """data/kaito.toml's `since` of each rule agrees with the versions this test encodes."""
    since = {rule["id"]: rule["since"] for rule in manifests.kaito_facts()["rules"]}
    assert {rule: since[rule] for rule in SINCE} == SINCE
    assert all(kaito_version.parse(version) >= (0, 6, 0) for version in since.values())


def test_the_versions_our_workspaces_need(dev_workloads: Stack, prod_workloads: Stack) -> None:
    """The floors the preflight holds the cluster's KAITO against (aks_platform/tools/kaito_version.py)."""
    assert kaito_version.required_version(_workspace(prod_workloads), queued=True) == "v0.9.0"
    assert kaito_version.required_version(_workspace(dev_workloads), queued=True) == "v0.8.0"
    assert kaito_version.required_version(_workspace(dev_workloads), queued=False) is None


def test_without_instance_type_the_webhook_refuses_it(dev_workloads: Stack) -> None:
    workspace = _workspace(dev_workloads)
    del workspace["resource"]["instanceType"]
    assert admission_errors(workspace) == ["instanceType is required when node auto-provisioning is enabled"]
    # Before v0.8.0 the webhook had no such rule (the CRD defaulted the size).
    assert admission_errors(workspace, "v0.6.0") == []


def test_pinning_to_an_aks_pool_is_refused(dev_workloads: Stack) -> None:
    workspace = _workspace(dev_workloads)
    workspace["resource"]["labelSelector"]["matchLabels"] = {AKS_POOL_LABEL: "gpunp"}
    assert any("AKS pool" in problem for problem in admission_errors(workspace))
    workspace["resource"]["labelSelector"]["matchLabels"] = {"kaito.sh/workspace": "x"}
    assert "matchLabels must contain at least one non-reserved label" in admission_errors(workspace)
    assert "matchLabels must contain at least one non-reserved label" not in admission_errors(
        workspace, "v0.10.0"
    )


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
