"""The cluster stack: one AI-conformant AKS cluster and everything Azure-side it needs.

It composes the constructs in constructs/ and passes references between them; the settings of
one environment decide every value.
"""

from __future__ import annotations

from cdktf import TerraformOutput, TerraformVariable
from cdktf_cdktf_provider_azurerm.data_azurerm_client_config import DataAzurermClientConfig
from cdktf_cdktf_provider_azurerm.provider import AzurermProvider, AzurermProviderFeatures
from cdktf_cdktf_provider_time.provider import TimeProvider

from aks_platform.addresses import PinnedStack
from aks_platform.azure_facts import container_insights_streams, load_container_insights
from aks_platform.cluster_roles import assign_cluster_roles
from aks_platform.construct_props import aks_cluster_props, node_pool_props
from aks_platform.gpu_rules import agent_pool_api_version, nvidia_properties
from aks_platform.immutable_fields import immutable_paths
from aks_platform.naming import Naming
from aks_platform.protection import Protection
from aks_platform.recording_rules import UX_GROUP, load_recording_rule_groups
from aks_platform.resource_providers import register_needs
from aks_platform.settings import EnvironmentSettings
from aks_platform.terraform_settings import configure_backend, spell_out_provider_sources
from aks_platform.versions import load_table
from constructs import Construct
from constructs.agent_pool import AgentPoolNodePool
from constructs.aks_cluster import AksCluster
from constructs.azapi import AzapiProvider
from constructs.container_insights import ContainerInsights, ContainerInsightsProps
from constructs.gateway_api import ManagedGatewayApi, ManagedGatewayApiProps
from constructs.managed_prometheus import (
    ManagedPrometheus,
    ManagedPrometheusProps,
    PrometheusRecordingRule,
    PrometheusRuleGroup,
)
from constructs.preview_features import PreviewFeatures, PreviewFeaturesProps
from constructs.user_node_pool import UserNodePool


