"""The NVIDIA DRA driver installs and stays on its pool: the chart's `fail` conditions evaluated on
the values we give it, and its kubelet plugin held against every pool of the environment.

No helm binary here, so templates/validation.yaml of deployments/helm/nvidia-dra-driver-gpu at
NVIDIA/k8s-dra-driver-gpu v25.12.0 is encoded below, one function per `fail`, with its line. Values
are ours merged over the chart's values.yaml (../shared/reference/helm-values), as helm merges them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest
import yaml
from conftest import Stack, environment_settings, resources, synth_settings
from placement import fits, pods, pools, unschedulable
from schemas import REFERENCE_SKIP, chart_values, reference_available

from aks_platform import yaml_text
from aks_platform.settings import DraSettings, NodePoolSettings, WorkloadsSettings
from aks_platform.tools import conformance_rules

VALIDATION = "deployments/helm/nvidia-dra-driver-gpu/templates/validation.yaml (v25.12.0)"
# resource.k8s.io versions the cluster serves at the Kubernetes floor (1.34: v1 GA, beta off by default).
SERVED_RESOURCE_APIS = {"resource.k8s.io/v1"}

Values = dict[str, Any]


def merged(chart: Values, ours: Values) -> Values:
    result = copy.deepcopy(chart)
    for key, value in ours.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def _webhook_tls(values: Values, namespace: str) -> str | None:
    webhook = values.get("webhook", {})
    if not webhook.get("enabled"):
        return None
    tls = webhook.get("tls")
    if not tls:
        return "line 56: webhook TLS configuration is required when webhook is enabled"
    if not tls.get("mode"):
        return "line 63: webhook.tls.mode is required"
    if tls["mode"] not in ("cert-manager", "secret"):
        return "line 70: invalid webhook TLS mode"
    if tls["mode"] == "cert-manager":
        manager = tls.get("certManager")
        if not manager:
            return "line 78: cert-manager configuration is required"
        if not manager.get("issuerType"):
            return "line 85: cert-manager issuer type is required"
        if manager["issuerType"] not in ("selfsigned", "clusterissuer", "issuer"):
            return "line 92: invalid cert-manager issuer type"
        if manager["issuerType"] != "selfsigned" and not manager.get("issuerName"):
            return "line 99: cert-manager issuer name is required"
    if tls["mode"] == "secret":
        if not tls.get("secret"):
            return "line 108: secret configuration is required"
        if not tls["secret"].get("name"):
            return "line 115: webhook.tls.secret.name is required"
    return None


FAILS: list[Callable[[Values, str], str | None]] = [
    lambda v, ns: (
        "line 15: an explicit 'namespace' value is no longer supported" if v.get("namespace") else None
    ),
    lambda v, ns: (
        "line 24: running in the 'default' namespace"
        if (v.get("namespaceOverride") or ns) == "default"
        and not v.get("namespaceOverride")
        and not v.get("allowDefaultNamespace")
        else None
    ),
    lambda v, ns: (
        "line 33: resources.gpus.enabled without gpuResourcesEnabledOverride"
        if v.get("resources", {}).get("gpus", {}).get("enabled") and not v.get("gpuResourcesEnabledOverride")
        else None
    ),
    lambda v, ns: (
        "line 45: a user-defined nvidiaCtkPath is no longer supported" if v.get("nvidiaCtkPath") else None
    ),
    _webhook_tls,
    # _helpers.tpl resourceApiVersion: the value, else the first of v1, v1beta2, v1beta1 the cluster serves.
    lambda v, ns: (
        "line 124: no supported resource.k8s.io API version"
        if not v.get("resourceApiVersion")
        and not SERVED_RESOURCE_APIS
        & {"resource.k8s.io/v1", "resource.k8s.io/v1beta2", "resource.k8s.io/v1beta1"}
        else None
    ),
]


def chart_failures(ours: Values, namespace: str) -> list[str]:
    values = merged(chart_values("nvidia-dra-driver-gpu-25.12.0-values.yaml"), ours)
    return [f"{VALIDATION} {found}" for check in FAILS if (found := check(values, namespace))]


DRA_POOL = NodePoolSettings(
    name="gpudra",
    vm_size="Standard_NC24ads_A100_v4",
    gpu_driver="None",
    taints=("sku=gpu:NoSchedule",),
    min_count=0,
    max_count=2,
)


def dra_environment() -> tuple[Stack, Stack]:
    """prod with a second GPU pool whose driver the user installs, and DRA on it."""
    settings = environment_settings("prod")
    workloads = settings.workloads.model_copy(update={"dra": DraSettings(enabled=True, node_pool="gpudra")})
    changed = settings.model_copy(
        update={"user_pools": (*settings.user_pools, DRA_POOL), "workloads": workloads}
    )
    from aks_platform.validation import check_environment

    assert check_environment("prod", changed) == []
    cluster, stack = synth_settings("prod", changed)
    assert stack is not None
    return cluster, stack


@pytest.fixture(scope="module")
def dra_stacks() -> tuple[Stack, Stack]:
    return dra_environment()


def _release(stack: Stack) -> dict[str, Any]:
    return resources(stack, "helm_release")["nvidia_dra_driver"]


pytestmark = pytest.mark.skipif(not reference_available(), reason=REFERENCE_SKIP)


def test_the_chart_renders_with_our_values(dra_stacks: tuple[Stack, Stack]) -> None:
    release = _release(dra_stacks[1])
    ours = yaml_text.load(release["values"][0])
    assert ours["gpuResourcesEnabledOverride"] is True
    assert ours["resourceApiVersion"] == "resource.k8s.io/v1"
    assert chart_failures(ours, release["namespace"]) == []


def test_without_the_override_the_chart_always_fails(dra_stacks: tuple[Stack, Stack]) -> None:
    ours = yaml_text.load(_release(dra_stacks[1])["values"][0])
    del ours["gpuResourcesEnabledOverride"]
    assert chart_failures(ours, "nvidia-dra-driver-gpu") == [
        f"{VALIDATION} line 33: resources.gpus.enabled without gpuResourcesEnabledOverride"
    ]
    assert chart_failures({**ours, "gpuResourcesEnabledOverride": True}, "default") == [
        f"{VALIDATION} line 24: running in the 'default' namespace"
    ]
    assert chart_failures(
        {**ours, "gpuResourcesEnabledOverride": True, "webhook": {"enabled": True, "tls": {"mode": "x"}}},
        "nvidia-dra-driver-gpu",
    ) == [f"{VALIDATION} line 70: invalid webhook TLS mode"]


def test_the_kubelet_plugin_runs_on_the_dra_pool_only(dra_stacks: tuple[Stack, Stack]) -> None:
    cluster, workloads = dra_stacks
    (plugin,) = [pod for pod in pods(workloads) if "kubelet plugin" in pod.owner]
    assert [pool.name for pool in pools(cluster) if fits(plugin, pool)] == ["gpudra"]
    assert unschedulable(cluster, workloads) == []


def test_the_override_is_only_where_no_device_plugin_runs(dra_stacks: tuple[Stack, Stack]) -> None:
    cluster, workloads = dra_stacks
    assert conformance_rules.secure_accelerator_access(cluster, workloads).provided
    # The same values aimed at gpunp, where AKS installs the driver and runs the device plugin:
    beside = copy.deepcopy(workloads)
    release = _release(beside)
    ours = yaml_text.load(release["values"][0])
    terms = ours["kubeletPlugin"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]
    terms["nodeSelectorTerms"][0]["matchExpressions"][0]["values"] = ["gpunp"]
    release["values"] = [yaml.safe_dump(ours)]
    finding = conformance_rules.secure_accelerator_access(cluster, beside)
    assert not finding.provided
    assert "guard overridden" in " ".join(finding.missing)


def test_dra_is_refused_on_a_pool_with_the_device_plugin() -> None:
    """Settings validation keeps the override honest: DRA only where gpu_driver = "None"."""
    from aks_platform.validation import check_environment

    settings = environment_settings("prod")
    workloads = WorkloadsSettings(
        kaito_workspace=settings.workloads.kaito_workspace, dra=DraSettings(enabled=True, node_pool="gpunp")
    )
    problems = check_environment("prod", settings.model_copy(update={"workloads": workloads}))
    assert any(
        problem.key == "workloads.dra.enabled" and "device plugin" in problem.message for problem in problems
    )
