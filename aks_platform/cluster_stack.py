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
from aks_platform.construct_props import (
    aks_cluster_props,
    cluster_role_assignments_props,
    container_insights_props,
    gateway_api_props,
    managed_prometheus_props,
    preview_features_props,
    resource_providers_props,
    user_pools,
)
from aks_platform.naming import Naming
from aks_platform.protection import Protection
from aks_platform.resource_providers import order_after_registrations, stack_needs
from aks_platform.settings import EnvironmentSettings
from aks_platform.terraform_settings import configure_backend, spell_out_provider_sources
from constructs import Construct
from constructs.agent_pool import AgentPoolNodePool
from constructs.aks_cluster import AksCluster
from constructs.azapi import AzapiProvider
from constructs.container_insights import ContainerInsights
from constructs.gateway_api import ManagedGatewayApi
from constructs.managed_prometheus import ManagedPrometheus
from constructs.preview_features import PreviewFeatures
from constructs.resource_providers import ResourceProviders
from constructs.role_assignments import ClusterRoleAssignments
from constructs.user_node_pool import UserNodePool


class ClusterStack(PinnedStack):
    """`ai-conformant-aks-<environment>`: the AKS cluster, its pools, Gateway API and monitoring.

    It composes constructs with props from aks_platform/construct_props/."""

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
        insights_props = container_insights_props(naming, settings, resource_group.string_value)
        if insights_props is not None:
            insights = ContainerInsights(self, "container-insights", insights_props)

        depends_on = []
        features = None
        features_props = preview_features_props(settings, client.subscription_id)
        if features_props is not None:
            features = PreviewFeatures(self, "preview-features", features_props)
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
        access = cluster_role_assignments_props(settings, self.cluster, client.object_id)
        self.access = ClusterRoleAssignments(self, "cluster-access", access) if access else None
        if self.access is not None and self.access.disk_encryption_set_reader is not None:
            self.cluster.then_operate(self.access.disk_encryption_set_reader)

        # AKS answers a second concurrent operation on one cluster with 409 OperationNotAllowed, so
        # every operation on the cluster waits for the one before it: the cluster construct keeps the
        # chain. Pools azurerm makes come first, then the Gateway API update, then the pools made by
        # the agentPools API (GPU profile): those are the likeliest to be refused (previews, GPU
        # quota), and the Gateway API must not wait on them.
        pools = user_pools(settings)
        self.user_pools: list[UserNodePool | AgentPoolNodePool] = []
        for pool in [pool for pool in pools if pool.agent_pool_api_version is None]:
            self.user_pools.append(self.cluster.add_user_pool(pool.id, pool.props))

        gateway_props = gateway_api_props(settings, self.cluster.id, self.cluster.last_operation)
        if gateway_props is not None:
            gateway = ManagedGatewayApi(self, "gateway-api", gateway_props)
            self.cluster.then_operate(gateway.resource)

        for pool in [pool for pool in pools if pool.agent_pool_api_version is not None]:
            self.user_pools.append(
                self.cluster.add_user_pool(
                    pool.id,
                    pool.props,
                    agent_pool_api_version=pool.agent_pool_api_version,
                    replace_on=pool.replace_on,
                )
            )

        self.prometheus: ManagedPrometheus | None = None
        prometheus_props = managed_prometheus_props(
            naming, settings, resource_group.string_value, self.cluster.id, self.cluster.name
        )
        if prometheus_props is not None:
            self.prometheus = ManagedPrometheus(self, "managed-prometheus", prometheus_props)

        self._protect(settings, insights)
        if settings.resource_providers.enabled:
            # Last, so that it sees every resource: each then waits for the registrations it needs.
            # The preview features re-register Microsoft.ContainerService themselves.
            already = {"Microsoft.ContainerService": features.ready} if features else {}
            needs = stack_needs(self)
            registration = resource_providers_props(settings, client.subscription_id, needs.total, already)
            if registration is not None:
                providers = ResourceProviders(self, "resource-providers", registration)
                order_after_registrations(needs, providers, already)
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
        # No lock on the cluster: its agent pools would inherit it (aks_platform/protection.py).
        lockable = frozenset(targets) - {"cluster"}
        Protection(self, "protection", settings.protection, targets, lockable)

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
