"""The GPU pools of a synthesized cluster stack, read the same way whichever kind made them.

A user pool is an `azurerm_kubernetes_cluster_node_pool` or, when it sets gpuProfile.nvidia, an
`azapi_resource` of type managedClusters/agentPools whose body holds the pool (constructs/agent_pool.py).
The conformance rules (aks_platform/tools/conformance_rules.py) read GPU pools through `gpu_pools`,
so each rule names the resource that really provides what it claims.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aks_platform.settings.gpus import has_gpus

AGENT_POOLS = "Microsoft.ContainerService/managedClusters/agentPools@"


@dataclass(frozen=True)
class GpuPool:
    """One GPU pool's settings as the JSON sends them (None: left to AKS's default)."""

    address: str
    vm_size: str
    taints: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    driver: str | None = None
    "gpuProfile.driver / azurerm gpu_driver; AKS installs the driver on NVIDIA sizes by default."
    mig_profile: str | None = None
    "gpuInstanceProfile / azurerm gpu_instance (the MIG profile)."
    management_mode: str | None = None
    "gpuProfile.nvidia.managementMode (agentPools API only)."
    mig_strategy: str | None = None
    "gpuProfile.nvidia.migStrategy (agentPools API only)."
    auto_scaling: bool = False
    min_count: int | None = None
    max_count: int | None = None
    tags: dict[str, str] = field(default_factory=dict)

    @property
    def driver_installed(self) -> bool:
        return (self.driver or "Install") == "Install"


def _resources(stack: dict[str, Any], resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, body in stack.get("resource", {}).get(resource_type, {}).items():
        yield f"{resource_type}.{name}", body


def _azurerm_pool(address: str, pool: dict[str, Any]) -> GpuPool:
    return GpuPool(
        address=address,
        vm_size=pool.get("vm_size", ""),
        taints=tuple(pool.get("node_taints", [])),
        labels=dict(pool.get("node_labels", {})),
        driver=pool.get("gpu_driver"),
        mig_profile=pool.get("gpu_instance"),
        auto_scaling=bool(pool.get("auto_scaling_enabled")),
        min_count=pool.get("min_count"),
        max_count=pool.get("max_count"),
        tags=dict(pool.get("tags", {})),
    )


def _agent_pool(address: str, resource: dict[str, Any]) -> GpuPool:
    properties = (resource.get("body") or {}).get("properties") or {}
    gpu = properties.get("gpuProfile") or {}
    nvidia = gpu.get("nvidia") or {}
    return GpuPool(
        address=address,
        vm_size=properties.get("vmSize", ""),
        taints=tuple(properties.get("nodeTaints", [])),
        labels=dict(properties.get("nodeLabels", {})),
        driver=gpu.get("driver"),
        mig_profile=properties.get("gpuInstanceProfile"),
        management_mode=nvidia.get("managementMode"),
        mig_strategy=nvidia.get("migStrategy"),
        auto_scaling=bool(properties.get("enableAutoScaling")),
        min_count=properties.get("minCount"),
        max_count=properties.get("maxCount"),
        tags=dict(properties.get("tags", {})),
    )


def gpu_pools(cluster: dict[str, Any]) -> list[GpuPool]:
    """Every user pool of a GPU size (data/vm-sizes.toml), of either kind."""
    pools = [_azurerm_pool(a, p) for a, p in _resources(cluster, "azurerm_kubernetes_cluster_node_pool")]
    pools += [
        _agent_pool(address, resource)
        for address, resource in _resources(cluster, "azapi_resource")
        if str(resource.get("type", "")).startswith(AGENT_POOLS)
    ]
    return [pool for pool in pools if has_gpus(pool.vm_size)]


def autoscaled(pool: GpuPool) -> bool:
    """The cluster autoscaler can add and remove nodes of the pool."""
    return pool.auto_scaling and (pool.max_count or 0) > (pool.min_count or 0)


def managed_gpu_pools(cluster: dict[str, Any]) -> list[str]:
    """The pools whose driver, device plugin and DCGM exporter AKS runs, and what says so."""
    found = []
    for pool in gpu_pools(cluster):
        if pool.management_mode == "Managed":
            found.append(
                f"{pool.address} (gpuProfile.nvidia.managementMode Managed: AKS runs the driver, device "
                "plugin and DCGM exporter)"
            )
        elif pool.tags.get("EnableManagedGPUExperience") == "true" and pool.driver_installed:
            found.append(f"{pool.address} (EnableManagedGPUExperience: AKS runs the DCGM exporter)")
    return found


def kaito_node_provisioning(
    cluster_address: str,
    cluster: dict[str, Any],
    workspaces: list[tuple[str, dict[str, Any]]],
    pools: list[GpuPool],
) -> list[str]:
    """KAITO Workspaces whose GPU nodes KAITO provisions: the add-on is on, the instanceType is a GPU
    size and no pool's labels match the Workspace's labelSelector (else KAITO would use those nodes).
    KAITO creates NodeClaims for the Workspace's pods (the add-on's gpu-provisioner makes each an
    agent pool) and deletes them with the Workspace (kaito v0.12.0 workspace_gc_finalizer.go); the
    AKS add-on's page still tells you to delete those pools by hand (docs/gpu.md)."""
    if not cluster.get("ai_toolchain_operator_enabled"):
        return []
    found = []
    for address, manifest in workspaces:
        resource = manifest.get("resource") or {}
        instance_type = resource.get("instanceType", "")
        wanted = (resource.get("labelSelector") or {}).get("matchLabels") or {}
        on_existing = bool(wanted) and any(wanted.items() <= pool.labels.items() for pool in pools)
        if has_gpus(instance_type) and not on_existing:
            found.append(
                f"{address} (KAITO node provisioning on {cluster_address}: {resource.get('count', 1)} "
                f"{instance_type} node(s) provisioned for the Workspace's pods, deleted with the Workspace)"
            )
    return found
