"""Version currency: what data/aks-versions.toml says about Kubernetes, Istio and AKS API versions.

Two kinds of findings come out of it:
- problems (validation.Problem): values that can never deploy, such as a patch that was never
  released or an Istio revision that does not support the cluster's minor;
- notices: values that worked once but are past (or near) their end of support. A notice that is
  past its date is "retired": `make deploy` refuses it unless ALLOW_RETIRED=1.

"Today" is the real date unless AKS_TODAY=YYYY-MM-DD says otherwise (for tests and for checking
what a future date will bring).
"""

from __future__ import annotations

import datetime
import functools
import json
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aks_platform.paths import DATA

VERSIONS_TABLE = DATA / "aks-versions.toml"
TODAY_VARIABLE = "AKS_TODAY"
LTS_PLAN = "AKSLongTermSupport"

VERSION = re.compile(r"^(?P<major>0|[1-9][0-9]*)\.(?P<minor>0|[1-9][0-9]*)(\.(?P<patch>0|[1-9][0-9]*))?$")


@dataclass(frozen=True)
class KubernetesMinor:
    name: str
    end_of_standard_support: datetime.date | None
    lts_end: datetime.date | None
    patches: dict[str, datetime.date]
    source: str
    gateway_api_bundle: str | None = None
    "The Gateway API bundle (CRD release) AKS's managed installation puts on this minor."
    offered: tuple[str, ...] | None = None
    "What `az aks get-versions` listed in one region on one day (make refresh-versions), if run."
    offered_in: str | None = None
    offered_on: datetime.date | None = None
    ga_confirmed: bool = True
    "False while AKS's GA of the minor is only announced (data/aks-versions.toml: ga_confirmed)."

    def newest_patch(self) -> str | None:
        return max(self.patches, key=version_key) if self.patches else None

    def superseded_on(self, patch: str) -> datetime.date | None:
        """The release date of the next patch of this minor, if one is known."""
        later = [date for name, date in self.patches.items() if version_key(name) > version_key(patch)]
        return min(later) if later else None


@dataclass(frozen=True)
class IstioRevision:
    name: str
    min_kubernetes: tuple[int, int]
    max_kubernetes: tuple[int, int]
    end_of_life: datetime.date | None
    source: str

    def supports(self, minor: tuple[int, int]) -> bool:
        return self.min_kubernetes <= minor <= self.max_kubernetes


@dataclass(frozen=True)
class ApiVersion:
    name: str
    gateway_api: bool
    preview: bool
    gpu_management: bool
    "Whether the version has agentPools properties.gpuProfile.nvidia.managementMode."
    mig_strategy: bool
    "Whether it has properties.gpuProfile.nvidia.migStrategy."
    needs_features: tuple[str, ...]
    source: str
    driver_mode: bool = False
    "Whether it has agentPools gpuProfile.nvidia.driverMode (DevicePlugin, DRA)."
    adopted: bool = True
    "False: recorded for its properties, but api_version_for never picks it by itself."


@dataclass(frozen=True)
class VersionTable:
    as_of: datetime.date
    patch_retention_days: int
    warn_days_before: int
    stale_after_days: int
    "How old as_of may get before every run warns that the table needs a refresh."
    kubernetes: dict[str, KubernetesMinor]
    istio: dict[str, IstioRevision]
    api_versions: dict[str, ApiVersion]
    sources: dict[str, str] = field(default_factory=dict)

    def minor(self, version: str) -> KubernetesMinor | None:
        parsed = parse_version(version)
        return self.kubernetes.get(f"{parsed[0]}.{parsed[1]}") if parsed else None

    def api_version_for(self, *properties: str) -> ApiVersion | None:
        """The newest adopted GA API version with every property, else the newest adopted preview."""
        having = [
            row
            for row in self.api_versions.values()
            if row.adopted and all(getattr(row, name) for name in properties)
        ]
        for preview in (False, True):
            candidates = sorted((row for row in having if row.preview == preview), key=lambda row: row.name)
            if candidates:
                return candidates[-1]
        return None

    def recommended(self, today: datetime.date) -> tuple[str, str] | None:
        """The newest confirmed minor in standard support and the newest living Istio revision for
        it: what a printed fix proposes, so it passes the deploy gate on `today`."""
        for name in sorted(self.kubernetes, key=version_key, reverse=True):
            minor = self.kubernetes[name]
            if not minor.ga_confirmed:
                continue
            if minor.end_of_standard_support is not None and minor.end_of_standard_support < today:
                continue
            minor_key = version_key(name)[:2]
            revisions = [
                revision
                for revision in self.istio.values()
                if revision.supports(minor_key) and not _past(revision.end_of_life, today)
            ]
            if revisions:
                newest = max(revisions, key=lambda revision: revision_key(revision.name))
                return name, newest.name
        return None


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def revision_key(revision: str) -> tuple[int, ...]:
    return tuple(int(part) for part in revision.removeprefix("asm-").split("-"))


