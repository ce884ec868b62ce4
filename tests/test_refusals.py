"""Refusals, round three (docs/refusals.md): names, sizes, upgrades, Istio, network, pod density,
taints, tags, namespaces, requests, Kubernetes names, AKS value formats, limits and access (the
messages of broken files and collisions across environments: test_refusal_messages.py). Each case
is an environment file the app must refuse with exit code 2, naming file, key, value and what is
allowed, writing nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_bad_settings import VALID, Case, gpu_pool, run_app, system_pool, table, user_pool

AZURERM_BACKEND = table(
    "[backend]",
    type="azurerm",
    resource_group_name="rg-tfstate",
    storage_account_name="sttfstate",
    container_name="tfstate",
)
CPU_POOL = user_pool(name="cpu", min_count=1, max_count=2)
NO_BATCH_POOL = '[workloads.gang_scheduling]\nbatch_pool = "none"\n'


def backend(**fields: object) -> str:
    return table(
        "[backend]",
        **{
            "type": "azurerm",
            "resource_group_name": "rg-tfstate",
            "storage_account_name": "sttfstate",
            "container_name": "tfstate",
            **fields,
        },
    )


CASES = [
    # Names Azure checks (data/azure-naming.toml and the backend's fields).
    Case(
        "storage-account-name",
        VALID + backend(storage_account_name="St_TF-State"),
        ('backend.storage_account_name = "St_TF-State"', "3-24 lowercase letters and digits"),
    ),
    Case(
        "storage-account-name-too-short",
        VALID + backend(storage_account_name="st"),
        ('backend.storage_account_name = "st"', "3-24 lowercase letters and digits"),
    ),
    Case(
        "container-name-uppercase",
        VALID + backend(container_name="TF_State"),
        ('backend.container_name = "TF_State"', "3-63 lowercase letters, digits and single hyphens"),
    ),
    Case(
        "container-name-double-hyphen",
        VALID + backend(container_name="tf--state"),
        ('backend.container_name = "tf--state"', "single hyphens"),
    ),
    Case(
        "backend-resource-group-trailing-period",
        VALID + backend(resource_group_name="rg-tfstate."),
        ('backend.resource_group_name = "rg-tfstate."', "1-90 letters", "not ending with '.'"),
    ),
    Case(
        "backend-key-trailing-slash",
        VALID + backend(key="states/"),
        ('backend.key = "states/"', "not ending with '.' or '/'"),
    ),
    Case(
        "log-analytics-name-too-long",
        f'prefix = "{"a" * 50}"\n' + "[container_insights]\nenabled = true\n",
        ("Log Analytics workspace name", "64 characters", "4-63", "Microsoft.OperationalInsights/workspaces"),
    ),
    # VM sizes (data/vm-sizes.toml).
    Case(
        "system-pool-b-series",
        VALID + system_pool(vm_size="Standard_B2ms", min_count=2, max_count=3),
        (
            'system_pool.vm_size = "Standard_B2ms"',
            "does not allow B-series",
            "B-series sizes may go to user pools",
        ),
    ),
    Case(
        "system-pool-too-small",
        VALID + system_pool(vm_size="Standard_A1_v2", min_count=2, max_count=3),
        ('system_pool.vm_size = "Standard_A1_v2"', "1 vCPU(s) and 2 GiB", "at least 2 vCPUs and 4 GiB"),
    ),
    Case(
        "vm-size-unknown-family",
        VALID + system_pool(vm_size="Standard_Q8s_v9", min_count=2, max_count=3),
        (
            'system_pool.vm_size = "Standard_Q8s_v9"',
            "not in data/vm-sizes.toml",
            "from its Azure VM size page",
        ),
    ),
    Case(
        "user-pool-vm-size-unknown",
        VALID + user_pool(name="big", vm_size="Standard_D96s_v5", min_count=1, max_count=2),
        ('user_pools[0].vm_size = "Standard_D96s_v5"', "add it to data/vm-sizes.toml"),
    ),
    Case(
        "system-pool-gpu-size",
        VALID + system_pool(vm_size="Standard_NC24ads_A100_v4", min_count=2, max_count=3),
        ('system_pool.vm_size = "Standard_NC24ads_A100_v4"', "GPU size", "[[user_pools]]"),
    ),
    # Upgrade settings.
    Case(
        "node-soak-beyond-30",
        VALID + "[system_pool.upgrade]\nnode_soak_duration_in_minutes = 45\n",
        ("system_pool.upgrade.node_soak_duration_in_minutes = 45", "0-30 minutes"),
    ),
    Case(
        "drain-timeout-beyond-a-day",
        VALID + CPU_POOL + "[user_pools.upgrade]\ndrain_timeout_in_minutes = 2000\n",
        (
            "user_pools[0].upgrade.drain_timeout_in_minutes = 2000",
            "1-1440 minutes",
            "0 for AKS's default of 30",
        ),
    ),
    Case(
        "drain-timeout-negative",
        VALID + "[system_pool.upgrade]\ndrain_timeout_in_minutes = -1\n",
        ("system_pool.upgrade.drain_timeout_in_minutes = -1", "1-1440"),
    ),
    # Version drift.
    Case(
        "rapid-channel-with-pinned-minor",
        VALID
        + '[cluster]\nkubernetes_version = "1.36"\nautomatic_upgrade_channel = "rapid"\n'
        + '[istio]\nrevisions = ["asm-1-30"]\n',
        ('cluster.automatic_upgrade_channel = "rapid"', "moves the cluster to newer minors", '"patch"'),
    ),
    Case(
        "stable-channel-with-pinned-minor",
        VALID + '[cluster]\nautomatic_upgrade_channel = "stable"\n',
        ('cluster.automatic_upgrade_channel = "stable"', "the next plan would try to go back"),
    ),
    # Istio canary pairs.
    Case(
        "istio-canary-three-apart",
        VALID + '[cluster]\nkubernetes_version = "1.34"\n[istio]\nrevisions = ["asm-1-26", "asm-1-29"]\n',
        ("istio.revisions", "at most 2 revisions ahead", "asm-1-26 to asm-1-29 is 3"),
    ),
    Case(
        "istio-canary-four-apart",
        VALID + '[cluster]\nkubernetes_version = "1.34"\n[istio]\nrevisions = ["asm-1-30", "asm-1-26"]\n',
        ("istio.revisions", "n+1 or n+2", "is 4"),
    ),
    # Network.
    Case(
        "network-plugin-none",
        VALID + '[cluster.network]\nplugin = "none"\n',
        ('cluster.network.plugin = "none"', "nodes stay NotReady"),
    ),
    Case(
        "network-plugin-none-unset-mode",
        VALID + '[cluster.network]\nplugin = "none"\nplugin_mode = "none"\ndata_plane = "none"\n',
        ('cluster.network.plugin = "none"', "installs no CNI"),
    ),
    Case(
        "cilium-policy-on-kubenet",
        VALID + '[cluster.network]\nplugin = "kubenet"\npolicy = "cilium"\n',
        ('cluster.network.policy = "cilium"', 'needs data_plane = "cilium" and plugin = "azure"', '"calico"'),
    ),
    # Pod density.
    Case(
        "system-pool-pod-density",
        VALID + system_pool(min_count=2, max_count=5, max_pods=10),
        (
            "system_pool.max_pods = 10",
            "at least 30 pods",
            "10 pods on 2 node(s) is 20",
            "raise max_pods to 15",
        ),
    ),
    Case(
        "user-pool-pod-density",
        VALID + user_pool(name="cpu", auto_scaling=False, node_count=2, max_pods=12),
        ("user_pools[0].max_pods = 12", "at least 30 pods", "keep at least 3 nodes"),
    ),
    Case(
        "user-pool-from-zero-pod-density",
        VALID + CPU_POOL + gpu_pool(max_pods=20),
        ("user_pools[1].max_pods = 20", "20 pods on 1 node(s)"),
    ),
    # Taints (validateNodeTaints).
    Case(
        "taints-same-key-and-effect",
        VALID + CPU_POOL + gpu_pool(taints=["sku=gpu:NoSchedule", "sku=a100:NoSchedule"]),
        ("user_pools[1].taints", "same key and effect", "one taint per key and effect"),
    ),
    Case(
        "taint-key-not-qualified-name",
        VALID + CPU_POOL + gpu_pool(taints=["sku=gpu:NoSchedule", "-gpu=x:NoExecute"]),
        ('user_pools[1].taints[1] = "-gpu=x:NoExecute"', "a taint key is an optional DNS-subdomain prefix"),
    ),
    Case(
        "taint-value-not-label-value",
        VALID + CPU_POOL + gpu_pool(taints=["sku=gpu-:NoSchedule"]),
        ('user_pools[1].taints[0] = "sku=gpu-:NoSchedule"', "a taint value has at most 63"),
    ),
    # Tags (case-insensitive keys).
    Case(
        "tags-differ-only-in-case",
        VALID + '[tags]\nOwner = "a"\nowner = "b"\n',
        ("tags", "'Owner' and 'owner' are the same tag to Azure"),
    ),
    Case(
        "pool-tag-differs-from-environment-tag-in-case",
        VALID + '[tags]\nOwner = "a"\n' + CPU_POOL + '[user_pools.tags]\nOWNER = "b"\n' + NO_BATCH_POOL,
        ("user_pools[0].tags", "'Owner'", "'OWNER'", "case-insensitive"),
    ),
    # Namespaces Kubernetes or an add-on owns.
    Case(
        "kaito-namespace-kube-system",
        VALID + '[workloads.kaito_workspace]\nnamespace = "kube-system"\n',
        ('workloads.kaito_workspace.namespace = "kube-system"', "owns this namespace", "use one of your own"),
    ),
    Case(
        "batch-namespace-default",
        VALID + '[workloads.gang_scheduling]\nbatch_namespace = "default"\n',
        ('workloads.gang_scheduling.batch_namespace = "default"', "owns this namespace"),
    ),
    Case(
        "gateway-namespace-istio-add-on",
        VALID + '[workloads.inference_routing]\ngateway_namespace = "aks-istio-ingress"\n',
        ('workloads.inference_routing.gateway_namespace = "aks-istio-ingress"', "aks-istio-*"),
    ),
    Case(
        "kaito-namespace-is-the-batch-namespace",
        VALID + '[workloads.kaito_workspace]\nnamespace = "batch"\n',
        ('workloads.gang_scheduling.batch_namespace = "batch"', "workloads.kaito_workspace.namespace"),
    ),
    Case(
        "kaito-namespace-kaito-add-on",
        VALID + '[workloads.kaito_workspace]\nnamespace = "kaito-system"\n',
        ('workloads.kaito_workspace.namespace = "kaito-system"', "kaito-*"),
    ),
    # Requests against a node's allocatable (data/node-reservations.toml).
    Case(
        "kaito-cpu-request-all-of-the-node",
        VALID + '[workloads.kaito_workspace]\ncpu_request = "16"\n',
        ('workloads.kaito_workspace.cpu_request = "16"', "AKS reserves 260m", "less than 15740m"),
    ),
    Case(
        "kaito-memory-request-above-allocatable",
        VALID + '[workloads.kaito_workspace]\nmemory_request = "60Gi"\n',
        (
            'workloads.kaito_workspace.memory_request = "60Gi"',
            "Standard_D16s_v5 has 64 GiB",
            "less than 60386Mi",
        ),
    ),
    # Kubernetes object names.
    Case(
        "gateway-class-empty",
        VALID + '[workloads.inference_routing]\ngateway_class = ""\n',
        ('workloads.inference_routing.gateway_class = ""', "a GatewayClass name", "cannot be empty"),
    ),
    Case(
        "gateway-class-not-subdomain",
        VALID + '[workloads.inference_routing]\ngateway_class = "Istio_Class"\n',
        ('gateway_class = "Istio_Class"', "lowercase letters, digits, '-' and '.'"),
    ),
    Case(
        "kaito-image-empty",
        VALID + '[workloads.kaito_workspace]\nimage = ""\n',
        ('workloads.kaito_workspace.image = ""', "container image reference"),
    ),
    # AKS API value formats: the kube-state-metrics allowlists.
    Case(
        "labels-allowed-as-list",
        VALID + '[managed_prometheus]\nlabels_allowed = ["app", "team"]\n',
        (
            "managed_prometheus.labels_allowed",
            'write a table of resource = [keys], such as { pods = ["app", "team"] }',
        ),
    ),
    Case(
        "annotations-allowed-unknown-resource",
        VALID + '[managed_prometheus]\nannotations_allowed = { pod = ["team"] }\n',
        ("managed_prometheus.annotations_allowed", "not a kube-state-metrics resource", "pods"),
    ),
    Case(
        "labels-allowed-bad-key",
        VALID + '[managed_prometheus]\nlabels_allowed = { pods = ["app team"] }\n',
        ('managed_prometheus.labels_allowed.pods[0] = "app team"', 'a key is "*" or a Kubernetes key'),
    ),
    # Limits.
    Case(
        "too-many-authorized-ranges",
        VALID
        + "[cluster]\napi_server_authorized_ip_ranges = ["
        + ", ".join(f'"10.{index // 256}.{index % 256}.0/24"' for index in range(201))
        + "]\n",
        ("cluster.api_server_authorized_ip_ranges", "at most 200 authorized IP ranges"),
    ),
    Case(
        "more-than-100-node-pools",
        VALID + "".join(user_pool(name=f"p{index}", min_count=1, max_count=2) for index in range(100)),
        ('user_pools = "100 pools"', "at most 100 node pools", "this is 101"),
    ),
    Case(
        "kaito-count-beyond-16",
        VALID + "[workloads.kaito_workspace]\ncount = 17\n",
        ("workloads.kaito_workspace.count = 17", "use 1-16 nodes"),
    ),
    # Access.
    Case(
        "local-accounts-off-kubernetes-rbac-no-admins",
        VALID
        + "[cluster]\nlocal_account_disabled = true\n[cluster.entra_id_rbac]\nazure_rbac_enabled = false\n",
        ("cluster.entra_id_rbac.admin_group_object_ids = []", "nobody could use the cluster", "403"),
    ),
]

# Words that must not reach a reader: class names and pydantic's own phrasing.
LEAKS = ("Settings", "Input should be", "Cannot overwrite a value", "Invalid statement", "= null")


def _refused(tmp_path: Path, capsys, monkeypatch, files: dict[str, str | bytes]) -> str:
    environments = tmp_path / "environments"
    environments.mkdir()
    for name, text in files.items():
        path = environments / name
        path.write_bytes(text) if isinstance(text, bytes) else path.write_text(text, encoding="utf-8")
    code, stderr, out = run_app(environments, capsys, monkeypatch)
    assert code == 2, stderr
    assert "nothing was synthesized" in stderr
    assert not out.exists()
    for leak in LEAKS:
        assert leak not in stderr
    return stderr


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_refused(case: Case, tmp_path: Path, capsys, monkeypatch) -> None:
    stderr = _refused(tmp_path, capsys, monkeypatch, {case.file_name: case.toml})
    for words in case.expected:
        assert words in stderr, f"{words!r} not in:\n{stderr}"


def test_case_ids_are_unique_here_and_beside_the_first_rounds() -> None:
    from test_bad_settings import CASES as FIRST_ROUNDS
    from test_refusal_messages import CASES as MESSAGES

    ids = [case.id for case in CASES + FIRST_ROUNDS + MESSAGES]
    assert sorted({i for i in ids if ids.count(i) > 1}) == []
