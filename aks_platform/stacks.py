"""Builds every stack of the selected environments into one cdktf App."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import App

from aks_platform.cluster_stack import ClusterStack
from aks_platform.naming import Naming
from aks_platform.settings import EnvironmentSettings
from aks_platform.workloads_stack import WorkloadsStack


@dataclass(frozen=True)
class EnvironmentStacks:
    cluster: ClusterStack
    workloads: WorkloadsStack | None


def build_stacks(app: App, environments: dict[str, EnvironmentSettings]) -> dict[str, EnvironmentStacks]:
    """The cluster stack of each environment and, unless turned off, its workloads stack."""
    built = {}
    for name, settings in environments.items():
        naming = Naming(name, settings.prefix, settings.location)
        cluster = ClusterStack(app, naming, settings)
        workloads = (
            WorkloadsStack(app, naming, settings, cluster.cluster, access_ready=cluster.access_ready)
            if settings.workloads.enabled
            else None
        )
        built[name] = EnvironmentStacks(cluster=cluster, workloads=workloads)
    return built
