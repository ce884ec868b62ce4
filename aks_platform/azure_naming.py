"""Azure's naming rules for the names derived from prefix and location (data/azure-naming.toml).

Each derived name of an environment is checked against its resource type's length and characters,
and the names unique per resource group are what aks_platform.collisions compares across
environments.
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from aks_platform.naming import Naming
from aks_platform.paths import DATA
from aks_platform.settings import EnvironmentSettings
from aks_platform.validation_types import Problem

NAMING_TABLE = DATA / "azure-naming.toml"
SHORTEN = "shorten prefix or location"


@dataclass(frozen=True)
class NameRule:
    name: str
    what: str
    type: str
    low: int
    high: int
    pattern: re.Pattern[str]
    allowed: str
    scope: str
    when: str


@functools.cache
def derived_rules() -> tuple[NameRule, ...]:
    document: dict[str, Any] = tomllib.loads(NAMING_TABLE.read_text(encoding="utf-8"))
    return tuple(
        NameRule(
            name=name,
            what=row["what"],
            type=row["type"],
            low=int(row["min"]),
            high=int(row["max"]),
            pattern=re.compile(row["pattern"]),
            allowed=row["allowed"],
            scope=row["scope"],
            when=row["when"],
        )
        for name, row in document["derived"].items()
    )


def derived_names(environment: str, settings: EnvironmentSettings) -> list[tuple[NameRule, str]]:
    """The Azure names an environment creates, with their rules (only resources it has)."""
    naming = Naming(environment, settings.prefix, settings.location)
    names = []
    for rule in derived_rules():
        if rule.when and not getattr(settings, rule.when).enabled:
            continue
        names.append((rule, getattr(naming, rule.name)))
    return names


def name_problems(environment: str, settings: EnvironmentSettings) -> Iterator[Problem]:
    # The forms of prefix and location are rules on the model (aks_platform/settings/environment.py).
    for rule, name in derived_names(environment, settings):
        if not rule.low <= len(name) <= rule.high:
            yield Problem(
                "prefix",
                settings.prefix,
                f"the {rule.what} name {name!r} has {len(name)} characters and Azure allows "
                f"{rule.low}-{rule.high} ({rule.type}); {SHORTEN}",
            )
        elif not rule.pattern.match(name):
            yield Problem(
                "prefix",
                settings.prefix,
                f"the {rule.what} name {name!r} must be {rule.allowed} ({rule.type}); change prefix",
            )
