"""Node pool properties shared by the cluster's system pool and its user pools.

Defaults follow azurerm's: a field left at its default stays out of the JSON, and AKS applies its
own default (for example no autoscaling, no zones, the size's default OS disk).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from cdktf import TerraformResourceLifecycle


@dataclass(frozen=True)
class UpgradeProps:
    """How AKS surges and drains the pool's nodes during an upgrade."""

    max_surge: str = "10%"
    'Extra nodes during an upgrade: a count ("1") or a percentage of the pool ("10%").'
    drain_timeout_in_minutes: int = 0
    "Minutes to wait for a node's pods to be evicted; 0 is AKS's default (30 minutes)."
    node_soak_duration_in_minutes: int = 0
    "Minutes to wait after upgrading a node before the next; 0 means none."


@dataclass(frozen=True)
class NodePoolProps:
    """One node pool: the cluster's system pool (`AksClusterProps.system_pool`) or a user pool."""

    name: str
    "1-12 lowercase letters and digits, starting with a letter; unique in the cluster."
    vm_size: str
    "An Azure VM size, such as Standard_D4ds_v5 or Standard_NC24ads_A100_v4."
    temporary_name_for_rotation: str | None = None
    (
        "Name of the temporary pool AKS creates when a change needs the pool rotated (same rules as `name`); "
        "None means changes that need a rotation fail instead."
    )
    node_count: int | None = None
    "Nodes to start with; with autoscaling, the autoscaler owns the count afterwards."
    auto_scaling: bool = False
    min_count: int | None = None
    "Autoscaling's lower bound (0-1000); only with auto_scaling."
    max_count: int | None = None
    "Autoscaling's upper bound (0-1000); only with auto_scaling."
    zones: Sequence[str] = ()
    'Availability zones ("1", "2", "3"); empty means no zone pinning.'
    labels: Mapping[str, str] = field(default_factory=dict)
    taints: Sequence[str] = ()
    '"key=value:Effect" (NoSchedule, PreferNoSchedule or NoExecute); user pools only.'
    gpu_driver: Literal["Install", "None"] | None = None
    'GPU sizes: "Install" lets AKS install the NVIDIA driver, "None" leaves it to you.'
    gpu_instance: str | None = None
    "Multi-instance GPU profile (MIG1g ... MIG7g) on MIG-capable sizes."
    gpu_management: Literal["Managed", "Unmanaged"] | None = None
    (
        "AKS's managed GPU stack (gpuProfile.nvidia.managementMode); user pools only, created through the "
        "agentPools API (constructs/agent_pool.py), fixed once created."
    )
    mig_strategy: Literal["Single", "Mixed"] | None = None
    "The managed GPU stack's MIG strategy (gpuProfile.nvidia.migStrategy); as gpu_management."
    tags: Mapping[str, str] = field(default_factory=dict)
    "Tags of the pool's own scale set; merged over the tags given to the cluster or pool construct."
    only_critical_addons: bool = False
    "System pool only: taint it CriticalAddonsOnly so that only system pods run there."
    upgrade: UpgradeProps | None = None
    "None leaves the upgrade settings to AKS."
    max_pods: int | None = None
    os_disk_type: Literal["Managed", "Ephemeral"] | None = None
    os_disk_size_gb: int | None = None
    host_encryption: bool = False


@dataclass(frozen=True)
class PoolArguments:
    """The azurerm arguments the default pool and user pools share, typed; None stays out of the JSON."""

    max_pods: int | None
    os_disk_type: str | None
    os_disk_size_gb: int | None
    host_encryption_enabled: bool | None
    node_count: int | None
    auto_scaling_enabled: bool
    min_count: int | None
    max_count: int | None
    zones: list[str] | None
    node_labels: dict[str, str] | None
    gpu_driver: str | None
    gpu_instance: str | None


def pool_arguments(pool: NodePoolProps) -> PoolArguments:
    """What the default pool and a user pool send alike; each constructor passes them by name."""
    return PoolArguments(
        max_pods=pool.max_pods,
        os_disk_type=pool.os_disk_type,
        os_disk_size_gb=pool.os_disk_size_gb,
        host_encryption_enabled=pool.host_encryption or None,
        node_count=pool.node_count,
        auto_scaling_enabled=pool.auto_scaling,
        min_count=pool.min_count if pool.auto_scaling else None,
        max_count=pool.max_count if pool.auto_scaling else None,
        zones=list(pool.zones) or None,
        node_labels=dict(pool.labels) or None,
        gpu_driver=pool.gpu_driver,
        gpu_instance=pool.gpu_instance,
    )


def autoscaled_lifecycle(node_count_path: str, pool: NodePoolProps) -> TerraformResourceLifecycle | None:
    """The cluster autoscaler owns node_count of an autoscaled pool: Terraform must not reset it."""
    return TerraformResourceLifecycle(ignore_changes=[node_count_path]) if pool.auto_scaling else None
