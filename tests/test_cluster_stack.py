"""Targeted assertions on main.tf's cluster stack (tests/fixtures/environments/main-tf.toml): every value
main.tf set, checked against the spec."""

from __future__ import annotations

import pytest
from conftest import Stack, only, resources

CLUSTER = "aks-ai-conformant-dev-centralus"
TAGS = {"ManagedBy": "Terraform", "Purpose": "AI-Conformant-AKS"}
FEATURE_ID = (
    "/subscriptions/${data.azurerm_client_config.current.subscription_id}"
    "/providers/Microsoft.Features/featureProviders/Microsoft.ContainerService"
    "/subscriptionFeatureRegistrations/"
)


def test_terraform_settings_and_providers(main_tf_stack: Stack) -> None:
    required = main_tf_stack["terraform"]["required_providers"]
    assert required["azurerm"] == {"source": "hashicorp/azurerm", "version": "4.55.0"}
    assert required["azapi"]["source"] == "Azure/azapi"
    # Pinned to the release whose embedded agentPools schemas data/azapi-schemas/ records.
    assert required["azapi"]["version"] == "2.12.0"
    assert required["time"]["source"] == "hashicorp/time"

    azurerm = main_tf_stack["provider"]["azurerm"]
    assert azurerm == [{"features": [{}], "resource_provider_registrations": "none"}]
    assert "azapi" in main_tf_stack["provider"]
    assert main_tf_stack["variable"]["resource_group_name"]["type"] == "string"
    assert "current" in main_tf_stack["data"]["azurerm_client_config"]


def test_cluster(main_tf_stack: Stack) -> None:
    cluster = only(main_tf_stack, "azurerm_kubernetes_cluster")
    assert cluster["name"] == CLUSTER
    assert cluster["dns_prefix"] == CLUSTER
    assert cluster["location"] == "centralus"
    assert cluster["resource_group_name"] == "${var.resource_group_name}"
    assert cluster["kubernetes_version"] == "1.34.2"
    assert cluster["identity"] == {"type": "SystemAssigned"}
    assert cluster["oidc_issuer_enabled"] is True
    assert cluster["workload_identity_enabled"] is True
    assert cluster["ai_toolchain_operator_enabled"] is True
    assert cluster["local_account_disabled"] is False
    assert cluster["tags"] == TAGS


def test_default_node_pool(main_tf_stack: Stack) -> None:
    pool = only(main_tf_stack, "azurerm_kubernetes_cluster")["default_node_pool"]
    assert pool["name"] == "default"
    assert pool["temporary_name_for_rotation"] == "defaulttemp"
    assert pool["vm_size"] == "Standard_D2s_v3"
    assert pool["type"] == "VirtualMachineScaleSets"
    assert pool["auto_scaling_enabled"] is True
    assert (pool["min_count"], pool["max_count"]) == (2, 5)
    assert pool["zones"] == ["1", "2", "3"]
    assert pool["only_critical_addons_enabled"] is True
    assert pool["orchestrator_version"] == "1.34.2"
    assert pool["upgrade_settings"] == {
        "drain_timeout_in_minutes": 0,
        "max_surge": "10%",
        "node_soak_duration_in_minutes": 0,
    }


def test_gpu_node_pool(main_tf_stack: Stack) -> None:
    pool = only(main_tf_stack, "azurerm_kubernetes_cluster_node_pool")
    assert pool["name"] == "gpunp"
    assert pool["kubernetes_cluster_id"] == "${azurerm_kubernetes_cluster.aks.id}"
    assert pool["temporary_name_for_rotation"] == "gpunptemp"
    assert pool["vm_size"] == "Standard_D16s_v5"
    assert pool["node_count"] == 1
    assert pool["auto_scaling_enabled"] is True
    assert (pool["min_count"], pool["max_count"]) == (1, 3)
    assert pool["upgrade_settings"] == {
        "drain_timeout_in_minutes": 0,
        "max_surge": "10%",
        "node_soak_duration_in_minutes": 0,
    }
    assert pool["tags"] == {**TAGS, "EnableManagedGPUExperience": "true"}


def test_istio_service_mesh(main_tf_stack: Stack) -> None:
    mesh = only(main_tf_stack, "azurerm_kubernetes_cluster")["service_mesh_profile"]
    assert mesh == {
        "mode": "Istio",
        "revisions": ["asm-1-28"],
        "external_ingress_gateway_enabled": True,
        "internal_ingress_gateway_enabled": False,
    }


def test_monitor_metrics_has_empty_allowlists(main_tf_stack: Stack) -> None:
    # main.tf's "true"/"false" were not key allowlists; empty means none (docs/cluster.md).
    assert only(main_tf_stack, "azurerm_kubernetes_cluster")["monitor_metrics"] == {}


