"""Builds every stack of the selected environments into one cdktf App."""

from __future__ import annotations

from dataclasses import dataclass

from cdktf import App

from aks_platform.cluster_stack import ClusterStack
from aks_platform.naming import Naming
from aks_platform.settings import EnvironmentSettings


@dataclass(frozen=True)
class EnvironmentStacks:
    cluster: ClusterStack


def build_stacks(app: App, environments: dict[str, EnvironmentSettings]) -> dict[str, EnvironmentStacks]:
    built = {}
    for name, settings in environments.items():
        naming = Naming(name, settings.prefix, settings.location)
        built[name] = EnvironmentStacks(cluster=ClusterStack(app, naming, settings))
    return built