def parse_version(version: str) -> tuple[int, int, int | None] | None:
    """(major, minor, patch or None) of "1.34" or "1.34.2"; None when it is neither."""
    match = VERSION.match(version)
    if match is None:
        return None
    patch = match["patch"]
    return int(match["major"]), int(match["minor"]), int(patch) if patch is not None else None


def _minor(text: str) -> tuple[int, int]:
    major, minor = text.split(".")[:2]
    return int(major), int(minor)


def _past(date: datetime.date | None, today: datetime.date) -> bool:
    return date is not None and date < today


@functools.cache
def load_table(path: Path = VERSIONS_TABLE) -> VersionTable:
    document: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    kubernetes = {
        name: KubernetesMinor(
            name=name,
            end_of_standard_support=row.get("end_of_standard_support"),
            lts_end=row.get("lts_end"),
            patches=dict(row.get("patches", {})),
            source=row["source"],
            gateway_api_bundle=row.get("gateway_api_bundle"),
            offered=tuple(row["offered"]) if "offered" in row else None,
            offered_in=row.get("offered_in"),
            offered_on=row.get("offered_on"),
            ga_confirmed=bool(row.get("ga_confirmed", True)),
        )
        for name, row in document.get("kubernetes", {}).items()
    }
    istio = {
        name: IstioRevision(
            name=name,
            min_kubernetes=_minor(row["min_kubernetes"]),
            max_kubernetes=_minor(row["max_kubernetes"]),
            end_of_life=row.get("end_of_life"),
            source=row["source"],
        )
        for name, row in document.get("istio", {}).items()
    }
    api_versions = {
        name: ApiVersion(
            name=name,
            gateway_api=bool(row.get("gateway_api", False)),
            preview=bool(row.get("preview", False)),
            gpu_management=bool(row.get("gpu_management", False)),
            mig_strategy=bool(row.get("mig_strategy", False)),
            needs_features=tuple(row.get("needs_features", ())),
            source=row["source"],
            driver_mode=bool(row.get("driver_mode", False)),
            adopted=bool(row.get("adopted", True)),
        )
        for name, row in document.get("api_versions", {}).items()
    }
    return VersionTable(
        as_of=document["as_of"],
        patch_retention_days=int(document["patch_retention_days"]),
        warn_days_before=int(document["warn_days_before"]),
        stale_after_days=int(document["stale_after_days"]),
        kubernetes=kubernetes,
        istio=istio,
        api_versions=api_versions,
        sources=dict(document.get("sources", {})),
    )


def today() -> datetime.date:
    """The date support windows are measured against: AKS_TODAY if set, else the real date."""
    override = os.environ.get(TODAY_VARIABLE, "").strip()
    if override:
        return datetime.date.fromisoformat(override)
    return datetime.date.today()


# One way out of a notice: settings keys (dotted, as in the file) and the values to write.
Fix = tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class Notice:
    """A value past or near its end of support: where, what, since when, and the ways out.

    `fixes` are the changes the notice proposes, each one alone enough to clear it, and each
    checked against the table on the day it is printed (tests/test_currency.py applies every one
    of them). `advice` is said instead when no settings change can help (refresh the table)."""

    key: str
    value: str | bool
    """The value as written, rendered in TOML's form (a string quoted, a boolean bare)."""
    message: str
    fixes: tuple[Fix, ...]
    retired: bool
    advice: str = ""

    @property
    def fix(self) -> str:
        said = [
            "set " + " and ".join(f"{key} = {json.dumps(value)}" for key, value in fix) for fix in self.fixes
        ]
        if self.advice:
            said.append(self.advice)
        return ", or ".join(said)

    def render(self, file: str) -> str:
        label = "retired" if self.retired else "warning"
        return f"{label}: {file}: {self.key} = {json.dumps(self.value)}: {self.message}; fix: {self.fix}"


def stale_warning(
    table: VersionTable, today: datetime.date, file: str = "data/aks-versions.toml"
) -> str | None:
    """The one line every run prints once the table is older than its stale_after_days."""
    age = (today - table.as_of).days
    if age <= table.stale_after_days:
        return None
    return (
        f"warning: {file}: as_of = {table.as_of} is {age} days old (more than stale_after_days = "
        f"{table.stale_after_days}): versions, patches and end-of-support dates may have moved since. "
        "Refresh it: make refresh-versions LOCATION=<region> (patches and Istio revisions from Azure), "
        "then the hand-written dates from the sources its [sources] table names (docs/versions.md)"
    )
