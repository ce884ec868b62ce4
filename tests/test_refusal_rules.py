"""The rules behind docs/refusals.md checked against their sources: apimachinery's own test vectors,
the AKS reservation examples, the REST spec's allowlist form, the VM size catalogue's shape and the
Kueue quota's resource names per MIG strategy."""

from __future__ import annotations

import re
import tomllib

import pytest

from aks_platform import kubernetes_names as names
from aks_platform.allocatable import allocatable, kube_reserved_millicores, reserved_memory_mib
from aks_platform.azure_facts import VM_SIZES_TABLE, VmSize, load_vm_sizes
from aks_platform.environments import check_document
from aks_platform.metrics_allowlist import allowlist_value, resources
from aks_platform.queues import kueue_queues
from constructs.cluster_profiles import _comma_separated

# TestIsQualifiedName and TestIsValidLabelValue in apimachinery pkg/util/validation/validation_test.go.
QUALIFIED_NAMES = [
    "simple",
    "now-with-dashes",
    "1-starts-with-num",
    "1234",
    "simple/simple",
    "now-with-dashes/simple",
    "now-with-dashes/now-with-dashes",
    "now.with.dots/simple",
    "now-with.dashes-and.dots/simple",
    "1-num.2-num/3-num",
    "1234/5678",
    "1.2.3.4/5678",
    "Uppercase_Is_OK_123",
    "example.com/Uppercase_Is_OK_123",
    "requests.storage-foo",
    "a" * 63,
    "a" * 253 + "/" + "b" * 63,
]
NOT_QUALIFIED_NAMES = [
    "nospecialchars%^=@",
    "cantendwithadash-",
    "-cantstartwithadash-",
    "only/one/slash",
    "Example.com/abc",
    "example_com/abc",
    "example.com/",
    "/simple",
    "a" * 64,
    "a" * 254 + "/abc",
]
LABEL_VALUES = ["simple", "now-with-dashes", "1-starts-with-num", "end-with-num-1", "1234", "a" * 63, ""]
NOT_LABEL_VALUES = [
    "nospecialchars%^=@",
    "Tama-nui-te-rā.is.Māori.sun",
    "\\backslashes\\are\\bad",
    "-starts-with-dash",
    "ends-with-dash-",
    ".starts.with.dot",
    "ends.with.dot.",
    "a" * 64,
]


@pytest.mark.parametrize("value", QUALIFIED_NAMES)
def test_qualified_names_apimachinery_accepts(value: str) -> None:
    assert names.is_qualified_name(value)


@pytest.mark.parametrize("value", NOT_QUALIFIED_NAMES)
def test_qualified_names_apimachinery_refuses(value: str) -> None:
    assert not names.is_qualified_name(value)


@pytest.mark.parametrize("value", LABEL_VALUES)
def test_label_values_apimachinery_accepts(value: str) -> None:
    assert names.is_label_value(value)


@pytest.mark.parametrize("value", NOT_LABEL_VALUES)
def test_label_values_apimachinery_refuses(value: str) -> None:
    assert not names.is_label_value(value)


def test_dns_labels_and_subdomains() -> None:
    # TestIsDNS1123Label / TestIsDNS1123Subdomain cases (a selection).
    assert all(names.is_dns1123_label(v) for v in ["a", "ab", "a-b", "0", "a1", "1-1", "a" * 63])
    assert not any(names.is_dns1123_label(v) for v in ["", "A", "-a", "a-", "a.b", "a_b", "a" * 64])
    assert all(names.is_dns1123_subdomain(v) for v in ["a", "a.b.c", "1.a", "a-1.b-2", "a" * 253])
    assert not any(names.is_dns1123_subdomain(v) for v in ["", "A", "a..b", ".a", "a.", "a_b", "a" * 254])
    assert names.is_dns1035_label("smollm2") and not names.is_dns1035_label("1smollm2")


def test_every_namespace_setting_refuses_the_reserved_namespaces() -> None:
    """Each Namespace-typed setting (kaito_workspace, batch, gateway, and any added later)."""
    from aks_platform.settings import EnvironmentSettings, nested_model

    found = []

    def walk(model: type, path: str) -> None:
        for field_name, field in model.model_fields.items():
            if field.metadata and any(
                getattr(meta, "func", None) is names._namespace for meta in field.metadata
            ):
                found.append(f"{path}{field_name}")
            inner = nested_model(field.annotation)
            if inner is not None:
                walk(inner, f"{path}{field_name}.")

    walk(EnvironmentSettings, "")
    assert {"workloads.kaito_workspace.namespace", "workloads.gang_scheduling.batch_namespace"} <= set(found)
    assert "workloads.inference_routing.gateway_namespace" in found
    for key in found:
        *tables, last = key.split(".")
        for reserved in (
            "default",
            "kube-system",
            "kube-public",
            "kube-node-lease",
            "aks-istio-system",
            "kaito-x",
            "gatekeeper-system",
            "kueue-system",
            # Not one of Kubernetes' own, but kube- is reserved for them (Kubernetes' namespaces page).
            "kube-flannel",
        ):
            document: dict = {"prefix": "aks-t"}
            cursor = document
            for part in tables:
                cursor = cursor.setdefault(part, {})
            cursor[last] = reserved
            _, problems = check_document("t", document)
            assert any(p.key == key and "owns this namespace" in p.message for p in problems), (key, reserved)


