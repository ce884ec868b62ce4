"""A user node pool attached to the cluster, such as the `gpunp` pool for AI workloads.

Its props decide whether it is a GPU pool (N-series size, taint, driver, AKS's managed GPU
stack) or a CPU pool; the construct is the same. Usually made through `AksCluster.add_user_pool`,
which also orders it after the cluster's previous operation.
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
from constructs.azapi import AzapiUpdateResource
from constructs.node_pool import NodePoolProps, autoscaled_lifecycle, pool_fields, upgrade_settings_block


@dataclass(frozen=True)
class UserNodePoolProps:
    """A user pool of one cluster."""

    # Azure resource id of the cluster (AksCluster.id).
    cluster_id: str
    pool: NodePoolProps
    # Tags for the pool; the pool's own tags (NodePoolProps.tags) are merged over them.
    tags: Mapping[str, str] = field(default_factory=dict)
    # AKS runs one operation on a cluster at a time: a pool waits for the operations before it.
    depends_on: Sequence[ITerraformDependable] = field(default_factory=tuple)
    # agentPools API version for gpuProfile.nvidia (azurerm 4.55 has no attribute for it); needed
    # when the pool sets gpu_management or mig_strategy.
    gpu_profile_api_version: str | None = None


class UserNodePool(Construct):
    """`azurerm_kubernetes_cluster_node_pool` for one user pool."""

    def __init__(self, scope: Construct, id: str, props: UserNodePoolProps) -> None:
        super().__init__(scope, id)
        pool = props.pool
        self.resource = KubernetesClusterNodePool(
            self,
            "pool",
            name=pool.name,
            kubernetes_cluster_id=props.cluster_id,
            temporary_name_for_rotation=pool.temporary_name_for_rotation,
            vm_size=pool.vm_size,
            node_taints=list(pool.taints) or None,
            upgrade_settings=(
                KubernetesClusterNodePoolUpgradeSettings(**upgrade_settings_block(pool.upgrade))
                if pool.upgrade
                else None
            ),
            tags={**props.tags, **pool.tags},
            depends_on=list(props.depends_on) or None,
            lifecycle=autoscaled_lifecycle("node_count", pool),
            **pool_fields(pool),
        )

        # The managed GPU stack and its MIG strategy: merged into the agent pool after azurerm made it.
        self.gpu_profile: AzapiUpdateResource | None = None
        nvidia = {"managementMode": pool.gpu_management, "migStrategy": pool.mig_strategy}
        nvidia = {name: value for name, value in nvidia.items() if value is not None}
        if nvidia:
            if props.gpu_profile_api_version is None:
                raise ValueError(f"pool {pool.name}: gpuProfile.nvidia needs gpu_profile_api_version")
            self.gpu_profile = AzapiUpdateResource(
                self,
                "gpu-profile",
                type=f"Microsoft.ContainerService/managedClusters/agentPools@{props.gpu_profile_api_version}",
                resource_id=self.resource.id,
                body={"properties": {"gpuProfile": {"nvidia": nvidia}}},
                depends_on=[self.resource],
            )

    @property
    def last_operation(self) -> ITerraformDependable:
        """The pool's last operation on the cluster; the next cluster operation waits for it."""
        return self.gpu_profile if self.gpu_profile is not None else self.resource

    @property
    def id(self) -> str:
        return self.resource.id

    @property
    def name(self) -> str:
        return self.resource.name
