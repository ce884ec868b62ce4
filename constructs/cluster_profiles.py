"""The AKS cluster's profiles and add-ons: their props, and the typed azurerm blocks they become.

Each function returns the provider's own block class (or None, which keeps the block out of the
JSON), so AksCluster passes every argument of azurerm_kubernetes_cluster by keyword and typed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from cdktf_cdktf_provider_azurerm.kubernetes_cluster import (
    KubernetesClusterApiServerAccessProfile,
    KubernetesClusterAzureActiveDirectoryRoleBasedAccessControl,
    KubernetesClusterKeyVaultSecretsProvider,
    KubernetesClusterMonitorMetrics,
    KubernetesClusterNetworkProfile,
    KubernetesClusterOmsAgent,
    KubernetesClusterServiceMeshProfile,
    KubernetesClusterWorkloadAutoscalerProfile,
)


@dataclass(frozen=True)
class IstioProps:
    """The Istio-based service mesh add-on."""

    revisions: Sequence[str]
    'Add-on revisions such as "asm-1-28"; two only while a canary upgrade runs.'
    external_ingress_gateway: bool = False
    internal_ingress_gateway: bool = False


@dataclass(frozen=True)
class MetricsProps:
    """The managed Prometheus metrics add-on (monitor_metrics)."""

    labels_allowed: Sequence[str] = ()
    "Kubernetes label and annotation keys kube-state-metrics may export (comma-joined for Azure)."
    annotations_allowed: Sequence[str] = ()


@dataclass(frozen=True)
class EntraIdRbacProps:
    """Microsoft Entra ID sign-in, with Azure RBAC for Kubernetes authorization when enabled."""

    azure_rbac_enabled: bool = False
    admin_group_object_ids: Sequence[str] = ()
    "Object ids of the Entra ID groups that get cluster admin."
    tenant_id: str | None = None
    "None means the tenant of the deploying identity."


@dataclass(frozen=True)
class NetworkProps:
    """The network profile; None in a field leaves it to AKS."""

    plugin: Literal["azure", "kubenet", "none"]
    plugin_mode: Literal["overlay"] | None = None
    data_plane: Literal["azure", "cilium"] | None = None
    policy: Literal["azure", "calico", "cilium"] | None = None


@dataclass(frozen=True)
class KeyVaultSecretsProviderProps:
    """The Secrets Store CSI driver add-on for Azure Key Vault."""

    secret_rotation_enabled: bool = False
    rotation_interval: str = "2m"
    'Polling interval when rotation is on, a Go duration such as "2m" (AKS default).'


def service_mesh_profile(istio: IstioProps | None) -> KubernetesClusterServiceMeshProfile | None:
    if istio is None:
        return None
    return KubernetesClusterServiceMeshProfile(
        mode="Istio",
        revisions=list(istio.revisions),
        external_ingress_gateway_enabled=istio.external_ingress_gateway,
        internal_ingress_gateway_enabled=istio.internal_ingress_gateway,
    )


def _comma_separated(keys: Sequence[str]) -> str | None:
    return ",".join(keys) if keys else None


def monitor_metrics(metrics: MetricsProps | None) -> KubernetesClusterMonitorMetrics | None:
    if metrics is None:
        return None
    return KubernetesClusterMonitorMetrics(
        labels_allowed=_comma_separated(metrics.labels_allowed),
        annotations_allowed=_comma_separated(metrics.annotations_allowed),
    )


def role_based_access_control(
    rbac: EntraIdRbacProps | None,
) -> KubernetesClusterAzureActiveDirectoryRoleBasedAccessControl | None:
    if rbac is None:
        return None
    return KubernetesClusterAzureActiveDirectoryRoleBasedAccessControl(
        azure_rbac_enabled=rbac.azure_rbac_enabled,
        admin_group_object_ids=list(rbac.admin_group_object_ids) or None,
        tenant_id=rbac.tenant_id,
    )


def network_profile(network: NetworkProps | None) -> KubernetesClusterNetworkProfile | None:
    if network is None:
        return None
    return KubernetesClusterNetworkProfile(
        network_plugin=network.plugin,
        network_plugin_mode=network.plugin_mode,
        network_data_plane=network.data_plane,
        network_policy=network.policy,
    )


def api_server_access_profile(
    authorized_ip_ranges: Sequence[str],
) -> KubernetesClusterApiServerAccessProfile | None:
    if not authorized_ip_ranges:
        return None
    return KubernetesClusterApiServerAccessProfile(authorized_ip_ranges=list(authorized_ip_ranges))


def key_vault_secrets_provider(
    secrets: KeyVaultSecretsProviderProps | None,
) -> KubernetesClusterKeyVaultSecretsProvider | None:
    if secrets is None:
        return None
    return KubernetesClusterKeyVaultSecretsProvider(
        secret_rotation_enabled=secrets.secret_rotation_enabled,
        secret_rotation_interval=secrets.rotation_interval,
    )


def oms_agent(log_analytics_workspace_id: str | None) -> KubernetesClusterOmsAgent | None:
    """Container Insights with managed-identity authentication, into the given workspace."""
    if not log_analytics_workspace_id:
        return None
    return KubernetesClusterOmsAgent(
        log_analytics_workspace_id=log_analytics_workspace_id, msi_auth_for_monitoring_enabled=True
    )


def workload_autoscaler_profile(
    keda: bool, vertical_pod_autoscaler: bool
) -> KubernetesClusterWorkloadAutoscalerProfile | None:
    if not (keda or vertical_pod_autoscaler):
        return None
    return KubernetesClusterWorkloadAutoscalerProfile(
        keda_enabled=keda, vertical_pod_autoscaler_enabled=vertical_pod_autoscaler
    )
