"""What a real first apply and the plans after it need: one cluster operation at a time, the
resource provider re-registered after feature flags, Container Insights that collects, no
node_count drift, and API bodies the AKS models accept."""

from __future__ import annotations

import json
from typing import Any

import pytest
from conftest import Stack, environment_settings, only, resources, synth_cluster_stack, synth_settings

from aks_platform.azure_facts import container_insights_streams, load_container_insights
from aks_platform.settings import NodePoolSettings

CLUSTER_ADDRESS = "azurerm_kubernetes_cluster.aks"
CLUSTER_ID = "${azurerm_kubernetes_cluster.aks.id}"
AGENT_POOLS = "Microsoft.ContainerService/managedClusters/agentPools@"


def _cluster_operations(stack: Stack) -> list[str]:
    """Addresses of everything AKS runs as an operation on the cluster (it serializes them)."""
    operations = [CLUSTER_ADDRESS]
    for name, pool in resources(stack, "azurerm_kubernetes_cluster_node_pool").items():
        assert pool["kubernetes_cluster_id"] == CLUSTER_ID
        operations.append(f"azurerm_kubernetes_cluster_node_pool.{name}")
    pool_ids = {
        f"${{azurerm_kubernetes_cluster_node_pool.{name}.id}}"
        for name in resources(stack, "azurerm_kubernetes_cluster_node_pool")
    }
    for name, resource in resources(stack, "azapi_resource").items():
        # An agent pool azapi creates is a cluster operation too.
        if resource["type"].startswith(AGENT_POOLS) and resource["parent_id"] == CLUSTER_ID:
            operations.append(f"azapi_resource.{name}")
            pool_ids.add(f"${{azapi_resource.{name}.id}}")
    for name, resource in resources(stack, "azapi_update_resource").items():
        # Updates of the cluster itself or of one of its agent pools: both are cluster operations.
        if resource["resource_id"] == CLUSTER_ID or resource["resource_id"] in pool_ids:
            operations.append(f"azapi_update_resource.{name}")
    return operations


def _reaches(stack: Stack, start: str, goal: str) -> bool:
    """Whether `start` depends on `goal`, directly or through other resources' depends_on."""
    seen: set[str] = set()
    todo = [start]
    while todo:
        address = todo.pop()
        if address == goal:
            return True
        if address in seen:
            continue
        seen.add(address)
        kind, name = address.split(".", 1)
        todo.extend(stack["resource"].get(kind, {}).get(name, {}).get("depends_on", []))
    return False


def _assert_serialized(stack: Stack) -> None:
    operations = _cluster_operations(stack)
    for index, first in enumerate(operations):
        for second in operations[index + 1 :]:
            assert _reaches(stack, first, second) or _reaches(stack, second, first), (
                f"{first} and {second} can run at once; AKS refuses the second with 409 OperationNotAllowed"
            )


def test_cluster_operations_run_one_at_a_time(dev_stack: Stack, prod_stack: Stack) -> None:
    assert len(_cluster_operations(dev_stack)) == 3  # cluster, gpunp (azurerm), Gateway API update
    # prod: cluster, the apps pool (azurerm), Gateway API update, gpunp created with its GPU profile
    # (azapi, no update after).
    assert len(_cluster_operations(prod_stack)) == 4
    for stack in (dev_stack, prod_stack):
        _assert_serialized(stack)


def test_the_gateway_api_does_not_wait_on_the_gpu_pool(prod_stack: Stack) -> None:
    gateway = "azapi_update_resource.managed_gateway_api"
    gpu_pool = "azapi_resource.node_pool_gpunp"
    # cluster, the apps pool (azurerm), the Gateway API update, then the GPU pool.
    assert resources(prod_stack, "azapi_update_resource")["managed_gateway_api"]["depends_on"] == [
        "azurerm_kubernetes_cluster_node_pool.node_pool_apps"
    ]
    assert not _reaches(prod_stack, gateway, gpu_pool)
    assert gateway in resources(prod_stack, "azapi_resource")["node_pool_gpunp"]["depends_on"]


