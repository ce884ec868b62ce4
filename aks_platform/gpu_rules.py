"""Rules for GPU pools that AKS documents: the managed GPU stack's preview limits, the agent pool API
version the pool is created with, and availability zones from data.

- The managed GPU experience (gpuProfile.nvidia.managementMode = Managed) is a preview, and
  "Cluster autoscaler isn't supported on managed GPU node pools during preview. Scale these pools
  manually." (azure-aks-docs articles/aks/aks-managed-gpu-nodes.md, ms.date 07/02/2026,
  Limitations): such a pool with autoscaling is refused.
- A pool that sets gpuProfile.nvidia is created in one request by azapi (constructs/agent_pool.py)
  at an API version that has the fields and that the pinned azapi release embeds a schema for
  (data/azapi-schemas/), so azapi checks the body at plan time.
- Zones: AKS refuses a pool whose size does not offer the requested zones in the region, and zones
  cannot be changed once the pool exists; data/vm-size-zones.toml says what `az vm list-skus`
  reported (aks_platform/tools/pool_zones.py). Zones are refused rather than dropped: dropping them would
  quietly make a pool regional, which cannot be undone without a new pool.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterator

from aks_platform.azure_facts import ZONES_TABLE, load_zones
from aks_platform.paths import DATA
from aks_platform.rules_pools import has_gpus
from aks_platform.settings import EnvironmentSettings, NodePoolSettings
from aks_platform.validation_types import Problem
from aks_platform.versions import ApiVersion, VersionTable, load_table

AZAPI_SCHEMAS = DATA / "azapi-schemas"
AGENT_POOL_SCHEMA_PREFIX = "agentPools-"
MANAGED_GPU_DOC = "AKS docs, aks-managed-gpu-nodes.md, Limitations"


def nvidia_properties(pool: NodePoolSettings) -> list[str]:
    """The gpuProfile.nvidia settings a pool sets (table columns of data/aks-versions.toml)."""
    return [name for name in ("gpu_management", "mig_strategy") if getattr(pool, name) is not None]


@functools.cache
def azapi_agent_pool_versions() -> dict[str, dict[str, object]]:
    """agentPools API version -> the reduced schema azapi embeds for it (data/azapi-schemas/)."""
    return {
        path.stem.removeprefix(AGENT_POOL_SCHEMA_PREFIX): json.loads(path.read_text(encoding="utf-8"))
        for path in sorted(AZAPI_SCHEMAS.glob(f"{AGENT_POOL_SCHEMA_PREFIX}*.json"))
    }


def agent_pool_api_version(table: VersionTable, *properties: str) -> ApiVersion | None:
    """The newest adopted API version with every property that the pinned azapi embeds a schema for
    (GA before preview): the pool is then validated by azapi at plan time."""
    known = azapi_agent_pool_versions()
    having = [
        row
        for row in table.api_versions.values()
        if row.adopted and row.name in known and all(getattr(row, name) for name in properties)
    ]
    for preview in (False, True):
        candidates = sorted((row for row in having if row.preview == preview), key=lambda row: row.name)
        if candidates:
            return candidates[-1]
    return None


def gpu_pool_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    for index, pool in enumerate(settings.user_pools):
        key = f"user_pools[{index}]"
        yield from _managed_gpu_scaling(key, pool)
        yield from _agent_pool_api(key, pool)
    pools = [("system_pool", settings.system_pool)] + [
        (f"user_pools[{index}]", pool) for index, pool in enumerate(settings.user_pools)
    ]
    for key, pool in pools:
        yield from _zones(key, pool, settings.location)


def _managed_gpu_scaling(key: str, pool: NodePoolSettings) -> Iterator[Problem]:
    if pool.gpu_management == "Managed" and pool.auto_scaling:
        yield Problem(
            f"{key}.auto_scaling",
            True,
            "AKS's managed GPU stack is a preview, and the cluster autoscaler is not supported on managed "
            f'GPU pools during it ({MANAGED_GPU_DOC}: "Scale these pools manually."): set auto_scaling = '
            'false with a node_count, or leave the stack unmanaged (remove gpu_management = "Managed" '
            "and mig_strategy)",
        )


def _agent_pool_api(key: str, pool: NodePoolSettings) -> Iterator[Problem]:
    properties = nvidia_properties(pool)
    if not properties:
        return
    table = load_table()
    if agent_pool_api_version(table, *properties) is None:
        having = sorted(name for name, row in table.api_versions.items() if getattr(row, properties[-1]))
        yield Problem(
            f"{key}.{properties[-1]}",
            getattr(pool, properties[-1]),
            f"the pool is created by azapi, and no agentPools API version with gpuProfile.nvidia."
            f"{properties[-1]} ({', '.join(having) or 'none'}) has a schema in the pinned azapi "
            f"release (data/azapi-schemas/: {', '.join(azapi_agent_pool_versions()) or 'none'})",
        )


def _zones(key: str, pool: NodePoolSettings, location: str) -> Iterator[Problem]:
    if not pool.zones:
        return
    recorded = load_zones().get(location, {}).get(pool.vm_size)
    table = ZONES_TABLE.name
    if recorded is None:
        if has_gpus(pool.vm_size):
            yield Problem(
                f"{key}.zones",
                list(pool.zones),
                f"{pool.vm_size} is not recorded as zonal in {location} (data/{table}), and AKS refuses "
                "a pool whose size lacks a requested zone: remove zones (a regional pool), or record the "
                f"size with `make refresh-versions LOCATION={location}` (az vm list-skus)",
            )
        return
    missing = [zone for zone in pool.zones if zone not in recorded]
    if missing:
        offered = ", ".join(recorded) or "none: it is regional there"
        yield Problem(
            f"{key}.zones",
            list(pool.zones),
            f"{pool.vm_size} offers zones {offered} in {location} (data/{table}), not "
            f"{', '.join(missing)}: ask only for offered zones, or remove zones",
        )
