"""What shares a namespace with Kueue's default LocalQueue, and what waits for what.

Kueue's LocalQueueDefaulting (beta, on by default since 0.12) labels every Deployment, StatefulSet
and pod created without a queue name in a namespace that has a LocalQueue named "default"
(pkg/controller/jobs/deployment/deployment_webhook.go, statefulset_webhook.go, pod_webhook.go at
v0.16.1); once admitted, the flavor's nodeLabels become the pods' nodeSelector. So such a namespace
may hold only the workload Kueue is meant to govern (the KAITO Workspace) and objects that start
no pods of their own. A Gateway starts pods: Istio creates its Deployment in the Gateway's
namespace. A kind not listed here fails the test until someone decides which it is.
"""

from __future__ import annotations

from typing import Any

import pytest
from conftest import Stack, resources, synth_environment
from stack_objects import applied, one_of_kind

from aks_platform import yaml_text

# What Kueue is meant to govern in the namespace: KAITO's StatefulSet, created from the Workspace.
GOVERNED = {"Workspace"}
# Objects that create no pods: a Service, a route, a queue, a monitor, a policy, configuration.
POD_FREE = {
    "Service",
    "HTTPRoute",
    "LocalQueue",
    "ServiceMonitor",
    "PodMonitor",
    "NetworkPolicy",
    "AuthorizationPolicy",
    "RequestAuthentication",
    "PeerAuthentication",
    "ReferenceGrant",
    "ConfigMap",
    "Secret",
}


def namespaced_objects(stack: Stack) -> list[tuple[str, str, str]]:
    """(address, kind, namespace) of every namespaced object the stack applies, charts included.

    A helm_release puts its chart's pods in its namespace, so it counts as a pod-starting object
    there; the objects a local chart applies (in `objects` of its values) count one by one.
    """
    found = []
    for address, body in resources(stack, "kubernetes_manifest").items():
        manifest = body["manifest"]
        namespace = manifest.get("metadata", {}).get("namespace")
        if namespace:
            found.append((f"kubernetes_manifest.{address}", manifest["kind"], namespace))
    for address, body in resources(stack, "helm_release").items():
        objects: list[dict[str, Any]] = []
        for values in body.get("values", []):
            objects += (yaml_text.load(values) or {}).get("objects", [])
        if objects:
            for item in objects:
                namespace = item.get("metadata", {}).get("namespace")
                if namespace:
                    found.append((f"helm_release.{address}", item["kind"], namespace))
        else:
            found.append((f"helm_release.{address}", f"chart {body['chart']}", body["namespace"]))
    return found


def default_queue_namespaces(stack: Stack) -> set[str]:
    return {
        namespace
        for _, kind, namespace in namespaced_objects(stack)
        if kind == "LocalQueue"
        and any(
            item["kind"] == "LocalQueue"
            and item["metadata"]["name"] == "default"
            and item["metadata"]["namespace"] == namespace
            for body in resources(stack, "helm_release").values()
            for values in body.get("values", [])
            for item in (yaml_text.load(values) or {}).get("objects", [])
        )
    }


def intruders(stack: Stack) -> list[str]:
    """Objects in a namespace with a default LocalQueue that are neither governed nor pod-free."""
    queued = default_queue_namespaces(stack)
    return [
        f"{address} ({kind}) in {namespace}"
        for address, kind, namespace in namespaced_objects(stack)
        if namespace in queued and kind not in GOVERNED | POD_FREE
    ]


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_only_the_workspace_shares_a_namespace_with_the_default_queue(
    environment: str, dev_workloads: Stack, prod_workloads: Stack
) -> None:
    stack = dev_workloads if environment == "dev" else prod_workloads
    assert default_queue_namespaces(stack), "the workspace's namespace has Kueue's default LocalQueue"
    assert intruders(stack) == []


def test_the_gateway_has_a_namespace_of_its_own(dev_workloads: Stack) -> None:
    gateway = one_of_kind(dev_workloads, "Gateway")
    namespace = gateway["metadata"]["namespace"]
    assert namespace == "inference-gateway"
    assert namespace not in default_queue_namespaces(dev_workloads)
    created = {
        body["metadata"]["name"] for body in resources(dev_workloads, "kubernetes_namespace_v1").values()
    }
    assert namespace in created


def test_a_gateway_beside_the_default_queue_is_caught() -> None:
    """The check fails when the Gateway goes back to the workspace's namespace (as it once was).
    Validation refuses that setting (tests/test_bad_settings.py); the stacks are built past it."""
    from aks_platform.settings import InferenceRoutingSettings, WorkloadsSettings

    settings = WorkloadsSettings(inference_routing=InferenceRoutingSettings(gateway_namespace="smollm2"))
    _, workloads = synth_environment("dev", workloads=settings)
    assert workloads is not None
    assert [entry for entry in intruders(workloads) if "(Gateway) in smollm2" in entry]


def depends_on(stack: Stack, address: str) -> set[str]:
    """Every address `address` waits for, directly or through others (Terraform's depends_on)."""
    kind, name = address.split(".", 1)
    direct = resources(stack, kind).get(name, {}).get("depends_on", [])
    found: set[str] = set()
    for item in direct:
        if item not in found:
            found |= {item} | depends_on(stack, item)
    return found


def queue_release_of(stack: Stack, namespace: str) -> str | None:
    """The helm_release that applies the LocalQueue of a namespace."""
    for name, body in resources(stack, "helm_release").items():
        for values in body.get("values", []):
            for item in (yaml_text.load(values) or {}).get("objects", []):
                if item["kind"] == "LocalQueue" and item["metadata"]["namespace"] == namespace:
                    return f"helm_release.{name}"
    return None


def workspace_waits_for_its_queue(stack: Stack) -> list[str]:
    problems = []
    for address, item in applied(stack):
        if item["kind"] != "Workspace":
            continue
        namespace = item["metadata"]["namespace"]
        release = queue_release_of(stack, namespace)
        waits = depends_on(stack, address)
        if release is None or release not in waits:
            problems.append(f"{address} does not wait for the LocalQueue of {namespace}")
        elif "helm_release.kueue" not in waits:
            problems.append(f"{address} does not wait for Kueue")
    return problems


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_the_workspace_waits_for_its_queue(
    environment: str, dev_workloads: Stack, prod_workloads: Stack
) -> None:
    """A StatefulSet KAITO creates before its namespace's LocalQueue exists is never queued."""
    stack = dev_workloads if environment == "dev" else prod_workloads
    assert queue_release_of(stack, "smollm2") == "helm_release.kueue_queues"
    assert workspace_waits_for_its_queue(stack) == []


def test_a_workspace_that_does_not_wait_is_caught(dev_workloads: Stack) -> None:
    import copy

    stack = copy.deepcopy(dev_workloads)
    workspace = resources(stack, "helm_release")["kaito_workspace"]
    workspace["depends_on"] = [item for item in workspace["depends_on"] if "kueue" not in item]
    # ...nor through its CRD wait (which waits for the namespace and the node guard only).
    assert workspace_waits_for_its_queue(stack) == [
        "helm_release.kaito_workspace does not wait for the LocalQueue of smollm2"
    ]
