"""The cluster stack's role assignments (constructs/role_assignments.py): which the settings need.

Their props come from aks_platform/construct_props/cluster.py (cluster_role_assignments_props).

- Reader on `cluster.disk_encryption_set_id` for the cluster's system-assigned identity, when set
  (AKS azure-disk-customer-managed-keys.md). It follows the cluster, whose identity exists only
  then, and comes before the user pools in the chain of cluster operations, before anything
  (a pool's disks, a persistent volume) uses the key.
- Azure Kubernetes Service RBAC Cluster Admin at the cluster's scope for the deploying identity,
  when Azure RBAC authorizes the Kubernetes API (entra-id-authorization.md): the workloads
  stack's providers sign in as that identity, and the Kueue chart creates cluster-scoped objects.
  The identity is `cluster.entra_id_rbac.deployer_object_id`, else the one running Terraform.
- A time_sleep of the documented propagation time (five minutes) after them; its id is a cluster
  stack output that the workloads stack's first Kubernetes operations wait for.

Roles, scopes and sources: data/deploy-roles.toml.
"""

from __future__ import annotations

import functools
import tomllib
from typing import Any

from aks_platform.paths import DATA
from aks_platform.settings import EnvironmentSettings

DEPLOY_ROLES = DATA / "deploy-roles.toml"


@functools.cache
def deploy_roles() -> dict[str, Any]:
    return tomllib.loads(DEPLOY_ROLES.read_text(encoding="utf-8"))


def needs_cluster_admin(settings: EnvironmentSettings) -> bool:
    rbac = settings.cluster.entra_id_rbac
    return rbac is not None and rbac.azure_rbac_enabled