def test_a_cpu_pool_and_a_gpu_profile_pool_put_the_gateway_between_them() -> None:
    cpu = NodePoolSettings(name="cpu", vm_size="Standard_D4s_v5", min_count=1, max_count=2)
    gpu = next(pool for pool in environment_settings("prod").user_pools if pool.gpu_management)
    stack = synth_cluster_stack("prod", user_pools=(gpu, cpu), workloads=_no_workloads())
    _assert_serialized(stack)
    assert only(stack, "azapi_update_resource")["depends_on"] == [
        "azurerm_kubernetes_cluster_node_pool.node_pool_cpu"
    ]
    assert (
        "azapi_update_resource.managed_gateway_api"
        in resources(stack, "azapi_resource")["node_pool_gpunp"]["depends_on"]
    )


def test_three_user_pools_and_the_gateway_update_form_one_chain() -> None:
    pools = tuple(
        NodePoolSettings(name=name, vm_size="Standard_D4s_v5", min_count=1, max_count=2)
        for name in ("alpha", "beta", "gamma")
    )
    stack = synth_cluster_stack("dev", user_pools=pools, workloads=_no_workloads())
    assert len(_cluster_operations(stack)) == 5
    _assert_serialized(stack)
    update = only(stack, "azapi_update_resource")
    assert update["depends_on"] == ["azurerm_kubernetes_cluster_node_pool.node_pool_gamma"]


def _no_workloads() -> Any:
    from aks_platform.settings import WorkloadsSettings

    return WorkloadsSettings(enabled=False)


def test_prod_registers_only_the_feature_its_api_version_needs(prod_stack: Stack) -> None:
    features = [
        action["resource_id"].rsplit("/", 1)[1]
        for action in resources(prod_stack, "azapi_resource_action").values()
        if "featureProviders/Microsoft.ContainerService/" in action["resource_id"]
    ]
    assert features == ["ManagedGPUExperiencePreview"]
    register = resources(prod_stack, "azapi_resource_action")["register_container_service_provider"]
    assert register["action"] == "register"
    assert only(prod_stack, "azurerm_kubernetes_cluster")["depends_on"][0] == (
        "azapi_resource_action.register_container_service_provider"
    )


def test_no_feature_flags_means_no_registration_and_no_wait() -> None:
    from aks_platform.settings import PreviewFeatureSettings

    stack = synth_cluster_stack("prod", preview_features=PreviewFeatureSettings(names=()))
    actions = resources(stack, "azapi_resource_action")
    assert not [
        name for name, action in actions.items() if "Microsoft.ContainerService/" in action["resource_id"]
    ]
    assert "wait_for_preview_features" not in resources(stack, "time_sleep")
    # Microsoft.ContainerService is still registered, once, by the stack's provider registrations.
    assert actions["register_microsoft_container_service"]["action"] == "register"
    assert (
        "azapi_resource_action.register_microsoft_container_service"
        in only(stack, "azurerm_kubernetes_cluster")["depends_on"]
    )


# The stream values of the Container Insights rule and their tables (MicrosoftDocs/azure-monitor-docs
# articles/azure-monitor/containers/container-insights-cost-config.md, "Log Analytics data collection").
DOCUMENTED_STREAMS = {
    "Microsoft-ContainerInventory",
    "Microsoft-ContainerNodeInventory",
    "Microsoft-Perf",
    "Microsoft-InsightsMetrics",
    "Microsoft-KubeMonAgentEvents",
    "Microsoft-KubeServices",
    "Microsoft-KubePVInventory",
    "Microsoft-KubeNodeInventory",
    "Microsoft-KubePodInventory",
    "Microsoft-KubeEvents",
    "Microsoft-ContainerLogV2",
    "Microsoft-ContainerLog",
}


def test_no_retired_stream_and_no_metrics_twice() -> None:
    """ContainerLog's support ended 2026-09-30; Perf and InsightsMetrics duplicate what managed
    Prometheus collects, so they go only where it is off (data/container-insights.toml)."""
    data = load_container_insights()
    assert "Microsoft-ContainerLog" in data["retired_streams"]
    assert "Microsoft-ContainerLog" not in data["streams"] + data["metric_streams"]
    assert container_insights_streams(managed_prometheus=True) == tuple(data["streams"])
    assert set(container_insights_streams(managed_prometheus=False)) == set(data["streams"]) | {
        "Microsoft-Perf",
        "Microsoft-InsightsMetrics",
    }


