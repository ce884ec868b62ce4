"""The workloads stack ([workloads]): gang scheduling with Kueue, the NVIDIA DRA driver, where
ordinary pods run, and the rules across them; the KAITO workspace is aks_platform.settings.kaito,
inference routing aks_platform.settings.routing.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated

from pydantic import StrictBool, StrictStr

from aks_platform.azure_facts import load_vm_sizes
from aks_platform.kubernetes_names import Namespace
from aks_platform.settings.base import Settings, matching
from aks_platform.settings.gpus import has_gpus
from aks_platform.settings.kaito import KaitoWorkspaceSettings, kaito_problems
from aks_platform.settings.pools import replaced_pools_hint
from aks_platform.settings.routing import InferenceRoutingSettings, routing_problems
from aks_platform.validation_types import NO_VALUE, Problem

if TYPE_CHECKING:
    from aks_platform.settings.environment import EnvironmentSettings
    from aks_platform.settings.pools import NodePoolSettings

HostPath = Annotated[StrictStr, matching(r"^/", "use an absolute host path")]


# gang_scheduling.batch_pool's value for no batch queue.
NO_BATCH_POOL = "none"


class GangSchedulingSettings(Settings):
    """Kueue (pinned in data/helm-charts.toml) and queues whose quotas are the capacity they describe.

    The KAITO workspace's namespace gets a LocalQueue named "default", so Kueue labels the
    workload KAITO creates there (LocalQueueDefaulting); `batch_pool` gets a queue for batch jobs.
    """

    enabled: StrictBool = True
    "Kueue and its queues; quotas are derived from the pools, not set."
    batch_pool: StrictStr = "gpunp"
    (
        "A user pool whose size is in data/vm-sizes.toml, for batch jobs (its own ClusterQueue and "
        'LocalQueue); "none" leaves it out.'
    )
    batch_namespace: Namespace = "batch"
    "Namespace of the batch LocalQueue (a DNS label), created for it: not default, kube-* or an add-on's."


class DraSettings(Settings):
    """The NVIDIA DRA driver (pinned in data/helm-charts.toml) on a GPU pool without the device plugin.

    AKS runs NVIDIA's device plugin where it installs the driver; the DRA driver refuses to run
    beside it, so DRA needs a pool with gpu_driver = "None" and a driver you install yourself.
    """

    enabled: StrictBool = False
    'The NVIDIA DRA driver; only on a GPU pool with gpu_driver "None" and no managed GPU stack.'
    node_pool: StrictStr = "gpunp"
    "The user pool whose GPUs the driver publishes."
    driver_root: HostPath = "/run/nvidia/driver"
    'Host path of the NVIDIA driver ("/run/nvidia/driver" with NVIDIA\'s GPU Operator).'


class WorkloadsSettings(Settings):
    """The second stack per environment: what runs in the cluster to make it AI-conformant."""

    enabled: StrictBool = True
    "`false` leaves out the whole workloads stack."
    kaito_workspace: KaitoWorkspaceSettings = KaitoWorkspaceSettings()
    inference_routing: InferenceRoutingSettings = InferenceRoutingSettings()
    gang_scheduling: GangSchedulingSettings = GangSchedulingSettings()
    dra: DraSettings = DraSettings()


def workload_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    workloads = settings.workloads
    if not workloads.enabled:
        return
    # Names, counts, weights, header and quantities have their forms checked on the model.
    kaito = workloads.kaito_workspace
    if kaito.enabled:
        yield from kaito_problems(settings)
    yield from routing_problems(settings)
    scheduling = workloads.gang_scheduling
    if scheduling.enabled:
        yield from queue_problems(settings)
    yield from placement_problems(settings)
    if workloads.dra.enabled:
        yield from _check_dra(settings)


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


def manifest_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    """Render the templates the workloads stack will use, so a bad value fails here."""
    # Imported here: aks_platform.manifests imports aks_platform.settings, which imports this module.
    from aks_platform import manifests

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


def queue_problems(settings: EnvironmentSettings) -> list[Problem]:
    """Sizes the quotas cannot be computed for, a batch pool that does not exist, and namespaces
    the queues cannot share."""
    # Imported here: aks_platform.queues imports aks_platform.manifests, which imports
    # aks_platform.settings, which imports this module.
    from aks_platform.queues import DEFAULT_LOCAL_QUEUE, batch_pool, queue_namespaces

    scheduling = settings.workloads.gang_scheduling
    if not (settings.workloads.enabled and scheduling.enabled):
        return []
    problems = []
    sizes = load_vm_sizes()
    routing = settings.workloads.inference_routing
    queued = queue_namespaces(settings)
    if routing.enabled and routing.gateway_namespace in queued:
        problems.append(
            Problem(
                "workloads.inference_routing.gateway_namespace",
                routing.gateway_namespace,
                "Kueue queues the pods of a namespace with a LocalQueue, and Istio runs the gateway's pods "
                f"in the Gateway's namespace: use a namespace of its own (not {', '.join(sorted(queued))})",
            )
        )
    kaito = settings.workloads.kaito_workspace
    if (
        kaito.enabled
        and scheduling.batch_pool != NO_BATCH_POOL
        and scheduling.batch_namespace == kaito.namespace
    ):
        # Kueue's LocalQueueDefaulting would put the batch jobs without a queue-name label in the
        # workspace's "default" LocalQueue (the KAITO nodes' quota), and each namespace's
        # default-deny NetworkPolicy would be rendered twice into one release, which Helm refuses
        # on install ("already exists": helm/helm issue 2947).
        problems.append(
            Problem(
                "workloads.gang_scheduling.batch_namespace",
                scheduling.batch_namespace,
                "the KAITO workspace's namespace (workloads.kaito_workspace.namespace) is the same: "
                f'Kueue would admit batch jobs there into the workspace\'s "{DEFAULT_LOCAL_QUEUE}" queue, '
                "and the namespace's NetworkPolicies would be created twice: give the batch queue a "
                "namespace of its own",
            )
        )
    if scheduling.batch_pool != NO_BATCH_POOL:
        pool = batch_pool(settings)
        if pool is None:
            names = ", ".join(pool.name for pool in settings.user_pools) or "none defined"
            problems.append(
                Problem(
                    "workloads.gang_scheduling.batch_pool",
                    scheduling.batch_pool,
                    f'name one of the user pools ({names}), or "{NO_BATCH_POOL}" for no batch queue'
                    + replaced_pools_hint(settings),
                )
            )
        elif pool.vm_size not in sizes:
            problems.append(
                Problem(
                    "workloads.gang_scheduling.batch_pool",
                    scheduling.batch_pool,
                    f"its quota comes from the pool's size, and {pool.vm_size} is not in data/vm-sizes.toml: "
                    "add the size (vCPUs, memory, GPUs) from its Azure size page",
                )
            )
    return problems


# Somewhere for ordinary pods to run: a pool without taints that always has a node.
#
# Kueue's controller and the Istio gateway's pods carry no tolerations and no node selector (Kueue
# chart values.yaml and templates/manager/manager.yaml at v0.19.2; Istio's gateway Deployment
# template), so they need an untainted node. The system pool is tainted CriticalAddonsOnly when
# `only_critical_addons` is on (azurerm's only_critical_addons_enabled); a GPU pool is tainted for
# GPU workloads, and one that scales from zero has no node until a GPU workload asks for one.
# tests/test_scheduling.py checks every pod of the synthesized stacks against every pool.
HARD_EFFECTS = ("NoSchedule", "NoExecute")


def always_has_nodes(pool: NodePoolSettings) -> bool:
    return ((pool.min_count if pool.auto_scaling else pool.node_count) or 0) >= 1


def hard_taints(pool: NodePoolSettings, *, system: bool) -> list[str]:
    taints = [taint for taint in pool.taints if taint.rsplit(":", 1)[-1] in HARD_EFFECTS]
    if system and pool.only_critical_addons:
        taints.append("CriticalAddonsOnly=true:NoSchedule")
    return taints


def ordinary_pools(settings: EnvironmentSettings) -> list[str]:
    """Pools where a pod without tolerations or node selector can run at any time."""
    pools = [(settings.system_pool, True)] + [(pool, False) for pool in settings.user_pools]
    return [
        pool.name for pool, system in pools if always_has_nodes(pool) and not hard_taints(pool, system=system)
    ]


def placement_problems(settings: EnvironmentSettings) -> list[Problem]:
    workloads = settings.workloads
    needs = [
        name
        for name, enabled in (
            ("Kueue's controller", workloads.gang_scheduling.enabled),
            ("the Istio gateway", workloads.inference_routing.enabled and workloads.kaito_workspace.enabled),
        )
        if enabled
    ]
    if not workloads.enabled or not needs or ordinary_pools(settings):
        return []
    return [
        Problem(
            "user_pools",
            [pool.name for pool in settings.user_pools],
            f"{' and '.join(needs)} run on nodes without taints, and no pool always has one (the system "
            "pool is tainted CriticalAddonsOnly with only_critical_addons; tainted pools and pools that "
            "scale from zero do not count): add a small CPU user pool without taints and with "
            "min_count >= 1, as environments/prod.toml does",
        )
    ]

