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

from aks_platform import kaito_lifecycle, manifests
from aks_platform.addresses import PinnedStack
from aks_platform.cluster_access import KUBELOGIN_ARGS
from aks_platform.cluster_objects import REPOSITORY_FROM_STACK, ObjectsApplier
from aks_platform.endpoint import endpoint_objects
from aks_platform.kueue_values import kueue_values
from aks_platform.naming import Naming
from aks_platform.queues import kueue_objects
from aks_platform.settings import EnvironmentSettings
from aks_platform.terraform_settings import configure_backend, spell_out_provider_sources
from aks_platform.validation import gpu_taint_key
from constructs import Construct
from constructs.aks_cluster import AksCluster
from constructs.gang_scheduling import GangScheduling, GangSchedulingProps
from constructs.inference_routing import InferenceRouting, InferenceRoutingProps
from constructs.kaito_workspace import KaitoNodesGone, KaitoWorkspace, KaitoWorkspaceProps, NodesGoneProps
from constructs.nvidia_dra import NvidiaDra, NvidiaDraProps
from constructs.scrape_config import ScrapeConfig, ScrapeConfigProps

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
    """KAITO workspace, inference routing, Kueue and (on GPU pools) the NVIDIA DRA driver."""

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

        workloads = settings.workloads
        # Custom resources go through charts/cluster-objects after a wait for their CRDs
        # (aks_platform/cluster_objects.py): none needs its CRD when Terraform plans.
        # The cluster stack's role assignments and their propagation wait (aks_platform/cluster_roles.py):
        # cdktf applies this stack only after that one, wait included; the CRD waits, the first
        # calls to the Kubernetes API, name it as well.
        after = []
        if access_ready is not None:
            ready = DataResource(self, "cluster_access", input={"role_assignments_propagated": access_ready})
            after.append(ready)
        self.objects = ObjectsApplier(
            cluster_name=naming.cluster,
            auth="entra" if settings.cluster.local_account_disabled else "local",
            after=tuple(after),
        )
        kaito = self._kaito(naming, settings)
        self._scrape_config(settings, kaito)
        routing = None
        if workloads.inference_routing.enabled and kaito is not None:
            self.forget(*ROUTING_MANIFESTS)
            routing = InferenceRouting(
                self,
                "inference-routing",
                InferenceRoutingProps(
                    objects=self.objects.props(
                        manifests.inference_routing(workloads.inference_routing, workloads.kaito_workspace),
                        namespace=workloads.kaito_workspace.namespace,
                        release_name="inference-routing",
                        adopt_existing=True,
                        depends_on=[kaito.workspace],
                    ),
                    namespaces=[workloads.inference_routing.gateway_namespace],
                ),
            )
        scheduling = None
        if workloads.gang_scheduling.enabled:
            objects = kueue_objects(settings)
            existing = {workloads.kaito_workspace.namespace} if kaito else set()
            kueue_chart = manifests.pinned_chart("kueue")
            scheduling = GangScheduling(
                self,
                "gang-scheduling",
                GangSchedulingProps(
                    kueue_chart=kueue_chart,
                    kueue_values=kueue_values(settings),
                    queues=self.objects.props(
                        objects, namespace=str(kueue_chart["namespace"]), release_name="kueue-queues"
                    ),
                    namespaces=sorted(
                        {item["metadata"]["namespace"] for item in objects if item["kind"] == "LocalQueue"}
                        - existing
                    ),
                    # The workspace's LocalQueue lives in the workspace's namespace.
                    depends_on=[kaito.namespace] if kaito else [],
                ),
            )
            if kaito is not None:
                kaito.wait_for(scheduling.queues.release)
        self._endpoint_security(settings, kaito, routing, scheduling)
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
                    # Validation allows DRA only on such a pool; the chart cannot see it for itself.
                    no_device_plugin=pool.gpu_driver == "None" and pool.gpu_management != "Managed",
                    # The Kubernetes floor (1.34) serves resource.k8s.io/v1: no guess from the cluster.
                    resource_api_version="resource.k8s.io/v1",
                ),
            )
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
        objects = endpoint_objects(settings)
        if not objects:
            return
        namespaces: list[ITerraformDependable] = []
        if kaito is not None:
            namespaces.append(kaito.namespace)
        if routing is not None:
            namespaces += list(routing.namespaces.values())
        if scheduling is not None:
            namespaces += list(scheduling.namespaces)
        self.objects.apply(
            self,
            "endpoint-security",
            objects,
            namespace=objects[0]["metadata"]["namespace"],
            depends_on=namespaces,
        )

    def _kaito(self, naming: Naming, settings: EnvironmentSettings) -> KaitoWorkspace | None:
        """The Workspace's release after the node guard (kept while the add-on is on, see
        aks_platform/kaito_lifecycle.py), or None when the workspace is off."""
        spec = settings.workloads.kaito_workspace
        workspace = manifests.kaito_workspace(spec) if spec.enabled else None
        release = kaito_lifecycle.release_name(workspace) if workspace else ""
        guard = None
        if settings.cluster.kaito_enabled:
            guard = KaitoNodesGone(
                self,
                "kaito-nodes",
                NodesGoneProps(
                    command=kaito_lifecycle.NODES_GONE_COMMAND,
                    input={
                        "cluster": naming.cluster,
                        "namespace": spec.namespace if workspace else "",
                        "workspace": workspace["metadata"]["name"] if workspace else "",
                        "release": release,
                    },
                    environment=kaito_lifecycle.NODES_GONE_ENVIRONMENT,
                    working_dir=REPOSITORY_FROM_STACK,
                ),
            ).guard
        if workspace is None:
            return None
        self.forget(WORKSPACE_MANIFEST)
        return KaitoWorkspace(
            self,
            "kaito",
            KaitoWorkspaceProps(
                namespace=spec.namespace,
                release=self.objects.props(
                    [workspace],
                    namespace=spec.namespace,
                    release_name=release,
                    # Adopts a Workspace an earlier kubernetes_manifest created; on delete, Helm
                    # waits while KAITO's finalizer removes its nodes' claims.
                    adopt_existing=True,
                    timeout=kaito_lifecycle.RELEASE_TIMEOUT,
                    depends_on=[guard] if guard else [],
                ),
            ),
        )

    def forget(self, *addresses: str) -> None:
        """`removed` blocks (Terraform 1.7+) that drop `addresses` from state, keeping the objects."""
        self._removed = [*getattr(self, "_removed", []), *addresses]
        self.add_override(
            "removed", [{"from": address, "lifecycle": {"destroy": False}} for address in self._removed]
        )

    def _scrape_config(self, settings: EnvironmentSettings, kaito: KaitoWorkspace | None) -> None:
        """What managed Prometheus scrapes beyond its defaults: the model server (where its runtime
        serves Prometheus metrics) and AKS's DCGM exporter (where a pool runs the managed GPU stack)."""
        if not settings.managed_prometheus.enabled:
            return
        workspace = settings.workloads.kaito_workspace
        if kaito is not None and manifests.serves_prometheus(workspace):
            # A ServiceMonitor's CRD comes from the metrics add-on: through charts/cluster-objects.
            self.forget(*METRICS_MANIFESTS)
            self.objects.apply(
                self,
                "inference-metrics",
                manifests.inference_metrics(workspace),
                namespace=workspace.namespace,
                adopt_existing=True,
                depends_on=[kaito.namespace],
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
                        api_version=EXEC_API_VERSION, command="kubelogin", args=list(KUBELOGIN_ARGS)
                    )
                ],
                **connection,
            )
            HelmProvider(
                self,
                "helm",
                kubernetes=HelmProviderKubernetes(
                    exec=HelmProviderKubernetesExec(
                        api_version=EXEC_API_VERSION, command="kubelogin", args=list(KUBELOGIN_ARGS)
                    ),
                    **connection,
                ),
            )
            return
        connection["client_certificate"] = Fn.base64decode(cluster.client_certificate)
        connection["client_key"] = Fn.base64decode(cluster.client_key)
        KubernetesProvider(self, "kubernetes", **connection)
        HelmProvider(self, "helm", kubernetes=HelmProviderKubernetes(**connection))
