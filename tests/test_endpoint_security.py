"""The inference endpoint: exposure, TLS, Entra ID tokens at the gateway, and who may reach the model."""

from __future__ import annotations

import copy
from typing import Any

import pytest
import schemas
import stack_objects
import yaml
from conftest import Stack, environment_settings
from notice_fixes import with_fix
from reachability import Pod, may_connect
from schemas import CRDS, REFERENCE_SKIP, reference_available

from aks_platform import endpoint, manifests
from aks_platform.settings import (
    EnvironmentSettings,
    GatewayAuthenticationSettings,
    GatewayTlsSettings,
    InferenceRoutingSettings,
)
from aks_platform.validation import check_environment

Manifest = dict[str, Any]
TENANT = "11111111-2222-3333-4444-555555555555"
TLS = GatewayTlsSettings(
    hostname="inference.example.com",
    key_vault_name="kv-inference",
    certificate_name="inference-tls",
    tenant_id=TENANT,
    client_id="66666666-7777-8888-9999-000000000000",
)
AUTH = GatewayAuthenticationSettings(
    issuer=f"https://login.microsoftonline.com/{TENANT}/v2.0", audiences=("api://inference",)
)


def applied(stack: Stack) -> list[Manifest]:
    """Every object the stack applies (kubernetes_manifest resources and charts/cluster-objects releases)."""
    return [item for _, item in stack_objects.applied(stack)]


def of_kind(objects: list[Manifest], kind: str) -> list[Manifest]:
    return [item for item in objects if item["kind"] == kind]


def with_routing(environment: str, **changes: Any) -> EnvironmentSettings:
    settings = environment_settings(environment)
    workloads = settings.workloads
    routing = workloads.inference_routing.model_copy(update=changes)
    return settings.model_copy(
        update={"workloads": workloads.model_copy(update={"inference_routing": routing})}
    )


# --- Exposure ---------------------------------------------------------------------------------------


def test_prod_gateway_is_internal_with_https_only(prod_workloads: Stack) -> None:
    objects = applied(prod_workloads)
    (gateway,) = of_kind(objects, "Gateway")
    annotations = gateway["spec"]["infrastructure"]["annotations"]
    # The annotation AKS documents for an internal load balancer (articles/aks/internal-lb.md).
    assert annotations == {"service.beta.kubernetes.io/azure-load-balancer-internal": "true"}
    listeners = {listener["name"]: listener for listener in gateway["spec"]["listeners"]}
    assert listeners["https"]["protocol"] == "HTTPS" and listeners["https"]["port"] == 443
    assert listeners["https"]["tls"]["mode"] == "Terminate"
    assert listeners["https"]["tls"]["certificateRefs"] == [
        {"kind": "Secret", "group": "", "name": "inference-gateway-tls"}
    ]
    # HTTP admits routes of the Gateway's own namespace only, where the one route redirects.
    assert listeners["http"]["allowedRoutes"]["namespaces"] == {"from": "Same"}
    routes = of_kind(objects, "HTTPRoute")
    on_http = [
        route
        for route in routes
        if any(parent.get("sectionName") == "http" for parent in route["spec"]["parentRefs"])
        or route["metadata"]["namespace"] == gateway["metadata"]["namespace"]
    ]
    assert len(on_http) == 1
    (redirect,) = on_http
    (rule,) = redirect["spec"]["rules"]
    assert "backendRefs" not in rule
    assert rule["filters"] == [
        {"type": "RequestRedirect", "requestRedirect": {"scheme": "https", "port": 443, "statusCode": 301}}
    ]
    model_route = next(route for route in routes if route is not redirect)
    assert [parent["sectionName"] for parent in model_route["spec"]["parentRefs"]] == ["https"]


def test_dev_gateway_is_public_http_as_main_tf_and_warned(dev_workloads: Stack) -> None:
    (gateway,) = of_kind(applied(dev_workloads), "Gateway")
    assert "infrastructure" not in gateway["spec"]
    assert [listener["protocol"] for listener in gateway["spec"]["listeners"]] == ["HTTP"]
    notices = {notice.key: notice for notice in endpoint.endpoint_notices(environment_settings("dev"))}
    warned = notices["workloads.inference_routing.insecure_public_http"]
    # Rendered as the file has it: a TOML boolean, not the string "true".
    assert "insecure_public_http = true: " in warned.render("environments/dev.toml")