def test_without_managed_prometheus_the_rule_sends_the_metric_streams() -> None:
    from aks_platform.settings import ManagedPrometheusSettings

    settings = environment_settings("prod")
    stack = synth_settings(
        "prod", settings.model_copy(update={"managed_prometheus": ManagedPrometheusSettings(enabled=False)})
    )[0]
    rule = resources(stack, "azurerm_monitor_data_collection_rule")["container_insights_rule"]
    assert "Microsoft-Perf" in rule["data_flow"][0]["streams"]


def test_prod_container_insights_collects_through_a_rule_and_association(prod_stack: Stack) -> None:
    data = load_container_insights()
    workspace_id = "${azurerm_log_analytics_workspace.log_analytics_workspace.id}"
    cluster = only(prod_stack, "azurerm_kubernetes_cluster")
    assert cluster["oms_agent"] == {
        "log_analytics_workspace_id": workspace_id,
        "msi_auth_for_monitoring_enabled": True,
    }
    rules = resources(prod_stack, "azurerm_monitor_data_collection_rule")
    rule = rules["container_insights_rule"]
    assert rule["name"] == "msci-aks-ai-conformant-prod-eastus2"
    assert rule["destinations"] == {
        "log_analytics": [{"name": "ciworkspace", "workspace_resource_id": workspace_id}]
    }
    # prod has managed Prometheus: the metric streams it duplicates are not sent.
    assert rule["data_flow"] == [{"destinations": ["ciworkspace"], "streams": data["streams"]}]
    (extension,) = rule["data_sources"]["extension"]
    assert extension["extension_name"] == "ContainerInsights"
    assert extension["streams"] == data["streams"]
    assert json.loads(extension["extension_json"]) == {
        "dataCollectionSettings": {
            "interval": "1m",
            "namespaceFilteringMode": "Off",
            "enableContainerLogV2": True,
        }
    }
    # ContainerLogV2 is the schema the settings turn on; each stream is one of the rule's
    # documented stream values (container-insights-cost-config.md, stream to table mapping).
    assert "Microsoft-ContainerLogV2" in data["streams"]
    assert set(data["streams"]) | set(data["metric_streams"]) <= DOCUMENTED_STREAMS
    association = resources(prod_stack, "azurerm_monitor_data_collection_rule_association")[
        "container_insights_rule_association"
    ]
    assert association["target_resource_id"] == CLUSTER_ID
    assert association["data_collection_rule_id"] == (
        "${azurerm_monitor_data_collection_rule.container_insights_rule.id}"
    )


def test_dev_has_no_container_insights(dev_stack: Stack) -> None:
    assert "container_insights_rule" not in resources(dev_stack, "azurerm_monitor_data_collection_rule")
    assert resources(dev_stack, "azurerm_log_analytics_workspace") == {}


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_autoscaled_pools_leave_node_count_to_the_autoscaler(environment: str, dev_stack, prod_stack) -> None:
    stack = dev_stack if environment == "dev" else prod_stack
    cluster = only(stack, "azurerm_kubernetes_cluster")
    assert cluster["default_node_pool"]["auto_scaling_enabled"] is True
    assert cluster["lifecycle"]["ignore_changes"] == ["default_node_pool[0].node_count"]
    for pool in resources(stack, "azurerm_kubernetes_cluster_node_pool").values():
        assert pool["auto_scaling_enabled"] is True
        assert pool["lifecycle"] == {"ignore_changes": ["node_count"]}


def test_fixed_size_pool_keeps_node_count_managed() -> None:
    pool = NodePoolSettings(name="fixed", vm_size="Standard_D4s_v5", auto_scaling=False, node_count=2)
    stack = synth_cluster_stack("dev", user_pools=(pool,), workloads=_no_workloads())
    assert "lifecycle" not in only(stack, "azurerm_kubernetes_cluster_node_pool")


