"""Whether the NVIDIA DRA driver may run beside AKS's device plugin, from its helm_release values.

For the conformance item secure_accelerator_access (aks_platform/tools/conformance_rules.py). The
chart's guard (gpuResourcesEnabledOverride) is meant to be overridden only where no device plugin
runs: a pool whose driver the user installs (gpu_driver = "None"). So the override is a problem when
the kubelet plugin is not confined by a required node affinity on kubernetes.azure.com/agentpool
to such pools.
"""

from __future__ import annotations

from typing import Any

from aks_platform import yaml_text

AGENTPOOL_LABEL = "kubernetes.azure.com/agentpool"
AGENT_POOL_TYPE = "Microsoft.ContainerService/managedClusters/agentPools@"


def pool_drivers(cluster: dict[str, Any]) -> dict[str, str]:
    """Pool name -> gpu_driver ("Install", AKS's default, or "None"), azurerm pools and azapi agentPools."""
    resources = cluster.get("resource", {})
    drivers = {
        body.get("name", ""): body.get("gpu_driver") or "Install"
        for body in resources.get("azurerm_kubernetes_cluster_node_pool", {}).values()
    }
    for body in resources.get("azapi_resource", {}).values():
        if str(body.get("type", "")).startswith(AGENT_POOL_TYPE):
            profile = ((body.get("body") or {}).get("properties") or {}).get("gpuProfile") or {}
            drivers[body.get("name", "")] = profile.get("driver") or "Install"
    return drivers


def confined_pools(values: dict[str, Any]) -> set[str] | None:
    """The pools the kubelet plugin's required node affinity allows, or None where any pool may match."""
    terms = (
        values.get("kubeletPlugin", {})
        .get("affinity", {})
        .get("nodeAffinity", {})
        .get("requiredDuringSchedulingIgnoredDuringExecution", {})
        .get("nodeSelectorTerms", [])
    )
    pools: set[str] = set()
    for term in terms:
        confined = [
            expression.get("values", [])
            for expression in term.get("matchExpressions", [])
            if expression.get("key") == AGENTPOOL_LABEL and expression.get("operator") == "In"
        ]
        if not confined:
            return None  # a term that nodes of any pool may match
        pools.update(confined[0])
    return pools or None


def dra_beside_device_plugin(release: dict[str, Any], gpu_drivers: dict[str, str]) -> bool:
    """`gpu_drivers`: pool name -> gpu_driver ("Install" where AKS installs it, or "None")."""
    values: dict[str, Any] = {}
    for text in release.get("values", []):
        values.update(yaml_text.load(text) or {})
    if not values.get("gpuResourcesEnabledOverride"):
        return False
    pools = confined_pools(values)
    return pools is None or any(gpu_drivers.get(name, "Install") != "None" for name in pools)
