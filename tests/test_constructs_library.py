"""The constructs as a library: built from their own props in a bare stack, with no app settings,
and two of each in one stack make two of everything."""

from __future__ import annotations

import ast
import functools
import json
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from cdktf import TerraformStack
from cdktf import Testing as CdktfTesting
from conftest import ROOT, environment_settings

from constructs import Construct
from constructs.agent_pool import AgentPoolNodePool, AgentPoolProps
from constructs.aks_cluster import AksCluster, AksClusterProps, IstioProps
from constructs.cluster_objects import ClusterObjects, ClusterObjectsProps, CrdWaitProps
from constructs.container_insights import ContainerInsights, ContainerInsightsProps
from constructs.gang_scheduling import GangScheduling, GangSchedulingProps
from constructs.gateway_api import ManagedGatewayApi, ManagedGatewayApiProps
from constructs.helm_chart import HelmChartProps
from constructs.inference_routing import InferenceRouting, InferenceRoutingProps
from constructs.kaito_workspace import KaitoNodesGone, KaitoWorkspace, KaitoWorkspaceProps, NodesGoneProps
from constructs.managed_prometheus import (
    ManagedPrometheus,
    ManagedPrometheusProps,
    PrometheusRecordingRule,
    PrometheusRuleGroup,
)
from constructs.node_pool import NodePoolProps
from constructs.nvidia_dra import NvidiaDra, NvidiaDraProps
from constructs.preview_features import PreviewFeatures, PreviewFeaturesProps
from constructs.resource_providers import ResourceProviders, ResourceProvidersProps
from constructs.role_assignments import ClusterRoleAssignments, ClusterRoleAssignmentsProps
from constructs.scrape_config import ScrapeConfig, ScrapeConfigProps
from constructs.user_node_pool import UserNodePool, UserNodePoolProps

CLUSTER_ID = "/subscriptions/0/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/c"
CHART = HelmChartProps(repository="oci://example.test/charts", chart="x", version="1.0.0", namespace="x")


def synth(build: Callable[[Construct], Any]) -> dict[str, Any]:
    stack = TerraformStack(CdktfTesting.app(), "bare")
    build(stack)
    return json.loads(CdktfTesting.synth(stack))


def cluster_props(name: str = "c1") -> AksClusterProps:
    return AksClusterProps(
        name=name,
        dns_prefix=name,
        location="centralus",
        resource_group_name="rg",
        system_pool=NodePoolProps(name="system", vm_size="Standard_D4ds_v5", node_count=3),
    )


def test_no_construct_imports_the_app() -> None:
    for path in sorted((ROOT / "constructs").glob("*.py")):
        tree = ast.parse(path.read_text())
        imported = [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)] + [
            alias.name for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
        ]
        assert not [name for name in imported if name.split(".")[0] == "aks_platform"], path.name


def test_a_cluster_with_a_user_pool_from_props_alone() -> None:
    def build(stack: Construct) -> None:
        cluster = AksCluster(
            stack,
            "cluster",
            AksClusterProps(
                **{
                    **cluster_props().__dict__,
                    "istio": IstioProps(("asm-1-28",), external_ingress_gateway=True),
                }
            ),
        )
        cluster.add_user_pool(
            "gpu",
            NodePoolProps(
                name="gpu",
                vm_size="Standard_NC24ads_A100_v4",
                node_count=1,
                taints=("sku=gpu:NoSchedule",),
                gpu_management="Managed",
            ),
            agent_pool_api_version="2026-05-02-preview",
            replace_on=("properties.vmSize",),
            tags={"team": "ai"},
        )
        cluster.add_user_pool("cpu", NodePoolProps(name="cpu", vm_size="Standard_D4s_v5", node_count=1))

    document = synth(build)
    resources = document["resource"]
    ((cluster_name, cluster),) = resources["azurerm_kubernetes_cluster"].items()
    assert cluster["name"] == "c1"
    assert (
        cluster["default_node_pool"]["name"] == "system" and cluster["default_node_pool"]["node_count"] == 3
    )
    # azurerm's defaults where props leave a feature off: written as false, or left out.
    assert cluster["oidc_issuer_enabled"] is False and "monitor_metrics" not in cluster
    assert cluster["service_mesh_profile"]["revisions"] == ["asm-1-28"]
    # A pool with gpuProfile.nvidia is one agentPools resource; the next pool waits for it.
    ((gpu_name, gpu),) = resources["azapi_resource"].items()
    assert gpu["type"] == "Microsoft.ContainerService/managedClusters/agentPools@2026-05-02-preview"
    assert gpu["parent_id"] == f"${{azurerm_kubernetes_cluster.{cluster_name}.id}}"
    assert gpu["depends_on"] == [f"azurerm_kubernetes_cluster.{cluster_name}"]
    assert gpu["body"]["properties"]["tags"] == {"team": "ai"}
    assert gpu["body"]["properties"]["gpuProfile"] == {"nvidia": {"managementMode": "Managed"}}
    assert gpu["replace_triggers_refs"] == ["properties.vmSize"]
    assert "lifecycle" not in gpu
    (pool,) = resources["azurerm_kubernetes_cluster_node_pool"].values()
    assert pool["kubernetes_cluster_id"] == f"${{azurerm_kubernetes_cluster.{cluster_name}.id}}"
    assert pool["depends_on"] == [f"azapi_resource.{gpu_name}"]
    assert pool["tags"] == {}
    assert "azapi_update_resource" not in resources


