"""The node pools: the system pool and the user pools ([system_pool], [[user_pools]]), their upgrade
settings and the rules on each pool's values.

Pool names, sizes, zones, disks and upgrade values are rules on the fields; a size's facts come
from data/vm-sizes.toml (aks_platform.azure_facts). The rules on a pool's size are
aks_platform.settings.pool_sizes, its GPUs aks_platform.settings.gpus. Sources:
- Azure tags ("Use tags to organize your Azure resources", limitations): tag names are
  case-insensitive, so a pool's tag may not differ from an environment tag only in case.
- concepts-network-ip-address-planning.md (Configuring maximum pods per node): max_pods is at
  least 10, and only if each pool has space for at least 30 pods (max_pods 10 needs 3 nodes).
- quotas-skus-regions.md (Service quotas and limits): at most 100 node pools per cluster.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, Field, StrictBool, StrictInt, StrictStr

from aks_platform.azure_facts import load_regions, load_vm_sizes, unknown_size_advice
from aks_platform.kubernetes_names import LabelKey, LabelValue, Taints
from aks_platform.settings.azure_names import Tags
from aks_platform.settings.base import Settings, distinct_from, matching, refuse, within
from aks_platform.settings.gpus import gpu_profile_problems, taint_problems
from aks_platform.settings.pool_sizes import ephemeral_os_disk_problems, system_pool_size_problems
from aks_platform.validation_types import NO_VALUE, Problem

if TYPE_CHECKING:
    from aks_platform.settings.environment import EnvironmentSettings

ZONES = ("1", "2", "3")
MAX_PODS = (10, 250)
OS_DISK_GB = (30, 2048)

PoolName = Annotated[
    StrictStr,
    matching(r"^[a-z][a-z0-9]{0,11}$", "use 1-12 lowercase letters and digits, starting with a letter"),
]


def _catalogued_size(value: str) -> str:
    if value not in load_vm_sizes():
        raise refuse(unknown_size_advice(value))
    return value


VmSize = Annotated[
    StrictStr,
    matching(r"^Standard_[A-Za-z0-9_]+$", "use an Azure VM size such as Standard_D4ds_v5"),
    AfterValidator(_catalogued_size),
]
Zones = Annotated[
    tuple[StrictStr, ...], distinct_from(ZONES, f"zones are distinct values from {list(ZONES)}")
]
MaxPods = Annotated[StrictInt, within(*MAX_PODS, f"use {MAX_PODS[0]}-{MAX_PODS[1]} pods per node")]
OsDiskSize = Annotated[StrictInt, within(*OS_DISK_GB, f"use {OS_DISK_GB[0]}-{OS_DISK_GB[1]} GB")]
# Upgrade settings: azurerm validates node_soak_duration_in_minutes with IntBetween(0, 30)
# (internal/services/containers/kubernetes_nodepool.go:693 at v4.55.0). drain_timeout_in_minutes has
# no azurerm validation; AKS takes 1-1440 minutes (upgrade-aks-node-pools-rolling.md), and 0 is what
# main.tf sends: azurerm passes it on and AKS keeps its default of 30.
DRAIN_TIMEOUT_MAX = 1440
SOAK_MAX = 30
DrainTimeout = Annotated[
    StrictInt,
    within(0, DRAIN_TIMEOUT_MAX, f"use 1-{DRAIN_TIMEOUT_MAX} minutes, or 0 for AKS's default of 30"),
]
SoakDuration = Annotated[StrictInt, within(0, SOAK_MAX, f"use 0-{SOAK_MAX} minutes (azurerm refuses more)")]
MaxSurge = Annotated[
    StrictStr,
    matching(r"^([1-9][0-9]*%?|100%)$", "use a node count such as 1 or a percentage such as 10%"),
]


class UpgradeSettings(Settings):
    """How AKS surges and drains nodes when it upgrades a pool."""

    max_surge: MaxSurge = "10%"
    'Extra nodes during an upgrade: a count ("1") or a percentage of the pool ("10%").'
    drain_timeout_in_minutes: DrainTimeout = 0
    (
        "Minutes to wait for a node's pods to be evicted, 1-1440; 0 (main.tf's) leaves AKS's default, 30. "
        "Once set on the system pool, write 30 rather than 0 to go back: azurerm replaces the "
        "whole cluster when the system pool's timeout goes from non-zero to 0."
    )
    node_soak_duration_in_minutes: SoakDuration = 0
    "Minutes to wait after draining a node before upgrading it and moving on, 0-30; 0 means none."


class NodePoolSettings(Settings):
    """One node pool: the system (default) pool or a user pool such as the GPU pool."""

    name: PoolName
    (
        "1-12 lowercase letters and digits, starting with a letter; pool and rotation names are unique in "
        "the cluster."
    )
    temporary_name_for_rotation: PoolName | None = None
    (
        "Name of the pool AKS creates when a change needs a rotation. Unset: `<name>temp`, the name cut "
        "to 8 characters so it fits (main.tf's names are kept)."
    )
    vm_size: VmSize
    (
        "An Azure VM size listed in data/vm-sizes.toml. A GPU size (one with GPUs there) needs a GPU "
        "taint and a user pool; a GPU taint needs a GPU size. The system pool needs at least 2 vCPUs and "
        "4 GiB and no B-series size."
    )
    node_count: StrictInt | None = None
    (
        "Nodes to start with. With autoscaling `min_count <= node_count <= max_count`; the autoscaler "
        "owns the count afterwards (Terraform ignores its changes)."
    )
    auto_scaling: StrictBool = True
    (
        "The cluster autoscaler; on needs `min_count` and `max_count`, off needs `node_count` and neither "
        "bound. On unless set, this app's choice (azurerm's default: off)."
    )
    min_count: StrictInt | None = None
    "Autoscaling lower bound, 0-1000 (at least 1 on the system pool)."
    max_count: StrictInt | None = None
    "Autoscaling upper bound, at most 1000."
    zones: Zones = ()
    (
        'Distinct values from "1", "2", "3"; only in a region with availability zones, and on a GPU '
        "size only those data/vm-size-zones.toml records for the region."
    )
    labels: dict[LabelKey, LabelValue] = Field(default_factory=dict)
    (
        "Node labels: Kubernetes-valid keys, not under `kubernetes.azure.com/`, `kubernetes.io/` or "
        "`k8s.io/` (except `node.kubernetes.io/` and `kubelet.kubernetes.io/`)."
    )
    taints: Taints = ()
    (
        "`key=value:Effect` (or `key:Effect`) with NoSchedule, PreferNoSchedule or NoExecute, one per key "
        "and effect; the key a Kubernetes qualified name, the value a label value; user pools only."
    )
    gpu_driver: Literal["Install", "None"] | None = None
    'GPU sizes: "Install" lets AKS install the NVIDIA driver, "None" leaves it to you.'
    gpu_instance: Literal["MIG1g", "MIG2g", "MIG3g", "MIG4g", "MIG7g"] | None = None
    (
        "Multi-instance GPU profile (MIG1g-MIG7g) of a MIG-capable GPU size, as listed for it in "
        "data/vm-sizes.toml."
    )
    gpu_management: Literal["Managed", "Unmanaged"] | None = None
    (
        "AKS's managed GPU stack (driver, device plugin, DCGM exporter), "
        'gpuProfile.nvidia.managementMode; GPU sizes only; "Managed" needs the AKS-installed driver and, '
        "while the stack is a preview, `auto_scaling = false` (docs/gpu.md). Fixed when the pool is created."
    )
    mig_strategy: Literal["Single", "Mixed"] | None = None
    (
        "How the managed device plugin exposes MIG instances (gpuProfile.nvidia.migStrategy); needs "
        '`gpu_instance`, `gpu_management = "Managed"` and the preview API with '
        "ManagedGPUExperiencePreview."
    )
    tags: Tags = Field(default_factory=dict)
    "Tags of the pool's scale set, merged over the environment's tags; at most 50 per resource."
    only_critical_addons: StrictBool = False
    "System pool only: taint it CriticalAddonsOnly so that only system pods run there."
    upgrade: UpgradeSettings = UpgradeSettings()
    "How AKS surges and drains the pool's nodes during upgrades (a table)."
    max_pods: MaxPods | None = None
    (
        "Pods per node, 10-250, with room for at least 30 pods in the pool (max_pods times its smallest "
        "non-zero node count); unset takes AKS's default for the network plugin."
    )
    os_disk_type: Literal["Managed", "Ephemeral"] | None = None
    (
        '"Managed" or "Ephemeral"; Ephemeral needs the size in data/vm-sizes.toml and `os_disk_size_gb` '
        "within its cache or temp disk."
    )
    os_disk_size_gb: OsDiskSize | None = None
    "OS disk size, 30-2048 GB; unset takes AKS's default."
    host_encryption: StrictBool = False
    (
        "Encryption at host (temp disks, caches); needs the subscription feature "
        "Microsoft.Compute/EncryptionAtHost."
    )

    @property
    def rotation_name(self) -> str:
        return self.temporary_name_for_rotation or default_rotation_name(self.name)


# AKS allows 12 characters for a Linux pool name, rotation names included: the derived name keeps
# main.tf's "<name>temp" and shortens the name so that it always fits.
ROTATION_SUFFIX = "temp"
POOL_NAME_MAX = 12


def default_rotation_name(name: str) -> str:
    return f"{name[: POOL_NAME_MAX - len(ROTATION_SUFFIX)]}{ROTATION_SUFFIX}"


def default_system_pool() -> NodePoolSettings:
    return NodePoolSettings(
        name="default",
        vm_size="Standard_D2s_v3",
        min_count=2,
        max_count=5,
        zones=("1", "2", "3"),
        only_critical_addons=True,
    )


def default_user_pools() -> tuple[NodePoolSettings, ...]:
    # CPU-only on purpose in the POC: the pool exercises the managed GPU experience
    # plumbing (tag, preview feature) without GPU quota.
    return (
        NodePoolSettings(
            name="gpunp",
            vm_size="Standard_D16s_v5",
            node_count=1,
            min_count=1,
            max_count=3,
            tags={"EnableManagedGPUExperience": "true"},
        ),
    )


def replaced_pools_hint(settings: EnvironmentSettings) -> str:
    """Said where a pool reference breaks: writing [[user_pools]] replaces the default pools."""
    if "user_pools" not in settings.model_fields_set:
        return ""
    defaults = ", ".join(pool.name for pool in default_user_pools())
    return f" ([[user_pools]] in the file replaces the default pools ({defaults}); it does not add to them)"


# --- Rules across a pool's values ---
# AKS allows at most 1000 nodes in a pool.
MAX_POOL_NODES = 1000

POOL_MIN_PODS = 30
MAX_NODE_POOLS = 100


def all_pools(settings: EnvironmentSettings) -> list[tuple[str, NodePoolSettings]]:
    return [("system_pool", settings.system_pool)] + [
        (f"user_pools[{index}]", pool) for index, pool in enumerate(settings.user_pools)
    ]


def pool_value_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    pools = [("system_pool", settings.system_pool)] + [
        (f"user_pools[{index}]", pool) for index, pool in enumerate(settings.user_pools)
    ]
    seen: dict[str, str] = {}
    for key, pool in pools:
        yield from _check_pool(key, pool, system=key == "system_pool")
        for field, name in (("name", pool.name), ("temporary_name_for_rotation", pool.rotation_name)):
            if name in seen:
                yield Problem(
                    f"{key}.{field}",
                    name,
                    f"pool and rotation names must be unique in the cluster; {seen[name]} has it",
                )
            else:
                seen[name] = f"{key}.{field}"


def _check_pool(key: str, pool: NodePoolSettings, *, system: bool) -> Iterator[Problem]:
    # The forms of names, size, zones, disk and upgrade values are rules on the fields above; a
    # derived rotation name fits whenever the name does.
    if not system and pool.only_critical_addons:
        yield Problem(
            f"{key}.only_critical_addons",
            True,
            "applies to the system pool only (it taints the pool CriticalAddonsOnly); remove it here",
        )
    yield from _check_scaling(key, pool, system=system)
    yield from taint_problems(key, pool, system=system)
    yield from ephemeral_os_disk_problems(key, pool)
    yield from gpu_profile_problems(key, pool)


def _check_scaling(key: str, pool: NodePoolSettings, *, system: bool) -> Iterator[Problem]:
    if not pool.auto_scaling:
        for field in ("min_count", "max_count"):
            if getattr(pool, field) is not None:
                yield Problem(
                    f"{key}.{field}",
                    getattr(pool, field),
                    "only with auto_scaling = true; remove it or turn autoscaling on",
                )
        if pool.node_count is None:
            yield Problem(f"{key}.node_count", NO_VALUE, "without autoscaling, set node_count")
        elif not (1 if system else 0) <= pool.node_count <= MAX_POOL_NODES:
            yield Problem(f"{key}.node_count", pool.node_count, f"use {1 if system else 0}-{MAX_POOL_NODES}")
        return
    if pool.min_count is None or pool.max_count is None:
        missing = [field for field in ("min_count", "max_count") if getattr(pool, field) is None]
        for field in missing:
            yield Problem(f"{key}.{field}", NO_VALUE, "autoscaling needs min_count and max_count")
        return
    floor = 1 if system else 0
    if pool.min_count < floor:
        reason = "the system pool needs at least one node" if system else "counts cannot be negative"
        yield Problem(f"{key}.min_count", pool.min_count, f"use {floor} or more: {reason}")
    if pool.max_count > MAX_POOL_NODES:
        yield Problem(f"{key}.max_count", pool.max_count, f"use at most {MAX_POOL_NODES}")
    if pool.min_count > pool.max_count:
        yield Problem(
            f"{key}.min_count",
            pool.min_count,
            f"must not exceed max_count ({pool.max_count}): 0 <= min <= node_count <= max <= 1000",
        )
    if pool.node_count is not None and not pool.min_count <= pool.node_count <= pool.max_count:
        yield Problem(
            f"{key}.node_count",
            pool.node_count,
            f"must lie between min_count ({pool.min_count}) and max_count ({pool.max_count})",
        )


def zone_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    """Pools ask for zones only where the region has them (that the region exists is a rule on
    the model)."""
    regions = load_regions()
    if regions[settings.location]:
        return
    for key, pool in all_pools(settings):
        if pool.zones:
            yield Problem(
                f"{key}.zones",
                list(pool.zones),
                f"{settings.location} has no availability zones: remove zones, or choose a region with "
                "them (data/azure-regions.toml)",
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


def pool_count_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    pools = 1 + len(settings.user_pools)
    if pools > MAX_NODE_POOLS:
        yield Problem(
            "user_pools",
            f"{len(settings.user_pools)} pools",
            f"AKS allows at most {MAX_NODE_POOLS} node pools in a cluster, the system pool included, "
            f"and this is {pools}: use at most {MAX_NODE_POOLS - 1} user pools",
        )


def pool_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    yield from pool_count_problems(settings)
    yield from system_pool_size_problems(settings.system_pool)
    yield from merged_tag_problems("system_pool", settings.system_pool, settings)
    yield from pod_density_problems("system_pool", settings.system_pool)
    for index, pool in enumerate(settings.user_pools):
        yield from pod_density_problems(f"user_pools[{index}]", pool)
        yield from merged_tag_problems(f"user_pools[{index}]", pool, settings)
