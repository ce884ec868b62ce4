"""Rules that a well-typed environment must still meet before anything is synthesized.

pydantic (settings.py) checks shape and types. The rules here check values and combinations
that Azure or the AI conformance floor would reject, and return every problem at once, each
with the key path to fix and a message that says what is allowed.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from aks_platform import manifests
from aks_platform.allocatable import kaito_request_problems
from aks_platform.azure_facts import load_regions, load_vm_sizes
from aks_platform.azure_naming import name_problems
from aks_platform.currency import version_problems
from aks_platform.endpoint import endpoint_problems
from aks_platform.gpu_rules import gpu_pool_problems
from aks_platform.kubernetes_names import TAINT
from aks_platform.placement import placement_problems
from aks_platform.queues import queue_problems
from aks_platform.rules_cluster import cluster_problems
from aks_platform.rules_pools import has_gpus, pool_problems
from aks_platform.settings import EnvironmentSettings, NodePoolSettings, replaced_pools_hint
from aks_platform.settings.production import maintenance_problems
from aks_platform.validation_types import NO_VALUE, Problem

__all__ = ["NO_VALUE", "Problem", "check_environment", "gpu_taint_key", "is_gpu_taint"]

# AKS allows at most 1000 nodes in a pool.
MAX_POOL_NODES = 1000

# Azure Resource Manager: at most 50 tag name/value pairs on a resource.
TAGS_PER_RESOURCE_MAX = 50

# KAITO on Azure provisions SKUs of its own table or, beyond it, N- and D-series sizes.
HUGGING_FACE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")
IMAGE_CLEANER_HOURS = (24, 2160)
LOG_RETENTION_DAYS = (30, 730)


def check_environment(name: str, settings: EnvironmentSettings) -> list[Problem]:
    """Every problem in one environment's settings; an empty list means it can be synthesized."""
    return [
        *name_problems(name, settings),
        *_check_cluster(settings),
        *_check_cluster_combinations(settings),
        *_check_istio(settings),
        *_check_pools(settings),
        *gpu_pool_problems(settings),
        *_check_workloads(settings),
        *_check_manifests(settings),
        *endpoint_problems(settings),
        *_check_location(settings),
        *_check_tag_counts(settings),
        *version_problems(settings),
        *maintenance_problems(settings),
        *pool_problems(settings),
        *cluster_problems(settings),
        *kaito_request_problems(settings),
    ]


def _check_cluster(settings: EnvironmentSettings) -> Iterator[Problem]:
    # The version's form and the AI conformance floor are rules on the model (field_rules).
    cluster = settings.cluster
    if not cluster.oidc_issuer_enabled:
        for key, enabled, what in (
            ("cluster.kaito_enabled", cluster.kaito_enabled, "KAITO"),
            ("cluster.workload_identity_enabled", cluster.workload_identity_enabled, "workload identity"),
        ):
            if enabled:
                yield Problem(
                    key,
                    enabled,
                    f"{what} needs the OIDC issuer: set cluster.oidc_issuer_enabled = true or {key} = false",
                )


def _check_cluster_combinations(settings: EnvironmentSettings) -> Iterator[Problem]:
    """Combinations Azure refuses, and formats it would reject at deploy time."""
    cluster = settings.cluster
    if cluster.local_account_disabled and cluster.entra_id_rbac is None:
        yield Problem(
            "cluster.local_account_disabled",
            True,
            "without local accounts nobody can sign in: add [cluster.entra_id_rbac] with "
            "admin_group_object_ids, or set local_account_disabled = false",
        )
    if cluster.cost_analysis_enabled and cluster.sku_tier in (None, "Free"):
        yield Problem(
            "cluster.cost_analysis_enabled",
            True,
            'cost analysis needs sku_tier "Standard" or "Premium"; the Free tier refuses it',
        )
    if cluster.automatic_upgrade_channel == "node-image" and cluster.node_os_upgrade_channel not in (
        None,
        "NodeImage",
    ):
        yield Problem(
            "cluster.node_os_upgrade_channel",
            cluster.node_os_upgrade_channel,
            'with automatic_upgrade_channel = "node-image" it must be "NodeImage"',
        )
    network = cluster.network
    if network is not None:
        if network.data_plane == "cilium" and network.policy != "cilium":
            yield Problem(
                "cluster.network.policy",
                network.policy,
                'the Cilium data plane enforces policy itself: set policy = "cilium"',
            )
        if network.policy == "cilium" and network.data_plane != "cilium":
            yield Problem(
                "cluster.network.data_plane",
                network.data_plane,
                'Cilium network policy needs data_plane = "cilium"',
            )
        # Azure Network Policy Manager and the Cilium data plane run on Azure CNI only; with
        # kubenet, Calico is the one policy engine (AKS network policy docs, comparison table).
        if network.plugin != "azure" and network.data_plane == "cilium":
            yield Problem(
                "cluster.network.data_plane",
                network.data_plane,
                'the Cilium data plane needs plugin = "azure"',
            )
        if network.plugin != "azure" and network.policy == "azure":
            yield Problem(
                "cluster.network.policy",
                network.policy,
                'Azure Network Policy Manager needs plugin = "azure"; with kubenet use "calico"',
            )
        if network.plugin_mode == "overlay" and network.plugin != "azure":
            yield Problem("cluster.network.plugin", network.plugin, 'overlay mode needs plugin = "azure"')
    if cluster.private_cluster_enabled and cluster.api_server_authorized_ip_ranges:
        yield Problem(
            "cluster.api_server_authorized_ip_ranges",
            list(cluster.api_server_authorized_ip_ranges),
            "a private cluster has no public API server to restrict: remove the ranges or set "
            "private_cluster_enabled = false",
        )
    low, high = IMAGE_CLEANER_HOURS
    if cluster.image_cleaner_enabled and not low <= cluster.image_cleaner_interval_hours <= high:
        yield Problem(
            "cluster.image_cleaner_interval_hours",
            cluster.image_cleaner_interval_hours,
            f"use {low}-{high} hours",
        )
    low, high = LOG_RETENTION_DAYS
    insights = settings.container_insights
    if insights.enabled and not low <= insights.retention_in_days <= high:
        yield Problem(
            "container_insights.retention_in_days", insights.retention_in_days, f"use {low}-{high} days"
        )


