"""The AKS cluster with its system node pool, identity, Istio add-on, KAITO and managed Prometheus metrics.

Exposes what the other constructs and the outputs need as typed attributes (`id`, `name`,
`oidc_issuer_url`, ...), so nothing outside builds a Terraform address by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cdktf import ITerraformDependable, TerraformResourceLifecycle
from cdktf_cdktf_provider_azurerm.kubernetes_cluster import (
    KubernetesCluster,
    KubernetesClusterApiServerAccessProfile,
    KubernetesClusterAzureActiveDirectoryRoleBasedAccessControl,
    KubernetesClusterDefaultNodePool,
    KubernetesClusterDefaultNodePoolUpgradeSettings,
    KubernetesClusterIdentity,
    KubernetesClusterKeyVaultSecretsProvider,
    KubernetesClusterMonitorMetrics,
    KubernetesClusterNetworkProfile,
    KubernetesClusterOmsAgent,
    KubernetesClusterServiceMeshProfile,
    KubernetesClusterWorkloadAutoscalerProfile,
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
    # Log Analytics workspace for Container Insights; None leaves the add-on off.
    log_analytics_workspace_id: str | None = None
    depends_on: Sequence[ITerraformDependable] = field(default_factory=tuple)


def upgrade_settings_block(upgrade: UpgradeSettings) -> dict[str, object]:
    """The upgrade_settings fields shared by the default pool and user pools."""
    return {
        "max_surge": upgrade.max_surge,
        "drain_timeout_in_minutes": upgrade.drain_timeout_in_minutes,
        "node_soak_duration_in_minutes": upgrade.node_soak_duration_in_minutes,
    }


def pool_fields(pool: NodePoolSettings) -> dict[str, object]:
    """Fields the default pool and user pools share, with unset settings left out of the JSON."""
    return {
        "max_pods": pool.max_pods,
        "os_disk_type": pool.os_disk_type,
        "os_disk_size_gb": pool.os_disk_size_gb,
        "host_encryption_enabled": pool.host_encryption or None,
        "node_count": pool.node_count,
        "auto_scaling_enabled": pool.auto_scaling,
        "min_count": pool.min_count if pool.auto_scaling else None,
        "max_count": pool.max_count if pool.auto_scaling else None,
        "zones": list(pool.zones) or None,
        "node_labels": dict(pool.labels) or None,
        "gpu_driver": pool.gpu_driver,
        "gpu_instance": pool.gpu_instance,
    }


def autoscaled_lifecycle(node_count_path: str, pool: NodePoolSettings) -> TerraformResourceLifecycle | None:
    """The cluster autoscaler owns node_count of an autoscaled pool: Terraform must not reset it."""
    return TerraformResourceLifecycle(ignore_changes=[node_count_path]) if pool.auto_scaling else None


def _hardening(settings: ClusterSettings, log_analytics_workspace_id: str | None) -> dict[str, object]:
    """Security and operations attributes; each stays out of the JSON until a setting asks for it."""
    rbac = settings.entra_id_rbac
    network = settings.network
    secrets = settings.key_vault_secrets_provider
    autoscaler = settings.workload_autoscaler
    return {
        "sku_tier": settings.sku_tier,
        "support_plan": settings.support_plan,
        "cost_analysis_enabled": settings.cost_analysis_enabled or None,
        "automatic_upgrade_channel": settings.automatic_upgrade_channel,
        "node_os_upgrade_channel": settings.node_os_upgrade_channel,
        "azure_policy_enabled": settings.azure_policy_enabled or None,
        "private_cluster_enabled": settings.private_cluster_enabled or None,
        "disk_encryption_set_id": settings.disk_encryption_set_id,
        "image_cleaner_enabled": settings.image_cleaner_enabled or None,
        "image_cleaner_interval_hours": (
            settings.image_cleaner_interval_hours if settings.image_cleaner_enabled else None
        ),
        "azure_active_directory_role_based_access_control": (
            KubernetesClusterAzureActiveDirectoryRoleBasedAccessControl(
                azure_rbac_enabled=rbac.azure_rbac_enabled,
                admin_group_object_ids=list(rbac.admin_group_object_ids) or None,
                tenant_id=rbac.tenant_id,
            )
            if rbac
            else None
        ),
        "network_profile": (
            KubernetesClusterNetworkProfile(
                network_plugin=network.plugin,
                network_plugin_mode=network.plugin_mode,
                network_data_plane=network.data_plane,
                network_policy=network.policy,
            )
            if network
            else None
        ),
        "api_server_access_profile": (
            KubernetesClusterApiServerAccessProfile(
                authorized_ip_ranges=list(settings.api_server_authorized_ip_ranges)
            )
            if settings.api_server_authorized_ip_ranges
            else None
        ),
        "key_vault_secrets_provider": (
            KubernetesClusterKeyVaultSecretsProvider(
                secret_rotation_enabled=secrets.secret_rotation_enabled,
                secret_rotation_interval=secrets.rotation_interval,
            )
            if secrets
            else None
        ),
        "oms_agent": (
            KubernetesClusterOmsAgent(
                log_analytics_workspace_id=log_analytics_workspace_id,
                msi_auth_for_monitoring_enabled=True,
            )
            if log_analytics_workspace_id
            else None
        ),
        "workload_autoscaler_profile": (
            KubernetesClusterWorkloadAutoscalerProfile(
                keda_enabled=autoscaler.keda,
                vertical_pod_autoscaler_enabled=autoscaler.vertical_pod_autoscaler,
            )
            if autoscaler.keda or autoscaler.vertical_pod_autoscaler
            else None
        ),
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
                **pool_fields(pool),
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
            lifecycle=autoscaled_lifecycle("default_node_pool[0].node_count", pool),
            **_hardening(settings, props.log_analytics_workspace_id),
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
