"""Inference routing ([workloads.inference_routing]): the Gateway and HTTPRoute, how the endpoint
is exposed, HTTPS with a Key Vault certificate and Entra ID tokens at the gateway, and the rules
across them (the objects they become are aks_platform.endpoint's).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import AfterValidator, StrictBool, StrictInt, StrictStr

from aks_platform.kubernetes_names import GatewayClassName, Namespace
from aks_platform.settings.base import Guid, Settings, matching, refuse, within, without_duplicates
from aks_platform.validation_types import Problem

if TYPE_CHECKING:
    from aks_platform.settings.environment import EnvironmentSettings

Weight = Annotated[StrictInt, within(0, 1000, "use 0-1000")]
HeaderName = Annotated[
    StrictStr, matching(r"^[A-Za-z0-9][A-Za-z0-9-]*$", "use an HTTP header name: letters, digits and '-'")
]


# --- The inference endpoint (TLS from Key Vault, Entra ID tokens) --------------------------------
# Key Vault names: 3-24 letters, digits and '-', starting with a letter, ending with a letter or
# digit, no "--" (Azure naming rules for Microsoft.KeyVault/vaults). Object names: 1-127 letters,
# digits and '-' (Key Vault object identifiers).
KeyVaultName = Annotated[
    StrictStr,
    matching(
        r"^(?!.*--)[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$",
        "use a Key Vault name: 3-24 letters, digits and '-', starting with a letter, ending with a letter "
        "or digit, no '--'",
    ),
]
KeyVaultObjectName = Annotated[
    StrictStr,
    matching(r"^[A-Za-z0-9-]{1,127}$", "use a Key Vault object name: 1-127 letters, digits and '-'"),
]
# A Gateway listener's hostname (Gateway API's Hostname type): lowercase DNS labels, an optional
# leading "*." wildcard; the listener refuses IP addresses.
Hostname = Annotated[
    StrictStr,
    matching(
        r"^(?=.{1,253}$)(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)+$",
        "use a DNS name such as inference.example.com (lowercase, at least two labels, optional leading *.)",
    ),
]
# The two issuers Entra ID writes into access tokens: v2.0 tokens and v1.0 tokens (which
# `az account get-access-token` returns for an API whose app registration keeps
# requestedAccessTokenVersion unset). Source: Microsoft identity platform, "Access tokens" (claims iss).
ENTRA_ISSUER = re.compile(
    r"^(https://login\.microsoftonline\.com/(?P<v2>[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12})/v2\.0"
    r"|https://sts\.windows\.net/(?P<v1>[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12})/)$"
)
EntraIssuer = Annotated[
    StrictStr,
    matching(
        ENTRA_ISSUER.pattern,
        "use an Entra ID token issuer: https://login.microsoftonline.com/<tenant id>/v2.0 (v2.0 tokens) or "
        "https://sts.windows.net/<tenant id>/ (v1.0 tokens), the tenant id a lowercase GUID",
    ),
]
Audience = Annotated[
    StrictStr,
    matching(
        r"^(api://\S+|[0-9a-f]{8}-([0-9a-f]{4}-){3}[0-9a-f]{12}|https://\S+)$",
        "use the API's application id URI (api://...), its client id (a GUID) or an https:// URI",
    ),
]


def _some_audience(values: tuple[str, ...]) -> tuple[str, ...]:
    # An empty list would make Istio accept a token of this issuer for any audience.
    if not values:
        raise refuse("name at least one audience: the API's application id URI or client id")
    return values


Audiences = Annotated[tuple[Audience, ...], AfterValidator(_some_audience), without_duplicates("audiences")]


class GatewayTlsSettings(Settings):
    """HTTPS on the Gateway with a certificate kept in Azure Key Vault (docs/endpoint-security.md).

    The cluster's Key Vault secrets provider (Secrets Store CSI driver) syncs the certificate into a
    kubernetes.io/tls Secret beside the Gateway, authenticating with workload identity as `client_id`.
    """

    enabled: StrictBool = True
    "An HTTPS listener on 443 with the Key Vault certificate; HTTP on 80 then only redirects to HTTPS."
    hostname: Hostname
    "The name callers use (the certificate's subject or SAN), such as inference.example.com."
    key_vault_name: KeyVaultName
    "The existing Key Vault that holds the certificate."
    certificate_name: KeyVaultObjectName
    "The Key Vault certificate object (with its private key); its latest version is synced and rotated."
    tenant_id: Guid
    "The Key Vault's tenant (a GUID)."
    client_id: Guid
    (
        "Client id of the user-assigned identity that may read the certificate (Key Vault Secrets User), "
        "federated with the service account `<gateway_namespace>:inference-tls-sync`."
    )


class GatewayAuthenticationSettings(Settings):
    """Entra ID access tokens checked at the gateway (Istio RequestAuthentication + AuthorizationPolicy)."""

    enabled: StrictBool = True
    "Only callers with a valid Entra ID token for `audiences` reach the model; others get 403."
    issuer: EntraIssuer
    (
        "The token issuer: https://login.microsoftonline.com/<tenant>/v2.0 (v2.0 tokens) or "
        "https://sts.windows.net/<tenant>/ (v1.0 tokens, what `az account get-access-token` returns by "
        "default)."
    )
    audiences: Audiences
    "The API's application id URI or client id (the token's aud), one or more."
    allowed_groups: tuple[Guid, ...] = ()
    "Optional: only members of these Entra ID groups (object ids, the token's groups claim)."
    allowed_app_ids: tuple[Guid, ...] = ()
    "Optional: only these client applications (the token's azp claim in v2.0, appid in v1.0)."


class InferenceRoutingSettings(Settings):
    """A Gateway on the Istio gateway class and an HTTPRoute with a weighted split and a header match."""

    enabled: StrictBool = True
    "A Gateway and an HTTPRoute to the workspace; needs the workspace, Istio and the Gateway API."
    gateway_class: GatewayClassName = "istio"
    "The Gateway's class, a DNS subdomain (the Istio add-on's is \"istio\")."
    gateway_namespace: Namespace = "inference-gateway"
    (
        "Namespace of the Gateway, created for it; Istio runs the gateway's pods there. Not a namespace "
        "with a Kueue LocalQueue (the workspace's or the batch namespace), where Kueue would queue them, "
        "nor one Kubernetes or an add-on owns."
    )
    canary_header: HeaderName = "x-canary"
    "Requests with this header go to the canary backend; the rest are split by weight."
    stable_weight: Weight = 90
    "Weight of the stable backend, 0-1000 (not both weights 0)."
    canary_weight: Weight = 10
    "Weight of the canary backend, 0-1000."
    exposure: Literal["internal", "public"] = "internal"
    (
        '"internal": the gateway gets an internal Azure load balancer (a private IP in the cluster\'s '
        'network); "public": a public IP, only with `tls` and `authentication` unless '
        "`insecure_public_http` says otherwise."
    )
    insecure_public_http: StrictBool = False
    (
        "A public gateway without TLS or authentication, said explicitly (a throwaway dev cluster only); "
        "warned on every check."
    )
    tls: GatewayTlsSettings | None = None
    "HTTPS with a certificate from Key Vault (a table); unset serves plain HTTP."
    authentication: GatewayAuthenticationSettings | None = None
    "Entra ID tokens required at the gateway (a table); unset lets every caller through."


def routing_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    """What the Gateway and its route need from the rest of the environment, and the weights."""
    workloads = settings.workloads
    kaito = workloads.kaito_workspace
    routing = workloads.inference_routing
    if routing.enabled:
        for needed, key, what in (
            (kaito.enabled, "workloads.kaito_workspace.enabled", "a KAITO workspace to route to"),
            (settings.istio.enabled, "istio.enabled", "the Istio add-on (its Gateway API implementation)"),
            (settings.gateway_api.enabled, "gateway_api.enabled", "the managed Gateway API CRDs"),
        ):
            if not needed:
                yield Problem("workloads.inference_routing.enabled", True, f"needs {what}: set {key} = true")
        if routing.stable_weight + routing.canary_weight == 0:
            yield Problem(
                "workloads.inference_routing.stable_weight", 0, "at least one weight must be above 0"
            )


# --- The endpoint's protection: exposure, TLS and tokens, and what they need ---
KEY = "workloads.inference_routing"


def tls_on(routing: InferenceRoutingSettings) -> bool:
    return routing.tls is not None and routing.tls.enabled


def authentication_on(routing: InferenceRoutingSettings) -> bool:
    return routing.authentication is not None and routing.authentication.enabled


def endpoint_problems(settings: EnvironmentSettings) -> Iterator[Problem]:
    """A public endpoint needs TLS and authentication, unless insecure_public_http says otherwise."""
    workloads = settings.workloads
    routing = workloads.inference_routing
    if not (workloads.enabled and routing.enabled):
        return
    missing = missing_protection(routing)
    if routing.insecure_public_http:
        if routing.exposure != "public":
            yield Problem(
                f"{KEY}.insecure_public_http",
                True,
                'only means something with exposure = "public": remove it',
            )
        elif not missing:
            yield Problem(
                f"{KEY}.insecure_public_http",
                True,
                "TLS and authentication are both on, so nothing insecure is left to allow: remove it",
            )
    elif routing.exposure == "public" and missing:
        yield Problem(
            f"{KEY}.exposure",
            "public",
            f"a public endpoint needs TLS and authentication, and {' and '.join(missing)} "
            f"{'is' if len(missing) == 1 else 'are'} missing: add [{KEY}.tls] and [{KEY}.authentication], "
            f'use exposure = "internal", or (a throwaway dev cluster only) set insecure_public_http = true',
        )

    if tls_on(routing):
        cluster = settings.cluster
        if cluster.key_vault_secrets_provider is None:
            yield Problem(
                f"{KEY}.tls.enabled",
                True,
                "the certificate is synced by the Key Vault secrets provider: add "
                "[cluster.key_vault_secrets_provider]",
            )
        if not cluster.workload_identity_enabled:
            yield Problem(
                f"{KEY}.tls.enabled",
                True,
                "the certificate sync signs in with workload identity: set "
                "cluster.workload_identity_enabled = true",
            )


def missing_protection(routing: InferenceRoutingSettings) -> list[str]:
    return [
        name
        for name, on in (("TLS", tls_on(routing)), ("authentication", authentication_on(routing)))
        if not on
    ]
