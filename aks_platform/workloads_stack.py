"""The workloads stack: what runs inside the cluster to make it AI-conformant.

`ai-conformant-aks-<environment>-workloads` configures the kubernetes and helm providers from
the cluster stack's kube config through cdktf cross-stack references, so cdktf orders the two
stacks on deploy and this stack is planned only once the cluster exists.
"""

from __future__ import annotations

from cdktf import DataResource, Fn, ITerraformDependable
from cdktf_cdktf_provider_helm.provider import (
    HelmProvider,
    HelmProviderKubernetes,
    HelmProviderKubernetesExec,
)
from cdktf_cdktf_provider_kubernetes.provider import KubernetesProvider, KubernetesProviderExec

from aks_platform.addresses import PinnedStack
from aks_platform.cluster_access import KUBELOGIN_ARGS
from aks_platform.construct_props import (
    endpoint_security_props,
    gang_scheduling_props,
    gpu_metrics_props,
    inference_metrics_props,
    inference_routing_props,
    kaito_nodes_gone_props,
    kaito_plan,
    kaito_workspace_props,
    nvidia_dra_props,
    objects_applier,
)
from aks_platform.naming import Naming
from aks_platform.settings import EnvironmentSettings
from aks_platform.terraform_settings import configure_backend, spell_out_provider_sources
from constructs import Construct
from constructs.aks_cluster import AksCluster
from constructs.cluster_objects import ClusterObjects
from constructs.gang_scheduling import GangScheduling
from constructs.inference_routing import InferenceRouting
from constructs.kaito_workspace import KaitoNodesGone, KaitoWorkspace
from constructs.nvidia_dra import NvidiaDra
from constructs.scrape_config import ScrapeConfig

EXEC_API_VERSION = "client.authentication.k8s.io/v1beta1"
# kubernetes_manifest resources of earlier versions, whose objects a release now applies (and
# adopts): Terraform forgets them instead of deleting what the release takes over. Only while the
# release exists: with the feature turned off, Terraform deletes them as it would have.
WORKSPACE_MANIFEST = "kubernetes_manifest.kaito_workspace"
ROUTING_MANIFESTS = (
    "kubernetes_manifest.inference_gateway",
    "kubernetes_manifest.inference_service",
    "kubernetes_manifest.inference_http_route",
)
METRICS_MANIFESTS = (
    "kubernetes_manifest.inference_metrics_service",
    "kubernetes_manifest.inference_metrics_service_monitor",
)


