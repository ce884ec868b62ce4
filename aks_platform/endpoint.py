"""The inference endpoint's protection: exposure, TLS from Key Vault, Entra ID tokens, network policies.

Objects are rendered from templates/ (manifests.render) with the facts of data/endpoint-security.toml:
- `secure_routing` turns the routing objects of templates/inference-routing.yaml into what the
  settings ask: an internal load balancer (the Gateway's spec.infrastructure.annotations), HTTPS
  with HTTP only redirecting (templates/inference-gateway-https.yaml), the route on the HTTPS listener.
- `endpoint_objects` adds the certificate sync (templates/endpoint-tls.yaml), the Istio policies
  (templates/endpoint-authentication.yaml) and the NetworkPolicies around the model.
- `endpoint_notices` warns about what stays open; a public endpoint without TLS and
  authentication is refused in aks_platform.settings.routing (endpoint_problems).
docs/endpoint-security.md explains the design and what only a real cluster can confirm.
"""

from __future__ import annotations

import copy
import functools
import tomllib
from typing import Any

from aks_platform import manifests
from aks_platform.paths import DATA
from aks_platform.settings import EnvironmentSettings, InferenceRoutingSettings, KaitoWorkspaceSettings
from aks_platform.settings.routing import (
    ENTRA_ISSUER,
    KEY,
    authentication_on,
    missing_protection,
    tls_on,
)
from aks_platform.settings.workloads import NO_BATCH_POOL
from aks_platform.versions import Notice

FACTS_FILE = DATA / "endpoint-security.toml"
Manifest = dict[str, Any]


@functools.cache
def facts() -> dict[str, Any]:
    """Annotation, labels, ports, image and claim names with their sources (data/endpoint-security.toml)."""
    return tomllib.loads(FACTS_FILE.read_text(encoding="utf-8"))


def gateway_name() -> str:
    return facts()["gateway"]["name"]


def tls_secret_name() -> str:
    return f"{gateway_name()}-tls"


def secure_routing(
    objects: list[Manifest], routing: InferenceRoutingSettings, workspace: KaitoWorkspaceSettings
) -> list[Manifest]:
    """The routing objects with the exposure and TLS the settings ask for (the input is not changed)."""
    gateway_facts = facts()["gateway"]
    result = copy.deepcopy(objects)
    for index, item in enumerate(result):
        if item["kind"] != "Gateway":
            continue
        if tls_on(routing):
            assert routing.tls is not None
            item = result[index] = manifests.render_one(
                "inference-gateway-https.yaml",
                name=item["metadata"]["name"],
                gateway_namespace=routing.gateway_namespace,
                gateway_class=routing.gateway_class,
                namespace=workspace.namespace,
                hostname=routing.tls.hostname,
                tls_secret=tls_secret_name(),
                http_port=gateway_facts["http_port"],
                https_port=gateway_facts["https_port"],
            )
        if routing.exposure == "internal":
            infrastructure = item["spec"].setdefault("infrastructure", {})
            infrastructure.setdefault("annotations", {})[gateway_facts["internal_annotation"]] = "true"
    if tls_on(routing):
        assert routing.tls is not None
        for item in result:
            if item["kind"] == "HTTPRoute":
                # The model is reached over HTTPS only; the HTTP listener carries only the redirect.
                for parent in item["spec"]["parentRefs"]:
                    parent["sectionName"] = "https"
                item["spec"]["hostnames"] = [routing.tls.hostname]
    return result


def endpoint_objects(settings: EnvironmentSettings) -> list[Manifest]:
    """Certificate sync, Istio policies and NetworkPolicies of an environment (valid settings assumed)."""
    workloads = settings.workloads
    if not workloads.enabled:
        return []
    routing = workloads.inference_routing
    workspace = workloads.kaito_workspace
    objects: list[Manifest] = []
    routed = routing.enabled and workspace.enabled
    if routed and tls_on(routing):
        objects += _tls_objects(routing)
    if routed and authentication_on(routing):
        objects += _authentication_objects(routing)
    return objects + network_policies(settings)


def network_policies(settings: EnvironmentSettings) -> list[Manifest]:
    """Default-deny ingress in the workspace's and the batch namespace; the gateway-to-model allow, the
    metrics scraper's where managed Prometheus scrapes the model, and the workspace's pods to each
    other where the model is served across several nodes."""
    workloads = settings.workloads
    routing = workloads.inference_routing
    workspace = workloads.kaito_workspace
    policies: list[Manifest] = []
    if workspace.enabled:
        policies.append(manifests.render_one("default-deny-ingress.yaml", namespace=workspace.namespace))
        if routing.enabled:
            policies.append(
                manifests.render_one(
                    "allow-gateway-to-model.yaml",
                    namespace=workspace.namespace,
                    workspace=workspace.name,
                    port=manifests.kaito_facts()["inference_port"],
                    gateway_namespace=routing.gateway_namespace,
                    gateway_label=facts()["gateway"]["pod_name_label"],
                    gateway_name=gateway_name(),
                )
            )
        if workspace.count > 1:
            policies.append(
                manifests.render_one(
                    "allow-workspace-peers.yaml", namespace=workspace.namespace, workspace=workspace.name
                )
            )
        if settings.managed_prometheus.enabled and manifests.serves_prometheus(workspace):
            # The model's ServiceMonitor (manifests.inference_metrics) is scraped on the inference port.
            scraper = facts()["metrics_scraper"]
            policies.append(
                manifests.render_one(
                    "allow-metrics-scraper.yaml",
                    namespace=workspace.namespace,
                    workspace=workspace.name,
                    port=manifests.kaito_facts()["inference_port"],
                    scraper_namespace=scraper["namespace"],
                    scraper_label=scraper["label"],
                    scraper_value=scraper["value"],
                )
            )

    scheduling = workloads.gang_scheduling
    if scheduling.enabled and scheduling.batch_pool != NO_BATCH_POOL:
        policies.append(
            manifests.render_one("default-deny-ingress.yaml", namespace=scheduling.batch_namespace)
        )
    return policies


