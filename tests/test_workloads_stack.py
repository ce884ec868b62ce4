"""The workloads stack: wiring to the cluster stack, and each in-cluster part against the spec."""

from __future__ import annotations

import yaml
from conftest import Stack, resources, synth_environment

REMOTE = "data.terraform_remote_state.cross-stack-reference-input-ai-conformant-aks-{env}.outputs."


def _manifest(stack: Stack, kind: str) -> dict:
    found = [
        body["manifest"]
        for body in resources(stack, "kubernetes_manifest").values()
        if body["manifest"]["kind"] == kind
    ]
    assert len(found) == 1, f"expected one {kind}, found {len(found)}"
    return found[0]


def test_providers_come_from_the_cluster_stack(dev_stack: Stack, dev_workloads: Stack) -> None:
    remote = dev_workloads["data"]["terraform_remote_state"][
        "cross-stack-reference-input-ai-conformant-aks-dev"
    ]
    assert remote["backend"] == "local"
    assert remote["config"]["path"] == "../../../terraform.ai-conformant-aks-dev.tfstate"
    kubernetes = dev_workloads["provider"]["kubernetes"][0]
    assert kubernetes["host"].startswith("${" + REMOTE.format(env="dev"))
    assert kubernetes["client_certificate"].startswith("${base64decode(")
    helm = dev_workloads["provider"]["helm"][0]["kubernetes"]
    assert helm["host"] == kubernetes["host"]
    crossing = [name for name in dev_stack["output"] if name.startswith("cross-stack-output-")]
    assert crossing
    assert all(dev_stack["output"][name]["sensitive"] is True for name in crossing)


def test_prod_signs_in_with_entra_id(prod_workloads: Stack) -> None:
    kubernetes = prod_workloads["provider"]["kubernetes"][0]
    assert "client_certificate" not in kubernetes
    assert kubernetes["exec"][0]["command"] == "kubelogin"
    assert "--server-id" in kubernetes["exec"][0]["args"]
    assert prod_workloads["provider"]["helm"][0]["kubernetes"]["exec"]["command"] == "kubelogin"


def test_required_providers_and_state(dev_workloads: Stack) -> None:
    required = dev_workloads["terraform"]["required_providers"]
    assert required["kubernetes"]["source"] == "hashicorp/kubernetes"
    assert required["helm"]["source"] == "hashicorp/helm"
    path = dev_workloads["terraform"]["backend"]["local"]["path"]
    assert path == "../../../terraform.ai-conformant-aks-dev-workloads.tfstate"


def test_kaito_workspace_as_main_tf_had_it(dev_workloads: Stack) -> None:
    namespace = next(iter(resources(dev_workloads, "kubernetes_namespace_v1").values()))
    assert namespace["metadata"]["name"] == "smollm2"
    workspace = _manifest(dev_workloads, "Workspace")
    assert workspace["apiVersion"] == "kaito.sh/v1beta1"
    assert workspace["metadata"] == {"name": "smollm2-workspace", "namespace": "smollm2"}
    assert workspace["resource"]["labelSelector"]["matchLabels"] == {
        "kubernetes.azure.com/agentpool": "gpunp"
    }
    (container,) = workspace["inference"]["template"]["spec"]["containers"]
    assert container["image"] == "mcr.microsoft.com/aks/kaito/kaito-base:0.0.8"
    command = " ".join(container["command"] + container["args"])
    assert command == (
        "accelerate launch --num_processes 1 --num_machines 1 tfs/inference_api.py "
        "--pipeline text-generation --trust_remote_code --allow_remote_files --pretrained_model_name_or_path "
        "HuggingFaceTB/SmolLM2-1.7B-Instruct --torch_dtype float32"
    )
    liveness, readiness = container["livenessProbe"], container["readinessProbe"]
    assert liveness["httpGet"] == {"path": "/health", "port": 5000}
    assert readiness["httpGet"] == {"path": "/health", "port": 5000}
    assert (liveness["initialDelaySeconds"], readiness["initialDelaySeconds"]) == (180, 30)
    assert liveness["periodSeconds"] == readiness["periodSeconds"] == 10
    assert container["volumeMounts"] == [{"name": "dshm", "mountPath": "/dev/shm"}]
    assert workspace["inference"]["template"]["spec"]["volumes"] == [
        {"name": "dshm", "emptyDir": {"medium": "Memory"}}
    ]


def test_inference_routing(dev_workloads: Stack) -> None:
    gateway = _manifest(dev_workloads, "Gateway")
    assert gateway["spec"]["gatewayClassName"] == "istio"
    route = _manifest(dev_workloads, "HTTPRoute")
    assert route["spec"]["parentRefs"] == [{"name": gateway["metadata"]["name"]}]
    header_rule, split_rule = route["spec"]["rules"]
    assert header_rule["matches"][0]["headers"] == [{"name": "x-canary", "value": "true"}]
    assert header_rule["backendRefs"] == [{"name": "smollm2-workspace-canary", "port": 80}]
    weights = {ref["name"]: ref["weight"] for ref in split_rule["backendRefs"]}
    assert weights == {"smollm2-workspace": 90, "smollm2-workspace-canary": 10}
    canary = _manifest(dev_workloads, "Service")
    assert canary["metadata"]["name"] == "smollm2-workspace-canary"
    assert canary["spec"]["ports"][0]["targetPort"] == 5000


def test_gang_scheduling_with_kueue(dev_workloads: Stack) -> None:
    releases = resources(dev_workloads, "helm_release")
    kueue = releases["kueue"]
    assert kueue["repository"] == "oci://registry.k8s.io/kueue/charts"
    assert kueue["chart"] == "kueue"
    assert kueue["version"].count(".") == 2  # pinned, not a range
    queues = releases["kueue_queues"]
    assert queues["chart"] == "../../../charts/kueue-queues"
    assert "helm_release.kueue" in queues["depends_on"]
    values = yaml.safe_load(queues["values"][0])
    assert values["nodePool"] == "gpunp"
    assert values["queueNamespace"] == "smollm2"


def test_dra_only_on_real_gpus(dev_workloads: Stack, prod_workloads: Stack) -> None:
    assert "nvidia_dra_driver" not in resources(dev_workloads, "helm_release")
    driver = resources(prod_workloads, "helm_release")["nvidia_dra_driver"]
    assert driver["chart"] == "nvidia-dra-driver-gpu"
    values = yaml.safe_load(driver["values"][0])
    assert values["resources"]["gpus"]["enabled"] is True
    assert values["kubeletPlugin"]["tolerations"] == [
        {"key": "sku", "operator": "Exists", "effect": "NoSchedule"}
    ]
    device_class = _manifest(prod_workloads, "DeviceClass")
    assert device_class["apiVersion"] == "resource.k8s.io/v1"
    assert device_class["spec"]["selectors"] == [{"cel": {"expression": 'device.driver == "gpu.nvidia.com"'}}]


def test_workloads_stack_can_be_turned_off() -> None:
    from aks_platform.settings import WorkloadsSettings

    _, workloads = synth_environment("dev", workloads=WorkloadsSettings(enabled=False))
    assert workloads is None