def test_prod_uses_a_minor_alias_with_the_patch_channel(prod_stack: Stack) -> None:
    cluster = only(prod_stack, "azurerm_kubernetes_cluster")
    assert cluster["kubernetes_version"] == "1.36"
    assert cluster["default_node_pool"]["orchestrator_version"] == "1.36"
    assert cluster["automatic_upgrade_channel"] == "patch"
    assert cluster["service_mesh_profile"]["revisions"] == ["asm-1-30"]


# --- The azapi bodies against the AKS API models (azure-mgmt-containerservice 41.8.0) ---------


def _rest_fields(model: type) -> dict[str, tuple[str, Any]]:
    """REST name -> (attribute name, type) of an SDK model, from its rest_field declarations."""
    import sys
    import typing

    from azure.mgmt.containerservice import models
    from azure.mgmt.containerservice._utils.model_base import _RestField

    namespace = {**vars(sys.modules[model.__module__]), "_models": models}
    hints = typing.get_type_hints(model, globalns=namespace)
    fields = {}
    for klass in reversed(model.__mro__):
        for name, attribute in vars(klass).items():
            if isinstance(attribute, _RestField):
                fields[attribute._rest_name_input or name] = (name, hints.get(name))
    return fields


def _unknown_fields(model: type, body: dict[str, Any], path: str = "") -> list[str]:
    """Keys of `body` that the SDK model does not define, and enum values it does not know."""
    import enum
    import typing

    fields = _rest_fields(model)
    problems = []
    for key, value in body.items():
        where = f"{path}.{key}" if path else key
        if key not in fields:
            problems.append(f"{where}: not a property of {model.__name__}")
            continue
        annotation = fields[key][1]
        candidates = [arg for arg in typing.get_args(annotation) if isinstance(arg, type)] or [annotation]
        nested = next((arg for arg in candidates if _is_model(arg)), None)
        enums = [arg for arg in candidates if isinstance(arg, type) and issubclass(arg, enum.Enum)]
        if nested is not None and isinstance(value, dict):
            problems.extend(_unknown_fields(nested, value, where))
        elif enums and value not in {member.value for member in enums[0]}:
            problems.append(f"{where}: {value!r} is not one of {[member.value for member in enums[0]]}")
    return problems


def _is_model(candidate: Any) -> bool:
    from azure.mgmt.containerservice._utils.model_base import Model

    return isinstance(candidate, type) and issubclass(candidate, Model)


def test_gateway_api_body_matches_the_aks_api_models(dev_stack: Stack, prod_stack: Stack) -> None:
    from azure.mgmt.containerservice import models

    for stack in (dev_stack, prod_stack):
        body = resources(stack, "azapi_update_resource")["managed_gateway_api"]["body"]
        assert _unknown_fields(models.ManagedCluster, body) == []


def test_gpu_pool_body_matches_the_aks_api_models(prod_stack: Stack) -> None:
    """Every field of the agent pool body is in the GA models (2026-08-01) except migStrategy, which
    only the previews have (2026-05-02-preview, the version the pool uses: its schema in azapi,
    data/azapi-schemas/, is checked in tests/test_agent_pool.py)."""
    from azure.mgmt.containerservice import models

    pool = resources(prod_stack, "azapi_resource")["node_pool_gpunp"]
    assert pool["type"] == "Microsoft.ContainerService/managedClusters/agentPools@2026-05-02-preview"
    assert _unknown_fields(models.AgentPool, pool["body"]) == [
        "properties.gpuProfile.nvidia.migStrategy: not a property of NvidiaGPUProfile"
    ]


def test_the_model_check_catches_a_wrong_property_and_value() -> None:
    from azure.mgmt.containerservice import models

    wrong_name = {"properties": {"networkProfile": {"gatewayAPIEnabled": True}}}  # main.tf's body
    assert _unknown_fields(models.ManagedCluster, wrong_name) == [
        "properties.networkProfile.gatewayAPIEnabled: not a property of ContainerServiceNetworkProfile"
    ]
    wrong_value = {"properties": {"ingressProfile": {"gatewayAPI": {"installation": "Enabled"}}}}
    assert _unknown_fields(models.ManagedCluster, wrong_value) == [
        "properties.ingressProfile.gatewayAPI.installation: 'Enabled' is not one of ['Disabled', 'Standard']"
    ]
