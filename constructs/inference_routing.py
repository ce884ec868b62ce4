"""Inference routing (ai_inference): a Gateway on the Istio class and an HTTPRoute to the model.

The route splits traffic by weight between the workspace's Service and a canary Service, and
sends requests with the canary header to the canary. The caller renders the objects (this
repository's stacks from templates/inference-routing.yaml) and says how they are applied: one
ClusterObjects release (constructs/cluster_objects.py), because the Gateway API's CRDs do not
exist when Terraform plans a first deploy. The construct creates the namespaces it is given (the
Gateway's own) before the release.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass

from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1, NamespaceV1Metadata

from constructs import Construct
from constructs.cluster_objects import ClusterObjects, ClusterObjectsProps


@dataclass(frozen=True)
class InferenceRoutingProps:
    """The release of the routing objects (Gateway, Service, HTTPRoute), and namespaces to create first."""

    objects: ClusterObjectsProps
    namespaces: Sequence[str] = ()
    "Namespaces to create first, such as the Gateway's own."


class InferenceRouting(Construct):
    """The namespaces, then one release of the routing objects (after their CRD wait)."""

    def __init__(self, scope: Construct, id: str, props: InferenceRoutingProps) -> None:
        super().__init__(scope, id)
        self.namespaces = {
            name: NamespaceV1(self, f"namespace-{name}", metadata=NamespaceV1Metadata(name=name))
            for name in props.namespaces
        }
        self.objects = ClusterObjects(
            self,
            "objects",
            dataclasses.replace(
                props.objects, depends_on=(*props.objects.depends_on, *self.namespaces.values())
            ),
        )
        self.release = self.objects.release
