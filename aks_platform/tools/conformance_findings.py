"""Reading a synthesized stack for the AI conformance rules: its resources, the Kubernetes objects
the workloads stack applies (manifests and the objects a local chart's values carry), its Helm
releases, and the Finding each rule returns (built with Check).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from aks_platform import yaml_text
from aks_platform.versions import parse_version

Stack = dict[str, Any]

PROVIDED, PARTLY, MISSING, NOT_APPLICABLE = "provided", "partly", "not provided", "not applicable"


@dataclass(frozen=True)
class Finding:
    outcome: str
    evidence: tuple[str, ...] = ()
    missing: tuple[str, ...] = ()

    @property
    def provided(self) -> bool:
        return self.outcome == PROVIDED


@dataclass
class Check:
    """Collects what was found and what was missing while a rule runs."""

    evidence: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)

    def need(self, found: str | None, missing: str) -> None:
        if found:
            self.evidence.append(found)
        else:
            self.missing.append(missing)

    def result(self, *, partial: bool = False) -> Finding:
        """Provided when nothing is missing; partly when `partial` and something was found."""
        if not self.missing:
            return Finding(PROVIDED, tuple(self.evidence))
        outcome = PARTLY if partial and self.evidence else MISSING
        return Finding(outcome, tuple(self.evidence), tuple(self.missing))


def resources(stack: Stack, resource_type: str) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, body in stack.get("resource", {}).get(resource_type, {}).items():
        yield f"{resource_type}.{name}", body


def cluster_resource(stack: Stack) -> tuple[str, dict[str, Any]]:
    return next(resources(stack, "azurerm_kubernetes_cluster"), ("", {}))


def cluster_minor(cluster: Stack) -> str:
    parsed = parse_version(cluster_resource(cluster)[1].get("kubernetes_version", "0.0"))
    return f"{parsed[0]}.{parsed[1]}" if parsed else "0.0"


def applied_objects(workloads: Stack) -> list[tuple[str, dict[str, Any]]]:
    """Every Kubernetes object the workloads stack applies: manifests and chart-applied objects."""
    found = [(address, body["manifest"]) for address, body in resources(workloads, "kubernetes_manifest")]
    for address, body in resources(workloads, "helm_release"):
        for values in body.get("values", []):
            for item in (yaml_text.load(values) or {}).get("objects", []):
                found.append((f"{address} ({item['kind']} {item['metadata']['name']})", item))
    return found


def objects_of_kind(workloads: Stack, kind: str) -> list[tuple[str, dict[str, Any]]]:
    return [(address, item) for address, item in applied_objects(workloads) if item.get("kind") == kind]


def release(stack: Stack, chart: str) -> tuple[str, dict[str, Any]] | None:
    for address, body in resources(stack, "helm_release"):
        if body.get("chart", "").rstrip("/").split("/")[-1] == chart:
            return address, body
    return None


def release_evidence(stack: Stack, chart: str) -> str | None:
    found = release(stack, chart)
    return f"{found[0]} (chart {chart} {found[1].get('version', 'local')})" if found else None
