"""A KAITO inference workspace (the robust_controller and ai_inference workload of main.tf).

The caller renders the Workspace (this repository's stacks from templates/kaito-workspace-*.yaml)
and says how it is applied: a ClusterObjects release (no CRD needed at plan time; the CRD wait
before the install), whose name the caller may derive from the fields KAITO refuses to update so
that a change of one replaces the Workspace instead of failing at apply.

KAITO provisions the Workspace's nodes itself, outside Terraform. `KaitoNodesGone` is a
terraform_data that runs a command when it is destroyed; a release that depends on it is destroyed
first, so the command runs once the Workspace is gone: on destroy and on a replacement. It is a
construct of its own so that it can stay in the configuration when the Workspace is turned off
(Terraform runs no destroy-time provisioner of a resource whose block was removed): its input
changes instead, which replaces it and runs the command for the Workspace that was there.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass

from cdktf import DataResource, LocalExecProvisioner, TerraformResource
from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1, NamespaceV1Metadata

from constructs import Construct
from constructs.cluster_objects import ClusterObjects, ClusterObjectsProps


@dataclass(frozen=True)
class NodesGoneProps:
    """A destroy-time command; `input` is stored with the terraform_data and reaches the command
    through `environment` as "${self.input.<key>}" (a destroy provisioner may only use self)."""

    command: str
    input: Mapping[str, str]
    environment: Mapping[str, str]
    working_dir: str | None = None


@dataclass(frozen=True)
class KaitoWorkspaceProps:
    """The namespace to create and the release of the `kaito.sh` Workspace in it."""

    namespace: str
    release: ClusterObjectsProps
    (
        "The Workspace's release: objects = [the Workspace], namespace = the namespace above; its depends_on "
        "should hold the KaitoNodesGone guard."
    )


class KaitoNodesGone(Construct):
    """terraform_data `guard` with a destroy-time local-exec."""

    def __init__(self, scope: Construct, id: str, props: NodesGoneProps) -> None:
        super().__init__(scope, id)
        self.guard = DataResource(
            self,
            "guard",
            input=dict(props.input),
            # Another input (another workspace, or none) replaces it: the command runs for the old one.
            triggers_replace=dict(props.input),
            provisioners=[
                LocalExecProvisioner(
                    type="local-exec",
                    when="destroy",
                    command=props.command,
                    environment=dict(props.environment),
                    working_dir=props.working_dir,
                )
            ],
        )


class KaitoWorkspace(Construct):
    """The workspace's namespace and the Workspace's release."""

    def __init__(self, scope: Construct, id: str, props: KaitoWorkspaceProps) -> None:
        super().__init__(scope, id)
        self.namespace = NamespaceV1(self, "namespace", metadata=NamespaceV1Metadata(name=props.namespace))
        self.objects = ClusterObjects(
            self,
            "workspace",
            dataclasses.replace(props.release, depends_on=(self.namespace, *props.release.depends_on)),
        )
        self.workspace = self.objects.release

    def wait_for(self, *dependables: TerraformResource) -> None:
        """Create the Workspace only after these, such as the release with its namespace's LocalQueue:
        a StatefulSet KAITO creates before the queue exists is never managed by Kueue."""
        # Terraform's depends_on takes bare addresses (type.name), not the interpolated fqn.
        addresses = [f"{item.terraform_resource_type}.{item.friendly_unique_id}" for item in dependables]
        self.workspace.depends_on = [*(self.workspace.depends_on or []), *addresses]
