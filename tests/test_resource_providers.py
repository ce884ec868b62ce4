"""Every resource provider and subscription feature the cluster stacks need is registered before
the resources that need it: derived here from the synthesized JSON through
data/resource-providers.toml, so a new resource type or setting cannot be forgotten."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from conftest import Stack, environment_settings, synth_settings

from aks_platform.resource_providers import Needs, UnknownResourceTypeError, load_table

REFERENCE = re.compile(r"\b((?:azurerm|azapi|time)_[a-z_]+)\.([a-z0-9_]+)\b")
PROVIDER_ID = re.compile(r"/providers/(?P<namespace>[A-Za-z.]+)$")
FEATURE_ID = re.compile(
    r"/featureProviders/(?P<namespace>[A-Za-z.]+)/subscriptionFeatureRegistrations/(?P<name>\w+)$"
)


def each_resource(stack: Stack) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for resource_type, resources in stack.get("resource", {}).items():
        for name, attributes in resources.items():
            yield resource_type, name, attributes


def needed(stack: Stack) -> Needs:
    table = load_table()
    total = Needs()
    for resource_type, _, attributes in each_resource(stack):
        total = total | table.needs(resource_type, attributes)
    return total


def registrations(stack: Stack) -> tuple[dict[str, str], dict[str, str]]:
    """namespace -> address of its provider registration; Namespace/Feature -> its registration."""
    providers, features = {}, {}
    for name, action in stack["resource"].get("azapi_resource_action", {}).items():
        address = f"azapi_resource_action.{name}"
        if action.get("action") == "register" and (found := PROVIDER_ID.search(action["resource_id"])):
            providers[found["namespace"]] = address
        elif action.get("method") == "PUT" and (found := FEATURE_ID.search(action["resource_id"])):
            features[f"{found['namespace']}/{found['name']}"] = address
    return providers, features


def dependencies(stack: Stack) -> dict[str, set[str]]:
    """address -> the addresses it depends on (depends_on and references in its attributes)."""
    graph = {}
    for resource_type, name, attributes in each_resource(stack):
        text = repr(attributes)
        graph[f"{resource_type}.{name}"] = {f"{kind}.{ref}" for kind, ref in REFERENCE.findall(text)}
    return graph


def waits_for(graph: dict[str, set[str]], start: str, target: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        current = todo.pop()
        if current == target:
            return True
        if current not in seen:
            seen.add(current)
            todo.extend(graph.get(current, ()))
    return False


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_every_need_is_registered_and_comes_first(
    environment: str, dev_stack: Stack, prod_stack: Stack
) -> None:
    stack = dev_stack if environment == "dev" else prod_stack
    providers, features = registrations(stack)
    total = needed(stack)
    assert total.providers <= set(providers), total.providers - set(providers)
    assert total.features <= set(features), total.features - set(features)
    graph = dependencies(stack)
    table = load_table()
    for resource_type, name, attributes in each_resource(stack):
        found = table.needs(resource_type, attributes)
        for namespace in found.providers:
            address = f"{resource_type}.{name}"
            assert waits_for(graph, address, providers[namespace]), f"{address} does not wait for {namespace}"
        for feature in found.features:
            namespace = feature.split("/", 1)[0]
            # The provider's registration comes after the feature's, and the resource after both.
            assert waits_for(graph, providers[namespace], features[feature])


def test_prod_needs_what_the_docs_say(prod_stack: Stack) -> None:
    """Checked against the docs named in data/resource-providers.toml: host encryption on prod's
    pools needs Compute's EncryptionAtHost feature; Azure Policy, PolicyInsights; Container
    Insights, OperationsManagement and OperationalInsights; managed Prometheus, Monitor, Insights
    and AlertsManagement."""
    assert needed(prod_stack) == Needs(
        frozenset(
            {
                "Microsoft.ContainerService",
                "Microsoft.Compute",
                "Microsoft.PolicyInsights",
                "Microsoft.OperationsManagement",
                "Microsoft.OperationalInsights",
                "Microsoft.Monitor",
                "Microsoft.Insights",
                "Microsoft.AlertsManagement",
            }
        ),
        frozenset({"Microsoft.Compute/EncryptionAtHost"}),
    )


def test_dev_needs_only_its_resources_providers(dev_stack: Stack) -> None:
    assert needed(dev_stack).providers == {
        "Microsoft.ContainerService",
        "Microsoft.Monitor",
        "Microsoft.Insights",
        "Microsoft.AlertsManagement",
    }
    assert not needed(dev_stack).features


def test_a_resource_type_missing_from_the_table_is_an_error() -> None:
    with pytest.raises(UnknownResourceTypeError, match=r"azurerm_key_vault is not in resource-providers"):
        load_table().needs("azurerm_key_vault", {})


def test_settings_add_needs_only_when_they_are_on() -> None:
    table = load_table()
    pool = {"host_encryption_enabled": False}
    assert table.needs("azurerm_kubernetes_cluster_node_pool", pool).features == frozenset()
    assert table.needs(
        "azurerm_kubernetes_cluster_node_pool", {"host_encryption_enabled": True}
    ).features == {"Microsoft.Compute/EncryptionAtHost"}
    azapi_pool = {
        "type": "Microsoft.ContainerService/managedClusters/agentPools@2025-10-01",
        "body": {"properties": {"enableEncryptionAtHost": True}},
    }
    assert table.needs("azapi_resource", azapi_pool) == Needs(
        frozenset({"Microsoft.ContainerService", "Microsoft.Compute"}),
        frozenset({"Microsoft.Compute/EncryptionAtHost"}),
    )


def test_registration_can_be_left_to_the_platform_team() -> None:
    settings = environment_settings("prod")
    off = settings.model_copy(
        update={"resource_providers": settings.resource_providers.model_copy(update={"enabled": False})}
    )
    cluster, _ = synth_settings("prod", off)
    providers, features = registrations(cluster)
    # Only the preview features' own re-registration of Microsoft.ContainerService stays.
    assert set(providers) == {"Microsoft.ContainerService"}
    assert set(features) == {"Microsoft.ContainerService/ManagedGPUExperiencePreview"}