class WorkloadsStack(PinnedStack):
    """KAITO workspace, inference routing, Kueue and (on GPU pools) the NVIDIA DRA driver.

    It composes constructs with props from aks_platform/construct_props/."""

    def __init__(
        self,
        scope: Construct,
        naming: Naming,
        settings: EnvironmentSettings,
        cluster: AksCluster,
        access_ready: str | None = None,
    ) -> None:
        super().__init__(scope, naming.workloads_stack, "workloads")
        configure_backend(self, settings.backend, naming, naming.workloads_stack)
        self._configure_providers(settings, cluster)
        spell_out_provider_sources(self, "kubernetes", "helm")

        # Custom resources go through charts/cluster-objects after a wait for their CRDs
        # (aks_platform/cluster_objects.py): none needs its CRD when Terraform plans.
        # The cluster stack's role assignments and their propagation wait (aks_platform/cluster_roles.py):
        # cdktf applies this stack only after that one, wait included, which is what covers the
        # namespaces, the Kueue chart and the ama-metrics ConfigMap; the CRD waits and the
        # cluster-objects releases also name it.
        after = []
        if access_ready is not None:
            ready = DataResource(self, "cluster_access", input={"role_assignments_propagated": access_ready})
            after.append(ready)
        self.objects = objects_applier(naming, settings, after=after)
        kaito = self._kaito(naming, settings)
        self._scrape_config(settings, kaito)
        routing = None
        routing_props = inference_routing_props(settings, self.objects, kaito.workspace) if kaito else None
        if routing_props is not None:
            self.forget(*ROUTING_MANIFESTS)
            routing = InferenceRouting(self, "inference-routing", routing_props)
        scheduling = None
        scheduling_props = gang_scheduling_props(settings, self.objects, kaito.namespace if kaito else None)
        if scheduling_props is not None:
            scheduling = GangScheduling(self, "gang-scheduling", scheduling_props)
            if kaito is not None:
                kaito.wait_for(scheduling.queues.release)
        self._endpoint_security(settings, kaito, routing, scheduling)
        dra = nvidia_dra_props(settings)
        if dra is not None:
            NvidiaDra(self, "dra", dra)
        self.pin_check()

    def _endpoint_security(
        self,
        settings: EnvironmentSettings,
        kaito: KaitoWorkspace | None,
        routing: InferenceRouting | None,
        scheduling: GangScheduling | None,
    ) -> None:
        """NetworkPolicies, certificate sync and Istio policies (aks_platform/endpoint.py): one release of
        charts/cluster-objects after the namespaces they live in and the CRDs they need."""
        namespaces: list[ITerraformDependable] = []
        if kaito is not None:
            namespaces.append(kaito.namespace)
        if routing is not None:
            namespaces += list(routing.namespaces.values())
        if scheduling is not None:
            namespaces += list(scheduling.namespaces)
        props = endpoint_security_props(settings, self.objects, namespaces)
        if props is not None:
            ClusterObjects(self, "endpoint-security", props)

    def _kaito(self, naming: Naming, settings: EnvironmentSettings) -> KaitoWorkspace | None:
        """The Workspace's release after the node guard (kept while the add-on is on, see
        aks_platform/kaito_lifecycle.py), or None when the workspace is off."""
        plan = kaito_plan(settings)
        guard_props = kaito_nodes_gone_props(naming, settings, plan)
        guard = KaitoNodesGone(self, "kaito-nodes", guard_props).guard if guard_props else None
        workspace = kaito_workspace_props(settings, self.objects, plan, guard)
        if workspace is None:
            return None
        self.forget(WORKSPACE_MANIFEST)
        return KaitoWorkspace(self, "kaito", workspace)

    def forget(self, *addresses: str) -> None:
        """`removed` blocks (Terraform 1.7+) that drop `addresses` from state, keeping the objects."""
        self._removed = [*getattr(self, "_removed", []), *addresses]
        self.add_override(
            "removed", [{"from": address, "lifecycle": {"destroy": False}} for address in self._removed]
        )

    def _scrape_config(self, settings: EnvironmentSettings, kaito: KaitoWorkspace | None) -> None:
        """What managed Prometheus scrapes beyond its defaults: the model server (where its runtime
        serves Prometheus metrics) and AKS's DCGM exporter (where a pool runs the managed GPU stack)."""
        metrics = inference_metrics_props(settings, self.objects, kaito.namespace) if kaito else None
        if metrics is not None:
            self.forget(*METRICS_MANIFESTS)
            ClusterObjects(self, "inference-metrics", metrics)
        gpu_metrics = gpu_metrics_props(settings)
        if gpu_metrics is not None:
            ScrapeConfig(self, "gpu-metrics", gpu_metrics)

    def _configure_providers(self, settings: EnvironmentSettings, cluster: AksCluster) -> None:
        host = cluster.api_host
        ca_certificate = Fn.base64decode(cluster.cluster_ca_certificate)
        if settings.cluster.local_account_disabled:
            # No local accounts: authenticate as the deploying Entra ID identity via kubelogin.
            KubernetesProvider(
                self,
                "kubernetes",
                host=host,
                cluster_ca_certificate=ca_certificate,
                exec=[
                    KubernetesProviderExec(
                        api_version=EXEC_API_VERSION, command="kubelogin", args=list(KUBELOGIN_ARGS)
                    )
                ],
            )
            HelmProvider(
                self,
                "helm",
                kubernetes=HelmProviderKubernetes(
                    host=host,
                    cluster_ca_certificate=ca_certificate,
                    exec=HelmProviderKubernetesExec(
                        api_version=EXEC_API_VERSION, command="kubelogin", args=list(KUBELOGIN_ARGS)
                    ),
                ),
            )
            return
        client_certificate = Fn.base64decode(cluster.client_certificate)
        client_key = Fn.base64decode(cluster.client_key)
        KubernetesProvider(
            self,
            "kubernetes",
            host=host,
            cluster_ca_certificate=ca_certificate,
            client_certificate=client_certificate,
            client_key=client_key,
        )
        HelmProvider(
            self,
            "helm",
            kubernetes=HelmProviderKubernetes(
                host=host,
                cluster_ca_certificate=ca_certificate,
                client_certificate=client_certificate,
                client_key=client_key,
            ),
        )
