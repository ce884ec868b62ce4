"""AKS planned maintenance windows as azurerm_kubernetes_cluster blocks.

azurerm 4.55 writes the three maintenance configurations (`default`,
`aksManagedAutoUpgradeSchedule`, `aksManagedNodeOSUpgradeSchedule`) as part of the cluster's own
create and update (kubernetes_cluster_resource.go), so they need no place of their own in the
chain of operations on the cluster: they are that resource.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TypeVar

from cdktf_cdktf_provider_azurerm.kubernetes_cluster import (
    KubernetesClusterMaintenanceWindow,
    KubernetesClusterMaintenanceWindowAllowed,
    KubernetesClusterMaintenanceWindowAutoUpgrade,
    KubernetesClusterMaintenanceWindowNodeOs,
)


@dataclass(frozen=True)
class ScheduledWindowProps:
    """A recurring window: Daily, Weekly, AbsoluteMonthly or RelativeMonthly."""

    frequency: str
    interval: int
    "Days, weeks or months between windows, by frequency."
    duration_hours: int
    "4-24 hours."
    start_time: str
    "\"HH:MM\" in utc_offset's time."
    utc_offset: str = "+00:00"
    day_of_week: str | None = None
    day_of_month: int | None = None
    week_index: str | None = None


@dataclass(frozen=True)
class DefaultWindowProps:
    """The `default` configuration: a day and its hour slots (UTC)."""

    day: str
    hours: Sequence[int]


@dataclass(frozen=True)
class MaintenanceProps:
    """The cluster's maintenance windows; None leaves a configuration out (upgrades at any time)."""

    default: DefaultWindowProps | None = None
    auto_upgrade: ScheduledWindowProps | None = None
    node_os: ScheduledWindowProps | None = None


# The two scheduled configurations take the same arguments.
_Scheduled = TypeVar(
    "_Scheduled", KubernetesClusterMaintenanceWindowAutoUpgrade, KubernetesClusterMaintenanceWindowNodeOs
)


def _scheduled(block: type[_Scheduled], window: ScheduledWindowProps | None) -> _Scheduled | None:
    if window is None:
        return None
    return block(
        frequency=window.frequency,
        interval=window.interval,
        duration=window.duration_hours,
        start_time=window.start_time,
        utc_offset=window.utc_offset,
        day_of_week=window.day_of_week,
        day_of_month=window.day_of_month,
        week_index=window.week_index,
    )


def maintenance_window(props: MaintenanceProps | None) -> KubernetesClusterMaintenanceWindow | None:
    """The `default` configuration, or None when unset."""
    if props is None or props.default is None:
        return None
    allowed = KubernetesClusterMaintenanceWindowAllowed(
        day=props.default.day, hours=sorted(props.default.hours)
    )
    return KubernetesClusterMaintenanceWindow(allowed=[allowed])


def maintenance_window_auto_upgrade(
    props: MaintenanceProps | None,
) -> KubernetesClusterMaintenanceWindowAutoUpgrade | None:
    """The aksManagedAutoUpgradeSchedule configuration, or None when unset."""
    return _scheduled(KubernetesClusterMaintenanceWindowAutoUpgrade, props.auto_upgrade if props else None)


def maintenance_window_node_os(
    props: MaintenanceProps | None,
) -> KubernetesClusterMaintenanceWindowNodeOs | None:
    """The aksManagedNodeOSUpgradeSchedule configuration, or None when unset."""
    return _scheduled(KubernetesClusterMaintenanceWindowNodeOs, props.node_os if props else None)
