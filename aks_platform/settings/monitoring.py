"""Monitoring: Azure Monitor managed Prometheus and Container Insights."""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from pydantic import Field, StrictBool, StrictInt

from aks_platform.metrics_allowlist import Allowlist
from aks_platform.settings.base import Settings
from aks_platform.validation_types import Problem

if TYPE_CHECKING:
    from aks_platform.settings.environment import EnvironmentSettings


class ManagedPrometheusSettings(Settings):
    """Azure Monitor managed Prometheus: workspace, collection pipeline and recording rules."""

    enabled: StrictBool = True
    "Azure Monitor managed Prometheus: workspace, collection pipeline and recording rules."
    labels_allowed: Allowlist = Field(default_factory=dict)
    (
        "Label keys kube-state-metrics may export, per resource: a table such as "
        '`{ pods = ["app", "team"], namespaces = ["team"] }` ("*" for all), sent as '
        "`namespaces=[team],pods=[app,team]`."
    )
    annotations_allowed: Allowlist = Field(default_factory=dict)
    "Annotation keys kube-state-metrics may export, per resource, in the same form as labels_allowed."
    ux_recording_rules: StrictBool = True
    (
        "The UX recording rule group Microsoft's onboarding deploys beside the node and Kubernetes "
        "groups (what the portal's Kubernetes views read); main.tf had none."
    )


class ContainerInsightsSettings(Settings):
    """Container Insights: the monitoring add-on, logging to a Log Analytics workspace of the stack."""

    enabled: StrictBool = False
    (
        "Container Insights, logging to a Log Analytics workspace `log-<prefix>-<location>` (4-63 "
        "characters) through the rule `msci-<prefix>-<location>` (1-64)."
    )
    retention_in_days: StrictInt = 30
    "Days the workspace keeps logs, 30-730."


LOG_RETENTION_DAYS = (30, 730)


def retention_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    low, high = LOG_RETENTION_DAYS
    insights = settings.container_insights
    if insights.enabled and not low <= insights.retention_in_days <= high:
        yield Problem(
            "container_insights.retention_in_days", insights.retention_in_days, f"use {low}-{high} days"
        )
