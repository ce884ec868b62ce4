"""The workloads stack: what runs inside the cluster to make it AI-conformant.

`ai-conformant-aks-<environment>-workloads` configures the kubernetes and helm providers from
the cluster stack's kube config through cdktf cross-stack references, so cdktf orders the two
stacks on deploy and this stack is planned only once the cluster exists.
"""

from __future__ import annotations

from cdktf import Fn
from cdktf_cdktf_provider_helm.provider import (
    HelmProvider,
    HelmProviderKubernetes,
    HelmProviderKubernetesExec,
)
from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider, KubernetesProviderExec

from aks_platform import manifests
from aks_platform.addresses import PinnedStack
from aks_platform.kueue_values import kueue_values
from aks_platform.local_charts import CHARTS, declared_version
from aks_platform.naming import Naming
from aks_platform.queues import kueue_objects
from aks_platform.settings import EnvironmentSettings
from aks_platform.terraform_settings import configure_backend, spell_out_provider_sources
from aks_platform.validation import gpu_taint_key
from constructs import Construct
from constructs.aks_cluster import AksCluster
from constructs.gang_scheduling import GangScheduling, GangSchedulingProps
from constructs.inference_routing import InferenceRouting, InferenceRoutingProps
from constructs.kaito_workspace import KaitoWorkspace, KaitoWorkspaceProps
from constructs.nvidia_dra import NvidiaDra, NvidiaDraProps
from constructs.scrape_config import ScrapeConfig, ScrapeConfigProps

# Terraform runs in cdktf.out/stacks/<stack>/; the chart stays in the repository.
QUEUES_CHART = "../../../charts/kueue-queues"
# Entra ID application of the AKS API server: the audience kubelogin asks tokens for.
AKS_ENTRA_SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"
KUBELOGIN_ARGS = ["get-token", "--login", "azurecli", "--server-id", AKS_ENTRA_SERVER_ID]
EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"


class WorkloadsStack(PinnedStack):
    """KAITO workspace, inference routing, Kueue and (on GPU pools) the NVIDIA DRA driver."""

    def __init__(
        self, scope: Construct, naming: Naming, settings: EnvironmentSettings, cluster: AksCluster
    ) -> None:
        super().__init__(scope, naming.workloads_stack, "workloads")
        configure_backend(self, settings.backend, naming, naming.workloads_stack)
        self._configure_providers(settings, cluster)
        spell_out_provider_sources(self, "kubernetes", "helm")

        workloads = settings.workloads
        kaito = None
        if workloads.kaito_workspace.enabled:
            kaito = KaitoWorkspace(
                self,
                "kaito",
                KaitoWorkspaceProps(
                    namespace=workloads.kaito_workspace.namespace,
                    workspace=manifests.kaito_workspace(workloads.kaito_workspace),
                ),
            )
        self._scrape_config(settings, kaito)
        if workloads.inference_routing.enabled and kaito is not None:
            InferenceRouting(
                self,
                "inference-routing",
                InferenceRoutingProps(
                    objects=manifests.inference_routing(
                        workloads.inference_routing, workloads.kaito_workspace
                    ),
                    depends_on=[kaito.workspace],
                    namespaces=[workloads.inference_routing.gateway_namespace],
                ),
            )
        if workloads.gang_scheduling.enabled:
            objects = kueue_objects(settings)
            existing = {workloads.kaito_workspace.namespace} if kaito else set()
            scheduling = GangScheduling(
                self,
                "gang-scheduling",
                GangSchedulingProps(
                    kueue_chart=manifests.pinned_chart("kueue"),
                    kueue_values=kueue_values(settings),
                    queues_chart=QUEUES_CHART,
                    queues_chart_version=declared_version(CHARTS / "kueue-queues"),
                    objects=objects,
                    namespaces=sorted(
                        {item["metadata"]["namespace"] for item in objects if item["kind"] == "LocalQueue"}
                        - existing
                    ),
                    # The workspace's LocalQueue lives in the workspace's namespace.
                    depends_on=[kaito.namespace] if kaito else [],
                ),
            )
            if kaito is not None:
                kaito.wait_for(scheduling.queues)
        dra = workloads.dra
        pool = next((pool for pool in settings.user_pools if pool.name == dra.node_pool), None)
        if dra.enabled and pool is not None:
            NvidiaDra(
                self,
                "dra",
                NvidiaDraProps(
                    chart=manifests.pinned_chart("nvidia_dra_driver"),
                    node_pool=pool.name,
                    driver_root=dra.driver_root,
                    gpu_taint_key=gpu_taint_key(pool),
                ),
            )
        self.pin_check()

    def _scrape_config(self, settings: EnvironmentSettings, kaito: KaitoWorkspace | None) -> None:
        """What managed Prometheus scrapes beyond its defaults: the model server (where its runtime
        serves Prometheus metrics) and AKS's DCGM exporter (where a pool runs the managed GPU stack)."""
        if not settings.managed_prometheus.enabled:
            return
        workspace = settings.workloads.kaito_workspace
        if kaito is not None and manifests.serves_prometheus(workspace):
            ScrapeConfig(
                self,
                "inference-metrics",
                ScrapeConfigProps(
                    objects=manifests.inference_metrics(workspace), depends_on=[kaito.namespace]
                ),
            )
        if any(pool.gpu_management == "Managed" for pool in settings.user_pools):
            ScrapeConfig(self, "gpu-metrics", ScrapeConfigProps(objects=[manifests.ama_metrics_settings()]))

    def _configure_providers(self, settings: EnvironmentSettings, cluster: AksCluster) -> None:
        connection: dict[str, object] = {
            "host": cluster.api_host,
            "cluster_ca_certificate": Fn.base64decode(cluster.cluster_ca_certificate),
        }
        if settings.cluster.local_account_disabled:
            # No local accounts: authenticate as the deploying Entra ID identity via kubelogin.
            KubernetesProvider(
                self,
                "kubernetes",
                exec=[
                    KubernetesProviderExec(
                        api_version=EXEC_API_VERSION, command="kubelogin", args=KUBELOGIN_ARGS
                    )
                ],
                **connection,
            )
            HelmProvider(
                self,
                "helm",
                kubernetes=HelmProviderKubernetes(
                    exec=HelmProviderKubernetesExec(
                        api_version=EXEC_API_VERSION, command="kubelogin", args=KUBELOGIN_ARGS
                    ),
                    **connection,
                ),
            )
            return
        connection["client_certificate"] = Fn.base64decode(cluster.client_certificate)
        connection["client_key"] = Fn.base64decode(cluster.client_key)
        KubernetesProvider(self, "kubernetes", **connection)
        HelmProvider(self, "helm", kubernetes=HelmProviderKubernetes(**connection))
