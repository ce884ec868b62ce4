"""From an environment's settings to the constructs' props: the one place the app meets the library.

The constructs in constructs/ know nothing of this app's settings model; each takes its own props,
defaulted the way azurerm defaults them. This module says what the settings mean in those terms.
"""

from __future__ import annotations

from collections.abc import Sequence

from cdktf import ITerraformDependable

from aks_platform.metrics_allowlist import allowlist_value
from aks_platform.naming import Naming
from aks_platform.settings import ClusterSettings, EnvironmentSettings, NodePoolSettings
from aks_platform.settings_production import ScheduledWindowSettings
from constructs.aks_cluster import (
    AksClusterProps,
    EntraIdRbacProps,
    IstioProps,
    KeyVaultSecretsProviderProps,
    MetricsProps,
    NetworkProps,
)
from constructs.maintenance import DefaultWindowProps, MaintenanceProps, ScheduledWindowProps
from constructs.node_pool import NodePoolProps, UpgradeProps


def node_pool_props(pool: NodePoolSettings) -> NodePoolProps:
    return NodePoolProps(
        name=pool.name,
        vm_size=pool.vm_size,
        temporary_name_for_rotation=pool.rotation_name,
        node_count=pool.node_count,
        auto_scaling=pool.auto_scaling,
        min_count=pool.min_count,
        max_count=pool.max_count,
        zones=pool.zones,
        labels=dict(pool.labels),
        taints=pool.taints,
        gpu_driver=pool.gpu_driver,
        gpu_instance=pool.gpu_instance,
        gpu_management=pool.gpu_management,
        mig_strategy=pool.mig_strategy,
        tags=dict(pool.tags),
        only_critical_addons=pool.only_critical_addons,
        upgrade=UpgradeProps(
            max_surge=pool.upgrade.max_surge,
            drain_timeout_in_minutes=pool.upgrade.drain_timeout_in_minutes,
            node_soak_duration_in_minutes=pool.upgrade.node_soak_duration_in_minutes,
        ),
        max_pods=pool.max_pods,
        os_disk_type=pool.os_disk_type,
        os_disk_size_gb=pool.os_disk_size_gb,
        host_encryption=pool.host_encryption,
    )


def _hardening(cluster: ClusterSettings) -> dict[str, object]:
    rbac, network, secrets = cluster.entra_id_rbac, cluster.network, cluster.key_vault_secrets_provider
    return {
        "sku_tier": cluster.sku_tier,
        "support_plan": cluster.support_plan,
        "cost_analysis_enabled": cluster.cost_analysis_enabled,
        "automatic_upgrade_channel": cluster.automatic_upgrade_channel,
        "node_os_upgrade_channel": cluster.node_os_upgrade_channel,
        "azure_policy_enabled": cluster.azure_policy_enabled,
        "private_cluster_enabled": cluster.private_cluster_enabled,
        "disk_encryption_set_id": cluster.disk_encryption_set_id,
        "image_cleaner_interval_hours": (
            cluster.image_cleaner_interval_hours if cluster.image_cleaner_enabled else None
        ),
        "entra_id_rbac": (
            EntraIdRbacProps(rbac.azure_rbac_enabled, rbac.admin_group_object_ids, rbac.tenant_id)
            if rbac
            else None
        ),
        "network": (
            NetworkProps(network.plugin, network.plugin_mode, network.data_plane, network.policy)
            if network
            else None
        ),
        "api_server_authorized_ip_ranges": cluster.api_server_authorized_ip_ranges,
        "key_vault_secrets_provider": (
            KeyVaultSecretsProviderProps(secrets.secret_rotation_enabled, secrets.rotation_interval)
            if secrets
            else None
        ),
        "keda": cluster.workload_autoscaler.keda,
        "vertical_pod_autoscaler": cluster.workload_autoscaler.vertical_pod_autoscaler,
    }


def _scheduled(window: ScheduledWindowSettings | None) -> ScheduledWindowProps | None:
    return ScheduledWindowProps(**window.model_dump()) if window else None


def maintenance_props(settings: EnvironmentSettings) -> MaintenanceProps | None:
    maintenance = settings.maintenance
    if maintenance.default is None and maintenance.auto_upgrade is None and maintenance.node_os is None:
        return None
    return MaintenanceProps(
        default=(
            DefaultWindowProps(maintenance.default.day, maintenance.default.hours)
            if maintenance.default
            else None
        ),
        auto_upgrade=_scheduled(maintenance.auto_upgrade),
        node_os=_scheduled(maintenance.node_os),
    )


def aks_cluster_props(
    naming: Naming,
    settings: EnvironmentSettings,
    resource_group_name: str,
    log_analytics_workspace_id: str | None,
    depends_on: Sequence[ITerraformDependable],
) -> AksClusterProps:
    cluster, istio, prometheus = settings.cluster, settings.istio, settings.managed_prometheus
    return AksClusterProps(
        name=naming.cluster,
        dns_prefix=naming.dns_prefix,
        location=settings.location,
        resource_group_name=resource_group_name,
        system_pool=node_pool_props(settings.system_pool),
        kubernetes_version=cluster.kubernetes_version,
        oidc_issuer_enabled=cluster.oidc_issuer_enabled,
        workload_identity_enabled=cluster.workload_identity_enabled,
        kaito_enabled=cluster.kaito_enabled,
        local_account_disabled=cluster.local_account_disabled,
        istio=(
            IstioProps(istio.revisions, istio.external_ingress_gateway, istio.internal_ingress_gateway)
            if istio.enabled
            else None
        ),
        metrics=(
            MetricsProps(
                allowlist_value(prometheus.labels_allowed), allowlist_value(prometheus.annotations_allowed)
            )
            if prometheus.enabled
            else None
        ),
        tags=dict(settings.tags),
        log_analytics_workspace_id=log_analytics_workspace_id,
        depends_on=depends_on,
        maintenance=maintenance_props(settings),
        **_hardening(cluster),  # type: ignore[arg-type]
    )
