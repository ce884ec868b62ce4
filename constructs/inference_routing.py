"""Inference routing (ai_inference): a Gateway on the Istio class and an HTTPRoute to the model.

The route splits traffic by weight between the workspace's Service and a canary Service, and
sends requests with the canary header to the canary. The caller renders the objects (this
repository's stacks from templates/inference-routing.yaml); each becomes one kubernetes_manifest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cdktf import ITerraformDependable

from constructs import Construct
from constructs.kubernetes_manifest import KubernetesManifest


@dataclass(frozen=True)
class InferenceRoutingProps:
    """The routing objects (Gateway, Service, HTTPRoute), one of each kind at most."""

    objects: Sequence[Mapping[str, Any]]
    # What must exist first, such as the workspace whose Service the route targets.
    depends_on: Sequence[ITerraformDependable] = field(default_factory=tuple)


class InferenceRouting(Construct):
    """One kubernetes_manifest per object: Gateway, canary Service, HTTPRoute."""

    def __init__(self, scope: Construct, id: str, props: InferenceRoutingProps) -> None:
        super().__init__(scope, id)
        self.manifests: dict[str, KubernetesManifest] = {}
        for document in props.objects:
            kind = document["kind"]
            manifest = KubernetesManifest(
                self, kind, manifest=dict(document), depends_on=list(props.depends_on) or None
            )
            self.manifests[kind] = manifest