def test_each_pool_waits_for_the_one_before() -> None:
    def build(stack: Construct) -> None:
        cluster = AksCluster(stack, "cluster", cluster_props())
        for name in ("one", "two"):
            cluster.add_user_pool(name, NodePoolProps(name=name, vm_size="Standard_D4s_v5", node_count=1))

    pools = synth(build)["resource"]["azurerm_kubernetes_cluster_node_pool"]
    by_name = {pool["name"]: (key, pool) for key, pool in pools.items()}
    assert by_name["two"][1]["depends_on"] == [f"azurerm_kubernetes_cluster_node_pool.{by_name['one'][0]}"]


def test_two_clusters_in_one_stack_each_add_pool_gpu() -> None:
    """add_user_pool makes the pool inside its cluster's construct, so the same pool id in two
    clusters is two pools (beside the cluster, cdktf refused the second: "There is already a
    Construct with name 'gpu'"), each attached to its own cluster and waiting for it."""
    made = []

    def build(stack: Construct) -> None:
        for name in ("c1", "c2"):
            cluster = AksCluster(stack, name, cluster_props(name))
            gpu = cluster.add_user_pool(
                "gpu",
                NodePoolProps(
                    name="gpu",
                    vm_size="Standard_NC24ads_A100_v4",
                    node_count=1,
                    taints=("sku=gpu:NoSchedule",),
                    gpu_driver="Install",
                ),
            )
            mig = cluster.add_user_pool(
                "mig",
                NodePoolProps(
                    name="mig",
                    vm_size="Standard_NC24ads_A100_v4",
                    node_count=1,
                    taints=("sku=gpu:NoSchedule",),
                    gpu_instance="MIG1g",
                    gpu_management="Managed",
                ),
                agent_pool_api_version="2026-05-02-preview",
            )
            made.extend([gpu, mig])

    resources = synth(build)["resource"]
    assert [pool.node.path for pool in made] == ["bare/c1/gpu", "bare/c1/mig", "bare/c2/gpu", "bare/c2/mig"]
    assert [pool.node.scope.node.id for pool in made] == ["c1", "c1", "c2", "c2"]
    clusters = {body["name"]: key for key, body in resources["azurerm_kubernetes_cluster"].items()}
    assert sorted(clusters) == ["c1", "c2"]
    pools = resources["azurerm_kubernetes_cluster_node_pool"]
    agent_pools = resources["azapi_resource"].values()
    cluster_ids = {f"${{azurerm_kubernetes_cluster.{key}.id}}" for key in clusters.values()}
    assert sorted(pool["kubernetes_cluster_id"] for pool in pools.values()) == sorted(cluster_ids)
    assert sorted(pool["parent_id"] for pool in agent_pools) == sorted(cluster_ids)
    # Each cluster keeps its own chain: its agent pool waits for its own first pool.
    first = {pool["kubernetes_cluster_id"]: key for key, pool in pools.items()}
    for pool in agent_pools:
        assert pool["depends_on"] == [f"azurerm_kubernetes_cluster_node_pool.{first[pool['parent_id']]}"]


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_the_stacks_pin_their_pools_inside_the_cluster(environment: str) -> None:
    """The pools are inside the cluster construct; the address table follows (cluster/pool-<name>/
    pool), so their Terraform names stay main.tf's, node_pool_<name>: no state move."""
    from aks_platform.cluster_stack import ClusterStack
    from aks_platform.naming import Naming

    settings = environment_settings(environment)
    stack = ClusterStack(
        CdktfTesting.app(), Naming(environment, settings.prefix, settings.location), settings
    )
    expected = {f"cluster/pool-{pool.name}/pool": f"node_pool_{pool.name}" for pool in settings.user_pools}
    assert expected
    assert {path: name for path, name in stack.addresses.pinned.items() if "/pool-" in path} == expected
    assert [pool.node.scope is stack.cluster for pool in stack.user_pools] == [True] * len(expected)


