"""Everything the workloads stacks apply, validated against the schema of the version the cluster runs.

Core types: kubernetes-validate (strict) at the cluster's minor. Gateway API: the bundle AKS installs
on that minor (data/aks-versions.toml). KAITO: every release the Workspace is designed for
(data/kaito.toml). Kueue: the pinned chart's release. Helm values: the charts' own values.yaml.
Unknown fields fail everywhere; custom resources are defaulted first and their CEL rules and list
keys evaluated too (schemas.validate, docs/schema-checks.md). The upstream files are in
../shared/reference (see schemas.py).
"""

from __future__ import annotations

import copy
from collections.abc import Sequence
from typing import Any

import pytest
from conftest import Stack, resources, synth_environment
from endpoint_schemas import secret_provider_class_errors
from monitor_schema import monitor_errors, settings_errors
from schemas import (
    CRDS,
    REFERENCE_SKIP,
    chart_values,
    core_errors,
    crd_errors,
    reference_available,
    unknown_values,
)
from stack_objects import one_of_kind

from aks_platform import manifests, yaml_text
from aks_platform.versions import load_table, parse_version

pytestmark = pytest.mark.skipif(not reference_available(), reason=REFERENCE_SKIP)

Manifest = dict[str, Any]


def cluster_minor(cluster: Stack) -> str:
    version = next(iter(resources(cluster, "azurerm_kubernetes_cluster").values()))["kubernetes_version"]
    major, minor, _ = parse_version(version)
    return f"{major}.{minor}"


def applied_objects(workloads: Stack) -> list[Manifest]:
    """Every Kubernetes object the workloads stack creates: manifests, namespaces, chart-applied objects."""
    objects = [body["manifest"] for body in resources(workloads, "kubernetes_manifest").values()]
    for body in resources(workloads, "kubernetes_namespace_v1").values():
        objects.append({"apiVersion": "v1", "kind": "Namespace", "metadata": dict(body["metadata"])})
    for body in resources(workloads, "helm_release").values():
        for values in body.get("values", []):
            objects.extend(yaml_text.load(values).get("objects", []))
    return objects


def istio_revisions(cluster: Stack) -> list[str]:
    """The Istio add-on's revisions (asm-1-30) as Istio minors (1.30)."""
    profile = next(iter(resources(cluster, "azurerm_kubernetes_cluster").values()))["service_mesh_profile"]
    return [revision.removeprefix("asm-").replace("-", ".") for revision in profile["revisions"]]


def crd_files(manifest: Manifest, minor: str, istio: Sequence[str] | None = None) -> list[str]:
    """The reference CRD file(s) a custom resource is checked against (Istio's: every revision the
    cluster runs, so a canary upgrade checks both; without revisions, every Istio bundle there is)."""
    group = manifest["apiVersion"].split("/")[0]
    if group == "security.istio.io":
        patterns = [f"istio-{version}.*-crd-all*" for version in istio] if istio is not None else ["istio-*"]
        files = [path.name for pattern in patterns for path in sorted(CRDS.glob(pattern))]
        assert files, f"needs an Istio CRD bundle of {list(istio or [])} in ../shared/reference/crds"
        return files
    plural = manifest["kind"].lower() + ("es" if manifest["kind"].endswith("s") else "s")
    if group == "gateway.networking.k8s.io":
        bundle = load_table().kubernetes[minor].gateway_api_bundle
        return [f"gateway-api-{bundle}-{plural}.yaml"]
    if group == "kaito.sh":
        facts = manifests.kaito_facts()
        return [f"kaito-{version}-{plural}.yaml" for version in facts["designed_for"]]
    if group == "kueue.x-k8s.io":
        return [f"kueue-v{manifests.helm_charts()['kueue']['version']}-{plural}.yaml"]
    raise LookupError(f"no reference CRD for {manifest['apiVersion']} {manifest['kind']}")


