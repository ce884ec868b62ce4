"""Agent pool fields AKS fixes at creation (data/immutable-pool-fields.toml), and where a synthesized
stack would send one of them after the pool exists.

An update resource (`azapi_update_resource`, `azapi_resource_action`) on an agent pool, or on the
cluster's agentPoolProfiles, that carries one of these fields asks AKS for a change it refuses:
`sent_by_updates` finds them. The agent pool resource itself (`azapi_resource`) may carry them,
since it creates the pool; it lists them in replace_triggers_refs so a change replaces the pool.
"""

from __future__ import annotations

import functools
import tomllib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from aks_platform.paths import DATA

IMMUTABLE_FIELDS_TABLE = DATA / "immutable-pool-fields.toml"
UPDATE_TYPES = ("azapi_update_resource", "azapi_resource_action")
AGENT_POOLS = "Microsoft.ContainerService/managedClusters/agentPools@"
MANAGED_CLUSTERS = "Microsoft.ContainerService/managedClusters@"


@dataclass(frozen=True)
class ImmutableField:
    path: str
    'Dot-separated path in the agentPools REST body, such as "properties.vmSize".'
    azurerm: str | None
    "The azurerm_kubernetes_cluster_node_pool attribute, when azurerm has one."
    source: str


@functools.cache
def load_immutable_fields() -> tuple[ImmutableField, ...]:
    document: dict[str, Any] = tomllib.loads(IMMUTABLE_FIELDS_TABLE.read_text(encoding="utf-8"))
    return tuple(
        ImmutableField(path=row["path"], azurerm=row.get("azurerm"), source=row["source"])
        for row in document["fields"]
    )


def immutable_paths() -> tuple[str, ...]:
    return tuple(field.path for field in load_immutable_fields())


def _has(body: Any, parts: list[str]) -> bool:
    for part in parts:
        if not isinstance(body, Mapping) or part not in body:
            return False
        body = body[part]
    return True


def _pool_bodies(resource_type: str, body: Any) -> Iterator[tuple[str, Any, str]]:
    """(where, body, path prefix) of each agent pool an update body touches."""
    if resource_type.startswith(AGENT_POOLS):
        yield "", body, ""
    elif resource_type.startswith(MANAGED_CLUSTERS) and isinstance(body, Mapping):
        profiles = (body.get("properties") or {}).get("agentPoolProfiles") or []
        for index, profile in enumerate(profiles):
            # A profile holds the pool's properties directly (no "properties" level).
            yield f"properties.agentPoolProfiles[{index}].", {"properties": profile}, ""


def sent_by_updates(stack: Mapping[str, Any]) -> list[str]:
    """'<address>: <path>' for every immutable pool field an update resource of the stack sends."""
    found = []
    for resource_type in UPDATE_TYPES:
        for name, resource in (stack.get("resource", {}).get(resource_type) or {}).items():
            for where, body, _ in _pool_bodies(str(resource.get("type", "")), resource.get("body") or {}):
                for path in immutable_paths():
                    if _has(body, path.split(".")):
                        shown = where + path.removeprefix("properties.") if where else path
                        found.append(f"{resource_type}.{name}: {shown}")
    return found
