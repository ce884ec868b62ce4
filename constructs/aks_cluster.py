"""The AKS cluster with its system node pool, identity, Istio add-on, KAITO and managed Prometheus metrics.

Exposes what the other constructs and the outputs need as typed attributes (`id`, `name`,
`oidc_issuer_url`, ...), so nothing outside builds a Terraform address by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_azurerm.kubernetes_cluster import (
    KubernetesCluster,
    KubernetesClusterDefaultNodePool,
    KubernetesClusterDefaultNodePoolUpgradeSettings,
    KubernetesClusterIdentity,
)

from constructs import Construct
from constructs.agent_pool import AgentPoolNodePool, AgentPoolProps
from constructs.cluster_profiles import (
    EntraIdRbacProps,
    IstioProps,
    KeyVaultSecretsProviderProps,
    MetricsProps,
    NetworkProps,
    api_server_access_profile,
    key_vault_secrets_provider,
    monitor_metrics,
    network_profile,
    oms_agent,
    role_based_access_control,
    service_mesh_profile,
    workload_autoscaler_profile,
)
from constructs.maintenance import (
    MaintenanceProps,
    maintenance_window,
    maintenance_window_auto_upgrade,
    maintenance_window_node_os,
)
from constructs.node_pool import NodePoolProps, autoscaled_lifecycle, pool_arguments
from constructs.user_node_pool import UserNodePool, UserNodePoolProps, needs_agent_pool_api


@dataclass(frozen=True)
class AksClusterProps:
    """One AKS cluster. Defaults are azurerm's: a feature stays off unless a field turns it on."""

    name: str
    dns_prefix: str
    location: str
    resource_group_name: str
    system_pool: NodePoolProps
    kubernetes_version: str | None = None
    '"1.34" (a minor that AKS keeps patched) or "1.34.2"; None takes AKS\'s default version.'
    oidc_issuer_enabled: bool = False
    workload_identity_enabled: bool = False
    "Workload identity; needs the OIDC issuer."
    kaito_enabled: bool = False
    "KAITO, the AI toolchain operator add-on; needs the OIDC issuer."
    local_account_disabled: bool = False
    istio: IstioProps | None = None
    metrics: MetricsProps | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    log_analytics_workspace_id: str | None = None
    "Log Analytics workspace for Container Insights (oms_agent); None leaves the add-on off."
    depends_on: Sequence[ITerraformDependable] = field(default_factory=tuple)
    # Security and operations; each stays out of the JSON until set.
    sku_tier: Literal["Free", "Standard", "Premium"] | None = None
    "The cluster's pricing tier; None leaves AKS's default (Free)."
    support_plan: Literal["KubernetesOfficial", "AKSLongTermSupport"] | None = None
    cost_analysis_enabled: bool = False
    automatic_upgrade_channel: Literal["patch", "rapid", "stable", "node-image"] | None = None
    node_os_upgrade_channel: Literal["None", "Unmanaged", "SecurityPatch", "NodeImage"] | None = None
    azure_policy_enabled: bool = False
    private_cluster_enabled: bool = False
    disk_encryption_set_id: str | None = None
    image_cleaner_interval_hours: int | None = None
    "Image cleaner interval in hours (24-2160); None leaves the image cleaner off."
    entra_id_rbac: EntraIdRbacProps | None = None
    network: NetworkProps | None = None
    api_server_authorized_ip_ranges: Sequence[str] = ()
    key_vault_secrets_provider: KeyVaultSecretsProviderProps | None = None
    keda: bool = False
    vertical_pod_autoscaler: bool = False
    maintenance: MaintenanceProps | None = None
    "Planned maintenance windows (constructs/maintenance.py); None: upgrades at any time."