RULE_GROUP = PrometheusRuleGroup(
    id="Group",
    name="group",
    description="a group",
    interval="PT1M",
    rules=(PrometheusRecordingRule("x:sum", "sum(x)"),),
)
ROUTING_OBJECTS = (
    {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "Gateway", "metadata": {"name": "g"}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}},
)


def objects_props(name: str, objects=ROUTING_OBJECTS, crds=("gateways.gateway.networking.k8s.io",)):
    return ClusterObjectsProps(
        release_name=name,
        namespace="ns",
        chart="./charts/objects",
        chart_version="0.0.1",
        objects=objects,
        crd_wait=CrdWaitProps(crds=crds, command="wait-for-crds") if crds else None,
    )


# One builder per construct: (scope, id) -> the construct, with props of its own only.
BUILDERS: dict[str, Callable[[Construct, str], Any]] = {
    "AksCluster": lambda scope, id: AksCluster(scope, id, cluster_props(id)),
    "UserNodePool": lambda scope, id: UserNodePool(
        scope,
        id,
        UserNodePoolProps(
            cluster_id=CLUSTER_ID,
            pool=NodePoolProps(name="gpu", vm_size="Standard_NC24ads_A100_v4", gpu_driver="Install"),
        ),
    ),
    "AgentPoolNodePool": lambda scope, id: AgentPoolNodePool(
        scope,
        id,
        AgentPoolProps(
            cluster_id=CLUSTER_ID,
            pool=NodePoolProps(name="gpu", vm_size="Standard_NC24ads_A100_v4", gpu_management="Managed"),
            api_version="2026-05-02-preview",
        ),
    ),
    "PreviewFeatures": lambda scope, id: PreviewFeatures(
        scope, id, PreviewFeaturesProps(subscription_id="0", features=("A", "B"))
    ),
    "ResourceProviders": lambda scope, id: ResourceProviders(
        scope,
        id,
        ResourceProvidersProps(
            subscription_id="0",
            providers=("Microsoft.Monitor",),
            features=("Microsoft.Compute/EncryptionAtHost",),
        ),
    ),
    "ManagedGatewayApi": lambda scope, id: ManagedGatewayApi(
        scope, id, ManagedGatewayApiProps(cluster_id=CLUSTER_ID, api_version="2026-03-01")
    ),
    "ManagedPrometheus": lambda scope, id: ManagedPrometheus(
        scope,
        id,
        ManagedPrometheusProps(
            workspace_name=f"amw-{id}",
            endpoint_name=f"dce-{id}",
            rule_name=f"dcr-{id}",
            rule_association_name=f"dcra-{id}",
            location="centralus",
            resource_group_name="rg",
            cluster_id=CLUSTER_ID,
            cluster_name="c",
            rule_groups=(RULE_GROUP,),
        ),
    ),
    "ContainerInsights": lambda scope, id: ContainerInsights(
        scope,
        id,
        ContainerInsightsProps(
            name=f"log-{id}",
            rule_name=f"msci-{id}",
            location="centralus",
            resource_group_name="rg",
            retention_in_days=30,
            streams=("Microsoft-ContainerLogV2",),
            data_collection_settings={"interval": "1m"},
        ),
    ).collect_from(CLUSTER_ID),
    "KaitoWorkspace": lambda scope, id: KaitoWorkspace(
        scope,
        id,
        KaitoWorkspaceProps(
            namespace=f"ns-{id}",
            release=objects_props(
                f"ws-{id}",
                ({"apiVersion": "kaito.sh/v1beta1", "kind": "Workspace", "metadata": {"name": id}},),
                ("workspaces.kaito.sh",),
            ),
        ),
    ),
    "KaitoNodesGone": lambda scope, id: KaitoNodesGone(
        scope,
        id,
        NodesGoneProps(
            command="nodes-gone", input={"workspace": id}, environment={"W": "${self.input.workspace}"}
        ),
    ),
    "ClusterObjects": lambda scope, id: ClusterObjects(scope, id, objects_props(f"objects-{id}")),
    "ClusterRoleAssignments": lambda scope, id: ClusterRoleAssignments(
        scope,
        id,
        ClusterRoleAssignmentsProps(
            cluster_id=CLUSTER_ID,
            cluster_principal_id="11111111-0000-0000-0000-000000000000",
            disk_encryption_set_id="/subscriptions/0/resourceGroups/k/providers/Microsoft.Compute/diskEncryptionSets/d",
            deployer_principal_id="22222222-0000-0000-0000-000000000000",
        ),
    ),
    "InferenceRouting": lambda scope, id: InferenceRouting(
        scope, id, InferenceRoutingProps(objects=objects_props(f"routing-{id}"), namespaces=(f"gw-{id}",))
    ),
    "GangScheduling": lambda scope, id: GangScheduling(
        scope,
        id,
        GangSchedulingProps(
            kueue_chart=CHART,
            queues=objects_props(f"queues-{id}", (), ("localqueues.kueue.x-k8s.io",)),
            namespaces=("b",),
        ),
    ),
    "ScrapeConfig": lambda scope, id: ScrapeConfig(
        scope,
        id,
        ScrapeConfigProps(
            objects=(
                {
                    "apiVersion": "azmonitoring.coreos.com/v1",
                    "kind": "PodMonitor",
                    "metadata": {"name": f"m-{id}", "namespace": "n"},
                    "spec": {"selector": {"matchLabels": {"a": "b"}}},
                },
            )
        ),
    ),
    "NvidiaDra": lambda scope, id: NvidiaDra(
        scope, id, NvidiaDraProps(chart=CHART, node_pool="gpu", driver_root="/run/nvidia/driver")
    ),
}


