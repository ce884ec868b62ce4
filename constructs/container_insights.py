"""Container Insights: a Log Analytics workspace for the cluster's monitoring add-on (oms_agent).

The cluster's add-on authenticates with its managed identity (no workspace keys); the cluster
construct wires `workspace_id` into its oms_agent block.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_azurerm.log_analytics_workspace import LogAnalyticsWorkspace

from constructs import Construct


@dataclass(frozen=True)
class ContainerInsightsProps:
    name: str
    location: str
    resource_group_name: str
    retention_in_days: int
    tags: dict[str, str]


class ContainerInsights(Construct):
    """`azurerm_log_analytics_workspace` that receives the cluster's container logs."""

    def __init__(self, scope: Construct, id: str, props: ContainerInsightsProps) -> None:
        super().__init__(scope, id)
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
            tags=props.tags,
        )
        self.workspace.override_logical_id("log_analytics_workspace")

    @property
    def workspace_id(self) -> str:
        return self.workspace.id
