"""The Kubernetes objects a synthesized workloads stack applies, wherever they are.

Objects whose CRDs the cluster provides go through releases of charts/cluster-objects (their
`values` hold the objects); built-in kinds may still be kubernetes_manifest resources.
"""

from __future__ import annotations

from typing import Any

from aks_platform import yaml_text

Stack = dict[str, Any]
Manifest = dict[str, Any]


def chart_objects(release: dict[str, Any]) -> list[Manifest]:
    """The objects a helm_release of charts/cluster-objects applies (none for other charts)."""
    found: list[Manifest] = []
    for values in release.get("values", []):
        found.extend((yaml_text.load(values) or {}).get("objects", []))
    return found


def applied(stack: Stack) -> list[tuple[str, Manifest]]:
    """(Terraform address, object) of every object the stack applies."""
    resource = stack.get("resource", {})
    found = [
        (f"kubernetes_manifest.{name}", body["manifest"])
        for name, body in resource.get("kubernetes_manifest", {}).items()
    ]
    for name, body in resource.get("helm_release", {}).items():
        found += [(f"helm_release.{name}", item) for item in chart_objects(body)]
    return found


def one_of_kind(stack: Stack, kind: str) -> Manifest:
    found = [item for _, item in applied(stack) if item["kind"] == kind]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def address_of(stack: Stack, kind: str, name: str | None = None) -> str:
    """The address of the resource that applies the object of `kind` (and `name`)."""
    found = [
        address
        for address, item in applied(stack)
        if item["kind"] == kind and (name is None or item["metadata"]["name"] == name)
    ]
    assert len(found) == 1, f"expected one {kind} {name or ''}, found {found}"
    return found[0]
