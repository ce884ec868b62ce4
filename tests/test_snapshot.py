"""Snapshots per resource: any unreviewed JSON change fails here, in a file named after what changed.

Each environment's stacks are split into one snapshot per Terraform block, named after its
address (tests/__snapshots__/test_snapshot/<test>[<environment>][<address>].json). The AKS
cluster's system pool and Istio profile are snapshots of their own, so the cluster's file holds
the rest of the cluster. The resources the user named have tests of their own;
test_cluster_stack_rest and test_workloads_stack hold the rest of each stack. Together they hold
the whole stack, once. That two synths write the same bytes is checked whole, in
test_determinism.py.

Refresh with `pytest tests/test_snapshot.py --snapshot-update` only when the change is intended,
and say in the commit message which resource changed and why. A snapshot no test asserts any
more (a resource gone) fails the run until the update removes it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from conftest import Stack
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension

# The environment files, and main.tf value for value (tests/fixtures/environments/main-tf.toml).
ENVIRONMENTS = ["dev", "prod", "main-tf"]
CLUSTER = "azurerm_kubernetes_cluster"
# Blocks of the cluster resource that are snapshots of their own.
SYSTEM_POOL = "default_node_pool"
ISTIO_PROFILE = "service_mesh_profile"
NESTED = (SYSTEM_POOL, ISTIO_PROFILE)
AGENT_POOL_TYPE = "Microsoft.ContainerService/managedClusters/agentPools@"

# Sections that are lists of blocks in Terraform JSON, and the field that names each block.
LIST_SECTIONS = {"removed": "from", "moved": "from", "import": "to"}

Blocks = dict[str, Any]


@pytest.fixture
def json_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


@pytest.fixture(params=ENVIRONMENTS)
def stacks(request: pytest.FixtureRequest) -> tuple[Stack, Stack | None]:
    return request.getfixturevalue(f"{request.param.replace('-', '_')}_stacks")


def _resources(stack: Stack) -> Iterator[tuple[str, str, Any]]:
    for resource_type, named in stack.get("resource", {}).items():
        for name, body in named.items():
            yield resource_type, name, body


def clusters(stack: Stack) -> Blocks:
    return {
        f"{CLUSTER}.{name}": {key: value for key, value in body.items() if key not in NESTED}
        for name, body in stack.get("resource", {}).get(CLUSTER, {}).items()
    }


def node_pools(stack: Stack) -> Blocks:
    """The system pool (the cluster's default_node_pool), every user pool, and every azapi
    resource on an agent pool (such as a pool's GPU profile)."""
    pools: Blocks = {
        f"{CLUSTER}.{name}.{SYSTEM_POOL}": body[SYSTEM_POOL]
        for name, body in stack.get("resource", {}).get(CLUSTER, {}).items()
        if SYSTEM_POOL in body
    }
    for resource_type, name, body in _resources(stack):
        on_agent_pool = str(body.get("type", "")).startswith(AGENT_POOL_TYPE)
        agent_pool = resource_type.startswith("azapi_") and on_agent_pool
        if resource_type == "azurerm_kubernetes_cluster_node_pool" or agent_pool:
            pools[f"{resource_type}.{name}"] = body
    return pools


def istio_profiles(stack: Stack) -> Blocks:
    return {
        f"{CLUSTER}.{name}.{ISTIO_PROFILE}": body[ISTIO_PROFILE]
        for name, body in stack.get("resource", {}).get(CLUSTER, {}).items()
        if ISTIO_PROFILE in body
    }


def gateway_api_updates(stack: Stack) -> Blocks:
    return {
        f"azapi_update_resource.{name}": body
        for name, body in stack.get("resource", {}).get("azapi_update_resource", {}).items()
        if "gatewayAPI" in body.get("body", {}).get("properties", {}).get("ingressProfile", {})
    }


def _data_collection_rules(stack: Stack, destination: str) -> Blocks:
    rule_type = "azurerm_monitor_data_collection_rule"
    return {
        f"{rule_type}.{name}": body
        for name, body in stack.get("resource", {}).get(rule_type, {}).items()
        if destination in body.get("destinations", {})
    }


def prometheus_rules(stack: Stack) -> Blocks:
    """The DCR that sends to an Azure Monitor workspace: managed Prometheus."""
    return _data_collection_rules(stack, "monitor_account")


def container_insights_rules(stack: Stack) -> Blocks:
    """The DCR that sends to Log Analytics: Container Insights."""
    return _data_collection_rules(stack, "log_analytics")


NAMED: tuple[Callable[[Stack], Blocks], ...] = (
    clusters,
    node_pools,
    istio_profiles,
    gateway_api_updates,
    prometheus_rules,
    container_insights_rules,
)


def blocks(stack: Stack) -> Blocks:
    """Every block of a stack by its address: `<type>.<name>` for a resource, `<section>.<key>`
    for the rest (`data.<type>.<name>`, `output.<name>`, `provider.<name>`, `terraform.backend`,
    `removed.<the address it removes>`)."""
    found: Blocks = {}
    for section, content in stack.items():
        if section in LIST_SECTIONS:
            found.update({f"{section}.{item[LIST_SECTIONS[section]]}": item for item in content})
            continue
        for key, value in content.items():
            if section in ("resource", "data"):
                prefix = "" if section == "resource" else "data."
                found.update({f"{prefix}{key}.{name}": body for name, body in value.items()})
            else:
                found[f"{section}.{key}"] = value
    return found


def other_blocks(stack: Stack) -> Blocks:
    named = {address for pick in NAMED for address in pick(stack)}
    return {address: body for address, body in blocks(stack).items() if address not in named}


def assert_each(found: Blocks, json_snapshot: SnapshotAssertion) -> None:
    for address, body in sorted(found.items()):
        assert body == json_snapshot(name=address), address


def test_aks_cluster(stacks: tuple[Stack, Stack | None], json_snapshot: SnapshotAssertion) -> None:
    """The cluster resource, without its system pool and Istio profile (snapshots of their own)."""
    found = clusters(stacks[0])
    assert len(found) == 1
    assert_each(found, json_snapshot)


def test_node_pools(stacks: tuple[Stack, Stack | None], json_snapshot: SnapshotAssertion) -> None:
    found = node_pools(stacks[0])
    assert f"{CLUSTER}.aks.{SYSTEM_POOL}" in found
    assert_each(found, json_snapshot)


def test_istio_profile(stacks: tuple[Stack, Stack | None], json_snapshot: SnapshotAssertion) -> None:
    found = istio_profiles(stacks[0])
    assert len(found) == 1
    assert_each(found, json_snapshot)


def test_gateway_api_update(stacks: tuple[Stack, Stack | None], json_snapshot: SnapshotAssertion) -> None:
    found = gateway_api_updates(stacks[0])
    assert len(found) == 1
    assert_each(found, json_snapshot)


def test_prometheus_dcr(stacks: tuple[Stack, Stack | None], json_snapshot: SnapshotAssertion) -> None:
    found = prometheus_rules(stacks[0])
    assert len(found) == 1
    assert_each(found, json_snapshot)


def test_container_insights_dcr(stacks: tuple[Stack, Stack | None], json_snapshot: SnapshotAssertion) -> None:
    """prod's Container Insights DCR; an environment without Container Insights has none."""
    assert_each(container_insights_rules(stacks[0]), json_snapshot)


def test_cluster_stack_rest(
    stacks: tuple[Stack, Stack | None], json_snapshot: SnapshotAssertion
) -> None:
    assert_each(other_blocks(stacks[0]), json_snapshot)


def test_workloads_stack(
    stacks: tuple[Stack, Stack | None], json_snapshot: SnapshotAssertion
) -> None:
    assert stacks[1] is not None
    assert_each(other_blocks(stacks[1]), json_snapshot)


def test_the_snapshots_hold_every_block_once(stacks: tuple[Stack, Stack | None]) -> None:
    """The split loses nothing and holds nothing twice: the named picks and the rest, put back
    together, are the stack."""
    for stack in stacks:
        assert stack is not None
        picked = [pick(stack) for pick in NAMED] + [other_blocks(stack)]
        addresses = [address for found in picked for address in found]
        assert len(addresses) == len(set(addresses))
        together = reassemble({address: body for found in picked for address, body in found.items()})
        assert in_order(together) == in_order(stack)


def in_order(stack: Stack) -> Stack:
    """The stack with its list sections sorted (Terraform reads those blocks in any order)."""
    return {
        section: sorted(content, key=lambda item: item[LIST_SECTIONS[section]])
        if section in LIST_SECTIONS
        else content
        for section, content in stack.items()
    }


def reassemble(found: Blocks) -> Stack:
    """A stack from its blocks (the inverse of the split above)."""
    stack: dict[str, Any] = {}
    nested: Blocks = {}
    for address, body in found.items():
        parts = address.split(".")
        if parts[0] == CLUSTER and len(parts) == 3:
            nested[address] = body
        elif parts[0] in LIST_SECTIONS:
            stack.setdefault(parts[0], []).append(body)
        elif parts[0] == "data":
            stack.setdefault("data", {}).setdefault(parts[1], {})[".".join(parts[2:])] = body
        elif parts[0] in ("terraform", "provider", "output", "variable", "locals", "module"):
            stack.setdefault(parts[0], {})[".".join(parts[1:])] = body
        else:
            stack.setdefault("resource", {}).setdefault(parts[0], {})[".".join(parts[1:])] = dict(body)
    for address, body in nested.items():
        resource_type, name, block = address.split(".")
        stack["resource"][resource_type][name][block] = body
    return stack
