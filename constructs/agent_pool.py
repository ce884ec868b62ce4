"""A user node pool created by azapi as one agentPools resource, whose body carries the whole pool.

This is the pool kind for pools that set `gpuProfile.nvidia` (AKS's managed GPU stack, its MIG
strategy): azurerm 4.55 has no attribute for it, and AKS fixes `gpuProfile` when it creates the pool
("The `managementMode`, `migStrategy`, and `driver` fields under `gpuProfile` are immutable after
node pool creation", aks-managed-gpu-nodes.md), so a later update cannot add it. One
`azapi_resource` on `Microsoft.ContainerService/managedClusters/agentPools` creates the pool with
size, counts, zones, labels, taints, disks, host encryption, upgrade settings and the GPU profile in
one request, and only azapi manages it. azapi validates the body at plan time against the schema it
embeds for the API version, which must therefore be one the pinned azapi release knows.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cdktf import ITerraformDependable, TerraformResourceLifecycle

from constructs import Construct
from constructs.azapi import AzapiResource
from constructs.node_pool import NodePoolProps

AGENT_POOL_TYPE = "Microsoft.ContainerService/managedClusters/agentPools"
# The body path the cluster autoscaler changes; Terraform must not reset it.
COUNT_PATH = "properties.count"


@dataclass(frozen=True)
class AgentPoolProps:
    """A user pool of one cluster, made by the agentPools API."""

    cluster_id: str
    "Azure resource id of the cluster (AksCluster.id): the pool's parent."
    pool: NodePoolProps
    api_version: str
    (
        "agentPools API version with every field the body sends (for gpuProfile.nvidia: a preview or "
        "2026-08-01 and later), and one the pinned azapi embeds a schema for."
    )
    tags: Mapping[str, str] = field(default_factory=dict)
    "Tags of the pool's scale set; the pool's own tags (NodePoolProps.tags) are merged over them."
    depends_on: Sequence[ITerraformDependable] = field(default_factory=tuple)
    "AKS runs one operation on a cluster at a time: the pool waits for the operations before it."
    replace_on: Sequence[str] = field(default_factory=tuple)
    (
        'Body paths (dot-separated, such as "properties.vmSize") that AKS fixes at creation: a change to one '
        "that the body sends replaces the pool instead of sending an update AKS refuses."
    )


def _present(body: Mapping[str, Any], path: str) -> bool:
    value: Any = body
    for part in path.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return False
        value = value[part]
    return True


def agent_pool_body(pool: NodePoolProps, tags: Mapping[str, str]) -> dict[str, Any]:
    """The agentPools PUT body for a user pool: what azurerm's node pool would send, and gpuProfile.

    Unset fields stay out, so AKS applies its defaults, as with azurerm; upgrade timings of 0 mean
    AKS's default (drain) or none (soak) and are left out too.
    """
    count = pool.node_count if pool.node_count is not None else (pool.min_count or 0)
    properties: dict[str, Any] = {
        "mode": "User",
        "type": "VirtualMachineScaleSets",
        "osType": "Linux",
        "vmSize": pool.vm_size,
        "count": count,
        "enableAutoScaling": pool.auto_scaling,
        # azurerm sends both as false unless asked: nodes get no public IP, host encryption as set.
        "enableNodePublicIP": False,
        "enableEncryptionAtHost": pool.host_encryption,
    }
    if pool.auto_scaling:
        properties["minCount"] = pool.min_count
        properties["maxCount"] = pool.max_count
    optional: dict[str, Any] = {
        "availabilityZones": list(pool.zones) or None,
        "nodeLabels": dict(pool.labels) or None,
        "nodeTaints": list(pool.taints) or None,
        "maxPods": pool.max_pods,
        "osDiskType": pool.os_disk_type,
        "osDiskSizeGB": pool.os_disk_size_gb,
        "gpuInstanceProfile": pool.gpu_instance,
    }
    properties.update({name: value for name, value in optional.items() if value is not None})
    if pool.upgrade is not None:
        upgrade: dict[str, Any] = {"maxSurge": pool.upgrade.max_surge}
        if pool.upgrade.drain_timeout_in_minutes:
            upgrade["drainTimeoutInMinutes"] = pool.upgrade.drain_timeout_in_minutes
        if pool.upgrade.node_soak_duration_in_minutes:
            upgrade["nodeSoakDurationInMinutes"] = pool.upgrade.node_soak_duration_in_minutes
        properties["upgradeSettings"] = upgrade
    nvidia = {"managementMode": pool.gpu_management, "migStrategy": pool.mig_strategy}
    nvidia = {name: value for name, value in nvidia.items() if value is not None}
    gpu_profile: dict[str, Any] = {}
    if pool.gpu_driver is not None:
        gpu_profile["driver"] = pool.gpu_driver
    if nvidia:
        gpu_profile["nvidia"] = nvidia
    if gpu_profile:
        properties["gpuProfile"] = gpu_profile
    merged_tags = {**tags, **pool.tags}
    if merged_tags:
        properties["tags"] = merged_tags
    return {"properties": properties}


class AgentPoolNodePool(Construct):
    """`azapi_resource` of type managedClusters/agentPools for one user pool."""

    def __init__(self, scope: Construct, id: str, props: AgentPoolProps) -> None:
        super().__init__(scope, id)
        pool = props.pool
        body = agent_pool_body(pool, props.tags)
        self.resource = AzapiResource(
            self,
            "pool",
            type=f"{AGENT_POOL_TYPE}@{props.api_version}",
            name=pool.name,
            parent_id=props.cluster_id,
            body=body,
            replace_triggers_refs=[path for path in props.replace_on if _present(body, path)],
            depends_on=list(props.depends_on) or None,
            # The autoscaler owns the count of an autoscaled pool.
            lifecycle=(
                TerraformResourceLifecycle(ignore_changes=[f"body.{COUNT_PATH}"])
                if pool.auto_scaling
                else None
            ),
        )

    @property
    def last_operation(self) -> ITerraformDependable:
        """The pool's last operation on the cluster (its creation); the next one waits for it."""
        return self.resource

    @property
    def id(self) -> str:
        return self.resource.id

    @property
    def name(self) -> str:
        return self.resource.name
