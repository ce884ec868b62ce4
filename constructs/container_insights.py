"""Container Insights: a Log Analytics workspace, and the data collection rule that fills it.

With managed-identity authentication (msi_auth_for_monitoring_enabled) the cluster's monitoring
agent sends nothing until a Container Insights data collection rule routes its streams to the
workspace and is associated with the cluster. The cluster construct wires `workspace_id` into its
oms_agent block; `collect_from(cluster_id)` then adds the rule's association.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from cdktf_cdktf_provider_azurerm.log_analytics_workspace import LogAnalyticsWorkspace
from cdktf_cdktf_provider_azurerm.monitor_data_collection_rule import (
    MonitorDataCollectionRule,
    MonitorDataCollectionRuleDataFlow,
    MonitorDataCollectionRuleDataSources,
    MonitorDataCollectionRuleDataSourcesExtension,
    MonitorDataCollectionRuleDestinations,
    MonitorDataCollectionRuleDestinationsLogAnalytics,
)
from cdktf_cdktf_provider_azurerm.monitor_data_collection_rule_association import (
    MonitorDataCollectionRuleAssociation,
)

from constructs import Construct


@dataclass(frozen=True)
class ContainerInsightsProps:
    """Where the workspace and rule go, and what the rule collects."""

    name: str
    "Name of the Log Analytics workspace."
    rule_name: str
    "Name of the Container Insights data collection rule."
    location: str
    resource_group_name: str
    retention_in_days: int
    "Days the workspace keeps logs (Azure allows 30-730)."
    streams: Sequence[str]
    "Container Insights streams the rule sends to the workspace (Microsoft-ContainerLogV2, ...)."
    data_collection_settings: Mapping[str, object]
    "The rule's extension settings (\"dataCollectionSettings\": interval, namespace filtering, ...)."
    tags: Mapping[str, str] = field(default_factory=dict)
    # The names of the rule's parts: the defaults are those Microsoft's onboarding uses.
    extension_name: str = "ContainerInsights"
    "The rule's extension."
    data_source_name: str = "ContainerInsightsExtension"
    destination_name: str = "ciworkspace"
    association_name: str = "ContainerInsightsExtension"


class ContainerInsights(Construct):
    """`azurerm_log_analytics_workspace` and the Container Insights `azurerm_monitor_data_collection_rule`."""

    def __init__(self, scope: Construct, id: str, props: ContainerInsightsProps) -> None:
        super().__init__(scope, id)
        self._props = props
        self.workspace = LogAnalyticsWorkspace(
            self,
            "workspace",
            name=props.name,
            location=props.location,
            resource_group_name=props.resource_group_name,
            sku="PerGB2018",
            retention_in_days=props.retention_in_days,
            # Only Entra ID (the add-on's managed identity) may ingest or query.
            local_authentication_enabled=False,
            tags=dict(props.tags),
        )

        streams = list(props.streams)
        self.rule = MonitorDataCollectionRule(
            self,
            "rule",
            name=props.rule_name,
            location=props.location,
            resource_group_name=props.resource_group_name,
            destinations=MonitorDataCollectionRuleDestinations(
                log_analytics=[
                    MonitorDataCollectionRuleDestinationsLogAnalytics(
                        name=props.destination_name, workspace_resource_id=self.workspace.id
                    )
                ]
            ),
            data_flow=[
                MonitorDataCollectionRuleDataFlow(streams=streams, destinations=[props.destination_name])
            ],
            data_sources=MonitorDataCollectionRuleDataSources(
                extension=[
                    MonitorDataCollectionRuleDataSourcesExtension(
                        name=props.data_source_name,
                        extension_name=props.extension_name,
                        streams=streams,
                        extension_json=json.dumps(
                            {"dataCollectionSettings": dict(props.data_collection_settings)}, sort_keys=True
                        ),
                    )
                ]
            ),
            tags=dict(props.tags),
        )
        self.association: MonitorDataCollectionRuleAssociation | None = None

    def collect_from(self, cluster_id: str) -> MonitorDataCollectionRuleAssociation:
        """Associate the rule with a cluster: without it the agent collects nothing."""
        self.association = MonitorDataCollectionRuleAssociation(
            self,
            "association",
            name=self._props.association_name,
            target_resource_id=cluster_id,
            data_collection_rule_id=self.rule.id,
            description="Container Insights: deleting this association stops log collection.",
        )
        return self.association

    @property
    def workspace_id(self) -> str:
        return self.workspace.id
