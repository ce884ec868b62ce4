"""Rules across the cluster's values that AKS or the deployed cluster would refuse later.

One function per rule, each yielding Problems with its source named:
- An upgrade channel that moves the minor (rapid, stable) beside the kubernetes_version the stacks
  always send: AKS moves the cluster to a newer minor and the next plan tries to go back, which AKS
  refuses (no minor downgrades: supported-kubernetes-versions.md, "Downgrades aren't supported").
- network plugin "none": AKS installs no CNI (use-byo-cni.md), the stacks install none either,
  so every node stays NotReady.
- Local accounts off with Kubernetes RBAC (Azure RBAC off) and no admin group: nobody holds a
  cluster role (manage-local-accounts-managed-azure-ad.md needs an admin group or Azure RBAC).
"""

from __future__ import annotations

from collections.abc import Iterator

from aks_platform.settings import EnvironmentSettings
from aks_platform.validation_types import Problem

MINOR_MOVING_CHANNELS = ("rapid", "stable")


def upgrade_channel_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    cluster = settings.cluster
    if cluster.automatic_upgrade_channel in MINOR_MOVING_CHANNELS:
        yield Problem(
            "cluster.automatic_upgrade_channel",
            cluster.automatic_upgrade_channel,
            f'"{cluster.automatic_upgrade_channel}" moves the cluster to newer minors, and the stacks always '
            f"send kubernetes_version ({cluster.kubernetes_version}): the next plan would try to go back, "
            'which AKS refuses. Use "patch" with a minor alias (raise the minor yourself), or "node-image"',
        )


def network_plugin_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    network = settings.cluster.network
    if network is not None and network.plugin == "none":
        yield Problem(
            "cluster.network.plugin",
            "none",
            'with "none" AKS installs no CNI and these stacks install none either, so the nodes stay '
            'NotReady: use "azure" (Azure CNI, overlay) or "kubenet"',
        )


def access_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    cluster = settings.cluster
    rbac = cluster.entra_id_rbac
    if (
        cluster.local_account_disabled
        and rbac is not None
        and not rbac.azure_rbac_enabled
        and not rbac.admin_group_object_ids
    ):
        yield Problem(
            "cluster.entra_id_rbac.admin_group_object_ids",
            [],
            "with local accounts disabled and Azure RBAC off, only the admin groups get a cluster role, "
            "and there are none: nobody could use the cluster (the workloads stack would get 403). Add "
            "an admin group, set azure_rbac_enabled = true, or local_account_disabled = false",
        )


def cluster_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    yield from upgrade_channel_problems(settings)
    yield from network_plugin_problems(settings)
    yield from access_problems(settings)