def _check_istio(settings: EnvironmentSettings) -> Iterator[Problem]:
    istio = settings.istio
    if not istio.enabled:
        return
    # Each revision's form, that it is known, and how many are rules on the model (field_rules).
    if not istio.revisions:
        yield Problem("istio.revisions", [], 'list at least one revision, such as ["asm-1-30"]')


def _check_pools(settings: EnvironmentSettings) -> Iterator[Problem]:
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
    # The forms of names, size, zones, disk and upgrade values are rules on the model
    # (aks_platform/field_rules.py); a derived rotation name fits whenever the name does.
    if not system and pool.only_critical_addons:
        yield Problem(
            f"{key}.only_critical_addons",
            True,
            "applies to the system pool only (it taints the pool CriticalAddonsOnly); remove it here",
        )
    yield from _check_scaling(key, pool, system=system)
    yield from _check_taints(key, pool, system=system)
    yield from _check_ephemeral_os_disk(key, pool)
    yield from _check_gpu_profile(key, pool)


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


def _check_taints(key: str, pool: NodePoolSettings, *, system: bool) -> Iterator[Problem]:
    gpu_taint = False
    # The form of each taint is a rule on the model (field_rules.Taint).
    for taint in pool.taints:
        if is_gpu_taint(taint):
            gpu_taint = True
    if system:
        # A GPU size on the system pool is refused by rules_pools (GPUs belong in a user pool).
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


def is_gpu_taint(taint: str) -> bool:
    return "gpu" in taint.split(":")[0].lower()


def gpu_taint_key(pool: NodePoolSettings) -> str | None:
    """The key of the pool's GPU taint, which GPU system pods must tolerate."""
    for taint in pool.taints:
        match = TAINT.match(taint)
        if match and is_gpu_taint(taint):
            return match["key"]
    return None


def _check_workloads(settings: EnvironmentSettings) -> Iterator[Problem]:
    workloads = settings.workloads
    if not workloads.enabled:
        return
    # Names, counts, weights, header and quantities have their forms checked on the model.
    kaito = workloads.kaito_workspace
    if kaito.enabled:
        yield from _check_kaito(settings)
    routing = workloads.inference_routing
    if routing.enabled:
        for needed, key, what in (
            (kaito.enabled, "workloads.kaito_workspace.enabled", "a KAITO workspace to route to"),
            (settings.istio.enabled, "istio.enabled", "the Istio add-on (its Gateway API implementation)"),
            (settings.gateway_api.enabled, "gateway_api.enabled", "the managed Gateway API CRDs"),
        ):
            if not needed:
                yield Problem("workloads.inference_routing.enabled", True, f"needs {what}: set {key} = true")
        if routing.stable_weight + routing.canary_weight == 0:
            yield Problem(
                "workloads.inference_routing.stable_weight", 0, "at least one weight must be above 0"
            )
    scheduling = workloads.gang_scheduling
    if scheduling.enabled:
        yield from queue_problems(settings)
    yield from placement_problems(settings)
    if workloads.dra.enabled:
        yield from _check_dra(settings)