FEATURE_TYPE = "Microsoft.Features/featureProviders/subscriptionFeatureRegistrations@2021-07-01"
PROVIDER_ID = (
    "/subscriptions/${data.azurerm_client_config.current.subscription_id}"
    "/providers/Microsoft.ContainerService"
)


def _feature_registrations(stack: Stack) -> dict[str, dict]:
    return {
        name: action
        for name, action in resources(stack, "azapi_resource_action").items()
        if action["type"] == FEATURE_TYPE
    }


def test_preview_feature_registrations(main_tf_stack: Stack) -> None:
    by_id = {action["resource_id"]: action for action in _feature_registrations(main_tf_stack).values()}
    assert set(by_id) == {
        FEATURE_ID + "ManagedGatewayAPIPreview",
        FEATURE_ID + "ManagedGPUExperiencePreview",
    }
    for action in by_id.values():
        assert action["method"] == "PUT"
        assert action["body"] == {}


def test_cluster_waits_for_feature_registration_then_provider_reregistration(main_tf_stack: Stack) -> None:
    # AKS docs: after registering a feature, register Microsoft.ContainerService again so the
    # feature propagates; the cluster waits for that, which waits for the sleep after the PUTs.
    # (The other sleep waits for features of other providers: tests/test_resource_providers.py.)
    sleeps = {
        name: sleep for name, sleep in resources(main_tf_stack, "time_sleep").items() if "preview" in name
    }
    assert len(sleeps) == 1
    ((sleep_name, sleep),) = sleeps.items()
    assert sleep["create_duration"] == "60s"
    assert sorted(sleep["depends_on"]) == sorted(
        f"azapi_resource_action.{name}" for name in _feature_registrations(main_tf_stack)
    )
    actions = resources(main_tf_stack, "azapi_resource_action")
    (register_name,) = [
        name
        for name, action in actions.items()
        if action["type"] != FEATURE_TYPE and action["resource_id"] == PROVIDER_ID
    ]
    register = actions[register_name]
    assert register["type"] == "Microsoft.Resources/providers@2021-04-01"
    assert register["resource_id"] == PROVIDER_ID
    assert (register["action"], register["method"]) == ("register", "POST")
    assert register["depends_on"] == [f"time_sleep.{sleep_name}"]
    cluster = only(main_tf_stack, "azurerm_kubernetes_cluster")
    # First, then the registrations of the other providers it needs (tests/test_resource_providers.py).
    assert cluster["depends_on"][0] == f"azapi_resource_action.{register_name}"


def test_gateway_api_installed_after_cluster(main_tf_stack: Stack) -> None:
    update = only(main_tf_stack, "azapi_update_resource")
    api_version = update["type"].split("@")[1]
    assert update["type"].startswith("Microsoft.ContainerService/managedClusters@")
    # The property is GA from 2026-03-01 and in previews from 2025-06-02-preview.
    if api_version.endswith("-preview"):
        assert api_version >= "2025-06-02-preview"
    else:
        assert api_version >= "2026-03-01"
    assert update["resource_id"] == "${azurerm_kubernetes_cluster.aks.id}"
    assert update["body"] == {"properties": {"ingressProfile": {"gatewayAPI": {"installation": "Standard"}}}}


def test_monitor_workspace(main_tf_stack: Stack) -> None:
    workspace = only(main_tf_stack, "azurerm_monitor_workspace")
    assert workspace["name"] == "amw-aks-ai-conformant-dev-centralus"
    assert workspace["location"] == "centralus"
    assert workspace["tags"] == TAGS


def test_data_collection_endpoint(main_tf_stack: Stack) -> None:
    endpoint = only(main_tf_stack, "azurerm_monitor_data_collection_endpoint")
    assert endpoint["name"] == "aks-dce-aks-ai-conformant-dev-centralus"
    assert endpoint["kind"] == "Linux"
    assert endpoint["tags"] == TAGS


def test_data_collection_rule(main_tf_stack: Stack) -> None:
    rule = only(main_tf_stack, "azurerm_monitor_data_collection_rule")
    workspace_name = "amw-aks-ai-conformant-dev-centralus"
    assert rule["name"] == "amdcr-prometheus-aks-ai-conformant-dev-centralus"
    assert rule["data_collection_endpoint_id"] == (
        "${azurerm_monitor_data_collection_endpoint.data_collection_endpoint.id}"
    )
    assert rule["data_sources"] == {
        "prometheus_forwarder": [{"name": "PrometheusDataSource", "streams": ["Microsoft-PrometheusMetrics"]}]
    }
    assert rule["destinations"] == {
        "monitor_account": [
            {
                "monitor_account_id": "${azurerm_monitor_workspace.monitor_workspace.id}",
                "name": workspace_name,
            }
        ]
    }
    assert rule["data_flow"] == [
        {"destinations": [workspace_name], "streams": ["Microsoft-PrometheusMetrics"]}
    ]
    assert rule["tags"] == TAGS


