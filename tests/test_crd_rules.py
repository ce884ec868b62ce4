"""The CEL rules and list keys of the CRDs, evaluated on what we emit, and refusing what they refuse.

Each negative case mutates an object the stacks really emit and expects the upstream rule's own
message (copied from the CRD at the tag ../shared/reference/README.md names). The machinery's
own cases (messageExpression, fieldPath, escaping, Go's URL parser) are in test_cel_machinery.py.
"""

from __future__ import annotations

import copy
from typing import Any

import crd_rules
import kube_cel
import pytest
from conftest import resources
from schemas import CRDS, REFERENCE_SKIP, checked, crd_errors, crd_schema, reference_available
from test_manifest_schemas import applied_objects, cluster_minor, crd_files

from aks_platform import yaml_text

needs_reference = pytest.mark.skipif(not reference_available(), reason=REFERENCE_SKIP)
Manifest = dict[str, Any]
KUEUE_VERSIONS = ("0.16.1", "0.19.2")
# The route to the model (prod also has the HTTP-to-HTTPS redirect route: docs/endpoint-security.md).
MODEL_ROUTE = "smollm2-workspace-route"


def rules_of(schema: Any) -> list[dict[str, Any]]:
    if isinstance(schema, list):
        return [rule for item in schema for rule in rules_of(item)]
    if not isinstance(schema, dict):
        return []
    own = list(schema.get("x-kubernetes-validations") or [])
    return own + [rule for value in schema.values() for rule in rules_of(value)]


def refusals(manifest: Manifest, minor: str) -> list[str]:
    return [problem for name in crd_files(manifest, minor) for problem in crd_errors(manifest, name)]


def emitted(stacks: tuple[Any, Any], kind: str, name: str | None = None) -> tuple[Manifest, str]:
    cluster, workloads = stacks
    for item in applied_objects(workloads):
        if item["kind"] == kind and name in (None, item["metadata"]["name"]):
            return copy.deepcopy(item), cluster_minor(cluster)
    raise LookupError(f"no {kind} {name or ''} emitted")


# --- every rule, every object ---------------------------------------------------------------


@needs_reference
def test_every_rule_of_every_reference_crd_compiles_in_our_environment() -> None:
    """A function our environment lacks fails here, for every CRD, before any object needs it."""
    per_file: dict[str, int] = {}
    for path in sorted(CRDS.glob("*.yaml")):
        per_file[path.name] = 0
        for document in yaml_text.load_all(path.read_text()):
            for version in (document or {}).get("spec", {}).get("versions", []):
                for rule in rules_of(version["schema"]["openAPIV3Schema"]):
                    expression = kube_cel.compiled(rule["rule"])
                    assert expression is not None or "oldSelf" in rule["rule"], rule
                    if "messageExpression" in rule:
                        assert kube_cel.compiled(rule["messageExpression"]) is not None
                    per_file[path.name] += 1
    # KAITO's Workspace checks are in its webhook, not its CRD; every other reference CRD has rules.
    assert {name for name, count in per_file.items() if count == 0} == {
        name for name in per_file if name.startswith("kaito-")
    }
    assert sum(per_file.values()) > 900


@needs_reference
@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_rules_run_on_every_custom_resource_we_emit(environment: str, dev_stacks, prod_stacks) -> None:
    cluster, workloads = dev_stacks if environment == "dev" else prod_stacks
    minor = cluster_minor(cluster)
    evaluated: dict[str, int] = {}
    for item in applied_objects(workloads):
        try:
            files = crd_files(item, minor)
        except LookupError:
            continue  # a core type: kubernetes-validate checks it
        for name in files:
            schema = crd_schema(name, item["kind"], item["apiVersion"].split("/")[-1])
            result = checked(item, schema)
            assert result.errors == []
            assert all("oldSelf" in skipped for skipped in result.transition_skipped)
            if any("oldSelf" not in rule["rule"] for rule in rules_of(schema)):
                assert result.evaluated > 0, f"no rule of {name} ran on {item['kind']}"
            evaluated[name] = evaluated.get(name, 0) + result.evaluated
    kinds = {name.rsplit("-", 1)[-1] for name in evaluated}
    assert {"gateways.yaml", "httproutes.yaml", "clusterqueues.yaml", "resourceflavors.yaml"} <= kinds
    assert sum(evaluated.values()) > 40


