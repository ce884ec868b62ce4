"""Somewhere for ordinary pods to run: a pool without taints that always has a node.

Kueue's controller and the Istio gateway's pods carry no tolerations and no node selector (Kueue
chart values.yaml and templates/manager/manager.yaml at v0.19.2; Istio's gateway Deployment
template), so they need an untainted node. The system pool is tainted CriticalAddonsOnly when
`only_critical_addons` is on (azurerm's only_critical_addons_enabled); a GPU pool is tainted for
GPU workloads, and one that scales from zero has no node until a GPU workload asks for one.
tests/test_scheduling.py checks every pod of the synthesized stacks against every pool.
"""

from __future__ import annotations

from aks_platform.settings import EnvironmentSettings, NodePoolSettings
from aks_platform.validation_types import Problem

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
