"""Azure Monitor managed Prometheus for one cluster.

The monitor workspace stores the metrics; a data collection endpoint and rule carry them from
the cluster's metrics add-on to the workspace; two associations bind rule and endpoint to the
cluster; recording rule groups from data/recording-rules.yaml precompute the dashboards' series.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_azurerm.monitor_alert_prometheus_rule_group import (
    MonitorAlertPrometheusRuleGroup,
    MonitorAlertPrometheusRuleGroupRule,
)
from cdktf_cdktf_provider_azurerm.monitor_data_collection_endpoint import (
    MonitorDataCollectionEndpoint,
)
from cdktf_cdktf_provider_azurerm.monitor_data_collection_rule import (
    MonitorDataCollectionRule,
    MonitorDataCollectionRuleDataFlow,
    MonitorDataCollectionRuleDataSources,
    MonitorDataCollectionRuleDataSourcesPrometheusForwarder,
    MonitorDataCollectionRuleDestinations,
    MonitorDataCollectionRuleDestinationsMonitorAccount,
)
from cdktf_cdktf_provider_azurerm.monitor_data_collection_rule_association import (
    MonitorDataCollectionRuleAssociation,
)
from cdktf_cdktf_provider_azurerm.monitor_workspace import MonitorWorkspace

from aks_platform.naming import Naming, snake_case
from aks_platform.recording_rules import RecordingRuleGroup
from constructs import Construct

PROMETHEUS_STREAM = "Microsoft-PrometheusMetrics"
PROMETHEUS_DATA_SOURCE = "PrometheusDataSource"
# Azure accepts an endpoint association on a cluster only under this exact name.
ENDPOINT_ASSOCIATION_NAME = "configurationAccessEndpoint"


@dataclass(frozen=True)
class ManagedPrometheusProps:
    naming: Naming
    location: str
    resource_group_name: str
    cluster_id: str
    cluster_name: str
    rule_groups: tuple[RecordingRuleGroup, ...]
    tags: dict[str, str]


class ManagedPrometheus(Construct):
    """Workspace, collection endpoint and rule, their associations, and the recording rules."""

    def __init__(self, scope: Construct, id: str, props: ManagedPrometheusProps) -> None:
        super().__init__(scope, id)
        naming = props.naming
        placement = {
            "location": props.location,
            "resource_group_name": props.resource_group_name,
            "tags": props.tags,
        }

        self.workspace = MonitorWorkspace(self, "workspace", name=naming.monitor_workspace, **placement)
        self.workspace.override_logical_id("monitor_workspace")

        self.endpoint = MonitorDataCollectionEndpoint(
            self, "endpoint", name=naming.data_collection_endpoint, kind="Linux", **placement
        )
        self.endpoint.override_logical_id("data_collection_endpoint")

        self.rule = MonitorDataCollectionRule(
            self,
            "rule",
            name=naming.data_collection_rule,
            data_collection_endpoint_id=self.endpoint.id,
            data_sources=MonitorDataCollectionRuleDataSources(
                prometheus_forwarder=[
                    MonitorDataCollectionRuleDataSourcesPrometheusForwarder(
                        name=PROMETHEUS_DATA_SOURCE, streams=[PROMETHEUS_STREAM]
                    )
                ]
            ),
            destinations=MonitorDataCollectionRuleDestinations(
                monitor_account=[
                    MonitorDataCollectionRuleDestinationsMonitorAccount(
                        monitor_account_id=self.workspace.id, name=naming.monitor_workspace
                    )
                ]
            ),
            data_flow=[
                MonitorDataCollectionRuleDataFlow(
                    streams=[PROMETHEUS_STREAM], destinations=[naming.monitor_workspace]
                )
            ],
            **placement,
        )
        self.rule.override_logical_id("data_collection_rule")

        rule_association = MonitorDataCollectionRuleAssociation(
            self,
            "rule-association",
            name=naming.data_collection_rule_association,
            target_resource_id=props.cluster_id,
            data_collection_rule_id=self.rule.id,
        )
        rule_association.override_logical_id("data_collection_rule_association")

        endpoint_association = MonitorDataCollectionRuleAssociation(
            self,
            "endpoint-association",
            name=ENDPOINT_ASSOCIATION_NAME,
            target_resource_id=props.cluster_id,
            data_collection_endpoint_id=self.endpoint.id,
        )
        endpoint_association.override_logical_id("data_collection_endpoint_association")

        self.rule_groups = [self._rule_group(group, props) for group in props.rule_groups]

    def _rule_group(
        self, group: RecordingRuleGroup, props: ManagedPrometheusProps
    ) -> MonitorAlertPrometheusRuleGroup:
        resource = MonitorAlertPrometheusRuleGroup(
            self,
            group.name,
            name=props.naming.rule_group(group.name),
            description=group.description,
            location=props.location,
            resource_group_name=props.resource_group_name,
            cluster_name=props.cluster_name,
            rule_group_enabled=True,
            interval=group.iso8601_interval,
            scopes=[self.workspace.id, props.cluster_id],
            rule=[
                MonitorAlertPrometheusRuleGroupRule(
                    enabled=True,
                    record=rule.record,
                    expression=rule.expr,
                    labels=dict(rule.labels) or None,
                )
                for rule in group.rules
            ],
            tags=props.tags,
        )
        resource.override_logical_id(snake_case(group.name))
        return resource

    @property
    def workspace_id(self) -> str:
        return self.workspace.id

    @property
    def query_endpoint(self) -> str:
        return self.workspace.query_endpoint
