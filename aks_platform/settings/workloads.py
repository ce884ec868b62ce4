"""The workloads stack ([workloads]): the KAITO workspace, gang scheduling with Kueue and the
NVIDIA DRA driver; inference routing is aks_platform.settings.routing.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, StrictBool, StrictInt, StrictStr

from aks_platform.azure_facts import load_vm_sizes, unknown_size_advice
from aks_platform.kubernetes_names import Namespace, WorkspaceName
from aks_platform.settings.base import Settings, matching, refuse, within
from aks_platform.settings.gpus import has_gpus
from aks_platform.settings.pools import replaced_pools_hint
from aks_platform.settings.routing import InferenceRoutingSettings, routing_problems
from aks_platform.validation_types import NO_VALUE, Problem

if TYPE_CHECKING:
    from aks_platform.settings.environment import EnvironmentSettings

WorkspaceCount = Annotated[StrictInt, within(1, 16, "use 1-16 nodes")]
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$")
Quantity = Annotated[StrictStr, matching(QUANTITY.pattern, "use a Kubernetes quantity such as 4 or 16Gi")]
HostPath = Annotated[StrictStr, matching(r"^/", "use an absolute host path")]
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


class GangSchedulingSettings(Settings):
    """Kueue (pinned in data/helm-charts.toml) and queues whose quotas are the capacity they describe.

    The KAITO workspace's namespace gets a LocalQueue named "default", so Kueue labels the
    workload KAITO creates there (LocalQueueDefaulting); `batch_pool` gets a queue for batch jobs.
    """

    enabled: StrictBool = True
    "Kueue and its queues; quotas are derived from the pools, not set."
    batch_pool: StrictStr = "gpunp"
    (
        "A user pool whose size is in data/vm-sizes.toml, for batch jobs (its own ClusterQueue and "
        'LocalQueue); "none" leaves it out.'
    )
    batch_namespace: Namespace = "batch"
    "Namespace of the batch LocalQueue (a DNS label), created for it: not default, kube-* or an add-on's."


class DraSettings(Settings):
    """The NVIDIA DRA driver (pinned in data/helm-charts.toml) on a GPU pool without the device plugin.

    AKS runs NVIDIA's device plugin where it installs the driver; the DRA driver refuses to run
    beside it, so DRA needs a pool with gpu_driver = "None" and a driver you install yourself.
    """

    enabled: StrictBool = False
    'The NVIDIA DRA driver; only on a GPU pool with gpu_driver "None" and no managed GPU stack.'
    node_pool: StrictStr = "gpunp"
    "The user pool whose GPUs the driver publishes."
    driver_root: HostPath = "/run/nvidia/driver"
    'Host path of the NVIDIA driver ("/run/nvidia/driver" with NVIDIA\'s GPU Operator).'


class WorkloadsSettings(Settings):
    """The second stack per environment: what runs in the cluster to make it AI-conformant."""

    enabled: StrictBool = True
    "`false` leaves out the whole workloads stack."
    kaito_workspace: KaitoWorkspaceSettings = KaitoWorkspaceSettings()
    inference_routing: InferenceRoutingSettings = InferenceRoutingSettings()
    gang_scheduling: GangSchedulingSettings = GangSchedulingSettings()
    dra: DraSettings = DraSettings()


# --- Rules across the workloads' values ---
# KAITO on Azure provisions SKUs of its own table or, beyond it, N- and D-series sizes.
HUGGING_FACE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9][A-Za-z0-9_.-]*$")


def workload_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    # Imported here: these modules import aks_platform.settings, which imports this module.
    from aks_platform.placement import placement_problems
    from aks_platform.queues import queue_problems

    workloads = settings.workloads
    if not workloads.enabled:
        return
    # Names, counts, weights, header and quantities have their forms checked on the model.
    kaito = workloads.kaito_workspace
    if kaito.enabled:
        yield from _check_kaito(settings)
    yield from routing_problems(settings)
    scheduling = workloads.gang_scheduling
    if scheduling.enabled:
        yield from queue_problems(settings)
    yield from placement_problems(settings)
    if workloads.dra.enabled:
        yield from _check_dra(settings)


def _check_kaito(settings: EnvironmentSettings) -> Iterator[Problem]:
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


def _check_dra(settings: EnvironmentSettings) -> Iterator[Problem]:
    dra = settings.workloads.dra
    pool = next((pool for pool in settings.user_pools if pool.name == dra.node_pool), None)
    if pool is None:
        names = ", ".join(pool.name for pool in settings.user_pools) or "none defined"
        yield Problem(
            "workloads.dra.node_pool",
            dra.node_pool,
            f"name one of the user pools: {names}{replaced_pools_hint(settings)}",
        )
        return
    if not has_gpus(pool.vm_size):
        yield Problem(
            "workloads.dra.enabled",
            True,
            f"the DRA driver needs GPUs, and pool {pool.name} is {pool.vm_size}: use an N-series size "
            "or set workloads.dra.enabled = false",
        )
    if pool.gpu_driver != "None" or pool.gpu_management == "Managed":
        yield Problem(
            "workloads.dra.enabled",
            True,
            f"pool {pool.name} runs NVIDIA's device plugin (gpu_driver installed by AKS or the managed GPU "
            'stack), and the DRA driver refuses to run beside it: set gpu_driver = "None" on the pool (and '
            "install the driver yourself) or use the device plugin and set workloads.dra.enabled = false",
        )


def manifest_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    """Render the templates the workloads stack will use, so a bad value fails here."""
    # Imported here: aks_platform.manifests imports aks_platform.settings, which imports this module.
    from aks_platform import manifests

    workloads = settings.workloads
    renders = [
        (
            "workloads.kaito_workspace",
            workloads.kaito_workspace.enabled,
            manifests.kaito_workspace,
            (workloads.kaito_workspace,),
        ),
        (
            "workloads.inference_routing",
            workloads.inference_routing.enabled,
            manifests.inference_routing,
            (workloads.inference_routing, workloads.kaito_workspace),
        ),
    ]
    for key, enabled, render, arguments in renders:
        if workloads.enabled and enabled:
            try:
                render(*arguments)
            except manifests.ManifestError as error:
                yield Problem(key, NO_VALUE, str(error))
