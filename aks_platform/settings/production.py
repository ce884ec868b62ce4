"""Settings for running an environment in production: protection, maintenance windows and the
registration of what the subscription must offer.

Single-value rules sit on the fields; the rules across a window's values (which day fields a
frequency needs, the interval's range) are `maintenance_problems`, which
aks_platform.validation calls with the other cross-value rules. The limits come from
data/maintenance-windows.toml, which names its sources.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterator
from functools import cache
from typing import Annotated, Any, Literal

from pydantic import StrictBool, StrictInt, StrictStr

from aks_platform.paths import DATA
from aks_platform.settings.base import Settings, matching, within, without_duplicates
from aks_platform.validation_types import NO_VALUE, Problem

MAINTENANCE_FILE = DATA / "maintenance-windows.toml"


@cache
def maintenance_rules() -> dict[str, Any]:
    return tomllib.loads(MAINTENANCE_FILE.read_text(encoding="utf-8"))


Weekday = Literal["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
ClockTime = Annotated[
    StrictStr, matching(r"^([01][0-9]|2[0-3]):[0-5][0-9]$", 'use a 24-hour time from "00:00" to "23:59"')
]
UtcOffset = Annotated[
    StrictStr,
    matching(r"^[+-](0[0-9]|1[0-4]):(00|15|30|45)$", 'use a UTC offset "+HH:MM" or "-HH:MM", like "+01:00"'),
]
Hours = Annotated[StrictInt, within(0, 23, "use hours 0-23 (UTC)")]


class ProtectionSettings(Settings):
    """What keeps the cluster and the stores of its data from being deleted by accident."""

    prevent_destroy: StrictBool = False
    (
        "Terraform's lifecycle.prevent_destroy on the cluster, the monitor workspace and the Log Analytics "
        "workspace: any plan that would delete or replace them fails (prod: true)."
    )
    delete_locks: StrictBool = False
    (
        "An Azure CanNotDelete management lock on the two workspaces: no one deletes them outside "
        "Terraform either. Not on the cluster: its node pools would inherit the lock and could not be "
        "deleted, KAITO's GPU pools included (prod: true)."
    )


class ScheduledWindowSettings(Settings):
    """An aksManagedAutoUpgradeSchedule or aksManagedNodeOSUpgradeSchedule window."""

    frequency: Literal["Daily", "Weekly", "AbsoluteMonthly", "RelativeMonthly"]
    '"Daily", "Weekly", "AbsoluteMonthly" or "RelativeMonthly".'
    interval: StrictInt = 1
    "Days (1-7), weeks (1-4) or months (1-6) between windows, by frequency."
    duration_hours: Annotated[StrictInt, within(4, 24, "use 4-24 hours (AKS needs at least 4)")] = 4
    "Length of the window, 4-24 hours."
    start_time: ClockTime = "00:00"
    'When the window opens, "HH:MM" in `utc_offset`\'s time.'
    utc_offset: UtcOffset = "+00:00"
    'The time zone of `start_time`, "+HH:MM" or "-HH:MM".'
    day_of_week: Weekday | None = None
    "Weekly and RelativeMonthly: the day the window opens."
    day_of_month: Annotated[StrictInt, within(1, 31, "use a day of the month, 1-31")] | None = None
    "AbsoluteMonthly: the day of the month, 1-31."
    week_index: Literal["First", "Second", "Third", "Fourth", "Last"] | None = None
    'RelativeMonthly: which `day_of_week` of the month ("First" ... "Last").'


class DefaultWindowSettings(Settings):
    """The `default` configuration: AKS releases and the Istio add-on's patches (UTC hour slots)."""

    day: Weekday
    "The day of the week."
    hours: Annotated[tuple[Hours, ...], without_duplicates("hours")]
    "Hour slots on that day, 0-23 (UTC), at least 4."


class MaintenanceSettings(Settings):
    """AKS planned maintenance: when automatic upgrades may run (unset: at any time)."""

    default: DefaultWindowSettings | None = None
    "The `default` window (a table): AKS releases and the Istio add-on's patches."
    auto_upgrade: ScheduledWindowSettings | None = None
    "aksManagedAutoUpgradeSchedule (a table): needs cluster.automatic_upgrade_channel."
    node_os: ScheduledWindowSettings | None = None
    'aksManagedNodeOSUpgradeSchedule (a table): needs node_os_upgrade_channel "SecurityPatch" or "NodeImage".'


class ResourceProviderSettings(Settings):
    """Registering the resource providers and subscription features the cluster stack needs."""

    enabled: StrictBool = True
    (
        "Register them in the cluster stack, each before the resources that need it "
        "(data/resource-providers.toml says which, and why); false when your platform team registers "
        "them, so the deploying identity needs no subscription-wide register permission."
    )


NODE_OS_CHANNELS = ("SecurityPatch", "NodeImage")


def maintenance_problems(settings: Any) -> Iterator[Problem]:
    """Rules across one window's values, and between a window and its upgrade channel."""
    maintenance: MaintenanceSettings = settings.maintenance
    rules = maintenance_rules()
    cluster = settings.cluster
    windows = {"auto_upgrade": maintenance.auto_upgrade, "node_os": maintenance.node_os}
    for name, window in windows.items():
        if window is None:
            continue
        key = f"maintenance.{name}"
        yield from _window_problems(key, window, rules)
    if maintenance.auto_upgrade is not None and cluster.automatic_upgrade_channel is None:
        yield Problem(
            "maintenance.auto_upgrade",
            maintenance.auto_upgrade.frequency,
            "schedules automatic upgrades, but cluster.automatic_upgrade_channel is unset: set the channel, "
            "or remove the window",
        )
    if maintenance.node_os is not None and cluster.node_os_upgrade_channel not in NODE_OS_CHANNELS:
        yield Problem(
            "maintenance.node_os",
            maintenance.node_os.frequency,
            f"schedules node OS upgrades, but cluster.node_os_upgrade_channel is "
            f"{cluster.node_os_upgrade_channel or 'unset'}: use {' or '.join(NODE_OS_CHANNELS)}, or remove "
            "the window",
        )
    default = maintenance.default
    if default is not None and len(default.hours) < rules["default"]["min_hours"]:
        yield Problem(
            "maintenance.default.hours",
            list(default.hours),
            f"give at least {rules['default']['min_hours']} hour slots (AKS needs a window of four hours or "
            "more for upgrades)",
        )


def _window_problems(key: str, window: ScheduledWindowSettings, rules: dict[str, Any]) -> Iterator[Problem]:
    frequency = rules["frequencies"][window.frequency]
    low, high = frequency["interval"]
    if not low <= window.interval <= high:
        yield Problem(
            f"{key}.interval",
            window.interval,
            f"a {window.frequency} window repeats every {low}-{high} {frequency['unit']}",
        )
    for field in ("day_of_week", "day_of_month", "week_index"):
        given = getattr(window, field) is not None
        if field in frequency["needs"] and not given:
            yield Problem(f"{key}.{field}", NO_VALUE, f"a {window.frequency} window needs {field}")
        elif field not in frequency["needs"] and given:
            yield Problem(
                f"{key}.{field}",
                getattr(window, field),
                f"a {window.frequency} window takes no {field}: remove it"
                + (f" (it needs {', '.join(frequency['needs'])})" if frequency["needs"] else ""),
            )