# --- Gateway API -----------------------------------------------------------------------------


@needs_reference
@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_route_path_without_leading_slash_is_refused(environment: str, dev_stacks, prod_stacks) -> None:
    route, minor = emitted(dev_stacks if environment == "dev" else prod_stacks, "HTTPRoute", MODEL_ROUTE)
    route["spec"]["rules"][1]["matches"][0]["path"]["value"] = "v1/completions"
    assert any(
        "value must be an absolute path and start with '/' when type one of ['Exact', 'PathPrefix']" in p
        for p in refusals(route, minor)
    )


@needs_reference
@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_service_backend_without_port_is_refused(environment: str, dev_stacks, prod_stacks) -> None:
    """Passes only with defaults applied: group and kind are absent in our route."""
    route, minor = emitted(dev_stacks if environment == "dev" else prod_stacks, "HTTPRoute", MODEL_ROUTE)
    del route["spec"]["rules"][0]["backendRefs"][0]["port"]
    problems = refusals(route, minor)
    assert problems == [
        f"HTTPRoute {route['metadata']['name']}: spec.rules[0].backendRefs[0]: Invalid value: "
        "Must have port for Service reference"
    ]


@needs_reference
def test_route_timeouts_are_compared_as_durations(prod_stacks) -> None:
    route, minor = emitted(prod_stacks, "HTTPRoute", MODEL_ROUTE)
    route["spec"]["rules"][1]["timeouts"] = {"request": "10s", "backendRequest": "1m"}
    assert any(
        "backendRequest timeout cannot be longer than request timeout" in p for p in refusals(route, minor)
    )
    route["spec"]["rules"][1]["timeouts"] = {"request": "1m", "backendRequest": "10s"}
    assert refusals(route, minor) == []


@needs_reference
def test_parent_refs_are_told_apart_by_their_escaped_namespace(prod_stacks) -> None:
    """The rule reads `__namespace__`: two refs to one name differ only by namespace."""
    route, minor = emitted(prod_stacks, "HTTPRoute", MODEL_ROUTE)
    # Without its sectionName (prod's route names the https listener): the rule is about refs lacking one.
    first = {key: value for key, value in route["spec"]["parentRefs"][0].items() if key != "sectionName"}
    route["spec"]["parentRefs"] = [
        {**first, "namespace": "a"},
        {**first, "namespace": "b", "sectionName": "http"},
    ]
    assert refusals(route, minor) == []
    route["spec"]["parentRefs"][1]["namespace"] = "a"
    assert any(
        "sectionName must be specified when parentRefs includes 2" in p for p in refusals(route, minor)
    )


@needs_reference
@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_listeners_sharing_port_protocol_and_hostname_are_refused(
    environment, dev_stacks, prod_stacks
) -> None:
    gateway, minor = emitted(dev_stacks if environment == "dev" else prod_stacks, "Gateway")
    listener = gateway["spec"]["listeners"][0]
    gateway["spec"]["listeners"].append({**listener, "name": "second"})
    assert any(
        "Combination of port, protocol and hostname must be unique for each listener" in p
        for p in refusals(gateway, minor)
    )
    gateway["spec"]["listeners"][-1]["hostname"] = "models.example.com"
    assert refusals(gateway, minor) == []


@needs_reference
@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_listener_names_are_list_map_keys(environment: str, dev_stacks, prod_stacks) -> None:
    gateway, minor = emitted(dev_stacks if environment == "dev" else prod_stacks, "Gateway")
    listener = gateway["spec"]["listeners"][0]
    gateway["spec"]["listeners"].append({**listener, "port": 8080})
    problems = refusals(gateway, minor)
    appended = len(gateway["spec"]["listeners"]) - 1
    duplicate = f'Duplicate value: {{"name": "{listener["name"]}"}}'
    assert f"Gateway inference-gateway: spec.listeners[{appended}]: {duplicate}" in problems
    assert any("Listener name must be unique within the Gateway" in p for p in problems)


