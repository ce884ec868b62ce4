"""Pods and pools read from the synthesized JSON, and whether a pod fits a pool (for test_scheduling).

Pools come from the cluster stack: the default pool of azurerm_kubernetes_cluster (tainted
CriticalAddonsOnly=true:NoSchedule with only_critical_addons_enabled, as azurerm documents it),
every azurerm_kubernetes_cluster_node_pool, and any Microsoft.ContainerService agentPools
azapi_resource (properties.nodeTaints, nodeLabels, minCount, count). AKS labels every node with
kubernetes.azure.com/agentpool=<pool name>.

Pods come from the workloads stack, each with the scheduling fields its chart or controller gives it:
- helm_release.kueue: the controller Deployment (charts/kueue/templates/manager/manager.yaml v0.19.2:
  controllerManager.replicas, nodeSelector, tolerations; the chart sets no affinity).
- each Gateway: the Deployment Istio creates for it (Istio's gateway template sets no tolerations
  or node selector; a Gateway's spec.infrastructure.parametersRef ConfigMap may add them under
  data.deployment, as AKS's Istio Gateway API page describes).
- every Deployment, StatefulSet, DaemonSet, ReplicaSet, Job, CronJob or Pod the stack applies
  itself: its pod template's tolerations, nodeSelector and affinity.
- helm_release.nvidia_dra_driver: the kubelet plugin DaemonSet (templates/kubeletplugin.yaml
  v25.12.0: kubeletPlugin.nodeSelector, affinity, tolerations; the chart's default affinity wants
  Node Feature Discovery labels). Its controller renders only with resources.computeDomains.enabled.
KAITO's workspace pods run on the nodes KAITO provisions for them, not on these pools.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from aks_platform import yaml_text

AGENTPOOL_LABEL = "kubernetes.azure.com/agentpool"
HARD_EFFECTS = ("NoSchedule", "NoExecute")
AGENT_POOL_TYPE = "Microsoft.ContainerService/managedClusters/agentPools"

Stack = dict[str, Any]


def _label_in(key: str, value: str) -> dict[str, Any]:
    return {"matchExpressions": [{"key": key, "operator": "In", "values": [value]}]}


# kubeletPlugin.affinity in the chart's values.yaml (v25.12.0): labels Node Feature Discovery or
# NVIDIA's GPU Operator put on GPU nodes, which AKS's nodes do not carry.
DRA_DEFAULT_AFFINITY = {
    "nodeAffinity": {
        "requiredDuringSchedulingIgnoredDuringExecution": {
            "nodeSelectorTerms": [
                _label_in("feature.node.kubernetes.io/pci-10de.present", "true"),
                _label_in("feature.node.kubernetes.io/cpu-model.vendor_id", "NVIDIA"),
                _label_in("nvidia.com/gpu.present", "true"),
            ]
        }
    }
}


@dataclass(frozen=True)
class Pool:
    address: str
    name: str
    taints: tuple[dict[str, str], ...]
    labels: dict[str, str]
    min_nodes: int
    max_nodes: int


@dataclass(frozen=True)
class Pod:
    owner: str
    kind: str  # Deployment or DaemonSet
    tolerations: tuple[dict[str, Any], ...] = ()
    node_selector: dict[str, str] = field(default_factory=dict)
    affinity: dict[str, Any] = field(default_factory=dict)


def parse_taint(text: str) -> dict[str, str]:
    key_value, effect = text.rsplit(":", 1)
    key, _, value = key_value.partition("=")
    return {"key": key, "value": value, "effect": effect}


def _resources(stack: Stack, kind: str) -> dict[str, Any]:
    return stack.get("resource", {}).get(kind, {})


def _bounds(body: dict[str, Any], auto: str, low: str, high: str, count: str) -> tuple[int, int]:
    if body.get(auto):
        return int(body.get(low) or 0), int(body.get(high) or 0)
    nodes = int(body.get(count) or 0)
    return nodes, nodes


def pools(cluster: Stack) -> list[Pool]:
    found = []
    for address, body in _resources(cluster, "azurerm_kubernetes_cluster").items():
        pool = body["default_node_pool"]
        taints = ["CriticalAddonsOnly=true:NoSchedule"] if pool.get("only_critical_addons_enabled") else []
        low, high = _bounds(pool, "auto_scaling_enabled", "min_count", "max_count", "node_count")
        found.append(
            Pool(
                f"azurerm_kubernetes_cluster.{address}.default_node_pool",
                pool["name"],
                tuple(parse_taint(taint) for taint in taints),
                {**pool.get("node_labels", {}), AGENTPOOL_LABEL: pool["name"]},
                low,
                high,
            )
        )
    for address, body in _resources(cluster, "azurerm_kubernetes_cluster_node_pool").items():
        low, high = _bounds(body, "auto_scaling_enabled", "min_count", "max_count", "node_count")
        found.append(
            Pool(
                f"azurerm_kubernetes_cluster_node_pool.{address}",
                body["name"],
                tuple(parse_taint(taint) for taint in body.get("node_taints", [])),
                {**body.get("node_labels", {}), AGENTPOOL_LABEL: body["name"]},
                low,
                high,
            )
        )
    for address, body in _resources(cluster, "azapi_resource").items():
        if not body.get("type", "").startswith(AGENT_POOL_TYPE + "@"):
            continue
        properties = body.get("body", {}).get("properties", {})
        low, high = _bounds(properties, "enableAutoScaling", "minCount", "maxCount", "count")
        found.append(
            Pool(
                f"azapi_resource.{address}",
                body["name"],
                tuple(parse_taint(taint) for taint in properties.get("nodeTaints", [])),
                {**properties.get("nodeLabels", {}), AGENTPOOL_LABEL: body["name"]},
                low,
                high,
            )
        )
    return found


def _values(body: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for text in body.get("values", []):
        merged.update(yaml_text.load(text) or {})
    return merged


def _chart(body: dict[str, Any]) -> str:
    return body.get("chart", "").rstrip("/").split("/")[-1]


def pods(workloads: Stack) -> list[Pod]:
    found = []
    manifests = [body["manifest"] for body in _resources(workloads, "kubernetes_manifest").values()]
    # Objects whose CRDs the cluster provides are applied by releases of charts/cluster-objects.
    for body in _resources(workloads, "helm_release").values():
        manifests += list(_values(body).get("objects", []))
    for address, body in _resources(workloads, "helm_release").items():
        values = _values(body)
        if _chart(body) == "kueue":
            manager = values.get("controllerManager", {})
            found.append(
                Pod(
                    f"helm_release.{address} (controller, {manager.get('replicas', 1)} replicas)",
                    "Deployment",
                    tuple(manager.get("tolerations", [])),
                    dict(manager.get("nodeSelector", {})),
                )
            )
        elif _chart(body) == "nvidia-dra-driver-gpu":
            plugin = values.get("kubeletPlugin", {})
            found.append(
                Pod(
                    f"helm_release.{address} (kubelet plugin)",
                    "DaemonSet",
                    tuple(plugin.get("tolerations", [])),
                    dict(plugin.get("nodeSelector", {})),
                    plugin.get("affinity", DRA_DEFAULT_AFFINITY),
                )
            )
    for item in manifests:
        spec = _pod_spec(item)
        if spec is not None:
            metadata = item["metadata"]
            found.append(
                Pod(
                    f"{item['kind']} {metadata.get('namespace', '')}/{metadata['name']}",
                    "DaemonSet" if item["kind"] == "DaemonSet" else "Deployment",
                    tuple(spec.get("tolerations", [])),
                    dict(spec.get("nodeSelector", {})),
                    dict(spec.get("affinity", {})),
                )
            )
    for gateway in (item for item in manifests if item["kind"] == "Gateway"):
        spec = _gateway_overlay(gateway, manifests)
        namespace = gateway["metadata"]["namespace"]
        found.append(
            Pod(
                f"Gateway {namespace}/{gateway['metadata']['name']} (Istio's Deployment)",
                "Deployment",
                tuple(spec.get("tolerations", [])),
                dict(spec.get("nodeSelector", {})),
                dict(spec.get("affinity", {})),
            )
        )
    return found


def _pod_spec(item: dict[str, Any]) -> dict[str, Any] | None:
    """The pod spec of a workload object (its template's), or None for other kinds."""
    kind = item.get("kind")
    if kind == "Pod":
        return item.get("spec", {})
    if kind == "CronJob":
        return item.get("spec", {}).get("jobTemplate", {}).get("spec", {}).get("template", {}).get("spec", {})
    if kind in POD_KINDS:
        return item.get("spec", {}).get("template", {}).get("spec", {})
    return None


def _gateway_overlay(gateway: dict[str, Any], manifests: list[dict[str, Any]]) -> dict[str, Any]:
    """The pod spec fields of the Gateway's options ConfigMap (spec.infrastructure.parametersRef)."""
    ref = gateway.get("spec", {}).get("infrastructure", {}).get("parametersRef")
    if not ref or ref.get("kind") != "ConfigMap":
        return {}
    for item in manifests:
        if (
            item["kind"] == "ConfigMap"
            and item["metadata"]["name"] == ref["name"]
            and item["metadata"].get("namespace") == gateway["metadata"]["namespace"]
        ):
            deployment = yaml_text.load(item.get("data", {}).get("deployment", "")) or {}
            return deployment.get("spec", {}).get("template", {}).get("spec", {})
    return {}


def tolerates(tolerations: tuple[dict[str, Any], ...], taint: dict[str, str]) -> bool:
    for toleration in tolerations:
        if toleration.get("effect") and toleration["effect"] != taint["effect"]:
            continue
        operator = toleration.get("operator", "Equal")
        if operator == "Exists" and toleration.get("key") in (None, "", taint["key"]):
            return True
        if (
            operator == "Equal"
            and toleration.get("key") == taint["key"]
            and toleration.get("value", "") == taint["value"]
        ):
            return True
    return False


def _expression(expression: dict[str, Any], labels: dict[str, str]) -> bool:
    key, operator, values = expression["key"], expression["operator"], expression.get("values", [])
    if operator == "In":
        return labels.get(key) in values
    if operator == "NotIn":
        return labels.get(key) not in values
    if operator == "Exists":
        return key in labels
    if operator == "DoesNotExist":
        return key not in labels
    raise ValueError(f"operator {operator} not handled")


def affinity_allows(affinity: dict[str, Any], labels: dict[str, str]) -> bool:
    node = affinity.get("nodeAffinity", {})
    required = node.get("requiredDuringSchedulingIgnoredDuringExecution")
    if not required:
        return True
    return any(
        all(_expression(expression, labels) for expression in term.get("matchExpressions", []))
        for term in required.get("nodeSelectorTerms", [])
    )


def fits(pod: Pod, pool: Pool) -> bool:
    """The scheduler's hard filters: taints (NoSchedule, NoExecute), nodeSelector, required affinity."""
    if any(
        taint["effect"] in HARD_EFFECTS and not tolerates(pod.tolerations, taint) for taint in pool.taints
    ):
        return False
    if any(pool.labels.get(key) != value for key, value in pod.node_selector.items()):
        return False
    return affinity_allows(pod.affinity, pool.labels)


def unschedulable(cluster: Stack, workloads: Stack) -> list[str]:
    """Pods with nowhere to go: a Deployment needs a pool that fits and always has a node; a
    DaemonSet needs a pool that fits (it runs where nodes come and go)."""
    problems = []
    cluster_pools = pools(cluster)
    for pod in pods(workloads):
        fitting = [pool for pool in cluster_pools if fits(pod, pool)]
        if pod.kind == "Deployment" and not [pool for pool in fitting if pool.min_nodes >= 1]:
            names = ", ".join(f"{pool.name} (min {pool.min_nodes})" for pool in fitting) or "none"
            problems.append(f"{pod.owner}: no pool that fits and always has a node; fitting pools: {names}")
        if pod.kind == "DaemonSet" and not [pool for pool in fitting if pool.max_nodes >= 1]:
            problems.append(f"{pod.owner}: no pool fits")
    return problems


# Charts whose pods pods() knows, and the local chart that only applies objects.
KNOWN_CHARTS = {"kueue", "nvidia-dra-driver-gpu", "cluster-objects"}
# Kinds whose pod template pods() reads.
POD_KINDS = {"Pod", "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet", "Job", "CronJob"}


def unaccounted(workloads: Stack) -> list[str]:
    """Charts whose pods this module does not read (workload objects' templates are read in pods())."""
    found = [
        f"helm_release.{address} (chart {_chart(body)})"
        for address, body in _resources(workloads, "helm_release").items()
        if _chart(body) not in KNOWN_CHARTS
    ]
    return found
