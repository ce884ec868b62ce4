"""Kueue that cannot block the cluster, read from the rendered values of helm_release.kueue.

The chart (kubernetes-sigs/kueue v0.19.2, charts/kueue/templates/webhook/manifests.yaml) gives every
job webhook (pod, deployment, statefulset, job, ...) the namespaceSelector
`managerConfig.controllerManagerConfigYaml`'s managedJobsNamespaceSelector when the key is there, and
otherwise `kubernetes.io/metadata.name NotIn [kube-system, <release namespace>]`: every other
namespace. The pod, deployment and statefulset webhooks fail closed (failurePolicy Fail) when their
integration is in `integrations.frameworks`. templates/manager/manager.yaml takes
controllerManager.replicas; templates/manager/manager-pdb.yaml renders a PodDisruptionBudget with
minAvailable when controllerManager.podDisruptionBudget.enabled.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from conftest import Stack, resources
from reachability import selects
from schemas import REFERENCE, REFERENCE_SKIP, reference_available

from aks_platform import manifests, yaml_text

NAME_LABEL = "kubernetes.io/metadata.name"
# The chart's selector when managedJobsNamespaceSelector is absent (release namespace kueue-system).
CHART_DEFAULT_SELECTOR = {
    "matchExpressions": [{"key": NAME_LABEL, "operator": "NotIn", "values": ["kube-system", "kueue-system"]}]
}


def kueue_release(stack: Stack) -> dict[str, Any]:
    return resources(stack, "helm_release")["kueue"]


def rendered_values(stack: Stack) -> dict[str, Any]:
    (values,) = kueue_release(stack)["values"]
    return yaml_text.load(values)


def manager_config(stack: Stack) -> dict[str, Any]:
    return yaml_text.load(rendered_values(stack)["managerConfig"]["controllerManagerConfigYaml"])


def webhook_selector(stack: Stack) -> dict[str, Any]:
    """The namespaceSelector the chart gives Kueue's job webhooks, from our values."""
    return manager_config(stack).get("managedJobsNamespaceSelector", CHART_DEFAULT_SELECTOR)


def cluster_namespaces(stack: Stack) -> set[str]:
    """Namespaces the stack creates or installs into, and the ones every AKS cluster has."""
    created = {body["metadata"]["name"] for body in resources(stack, "kubernetes_namespace_v1").values()}
    releases = {body["namespace"] for body in resources(stack, "helm_release").values()}
    return created | releases | {"default", "kube-system", "aks-istio-system", "gatekeeper-system"}


def queue_namespaces(stack: Stack) -> set[str]:
    found = set()
    for body in resources(stack, "helm_release").values():
        for values in body.get("values", []):
            for item in (yaml_text.load(values) or {}).get("objects", []):
                if item["kind"] == "LocalQueue":
                    found.add(item["metadata"]["namespace"])
    return found


def watched(stack: Stack, selector: dict[str, Any]) -> set[str]:
    return {name for name in cluster_namespaces(stack) if selects(selector, {NAME_LABEL: name})}


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_the_webhooks_see_only_the_namespaces_with_a_queue(
    environment: str, dev_workloads: Stack, prod_workloads: Stack
) -> None:
    stack = dev_workloads if environment == "dev" else prod_workloads
    assert watched(stack, webhook_selector(stack)) == queue_namespaces(stack) == {"smollm2", "batch"}


def test_without_the_selector_the_webhooks_would_see_every_namespace(dev_workloads: Stack) -> None:
    """The chart's fallback: the gateway's namespace, default and the add-ons' namespaces too."""
    seen = watched(dev_workloads, CHART_DEFAULT_SELECTOR)
    assert {"inference-gateway", "default", "aks-istio-system"} <= seen


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_kueue_runs_two_replicas_with_a_disruption_budget(
    environment: str, dev_workloads: Stack, prod_workloads: Stack
) -> None:
    manager = rendered_values(dev_workloads if environment == "dev" else prod_workloads)["controllerManager"]
    assert manager["replicas"] == 2
    budget = manager["podDisruptionBudget"]
    assert budget["enabled"] is True
    # One replica may go during a drain, never both.
    assert 1 <= budget["minAvailable"] < manager["replicas"]
    # Two replicas need leader election, or both would reconcile.
    config = manager_config(dev_workloads if environment == "dev" else prod_workloads)
    assert config["leaderElection"]["leaderElect"] is True


def test_only_the_integrations_in_use(dev_workloads: Stack) -> None:
    """KAITO's StatefulSet (statefulset, whose pods the pod integration manages) and batch Jobs."""
    assert manager_config(dev_workloads)["integrations"]["frameworks"] == ["pod", "statefulset", "batch/job"]


def test_no_batch_queue_no_job_integration() -> None:
    from conftest import environment_settings

    from aks_platform.kueue_values import kueue_values
    from aks_platform.settings import GangSchedulingSettings, WorkloadsSettings

    settings = environment_settings("dev")
    settings = settings.model_copy(
        update={"workloads": WorkloadsSettings(gang_scheduling=GangSchedulingSettings(batch_pool="none"))}
    )
    config = yaml_text.load(kueue_values(settings)["managerConfig"]["controllerManagerConfigYaml"])
    assert config["integrations"]["frameworks"] == ["pod", "statefulset"]
    assert config["managedJobsNamespaceSelector"]["matchExpressions"][0]["values"] == ["smollm2"]


@pytest.mark.skipif(not reference_available(), reason=REFERENCE_SKIP)
def test_the_configuration_matches_the_charts(dev_workloads: Stack) -> None:
    """Ports, the config API version and the framework names are the pinned chart's own."""
    version = manifests.helm_charts()["kueue"]["version"]
    chart = yaml_text.load((REFERENCE / "helm-values" / f"kueue-{version}-values.yaml").read_text())
    default_text = chart["managerConfig"]["controllerManagerConfigYaml"]
    default = yaml_text.load(default_text)
    ours = manager_config(dev_workloads)
    for key in ("apiVersion", "kind", "health", "metrics", "webhook", "leaderElection"):
        assert ours[key] == default[key], key
    # Every framework the chart lists, enabled or commented out.
    known = set(re.findall(r'^\s*#?\s*- "([^"]+)"', default_text, re.MULTILINE))
    assert "statefulset" in known and "batch/job" in known
    assert set(ours["integrations"]["frameworks"]) <= known
