"""GPU pools: whether a size has GPUs (data/vm-sizes.toml alone), GPU taints, the GPU profile
(driver, MIG, the managed GPU stack), and the rules for GPU pools that AKS documents: the
managed GPU stack's preview limits, the agent pool API version the pool is created with, and
availability zones from data.

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
from typing import TYPE_CHECKING

from aks_platform.azure_facts import ZONES_TABLE, load_vm_sizes, load_zones
from aks_platform.kubernetes_names import TAINT
from aks_platform.paths import DATA
from aks_platform.validation_types import Problem
from aks_platform.versions import ApiVersion, VersionTable, load_table

if TYPE_CHECKING:
    from aks_platform.settings.environment import EnvironmentSettings
    from aks_platform.settings.pools import NodePoolSettings

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


def has_gpus(vm_size: str) -> bool:
    """Whether data/vm-sizes.toml gives the size GPUs (an unknown size is refused elsewhere)."""
    size = load_vm_sizes().get(vm_size)
    return size is not None and size.gpus > 0


def is_gpu_taint(taint: str) -> bool:
    return "gpu" in taint.split(":")[0].lower()


def gpu_taint_key(pool: NodePoolSettings) -> str | None:
    """The key of the pool's GPU taint, which GPU system pods must tolerate."""
    for taint in pool.taints:
        match = TAINT.match(taint)
        if match and is_gpu_taint(taint):
            return match["key"]
    return None


def taint_problems(key: str, pool: NodePoolSettings, *, system: bool) -> Iterator[Problem]:
    gpu_taint = False
    # The form of each taint is a rule on the field (kubernetes_names.Taint).
    for taint in pool.taints:
        if is_gpu_taint(taint):
            gpu_taint = True
    if system:
        # A GPU size on the system pool is refused by pool_sizes (GPUs belong in a user pool).
        if pool.taints:
            yield Problem(
                f"{key}.taints",
                list(pool.taints),
                "the system pool takes no taints; use only_critical_addons = true",
            )
        return
    gpu_size = has_gpus(pool.vm_size)
    if gpu_size and not gpu_taint:
        yield Problem(
            f"{key}.taints",
            list(pool.taints),
            f'{pool.vm_size} is a GPU size: add a GPU taint such as "sku=gpu:NoSchedule" so only '
            "GPU workloads land there",
        )
    if gpu_taint and not gpu_size:
        yield Problem(
            f"{key}.taints",
            list(pool.taints),
            f"{pool.vm_size} has no GPU (data/vm-sizes.toml): remove the GPU taint or use a GPU size such "
            "as Standard_NC24ads_A100_v4",
        )


def gpu_profile_problems(key: str, pool: NodePoolSettings) -> Iterator[Problem]:
    """MIG and the managed GPU stack: only on GPU sizes that support them, and only together."""
    gpu_size = has_gpus(pool.vm_size)
    for field in ("gpu_driver", "gpu_instance", "gpu_management", "mig_strategy"):
        if getattr(pool, field) is not None and not gpu_size:
            yield Problem(f"{key}.{field}", getattr(pool, field), f"{pool.vm_size} has no GPU: remove it")
    if not gpu_size:
        return
    if pool.gpu_instance is not None:
        size = load_vm_sizes().get(pool.vm_size)
        profiles = sorted(size.mig_instances) if size else []
        if pool.gpu_instance not in profiles:
            yield Problem(
                f"{key}.gpu_instance",
                pool.gpu_instance,
                f"{pool.vm_size} supports MIG profiles {', '.join(profiles) or 'none'} (data/vm-sizes.toml)",
            )
    if pool.gpu_management == "Managed" and pool.gpu_driver == "None":
        yield Problem(
            f"{key}.gpu_management",
            "Managed",
            'the managed GPU stack needs the driver AKS installs: remove gpu_driver = "None"',
        )
    if pool.mig_strategy is not None and (pool.gpu_instance is None or pool.gpu_management != "Managed"):
        yield Problem(
            f"{key}.mig_strategy",
            pool.mig_strategy,
            'a MIG strategy needs gpu_instance (the MIG profile) and gpu_management = "Managed"',
        )
