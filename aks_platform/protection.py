"""Protection of what a replaced or deleted resource would lose: the cluster (every workload and
volume on it) and the workspaces that hold its metrics and logs.

Two layers, each a setting (protection.prevent_destroy, protection.delete_locks):
- Terraform's lifecycle.prevent_destroy: any plan that would destroy the resource, a replacement
  included, fails at plan time. It protects against Terraform only, and only while the setting
  is in the configuration.
- An Azure CanNotDelete management lock on the resource: Azure refuses its deletion by anyone
  (portal, CLI, another pipeline) until the lock is removed. Terraform destroys the lock first
  when it destroys the resource (the lock depends on it), so the lock alone does not stop a plan.
  Only the workspaces get a lock. A lock is inherited by a resource's children ("When you apply a
  lock at a parent scope, all child resources inherit the same lock": Azure Resource Manager,
  Management Locks REST reference), and a cluster's children are its agent pools: a lock on the
  cluster would make Azure refuse every pool deletion, including a pool removed from the
  settings, a rotation through temporary_name_for_rotation, and KAITO's gpu-provisioner deleting
  the GPU pool of a removed Workspace (which then keeps billing). The cluster keeps
  prevent_destroy and the plan check (make check-plan) instead.
"""

from __future__ import annotations

from collections.abc import Mapping

from cdktf import TerraformResource
from cdktf_cdktf_provider_azurerm.management_lock import ManagementLock

from aks_platform.settings.production import ProtectionSettings
from constructs import Construct

LOCK_NAME = "terraform-cannot-delete"
LOCK_NOTES = (
    "Set by Terraform (protection.delete_locks): remove it through the environment's settings, "
    "not by hand."
)


class Protection(Construct):
    """prevent_destroy on each resource of `targets` (id -> resource), and a CanNotDelete lock on
    those of them named in `lockable` (resources without children whose deletion a lock would
    block: see the module docstring)."""

    def __init__(
        self,
        scope: Construct,
        id: str,
        settings: ProtectionSettings,
        targets: Mapping[str, TerraformResource],
        lockable: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(scope, id)
        self.locks: dict[str, ManagementLock] = {}
        for name, resource in targets.items():
            if settings.prevent_destroy:
                resource.add_override("lifecycle.prevent_destroy", True)
            if settings.delete_locks and name in lockable:
                self.locks[name] = ManagementLock(
                    self,
                    f"lock-{name}",
                    name=LOCK_NAME,
                    scope=resource.get_string_attribute("id"),
                    lock_level="CanNotDelete",
                    notes=LOCK_NOTES,
                )