@functools.cache
def _alone(construct: str) -> Counter[str]:
    """Resource counts of one instance of a construct in a bare stack (synthesized once)."""
    return _resource_counts(synth(lambda stack: BUILDERS[construct](stack, "a")))


def _resource_counts(document: dict[str, Any]) -> Counter[str]:
    return Counter({kind: len(found) for kind, found in document.get("resource", {}).items()})


@pytest.mark.parametrize("construct", sorted(BUILDERS))
def test_two_instances_in_one_stack_make_two_of_everything(construct: str) -> None:
    one = _alone(construct)
    assert one, f"{construct} made no resource"
    two = _resource_counts(synth(lambda stack: [BUILDERS[construct](stack, id) for id in ("a", "b")]))
    assert two == Counter({kind: 2 * count for kind, count in one.items()})


def test_every_construct_has_a_builder_here() -> None:
    """A new construct file gets a two-instances test: its class must be listed above."""
    classes = set()
    for path in sorted((ROOT / "constructs").glob("*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.ClassDef) and any(
                isinstance(base, ast.Name) and base.id == "Construct" for base in node.bases
            ):
                classes.add(node.name)
    assert classes == set(BUILDERS), "list each Construct subclass in BUILDERS"


def test_the_stacks_pin_main_tf_addresses(dev_stack, dev_workloads) -> None:
    """Addresses come from data/terraform-addresses.toml; main.tf's names are kept."""
    assert "aks" in dev_stack["resource"]["azurerm_kubernetes_cluster"]
    assert "node_pool_gpunp" in dev_stack["resource"]["azurerm_kubernetes_cluster_node_pool"]
    assert "kaito_workspace" in dev_workloads["resource"]["helm_release"]


def test_an_unpinned_resource_is_an_error() -> None:
    from aks_platform.addresses import PinnedStack, UnpinnedResourceError

    stack = PinnedStack(CdktfTesting.app(), "bare", "cluster")
    AksCluster(stack, "cluster", cluster_props())
    AksCluster(stack, "another-cluster", cluster_props())
    with pytest.raises(
        UnpinnedResourceError, match=r"another-cluster/cluster: add it to data/terraform-addresses\.toml"
    ):
        stack.pin_check()
    assert stack.addresses.pinned == {"cluster/cluster": "aks"}


def test_the_documented_example_builds_a_cluster_and_a_gpu_pool() -> None:
    """docs/constructs.md's "Using the constructs in your own stack" example, run as written."""
    import re

    doc = (ROOT / "docs" / "constructs.md").read_text()
    found = re.search(r"### Using the constructs in your own stack.*?```python\n(.*?)```", doc, re.S)
    assert found, "the example in docs/constructs.md is gone"
    namespace: dict[str, Any] = {}
    exec(compile(found.group(1), "docs/constructs.md", "exec"), namespace)
    document = json.loads(CdktfTesting.synth(namespace["stack"]))
    (pool,) = document["resource"]["azurerm_kubernetes_cluster_node_pool"].values()
    assert pool["vm_size"] == "Standard_NC24ads_A100_v4" and pool["node_taints"] == ["sku=gpu:NoSchedule"]


# What each construct makes from the props above, from its own contract (docstrings): the
# Prometheus pipeline is workspace, endpoint, rule, two associations and one group per rule group;
# two features give two registrations, the provider's re-registration and one wait; ...
EXPECTED = {
    "AksCluster": {"azurerm_kubernetes_cluster": 1},
    "ContainerInsights": {
        "azurerm_log_analytics_workspace": 1,
        "azurerm_monitor_data_collection_rule": 1,
        "azurerm_monitor_data_collection_rule_association": 1,
    },
    "ClusterObjects": {"helm_release": 1, "terraform_data": 1},
    # Reader on the disk encryption set, the deployer's role, one wait after both.
    "ClusterRoleAssignments": {"azurerm_role_assignment": 2, "time_sleep": 1},
    "GangScheduling": {"helm_release": 2, "kubernetes_namespace_v1": 1, "terraform_data": 1},
    "InferenceRouting": {"helm_release": 1, "kubernetes_namespace_v1": 1, "terraform_data": 1},
    "KaitoNodesGone": {"terraform_data": 1},
    "KaitoWorkspace": {"helm_release": 1, "kubernetes_namespace_v1": 1, "terraform_data": 1},
    "ManagedGatewayApi": {"azapi_update_resource": 1},
    "ManagedPrometheus": {
        "azurerm_monitor_workspace": 1,
        "azurerm_monitor_data_collection_endpoint": 1,
        "azurerm_monitor_data_collection_rule": 1,
        "azurerm_monitor_data_collection_rule_association": 2,
        "azurerm_monitor_alert_prometheus_rule_group": 1,
    },
    "NvidiaDra": {"helm_release": 1},
    "ScrapeConfig": {"kubernetes_manifest": 1},
    "PreviewFeatures": {"azapi_resource_action": 3, "time_sleep": 1},
    # One feature (a PUT), its provider's registration after the wait, and the other provider's.
    "ResourceProviders": {"azapi_resource_action": 3, "time_sleep": 1},
    "UserNodePool": {"azurerm_kubernetes_cluster_node_pool": 1},
    "AgentPoolNodePool": {"azapi_resource": 1},
}


@pytest.mark.parametrize("construct", sorted(BUILDERS))
def test_each_construct_alone_makes_what_it_promises(construct: str) -> None:
    made = _alone(construct)
    assert made == Counter(EXPECTED[construct])


def test_preview_features_register_the_provider_after_the_wait() -> None:
    resources = synth(lambda stack: BUILDERS["PreviewFeatures"](stack, "a"))["resource"]
    (wait_name,) = resources["time_sleep"]
    provider = [
        action for action in resources["azapi_resource_action"].values() if action["method"] == "POST"
    ]
    assert len(provider) == 1 and provider[0]["depends_on"] == [f"time_sleep.{wait_name}"]
    assert provider[0]["action"] == "register"


def test_the_endpoint_association_has_the_one_name_azure_accepts() -> None:
    resources = synth(lambda stack: BUILDERS["ManagedPrometheus"](stack, "a"))["resource"]
    names = sorted(a["name"] for a in resources["azurerm_monitor_data_collection_rule_association"].values())
    assert names == ["configurationAccessEndpoint", "dcra-a"]
