"""Azure facts kept as data: regions with their availability-zone support, VM sizes' local disks,
and the zones each VM size offers per region (data/vm-size-zones.toml; its refresh is
aks_platform/tools/pool_zones.py).

The tables name their source in the file; settings validation refuses what they say Azure refuses.
"""

from __future__ import annotations

import functools
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aks_platform.paths import DATA

REGIONS_TABLE = DATA / "azure-regions.toml"
VM_SIZES_TABLE = DATA / "vm-sizes.toml"
CONTAINER_INSIGHTS = DATA / "container-insights.toml"
ZONES_TABLE = DATA / "vm-size-zones.toml"


@dataclass(frozen=True)
class VmSize:
    name: str
    vcpus: int
    memory_gib: int
    cache_gib: int
    temp_gib: int
    gpus: int
    mig_instances: dict[str, int]
    "GPU instances per GPU for each AKS MIG profile (gpu_instance) the size supports."
    source: str
    family: str = ""
    burstable: bool = False
    gpu_model: str = ""
    mig_profiles: dict[str, str] = field(default_factory=dict)
    "NVIDIA's profile name for each of those AKS MIG profiles (such as 1g.10gb)."

    @property
    def ephemeral_os_disk_max_gib(self) -> int:
        """Ephemeral OS disks live on the cache disk or, without one, the temp disk."""
        return max(self.cache_gib, self.temp_gib)


@functools.cache
def load_regions() -> dict[str, bool]:
    """Region programmatic name -> whether it has availability zones."""
    document: dict[str, Any] = tomllib.loads(REGIONS_TABLE.read_text(encoding="utf-8"))
    return {name: bool(row["zones"]) for name, row in document["regions"].items()}


@functools.cache
def load_vm_sizes() -> dict[str, VmSize]:
    """The catalogue of data/vm-sizes.toml: each size with its family's facts and page."""
    document: dict[str, Any] = tomllib.loads(VM_SIZES_TABLE.read_text(encoding="utf-8"))
    families: dict[str, Any] = document["families"]
    return {
        name: VmSize(
            name=name,
            vcpus=int(row["vcpus"]),
            memory_gib=int(row["memory_gib"]),
            mig_instances={profile: int(count) for profile, count in row.get("mig_instances", {}).items()},
            cache_gib=int(row.get("cache_gib", 0)),
            temp_gib=int(row.get("temp_gib", 0)),
            gpus=int(row.get("gpus", 0)),
            source=families[row["family"]]["page"],
            family=row["family"],
            burstable=bool(families[row["family"]].get("burstable", False)),
            gpu_model=str(row.get("gpu", "")),
            mig_profiles={profile: str(nvidia) for profile, nvidia in row.get("mig_profiles", {}).items()},
        )
        for name, row in document["sizes"].items()
    }


def unknown_size_advice(name: str) -> str:
    """What to do about a size the catalogue does not have."""
    return (
        f"{name} is not in data/vm-sizes.toml (the catalogue the quota, GPU and size rules read): add it "
        "to data/vm-sizes.toml with its family, vcpus, memory_gib, temp_gib, cache_gib and gpus from its "
        "Azure VM size page, or use a listed size"
    )


@functools.cache
def load_container_insights() -> dict[str, Any]:
    """Streams and extension settings of the Container Insights data collection rule."""
    return tomllib.loads(CONTAINER_INSIGHTS.read_text(encoding="utf-8"))


def container_insights_streams(managed_prometheus: bool) -> tuple[str, ...]:
    """The streams the rule sends: the metric streams only without managed Prometheus, which
    collects those metrics itself (data/container-insights.toml says why)."""
    data = load_container_insights()
    return tuple(data["streams"]) + (() if managed_prometheus else tuple(data["metric_streams"]))


@functools.cache
def load_zones(table: Path = ZONES_TABLE) -> dict[str, dict[str, tuple[str, ...]]]:
    """Region -> VM size -> the zones recorded for it (empty: regional only)."""
    document: dict[str, Any] = tomllib.loads(table.read_text(encoding="utf-8"))
    return {
        region: {size: tuple(row["zones"]) for size, row in sizes.items()}
        for region, sizes in document.get("regions", {}).items()
    }
