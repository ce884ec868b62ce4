"""Rules across a node pool's values that AKS enforces: the system pool's size and pod density.

Each rule is one function over one pool (or the pools), yielding Problems; the facts of a size
come from data/vm-sizes.toml. Sources:
- use-system-pools.md (Limitations): a system pool needs a size with at least 2 vCPUs and 4 GB of
  memory, no B-series (burstable) size, room for at least 30 pods; system pods are not meant for
  GPU nodes (GPU sizes belong in a tainted user pool).
- Azure tags ("Use tags to organize your Azure resources", limitations): tag names are
  case-insensitive, so a pool's tag may not differ from an environment tag only in case.
- concepts-network-ip-address-planning.md (Configuring maximum pods per node): max_pods is at
  least 10, and only if each pool has space for at least 30 pods (max_pods 10 needs 3 nodes).
"""

from __future__ import annotations

from collections.abc import Iterator

from aks_platform.azure_facts import load_vm_sizes
from aks_platform.settings import EnvironmentSettings, NodePoolSettings
from aks_platform.validation_types import Problem

SYSTEM_POOL_MIN_VCPUS = 2
SYSTEM_POOL_MIN_MEMORY_GIB = 4
POOL_MIN_PODS = 30


def has_gpus(vm_size: str) -> bool:
    """Whether data/vm-sizes.toml gives the size GPUs (an unknown size is refused elsewhere)."""
    size = load_vm_sizes().get(vm_size)
    return size is not None and size.gpus > 0


def system_pool_size_problems(pool: NodePoolSettings) -> Iterator[Problem]:
    size = load_vm_sizes().get(pool.vm_size)
    if size is None:
        return
    key = "system_pool.vm_size"
    if size.burstable:
        yield Problem(
            key,
            pool.vm_size,
            f"AKS does not allow B-series (burstable) sizes for system pools; use a size with at least "
            f"{SYSTEM_POOL_MIN_VCPUS} vCPUs and {SYSTEM_POOL_MIN_MEMORY_GIB} GiB such as Standard_D2s_v3 or "
            "Standard_D4ds_v5 (B-series sizes may go to user pools)",
        )
    elif size.vcpus < SYSTEM_POOL_MIN_VCPUS or size.memory_gib < SYSTEM_POOL_MIN_MEMORY_GIB:
        yield Problem(
            key,
            pool.vm_size,
            f"{size.name} has {size.vcpus} vCPU(s) and {size.memory_gib} GiB; AKS needs at least "
            f"{SYSTEM_POOL_MIN_VCPUS} vCPUs and {SYSTEM_POOL_MIN_MEMORY_GIB} GiB for a system pool",
        )
    if size.gpus:
        yield Problem(
            key,
            pool.vm_size,
            f"{size.name} is a GPU size, and the system pool runs the cluster's system pods and takes no "
            "taints: use a CPU size here and put the GPUs in a user pool ([[user_pools]]) with a GPU taint "
            'such as "sku=gpu:NoSchedule"',
        )


def _smallest_pool(pool: NodePoolSettings) -> int | None:
    """The fewest nodes the pool has while it has any (None: a user pool fixed at zero)."""
    if pool.auto_scaling:
        return max(pool.min_count or 0, 1)
    return pool.node_count or None


def pod_density_problems(key: str, pool: NodePoolSettings) -> Iterator[Problem]:
    if pool.max_pods is None:
        # AKS's defaults (30 with Azure CNI, 110 with kubenet, 250 with overlay) fit 30 on one node.
        return
    nodes = _smallest_pool(pool)
    if nodes is not None and pool.max_pods * nodes < POOL_MIN_PODS:
        needed = -(-POOL_MIN_PODS // pool.max_pods)
        yield Problem(
            f"{key}.max_pods",
            pool.max_pods,
            f"AKS needs room for at least {POOL_MIN_PODS} pods in each pool, and {pool.max_pods} pods on "
            f"{nodes} node(s) is {pool.max_pods * nodes}: raise max_pods to "
            f"{-(-POOL_MIN_PODS // nodes)} or keep at least {needed} nodes (min_count or node_count)",
        )


def merged_tag_problems(key: str, pool: NodePoolSettings, settings: EnvironmentSettings) -> Iterator[Problem]:
    """A pool's tags merge over the environment's; a key that differs only in case is one Azure tag
    (tag names are case-insensitive), so the scale set would get one of the two values."""
    environment = {tag.lower(): tag for tag in settings.tags}
    for tag in pool.tags:
        other = environment.get(tag.lower())
        if other is not None and other != tag:
            yield Problem(
                f"{key}.tags",
                tag,
                f"the environment's tag {other!r} and the pool's {tag!r} are one tag to Azure (tag names are "
                f"case-insensitive): spell it {other!r} in both to override it",
            )


def pool_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    yield from system_pool_size_problems(settings.system_pool)
    yield from merged_tag_problems("system_pool", settings.system_pool, settings)
    yield from pod_density_problems("system_pool", settings.system_pool)
    for index, pool in enumerate(settings.user_pools):
        yield from pod_density_problems(f"user_pools[{index}]", pool)
        yield from merged_tag_problems(f"user_pools[{index}]", pool, settings)
