"""Chart pins as currency data: warn when a newer minor of a pinned chart has been out for a while.

data/helm-charts.toml names, per chart, the pinned version's release date and source and the
releases known when it was read. A release of another minor (major.minor) published after the
pinned one, out for more than `newer_minor_grace_days` on "today" (AKS_TODAY), is a warning on
every run that uses the chart. Releases are compared by date, not by number: a project that
restarts its numbering (the NVIDIA DRA driver went from 25.12.0 to 0.4.0) still counts as newer.
Chart warnings never stop the deploy gate: moving a chart needs its CRDs, values and webhooks read.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass

from aks_platform.manifests import helm_charts
from aks_platform.settings import EnvironmentSettings

CHARTS_FILE = "data/helm-charts.toml"


@dataclass(frozen=True)
class ChartNotice:
    key: str
    version: str
    newer: str
    released: datetime.date
    days_out: int
    grace_days: int

    def render(self) -> str:
        return (
            f"warning: {CHARTS_FILE}: {self.key}.version = \"{self.version}\": {self.newer}, another "
            f"minor, was released on {self.released} ({self.days_out} days ago, more than "
            f"newer_minor_grace_days = {self.grace_days}); fix: read {self.newer}'s CRDs, values and "
            f"webhooks, then set {self.key}.version = \"{self.newer}\" there (its note says what is "
            "known to change)"
        )


def _minor(version: str) -> tuple[str, str]:
    major, minor = version.split(".")[:2]
    return major, minor


def charts_used(settings: EnvironmentSettings) -> set[str]:
    """The keys of data/helm-charts.toml an environment's workloads stack installs."""
    workloads = settings.workloads
    if not workloads.enabled:
        return set()
    used = set()
    if workloads.gang_scheduling.enabled:
        used.add("kueue")
    if workloads.dra.enabled:
        used.add("nvidia_dra_driver")
    return used


def chart_notices(today: datetime.date, keys: Iterable[str] | None = None) -> list[ChartNotice]:
    """One notice per pinned chart (of `keys`, or all) with a newer minor out past the grace days:
    the newest such release."""
    document = helm_charts()
    grace = int(document["newer_minor_grace_days"])
    notices = []
    for key in sorted(keys if keys is not None else (k for k, v in document.items() if isinstance(v, dict))):
        chart = document[key]
        pinned, released = chart["version"], chart["released"]
        newer = [
            (date, version)
            for version, date in chart.get("releases", {}).items()
            if date > released and _minor(version) != _minor(pinned) and (today - date).days > grace
        ]
        if newer:
            date, version = max(newer)
            notices.append(ChartNotice(key, pinned, version, date, (today - date).days, grace))
    return notices
