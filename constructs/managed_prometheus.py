"""Azure Monitor managed Prometheus for one cluster.

The monitor workspace stores the metrics; a data collection endpoint and rule carry them from
the cluster's metrics add-on to the workspace; two associations bind rule and endpoint to the
cluster; recording rule groups from data/recording-rules.yaml precompute the dashboards' series.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

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

from constructs import Construct

PROMETHEUS_STREAM = "Microsoft-PrometheusMetrics"
PROMETHEUS_DATA_SOURCE = "PrometheusDataSource"
# Azure accepts an endpoint association on a cluster only under this exact name.
ENDPOINT_ASSOCIATION_NAME = "configurationAccessEndpoint"


@dataclass(frozen=True)
class PrometheusRecordingRule:
    """One recording rule: the series `record` holds the result of PromQL `expression`."""

    record: str
    expression: str
    labels: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class PrometheusRuleGroup:
    """One `azurerm_monitor_alert_prometheus_rule_group` of recording rules."""

    id: str
    "Construct id of the group's resource: unique within the construct."
    name: str
    "Azure resource name (1-260 characters)."
    description: str
    interval: str
    "How often the rules are evaluated, as an ISO 8601 duration between PT1M and PT15M."
    rules: Sequence[PrometheusRecordingRule]


@dataclass(frozen=True)
class ManagedPrometheusProps:
    """Names and placement of the workspace, its collection path, and the rule groups to create."""

    workspace_name: str
    "Azure Monitor workspace (4-44 characters); also names the rule's destination."
    endpoint_name: str
    "Data collection endpoint (3-44 characters) that carries the metrics add-on's series."
    rule_name: str
    "Data collection rule (1-64 characters) that carries them."
    rule_association_name: str
    "The cluster's association with the rule (the endpoint's association has a fixed name)."
    location: str
    resource_group_name: str
    cluster_id: str
    "The cluster whose metrics add-on sends to this workspace."
    cluster_name: str
    "That cluster's name (rule groups scope to it)."
    rule_groups: Sequence[PrometheusRuleGroup] = ()
    tags: Mapping[str, str] = field(default_factory=dict)


class ManagedPrometheus(Construct):
    """Workspace, collection endpoint and rule, their associations, and the recording rules."""

    def __init__(self, scope: Construct, id: str, props: ManagedPrometheusProps) -> None:
        super().__init__(scope, id)
        self.workspace = MonitorWorkspace(
            self,
            "workspace",
            name=props.workspace_name,
            location=props.location,
            resource_group_name=props.resource_group_name,
            tags=dict(props.tags),
        )

        self.endpoint = MonitorDataCollectionEndpoint(
            self,
            "endpoint",
            name=props.endpoint_name,
            kind="Linux",
            location=props.location,
            resource_group_name=props.resource_group_name,
            tags=dict(props.tags),
        )

        self.rule = MonitorDataCollectionRule(
            self,
            "rule",
            name=props.rule_name,
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
                        monitor_account_id=self.workspace.id, name=props.workspace_name
                    )
                ]
            ),
            data_flow=[
                MonitorDataCollectionRuleDataFlow(
                    streams=[PROMETHEUS_STREAM], destinations=[props.workspace_name]
                )
            ],
            location=props.location,
            resource_group_name=props.resource_group_name,
            tags=dict(props.tags),
        )

        self.rule_association = MonitorDataCollectionRuleAssociation(
            self,
            "rule-association",
            name=props.rule_association_name,
            target_resource_id=props.cluster_id,
            data_collection_rule_id=self.rule.id,
        )

        self.endpoint_association = MonitorDataCollectionRuleAssociation(
            self,
            "endpoint-association",
            name=ENDPOINT_ASSOCIATION_NAME,
            target_resource_id=props.cluster_id,
            data_collection_endpoint_id=self.endpoint.id,
        )

        self.rule_groups = [self._rule_group(group, props) for group in props.rule_groups]

    def _rule_group(
        self, group: PrometheusRuleGroup, props: ManagedPrometheusProps
    ) -> MonitorAlertPrometheusRuleGroup:
        return MonitorAlertPrometheusRuleGroup(
            self,
            group.id,
            name=group.name,
            description=group.description,
            location=props.location,
            resource_group_name=props.resource_group_name,
            cluster_name=props.cluster_name,
            rule_group_enabled=True,
            interval=group.interval,
            scopes=[self.workspace.id, props.cluster_id],
            rule=[
                MonitorAlertPrometheusRuleGroupRule(
                    enabled=True,
                    record=rule.record,
                    expression=rule.expression,
                    labels=dict(rule.labels) or None,
                )
                for rule in group.rules
            ],
            tags=dict(props.tags),
        )

    @property
    def workspace_id(self) -> str:
        return self.workspace.id

    @property
    def query_endpoint(self) -> str:
        return self.workspace.query_endpoint
