"""The workloads stack: wiring to the cluster stack, and each in-cluster part against the spec."""

from __future__ import annotations

from conftest import Stack, resources, synth_environment
from stack_objects import applied, chart_objects, one_of_kind

REMOTE = "data.terraform_remote_state.cross-stack-reference-input-ai-conformant-aks-{env}.outputs."


def _manifest(stack: Stack, kind: str) -> dict:
    return one_of_kind(stack, kind)


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


def test_kaito_workspace_keeps_main_tf_pod_template_on_a_node_kaito_provisions(
    main_tf_workloads: Stack,
) -> None:
    namespace = resources(main_tf_workloads, "kubernetes_namespace_v1")["kaito_namespace"]
    assert namespace["metadata"]["name"] == "smollm2"
    workspace = _manifest(main_tf_workloads, "Workspace")
    assert workspace["apiVersion"] == "kaito.sh/v1beta1"
    assert workspace["metadata"] == {"name": "smollm2-workspace", "namespace": "smollm2"}
    # KAITO (node auto-provisioning) creates a node of this size labelled apps=<workspace>.
    assert workspace["resource"] == {
        "instanceType": "Standard_D16s_v5",
        "count": 1,
        "labelSelector": {"matchLabels": {"apps": "smollm2-workspace"}},
    }
    (container,) = workspace["inference"]["template"]["spec"]["containers"]
    assert container["image"] == "mcr.microsoft.com/aks/kaito/kaito-base:0.0.8"
    command = " ".join(container["command"] + container["args"])
    assert command == (
        "accelerate launch --num_processes 1 --num_machines 1 tfs/inference_api.py "
        "--pipeline text-generation --trust_remote_code --allow_remote_files --pretrained_model_name_or_path "
        "HuggingFaceTB/SmolLM2-1.7B-Instruct --torch_dtype float32"
    )
    # A CPU-only size: CPU and memory are requested, no GPU.
    assert container["resources"] == {
        "requests": {"cpu": "4", "memory": "16Gi"},
        "limits": {"memory": "16Gi"},
    }
    liveness, readiness = container["livenessProbe"], container["readinessProbe"]
    assert liveness["httpGet"] == {"path": "/health", "port": 5000}
    assert readiness["httpGet"] == {"path": "/health", "port": 5000}
    assert (liveness["initialDelaySeconds"], readiness["initialDelaySeconds"]) == (180, 30)
    assert liveness["periodSeconds"] == readiness["periodSeconds"] == 10
    assert container["volumeMounts"] == [{"name": "dshm", "mountPath": "/dev/shm"}]
    assert workspace["inference"]["template"]["spec"]["volumes"] == [
        {"name": "dshm", "emptyDir": {"medium": "Memory"}}
    ]


def test_prod_serves_the_model_with_kaitos_vllm_preset_on_an_a100(prod_workloads: Stack) -> None:
    workspace = _manifest(prod_workloads, "Workspace")
    assert workspace["resource"]["instanceType"] == "Standard_NC24ads_A100_v4"
    assert workspace["inference"] == {"preset": {"name": "HuggingFaceTB/SmolLM2-1.7B-Instruct"}}


def test_a_template_on_a_gpu_size_asks_for_its_gpus() -> None:
    from aks_platform import manifests
    from aks_platform.settings import KaitoWorkspaceSettings

    workspace = manifests.kaito_workspace(
        KaitoWorkspaceSettings(instance_type="Standard_NC24ads_A100_v4", runtime="template")
    )
    (container,) = workspace["inference"]["template"]["spec"]["containers"]
    assert container["resources"]["limits"]["nvidia.com/gpu"] == 1


def test_inference_routing(dev_workloads: Stack) -> None:
    # One release (after its CRD wait), installed once the Gateway's namespace exists.
    release = resources(dev_workloads, "helm_release")["inference_routing"]
    assert "kubernetes_namespace_v1.gateway_namespace_inference_gateway" in release["depends_on"]
    gateway = _manifest(dev_workloads, "Gateway")
    assert gateway["spec"]["gatewayClassName"] == "istio"
    route = _manifest(dev_workloads, "HTTPRoute")
    # The Gateway is in a namespace of its own: the route names it, and the listener admits routes
    # from the route's namespace only (the name label the API server puts on every namespace).
    assert route["spec"]["parentRefs"] == [
        {"name": gateway["metadata"]["name"], "namespace": gateway["metadata"]["namespace"]}
    ]
    assert gateway["metadata"]["namespace"] != route["metadata"]["namespace"]
    (listener,) = gateway["spec"]["listeners"]
    assert listener["allowedRoutes"]["namespaces"] == {
        "from": "Selector",
        "selector": {"matchLabels": {"kubernetes.io/metadata.name": route["metadata"]["namespace"]}},
    }
    header_rule, split_rule = route["spec"]["rules"]
    assert header_rule["matches"][0]["headers"] == [{"name": "x-canary", "value": "true"}]
    assert header_rule["backendRefs"] == [{"name": "smollm2-workspace-canary", "port": 80}]
    weights = {ref["name"]: ref["weight"] for ref in split_rule["backendRefs"]}
    assert weights == {"smollm2-workspace": 90, "smollm2-workspace-canary": 10}
    canary = _manifest(dev_workloads, "Service")
    assert canary["metadata"]["name"] == "smollm2-workspace-canary"
    assert canary["spec"]["ports"][0]["targetPort"] == 5000


def _queue_objects(stack: Stack) -> dict[tuple[str, str], dict]:
    objects = chart_objects(resources(stack, "helm_release")["kueue_queues"])
    return {(item["kind"], item["metadata"]["name"]): item for item in objects}


