"""Environments that would collide in Azure: refused together, each naming the other file.

Two kinds of collision:
- The same name for a resource unique per resource group (the cluster, workspaces, rules:
  data/azure-naming.toml, scope "resource group"). The stacks' resource group is a Terraform
  variable, not a setting, so two environment files can deploy into the same one; we cannot see
  it, so the same derived name counts as a collision. The second deploy would fail with
  "already exists - to be managed via Terraform this resource needs to be imported".
- The same Terraform state: two environments whose azurerm backend names the same storage
  account, container and blob (storage account names are globally unique) would overwrite each
  other's state.
Only environments loaded together are compared (make synth and main.py --check load every file).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping

from aks_platform.azure_naming import derived_names
from aks_platform.naming import Naming
from aks_platform.settings import AzurermBackendSettings, EnvironmentSettings
from aks_platform.validation_types import NO_VALUE, Problem


def _resource_group_names(environment: str, settings: EnvironmentSettings) -> dict[str, str]:
    """What (such as "cluster") -> the lower-cased name, for names unique per resource group
    (Azure resource names are case-insensitive)."""
    return {
        rule.what: name.lower()
        for rule, name in derived_names(environment, settings)
        if rule.scope == "resource group"
    }


def state_blobs(environment: str, settings: EnvironmentSettings) -> set[tuple[str, str, str]]:
    """(storage account, container, blob) of both stacks' state, for an azurerm backend."""
    backend = settings.backend
    if not isinstance(backend, AzurermBackendSettings):
        return set()
    naming = Naming(environment, settings.prefix, settings.location)
    keys = {naming.state_blob(backend.key, stack) for stack in (naming.stack, naming.workloads_stack)}
    account, container = backend.storage_account_name.lower(), backend.container_name
    return {(account, container, key) for key in keys}


def _pair_problems(
    first: str, second: str, settings: EnvironmentSettings, other: EnvironmentSettings, other_file: str
) -> Iterator[Problem]:
    mine, theirs = _resource_group_names(first, settings), _resource_group_names(second, other)
    shared = [what for what in mine if theirs.get(what) == mine[what]]
    if shared:
        yield Problem(
            "prefix",
            settings.prefix,
            f"{other_file} has the same prefix and location ({settings.location}), so both would create "
            f"the {', '.join(shared)} named {mine[shared[0]]!r} and so on; the resource group is a "
            'Terraform variable, so both can land in one, where the second deploy fails with "already '
            'exists": give one of them another prefix',
        )
    blobs = sorted(state_blobs(first, settings) & state_blobs(second, other))
    if blobs:
        account, container, key = blobs[0]
        yield Problem(
            "backend.key",
            NO_VALUE,
            f"{other_file} keeps its Terraform state in the same blob ({account}/{container}/{key}), so each "
            "would overwrite the other's state: give one of them another key or container",
        )


def collision_problems(
    environments: Mapping[str, tuple[str, EnvironmentSettings]],
) -> list[tuple[str, Problem]]:
    """(file, problem) for every pair of environments that collide, reported in both files.
    `environments` maps an environment's name to (its file as messages show it, its settings)."""
    problems: list[tuple[str, Problem]] = []
    for (first, (first_file, first_settings)), (
        second,
        (second_file, second_settings),
    ) in itertools.combinations(sorted(environments.items()), 2):
        for problem in _pair_problems(first, second, first_settings, second_settings, second_file):
            problems.append((first_file, problem))
        for problem in _pair_problems(second, first, second_settings, first_settings, first_file):
            problems.append((second_file, problem))
    return problems
