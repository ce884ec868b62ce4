"""Inference routing (ai_inference): a Gateway on the Istio class and an HTTPRoute to the model.

The route splits traffic by weight between the workspace's Service and a canary Service, and
sends requests with the canary header to the canary; manifests from templates/inference-routing.yaml.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cdktf import ITerraformDependable

from aks_platform import manifests
from aks_platform.naming import snake_case
from aks_platform.settings import InferenceRoutingSettings, KaitoWorkspaceSettings
from constructs import Construct
from constructs.kubernetes_manifest import KubernetesManifest


@dataclass(frozen=True)
class InferenceRoutingProps:
    routing: InferenceRoutingSettings
    workspace: KaitoWorkspaceSettings
    depends_on: Sequence[ITerraformDependable] = field(default_factory=tuple)


class InferenceRouting(Construct):
    """One kubernetes_manifest per object: Gateway, canary Service, HTTPRoute."""

    def __init__(self, scope: Construct, id: str, props: InferenceRoutingProps) -> None:
        super().__init__(scope, id)
        documents = manifests.inference_routing(props.routing, props.workspace)
        self.manifests: dict[str, KubernetesManifest] = {}
        for document in documents:
            kind = document["kind"]
            manifest = KubernetesManifest(
                self, kind, manifest=document, depends_on=list(props.depends_on) or None
            )
            manifest.override_logical_id(f"inference_{snake_case(kind)}")
            self.manifests[kind] = manifest
