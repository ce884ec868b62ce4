"""The GPU pool as one agentPools resource: the whole pool in one body that the schema azapi embeds
accepts, nothing azurerm's pool sent left out, no immutable field sent by an update, and its place
in the cluster's operation chain."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

import pytest
from conftest import Stack, resources
from test_constructs_library import CLUSTER_ID, synth

from aks_platform.immutable_fields import immutable_paths, load_immutable_fields, sent_by_updates
from aks_platform.settings.gpus import AZAPI_SCHEMAS, azapi_agent_pool_versions
from constructs.agent_pool import AgentPoolNodePool, AgentPoolProps, agent_pool_body
from constructs.azapi import AZAPI_VERSION
from constructs.node_pool import NodePoolProps, UpgradeProps
from constructs.user_node_pool import UserNodePool, UserNodePoolProps

AGENT_POOLS = "Microsoft.ContainerService/managedClusters/agentPools@"


def _agent_pools(stack: Stack) -> dict[str, Any]:
    return {
        name: resource
        for name, resource in resources(stack, "azapi_resource").items()
        if resource["type"].startswith(AGENT_POOLS)
    }


def test_prod_creates_the_gpu_pool_with_its_gpu_profile_in_one_resource(prod_stack: Stack) -> None:
    pools = _agent_pools(prod_stack)
    assert list(pools) == ["node_pool_gpunp"]
    pool = pools["node_pool_gpunp"]
    assert pool["name"] == "gpunp"
    assert pool["parent_id"] == "${azurerm_kubernetes_cluster.aks.id}"
    properties = pool["body"]["properties"]
    assert properties["vmSize"] == "Standard_NC24ads_A100_v4"
    assert properties["gpuProfile"] == {
        "driver": "Install",
        "nvidia": {"managementMode": "Managed", "migStrategy": "Single"},
    }
    assert properties["gpuInstanceProfile"] == "MIG3g"
    # One manager: no azurerm pool of that name, and no update of the pool afterwards.
    assert "node_pool_gpunp" not in resources(prod_stack, "azurerm_kubernetes_cluster_node_pool")
    pool_id = "${azapi_resource.node_pool_gpunp.id}"
    assert [
        name
        for name, u in resources(prod_stack, "azapi_update_resource").items()
        if u["resource_id"] == pool_id
    ] == []


# --- The body against the schema the pinned azapi embeds (what it validates at plan time) -------


def _schema_problems(schema: dict[str, Any], kind: dict[str, Any], value: Any, where: str) -> list[str]:
    """What azapi's schema validation would refuse: unknown or read-only keys, values of another
    type, strings outside an enum."""
    if "object" in kind:
        if not isinstance(value, dict):
            return [f"{where}: expected an object"]
        definition = schema["objects"][kind["object"]]
        problems = []
        for key, item in value.items():
            path = f"{where}.{key}" if where else key
            if key in definition["properties"]:
                field = definition["properties"][key]
                if field["flags"] & 2:
                    problems.append(f"{path}: read-only")
                problems += _schema_problems(schema, field, item, path)
            elif "additional" in definition:
                problems += _schema_problems(schema, definition["additional"], item, path)
            else:
                problems.append(f"{path}: not a property of {kind['object']}")
        return problems
    if "array" in kind:
        if not isinstance(value, list):
            return [f"{where}: expected an array"]
        return [
            p
            for index, item in enumerate(value)
            for p in _schema_problems(schema, kind["array"], item, f"{where}[{index}]")
        ]
    if "enum" in kind:
        return [] if value in kind["enum"] else [f"{where}: {value!r} is not one of {kind['enum']}"]
    expected = {"string": str, "integer": int, "boolean": bool, "any": object}[kind["type"]]
    if (expected is int and isinstance(value, bool)) or not isinstance(value, expected):
        return [f"{where}: expected {kind['type']}, got {value!r}"]
    return []


def _schema(version: str) -> dict[str, Any]:
    return azapi_agent_pool_versions()[version]


def test_the_gpu_pool_body_passes_the_schema_azapi_embeds(prod_stack: Stack) -> None:
    pool = _agent_pools(prod_stack)["node_pool_gpunp"]
    version = pool["type"].split("@")[1]
    assert version in azapi_agent_pool_versions(), (
        f"azapi {AZAPI_VERSION} has no schema for agentPools@{version}"
    )
    schema = _schema(version)
    assert schema["resource_type"] == pool["type"]
    assert (
        _schema_problems(schema, {"object": schema["root"]}, {"properties": pool["body"]["properties"]}, "")
        == []
    )


def test_the_schema_check_catches_what_azapi_refuses() -> None:
    schema = _schema("2026-05-02-preview")
    root = {"object": schema["root"]}
    body = {
        "properties": {
            "vmSize": "Standard_NC24ads_A100_v4",
            "gpuProfile": {"nvidia": {"managementMode": "Auto", "migStrategie": "Single"}},
            "count": "1",
            "provisioningState": "Succeeded",
        }
    }
    assert sorted(_schema_problems(schema, root, body, "")) == [
        "properties.count: expected integer, got '1'",
        "properties.gpuProfile.nvidia.managementMode: 'Auto' is not one of ['Unmanaged', 'Managed']",
        "properties.gpuProfile.nvidia.migStrategie: not a property of NvidiaGPUProfile",
        "properties.provisioningState: read-only",
    ]


def test_azapi_is_pinned_to_the_release_whose_schemas_are_recorded(prod_stack: Stack) -> None:
    assert re.fullmatch(r"\d+\.\d+\.\d+", AZAPI_VERSION)
    assert prod_stack["terraform"]["required_providers"]["azapi"]["version"] == AZAPI_VERSION
    files = sorted(AZAPI_SCHEMAS.glob("*.json"))
    assert files
    for path in files:
        source = json.loads(path.read_text())["_source"]
        assert f"terraform-provider-azapi v{AZAPI_VERSION}," in source, path.name


# --- Nothing azurerm's pool sent is lost -------------------------------------------------------

# azurerm_kubernetes_cluster_node_pool attribute -> agentPools body path (properties.<...>).
AZURERM_TO_REST = {
    "vm_size": "vmSize",
    "node_count": "count",
    "auto_scaling_enabled": "enableAutoScaling",
    "min_count": "minCount",
    "max_count": "maxCount",
    "zones": "availabilityZones",
    "node_labels": "nodeLabels",
    "node_taints": "nodeTaints",
    "max_pods": "maxPods",
    "os_disk_type": "osDiskType",
    "os_disk_size_gb": "osDiskSizeGB",
    "host_encryption_enabled": "enableEncryptionAtHost",
    "gpu_driver": "gpuProfile.driver",
    "gpu_instance": "gpuInstanceProfile",
    "tags": "tags",
    "upgrade_settings.max_surge": "upgradeSettings.maxSurge",
    "upgrade_settings.drain_timeout_in_minutes": "upgradeSettings.drainTimeoutInMinutes",
    "upgrade_settings.node_soak_duration_in_minutes": "upgradeSettings.nodeSoakDurationInMinutes",
}
# What only azurerm has: the pool's name and parent are azapi_resource attributes; azurerm rotates
# through a temporary pool, azapi replaces (replace_triggers_refs).
AZURERM_ONLY = {"name", "kubernetes_cluster_id", "temporary_name_for_rotation", "depends_on", "lifecycle"}

FULL_POOL = NodePoolProps(
    name="gpu",
    vm_size="Standard_NC24ads_A100_v4",
    temporary_name_for_rotation="gputemp",
    node_count=1,
    auto_scaling=True,
    min_count=1,
    max_count=3,
    zones=("1", "2"),
    labels={"accelerator": "nvidia-a100"},
    taints=("sku=gpu:NoSchedule",),
    gpu_driver="Install",
    gpu_instance="MIG3g",
    tags={"team": "ai"},
    upgrade=UpgradeProps(max_surge="1", drain_timeout_in_minutes=15, node_soak_duration_in_minutes=5),
    max_pods=110,
    os_disk_type="Managed",
    os_disk_size_gb=256,
    host_encryption=True,
)


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and prefix not in ("tags", "node_labels", "nodeLabels"):
        flat: dict[str, Any] = {}
        for key, item in value.items():
            flat.update(_flatten(item, f"{prefix}.{key}" if prefix else key))
        return flat
    return {prefix: value}


def test_the_body_sends_everything_the_azurerm_pool_sends() -> None:
    def build(stack) -> None:
        UserNodePool(
            stack, "azurerm", UserNodePoolProps(cluster_id=CLUSTER_ID, pool=FULL_POOL, tags={"env": "t"})
        )

    (azurerm,) = synth(build)["resource"]["azurerm_kubernetes_cluster_node_pool"].values()
    sent = _flatten({key: value for key, value in azurerm.items() if key not in AZURERM_ONLY})
    assert set(sent) == set(AZURERM_TO_REST), "a new azurerm attribute needs its body path here"
    body = _flatten(agent_pool_body(FULL_POOL, {"env": "t"})["properties"])
    for attribute, path in AZURERM_TO_REST.items():
        assert body[path] == sent[attribute], attribute
    # Public IPs stay off, as azurerm's default does.
    assert body["enableNodePublicIP"] is False


def test_an_autoscaled_agent_pool_leaves_its_count_to_the_autoscaler() -> None:
    pool = NodePoolProps(
        name="gpu",
        vm_size="Standard_NC24ads_A100_v4",
        auto_scaling=True,
        min_count=0,
        max_count=2,
        gpu_management="Unmanaged",
    )

    def build(stack) -> None:
        AgentPoolNodePool(
            stack, "pool", AgentPoolProps(cluster_id=CLUSTER_ID, pool=pool, api_version="2026-05-02-preview")
        )

    (resource,) = synth(build)["resource"]["azapi_resource"].values()
    assert resource["lifecycle"] == {"ignore_changes": ["body.properties.count"]}
    assert resource["body"]["properties"]["count"] == 0
    assert resource["body"]["properties"]["minCount"] == 0 and resource["body"]["properties"]["maxCount"] == 2


def test_a_fixed_agent_pool_keeps_its_count_managed(prod_stack: Stack) -> None:
    pool = _agent_pools(prod_stack)["node_pool_gpunp"]
    assert "lifecycle" not in pool
    assert pool["body"]["properties"]["enableAutoScaling"] is False
    assert pool["body"]["properties"]["count"] == 1


def test_the_azurerm_kind_refuses_a_gpu_profile() -> None:
    with pytest.raises(ValueError, match="AgentPoolNodePool"):
        synth(
            lambda stack: UserNodePool(
                stack,
                "p",
                UserNodePoolProps(
                    cluster_id=CLUSTER_ID,
                    pool=NodePoolProps(
                        name="gpu", vm_size="Standard_NC24ads_A100_v4", gpu_management="Managed"
                    ),
                ),
            )
        )


# --- Immutable fields (data/immutable-pool-fields.toml) ----------------------------------------


def test_no_update_resource_sends_an_immutable_pool_field(dev_stack: Stack, prod_stack: Stack) -> None:
    for stack in (dev_stack, prod_stack):
        assert sent_by_updates(stack) == []


def test_the_immutable_field_check_catches_an_update_that_sends_one(prod_stack: Stack) -> None:
    stack = copy.deepcopy(prod_stack)
    stack["resource"].setdefault("azapi_update_resource", {})["gpu_profile"] = {
        "type": f"{AGENT_POOLS}2026-07-02-preview",
        "resource_id": "${azapi_resource.node_pool_gpunp.id}",
        "body": {
            "properties": {"gpuProfile": {"nvidia": {"managementMode": "Managed", "migStrategy": "Single"}}}
        },
    }
    stack["resource"].setdefault("azapi_resource_action", {})["resize"] = {
        "type": "Microsoft.ContainerService/managedClusters@2026-03-01",
        "resource_id": "${azurerm_kubernetes_cluster.aks.id}",
        "method": "PATCH",
        "body": {
            "properties": {"agentPoolProfiles": [{"name": "gpunp", "vmSize": "Standard_NC48ads_A100_v4"}]}
        },
    }
    assert sent_by_updates(stack) == [
        "azapi_update_resource.gpu_profile: properties.gpuProfile.nvidia.managementMode",
        "azapi_update_resource.gpu_profile: properties.gpuProfile.nvidia.migStrategy",
        "azapi_resource_action.resize: properties.agentPoolProfiles[0].vmSize",
    ]


def test_the_gpu_pool_is_replaced_when_an_immutable_field_it_sends_changes(prod_stack: Stack) -> None:
    pool = _agent_pools(prod_stack)["node_pool_gpunp"]
    flat = _flatten(pool["body"])
    sent = [path for path in immutable_paths() if path in flat]
    assert "properties.gpuProfile.nvidia.migStrategy" in sent and "properties.vmSize" in sent
    assert pool["replace_triggers_refs"] == sent


def test_every_immutable_field_is_quoted_from_its_page_and_names_azurerms_attribute() -> None:
    azurerm_attributes = {key.split(".")[0] for key in AZURERM_TO_REST}
    for field in load_immutable_fields():
        assert field.source.startswith("articles/aks/") and '"' in field.source, field.path
        assert field.path.startswith("properties.")
        if field.azurerm is not None:
            assert field.azurerm in azurerm_attributes, field.azurerm
            assert AZURERM_TO_REST[field.azurerm] == field.path.removeprefix("properties."), field.path
