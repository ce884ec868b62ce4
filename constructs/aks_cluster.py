"""The AKS cluster with its system node pool, identity, Istio add-on, KAITO and managed Prometheus metrics.

Exposes what the other constructs and the outputs need as typed attributes (`id`, `name`,
`oidc_issuer_url`, ...), so nothing outside builds a Terraform address by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_azurerm.kubernetes_cluster import (
    KubernetesCluster,
    KubernetesClusterDefaultNodePool,
    KubernetesClusterDefaultNodePoolUpgradeSettings,
    KubernetesClusterIdentity,
    KubernetesClusterMonitorMetrics,
    KubernetesClusterServiceMeshProfile,
)

from aks_platform.settings import (
    ClusterSettings,
    IstioSettings,
    ManagedPrometheusSettings,
    NodePoolSettings,
    UpgradeSettings,
)
from constructs import Construct


@dataclass(frozen=True)
class AksClusterProps:
    name: str
    dns_prefix: str
    location: str
    resource_group_name: str
    cluster: ClusterSettings
    system_pool: NodePoolSettings
    istio: IstioSettings
    managed_prometheus: ManagedPrometheusSettings
    tags: dict[str, str]
    depends_on: Sequence[ITerraformDependable] = field(default_factory=tuple)


def upgrade_settings_block(upgrade: UpgradeSettings) -> dict[str, object]:
    """The upgrade_settings fields shared by the default pool and user pools."""
    return {
        "max_surge": upgrade.max_surge,
        "drain_timeout_in_minutes": upgrade.drain_timeout_in_minutes,
        "node_soak_duration_in_minutes": upgrade.node_soak_duration_in_minutes,
    }


def scaling_fields(pool: NodePoolSettings) -> dict[str, object]:
    """node_count / autoscaling fields shared by the default pool and user pools."""
    return {
        "node_count": pool.node_count,
        "auto_scaling_enabled": pool.auto_scaling,
        "min_count": pool.min_count if pool.auto_scaling else None,
        "max_count": pool.max_count if pool.auto_scaling else None,
        "zones": list(pool.zones) or None,
        "node_labels": dict(pool.labels) or None,
        "gpu_driver": pool.gpu_driver,
    }


def _comma_separated(keys: tuple[str, ...]) -> str | None:
    return ",".join(keys) if keys else None


class AksCluster(Construct):
    """`azurerm_kubernetes_cluster` configured for AI workloads."""

    def __init__(self, scope: Construct, id: str, props: AksClusterProps) -> None:
        super().__init__(scope, id)
        settings = props.cluster
        pool = props.system_pool
        tags = {**props.tags, **pool.tags}

        self.resource = KubernetesCluster(
            self,
            "cluster",
            name=props.name,
            location=props.location,
            resource_group_name=props.resource_group_name,
            dns_prefix=props.dns_prefix,
            kubernetes_version=settings.kubernetes_version,
            identity=KubernetesClusterIdentity(type="SystemAssigned"),
            oidc_issuer_enabled=settings.oidc_issuer_enabled,
            workload_identity_enabled=settings.workload_identity_enabled,
            ai_toolchain_operator_enabled=settings.kaito_enabled,
            local_account_disabled=settings.local_account_disabled,
            default_node_pool=KubernetesClusterDefaultNodePool(
                name=pool.name,
                temporary_name_for_rotation=pool.rotation_name,
                vm_size=pool.vm_size,
                type="VirtualMachineScaleSets",
                only_critical_addons_enabled=pool.only_critical_addons,
                orchestrator_version=settings.kubernetes_version,
                upgrade_settings=KubernetesClusterDefaultNodePoolUpgradeSettings(
                    **upgrade_settings_block(pool.upgrade)
                ),
                tags=tags,
                **scaling_fields(pool),
            ),
            service_mesh_profile=(
                KubernetesClusterServiceMeshProfile(
                    mode="Istio",
                    revisions=list(props.istio.revisions),
                    external_ingress_gateway_enabled=props.istio.external_ingress_gateway,
                    internal_ingress_gateway_enabled=props.istio.internal_ingress_gateway,
                )
                if props.istio.enabled
                else None
            ),
            monitor_metrics=(
                KubernetesClusterMonitorMetrics(
                    labels_allowed=_comma_separated(props.managed_prometheus.labels_allowed),
                    annotations_allowed=_comma_separated(props.managed_prometheus.annotations_allowed),
                )
                if props.managed_prometheus.enabled
                else None
            ),
            tags=props.tags,
            depends_on=list(props.depends_on) or None,
        )
        self.resource.override_logical_id("aks")

    @property
    def id(self) -> str:
        return self.resource.id

    @property
    def name(self) -> str:
        return self.resource.name

    @property
    def location(self) -> str:
        return self.resource.location

    @property
    def resource_group_name(self) -> str:
        return self.resource.resource_group_name

    @property
    def oidc_issuer_url(self) -> str:
        return self.resource.oidc_issuer_url

    @property
    def node_resource_group(self) -> str:
        return self.resource.node_resource_group
