"""A node's allocatable CPU and memory (the KAITO requests that cannot fit one are refused in
aks_platform.settings.kaito).

Allocatable is the size's vCPUs and memory (data/vm-sizes.toml) less what AKS reserves per node
(data/node-reservations.toml, from node-resource-reservations.md). A pod whose request is at or
above that never schedules: the workspace would stay Pending.
"""

from __future__ import annotations

import functools
import itertools
import tomllib
from dataclasses import dataclass
from typing import Any

from aks_platform.azure_facts import VmSize
from aks_platform.paths import DATA

RESERVATIONS = DATA / "node-reservations.toml"
MIB_PER_GIB = 1024


@functools.cache
def reservations() -> dict[str, Any]:
    return tomllib.loads(RESERVATIONS.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class Allocatable:
    millicores: int
    memory_mib: int


def kube_reserved_millicores(cores: int) -> int:
    rows = reservations()["kube_reserved_cpu_millicores"]
    table = [(int(count), int(reserved)) for count, reserved in rows]
    if cores <= table[0][0]:
        return table[0][1]
    for (low, low_m), (high, high_m) in itertools.pairwise(table):
        if cores <= high:
            return round(low_m + (high_m - low_m) * (cores - low) / (high - low))
    (before, before_m), (last, last_m) = table[-2], table[-1]
    return round(last_m + (last_m - before_m) / (last - before) * (cores - last))


def reserved_memory_mib(size: VmSize, max_pods: int) -> int:
    data = reservations()
    kube_reserved = min(
        data["memory_per_pod_mib"] * max_pods + data["memory_base_mib"],
        data["memory_max_fraction"] * size.memory_gib * MIB_PER_GIB,
    )
    return round(kube_reserved + data["eviction_threshold_mib"])


def allocatable(size: VmSize, max_pods: int | None = None) -> Allocatable:
    pods = max_pods if max_pods is not None else int(reservations()["unknown_max_pods"])
    return Allocatable(
        millicores=size.vcpus * 1000 - kube_reserved_millicores(size.vcpus),
        memory_mib=size.memory_gib * MIB_PER_GIB - reserved_memory_mib(size, pods),
    )


def millicores(quantity: str) -> float:
    return float(quantity[:-1]) if quantity.endswith("m") else float(quantity) * 1000


MEMORY_UNITS_MIB = {
    "Ki": 1 / 1024,
    "Mi": 1,
    "Gi": 1024,
    "Ti": 1024**2,
    "k": 1e3 / 2**20,
    "M": 1e6 / 2**20,
    "G": 1e9 / 2**20,
    "T": 1e12 / 2**20,
}


def mebibytes(quantity: str) -> float:
    for unit, factor in MEMORY_UNITS_MIB.items():
        if quantity.endswith(unit):
            return float(quantity[: -len(unit)]) * factor
    return float(quantity) / 2**20