def test_node_reservation_examples_of_the_aks_page() -> None:
    """node-resource-reservations.md: 8 GB and 30 max pods reserve 20*30+50 = 650 for kube-reserved,
    4 GB and 70 max pods reserve 25% (the lesser); plus 100Mi eviction threshold. CPU: the table."""
    eight = VmSize("x", 2, 8, 0, 0, 0, {}, "")
    four = VmSize("y", 2, 4, 0, 0, 0, {}, "")
    assert reserved_memory_mib(eight, 30) == 650 + 100
    assert reserved_memory_mib(four, 70) == 1024 + 100
    assert [kube_reserved_millicores(c) for c in (1, 2, 4, 8, 16, 32, 64)] == [
        60,
        100,
        140,
        180,
        260,
        420,
        740,
    ]
    # Between listed counts: linear (24 cores between 16 and 32).
    assert kube_reserved_millicores(24) == 340
    node = allocatable(load_vm_sizes()["Standard_D16s_v5"], max_pods=110)
    assert node.millicores == 16000 - 260
    assert node.memory_mib == 64 * 1024 - (20 * 110 + 50) - 100


def test_allowlist_is_the_form_the_aks_api_documents() -> None:
    """The managedClusters model (azure-mgmt-containerservice) documents the form by example."""
    from azure.mgmt.containerservice import models

    doc = models.ManagedClusterAzureMonitorProfileKubeStateMetrics.__doc__ or ""
    example = re.search(r"'(namespaces=\[.*?\],pods=\[app\],\.\.\.)'", doc.replace("\n     ", ""))
    assert example, doc
    entry = r"[a-z]+=\[[^\[\],]+(,[^\[\],]+)*\]"
    documented = example[1].removesuffix(",...").replace("...", "k8s-label-x")
    assert re.fullmatch(rf"{entry}(,{entry})*", documented)
    value = _comma_separated(allowlist_value({"pods": ["app", "team"], "namespaces": ["team"]}))
    assert value == "namespaces=[team],pods=[app,team]"
    assert re.fullmatch(rf"{entry}(,{entry})*", value)
    assert _comma_separated(allowlist_value({})) is None


def test_the_shipped_environments_allowlists_render_in_that_form() -> None:
    from aks_platform.environments import load_environments

    for settings in load_environments().values():
        prometheus = settings.managed_prometheus
        for allowlist in (prometheus.labels_allowed, prometheus.annotations_allowed):
            assert set(allowlist) <= set(resources())


def test_vm_size_catalogue_names_a_source_for_every_family() -> None:
    document = tomllib.loads(VM_SIZES_TABLE.read_text(encoding="utf-8"))
    families = document["families"]
    used = {row["family"] for row in document["sizes"].values()}
    assert used == set(families), "every family has sizes and every size a family"
    for name, family in families.items():
        assert family["page"].startswith("https://learn.microsoft.com/azure/virtual-machines/sizes/"), name
    for size in load_vm_sizes().values():
        assert size.vcpus > 0 and size.memory_gib > 0, size.name
        # Azure's size names: B-series are burstable, N-series carry GPUs (the VM size naming page).
        assert size.burstable == size.name.startswith("Standard_B"), size.name
        assert (size.gpus > 0) == size.name.startswith("Standard_N"), size.name
        assert (size.gpus > 0) == bool(size.gpu_model), size.name
        assert set(size.mig_profiles) == set(size.mig_instances), size.name


def _mig_pool(strategy: str) -> dict:
    return {
        "prefix": "aks-t",
        "user_pools": [
            {"name": "cpu", "vm_size": "Standard_D4s_v5", "min_count": 1, "max_count": 2},
            {
                "name": "gpunp",
                "vm_size": "Standard_NC24ads_A100_v4",
                "taints": ["sku=gpu:NoSchedule"],
                # The managed GPU stack takes no autoscaler during its preview (gpu_rules.py).
                "auto_scaling": False,
                "node_count": 2,
                "gpu_instance": "MIG1g",
                "gpu_management": "Managed",
                "mig_strategy": strategy,
            },
        ],
    }


@pytest.mark.parametrize(
    ("strategy", "resource"), [("Single", "nvidia.com/gpu"), ("Mixed", "nvidia.com/mig-1g.10gb")]
)
def test_batch_quota_names_the_resource_the_mig_strategy_advertises(strategy: str, resource: str) -> None:
    settings, problems = check_document("t", _mig_pool(strategy))
    assert settings is not None and problems == []
    batch = next(queue for queue in kueue_queues(settings) if queue["clusterQueue"] == "gpunp-batch")
    gpu = [entry for entry in batch["resources"] if entry["name"].startswith("nvidia.com/")]
    # 7 MIG1g instances per A100 80GB, on 2 nodes.
    assert gpu == [{"name": resource, "nominalQuota": "14"}]


def test_b_series_is_fine_on_a_user_pool() -> None:
    document = {
        "prefix": "aks-t",
        "user_pools": [{"name": "burst", "vm_size": "Standard_B2ms", "min_count": 1, "max_count": 2}],
        "workloads": {"gang_scheduling": {"batch_pool": "burst"}},
    }
    assert check_document("t", document)[1] == []
