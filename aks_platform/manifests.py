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

from aks_platform.paths import DATA, TEMPLATES
from aks_platform.settings import DraSettings, InferenceRoutingSettings, KaitoWorkspaceSettings

# The name under which NVIDIA's DRA driver publishes GPUs.
NVIDIA_DRA_DRIVER = "gpu.nvidia.com"
HELM_CHARTS = DATA / "helm-charts.toml"
# libyaml's loader when PyYAML was built with it: same results, several times faster.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

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
        documents = [document for document in yaml.load_all(text, Loader=YAML_LOADER) if document is not None]
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


def pinned_chart(key: str) -> dict[str, str | bool]:
    """helm_release arguments for a chart of data/helm-charts.toml, in its own namespace."""
    chart = helm_charts()[key]
    return {
        "repository": chart["repository"],
        "chart": chart["chart"],
        "version": chart["version"],
        "namespace": chart["namespace"],
        "create_namespace": True,
        "wait": True,
    }


def kaito_workspace(settings: KaitoWorkspaceSettings) -> Manifest:
    return render_one(
        "kaito-workspace.yaml",
        name=settings.name,
        namespace=settings.namespace,
        node_pool=settings.node_pool,
        image=settings.image,
        model=settings.model,
        torch_dtype=settings.torch_dtype,
    )


def inference_routing(routing: InferenceRoutingSettings, workspace: KaitoWorkspaceSettings) -> list[Manifest]:
    """Gateway, canary Service and HTTPRoute in the workspace's namespace."""
    return render(
        "inference-routing.yaml",
        namespace=workspace.namespace,
        # KAITO serves a workspace through a Service of the same name.
        workspace=workspace.name,
        gateway_class=routing.gateway_class,
        canary_header=routing.canary_header,
        stable_weight=routing.stable_weight,
        canary_weight=routing.canary_weight,
    )


def device_class(dra: DraSettings) -> Manifest:
    return render_one("dra-device-class.yaml", name=dra.device_class, driver=NVIDIA_DRA_DRIVER)
