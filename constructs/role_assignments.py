"""Role assignments the cluster and its deployer need, and a wait for them to take effect.

- The cluster's own identity gets Reader on the disk encryption set, when one is set: AKS needs it
  to encrypt disks with the customer-managed key. A system-assigned identity exists only once the
  cluster does, so the assignment follows the cluster; the caller orders what uses disks after it.
- The deploying identity gets a role on the cluster (with Azure RBAC for Kubernetes authorization,
  signing in through Entra ID authorizes nothing by itself).
- Azure RBAC changes reach the cluster's authorization within minutes: `propagated` is a
  time_sleep after the assignments, for whatever uses the Kubernetes API next.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from cdktf import ITerraformDependable
from cdktf_cdktf_provider_azurerm.role_assignment import RoleAssignment
from cdktf_cdktf_provider_time.sleep import Sleep

from constructs import Construct


@dataclass(frozen=True)
class ClusterRoleAssignmentsProps:
    cluster_id: str
    cluster_principal_id: str
    "Principal id of the cluster's (control plane) identity."
    disk_encryption_set_id: str | None = None
    disk_encryption_set_role: str = "Reader"
    deployer_principal_id: str | None = None
    "Object id that gets `deployer_role` at the cluster's scope; None: no assignment."
    deployer_role: str = "Azure Kubernetes Service RBAC Cluster Admin"
    propagation_seconds: int = 300
    depends_on: Sequence[ITerraformDependable] = field(default_factory=tuple)


class ClusterRoleAssignments(Construct):
    """azurerm_role_assignment `disk-encryption-set-reader` and `deployer`, then time_sleep `propagated`."""

    def __init__(self, scope: Construct, id: str, props: ClusterRoleAssignmentsProps) -> None:
        super().__init__(scope, id)
        self.disk_encryption_set_reader: RoleAssignment | None = None
        self.deployer: RoleAssignment | None = None
        self.propagated: Sleep | None = None
        made: list[RoleAssignment] = []
        if props.disk_encryption_set_id:
            self.disk_encryption_set_reader = RoleAssignment(
                self,
                "disk-encryption-set-reader",
                scope=props.disk_encryption_set_id,
                role_definition_name=props.disk_encryption_set_role,
                principal_id=props.cluster_principal_id,
                principal_type="ServicePrincipal",
                depends_on=list(props.depends_on) or None,
            )
            made.append(self.disk_encryption_set_reader)
        if props.deployer_principal_id:
            self.deployer = RoleAssignment(
                self,
                "deployer",
                scope=props.cluster_id,
                role_definition_name=props.deployer_role,
                principal_id=props.deployer_principal_id,
                depends_on=list(props.depends_on) or None,
            )
            made.append(self.deployer)
        if made:
            self.propagated = Sleep(
                self,
                "propagated",
                create_duration=f"{props.propagation_seconds}s",
                # A new assignment (another principal) waits again.
                triggers={f"assignment_{index}": item.id for index, item in enumerate(made)},
                depends_on=made,
            )