@needs_reference
@pytest.mark.parametrize("environment", ["dev", "prod"])
def test_tls_on_an_http_listener_is_refused(environment: str, dev_stacks, prod_stacks) -> None:
    gateway, minor = emitted(dev_stacks if environment == "dev" else prod_stacks, "Gateway")
    gateway["spec"]["listeners"][0]["tls"] = {"certificateRefs": [{"name": "inference-tls"}]}
    assert any(
        "tls must not be specified for protocols ['HTTP', 'TCP', 'UDP']" in p
        for p in refusals(gateway, minor)
    )
    # A port no other listener has (prod's Gateway already listens for HTTPS on 443).
    gateway["spec"]["listeners"][0].update(protocol="HTTPS", port=8443)
    assert refusals(gateway, minor) == []


# --- Kueue -----------------------------------------------------------------------------------


def kueue(manifest: Manifest, version: str) -> list[str]:
    plural = manifest["kind"].lower() + "s"
    return crd_errors(manifest, f"kueue-v{version}-{plural}.yaml")


@needs_reference
@pytest.mark.parametrize("version", KUEUE_VERSIONS)
def test_toleration_exists_with_a_value_is_refused(version: str, prod_stacks) -> None:
    """KAITO's Workspace CRD has no CEL rules; Kueue's ResourceFlavor checks its tolerations."""
    flavor, _ = emitted(prod_stacks, "ResourceFlavor", "gpunp")
    assert kueue(flavor, version) == []
    flavor["spec"]["tolerations"][0]["operator"] = "Exists"
    assert kueue(flavor, version) == [
        "ResourceFlavor gpunp: spec.tolerations: Invalid value: "
        "a value must be empty when 'operator' is 'Exists'"
    ]


@needs_reference
@pytest.mark.parametrize("version", KUEUE_VERSIONS)
def test_covered_resources_longer_than_a_flavors_resources_are_refused(version: str, dev_stacks) -> None:
    queue, _ = emitted(dev_stacks, "ClusterQueue", "gpunp-batch")
    queue["spec"]["resourceGroups"][0]["coveredResources"].append("nvidia.com/gpu")
    assert kueue(queue, version) == [
        "ClusterQueue gpunp-batch: spec.resourceGroups[0]: Invalid value: "
        "flavors must have the same number of resources as the coveredResources"
    ]


@needs_reference
@pytest.mark.parametrize("version", KUEUE_VERSIONS)
def test_borrowing_limit_without_a_cohort_is_refused(version: str, prod_stacks) -> None:
    queue, _ = emitted(prod_stacks, "ClusterQueue", "gpunp-batch")
    queue["spec"]["resourceGroups"][0]["flavors"][0]["resources"][0]["borrowingLimit"] = "8"
    assert kueue(queue, version) == [
        "ClusterQueue gpunp-batch: spec: Invalid value: borrowingLimit must be nil when cohort is empty"
    ]
    queue["spec"]["cohortName"] = "shared-gpus"
    assert kueue(queue, version) == []


@needs_reference
@pytest.mark.parametrize("version", KUEUE_VERSIONS)
def test_flavor_and_resource_names_are_list_map_keys(version: str, prod_stacks) -> None:
    queue, _ = emitted(prod_stacks, "ClusterQueue", "gpunp-batch")
    resources_ = queue["spec"]["resourceGroups"][0]["flavors"][0]["resources"]
    resources_[1]["name"] = "cpu"
    assert (
        "ClusterQueue gpunp-batch: spec.resourceGroups[0].flavors[0].resources[1]: "
        'Duplicate value: {"name": "cpu"}' in kueue(queue, version)
    )


@needs_reference
@pytest.mark.parametrize("version", KUEUE_VERSIONS)
def test_admission_check_flavors_are_a_list_set(version: str, prod_stacks) -> None:
    queue, _ = emitted(prod_stacks, "ClusterQueue", "gpunp-batch")
    queue["spec"]["admissionChecksStrategy"] = {
        "admissionChecks": [{"name": "a", "onFlavors": ["gpunp", "gpunp"]}]
    }
    assert kueue(queue, version) == [
        "ClusterQueue gpunp-batch: spec.admissionChecksStrategy.admissionChecks[0].onFlavors[1]: "
        'Duplicate value: "gpunp"'
    ]


@needs_reference
@pytest.mark.parametrize("version", KUEUE_VERSIONS)
def test_taint_effects_are_checked(version: str, prod_stacks) -> None:
    flavor, _ = emitted(prod_stacks, "ResourceFlavor", "gpunp")
    flavor["spec"]["nodeTaints"] = [{"key": "sku", "value": "gpu", "effect": "NoSchedul"}]
    assert any(
        "supported taint effect values: 'NoSchedule', 'PreferNoSchedule', 'NoExecute'" in p
        for p in kueue(flavor, version)
    )


