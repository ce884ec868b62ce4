"""Bad environment files: each stops the app with exit code 2, a message naming file, key, value
and what is allowed, and nothing written to the output folder."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest

import main

VALID = 'prefix = "aks-ai-conformant-t"\n'
GPU_POOL = """
[[user_pools]]
name = "gpu"
vm_size = "Standard_NC24ads_A100_v4"
min_count = 0
max_count = 2
"""


def table(header: str, **fields: object) -> str:
    """A TOML table; JSON spells strings, numbers, booleans and string lists the TOML way."""
    lines = [header] + [f"{key} = {json.dumps(value)}" for key, value in fields.items()]
    return "\n".join(lines) + "\n"


def user_pool(**fields: object) -> str:
    return table("[[user_pools]]", **{"vm_size": "Standard_D4s_v5", **fields})


def gpu_pool(**fields: object) -> str:
    """A tainted A100 pool named gpunp that scales from zero; `fields` add or override keys."""
    return user_pool(
        **{
            "name": "gpunp",
            "vm_size": "Standard_NC24ads_A100_v4",
            "taints": ["sku=gpu:NoSchedule"],
            "min_count": 0,
            "max_count": 2,
            **fields,
        }
    )


def system_pool(**fields: object) -> str:
    return table("[system_pool]", **{"name": "default", "vm_size": "Standard_D2s_v3", **fields})


@dataclass(frozen=True)
class Case:
    id: str
    toml: str
    expected: tuple[str, ...]
    file_name: str = "t.toml"


CASES = [
    # Shape, types and syntax (pydantic / tomllib).
    Case(
        "unknown-top-level-key",
        VALID + 'locaton = "centralus"\n',
        ("t.toml: locaton", "unknown key", "location"),
    ),
    Case(
        "unknown-nested-key",
        VALID + '[cluster]\nkubernetes_versoin = "1.34"\n',
        ("cluster.kubernetes_versoin", "unknown key", "kubernetes_version"),
    ),
    Case(
        "wrong-type-bool",
        VALID + '[cluster]\noidc_issuer_enabled = "yes"\n',
        ('cluster.oidc_issuer_enabled = "yes"', "valid boolean"),
    ),
    Case(
        "wrong-type-int",
        VALID + '[[user_pools]]\nname = "gpu"\nvm_size = "Standard_D4s_v5"\nnode_count = "3"\n',
        ('user_pools[0].node_count = "3"', "valid integer"),
    ),
    Case("invalid-toml", 'prefix = "unterminated\n', ("t.toml: not valid TOML", "line 1")),
    Case("missing-prefix", 'location = "centralus"\n', ("t.toml: prefix", "required key is missing")),
    Case(
        "two-system-pools",
        VALID + '[[system_pool]]\nname = "a"\nvm_size = "Standard_D2s_v3"\n' * 2,
        ("system_pool", "write [system_pool] once, as a table"),
    ),
    Case("bad-file-name", VALID, ("Prod.toml", "name the file"), file_name="Prod.toml"),
    Case(
        "gpu-driver-case",
        VALID + GPU_POOL + 'gpu_driver = "install"\ntaints = ["sku=gpu:NoSchedule"]\n',
        ('user_pools[0].gpu_driver = "install"', "'Install'"),
    ),
    # Kubernetes version.
    Case(
        "version-format",
        VALID + '[cluster]\nkubernetes_version = "1.34.x"\n',
        ("cluster.kubernetes_version", "MAJOR.MINOR"),
    ),
    Case(
        "version-v-prefix",
        VALID + '[cluster]\nkubernetes_version = "v1.34"\n',
        ('"v1.34"', "MAJOR.MINOR.PATCH"),
    ),
    Case(
        "version-below-floor",
        VALID + '[cluster]\nkubernetes_version = "1.33.5"\n',
        ('"1.33.5"', "1.34 or newer"),
    ),
    # Istio revisions.
    Case(
        "istio-format", VALID + '[istio]\nrevisions = ["1.28"]\n', ('istio.revisions[0] = "1.28"', "asm-1-NN")
    ),
    Case(
        "istio-too-many",
        VALID + '[istio]\nrevisions = ["asm-1-27", "asm-1-28", "asm-1-29"]\n',
        ("istio.revisions", "at most 2 revisions"),
    ),
    Case(
        "istio-duplicate",
        VALID + '[istio]\nrevisions = ["asm-1-28", "asm-1-28"]\n',
        ("istio.revisions", "duplicate revisions: asm-1-28"),
    ),
    Case(
        "istio-unknown",
        VALID + '[istio]\nrevisions = ["asm-1-99"]\n',
        ('istio.revisions[0] = "asm-1-99"', "unknown revision", "asm-1-26, asm-1-27, asm-1-28"),
    ),
    Case(
        "istio-incompatible",
        VALID + '[cluster]\nkubernetes_version = "1.36.0"\n[istio]\nrevisions = ["asm-1-28"]\n',
        ('istio.revisions[0] = "asm-1-28"', "supports Kubernetes 1.30-1.35, not 1.36"),
    ),
    # Node pools.
    Case(
        "pool-name-uppercase",
        VALID
        + user_pool(name="GPU", temporary_name_for_rotation="gputemp", node_count=1, auto_scaling=False),
        ('user_pools[0].name = "GPU"', "lowercase letters and digits"),
    ),
    Case(
        "pool-name-too-long",
        VALID + user_pool(name="gpupoolnumber1", temporary_name_for_rotation="tmp", min_count=1, max_count=2),
        ("user_pools[0].name", "1-12"),
    ),
    Case(
        "pool-name-leading-digit",
        VALID + user_pool(name="1gpu", temporary_name_for_rotation="tmp", min_count=1, max_count=2),
        ('user_pools[0].name = "1gpu"', "starting with a letter"),
    ),
    Case(
        "rotation-name-too-long",
        VALID
        + user_pool(name="gpupool", temporary_name_for_rotation="gpupooltemp12", min_count=1, max_count=2),
        ('user_pools[0].temporary_name_for_rotation = "gpupooltemp12"', "1-12 lowercase letters"),
    ),
    Case(
        "duplicate-preview-features",
        VALID + table("[preview_features]", names=["ManagedGPUExperiencePreview"] * 2),
        ("preview_features.names", "duplicate features: ManagedGPUExperiencePreview"),
    ),
    Case(
        "critical-addons-on-a-user-pool",
        VALID + user_pool(name="gpunp", only_critical_addons=True, min_count=1, max_count=2),
        ("user_pools[0].only_critical_addons = true", "applies to the system pool only"),
    ),
    Case(
        "user-pools-replace-the-default-pools",
        VALID + user_pool(name="cpu", min_count=1, max_count=2),
        (
            'workloads.gang_scheduling.batch_pool = "gpunp"',
            "[[user_pools]] in the file replaces the default pools (gpunp)",
        ),
    ),
    Case(
        "tag-key-with-slash",
        VALID + '[tags]\n"team/ai" = "platform"\n',
        ('tags = "team/ai": a tag key may not contain /',),
    ),
    Case(
        "region-display-name",
        VALID + 'location = "Central US"\n',
        ("1 settings problem(s)", 'location = "Central US"', "short name"),
    ),
    Case(
        "cilium-on-kubenet",
        VALID + '[cluster.network]\nplugin = "kubenet"\ndata_plane = "cilium"\npolicy = "cilium"\n',
        ('cluster.network.data_plane = "cilium"', 'needs plugin = "azure"'),
    ),
    Case(
        "azure-policy-on-kubenet",
        VALID + '[cluster.network]\nplugin = "kubenet"\npolicy = "azure"\n',
        ('cluster.network.policy = "azure"', 'with kubenet use "calico"'),
    ),
    Case(
        "pool-name-duplicate",
        VALID + user_pool(name="default", temporary_name_for_rotation="tmp", min_count=1, max_count=2),
        ('user_pools[0].name = "default"', "unique", "system_pool.name"),
    ),
    Case(
        "rotation-name-duplicate",
        VALID + user_pool(name="gpu", temporary_name_for_rotation="defaulttemp", min_count=1, max_count=2),
        ("user_pools[0].temporary_name_for_rotation", "unique", "system_pool.temporary_name_for_rotation"),
    ),
    Case(
        "zone-unknown",
        VALID + system_pool(min_count=2, max_count=5, zones=["4"]),
        ('system_pool.zones = ["4"]', "'1', '2', '3'"),
    ),
    Case(
        "min-above-max",
        VALID + GPU_POOL.replace("min_count = 0", "min_count = 3") + 'taints = ["sku=gpu:NoSchedule"]\n',
        ("user_pools[0].min_count = 3", "must not exceed max_count (2)"),
    ),
    Case(
        "node-count-outside",
        VALID + GPU_POOL + 'node_count = 5\ntaints = ["sku=gpu:NoSchedule"]\n',
        ("user_pools[0].node_count = 5", "between min_count (0) and max_count (2)"),
    ),
    Case(
        "max-above-1000",
        VALID + GPU_POOL.replace("max_count = 2", "max_count = 1001") + 'taints = ["sku=gpu:NoSchedule"]\n',
        ("user_pools[0].max_count = 1001", "at most 1000"),
    ),
    Case(
        "negative-min",
        VALID + GPU_POOL.replace("min_count = 0", "min_count = -1") + 'taints = ["sku=gpu:NoSchedule"]\n',
        ("user_pools[0].min_count = -1", "0 or more"),
    ),
    Case(
        "system-min-zero",
        VALID
        + '[system_pool]\nname = "default"\nvm_size = "Standard_D2s_v3"\nmin_count = 0\nmax_count = 3\n',
        ("system_pool.min_count = 0", "at least one node"),
    ),
    Case(
        "min-without-autoscaling",
        VALID + system_pool(auto_scaling=False, node_count=2, min_count=1),
        ("system_pool.min_count = 1", "only with auto_scaling = true"),
    ),
    Case(
        "no-count-without-autoscaling",
        VALID + '[system_pool]\nname = "default"\nvm_size = "Standard_D2s_v3"\nauto_scaling = false\n',
        ("system_pool.node_count", "set node_count"),
    ),
    Case(
        "autoscaling-without-max",
        VALID + user_pool(name="gpunp", min_count=1),
        ("user_pools[0].max_count", "needs min_count and max_count"),
    ),
    Case(
        "vm-size-form",
        VALID + '[system_pool]\nname = "default"\nvm_size = "D4s_v5"\nmin_count = 1\nmax_count = 2\n',
        ('system_pool.vm_size = "D4s_v5"', "Standard_D4ds_v5"),
    ),
    Case(
        "malformed-taint",
        VALID + GPU_POOL + 'taints = ["sku=gpu"]\n',
        ('user_pools[0].taints[0] = "sku=gpu"', "key=value:effect"),
    ),
    Case(
        "system-pool-taint",
        VALID + system_pool(min_count=1, max_count=2, taints=["a=b:NoSchedule"]),
        ("system_pool.taints", "only_critical_addons"),
    ),
    # Names derived from prefix and location.
    Case(
        "location-spaces",
        'prefix = "aks-t"\nlocation = "Central US"\n',
        ('location = "Central US"', "short name in lowercase"),
    ),
    Case(
        "prefix-characters",
        'prefix = "AKS_T"\n',
        ('prefix = "AKS_T"', "lowercase letters, digits and hyphens"),
    ),
    Case(
        "cluster-name-too-long",
        f'prefix = "{"a" * 60}"\n',
        ("cluster name", "1-63", "shorten prefix or location"),
    ),
    Case(
        "dns-prefix-too-long",
        f'prefix = "{"a" * 45}"\n',
        ("DNS prefix", "1-54", "shorten prefix or location"),
    ),
    Case(
        "dce-name-too-long",
        f'prefix = "{"a" * 30}"\n',
        ("data collection endpoint name", "48 characters", "3-44"),
    ),
    Case(
        "workspace-name-too-long",
        f'prefix = "{"a" * 31}"\n',
        ("monitor workspace name", "45 characters", "4-44"),
    ),
    Case(
        "dcr-name-too-long",
        f'prefix = "{"a" * 40}"\n',
        ("data collection rule name", "67 characters", "1-64"),
    ),
    # Identity and GPU combinations.
    Case(
        "kaito-without-oidc",
        VALID + "[cluster]\noidc_issuer_enabled = false\nworkload_identity_enabled = false\n",
        ("cluster.kaito_enabled = true", "needs the OIDC issuer"),
    ),
    Case(
        "workload-identity-without-oidc",
        VALID + "[cluster]\noidc_issuer_enabled = false\nkaito_enabled = false\n",
        ("cluster.workload_identity_enabled = true", "needs the OIDC issuer"),
    ),
    Case(
        "gpu-size-without-taint",
        VALID + GPU_POOL,
        ("user_pools[0].taints = []", "is a GPU size", "sku=gpu:NoSchedule"),
    ),
    Case(
        "gpu-taint-on-cpu-size",
        VALID
        + GPU_POOL.replace("Standard_NC24ads_A100_v4", "Standard_D16s_v5")
        + 'taints = ["sku=gpu:NoSchedule"]\n',
        ("has no GPU", "remove the GPU taint"),
    ),
    # Tags.
    Case("tag-key-too-long", VALID + f'[tags]\n{"k" * 513} = "v"\n', ("a tag key has 1-512 characters",)),
    Case(
        "tag-value-too-long",
        VALID + f'[tags]\nOwner = "{"v" * 257}"\n',
        ("tags.Owner", "at most 256 characters"),
    ),
    Case(
        "tag-key-forbidden-character",
        VALID + '[tags]\n"cost<center" = "x"\n',
        ('tags = "cost<center": a tag key may not contain <',),
    ),
    Case(
        "pool-tag-key-forbidden",
        VALID + GPU_POOL + 'taints = ["sku=gpu:NoSchedule"]\ntags = { "a%b" = "x" }\n',
        ('user_pools[0].tags = "a%b": a tag key may not contain %',),
    ),
    # Hardening combinations Azure refuses.
    Case(
        "local-accounts-off-without-entra",
        VALID + "[cluster]\nlocal_account_disabled = true\n",
        ("cluster.local_account_disabled = true", "entra_id_rbac"),
    ),
    Case(
        "admin-group-not-guid",
        VALID + '[cluster.entra_id_rbac]\nadmin_group_object_ids = ["platform-admins"]\n',
        ('admin_group_object_ids[0] = "platform-admins"', "GUID"),
    ),
    Case(
        "cost-analysis-on-free-tier",
        VALID + "[cluster]\ncost_analysis_enabled = true\n",
        ("cluster.cost_analysis_enabled = true", "Free tier refuses it"),
    ),
    Case(
        "cilium-data-plane-without-cilium-policy",
        VALID + '[cluster.network]\ndata_plane = "cilium"\npolicy = "calico"\n',
        ('cluster.network.policy = "calico"', 'set policy = "cilium"'),
    ),
    Case(
        "overlay-without-azure-cni",
        VALID + '[cluster.network]\nplugin = "kubenet"\nplugin_mode = "overlay"\npolicy = "calico"\n',
        ('cluster.network.plugin = "kubenet"', "overlay mode"),
    ),
    Case(
        "private-cluster-with-ip-ranges",
        VALID
        + '[cluster]\nprivate_cluster_enabled = true\napi_server_authorized_ip_ranges = ["203.0.113.0/24"]\n',
        ("cluster.api_server_authorized_ip_ranges", "private cluster has no public API server"),
    ),
    Case(
        "ip-range-not-cidr",
        VALID + '[cluster]\napi_server_authorized_ip_ranges = ["203.0.113.0/33"]\n',
        ('api_server_authorized_ip_ranges[0] = "203.0.113.0/33"', "CIDR"),
    ),
    Case(
        "ip-range-everything",
        VALID + '[cluster]\napi_server_authorized_ip_ranges = ["0.0.0.0/0"]\n',
        ("allows every address",),
    ),
    Case(
        "disk-encryption-set-id",
        VALID + '[cluster]\ndisk_encryption_set_id = "des-prod"\n',
        ('cluster.disk_encryption_set_id = "des-prod"', "diskEncryptionSets"),
    ),
    Case(
        "max-pods-too-low",
        VALID + system_pool(min_count=1, max_count=2, max_pods=5),
        ("system_pool.max_pods = 5", "10-250"),
    ),
    # Workloads stack.
    Case(
        "kaito-pool-setting-is-gone",
        VALID + '[workloads.kaito_workspace]\nnode_pool = "gpu"\n',
        ('workloads.kaito_workspace.node_pool = "gpu"', "unknown key", "instance_type"),
    ),
    Case(
        "kaito-instance-type-not-provisionable",
        VALID + '[workloads.kaito_workspace]\ninstance_type = "Standard_E8s_v5"\n',
        ('workloads.kaito_workspace.instance_type = "Standard_E8s_v5"', "N-series (GPU) or D-series"),
    ),
    Case(
        "kaito-instance-type-unknown-size",
        VALID + '[workloads.kaito_workspace]\ninstance_type = "Standard_D64s_v5"\n',
        ('instance_type = "Standard_D64s_v5"', "add it to data/vm-sizes.toml"),
    ),
    Case(
        "kaito-preset-without-gpus",
        VALID + '[workloads.kaito_workspace]\nruntime = "preset"\n',
        ('workloads.kaito_workspace.runtime = "preset"', "needs GPUs", "Standard_D16s_v5 has none"),
    ),
    Case(
        "kaito-preset-model-not-hugging-face-id",
        VALID
        + '[workloads.kaito_workspace]\nruntime = "preset"\ninstance_type = "Standard_NC24ads_A100_v4"\n'
        + 'model = "smollm2"\n',
        ('workloads.kaito_workspace.model = "smollm2"', "Hugging Face model id"),
    ),
    Case(
        "kaito-request-larger-than-node",
        VALID + '[workloads.kaito_workspace]\ncpu_request = "32"\n',
        ('workloads.kaito_workspace.cpu_request = "32"', "Standard_D16s_v5 has 16 vCPUs"),
    ),
    Case(
        "kaito-namespace-invalid",
        VALID + '[workloads.kaito_workspace]\nnamespace = "SmolLM2"\n',
        ('workloads.kaito_workspace.namespace = "SmolLM2"', "lowercase letters, digits and '-'"),
    ),
    Case(
        "kaito-without-operator",
        VALID + "[cluster]\nkaito_enabled = false\n",
        ("workloads.kaito_workspace.enabled = true", "cluster.kaito_enabled = true"),
    ),
    Case(
        "kaito-image-breaks-yaml",
        VALID + '[workloads.kaito_workspace]\nimage = "[unclosed"\n',
        ("workloads.kaito_workspace: templates/kaito-workspace-template.yaml", "does not parse"),
    ),
    Case(
        "routing-without-istio",
        VALID + "[istio]\nenabled = false\n",
        ("workloads.inference_routing.enabled = true", "needs the Istio add-on"),
    ),
    Case(
        "routing-weights-zero",
        VALID + "[workloads.inference_routing]\nstable_weight = 0\ncanary_weight = 0\n",
        ("workloads.inference_routing.stable_weight = 0", "at least one weight"),
    ),
    Case(
        "routing-header-invalid",
        VALID + '[workloads.inference_routing]\ncanary_header = "x canary"\n',
        ('canary_header = "x canary"', "HTTP header name"),
    ),
    Case(
        "gateway-beside-the-default-queue",
        VALID + '[workloads.inference_routing]\ngateway_namespace = "smollm2"\n',
        (
            'workloads.inference_routing.gateway_namespace = "smollm2"',
            "a namespace of its own",
            "batch, smollm2",
        ),
    ),
    # The inference endpoint (docs/endpoint-security.md).
    Case(
        "endpoint-public-without-tls-and-auth",
        VALID + '[workloads.inference_routing]\nexposure = "public"\n',
        (
            'workloads.inference_routing.exposure = "public"',
            "needs TLS and authentication, and TLS and authentication are missing",
            'exposure = "internal"',
            "insecure_public_http = true",
        ),
    ),
    Case(
        "endpoint-public-with-tls-only",
        VALID
        + '[workloads.inference_routing]\nexposure = "public"\n'
        + table(
            "[workloads.inference_routing.tls]",
            hostname="inference.example.com",
            key_vault_name="kv-inference",
            certificate_name="inference-tls",
            tenant_id="00000000-0000-0000-0000-000000000000",
            client_id="00000000-0000-0000-0000-000000000000",
        ),
        ("workloads.inference_routing.exposure", "and authentication is missing"),
    ),
    Case(
        "endpoint-insecure-flag-on-internal",
        VALID + "[workloads.inference_routing]\ninsecure_public_http = true\n",
        (
            "workloads.inference_routing.insecure_public_http = true",
            'only means something with exposure = "public"',
        ),
    ),
    Case(
        "endpoint-exposure-unknown",
        VALID + '[workloads.inference_routing]\nexposure = "private"\n',
        ('workloads.inference_routing.exposure = "private"', "'internal' or 'public'"),
    ),
    Case(
        "endpoint-issuer-not-entra",
        VALID
        + table(
            "[workloads.inference_routing.authentication]",
            issuer="https://accounts.example.com",
            audiences=["api://inference"],
        ),
        (
            "workloads.inference_routing.authentication.issuer",
            "https://login.microsoftonline.com/<tenant id>/v2.0",
        ),
    ),
    Case(
        "endpoint-no-audience",
        VALID
        + table(
            "[workloads.inference_routing.authentication]",
            issuer="https://sts.windows.net/00000000-0000-0000-0000-000000000000/",
            audiences=[],
        ),
        ("workloads.inference_routing.authentication.audiences = []", "at least one audience"),
    ),
    Case(
        "endpoint-key-vault-name",
        VALID
        + table(
            "[workloads.inference_routing.tls]",
            hostname="inference.example.com",
            key_vault_name="kv--x",
            certificate_name="inference-tls",
            tenant_id="00000000-0000-0000-0000-000000000000",
            client_id="00000000-0000-0000-0000-000000000000",
        ),
        ('workloads.inference_routing.tls.key_vault_name = "kv--x"', "3-24 letters"),
    ),
    Case(
        "endpoint-tls-missing-keys",
        VALID + table("[workloads.inference_routing.tls]", hostname="inference.example.com"),
        ("workloads.inference_routing.tls.key_vault_name", "workloads.inference_routing.tls.client_id"),
    ),
    Case(
        "no-node-for-ordinary-pods",
        VALID + gpu_pool(),
        ("user_pools", "no pool always has one", "add a small CPU user pool without taints"),
    ),
    Case(
        "kueue-batch-pool-unknown",
        VALID + '[workloads.gang_scheduling]\nbatch_pool = "gpu"\n',
        ('workloads.gang_scheduling.batch_pool = "gpu"', "name one of the user pools (gpunp)", '"none"'),
    ),
    Case(
        "kueue-batch-pool-size-unknown",
        VALID
        + user_pool(name="big", vm_size="Standard_E8s_v5", min_count=1, max_count=2)
        + '[workloads.gang_scheduling]\nbatch_pool = "big"\n',
        ('user_pools[0].vm_size = "Standard_E8s_v5"', "Standard_E8s_v5 is not in data/vm-sizes.toml"),
    ),
    Case(
        "dra-on-cpu-pool",
        VALID + "[workloads.dra]\nenabled = true\n",
        ("workloads.dra.enabled = true", "needs GPUs", "Standard_D16s_v5"),
    ),
    Case(
        "dra-beside-the-device-plugin",
        VALID + gpu_pool(gpu_driver="Install") + "[workloads.dra]\nenabled = true\n",
        ("workloads.dra.enabled = true", "refuses to run beside it", 'gpu_driver = "None" on the pool'),
    ),
    Case(
        "mig-profile-on-size-without-mig",
        VALID
        + user_pool(
            name="gpunp",
            vm_size="Standard_NC4as_T4_v3",
            taints=["sku=gpu:NoSchedule"],
            gpu_instance="MIG1g",
            min_count=0,
            max_count=2,
        ),
        ('user_pools[0].gpu_instance = "MIG1g"', "supports MIG profiles none"),
    ),
    Case(
        "mig-strategy-without-managed-gpu",
        VALID + gpu_pool(gpu_instance="MIG3g", mig_strategy="Single"),
        ('user_pools[0].mig_strategy = "Single"', 'and gpu_management = "Managed"'),
    ),
    Case(
        "managed-gpu-without-driver",
        VALID + gpu_pool(gpu_driver="None", gpu_management="Managed"),
        ('user_pools[0].gpu_management = "Managed"', "needs the driver AKS installs"),
    ),
    Case(
        "gpu-settings-on-cpu-pool",
        VALID + user_pool(name="gpunp", gpu_management="Managed", min_count=1, max_count=2),
        ('user_pools[0].gpu_management = "Managed"', "Standard_D4s_v5 has no GPU"),
    ),
    Case(
        "mig-strategy-preview-without-feature",
        VALID
        + gpu_pool(gpu_instance="MIG3g", gpu_management="Managed", mig_strategy="Single")
        + '[preview_features]\nnames = ["ManagedGatewayAPIPreview"]\n',
        ("preview_features.names", "2026-05-02-preview", "ManagedGPUExperiencePreview"),
    ),
    Case(
        "managed-gpu-with-autoscaling",
        VALID + gpu_pool(gpu_management="Managed"),
        (
            "user_pools[0].auto_scaling = true",
            "not supported on managed GPU pools during it",
            'aks-managed-gpu-nodes.md, Limitations: "Scale these pools manually."',
            "set auto_scaling = false with a node_count",
        ),
    ),
    Case(
        "zones-on-gpu-pool-not-known-zonal",
        VALID + gpu_pool(zones=["1", "2"]),
        (
            'user_pools[0].zones = ["1", "2"]',
            "Standard_NC24ads_A100_v4 is not recorded as zonal in centralus (data/vm-size-zones.toml)",
            "remove zones",
        ),
    ),
    # Backend.
    Case(
        "backend-unknown-type",
        VALID + '[backend]\ntype = "s3"\n',
        ("backend", "unknown backend type", "'local', 'azurerm'"),
    ),
    Case(
        "backend-missing-keys",
        VALID + '[backend]\ntype = "azurerm"\nresource_group_name = "rg"\n',
        ("backend.storage_account_name", "required key is missing"),
    ),
    # Refused because Azure refuses it today (issue: deployable on Azure today).
    Case(
        "region-unknown",
        VALID + 'location = "westeurope2"\n',
        ('location = "westeurope2"', "not an Azure region", "westeurope"),
    ),
    Case(
        "zones-in-region-without-zones",
        VALID + 'location = "westus"\n',
        ('system_pool.zones = ["1", "2", "3"]', "westus has no availability zones"),
    ),
    Case(
        "patch-never-released",
        VALID + '[cluster]\nkubernetes_version = "1.34.99"\n',
        ('cluster.kubernetes_version = "1.34.99"', "no such patch release", 'minor alias "1.34"'),
    ),
    Case(
        "minor-not-offered",
        VALID + '[cluster]\nkubernetes_version = "1.40"\n',
        ('cluster.kubernetes_version = "1.40"', "AKS offers no generally available Kubernetes 1.40"),
    ),
    Case(
        "istio-revision-not-for-minor",
        VALID + '[cluster]\nkubernetes_version = "1.36"\n',
        ('istio.revisions[0] = "asm-1-28"', "asm-1-28 supports Kubernetes 1.30-1.35, not 1.36"),
    ),
    Case(
        "wait-without-unit",
        VALID + '[preview_features]\nwait = "60"\n',
        ('preview_features.wait = "60"', "a duration with units", "60s"),
    ),
    Case(
        "wait-forever",
        VALID + '[preview_features]\nwait = "forever"\n',
        ('preview_features.wait = "forever"', "a duration with units"),
    ),
    Case(
        "gateway-api-version-without-gateway-api",
        VALID + '[gateway_api]\napi_version = "2024-02-01"\n',
        (
            'gateway_api.api_version = "2024-02-01"',
            "has no properties.ingressProfile.gatewayAPI",
            "2026-03-01",
        ),
    ),
    Case(
        "gateway-api-version-unknown",
        VALID + '[gateway_api]\napi_version = "2099-01-01"\n',
        ('gateway_api.api_version = "2099-01-01"', "unknown managedClusters API version"),
    ),
    Case(
        "gateway-api-preview-without-feature",
        VALID
        + '[gateway_api]\napi_version = "2025-06-02-preview"\n'
        + '[preview_features]\nnames = ["ManagedGPUExperiencePreview"]\n',
        ("preview_features.names", "needs ManagedGatewayAPIPreview registered"),
    ),
    Case(
        "too-many-tags",
        VALID + "[tags]\n" + "".join(f't{index} = "v"\n' for index in range(51)),
        ('tags = "51 tags"', "at most 50 tags"),
    ),
    Case(
        "too-many-tags-with-pool-tags",
        VALID
        + "[tags]\n"
        + "".join(f't{index} = "v"\n' for index in range(45))
        + user_pool(name="gpunp", node_count=1, min_count=1, max_count=3)
        + "[user_pools.tags]\n"
        + "".join(f'p{index} = "v"\n' for index in range(6)),
        ("user_pools[0].tags", "51 tags with the environment's", "at most 50 tags"),
    ),
    Case(
        "reserved-label-prefix",
        VALID
        + user_pool(name="gpunp", min_count=1, max_count=3)
        + '[user_pools.labels]\n"kubernetes.azure.com/scalesetpriority" = "spot"\n',
        (
            'user_pools[0].labels = "kubernetes.azure.com/scalesetpriority"',
            "kubernetes.azure.com/ is reserved",
        ),
    ),
    Case(
        "reserved-kubernetes-io-label",
        VALID
        + user_pool(name="gpunp", min_count=1, max_count=3)
        + '[user_pools.labels]\n"node-role.kubernetes.io/gpu" = ""\n',
        ("node-role.kubernetes.io/gpu", "kubernetes.io/ is reserved"),
    ),
    Case(
        "label-value-too-long",
        VALID
        + user_pool(name="gpunp", min_count=1, max_count=3)
        + "[user_pools.labels]\n"
        + f'team = "{"x" * 64}"\n',
        ("user_pools[0].labels.team", "at most 63"),
    ),
    Case(
        "ephemeral-disk-larger-than-cache",
        VALID + system_pool(min_count=2, max_count=5, os_disk_type="Ephemeral", os_disk_size_gb=128),
        ("system_pool.os_disk_size_gb = 128", "Standard_D2s_v3 holds at most 50 GB", "cache 50 GiB"),
    ),
    Case(
        "ephemeral-disk-on-size-without-local-disk",
        VALID
        + system_pool(
            vm_size="Standard_D4s_v5", min_count=2, max_count=5, os_disk_type="Ephemeral", os_disk_size_gb=64
        ),
        ('system_pool.os_disk_type = "Ephemeral"', "Standard_D4s_v5 has no cache or temp disk"),
    ),
    Case(
        "ephemeral-disk-on-unknown-size",
        VALID
        + system_pool(
            vm_size="Standard_E4ds_v5", min_count=2, max_count=5, os_disk_type="Ephemeral", os_disk_size_gb=64
        ),
        ('system_pool.vm_size = "Standard_E4ds_v5"', "not in data/vm-sizes.toml"),
    ),
    Case(
        "ephemeral-disk-without-size",
        VALID + system_pool(vm_size="Standard_D4ds_v5", min_count=2, max_count=5, os_disk_type="Ephemeral"),
        ("system_pool.os_disk_size_gb", "at most 150 GB on Standard_D4ds_v5"),
    ),
    Case(
        "labels-allowed-as-string",
        VALID + '[managed_prometheus]\nlabels_allowed = "true"\n',
        ('managed_prometheus.labels_allowed = "true"', "write a table of resource = [keys]"),
    ),
    Case(
        "upgrade-channel-none",
        VALID + '[cluster]\nautomatic_upgrade_channel = "none"\n',
        ('cluster.automatic_upgrade_channel = "none"', "'patch', 'rapid', 'stable' or 'node-image'"),
    ),
    Case(
        "pinned-patch-with-patch-channel",
        VALID
        + '[cluster]\nkubernetes_version = "1.36.3"\nautomatic_upgrade_channel = "patch"\n'
        + '[istio]\nrevisions = ["asm-1-30"]\n',
        ('cluster.kubernetes_version = "1.36.3"', "next plan would try to downgrade", 'minor alias "1.36"'),
    ),
    Case(
        "lts-without-premium",
        VALID + '[cluster]\nsupport_plan = "AKSLongTermSupport"\nsku_tier = "Standard"\n',
        ('cluster.support_plan = "AKSLongTermSupport"', 'needs sku_tier = "Premium"'),
    ),
]


def run_app(
    directory: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> tuple[int, str, Path]:
    out = directory.parent / "cdktf.out"
    monkeypatch.setenv("CDKTF_OUTDIR", str(out))
    monkeypatch.delenv("CDKTF_ENV", raising=False)
    code = main.main(["--environments", str(directory)])
    return code, capsys.readouterr().err, out


def test_case_ids_are_unique() -> None:
    """pytest would run two cases of one id under suffixed ids; a copied case keeps its old id."""
    duplicates = sorted({case.id for case in CASES if [c.id for c in CASES].count(case.id) > 1})
    assert duplicates == []


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_bad_file_is_refused(case: Case, tmp_path: Path, capsys, monkeypatch) -> None:
    environments = tmp_path / "environments"
    environments.mkdir()
    (environments / case.file_name).write_text(case.toml)
    code, stderr, out = run_app(environments, capsys, monkeypatch)
    assert code == 2, stderr
    assert "nothing was synthesized" in stderr
    for words in case.expected:
        assert words in stderr, f"{words!r} not in:\n{stderr}"
    assert not out.exists()


def test_every_problem_in_every_file_is_reported_at_once(tmp_path: Path, capsys, monkeypatch) -> None:
    environments = tmp_path / "environments"
    environments.mkdir()
    (environments / "a.toml").write_text(
        VALID + '[cluster]\nkubernetes_version = "1.30"\n[istio]\nrevisions = ["asm-1-99"]\n'
    )
    (environments / "b.toml").write_text(VALID + 'locaton = "x"\n')
    (environments / "c.toml").write_text(VALID)
    code, stderr, _ = run_app(environments, capsys, monkeypatch)
    assert code == 2
    assert "3 settings problem(s)" in stderr
    assert "a.toml: cluster.kubernetes_version" in stderr
    assert "a.toml: istio.revisions[0]" in stderr
    assert "b.toml: locaton" in stderr
    assert "c.toml" not in stderr


def test_existing_output_is_left_as_it_was(tmp_path: Path, capsys, monkeypatch) -> None:
    environments = tmp_path / "environments"
    environments.mkdir()
    (environments / "bad.toml").write_text(VALID + "[cluster]\noidc_issuer_enabled = false\n")
    out = tmp_path / "cdktf.out"
    (out / "stacks" / "ai-conformant-aks-bad").mkdir(parents=True)
    previous = out / "stacks" / "ai-conformant-aks-bad" / "cdk.tf.json"
    previous.write_text('{"previous": true}')
    code, _, _ = run_app(environments, capsys, monkeypatch)
    assert code == 2
    assert previous.read_text() == '{"previous": true}'
    assert sorted(path.name for path in out.rglob("*")) == ["ai-conformant-aks-bad", "cdk.tf.json", "stacks"]


def test_unknown_environment_is_named(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("CDKTF_ENV", "nosuchenv")
    monkeypatch.setenv("CDKTF_OUTDIR", str(tmp_path / "out"))
    code = main.main(["--check"])
    stderr = capsys.readouterr().err
    assert code == 2
    assert "environments/nosuchenv.toml: no such environment; known: dev, prod" in stderr