def test_data_collection_associations(main_tf_stack: Stack) -> None:
    associations = resources(main_tf_stack, "azurerm_monitor_data_collection_rule_association")
    by_name = {association["name"]: association for association in associations.values()}
    assert set(by_name) == {"amdca-aks-ai-conformant-dev-centralus", "configurationAccessEndpoint"}
    rule_association = by_name["amdca-aks-ai-conformant-dev-centralus"]
    assert rule_association["target_resource_id"] == "${azurerm_kubernetes_cluster.aks.id}"
    assert rule_association["data_collection_rule_id"] == (
        "${azurerm_monitor_data_collection_rule.data_collection_rule.id}"
    )
    assert "data_collection_endpoint_id" not in rule_association
    endpoint_association = by_name["configurationAccessEndpoint"]
    assert endpoint_association["target_resource_id"] == "${azurerm_kubernetes_cluster.aks.id}"
    assert endpoint_association["data_collection_endpoint_id"] == (
        "${azurerm_monitor_data_collection_endpoint.data_collection_endpoint.id}"
    )
    assert "data_collection_rule_id" not in endpoint_association


def test_outputs(main_tf_stack: Stack) -> None:
    # cdktf adds "cross-stack-output-*" for the workloads stack (tests/test_workloads_stack.py).
    outputs = {
        name: output["value"]
        for name, output in main_tf_stack["output"].items()
        if not name.startswith("cross-stack-output-")
    }
    assert outputs == {
        "cluster_name": "${azurerm_kubernetes_cluster.aks.name}",
        "cluster_id": "${azurerm_kubernetes_cluster.aks.id}",
        "oidc_issuer_url": "${azurerm_kubernetes_cluster.aks.oidc_issuer_url}",
        "node_resource_group": "${azurerm_kubernetes_cluster.aks.node_resource_group}",
        "monitor_workspace_id": "${azurerm_monitor_workspace.monitor_workspace.id}",
        "monitor_workspace_query_endpoint": ("${azurerm_monitor_workspace.monitor_workspace.query_endpoint}"),
    }
    assert all(main_tf_stack["output"][name].get("description") for name in outputs)


def test_local_backend_path_is_relative(dev_stack: Stack) -> None:
    path = dev_stack["terraform"]["backend"]["local"]["path"]
    assert not path.startswith("/")
    assert path == "../../../terraform.ai-conformant-aks-dev.tfstate"


def test_azurerm_backend_when_configured(synth) -> None:
    from aks_platform.settings import AzurermBackendSettings

    stack = synth(
        "dev",
        backend=AzurermBackendSettings(
            type="azurerm",
            resource_group_name="rg-tfstate",
            storage_account_name="sttfstate",
            container_name="tfstate",
        ),
    )
    assert stack["terraform"]["backend"] == {
        "azurerm": {
            "resource_group_name": "rg-tfstate",
            "storage_account_name": "sttfstate",
            "container_name": "tfstate",
            "key": "ai-conformant-aks-dev.tfstate",
            "use_azuread_auth": True,
        }
    }


def _accepts_tags(resource_type: str) -> bool:
    """Whether the azurerm provider's schema gives this resource type a `tags` argument (read from
    the provider binding generated from that schema, so a new resource type is covered as it comes)."""
    import importlib
    import inspect

    module = importlib.import_module(f"cdktf_cdktf_provider_azurerm.{resource_type.removeprefix('azurerm_')}")
    name = "".join(part.capitalize() for part in resource_type.removeprefix("azurerm_").split("_"))
    return "tags" in inspect.signature(getattr(module, name).__init__).parameters


def test_the_schema_lookup_tells_taggable_from_untaggable() -> None:
    assert _accepts_tags("azurerm_kubernetes_cluster")
    assert not _accepts_tags("azurerm_monitor_data_collection_rule_association")


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_every_taggable_resource_is_tagged(environment: str, dev_stack: Stack, prod_stack: Stack) -> None:
    stack = {"dev": dev_stack, "prod": prod_stack}[environment]
    tagged = 0
    for resource_type, found in stack["resource"].items():
        if not resource_type.startswith("azurerm_") or not _accepts_tags(resource_type):
            continue
        for name, resource in found.items():
            assert TAGS.items() <= resource.get("tags", {}).items(), f"{resource_type}.{name}"
            tagged += 1
    assert tagged >= 6  # the cluster, its pools, and the monitoring resources at least