class ClusterStack(PinnedStack):
    """`ai-conformant-aks-<environment>`: the AKS cluster, its pools, Gateway API and monitoring."""

    def __init__(self, scope: Construct, naming: Naming, settings: EnvironmentSettings) -> None:
        super().__init__(scope, naming.stack, "cluster")
        configure_backend(self, settings.backend, naming, naming.stack)

        # Subscriptions here register resource providers out of band; azurerm must not try.
        AzurermProvider(
            self,
            "azurerm",
            features=[AzurermProviderFeatures()],
            resource_provider_registrations="none",
        )
        AzapiProvider(self, "azapi")
        TimeProvider(self, "time")
        spell_out_provider_sources(self, "azurerm", "time")

        resource_group = TerraformVariable(
            self,
            "resource_group_name",
            type="string",
            description="Existing resource group that holds the cluster and its monitoring.",
        )
        client = DataAzurermClientConfig(self, "current")
        client.override_logical_id("current")

        insights = None
        if settings.container_insights.enabled:
            collection = load_container_insights()
            insights = ContainerInsights(
                self,
                "container-insights",
                ContainerInsightsProps(
                    name=naming.log_analytics_workspace,
                    rule_name=naming.container_insights_rule,
                    location=settings.location,
                    resource_group_name=resource_group.string_value,
                    retention_in_days=settings.container_insights.retention_in_days,
                    streams=container_insights_streams(settings.managed_prometheus.enabled),
                    data_collection_settings=collection["data_collection_settings"],
                    tags=settings.tags,
                    extension_name=collection["extension_name"],
                    data_source_name=collection["data_source_name"],
                    destination_name=collection["destination_name"],
                    association_name=collection["association_name"],
                ),
            )

        depends_on = []
        features = None
        if settings.preview_features.names:
            features = PreviewFeatures(
                self,
                "preview-features",
                PreviewFeaturesProps(
                    subscription_id=client.subscription_id,
                    features=settings.preview_features.names,
                    wait=settings.preview_features.wait,
                ),
            )
            depends_on.append(features.ready)

        self.cluster = AksCluster(
            self,
            "cluster",
            aks_cluster_props(
                naming,
                settings,
                resource_group_name=resource_group.string_value,
                log_analytics_workspace_id=insights.workspace_id if insights else None,
                depends_on=depends_on,
            ),
        )

        if insights is not None:
            insights.collect_from(self.cluster.id)

        # Reader on the disk encryption set and the deployer's role (aks_platform/cluster_roles.py);
        # the pools, the next operations, wait for the cluster identity's role.
        self.access = assign_cluster_roles(self, self.cluster, settings, client)
        if self.access is not None and self.access.disk_encryption_set_reader is not None:
            self.cluster.then_operate(self.access.disk_encryption_set_reader)

        # AKS answers a second concurrent operation on one cluster with 409 OperationNotAllowed, so
        # every operation on the cluster waits for the one before it: the cluster construct keeps the
        # chain. Pools azurerm makes come first, then the Gateway API update, then the pools made by
        # the agentPools API (GPU profile): those are the likeliest to be refused (previews, GPU
        # quota), and the Gateway API must not wait on them.
        table = load_table()
        pools = [(pool, nvidia_properties(pool)) for pool in settings.user_pools]
        self.user_pools: list[UserNodePool | AgentPoolNodePool] = []
        for pool, _ in [(pool, found) for pool, found in pools if not found]:
            self.user_pools.append(self.cluster.add_user_pool(f"pool-{pool.name}", node_pool_props(pool)))

        if settings.gateway_api.enabled:
            gateway = ManagedGatewayApi(
                self,
                "gateway-api",
                ManagedGatewayApiProps(
                    cluster_id=self.cluster.id,
                    api_version=settings.gateway_api.api_version,
                    depends_on=[self.cluster.last_operation],
                ),
            )
            self.cluster.then_operate(gateway.resource)

        for pool, properties in [(pool, found) for pool, found in pools if found]:
            api = agent_pool_api_version(table, *properties)
            assert api is not None, "validated settings name an agentPools API version azapi knows"
            self.user_pools.append(
                self.cluster.add_user_pool(
                    f"pool-{pool.name}",
                    node_pool_props(pool),
                    agent_pool_api_version=api.name,
                    replace_on=immutable_paths(),
                )
            )

        self.prometheus: ManagedPrometheus | None = None
        if settings.managed_prometheus.enabled:
            self.prometheus = ManagedPrometheus(
                self,
                "managed-prometheus",
                ManagedPrometheusProps(
                    workspace_name=naming.monitor_workspace,
                    endpoint_name=naming.data_collection_endpoint,
                    rule_name=naming.data_collection_rule,
                    rule_association_name=naming.data_collection_rule_association,
                    location=settings.location,
                    resource_group_name=resource_group.string_value,
                    cluster_id=self.cluster.id,
                    cluster_name=self.cluster.name,
                    rule_groups=[
                        PrometheusRuleGroup(
                            id=group.name,
                            name=group.resource_name(naming.cluster),
                            description=group.description,
                            interval=group.iso8601_interval,
                            rules=[
                                PrometheusRecordingRule(rule.record, rule.expr, dict(rule.labels))
                                for rule in group.rules
                            ],
                        )
                        for group in load_recording_rule_groups()
                        if settings.managed_prometheus.ux_recording_rules or group.name != UX_GROUP
                    ],
                    tags=settings.tags,
                ),
            )

        self._protect(settings, insights)
        if settings.resource_providers.enabled:
            # Last, so that it sees every resource: each then waits for the registrations it needs.
            register_needs(
                self,
                "resource-providers",
                client.subscription_id,
                already={"Microsoft.ContainerService": features.ready} if features else {},
                wait=settings.preview_features.wait,
            )
        self._outputs()
        self.pin_check()

    @property
    def access_ready(self) -> str | None:
        """The id of the wait after the role assignments (a cross-stack output), if there are any."""
        if self.access is None or self.access.propagated is None:
            return None
        return self.access.propagated.id

    def _protect(self, settings: EnvironmentSettings, insights: ContainerInsights | None) -> None:
        """The cluster and the workspaces that hold its data (aks_platform/protection.py)."""
        targets = {"cluster": self.cluster.resource}
        if self.prometheus is not None:
            targets["monitor-workspace"] = self.prometheus.workspace
        if insights is not None:
            targets["log-analytics-workspace"] = insights.workspace
        Protection(self, "protection", settings.protection, targets)

    def _outputs(self) -> None:
        outputs = {
            "cluster_name": (self.cluster.name, "Name of the AKS cluster."),
            "cluster_id": (self.cluster.id, "Azure resource id of the AKS cluster."),
            "oidc_issuer_url": (
                self.cluster.oidc_issuer_url,
                "OIDC issuer URL, for workload identity federated credentials.",
            ),
            "node_resource_group": (
                self.cluster.node_resource_group,
                "Resource group AKS manages for the cluster's nodes.",
            ),
        }
        if self.prometheus is not None:
            outputs["monitor_workspace_id"] = (
                self.prometheus.workspace_id,
                "Azure Monitor workspace that stores the cluster's Prometheus metrics.",
            )
            outputs["monitor_workspace_query_endpoint"] = (
                self.prometheus.query_endpoint,
                "PromQL query endpoint of the monitor workspace (for Grafana).",
            )
        for name, (value, description) in outputs.items():
            TerraformOutput(self, name, value=value, description=description)
