"""Rules on a pool's size that read its facts in data/vm-sizes.toml: what AKS allows on the system
pool, and whether the size can hold an ephemeral OS disk.

- use-system-pools.md (Limitations): a system pool needs a size with at least 2 vCPUs and 4 GB of
  memory, no B-series (burstable) size; system pods are not meant for GPU nodes (GPU sizes belong
  in a tainted user pool).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from aks_platform.azure_facts import load_vm_sizes
from aks_platform.validation_types import NO_VALUE, Problem

if TYPE_CHECKING:
    from aks_platform.settings.pools import NodePoolSettings

SYSTEM_POOL_MIN_VCPUS = 2

SYSTEM_POOL_MIN_MEMORY_GIB = 4


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


def ephemeral_os_disk_problems(key: str, pool: NodePoolSettings) -> Iterator[Problem]:
    if pool.os_disk_type != "Ephemeral":
        return
    size = load_vm_sizes().get(pool.vm_size)
    if size is None:
        return  # an unknown size is refused on the field (pools.VmSize)
    if pool.os_disk_size_gb is None:
        yield Problem(
            f"{key}.os_disk_size_gb",
            NO_VALUE,
            f"set it with an ephemeral OS disk, at most {size.ephemeral_os_disk_max_gib} GB on {size.name}",
        )
    elif size.ephemeral_os_disk_max_gib == 0:
        yield Problem(
            f"{key}.os_disk_type",
            "Ephemeral",
            f"{size.name} has no cache or temp disk to hold an ephemeral OS disk: use a size with a local "
            'disk (such as the ds_v5 sizes) or os_disk_type = "Managed"',
        )
    elif pool.os_disk_size_gb > size.ephemeral_os_disk_max_gib:
        yield Problem(
            f"{key}.os_disk_size_gb",
            pool.os_disk_size_gb,
            f"an ephemeral OS disk on {size.name} holds at most {size.ephemeral_os_disk_max_gib} GB (cache "
            f"{size.cache_gib} GiB, temp {size.temp_gib} GiB)",
        )
