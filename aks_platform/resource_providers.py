"""Which resource providers and subscription features a stack's resources need, from
data/resource-providers.toml, and their registration before those resources.

`needs(resource_type, attributes)` reads one resource as Terraform JSON (its type and its
attributes, as synthesized), so the same function serves the stack while it is built and the
tests on the synthesized file. At the end of the cluster stack, `stack_needs(stack)` reads every
resource's JSON; the stack registers what they need (constructs/resource_providers.py, with props
from aks_platform/construct_props/) and `order_after_registrations` makes each resource depend on
the registrations it needs.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any

from cdktf import ITerraformDependable, TerraformResource, TerraformStack

from aks_platform.paths import DATA
from constructs.resource_providers import ResourceProviders

TABLE_FILE = DATA / "resource-providers.toml"
FROM_TYPE = "namespace of type"


class UnknownResourceTypeError(LookupError):
    """A resource type that data/resource-providers.toml does not list."""


@dataclass(frozen=True)
class Needs:
    providers: frozenset[str] = frozenset()
    features: frozenset[str] = frozenset()
    '"Namespace/FeatureName"'

    def __or__(self, other: Needs) -> Needs:
        return Needs(self.providers | other.providers, self.features | other.features)


@dataclass(frozen=True)
class SettingRule:
    what: str
    resource_type: str
    path: tuple[str, ...]
    providers: tuple[str, ...]
    features: tuple[str, ...]
    source: str
    equals: Any = None
    has_equals: bool = field(default=False)

    def applies(self, resource_type: str, attributes: Mapping[str, Any]) -> bool:
        if resource_type != self.resource_type:
            return False
        return any(
            value is not None and (not self.has_equals or value == self.equals)
            for value in _values_at(attributes, self.path)
        )


def _values_at(value: Any, path: Sequence[str]) -> Iterable[Any]:
    if isinstance(value, list):
        for item in value:
            yield from _values_at(item, path)
        return
    if not path:
        yield value
        return
    if isinstance(value, Mapping) and path[0] in value:
        yield from _values_at(value[path[0]], path[1:])


@dataclass(frozen=True)
class ProviderTable:
    always_registered: frozenset[str]
    resource_types: Mapping[str, Sequence[str] | str]
    settings: tuple[SettingRule, ...]

    def needs(self, resource_type: str, attributes: Mapping[str, Any]) -> Needs:
        """What one resource needs: its type's providers and those of the settings it turns on."""
        if resource_type not in self.resource_types:
            raise UnknownResourceTypeError(
                f"{resource_type} is not in {TABLE_FILE.name}: add which resource providers it needs"
            )
        entry = self.resource_types[resource_type]
        if entry == FROM_TYPE:
            arm_type = str(attributes.get("type", ""))
            providers = {arm_type.split("/", 1)[0]} if "/" in arm_type else set()
        else:
            providers = set(entry)
        found = Needs(frozenset(providers))
        for rule in self.settings:
            if rule.applies(resource_type, attributes):
                found = found | Needs(frozenset(rule.providers), frozenset(rule.features))
        providers_needed = found.providers | {feature.split("/", 1)[0] for feature in found.features}
        return Needs(frozenset(providers_needed - self.always_registered), found.features)


@cache
def load_table() -> ProviderTable:
    document = tomllib.loads(TABLE_FILE.read_text(encoding="utf-8"))
    rules = tuple(
        SettingRule(
            what=entry["what"],
            resource_type=entry["resource_type"],
            path=tuple(entry["path"].split(".")),
            providers=tuple(entry["providers"]),
            features=tuple(entry["features"]),
            source=entry["source"],
            equals=entry.get("equals"),
            has_equals="equals" in entry,
        )
        for entry in document["settings"]
    )
    return ProviderTable(frozenset(document["always_registered"]), document["resource_types"], rules)


def resource_json(resource: TerraformResource) -> tuple[str, dict[str, Any]]:
    """A resource's type and attributes as it synthesizes (literal values; references as tokens)."""
    ((resource_type, body),) = resource.to_terraform()["resource"].items()
    ((_, attributes),) = body.items()
    return resource_type, attributes


@dataclass(frozen=True)
class StackNeeds:
    """What each resource of a stack needs, and all of it together."""

    per_resource: tuple[tuple[TerraformResource, Needs], ...]
    total: Needs


def stack_needs(stack: TerraformStack) -> StackNeeds:
    """Every resource's needs, read from its JSON as it synthesizes."""
    table = load_table()
    resources = [element for element in stack.node.find_all() if isinstance(element, TerraformResource)]
    per_resource = tuple((resource, table.needs(*resource_json(resource))) for resource in resources)
    total = Needs()
    for _, found in per_resource:
        total = total | found
    return StackNeeds(per_resource, total)


def order_after_registrations(
    needs: StackNeeds, registrations: ResourceProviders, already: Mapping[str, ITerraformDependable]
) -> None:
    """Make each resource depend on the registrations it needs.

    A namespace in `already` is ordered by whoever registers it (the cluster depends on the
    preview features' re-registration, and everything on the cluster comes after it)."""
    for resource, found in needs.per_resource:
        wanted = [registrations.providers[name] for name in sorted(found.providers) if name not in already]
        if wanted:
            # Terraform wants plain addresses in depends_on (what cdktf writes for its own).
            addresses = [f"{item.terraform_resource_type}.{item.friendly_unique_id}" for item in wanted]
            resource.depends_on = [*(resource.depends_on or []), *addresses]
