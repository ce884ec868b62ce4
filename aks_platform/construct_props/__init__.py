"""From an environment's settings to the constructs' props: the one place the app meets the library.

The constructs in constructs/ know nothing of this app's settings model; each takes its own props,
defaulted the way azurerm defaults them. This package says what the settings mean in those terms,
for every construct the stacks compose; the stacks only pass these props on (docs/constructs.md,
"How a setting reaches a construct"). One module for the stacks to import, kept in three files
under 400 lines each:

- fields.py: FieldMap, the copy by field name between a settings model and a props dataclass that
  fails on a field added to one side only;
- cluster.py: the cluster stack's props (cluster, pools, monitoring, previews, Gateway API);
- workloads.py: the workloads stack's props (KAITO, inference routing, Kueue, DRA, scrape configs).
"""

from aks_platform.construct_props.cluster import (
    CLUSTER,
    DEFAULT_WINDOW,
    ENTRA_ID_RBAC,
    ISTIO,
    KEY_VAULT_SECRETS_PROVIDER,
    METRICS,
    NETWORK,
    NODE_POOL,
    SCHEDULED_WINDOW,
    UPGRADE,
    UserPool,
    aks_cluster_props,
    cluster_role_assignments_props,
    container_insights_props,
    gateway_api_props,
    maintenance_props,
    managed_prometheus_props,
    node_pool_props,
    preview_features_props,
    resource_providers_props,
    user_pools,
)
from aks_platform.construct_props.fields import FieldMap, FieldMismatchError
from aks_platform.construct_props.workloads import (
    KaitoPlan,
    endpoint_security_props,
    gang_scheduling_props,
    gpu_metrics_props,
    inference_metrics_props,
    inference_routing_props,
    kaito_nodes_gone_props,
    kaito_plan,
    kaito_workspace_props,
    nvidia_dra_props,
    objects_applier,
)

# Every settings -> props pair copied by field name (tests/test_construct_props.py checks each).
FIELD_MAPS: tuple[FieldMap, ...] = (
    NODE_POOL,
    UPGRADE,
    ENTRA_ID_RBAC,
    NETWORK,
    KEY_VAULT_SECRETS_PROVIDER,
    ISTIO,
    METRICS,
    SCHEDULED_WINDOW,
    DEFAULT_WINDOW,
    CLUSTER,
)

__all__ = [
    "FIELD_MAPS",
    "FieldMap",
    "FieldMismatchError",
    "KaitoPlan",
    "UserPool",
    "aks_cluster_props",
    "cluster_role_assignments_props",
    "container_insights_props",
    "endpoint_security_props",
    "gang_scheduling_props",
    "gateway_api_props",
    "gpu_metrics_props",
    "inference_metrics_props",
    "inference_routing_props",
    "kaito_nodes_gone_props",
    "kaito_plan",
    "kaito_workspace_props",
    "maintenance_props",
    "managed_prometheus_props",
    "node_pool_props",
    "nvidia_dra_props",
    "objects_applier",
    "preview_features_props",
    "resource_providers_props",
    "user_pools",
]
