"""A KAITO inference workspace (the robust_controller and ai_inference workload of main.tf).

The caller renders the Workspace (this repository's stacks from templates/kaito-workspace-*.yaml).
It belongs in a stack planned after the cluster's: a kubernetes_manifest needs the cluster (and
KAITO's CRD) at plan time.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from cdktf import TerraformResource
from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1, NamespaceV1Metadata

from constructs import Construct
from constructs.kubernetes_manifest import KubernetesManifest


@dataclass(frozen=True)
class KaitoWorkspaceProps:
    """The namespace to create and the `kaito.sh` Workspace object to apply in it."""

    namespace: str
    # The Workspace as a Kubernetes object (apiVersion, kind, metadata, resource, inference).
    workspace: Mapping[str, Any]


class KaitoWorkspace(Construct):
    """The workspace's namespace and the `kaito.sh/v1beta1` Workspace pinned to a user pool."""

    def __init__(self, scope: Construct, id: str, props: KaitoWorkspaceProps) -> None:
        super().__init__(scope, id)
        self.namespace = NamespaceV1(self, "namespace", metadata=NamespaceV1Metadata(name=props.namespace))
        self.workspace = KubernetesManifest(
            self,
            "workspace",
            manifest=dict(props.workspace),
            depends_on=[self.namespace],
        )

    def wait_for(self, *dependables: TerraformResource) -> None:
        """Create the Workspace only after these, such as the release with its namespace's LocalQueue:
        a StatefulSet KAITO creates before the queue exists is never managed by Kueue."""
        # Terraform's depends_on takes bare addresses (type.name), not the interpolated fqn.
        addresses = [f"{item.terraform_resource_type}.{item.friendly_unique_id}" for item in dependables]
        self.workspace.depends_on = [*(self.workspace.depends_on or []), *addresses]
