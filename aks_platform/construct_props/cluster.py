"""Settings -> props for the cluster stack: the cluster, its pools, monitoring, previews, Gateway API.

Where a settings model and a props dataclass share fields, a FieldMap (fields.py) copies them by
name and names the fields that differ; a field added to one side only fails.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

from cdktf import ITerraformDependable

from aks_platform.azure_facts import container_insights_streams, load_container_insights
from aks_platform.cluster_roles import deploy_roles, needs_cluster_admin
from aks_platform.construct_props.fields import FieldMap
from aks_platform.immutable_fields import immutable_paths
from aks_platform.metrics_allowlist import allowlist_value
from aks_platform.naming import Naming
from aks_platform.recording_rules import UX_GROUP, load_recording_rule_groups
from aks_platform.resource_providers import Needs
from aks_platform.settings import (
    ClusterSettings,
    EntraIdRbacSettings,
    EnvironmentSettings,
    IstioSettings,
    KeyVaultSecretsProviderSettings,
    ManagedPrometheusSettings,
    NetworkSettings,
    NodePoolSettings,
    UpgradeSettings,
)
from aks_platform.settings.gpus import agent_pool_api_version, nvidia_properties
from aks_platform.settings.production import DefaultWindowSettings, ScheduledWindowSettings
from aks_platform.versions import load_table
from constructs.aks_cluster import (
    AksCluster,
    AksClusterProps,
    EntraIdRbacProps,
    IstioProps,
    KeyVaultSecretsProviderProps,
    MetricsProps,
    NetworkProps,
)
from constructs.container_insights import ContainerInsightsProps
from constructs.gateway_api import ManagedGatewayApiProps
from constructs.maintenance import DefaultWindowProps, MaintenanceProps, ScheduledWindowProps
from constructs.managed_prometheus import ManagedPrometheusProps, PrometheusRecordingRule, PrometheusRuleGroup
from constructs.node_pool import NodePoolProps, UpgradeProps
from constructs.preview_features import PreviewFeaturesProps
from constructs.resource_providers import ResourceProvidersProps
from constructs.role_assignments import ClusterRoleAssignmentsProps

# Settings -> props pairs copied by field name. `computed`: props fields this module gives
# itself; `settings_only`: settings fields that reach no props field of the pair.
NODE_POOL = FieldMap(
    NodePoolSettings,
    NodePoolProps,
    # The rotation name is derived when unset; upgrade is a nested model.
    computed=frozenset({"temporary_name_for_rotation", "upgrade"}),
)
UPGRADE = FieldMap(UpgradeSettings, UpgradeProps)
# The deployer's object id reaches the role assignments (cluster_role_assignments_props), not the cluster.
ENTRA_ID_RBAC = FieldMap(
    EntraIdRbacSettings, EntraIdRbacProps, settings_only=frozenset({"deployer_object_id"})
)
NETWORK = FieldMap(NetworkSettings, NetworkProps)
KEY_VAULT_SECRETS_PROVIDER = FieldMap(KeyVaultSecretsProviderSettings, KeyVaultSecretsProviderProps)
ISTIO = FieldMap(IstioSettings, IstioProps, settings_only=frozenset({"enabled"}))
# The allowlists are tables per resource in the settings, kube-state-metrics' strings in the props.
METRICS = FieldMap(
    ManagedPrometheusSettings,
    MetricsProps,
    computed=frozenset({"labels_allowed", "annotations_allowed"}),
    settings_only=frozenset({"enabled", "ux_recording_rules"}),
)
SCHEDULED_WINDOW = FieldMap(ScheduledWindowSettings, ScheduledWindowProps)
DEFAULT_WINDOW = FieldMap(DefaultWindowSettings, DefaultWindowProps)
CLUSTER = FieldMap(
    ClusterSettings,
    AksClusterProps,
    # From other sections, naming and other constructs; nested models; the image cleaner's switch
    # folded into its interval; the workload autoscaler's two fields.
    computed=frozenset(
        {
            *("name", "dns_prefix", "location", "resource_group_name", "system_pool", "istio", "metrics"),
            *("tags", "log_analytics_workspace_id", "depends_on", "maintenance", "entra_id_rbac"),
            *("network", "key_vault_secrets_provider", "image_cleaner_interval_hours", "keda"),
            "vertical_pod_autoscaler",
        }
    ),
    settings_only=frozenset({"image_cleaner_enabled", "workload_autoscaler"}),
)


def node_pool_props(pool: NodePoolSettings) -> NodePoolProps:
    return NODE_POOL.build(
        pool, temporary_name_for_rotation=pool.rotation_name, upgrade=UPGRADE.build(pool.upgrade)
    )


def _scheduled(window: ScheduledWindowSettings | None) -> ScheduledWindowProps | None:
    return SCHEDULED_WINDOW.build(window) if window else None


def maintenance_props(settings: EnvironmentSettings) -> MaintenanceProps | None:
    maintenance = settings.maintenance
    if maintenance.default is None and maintenance.auto_upgrade is None and maintenance.node_os is None:
        return None
    return MaintenanceProps(
        default=DEFAULT_WINDOW.build(maintenance.default) if maintenance.default else None,
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
    rbac, network, secrets = cluster.entra_id_rbac, cluster.network, cluster.key_vault_secrets_provider
    return CLUSTER.build(
        cluster,
        name=naming.cluster,
        dns_prefix=naming.dns_prefix,
        location=settings.location,
        resource_group_name=resource_group_name,
        system_pool=node_pool_props(settings.system_pool),
        istio=ISTIO.build(istio) if istio.enabled else None,
        metrics=(
            METRICS.build(
                prometheus,
                labels_allowed=allowlist_value(prometheus.labels_allowed),
                annotations_allowed=allowlist_value(prometheus.annotations_allowed),
            )
            if prometheus.enabled
            else None
        ),
        tags=dict(settings.tags),
        log_analytics_workspace_id=log_analytics_workspace_id,
        depends_on=depends_on,
        maintenance=maintenance_props(settings),
        entra_id_rbac=ENTRA_ID_RBAC.build(rbac) if rbac else None,
        network=NETWORK.build(network) if network else None,
        key_vault_secrets_provider=KEY_VAULT_SECRETS_PROVIDER.build(secrets) if secrets else None,
        image_cleaner_interval_hours=(
            cluster.image_cleaner_interval_hours if cluster.image_cleaner_enabled else None
        ),
        keda=cluster.workload_autoscaler.keda,
        vertical_pod_autoscaler=cluster.workload_autoscaler.vertical_pod_autoscaler,
    )


@dataclass(frozen=True)
class UserPool:
    """One user pool as AksCluster.add_user_pool takes it."""

    id: str
    props: NodePoolProps
    agent_pool_api_version: str | None = None
    "Set for a pool with gpuProfile.nvidia (an AgentPoolNodePool): the agentPools API version."
    replace_on: tuple[str, ...] = ()


def user_pools(settings: EnvironmentSettings) -> list[UserPool]:
    """Every user pool, in the settings' order; a pool that sets gpuProfile.nvidia gets the newest
    adopted agentPools API version azapi knows with those fields, and the fields AKS fixes at
    creation as replace triggers."""
    table = load_table()
    found = []
    for pool in settings.user_pools:
        properties = nvidia_properties(pool)
        if not properties:
            found.append(UserPool(f"pool-{pool.name}", node_pool_props(pool)))
            continue
        api = agent_pool_api_version(table, *properties)
        assert api is not None, "validated settings name an agentPools API version azapi knows"
        found.append(UserPool(f"pool-{pool.name}", node_pool_props(pool), api.name, immutable_paths()))
    return found


def container_insights_props(
    naming: Naming, settings: EnvironmentSettings, resource_group_name: str
) -> ContainerInsightsProps | None:
    if not settings.container_insights.enabled:
        return None
    collection = load_container_insights()
    return ContainerInsightsProps(
        name=naming.log_analytics_workspace,
        rule_name=naming.container_insights_rule,
        location=settings.location,
        resource_group_name=resource_group_name,
        retention_in_days=settings.container_insights.retention_in_days,
        streams=container_insights_streams(settings.managed_prometheus.enabled),
        data_collection_settings=collection["data_collection_settings"],
        tags=settings.tags,
        extension_name=collection["extension_name"],
        data_source_name=collection["data_source_name"],
        destination_name=collection["destination_name"],
        association_name=collection["association_name"],
    )


def preview_features_props(
    settings: EnvironmentSettings, subscription_id: str
) -> PreviewFeaturesProps | None:
    if not settings.preview_features.names:
        return None
    return PreviewFeaturesProps(
        subscription_id=subscription_id,
        features=settings.preview_features.names,
        wait=settings.preview_features.wait,
    )


def gateway_api_props(
    settings: EnvironmentSettings, cluster_id: str, after: ITerraformDependable
) -> ManagedGatewayApiProps | None:
    if not settings.gateway_api.enabled:
        return None
    return ManagedGatewayApiProps(
        cluster_id=cluster_id, api_version=settings.gateway_api.api_version, depends_on=[after]
    )


def managed_prometheus_props(
    naming: Naming,
    settings: EnvironmentSettings,
    resource_group_name: str,
    cluster_id: str,
    cluster_name: str,
) -> ManagedPrometheusProps | None:
    if not settings.managed_prometheus.enabled:
        return None
    return ManagedPrometheusProps(
        workspace_name=naming.monitor_workspace,
        endpoint_name=naming.data_collection_endpoint,
        rule_name=naming.data_collection_rule,
        rule_association_name=naming.data_collection_rule_association,
        location=settings.location,
        resource_group_name=resource_group_name,
        cluster_id=cluster_id,
        cluster_name=cluster_name,
        rule_groups=[
            PrometheusRuleGroup(
                id=group.name,
                name=group.resource_name(naming.cluster),
                description=group.description,
                interval=group.iso8601_interval,
                rules=[
                    PrometheusRecordingRule(rule.record, rule.expr, dict(rule.labels)) for rule in group.rules
                ],
            )
            for group in load_recording_rule_groups()
            if settings.managed_prometheus.ux_recording_rules or group.name != UX_GROUP
        ],
        tags=settings.tags,
    )


def cluster_role_assignments_props(
    settings: EnvironmentSettings, cluster: AksCluster, client_object_id: str
) -> ClusterRoleAssignmentsProps | None:
    """Reader on the disk encryption set for the cluster's identity, and the Kubernetes API role for
    the deploying identity (`cluster.entra_id_rbac.deployer_object_id`, else the one running
    Terraform), as aks_platform/cluster_roles.py decides; None when the settings need neither."""
    des = settings.cluster.disk_encryption_set_id
    admin = needs_cluster_admin(settings)
    if not (des or admin):
        return None
    roles = deploy_roles()
    rbac = settings.cluster.entra_id_rbac
    deployer = (rbac.deployer_object_id if rbac else None) or client_object_id
    return ClusterRoleAssignmentsProps(
        cluster_id=cluster.id,
        cluster_principal_id=cluster.principal_id,
        disk_encryption_set_id=des,
        disk_encryption_set_role=roles["cluster_identity"]["disk_encryption_set"]["role"],
        deployer_principal_id=deployer if admin else None,
        deployer_role=roles["deployer"]["kubernetes_api"]["role"],
        propagation_seconds=roles["deployer"]["kubernetes_api"]["propagation_seconds"],
        # Explicit as well as through the principal id: the chain of cluster operations
        # (tests/test_deployability.py) follows depends_on.
        depends_on=(cluster.resource,),
    )


def resource_providers_props(
    settings: EnvironmentSettings, subscription_id: str, needs: Needs, already: Collection[str]
) -> ResourceProvidersProps | None:
    """Registration of the providers and features the stack's resources need (aks_platform/
    resource_providers.py), but those in `already`, which something else registers; None when
    registration is off or nothing is needed."""
    if not settings.resource_providers.enabled or not needs.providers:
        return None
    return ResourceProvidersProps(
        subscription_id=subscription_id,
        providers=sorted(needs.providers - set(already)),
        features=sorted(needs.features),
        wait=settings.preview_features.wait,
    )