class AksCluster(Construct):
    """`azurerm_kubernetes_cluster` configured for AI workloads."""

    def __init__(self, scope: Construct, id: str, props: AksClusterProps) -> None:
        super().__init__(scope, id)
        self._props = props
        pool = props.system_pool
        tags = {**props.tags, **pool.tags}

        shared = pool_arguments(pool)
        self.resource = KubernetesCluster(
            self,
            "cluster",
            name=props.name,
            location=props.location,
            resource_group_name=props.resource_group_name,
            dns_prefix=props.dns_prefix,
            kubernetes_version=props.kubernetes_version,
            identity=KubernetesClusterIdentity(type="SystemAssigned"),
            oidc_issuer_enabled=props.oidc_issuer_enabled,
            workload_identity_enabled=props.workload_identity_enabled,
            ai_toolchain_operator_enabled=props.kaito_enabled,
            local_account_disabled=props.local_account_disabled,
            default_node_pool=KubernetesClusterDefaultNodePool(
                name=pool.name,
                temporary_name_for_rotation=pool.temporary_name_for_rotation,
                vm_size=pool.vm_size,
                type="VirtualMachineScaleSets",
                only_critical_addons_enabled=pool.only_critical_addons,
                orchestrator_version=props.kubernetes_version,
                upgrade_settings=(
                    KubernetesClusterDefaultNodePoolUpgradeSettings(
                        max_surge=pool.upgrade.max_surge,
                        drain_timeout_in_minutes=pool.upgrade.drain_timeout_in_minutes,
                        node_soak_duration_in_minutes=pool.upgrade.node_soak_duration_in_minutes,
                    )
                    if pool.upgrade
                    else None
                ),
                tags=tags,
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
            ),
            service_mesh_profile=service_mesh_profile(props.istio),
            monitor_metrics=monitor_metrics(props.metrics),
            tags=dict(props.tags),
            depends_on=list(props.depends_on) or None,
            lifecycle=autoscaled_lifecycle("default_node_pool[0].node_count", pool),
            # Hardening and operations: each stays out of the JSON until a field asks for it.
            sku_tier=props.sku_tier,
            support_plan=props.support_plan,
            cost_analysis_enabled=props.cost_analysis_enabled or None,
            automatic_upgrade_channel=props.automatic_upgrade_channel,
            node_os_upgrade_channel=props.node_os_upgrade_channel,
            azure_policy_enabled=props.azure_policy_enabled or None,
            private_cluster_enabled=props.private_cluster_enabled or None,
            disk_encryption_set_id=props.disk_encryption_set_id,
            image_cleaner_enabled=props.image_cleaner_interval_hours is not None or None,
            image_cleaner_interval_hours=props.image_cleaner_interval_hours,
            azure_active_directory_role_based_access_control=role_based_access_control(props.entra_id_rbac),
            network_profile=network_profile(props.network),
            api_server_access_profile=api_server_access_profile(props.api_server_authorized_ip_ranges),
            key_vault_secrets_provider=key_vault_secrets_provider(props.key_vault_secrets_provider),
            oms_agent=oms_agent(props.log_analytics_workspace_id),
            workload_autoscaler_profile=workload_autoscaler_profile(
                props.keda, props.vertical_pod_autoscaler
            ),
            maintenance_window=maintenance_window(props.maintenance),
            maintenance_window_auto_upgrade=maintenance_window_auto_upgrade(props.maintenance),
            maintenance_window_node_os=maintenance_window_node_os(props.maintenance),
        )
        # AKS runs one operation on a cluster at a time (a second gets 409 OperationNotAllowed):
        # each later operation waits for this one (add_user_pool, then_operate).
        self.last_operation: ITerraformDependable = self.resource

    def add_user_pool(
        self,
        id: str,
        pool: NodePoolProps,
        *,
        tags: Mapping[str, str] | None = None,
        agent_pool_api_version: str | None = None,
        replace_on: Sequence[str] = (),
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> UserNodePool | AgentPoolNodePool:
        """A user pool of this cluster, made inside this construct (so two clusters in one stack may
        each have a pool `id`) and ordered after the cluster's last operation. Tags default to the
        cluster's.

        A pool that sets gpuProfile.nvidia is an AgentPoolNodePool (one azapi agentPools resource at
        `agent_pool_api_version`, replaced when a `replace_on` path changes); any other pool is a
        UserNodePool (azurerm). See AgentPoolProps and UserNodePoolProps."""
        pool_tags = dict(self._props.tags if tags is None else tags)
        after = [self.last_operation, *depends_on]
        user_pool: UserNodePool | AgentPoolNodePool
        if needs_agent_pool_api(pool):
            if agent_pool_api_version is None:
                raise ValueError(f"pool {pool.name}: gpuProfile.nvidia needs agent_pool_api_version")
            user_pool = AgentPoolNodePool(
                self,
                id,
                AgentPoolProps(
                    cluster_id=self.id,
                    pool=pool,
                    api_version=agent_pool_api_version,
                    tags=pool_tags,
                    depends_on=after,
                    replace_on=tuple(replace_on),
                ),
            )
        else:
            user_pool = UserNodePool(
                self,
                id,
                UserNodePoolProps(cluster_id=self.id, pool=pool, tags=pool_tags, depends_on=after),
            )
        self.last_operation = user_pool.last_operation
        return user_pool

    def then_operate(self, operation: ITerraformDependable) -> None:
        """Record an operation on the cluster made elsewhere (such as an azapi update), so that
        the next one waits for it."""
        self.last_operation = operation

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

    @property
    def kubelet_identity_object_id(self) -> str:
        """Object id of the nodes' managed identity (what pulls images, reads Key Vault)."""
        return self.resource.kubelet_identity.get(0).object_id

    @property
    def principal_id(self) -> str:
        """Principal id of the control plane's system-assigned identity."""
        return self.resource.identity.principal_id

    @property
    def api_host(self) -> str:
        """The API server's URL, from the cluster's kube_config."""
        return self.resource.kube_config.get(0).host

    @property
    def cluster_ca_certificate(self) -> str:
        """The API server's CA certificate, base64-encoded PEM."""
        return self.resource.kube_config.get(0).cluster_ca_certificate

    @property
    def client_certificate(self) -> str:
        """Local admin client certificate (base64 PEM); empty when local accounts are off."""
        return self.resource.kube_config.get(0).client_certificate

    @property
    def client_key(self) -> str:
        """Local admin client key (base64 PEM); empty when local accounts are off."""
        return self.resource.kube_config.get(0).client_key
