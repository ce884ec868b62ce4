"""Rules on one value, attached to the settings model's fields (Annotated types).

A value that breaks one is reported like every other settings problem (file, key, value, what
is allowed) by aks_platform.environments; rules that relate several values stay in
aks_platform/validation.py. The patterns and limits are Azure's (AKS, ARM naming rules).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Sequence
from typing import Annotated, Any

from pydantic import AfterValidator, StrictInt, StrictStr
from pydantic_core import PydanticCustomError

from aks_platform.azure_facts import load_regions, load_vm_sizes, unknown_size_advice
from aks_platform.azure_name_rules import (  # noqa: F401 (the settings types on Azure names)
    BlobName,
    ContainerName,
    ResourceGroupName,
    StorageAccountName,
    Tags,
)
from aks_platform.kubernetes_names import (  # noqa: F401 (the settings types on Kubernetes names)
    TAINT,
    GatewayClassName,
    LabelKey,
    LabelValue,
    Namespace,
    Taint,
    Taints,
    WorkspaceName,
)
from aks_platform.versions import load_table

RULE_ERROR = "settings_rule"


def _refuse(message: str) -> PydanticCustomError:
    # The message goes in as context: braces in it are not read as placeholders of the template.
    return PydanticCustomError(RULE_ERROR, "{message}", {"message": message})


def matching(pattern: str, message: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value):
            raise _refuse(message)
        return value

    return AfterValidator(check)


def within(low: int, high: int | None, message: str) -> AfterValidator:
    def check(value: Any) -> Any:
        if value is not None and (value < low or (high is not None and value > high)):
            raise _refuse(message)
        return value

    return AfterValidator(check)


def within_length(high: int, message: str) -> AfterValidator:
    def check(value: str) -> str:
        if len(value) > high:
            raise _refuse(message)
        return value

    return AfterValidator(check)


def at_most(count: int, what: str) -> AfterValidator:
    def check(values: tuple[str, ...]) -> tuple[str, ...]:
        if len(values) > count:
            raise _refuse(f"at most {count} {what}")
        return values

    return AfterValidator(check)


def without_duplicates(what: str) -> AfterValidator:
    def check(values: tuple[str, ...]) -> tuple[str, ...]:
        duplicates = sorted({value for value in values if values.count(value) > 1})
        if duplicates:
            raise _refuse(f"duplicate {what}: {', '.join(duplicates)}")
        return values

    return AfterValidator(check)


def distinct_from(allowed: Sequence[str], message: str) -> AfterValidator:
    def check(values: tuple[str, ...]) -> tuple[str, ...]:
        if any(value not in allowed for value in values) or len(set(values)) != len(values):
            raise _refuse(message)
        return values

    return AfterValidator(check)


ZONES = ("1", "2", "3")
MAX_PODS = (10, 250)
OS_DISK_GB = (30, 2048)

Prefix = Annotated[
    StrictStr,
    matching(
        r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?$",
        "use lowercase letters, digits and hyphens, starting and ending with a letter or digit",
    ),
]


def _known_region(value: str) -> str:
    regions = load_regions()
    if value not in regions:
        close = sorted(name for name in regions if name[:4] == value[:4])
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise _refuse(
            f"not an Azure region in data/azure-regions.toml{hint} "
            "(use the programmatic name, such as eastus2)"
        )
    return value


Location = Annotated[
    StrictStr,
    matching(
        r"^[a-z][a-z0-9]*$",
        "use the Azure region's short name in lowercase without spaces, such as centralus",
    ),
    AfterValidator(_known_region),
]
PoolName = Annotated[
    StrictStr,
    matching(r"^[a-z][a-z0-9]{0,11}$", "use 1-12 lowercase letters and digits, starting with a letter"),
]


def _catalogued_size(value: str) -> str:
    if value not in load_vm_sizes():
        raise _refuse(unknown_size_advice(value))
    return value


VmSize = Annotated[
    StrictStr,
    matching(r"^Standard_[A-Za-z0-9_]+$", "use an Azure VM size such as Standard_D4ds_v5"),
    AfterValidator(_catalogued_size),
]
Zones = Annotated[
    tuple[StrictStr, ...], distinct_from(ZONES, f"zones are distinct values from {list(ZONES)}")
]
MaxPods = Annotated[StrictInt, within(*MAX_PODS, f"use {MAX_PODS[0]}-{MAX_PODS[1]} pods per node")]
OsDiskSize = Annotated[StrictInt, within(*OS_DISK_GB, f"use {OS_DISK_GB[0]}-{OS_DISK_GB[1]} GB")]
# Upgrade settings: azurerm validates node_soak_duration_in_minutes with IntBetween(0, 30)
# (internal/services/containers/kubernetes_nodepool.go:693 at v4.55.0). drain_timeout_in_minutes has
# no azurerm validation; AKS takes 1-1440 minutes (upgrade-aks-node-pools-rolling.md), and 0 is what
# main.tf sends: azurerm passes it on and AKS keeps its default of 30.
DRAIN_TIMEOUT_MAX = 1440
SOAK_MAX = 30
DrainTimeout = Annotated[
    StrictInt,
    within(0, DRAIN_TIMEOUT_MAX, f"use 1-{DRAIN_TIMEOUT_MAX} minutes, or 0 for AKS's default of 30"),
]
SoakDuration = Annotated[StrictInt, within(0, SOAK_MAX, f"use 0-{SOAK_MAX} minutes (azurerm refuses more)")]
MaxSurge = Annotated[
    StrictStr,
    matching(r"^([1-9][0-9]*%?|100%)$", "use a node count such as 1 or a percentage such as 10%"),
]
Guid = Annotated[
    StrictStr,
    matching(
        r"^[0-9a-fA-F]{8}-([0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$", "use an Entra ID object or tenant id, a GUID"
    ),
]
DiskEncryptionSetId = Annotated[
    StrictStr,
    matching(
        r"^/subscriptions/[0-9a-fA-F-]{36}/resourceGroups/[^/]+"
        r"/providers/Microsoft\.Compute/diskEncryptionSets/[^/]+$",
        "use the resource id of a disk encryption set: /subscriptions/<id>/resourceGroups/<rg>"
        "/providers/Microsoft.Compute/diskEncryptionSets/<name>",
    ),
]
RotationInterval = Annotated[StrictStr, matching(r"^[1-9][0-9]*[smh]$", "use a duration such as 2m or 1h")]


def _authorized_range(value: str) -> str:
    try:
        network = ipaddress.ip_network(value, strict=True)
    except ValueError:
        raise _refuse("use an IPv4 CIDR range such as 203.0.113.0/24") from None
    if network.prefixlen == 0:
        raise _refuse("0.0.0.0/0 allows every address; list the ranges that need access")
    return value


AuthorizedRange = Annotated[StrictStr, AfterValidator(_authorized_range)]
# AKS accepts at most 200 authorized IP ranges (api-server-authorized-ip-ranges.md, limitations).
MAX_AUTHORIZED_RANGES = 200
AuthorizedRanges = Annotated[
    tuple[AuthorizedRange, ...],
    at_most(MAX_AUTHORIZED_RANGES, "authorized IP ranges (AKS's limit); merge ranges into wider CIDRs"),
]


# The AI conformance program starts at Kubernetes 1.34 (the CNCF checklists exist for 1.34 on).
MIN_KUBERNETES = (1, 34)
VERSION = re.compile(r"^(?P<major>0|[1-9][0-9]*)\.(?P<minor>0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))?$")


def _kubernetes_version(value: str) -> str:
    found = VERSION.match(value)
    if found is None:
        raise _refuse("use MAJOR.MINOR or MAJOR.MINOR.PATCH, such as 1.34 or 1.34.2")
    if (int(found["major"]), int(found["minor"])) < MIN_KUBERNETES:
        raise _refuse(f"AI conformance needs Kubernetes {MIN_KUBERNETES[0]}.{MIN_KUBERNETES[1]} or newer")
    return value


KubernetesVersion = Annotated[StrictStr, AfterValidator(_kubernetes_version)]

# Istio add-on revisions: asm-1-NN, one that data/aks-versions.toml knows; two at most, and two
# only while a canary upgrade runs.
ISTIO_REVISION = re.compile(r"^asm-1-(?P<minor>[0-9]{2})$")
MAX_ISTIO_REVISIONS = 2


def _istio_revision(value: str) -> str:
    if not ISTIO_REVISION.match(value):
        raise _refuse("use the form asm-1-NN, such as asm-1-30")
    known = sorted(load_table().istio)
    if value not in known:
        raise _refuse(f"unknown revision; known: {', '.join(known)}")
    return value


# A canary upgrade of the Istio add-on goes to a revision one or two minors newer
# (istio-upgrade.md: "you can upgrade to n+1 or n+2"); a pair further apart cannot be one.
MAX_CANARY_GAP = 2


def _canary_pair(values: tuple[str, ...]) -> tuple[str, ...]:
    minors = sorted(int(found["minor"]) for value in values if (found := ISTIO_REVISION.match(value)))
    if len(minors) == 2 and minors[1] - minors[0] > MAX_CANARY_GAP:
        raise _refuse(
            f"a canary upgrade goes at most {MAX_CANARY_GAP} revisions ahead (AKS allows n+1 or n+2), and "
            f"asm-1-{minors[0]} to asm-1-{minors[1]} is {minors[1] - minors[0]}: upgrade in steps"
        )
    return values


IstioRevisions = Annotated[
    tuple[Annotated[StrictStr, AfterValidator(_istio_revision)], ...],
    at_most(MAX_ISTIO_REVISIONS, "revisions (two only during a canary upgrade)"),
    without_duplicates("revisions"),
    AfterValidator(_canary_pair),
]


WorkspaceCount = Annotated[StrictInt, within(1, 16, "use 1-16 nodes")]
Weight = Annotated[StrictInt, within(0, 1000, "use 0-1000")]
HeaderName = Annotated[
    StrictStr, matching(r"^[A-Za-z0-9][A-Za-z0-9-]*$", "use an HTTP header name: letters, digits and '-'")
]
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
# time_sleep parses durations with Go's time.ParseDuration: numbers with units, such as 60s or 1m30s.
GoDuration = Annotated[
    StrictStr,
    matching(
        r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$",
        "use a duration with units that time_sleep accepts, such as 60s, 2m or 1m30s",
    ),
]


FeatureNames = Annotated[tuple[StrictStr, ...], without_duplicates("features")]


def _kaito_instance_type(value: str) -> str:
    if not re.match(r"^Standard_[ND][A-Za-z0-9_]+$", value):
        raise _refuse(
            "KAITO provisions N-series (GPU) or D-series sizes on Azure, such as Standard_NC24ads_A100_v4"
        )
    if value not in load_vm_sizes():
        raise _refuse(
            f"the workspace's Kueue quota and GPU request come from the size; {unknown_size_advice(value)}"
        )
    return value


KaitoInstanceType = Annotated[StrictStr, AfterValidator(_kaito_instance_type)]


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
        raise _refuse("name at least one audience: the API's application id URI or client id")
    return values


Audiences = Annotated[tuple[Audience, ...], AfterValidator(_some_audience), without_duplicates("audiences")]