# --- defaulting ------------------------------------------------------------------------------


@needs_reference
def test_defaults_are_applied_as_the_api_server_does(prod_stacks, prod_workloads) -> None:
    """Gateway API documents these defaults: a match's path is PathPrefix "/", a backend a Service."""
    route, _ = emitted(prod_stacks, "HTTPRoute", MODEL_ROUTE)
    schema = crd_schema("gateway-api-v1.5.1-httproutes.yaml", "HTTPRoute", "v1")
    stored, _ = crd_rules.check(route, schema)
    header_match = stored["spec"]["rules"][0]["matches"][0]
    assert header_match["path"] == {"type": "PathPrefix", "value": "/"}
    assert header_match["headers"][0]["type"] == "Exact"
    backend = stored["spec"]["rules"][0]["backendRefs"][0]
    assert (backend["group"], backend["kind"], backend["weight"]) == ("", "Service", 1)
    assert stored["spec"]["rules"][1]["backendRefs"][0]["weight"] == 90  # ours is kept
    assert "path" not in route["spec"]["rules"][0]["matches"][0]  # the input is not changed
    assert resources(prod_workloads, "helm_release")["inference_routing"]  # from the real stack


# --- Istio security objects ------------------------------------------------------------------
# Shapes from Istio's reference (security.istio.io/v1), until the stacks emit their own (then
# crd_files() names the Istio CRD and the tests above cover them like every other object).

ISTIO = "istio-1.30.3-crd-all.gen.yaml"


def request_authentication(**rule: Any) -> Manifest:
    return {
        "apiVersion": "security.istio.io/v1",
        "kind": "RequestAuthentication",
        "metadata": {"name": "gateway-jwt", "namespace": "inference-gateway"},
        "spec": {
            "targetRef": {
                "group": "gateway.networking.k8s.io",
                "kind": "Gateway",
                "name": "inference-gateway",
            },
            "jwtRules": [{"issuer": "https://login.example.com/tenant/v2.0", **rule}],
        },
    }


@needs_reference
def test_istio_jwks_uri_rules_run_through_the_url_library() -> None:
    schema = crd_schema(ISTIO, "RequestAuthentication", "v1")
    good = request_authentication(
        jwksUri="https://login.example.com/tenant/discovery/v2.0/keys", timeout="5s"
    )
    result = checked(good, schema)
    assert (result.errors, result.evaluated > 0) == ([], True)
    assert crd_errors(request_authentication(jwksUri="ftp://login.example.com/keys"), ISTIO) == [
        "RequestAuthentication gateway-jwt: spec.jwtRules[0].jwksUri: Invalid value: "
        "url must have scheme http:// or https://"
    ]
    both = request_authentication(jwksUri="https://login.example.com/keys", jwks='{"keys": []}')
    assert crd_errors(both, ISTIO) == [
        "RequestAuthentication gateway-jwt: spec.jwtRules[0]: Invalid value: "
        "only one of jwks or jwksUri can be set"
    ]


@needs_reference
def test_istio_policy_cannot_have_both_selector_and_target() -> None:
    policy = {
        "apiVersion": "security.istio.io/v1",
        "kind": "AuthorizationPolicy",
        "metadata": {"name": "require-jwt", "namespace": "inference-gateway"},
        "spec": {
            "targetRefs": [
                {"group": "gateway.networking.k8s.io", "kind": "Gateway", "name": "inference-gateway"}
            ],
            "action": "ALLOW",
            "rules": [{"from": [{"source": {"requestPrincipals": ["*"]}}]}],
        },
    }
    assert crd_errors(policy, ISTIO) == []
    policy["spec"]["selector"] = {"matchLabels": {"app": "gateway"}}
    assert crd_errors(policy, ISTIO) == [
        "AuthorizationPolicy require-jwt: spec: Invalid value: only one of targetRefs or selector can be set"
    ]
    del policy["spec"]["targetRefs"]
    policy["spec"]["selector"]["matchLabels"]["app"] = "gateway-*"
    assert crd_errors(policy, ISTIO) == [
        "AuthorizationPolicy require-jwt: spec.selector.matchLabels.app: Invalid value: "
        "wildcard not allowed in label value match"
    ]
