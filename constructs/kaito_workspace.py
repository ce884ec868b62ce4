"""A KAITO inference workspace (the robust_controller and ai_inference workload of main.tf).

The manifest comes from templates/kaito-workspace.yaml. It lives in the workloads stack,
not beside the cluster: a kubernetes_manifest needs the cluster (and KAITO's CRD) at plan time.
"""

from __future__ import annotations

from dataclasses import dataclass

from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1, NamespaceV1Metadata

from aks_platform import manifests
from aks_platform.settings import KaitoWorkspaceSettings
from constructs import Construct
from constructs.kubernetes_manifest import KubernetesManifest


@dataclass(frozen=True)
class KaitoWorkspaceProps:
    workspace: KaitoWorkspaceSettings


class KaitoWorkspace(Construct):
    """The workspace's namespace and the `kaito.sh/v1beta1` Workspace pinned to a user pool."""

    def __init__(self, scope: Construct, id: str, props: KaitoWorkspaceProps) -> None:
        super().__init__(scope, id)
        settings = props.workspace
        self.namespace = NamespaceV1(self, "namespace", metadata=NamespaceV1Metadata(name=settings.namespace))
        self.namespace.override_logical_id("kaito_namespace")
        self.workspace = KubernetesManifest(
            self,
            "workspace",
            manifest=manifests.kaito_workspace(settings),
            depends_on=[self.namespace],
        )
        self.workspace.override_logical_id("kaito_workspace")
