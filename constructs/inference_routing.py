"""Inference routing (ai_inference): a Gateway on the Istio class and an HTTPRoute to the model.

The route splits traffic by weight between the workspace's Service and a canary Service, and
sends requests with the canary header to the canary. The caller renders the objects (this
repository's stacks from templates/inference-routing.yaml); each becomes one kubernetes_manifest.
The construct creates the namespaces it is given (the Gateway's own) before any object.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1, NamespaceV1Metadata

from constructs import Construct
from constructs.kubernetes_manifest import KubernetesManifest


@dataclass(frozen=True)
class InferenceRoutingProps:
    """The routing objects (Gateway, Service, HTTPRoute), one of each kind at most."""

    objects: Sequence[Mapping[str, Any]]
    # What must exist first, such as the workspace whose Service the route targets.
    depends_on: Sequence[ITerraformDependable] = field(default_factory=tuple)
    # Namespaces to create first, such as the Gateway's own.
    namespaces: Sequence[str] = ()


class InferenceRouting(Construct):
    """One kubernetes_manifest per object: Gateway, canary Service, HTTPRoute."""

    def __init__(self, scope: Construct, id: str, props: InferenceRoutingProps) -> None:
        super().__init__(scope, id)
        self.namespaces = {
            name: NamespaceV1(self, f"namespace-{name}", metadata=NamespaceV1Metadata(name=name))
            for name in props.namespaces
        }
        self.manifests: dict[str, KubernetesManifest] = {}
        for document in props.objects:
            kind = document["kind"]
            first = list(props.depends_on)
            namespace = self.namespaces.get(document.get("metadata", {}).get("namespace", ""))
            if namespace is not None:
                first.append(namespace)
            manifest = KubernetesManifest(self, kind, manifest=dict(document), depends_on=first or None)
            self.manifests[kind] = manifest
