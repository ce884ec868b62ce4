"""The kube-state-metrics allowlists of managed Prometheus: settings type and the value AKS takes.

A setting is a table from a kube-state-metrics resource to the label (or annotation) keys its
metrics may carry, such as `labels_allowed = { pods = ["app", "team"] }`. AKS wants one string in
kube-state-metrics' form, `namespaces=[team],pods=[app,team]` (data/kube-state-metrics.toml says
where that form and the resource names come from).
"""

from __future__ import annotations

import functools
import json
import tomllib
from collections.abc import Mapping, Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, StrictStr

from aks_platform.kubernetes_names import QUALIFIED_NAME_WORDS, is_qualified_name, refuse
from aks_platform.paths import DATA

KUBE_STATE_METRICS = DATA / "kube-state-metrics.toml"
ALL_KEYS = "*"


@functools.cache
def resources() -> tuple[str, ...]:
    return tuple(tomllib.loads(KUBE_STATE_METRICS.read_text(encoding="utf-8"))["resources"])


def _resource(value: str) -> str:
    if value not in resources():
        close = [name for name in resources() if name.startswith(value[:3])] or ["pods", "namespaces"]
        raise refuse(
            "not a kube-state-metrics resource (data/kube-state-metrics.toml); use its plural lower-case "
            f"name, such as {', '.join(close[:3])}"
        )
    return value


def _key(value: str) -> str:
    if value != ALL_KEYS and not is_qualified_name(value):
        raise refuse(f'a key is "*" or a Kubernetes key: {QUALIFIED_NAME_WORDS}')
    return value


def _keys(values: tuple[str, ...]) -> tuple[str, ...]:
    if not values:
        raise refuse('list at least one key (or "*"), or leave the resource out')
    return values


def _a_table(value: Any) -> Any:
    """The setting once was a list of keys, which AKS read as no resource at all: say the new form."""
    if isinstance(value, (list, tuple, str)):
        keys = ", ".join(json.dumps(key) for key in value) if not isinstance(value, str) else '"app"'
        raise refuse(
            "kube-state-metrics takes keys per resource: write a table of resource = [keys], such as "
            f"{{ pods = [{keys}] }}"
        )
    return value


Allowlist = Annotated[
    dict[
        Annotated[StrictStr, AfterValidator(_resource)],
        Annotated[tuple[Annotated[StrictStr, AfterValidator(_key)], ...], AfterValidator(_keys)],
    ],
    BeforeValidator(_a_table),
]


def allowlist_value(allowlist: Mapping[str, Sequence[str]]) -> tuple[str, ...]:
    """Each resource's entry in kube-state-metrics' form, in name order (joined by commas, they are
    the string AKS takes): {"pods": ["app", "team"]} -> ("pods=[app,team]",)."""
    return tuple(f"{resource}=[{','.join(allowlist[resource])}]" for resource in sorted(allowlist))
