"""Every rule that a well-typed environment must still meet before anything is synthesized.

pydantic checks shape, types and the rules on one value (on the fields of each section's models,
aks_platform/settings/). The rules across values live beside the models of their section
(aks_platform/settings/<section>.py) or in the module of what they check (names, versions, the
endpoint, the KAITO requests); check_environment runs them all, in this order, and returns every
problem at once, each with the key path to fix and a message that says what is allowed.
"""

from __future__ import annotations

from aks_platform.azure_naming import name_problems
from aks_platform.settings import (
    EnvironmentSettings,
    cluster,
    environment,
    gpus,
    kaito,
    monitoring,
    pools,
    routing,
    versions,
    workloads,
)
from aks_platform.settings.production import maintenance_problems
from aks_platform.settings.versions import version_problems
from aks_platform.validation_types import NO_VALUE, Problem

__all__ = ["NO_VALUE", "Problem", "check_environment"]


def check_environment(name: str, settings: EnvironmentSettings) -> list[Problem]:
    """Every problem in one environment's settings; an empty list means it can be synthesized."""
    return [
        *name_problems(name, settings),
        *cluster.oidc_problems(settings),
        *cluster.combination_problems(settings),
        *monitoring.retention_problems(settings),
        *versions.istio_problems(settings),
        *pools.pool_value_problems(settings),
        *gpus.gpu_pool_problems(settings),
        *workloads.workload_problems(settings),
        *workloads.manifest_problems(settings),
        *routing.endpoint_problems(settings),
        *pools.zone_problems(settings),
        *environment.tag_count_problems(settings),
        *version_problems(settings),
        *maintenance_problems(settings),
        *pools.pool_problems(settings),
        *cluster.cluster_problems(settings),
        *kaito.kaito_request_problems(settings),
    ]
