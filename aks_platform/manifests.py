"""Kubernetes manifests rendered from templates/*.yaml and checked before they reach a stack.

Templates use `${variable}` placeholders (string.Template). Rendering fails with a message
that names the template when a variable is missing or unknown, the YAML does not parse, or a
document lacks apiVersion, kind or metadata.name: at synth, not at `cdktf deploy`.
"""

from __future__ import annotations

import functools
import string
import tomllib
from typing import Any

import yaml

from aks_platform import endpoint, yaml_text
from aks_platform.azure_facts import load_vm_sizes
from aks_platform.paths import DATA, TEMPLATES
from aks_platform.settings import InferenceRoutingSettings, KaitoWorkspaceSettings

HELM_CHARTS = DATA / "helm-charts.toml"
KAITO_FACTS = DATA / "kaito.toml"
NVIDIA_GPU = "nvidia.com/gpu"

Manifest = dict[str, Any]


class ManifestError(ValueError):
    """A template that cannot become valid manifests; the message names the template."""


@functools.cache
def _template(name: str) -> string.Template:
    return string.Template((TEMPLATES / name).read_text(encoding="utf-8"))


def render(template_name: str, /, **variables: str | int) -> list[Manifest]:
    """The documents of templates/<name> with `variables` substituted, each checked."""
    name = template_name
    template = _template(name)
    expected = set(template.get_identifiers())
    missing = sorted(expected - set(variables))
    unknown = sorted(set(variables) - expected)
    if missing or unknown:
        raise ManifestError(f"templates/{name}: missing variables {missing}, unknown variables {unknown}")
    text = template.substitute({key: str(value) for key, value in variables.items()})
    try:
        documents = [document for document in yaml_text.load_all(text) if document is not None]
    except yaml.YAMLError as error:
        raise ManifestError(f"templates/{name}: rendered YAML does not parse: {error}") from error
    if not documents:
        raise ManifestError(f"templates/{name}: no documents")
    for index, document in enumerate(documents):
        where = f"templates/{name} document {index + 1}"
        if not isinstance(document, dict):
            raise ManifestError(f"{where}: not a mapping")
        for key in ("apiVersion", "kind"):
            if not isinstance(document.get(key), str) or not document[key]:
                raise ManifestError(f"{where}: {key} is missing")
        if not (document.get("metadata") or {}).get("name"):
            raise ManifestError(f"{where}: metadata.name is missing")
    return documents


def render_one(template_name: str, /, **variables: str | int) -> Manifest:
    documents = render(template_name, **variables)
    if len(documents) != 1:
        raise ManifestError(f"templates/{template_name}: expected one document, found {len(documents)}")
    return documents[0]


@functools.cache
def helm_charts() -> dict[str, dict[str, str]]:
    """Pinned chart repository, name, version and namespace, from data/helm-charts.toml."""
    return tomllib.loads(HELM_CHARTS.read_text(encoding="utf-8"))


@functools.cache
def kaito_facts() -> dict[str, Any]:
    """The add-on's KAITO version, node label key, ports and admission rules (data/kaito.toml)."""
    return tomllib.loads(KAITO_FACTS.read_text(encoding="utf-8"))


def kaito_node_labels(settings: KaitoWorkspaceSettings) -> dict[str, str]:
    """The label KAITO puts on the nodes it provisions for the workspace (its labelSelector)."""
    return {kaito_facts()["node_label_key"]: settings.name}


def kaito_workspace(settings: KaitoWorkspaceSettings) -> Manifest:
    """The Workspace: KAITO's vLLM preset, or main.tf's own pod template with resource requests."""
    common = {
        "name": settings.name,
        "namespace": settings.namespace,
        "instance_type": settings.instance_type,
        "count": settings.count,
        "node_label_key": kaito_facts()["node_label_key"],
        "model": settings.model,
    }
    if settings.runtime == "preset":
        return render_one("kaito-workspace-preset.yaml", **common)
    workspace = render_one(
        "kaito-workspace-template.yaml",
        **common,
        image=settings.image,
        torch_dtype=settings.torch_dtype,
        port=kaito_facts()["inference_port"],
        cpu_request=settings.cpu_request,
        memory_request=settings.memory_request,
    )
    size = load_vm_sizes().get(settings.instance_type)
    if size is not None and size.gpus:
        # A pod template gets GPUs only by asking for them: the device plugin hands out nvidia.com/gpu.
        container = workspace["inference"]["template"]["spec"]["containers"][0]
        container["resources"]["limits"][NVIDIA_GPU] = size.gpus
    return workspace


def inference_routing(routing: InferenceRoutingSettings, workspace: KaitoWorkspaceSettings) -> list[Manifest]:
    """The Gateway in its own namespace; the canary Service and HTTPRoute in the workspace's. The
    exposure and TLS the settings ask for are applied by aks_platform/endpoint.py."""
    objects = render(
        "inference-routing.yaml",
        namespace=workspace.namespace,
        gateway_namespace=routing.gateway_namespace,
        # KAITO serves a workspace through a Service of the same name.
        workspace=workspace.name,
        port=kaito_facts()["inference_port"],
        gateway_class=routing.gateway_class,
        canary_header=routing.canary_header,
        stable_weight=routing.stable_weight,
        canary_weight=routing.canary_weight,
    )
    return endpoint.secure_routing(objects, routing, workspace)


def serves_prometheus(workspace: KaitoWorkspaceSettings) -> bool:
    """Whether the workspace's runtime answers /metrics in the Prometheus format (data/kaito.toml)."""
    return workspace.runtime in kaito_facts()["prometheus_runtimes"]


def inference_metrics(workspace: KaitoWorkspaceSettings) -> list[Manifest]:
    """A metrics Service for the workspace's pods and the ServiceMonitor managed Prometheus reads."""
    return render(
        "inference-metrics.yaml",
        namespace=workspace.namespace,
        workspace=workspace.name,
        port=kaito_facts()["inference_port"],
        path=kaito_facts()["metrics_path"],
    )


def ama_metrics_settings() -> Manifest:
    """The managed Prometheus agent's settings with the DCGM exporter target on."""
    return render_one("ama-metrics-settings.yaml", dcgmexporter="true")