def _tls_objects(routing: InferenceRoutingSettings) -> list[Manifest]:
    tls = routing.tls
    assert tls is not None
    tls_facts = facts()["tls"]
    return manifests.render(
        "endpoint-tls.yaml",
        gateway_namespace=routing.gateway_namespace,
        name=gateway_name(),
        tls_secret=tls_secret_name(),
        key_vault_name=tls.key_vault_name,
        certificate_name=tls.certificate_name,
        tenant_id=tls.tenant_id,
        client_id=tls.client_id,
        service_account=tls_facts["service_account"],
        image=tls_facts["sync_image"],
        hostname=tls.hostname,
        https_port=facts()["gateway"]["https_port"],
        api_version=tls_facts["secret_provider_class_api"],
        csi_driver=tls_facts["csi_driver"],
        wi_annotation=tls_facts["workload_identity_annotation"],
        wi_label=tls_facts["workload_identity_label"],
    )


def token_version(issuer: str) -> str:
    """ "v2" for a v2.0 issuer, "v1" for a v1.0 one (the issuer's form is checked on the model)."""
    found = ENTRA_ISSUER.match(issuer)
    assert found is not None
    return "v2" if found["v2"] else "v1"


def tenant_of(issuer: str) -> str:
    found = ENTRA_ISSUER.match(issuer)
    assert found is not None
    return found["v2"] or found["v1"]


def _authentication_objects(routing: InferenceRoutingSettings) -> list[Manifest]:
    auth = routing.authentication
    assert auth is not None
    auth_facts = facts()["authentication"]
    request_authentication, policy = manifests.render(
        "endpoint-authentication.yaml",
        name=gateway_name(),
        gateway_namespace=routing.gateway_namespace,
        issuer=auth.issuer,
        jwks_uri=auth_facts["jwks_uri"].format(tenant=tenant_of(auth.issuer)),
    )
    request_authentication["spec"]["jwtRules"][0]["audiences"] = list(auth.audiences)
    # requestPrincipals are "<iss>/<sub>": this issuer's tokens, any subject.
    source = {"from": [{"source": {"requestPrincipals": [f"{auth.issuer}/*"]}}]}
    conditions = []
    if auth.allowed_groups:
        conditions.append(
            {"key": f"request.auth.claims[{auth_facts['groups_claim']}]", "values": list(auth.allowed_groups)}
        )
    if auth.allowed_app_ids:
        claim = auth_facts["app_id_claim"][token_version(auth.issuer)]
        conditions.append({"key": f"request.auth.claims[{claim}]", "values": list(auth.allowed_app_ids)})
    # Rules of an ALLOW policy are alternatives: a named group or a named application.
    rules = [{**source, "when": [condition]} for condition in conditions] or [source]
    if tls_on(routing):
        # Plain HTTP only redirects to HTTPS (templates/endpoint-tls.yaml): a caller without a token
        # must get the redirect, not a 403, and no route on that port reaches the model.
        rules.append({"to": [{"operation": {"ports": [str(facts()["gateway"]["http_port"])]}}]})
    policy["spec"]["rules"] = rules
    return [request_authentication, policy]


def endpoint_notices(settings: EnvironmentSettings) -> list[Notice]:
    """Warnings: a public endpoint left open on purpose, and policies no engine enforces."""
    workloads = settings.workloads
    routing = workloads.inference_routing
    notices: list[Notice] = []
    if not workloads.enabled:
        return notices
    if routing.enabled and routing.exposure == "public" and routing.insecure_public_http:
        missing = missing_protection(routing)
        notices.append(
            Notice(
                f"{KEY}.insecure_public_http",
                True,
                f"the model is reachable from the internet without {' and '.join(missing)}: anyone can send "
                "it prompts",
                fixes=(((f"{KEY}.exposure", "internal"), (f"{KEY}.insecure_public_http", False)),),
                retired=False,
                advice=f"add [{KEY}.tls] and [{KEY}.authentication] and remove insecure_public_http",
            )
        )
    network = settings.cluster.network
    if network_policies(settings) and (network is None or network.policy is None):
        notices.append(
            Notice(
                "cluster.network.policy",
                "none",
                "no network policy engine: the NetworkPolicies around the model are applied but not enforced",
                # [cluster.network]'s defaults are Azure CNI overlay with the Cilium data plane.
                fixes=((("cluster.network.policy", "cilium"),),),
                retired=False,
            )
        )
    return notices