def _check_kaito(settings: EnvironmentSettings) -> Iterator[Problem]:
    """What the AKS add-on's KAITO admits (data/kaito.toml names each rule's source)."""
    kaito = settings.workloads.kaito_workspace
    key = "workloads.kaito_workspace"
    if not settings.cluster.kaito_enabled:
        yield Problem(f"{key}.enabled", True, "a KAITO workspace needs cluster.kaito_enabled = true")
    # The size's form and that data/vm-sizes.toml has it are rules on the model (field_rules).
    size = load_vm_sizes().get(kaito.instance_type)
    if kaito.runtime == "preset":
        if not HUGGING_FACE_ID.match(kaito.model):
            yield Problem(
                f"{key}.model",
                kaito.model,
                "the preset runtime takes a Hugging Face model id, organization/name, such as "
                "HuggingFaceTB/SmolLM2-1.7B-Instruct",
            )
        if size is not None and not size.gpus:
            yield Problem(
                f"{key}.runtime",
                "preset",
                f"KAITO's vLLM preset needs GPUs and {size.name} has none: use an N-series instance_type, "
                'or runtime = "template" for a CPU model server',
            )
    # The template runtime's requests against the node's allocatable: aks_platform/allocatable.py.


def _check_dra(settings: EnvironmentSettings) -> Iterator[Problem]:
    dra = settings.workloads.dra
    pool = next((pool for pool in settings.user_pools if pool.name == dra.node_pool), None)
    if pool is None:
        names = ", ".join(pool.name for pool in settings.user_pools) or "none defined"
        yield Problem(
            "workloads.dra.node_pool",
            dra.node_pool,
            f"name one of the user pools: {names}{replaced_pools_hint(settings)}",
        )
        return
    if not has_gpus(pool.vm_size):
        yield Problem(
            "workloads.dra.enabled",
            True,
            f"the DRA driver needs GPUs, and pool {pool.name} is {pool.vm_size}: use an N-series size "
            "or set workloads.dra.enabled = false",
        )
    if pool.gpu_driver != "None" or pool.gpu_management == "Managed":
        yield Problem(
            "workloads.dra.enabled",
            True,
            f"pool {pool.name} runs NVIDIA's device plugin (gpu_driver installed by AKS or the managed GPU "
            'stack), and the DRA driver refuses to run beside it: set gpu_driver = "None" on the pool (and '
            "install the driver yourself) or use the device plugin and set workloads.dra.enabled = false",
        )


def _check_manifests(settings: EnvironmentSettings) -> Iterator[Problem]:
    """Render the templates the workloads stack will use, so a bad value fails here."""
    workloads = settings.workloads
    renders = [
        (
            "workloads.kaito_workspace",
            workloads.kaito_workspace.enabled,
            manifests.kaito_workspace,
            (workloads.kaito_workspace,),
        ),
        (
            "workloads.inference_routing",
            workloads.inference_routing.enabled,
            manifests.inference_routing,
            (workloads.inference_routing, workloads.kaito_workspace),
        ),
    ]
    for key, enabled, render, arguments in renders:
        if workloads.enabled and enabled:
            try:
                render(*arguments)
            except manifests.ManifestError as error:
                yield Problem(key, NO_VALUE, str(error))


def _all_pools(settings: EnvironmentSettings) -> list[tuple[str, NodePoolSettings]]:
    return [("system_pool", settings.system_pool)] + [
        (f"user_pools[{index}]", pool) for index, pool in enumerate(settings.user_pools)
    ]


def _check_location(settings: EnvironmentSettings) -> Iterator[Problem]:
    """Pools ask for zones only where the region has them (that the region exists is a rule on
    the model)."""
    regions = load_regions()
    if regions[settings.location]:
        return
    for key, pool in _all_pools(settings):
        if pool.zones:
            yield Problem(
                f"{key}.zones",
                list(pool.zones),
                f"{settings.location} has no availability zones: remove zones, or choose a region with "
                "them (data/azure-regions.toml)",
            )


def _check_tag_counts(settings: EnvironmentSettings) -> Iterator[Problem]:
    if len(settings.tags) > TAGS_PER_RESOURCE_MAX:
        yield Problem(
            "tags",
            f"{len(settings.tags)} tags",
            f"Azure allows at most {TAGS_PER_RESOURCE_MAX} tags on a resource",
        )
    for key, pool in _all_pools(settings):
        merged = {**settings.tags, **pool.tags}
        if len(merged) > TAGS_PER_RESOURCE_MAX and len(settings.tags) <= TAGS_PER_RESOURCE_MAX:
            yield Problem(
                f"{key}.tags",
                f"{len(merged)} tags with the environment's",
                f"Azure allows at most {TAGS_PER_RESOURCE_MAX} tags on a resource",
            )


def _check_ephemeral_os_disk(key: str, pool: NodePoolSettings) -> Iterator[Problem]:
    if pool.os_disk_type != "Ephemeral":
        return
    size = load_vm_sizes().get(pool.vm_size)
    if size is None:
        return  # an unknown size is refused on the model (field_rules.VmSize)
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


def _check_gpu_profile(key: str, pool: NodePoolSettings) -> Iterator[Problem]:
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