def test_the_gateway_name_in_the_template_is_the_one_policies_target() -> None:
    settings = environment_settings("prod")
    objects = manifests.inference_routing(
        settings.workloads.inference_routing, settings.workloads.kaito_workspace
    )
    (gateway,) = of_kind(objects, "Gateway")
    assert gateway["metadata"]["name"] == endpoint.gateway_name()


@pytest.mark.parametrize(
    ("changes", "refused"),
    [
        ({"exposure": "public"}, True),
        ({"exposure": "public", "tls": TLS}, True),
        ({"exposure": "public", "authentication": AUTH}, True),
        (
            {"exposure": "public", "tls": TLS.model_copy(update={"enabled": False}), "authentication": AUTH},
            True,
        ),
        ({"exposure": "public", "tls": TLS, "authentication": AUTH}, False),
        ({"exposure": "public", "insecure_public_http": True}, False),
        ({"exposure": "internal"}, False),
    ],
)
def test_public_needs_tls_and_authentication(changes: dict[str, Any], refused: bool) -> None:
    settings = with_routing("prod", **{"tls": None, "authentication": None, **changes})
    problems = [
        problem for problem in check_environment("prod", settings) if problem.key.endswith("exposure")
    ]
    assert bool(problems) is refused


@pytest.mark.parametrize(
    "changes",
    [
        {"exposure": "internal", "insecure_public_http": True},
        {"exposure": "public", "insecure_public_http": True, "tls": TLS, "authentication": AUTH},
    ],
)
def test_insecure_public_http_only_where_it_means_something(changes: dict[str, Any]) -> None:
    problems = check_environment("prod", with_routing("prod", **changes))
    assert [problem.key for problem in problems] == ["workloads.inference_routing.insecure_public_http"]


def test_policies_without_an_engine_are_warned() -> None:
    prod = environment_settings("prod")
    assert not [
        notice for notice in endpoint.endpoint_notices(prod) if notice.key == "cluster.network.policy"
    ]
    cluster = prod.cluster.model_copy(
        update={"network": prod.cluster.network.model_copy(update={"policy": None})}
    )
    notices = endpoint.endpoint_notices(prod.model_copy(update={"cluster": cluster}))
    assert [notice.key for notice in notices] == ["cluster.network.policy"]


# --- TLS from Key Vault -----------------------------------------------------------------------------


