"""The KAITO inference workspace ([workloads.kaito_workspace]): its model, the rules on its values,
and its requests against a KAITO node's allocatable (aks_platform.allocatable, from
data/node-reservations.toml).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, StrictBool, StrictInt, StrictStr

from aks_platform.allocatable import MIB_PER_GIB, allocatable, kube_reserved_millicores, mebibytes, millicores
from aks_platform.azure_facts import load_vm_sizes, unknown_size_advice
from aks_platform.kubernetes_names import Namespace, WorkspaceName
from aks_platform.settings.base import Settings, matching, refuse, within
from aks_platform.validation_types import Problem

if TYPE_CHECKING:
    from aks_platform.settings.environment import EnvironmentSettings

WorkspaceCount = Annotated[StrictInt, within(1, 16, "use 1-16 nodes")]

QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$")

Quantity = Annotated[StrictStr, matching(QUANTITY.pattern, "use a Kubernetes quantity such as 4 or 16Gi")]

ContainerImage = Annotated[
    StrictStr,
    matching(
        r"^\S+$",
        "use a container image reference without spaces, such as "
        "mcr.microsoft.com/aks/kaito/kaito-base:0.0.8",
    ),
]


def _kaito_instance_type(value: str) -> str:
    if not re.match(r"^Standard_[ND][A-Za-z0-9_]+$", value):
        raise refuse(
            "KAITO provisions N-series (GPU) or D-series sizes on Azure, such as Standard_NC24ads_A100_v4"
        )
    if value not in load_vm_sizes():
        raise refuse(
            f"the workspace's Kueue quota and GPU request come from the size; {unknown_size_advice(value)}"
        )
    return value


KaitoInstanceType = Annotated[StrictStr, AfterValidator(_kaito_instance_type)]


class KaitoWorkspaceSettings(Settings):
    """A KAITO inference workspace, as the AKS add-on admits it (templates/kaito-workspace-preset.yaml
    for a preset, kaito-workspace-template.yaml for a pod template of one's own).

    The add-on runs KAITO with node auto-provisioning: KAITO creates nodes of `instance_type` for
    the workspace itself (labelled with the workspace's node label), not on the cluster's pools.
    """

    enabled: StrictBool = True
    "The KAITO inference workspace; needs cluster.kaito_enabled."
    namespace: Namespace = "smollm2"
    (
        "A DNS label; the namespace is created for the workspace, so not one Kubernetes or an add-on owns "
        "(default, kube-*, aks-istio-*, kaito-*, gatekeeper-system, kueue-system)."
    )
    name: WorkspaceName = "smollm2-workspace"
    "A DNS label of at most 56 characters."
    instance_type: KaitoInstanceType = "Standard_D16s_v5"
    (
        "The VM size KAITO provisions for the workspace (required by KAITO from v0.8): an N- or D-series "
        "size in data/vm-sizes.toml."
    )
    count: WorkspaceCount = 1
    "How many nodes of instance_type."
    runtime: Literal["template", "preset"] = "template"
    (
        '"template": main.tf\'s own pod template (the CPU POC); "preset": KAITO\'s vLLM preset from the '
        "Hugging Face id, which needs a GPU size."
    )
    model: StrictStr = "HuggingFaceTB/SmolLM2-1.7B-Instruct"
    "A Hugging Face model id `org/name`."
    image: ContainerImage = "mcr.microsoft.com/aks/kaito/kaito-base:0.0.8"
    "Template runtime: the serving container image."
    torch_dtype: Literal["float32", "float16", "bfloat16"] = "float32"
    'Template runtime: "float32", "float16" or "bfloat16".'
    cpu_request: Quantity = "4"
    "Template runtime: CPUs the pod requests; must fit instance_type."
    memory_request: Quantity = "16Gi"
    "Template runtime: memory the pod requests (a Kubernetes quantity); must fit instance_type."


# --- Rules across the workspace's values ---
# --- Rules across the workloads' values ---
# KAITO on Azure provisions SKUs of its own table or, beyond it, N- and D-series sizes.
HUGGING_FACE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")


def kaito_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    """What the AKS add-on's KAITO admits (data/kaito.toml names each rule's source)."""
    kaito = settings.workloads.kaito_workspace
    key = "workloads.kaito_workspace"
    if not settings.cluster.kaito_enabled:
        yield Problem(f"{key}.enabled", True, "a KAITO workspace needs cluster.kaito_enabled = true")
    # The size's form and that data/vm-sizes.toml has it are rules on the field (KaitoInstanceType).
    size = load_vm_sizes().get(kaito.instance_type)
    if kaito.runtime == "preset":
        if not HUGGING_FACE_ID.match(kaito.model):
            yield Problem(
                f"{key}.model",
                kaito.model,
                "the preset runtime takes a Hugging Face model id, organization/name, such as "
                "HuggingFaceTB/SmolLM2-1.7B-Instruct",
            )
        if size is not None and not size.gpus:
            yield Problem(
                f"{key}.runtime",
                "preset",
                f"KAITO's vLLM preset needs GPUs and {size.name} has none: use an N-series instance_type, "
                'or runtime = "template" for a CPU model server',
            )


def kaito_request_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    """The template runtime's requests against a KAITO node's allocatable (the preset runtime's
    requests are KAITO's own)."""
    kaito = settings.workloads.kaito_workspace
    if not (settings.workloads.enabled and kaito.enabled and kaito.runtime == "template"):
        return
    size = load_vm_sizes().get(kaito.instance_type)
    if size is None:
        return
    node = allocatable(size)
    key = "workloads.kaito_workspace"
    if millicores(kaito.cpu_request) >= node.millicores:
        yield Problem(
            f"{key}.cpu_request",
            kaito.cpu_request,
            f"{size.name} has {size.vcpus} vCPUs and AKS reserves {kube_reserved_millicores(size.vcpus)}m of "
            f"them, so a pod can request less than {node.millicores}m: request less (such as "
            f'"{node.millicores * 3 // 4000}") or use a larger instance_type',
        )
    if mebibytes(kaito.memory_request) >= node.memory_mib:
        node_reserved = size.memory_gib * MIB_PER_GIB - node.memory_mib
        yield Problem(
            f"{key}.memory_request",
            kaito.memory_request,
            f"{size.name} has {size.memory_gib} GiB and AKS reserves {node_reserved}Mi (kubelet "
            f"and eviction threshold), so a pod can request less than {node.memory_mib}Mi: request less or "
            "use a larger instance_type",
        )
