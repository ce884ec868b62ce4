"""The cluster stack's role assignments (constructs/role_assignments.py), from the settings.

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

from cdktf_cdktf_provider_azurerm.data_azurerm_client_config import DataAzurermClientConfig

from aks_platform.paths import DATA
from aks_platform.settings import EnvironmentSettings
from constructs import Construct
from constructs.aks_cluster import AksCluster
from constructs.role_assignments import ClusterRoleAssignments, ClusterRoleAssignmentsProps

DEPLOY_ROLES = DATA / "deploy-roles.toml"


@functools.cache
def deploy_roles() -> dict[str, Any]:
    return tomllib.loads(DEPLOY_ROLES.read_text(encoding="utf-8"))


def needs_cluster_admin(settings: EnvironmentSettings) -> bool:
    rbac = settings.cluster.entra_id_rbac
    return rbac is not None and rbac.azure_rbac_enabled


def assign_cluster_roles(
    scope: Construct, cluster: AksCluster, settings: EnvironmentSettings, client: DataAzurermClientConfig
) -> ClusterRoleAssignments | None:
    """The assignments the settings need, or None when they need none."""
    des = settings.cluster.disk_encryption_set_id
    admin = needs_cluster_admin(settings)
    if not (des or admin):
        return None
    roles = deploy_roles()
    rbac = settings.cluster.entra_id_rbac
    deployer = (rbac.deployer_object_id if rbac else None) or client.object_id
    return ClusterRoleAssignments(
        scope,
        "cluster-access",
        ClusterRoleAssignmentsProps(
            cluster_id=cluster.id,
            cluster_principal_id=cluster.principal_id,
            disk_encryption_set_id=des,
            disk_encryption_set_role=roles["cluster_identity"]["disk_encryption_set"]["role"],
            deployer_principal_id=deployer if admin else None,
            deployer_role=roles["deployer"]["kubernetes_api"]["role"],
            propagation_seconds=roles["deployer"]["kubernetes_api"]["propagation_seconds"],
            # Explicit as well as through the principal id: the chain of cluster operations
            # (tests/test_deployability.py) follows depends_on.
            depends_on=(cluster.resource,),
        ),
    )