def _quota(cluster_queue: dict) -> dict[str, str]:
    (group,) = cluster_queue["spec"]["resourceGroups"]
    (flavor,) = group["flavors"]
    quota = {resource["name"]: resource["nominalQuota"] for resource in flavor["resources"]}
    assert group["coveredResources"] == list(quota)
    return quota


def test_gang_scheduling_with_kueue(dev_workloads: Stack) -> None:
    releases = resources(dev_workloads, "helm_release")
    kueue = releases["kueue"]
    assert kueue["repository"] == "oci://registry.k8s.io/kueue/charts"
    assert kueue["chart"] == "kueue"
    assert kueue["version"].count(".") == 2  # pinned, not a range
    queues = releases["kueue_queues"]
    assert queues["chart"] == "../../../charts/cluster-objects"
    assert "helm_release.kueue" in queues["depends_on"]
    # The queues' CRDs come from the Kueue chart: the wait for them runs after it.
    assert "terraform_data.kueue_queues_crds" in queues["depends_on"]
    wait = resources(dev_workloads, "terraform_data")["kueue_queues_crds"]
    assert "helm_release.kueue" in wait["depends_on"]
    objects = _queue_objects(dev_workloads)
    assert all(item["apiVersion"] == "kueue.x-k8s.io/v1beta2" for item in objects.values())


def test_the_workspace_namespace_has_the_default_local_queue(
    dev_workloads: Stack, prod_workloads: Stack
) -> None:
    """Kueue's LocalQueueDefaulting labels every workload created in a namespace that has a LocalQueue
    named "default" with it, so the StatefulSet KAITO creates for the workspace is queued."""
    for stack in (dev_workloads, prod_workloads):
        objects = _queue_objects(stack)
        local = objects[("LocalQueue", "default")]
        assert local["metadata"]["namespace"] == _manifest(stack, "Workspace")["metadata"]["namespace"]
        cluster_queue = objects[("ClusterQueue", local["spec"]["clusterQueue"])]
        flavor_name = cluster_queue["spec"]["resourceGroups"][0]["flavors"][0]["name"]
        # The flavor is the nodes KAITO provisions: the workspace's own node label.
        assert (
            objects[("ResourceFlavor", flavor_name)]["spec"]["nodeLabels"]
            == (_manifest(stack, "Workspace")["resource"]["labelSelector"]["matchLabels"])
        )


def test_quotas_are_the_capacity_they_describe(dev_workloads: Stack, prod_workloads: Stack) -> None:
    dev = _queue_objects(dev_workloads)
    # dev: one Standard_D16s_v5 for the workspace, gpunp (Standard_D16s_v5, max 3): no GPU quota anywhere.
    assert _quota(dev[("ClusterQueue", "smollm2-workspace-inference")]) == {"cpu": "16", "memory": "64Gi"}
    assert _quota(dev[("ClusterQueue", "gpunp-batch")]) == {"cpu": "48", "memory": "192Gi"}
    prod = _queue_objects(prod_workloads)
    # prod: one Standard_NC24ads_A100_v4 (24 vCPU, 220 GiB, 1 A100) for the workspace;
    # gpunp: a fixed 1 of them (managed GPU pools are not autoscaled during the preview), its A100
    # split into 2 MIG instances (MIG3g).
    assert _quota(prod[("ClusterQueue", "smollm2-workspace-inference")]) == {
        "cpu": "24",
        "memory": "220Gi",
        "nvidia.com/gpu": "1",
    }
    assert _quota(prod[("ClusterQueue", "gpunp-batch")]) == {
        "cpu": "24",
        "memory": "220Gi",
        "nvidia.com/gpu": "2",
    }
    assert prod[("ResourceFlavor", "gpunp")]["spec"]["tolerations"] == [
        {"key": "sku", "operator": "Equal", "value": "gpu", "effect": "NoSchedule"}
    ]
    assert prod[("LocalQueue", "gpunp-batch")]["metadata"]["namespace"] == "batch"
    assert "queue_namespace_batch" in resources(prod_workloads, "kubernetes_namespace_v1")


def test_the_objects_chart_version_carries_its_content(dev_workloads: Stack) -> None:
    from aks_platform.local_charts import CHARTS, declared_version, expected_version

    chart = CHARTS / "cluster-objects"
    assert declared_version(chart) == expected_version(chart), (
        "charts/cluster-objects changed without a new version: run python -m aks_platform.local_charts"
    )
    releases = resources(dev_workloads, "helm_release").values()
    local = [body for body in releases if body["chart"].startswith("../")]
    # The Workspace, the routing objects, the queues and the endpoint's NetworkPolicies.
    assert len(local) == 4
    assert {body["version"] for body in local} == {declared_version(chart)}


def test_a_chart_edit_changes_the_expected_version(tmp_path) -> None:
    import shutil

    from aks_platform.local_charts import CHARTS, expected_version

    copy = tmp_path / "cluster-objects"
    shutil.copytree(CHARTS / "cluster-objects", copy)
    before = expected_version(copy)
    template = copy / "templates" / "objects.yaml"
    template.write_text(template.read_text() + "# edited\n")
    assert expected_version(copy) != before


def test_no_dra_driver_beside_the_device_plugin(dev_workloads: Stack, prod_workloads: Stack) -> None:
    # Both environments give pods GPUs through the device plugin; the DRA driver would refuse to
    # run beside it (its guard is never overridden), so neither installs it.
    for stack in (dev_workloads, prod_workloads):
        assert "nvidia_dra_driver" not in resources(stack, "helm_release")
        assert all(item["kind"] != "DeviceClass" for _, item in applied(stack))


def test_workloads_stack_can_be_turned_off() -> None:
    from aks_platform.settings import WorkloadsSettings

    _, workloads = synth_environment("dev", workloads=WorkloadsSettings(enabled=False))
    assert workloads is None
