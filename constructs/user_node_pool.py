"""A user node pool attached to the cluster by azurerm, such as a CPU pool or a GPU pool with the driver.

Its props decide whether it is a GPU pool (N-series size, taint, driver, MIG profile) or a CPU
pool; the construct is the same. A pool that sets gpuProfile.nvidia (AKS's managed GPU stack, its
MIG strategy) is the other kind, `AgentPoolNodePool` (constructs/agent_pool.py): azurerm has no
attribute for it and AKS accepts it only when the pool is created. Usually made through
`AksCluster.add_user_pool`, which picks the kind and orders the pool after the cluster's previous
operation.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_azurerm.kubernetes_cluster_node_pool import (
    KubernetesClusterNodePool,
    KubernetesClusterNodePoolUpgradeSettings,
)

from constructs import Construct
from constructs.node_pool import NodePoolProps, autoscaled_lifecycle, pool_arguments


@dataclass(frozen=True)
class UserNodePoolProps:
    """A user pool of one cluster."""

    cluster_id: str
    "Azure resource id of the cluster (AksCluster.id)."
    pool: NodePoolProps
    tags: Mapping[str, str] = field(default_factory=dict)
    "Tags for the pool; the pool's own tags (NodePoolProps.tags) are merged over them."
    depends_on: Sequence[ITerraformDependable] = field(default_factory=tuple)
    "AKS runs one operation on a cluster at a time: a pool waits for the operations before it."


class UserNodePool(Construct):
    """`azurerm_kubernetes_cluster_node_pool` for one user pool."""

    def __init__(self, scope: Construct, id: str, props: UserNodePoolProps) -> None:
        super().__init__(scope, id)
        pool = props.pool
        if needs_agent_pool_api(pool):
            raise ValueError(
                f"pool {pool.name}: gpuProfile.nvidia is set when AKS creates the pool, and azurerm cannot "
                "send it: make it an AgentPoolNodePool (AksCluster.add_user_pool does)"
            )
        shared = pool_arguments(pool)
        self.resource = KubernetesClusterNodePool(
            self,
            "pool",
            name=pool.name,
            kubernetes_cluster_id=props.cluster_id,
            temporary_name_for_rotation=pool.temporary_name_for_rotation,
            vm_size=pool.vm_size,
            node_taints=list(pool.taints) or None,
            upgrade_settings=(
                KubernetesClusterNodePoolUpgradeSettings(
                    max_surge=pool.upgrade.max_surge,
                    drain_timeout_in_minutes=pool.upgrade.drain_timeout_in_minutes,
                    node_soak_duration_in_minutes=pool.upgrade.node_soak_duration_in_minutes,
                )
                if pool.upgrade
                else None
            ),
            tags={**props.tags, **pool.tags},
            depends_on=list(props.depends_on) or None,
            lifecycle=autoscaled_lifecycle("node_count", pool),
            max_pods=shared.max_pods,
            os_disk_type=shared.os_disk_type,
            os_disk_size_gb=shared.os_disk_size_gb,
            host_encryption_enabled=shared.host_encryption_enabled,
            node_count=shared.node_count,
            auto_scaling_enabled=shared.auto_scaling_enabled,
            min_count=shared.min_count,
            max_count=shared.max_count,
            zones=shared.zones,
            node_labels=shared.node_labels,
            gpu_driver=shared.gpu_driver,
            gpu_instance=shared.gpu_instance,
        )

    @property
    def last_operation(self) -> ITerraformDependable:
        """The pool's last operation on the cluster; the next cluster operation waits for it."""
        return self.resource

    @property
    def id(self) -> str:
        return self.resource.id

    @property
    def name(self) -> str:
        return self.resource.name


def needs_agent_pool_api(pool: NodePoolProps) -> bool:
    """Whether the pool sets gpuProfile.nvidia, which only the agentPools API can send."""
    return pool.gpu_management is not None or pool.mig_strategy is not None