def errors(manifest: Manifest, minor: str, istio: Sequence[str] | None = None) -> list[str]:
    if manifest["apiVersion"].startswith("azmonitoring.coreos.com/"):
        # The metrics add-on's own CRDs, not in ../shared/reference: data/azure-monitor-crds.toml.
        return monitor_errors(manifest)
    if manifest["kind"] == "ConfigMap" and manifest["metadata"]["name"] == "ama-metrics-settings-configmap":
        return core_errors(manifest, minor) + settings_errors(manifest)
    if "." not in manifest["apiVersion"].split("/")[0] or manifest["apiVersion"].startswith(
        ("apps/", "batch/", "resource.k8s.io/", "networking.k8s.io/")
    ):
        return core_errors(manifest, minor)
    if manifest["apiVersion"].startswith("secrets-store.csi.x-k8s.io/"):
        # No reference copy of the driver's CRD: its fields are written in tests/endpoint_schemas.py.
        return secret_provider_class_errors(manifest)
    files = crd_files(manifest, minor, istio)
    return [problem for file_name in files for problem in crd_errors(manifest, file_name)]


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_every_applied_object_matches_its_schema(environment: str, dev_stacks, prod_stacks) -> None:
    cluster, workloads = dev_stacks if environment == "dev" else prod_stacks
    minor = cluster_minor(cluster)
    istio = istio_revisions(cluster)
    objects = applied_objects(workloads)
    kinds = {item["kind"] for item in objects}
    assert {
        "Workspace",
        "Gateway",
        "HTTPRoute",
        "Service",
        "Namespace",
        "ClusterQueue",
        "LocalQueue",
        "NetworkPolicy",
    } <= kinds
    if environment == "prod":
        assert {"RequestAuthentication", "AuthorizationPolicy", "SecretProviderClass", "Deployment"} <= kinds
    assert [problem for item in objects for problem in errors(item, minor, istio)] == []


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_an_unknown_field_fails_on_every_object(environment: str, dev_stacks, prod_stacks) -> None:
    cluster, workloads = dev_stacks if environment == "dev" else prod_stacks
    minor = cluster_minor(cluster)
    istio = istio_revisions(cluster)
    for item in applied_objects(workloads):
        changed = copy.deepcopy(item)
        target = changed.get("spec", changed)
        target["surelyNotAField"] = True
        assert errors(changed, minor, istio), (
            f"{item['kind']} {item['metadata']['name']} accepted an unknown field"
        )


def test_a_misspelled_workspace_field_fails_against_the_kaito_crd(prod_workloads: Stack) -> None:
    workspace = copy.deepcopy(one_of_kind(prod_workloads, "Workspace"))
    workspace["resource"]["instancetype"] = workspace["resource"].pop("instanceType")
    assert any("instancetype" in problem for problem in errors(workspace, "1.36"))


def test_gateway_api_bundle_follows_the_cluster_minor() -> None:
    route = {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "HTTPRoute", "metadata": {"name": "r"}}
    assert crd_files(route, "1.34") == ["gateway-api-v1.3.0-httproutes.yaml"]
    assert crd_files(route, "1.36") == ["gateway-api-v1.5.1-httproutes.yaml"]


def test_dra_driver_values_are_the_charts_own() -> None:
    """With DRA on (a GPU pool without AKS's driver), every value we set is one the chart has."""
    from aks_platform.settings import DraSettings, NodePoolSettings, WorkloadsSettings

    prod_pool = NodePoolSettings(
        name="gpunp",
        vm_size="Standard_NC24ads_A100_v4",
        gpu_driver="None",
        taints=("sku=gpu:NoSchedule",),
        min_count=0,
        max_count=2,
    )
    from conftest import environment_settings

    workloads = environment_settings("prod").workloads
    _, stack = synth_environment(
        "prod",
        user_pools=(prod_pool,),
        workloads=WorkloadsSettings(
            kaito_workspace=workloads.kaito_workspace, dra=DraSettings(enabled=True, node_pool="gpunp")
        ),
    )
    release = resources(stack, "helm_release")["nvidia_dra_driver"]
    ours = yaml_text.load(release["values"][0])
    chart = chart_values(f"nvidia-dra-driver-gpu-{release['version']}-values.yaml")
    assert unknown_values(ours, chart) == []
    # The chart's guard is overridden because this pool runs no device plugin (gpu_driver "None");
    # tests/test_dra_chart.py evaluates the chart's fail conditions.
    assert ours["gpuResourcesEnabledOverride"] is True
    # NFD labels are not on AKS nodes: the kubelet plugin's affinity names the pool instead.
    terms = ours["kubeletPlugin"]["affinity"]["nodeAffinity"][
        "requiredDuringSchedulingIgnoredDuringExecution"
    ]
    assert terms["nodeSelectorTerms"][0]["matchExpressions"][0]["values"] == ["gpunp"]


def test_unknown_helm_values_are_caught() -> None:
    chart = chart_values("nvidia-dra-driver-gpu-25.12.0-values.yaml")
    assert unknown_values({"kubeletPlugin": {"nodeSelectr": {}}}, chart) == [
        "kubeletPlugin.nodeSelectr: not a value of the chart"
    ]
    assert unknown_values({"kubeletPlugin": {"nodeSelector": {"any": "key"}}}, chart) == []


def test_kueue_chart_gets_no_values_it_lacks(dev_workloads: Stack, prod_workloads: Stack) -> None:
    for stack in (dev_workloads, prod_workloads):
        release = resources(stack, "helm_release")["kueue"]
        chart = chart_values(f"kueue-{release['version']}-values.yaml")
        for values in release.get("values", []):
            assert unknown_values(yaml_text.load(values), chart) == []