def test_certificate_sync_keeps_a_pod_mounting_the_secret_provider_class(prod_workloads: Stack) -> None:
    objects = applied(prod_workloads)
    (spc,) = of_kind(objects, "SecretProviderClass")
    (deployment,) = of_kind(objects, "Deployment")
    (account,) = of_kind(objects, "ServiceAccount")
    (gateway,) = of_kind(objects, "Gateway")
    namespace = gateway["metadata"]["namespace"]
    # The Secret must be beside the Gateway: a certificateRef to another namespace needs a ReferenceGrant.
    assert {spc["metadata"]["namespace"], deployment["metadata"]["namespace"]} == {namespace}
    (synced,) = spc["spec"]["secretObjects"]
    assert synced["secretName"] == gateway["spec"]["listeners"][1]["tls"]["certificateRefs"][0]["name"]
    assert synced["type"] == "kubernetes.io/tls"
    assert sorted(item["key"] for item in synced["data"]) == ["tls.crt", "tls.key"]
    # Workload identity: the SecretProviderClass's clientID is the service account's client id.
    prod_tls = environment_settings("prod").workloads.inference_routing.tls
    assert spc["spec"]["parameters"]["clientID"] == prod_tls.client_id
    assert account["metadata"]["annotations"] == {"azure.workload.identity/client-id": prod_tls.client_id}
    # The objects' names match what the SecretProviderClass syncs from the mount.
    (item,) = yaml.safe_load(spc["spec"]["parameters"]["objects"])["array"]
    assert yaml.safe_load(item) == {"objectName": prod_tls.certificate_name, "objectType": "secret"}
    assert {item["objectName"] for item in synced["data"]} == {prod_tls.certificate_name}
    pod = deployment["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == account["metadata"]["name"]
    (volume,) = pod["volumes"]
    assert volume["csi"]["volumeAttributes"]["secretProviderClass"] == spc["metadata"]["name"]
    assert volume["csi"]["driver"] == "secrets-store.csi.k8s.io"
    assert deployment["spec"]["replicas"] >= 1


# --- Authentication at the gateway ------------------------------------------------------------------


def test_prod_requires_an_entra_token_at_the_gateway(prod_workloads: Stack) -> None:
    objects = applied(prod_workloads)
    (gateway,) = of_kind(objects, "Gateway")
    (request_auth,) = of_kind(objects, "RequestAuthentication")
    (policy,) = of_kind(objects, "AuthorizationPolicy")
    target = [{"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": gateway["metadata"]["name"]}]
    for item in (request_auth, policy):
        # Istio attaches a policy to a Gateway API gateway only in the Gateway's namespace.
        assert item["metadata"]["namespace"] == gateway["metadata"]["namespace"]
        assert item["spec"]["targetRefs"] == target
        assert "selector" not in item["spec"]
    auth = environment_settings("prod").workloads.inference_routing.authentication
    (rule,) = request_auth["spec"]["jwtRules"]
    assert rule["issuer"] == auth.issuer and rule["audiences"] == list(auth.audiences)
    assert (
        rule["jwksUri"]
        == "https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000/discovery/v2.0/keys"
    )
    assert policy["spec"]["action"] == "ALLOW"
    token_rule, redirect_rule = policy["spec"]["rules"]
    assert token_rule == {"from": [{"source": {"requestPrincipals": [f"{auth.issuer}/*"]}}]}
    # Without a token only plain HTTP, which only redirects, is let through.
    assert redirect_rule == {"to": [{"operation": {"ports": ["80"]}}]}


def test_groups_and_app_ids_narrow_the_callers() -> None:
    group, app = "aaaaaaaa-0000-0000-0000-000000000001", "bbbbbbbb-0000-0000-0000-000000000002"
    for issuer, claim in ((AUTH.issuer, "azp"), (f"https://sts.windows.net/{TENANT}/", "appid")):
        auth = AUTH.model_copy(
            update={"issuer": issuer, "allowed_groups": (group,), "allowed_app_ids": (app,)}
        )
        settings = with_routing("prod", authentication=auth, tls=None)
        (policy,) = of_kind(endpoint.endpoint_objects(settings), "AuthorizationPolicy")
        principals = {"from": [{"source": {"requestPrincipals": [f"{issuer}/*"]}}]}
        assert policy["spec"]["rules"] == [
            {**principals, "when": [{"key": "request.auth.claims[groups]", "values": [group]}]},
            {**principals, "when": [{"key": f"request.auth.claims[{claim}]", "values": [app]}]},
        ]


@pytest.mark.skipif(not reference_available(), reason=REFERENCE_SKIP)
def test_istio_policies_keep_the_crds_cel_rules(prod_workloads: Stack) -> None:
    """The CEL rules of Istio 1.30.3's CRDs that our objects touch, evaluated here by hand until the
    schema check evaluates CEL itself: the rule texts are asserted, so a changed rule fails."""
    crds = {
        document["spec"]["names"]["kind"]: document
        for document in yaml.safe_load_all((CRDS / "istio-1.30.3-crd-all.gen.yaml").read_text())
        if document
    }
    for item in of_kind(applied(prod_workloads), "RequestAuthentication") + of_kind(
        applied(prod_workloads), "AuthorizationPolicy"
    ):
        (served,) = [v for v in crds[item["kind"]]["spec"]["versions"] if v["name"] == "v1"]
        spec_schema = served["schema"]["openAPIV3Schema"]["properties"]["spec"]
        rules = [rule["rule"] for rule in spec_schema["x-kubernetes-validations"]]
        exclusive = (
            "(has(self.selector) ? 1 : 0) + (has(self.targetRef) ? 1 : 0) + (has(self.targetRefs) ? 1 : 0) "
            "<= 1"
        )
        assert exclusive in [" ".join(rule.split()) for rule in rules]
        spec = item["spec"]
        assert sum(key in spec for key in ("selector", "targetRef", "targetRefs")) <= 1
        namespace_rules = spec_schema["properties"]["targetRefs"]["items"]["properties"]["namespace"]
        assert [rule["rule"] for rule in namespace_rules["x-kubernetes-validations"]] == ["self.size() == 0"]
        assert all(not ref.get("namespace") for ref in spec["targetRefs"])
        if item["kind"] == "RequestAuthentication":
            jwks = spec_schema["properties"]["jwtRules"]["items"]["properties"]["jwksUri"]
            assert [rule["rule"] for rule in jwks["x-kubernetes-validations"]] == [
                'url(self).getScheme() in ["http", "https"]'
            ]
            assert all(rule["jwksUri"].startswith("https://") for rule in spec["jwtRules"])
            one_of = spec_schema["properties"]["jwtRules"]["items"]["x-kubernetes-validations"][0]["rule"]
            assert "has(self.jwksUri)" in one_of
            assert all(
                sum(key in rule for key in ("jwks", "jwksUri", "jwks_uri")) <= 1 for rule in spec["jwtRules"]
            )


# --- Who may reach the model ------------------------------------------------------------------------


def sources(settings: EnvironmentSettings) -> dict[str, Pod]:
    """A pod of every kind that could try: the gateway, its neighbours, the model's own namespace,
    the batch namespace, the system, and a pod elsewhere that copies the gateway's labels."""
    routing = settings.workloads.inference_routing
    label = endpoint.facts()["gateway"]["pod_name_label"]
    gateway_labels = {label: endpoint.gateway_name()}
    workspace = settings.workloads.kaito_workspace
    return {
        "gateway": Pod(routing.gateway_namespace, gateway_labels),
        "gateway-namespace-neighbour": Pod(
            routing.gateway_namespace, {"app.kubernetes.io/name": "inference-tls-sync"}
        ),
        "model-namespace-neighbour": Pod(workspace.namespace, {"app": "other"}),
        "other-model-pod": Pod(workspace.namespace, {"kaito.sh/workspace": workspace.name}),
        "batch-job": Pod(settings.workloads.gang_scheduling.batch_namespace, {"job-name": "train"}),
        "system": Pod("kube-system", {"k8s-app": "kube-dns"}),
        "impostor": Pod("default", gateway_labels),
        "metrics-scraper": Pod("kube-system", {"rsName": "ama-metrics"}),
        "scraper-impostor": Pod("default", {"rsName": "ama-metrics"}),
    }


def expected_callers(settings: EnvironmentSettings) -> set[str]:
    """The gateway, managed Prometheus's replica where it scrapes the model (its ServiceMonitor), and
    the workspace's other pods where the model is served across several nodes."""
    workspace = settings.workloads.kaito_workspace
    callers = {"gateway"}
    if settings.managed_prometheus.enabled and manifests.serves_prometheus(workspace):
        callers.add("metrics-scraper")
    if workspace.count > 1:
        callers.add("other-model-pod")
    return callers


def model_pod(settings: EnvironmentSettings) -> Pod:
    """A pod of the KAITO workspace: what the gateway's traffic is for."""
    workspace = settings.workloads.kaito_workspace
    return Pod(workspace.namespace, {"kaito.sh/workspace": workspace.name})


def network_policies(environment: str, dev_workloads: Stack, prod_workloads: Stack) -> list[Manifest]:
    """The NetworkPolicies the environment's workloads stack applies."""
    return of_kind(applied(dev_workloads if environment == "dev" else prod_workloads), "NetworkPolicy")


def who_reaches_the_model(settings: EnvironmentSettings, policies: list[Manifest]) -> set[str]:
    """The sources that may open a connection to the model's port."""
    model = model_pod(settings)
    port = manifests.kaito_facts()["inference_port"]
    return {name for name, pod in sources(settings).items() if may_connect(policies, pod, model, port)}


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_only_the_gateway_reaches_the_model(
    environment: str, dev_workloads: Stack, prod_workloads: Stack
) -> None:
    settings = environment_settings(environment)
    policies = network_policies(environment, dev_workloads, prod_workloads)
    assert who_reaches_the_model(settings, policies) == expected_callers(settings)
    # And those only on the model's port.
    for caller in expected_callers(settings):
        assert not may_connect(policies, sources(settings)[caller], model_pod(settings), 22)


def test_prod_lets_the_metrics_scraper_in_and_dev_does_not() -> None:
    assert expected_callers(environment_settings("prod")) == {"gateway", "metrics-scraper"}
    assert expected_callers(environment_settings("dev")) == {"gateway"}


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_the_batch_namespace_admits_nobody(
    environment: str, dev_workloads: Stack, prod_workloads: Stack
) -> None:
    settings = environment_settings(environment)
    policies = network_policies(environment, dev_workloads, prod_workloads)
    job = Pod(settings.workloads.gang_scheduling.batch_namespace, {"job-name": "train"})
    assert not any(may_connect(policies, pod, job, 8080) for pod in sources(settings).values())


def test_the_reachability_check_fails_on_a_permissive_policy(prod_workloads: Stack) -> None:
    settings = environment_settings("prod")
    policies = of_kind(applied(prod_workloads), "NetworkPolicy")
    assert who_reaches_the_model(settings, []) == set(sources(settings))
    wide = copy.deepcopy(next(p for p in policies if p["metadata"]["name"] == "allow-gateway-to-model"))
    wide["metadata"]["name"] = "allow-everything"
    wide["spec"]["ingress"] = [{"from": [{"namespaceSelector": {}}]}]
    assert "impostor" in who_reaches_the_model(settings, [*policies, wide])
    same_namespace = copy.deepcopy(wide)
    same_namespace["spec"]["ingress"] = [{"from": [{"podSelector": {}}]}]
    assert who_reaches_the_model(settings, [*policies, same_namespace]) == {
        "gateway",
        "metrics-scraper",
        "model-namespace-neighbour",
        "other-model-pod",
    }


def test_network_policies_exist_in_every_environment(dev_workloads: Stack, prod_workloads: Stack) -> None:
    for environment, stack in (("dev", dev_workloads), ("prod", prod_workloads)):
        settings = environment_settings(environment)
        names = {
            (policy["metadata"]["namespace"], policy["metadata"]["name"])
            for policy in of_kind(applied(stack), "NetworkPolicy")
        }
        workspace = settings.workloads.kaito_workspace.namespace
        scraper = (
            {(workspace, "allow-metrics-scraper")}
            if "metrics-scraper" in expected_callers(settings)
            else set()
        )
        assert (
            names
            == {
                (workspace, "default-deny-ingress"),
                (workspace, "allow-gateway-to-model"),
                (settings.workloads.gang_scheduling.batch_namespace, "default-deny-ingress"),
            }
            | scraper
        )


def test_routing_defaults_are_safe() -> None:
    routing = InferenceRoutingSettings()
    assert routing.exposure == "internal" and not routing.insecure_public_http


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_every_endpoint_notice_fix_clears_it_and_stays_valid(environment: str) -> None:
    """Each printed fix, written into the environment's file, passes validation and silences its notice."""
    import tomllib

    from aks_platform.environments import ENVIRONMENTS_DIR
    from aks_platform.settings import EnvironmentSettings as Model

    document = tomllib.loads((ENVIRONMENTS_DIR / f"{environment}.toml").read_text())
    for notice in endpoint.endpoint_notices(environment_settings(environment)):
        assert notice.fixes, notice
        for fix in notice.fixes:
            settings = Model.model_validate(with_fix(document, fix))
            assert check_environment(environment, settings) == [], fix
            assert notice.key not in [n.key for n in endpoint.endpoint_notices(settings)], fix


def test_tls_needs_the_secrets_provider_and_workload_identity() -> None:
    settings = environment_settings("prod")
    cluster = settings.cluster.model_copy(
        update={"key_vault_secrets_provider": None, "workload_identity_enabled": False}
    )
    problems = check_environment("prod", settings.model_copy(update={"cluster": cluster}))
    messages = [p.message for p in problems if p.key == "workloads.inference_routing.tls.enabled"]
    assert len(messages) == 2
    assert "[cluster.key_vault_secrets_provider]" in messages[0]
    assert "workload_identity_enabled" in messages[1]


def _served_on_two_nodes(environment: str) -> EnvironmentSettings:
    settings = environment_settings(environment)
    workloads = settings.workloads
    workspace = workloads.kaito_workspace.model_copy(update={"count": 2})
    return settings.model_copy(
        update={"workloads": workloads.model_copy(update={"kaito_workspace": workspace})}
    )


@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_a_model_on_several_nodes_lets_its_own_pods_talk_and_nothing_else(environment: str) -> None:
    """With count > 1 the workspace's pods form one server (KAITO's multi-node presets run Ray between
    them, head on 6379): they admit each other on every port; every other source stays as before."""
    settings = _served_on_two_nodes(environment)
    policies = endpoint.network_policies(settings)
    assert "allow-workspace-peers" in [policy["metadata"]["name"] for policy in policies]
    assert who_reaches_the_model(settings, policies) == expected_callers(settings)
    assert "other-model-pod" in expected_callers(settings)
    peer, model = sources(settings)["other-model-pod"], model_pod(settings)
    assert may_connect(policies, peer, model, 6379)
    for outsider in ("model-namespace-neighbour", "batch-job", "impostor"):
        assert not may_connect(policies, sources(settings)[outsider], model, 6379), outsider
    # One node: no such policy, and the model's port stays the gateway's (and the scraper's).
    single = endpoint.network_policies(environment_settings(environment))
    assert "allow-workspace-peers" not in [policy["metadata"]["name"] for policy in single]
    assert not may_connect(single, peer, model, 6379)


def test_the_workspace_peers_policy_is_a_valid_network_policy() -> None:
    settings = _served_on_two_nodes("prod")
    policies = endpoint.network_policies(settings)
    (peers,) = [policy for policy in policies if policy["metadata"]["name"] == "allow-workspace-peers"]
    assert schemas.core_errors(peers, "1.36") == []

