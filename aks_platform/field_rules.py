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

from aks_platform.azure_facts import load_regions, load_vm_sizes
from aks_platform.versions import load_table

RULE_ERROR = "settings_rule"


def _refuse(message: str) -> PydanticCustomError:
    # Braces would be read as placeholders of the error template.
    return PydanticCustomError(RULE_ERROR, message.replace("{", "(").replace("}", ")"))


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
VmSize = Annotated[
    StrictStr, matching(r"^Standard_[A-Za-z0-9_]+$", "use an Azure VM size such as Standard_D4ds_v5")
]
Zones = Annotated[
    tuple[StrictStr, ...], distinct_from(ZONES, f"zones are distinct values from {list(ZONES)}")
]
MaxPods = Annotated[StrictInt, within(*MAX_PODS, f"use {MAX_PODS[0]}-{MAX_PODS[1]} pods per node")]
OsDiskSize = Annotated[StrictInt, within(*OS_DISK_GB, f"use {OS_DISK_GB[0]}-{OS_DISK_GB[1]} GB")]
Minutes = Annotated[StrictInt, within(0, None, "use 0 or more")]
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

# Azure Resource Manager tags: key 1-512 characters without these, value at most 256.
TAG_KEY_MAX = 512
TAG_VALUE_MAX = 256
TAG_KEY_FORBIDDEN = "<>%&\\?/"


def _tag_key(key: str) -> str:
    if not key or len(key) > TAG_KEY_MAX:
        raise _refuse(f"a tag key has 1-{TAG_KEY_MAX} characters")
    bad = sorted({char for char in key if char in TAG_KEY_FORBIDDEN})
    if bad:
        raise _refuse(
            f"a tag key may not contain {' '.join(bad)} (Azure rejects {' '.join(TAG_KEY_FORBIDDEN)})"
        )
    return key


TagKey = Annotated[StrictStr, AfterValidator(_tag_key)]
TagValue = Annotated[
    StrictStr, within_length(TAG_VALUE_MAX, f"tag values have at most {TAG_VALUE_MAX} characters")
]

# Kubernetes taints as AKS takes them: key[=value]:Effect.
TAINT = re.compile(r"^(?P<key>[A-Za-z0-9./_-]+)(=(?P<value>[A-Za-z0-9._-]*))?:(?P<effect>\w+)$")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def _taint(value: str) -> str:
    found = TAINT.match(value)
    if found is None or found["effect"] not in TAINT_EFFECTS:
        raise _refuse(f"use key=value:effect with effect one of {', '.join(TAINT_EFFECTS)}")
    return value


Taint = Annotated[StrictStr, AfterValidator(_taint)]

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


IstioRevisions = Annotated[
    tuple[Annotated[StrictStr, AfterValidator(_istio_revision)], ...],
    at_most(MAX_ISTIO_REVISIONS, "revisions (two only during a canary upgrade)"),
    without_duplicates("revisions"),
]


def dns_label(limit: int) -> AfterValidator:
    return matching(
        rf"^(?=.{{1,{limit}}}$)[a-z]([-a-z0-9]*[a-z0-9])?$",
        f"use 1-{limit} lowercase letters, digits and '-', starting with a letter",
    )


Namespace = Annotated[StrictStr, dns_label(63)]
# A KAITO workspace's name also names its Services and route ("<name>-canary", "<name>-route").
WorkspaceName = Annotated[StrictStr, dns_label(56)]
WorkspaceCount = Annotated[StrictInt, within(1, 16, "use 1-16 nodes")]
Weight = Annotated[StrictInt, within(0, 1000, "use 0-1000")]
HeaderName = Annotated[
    StrictStr, matching(r"^[A-Za-z0-9][A-Za-z0-9-]*$", "use an HTTP header name: letters, digits and '-'")
]
QUANTITY = re.compile(r"^[0-9]+(\.[0-9]+)?(m|k|M|G|T|Ki|Mi|Gi|Ti)?$")
Quantity = Annotated[StrictStr, matching(QUANTITY.pattern, "use a Kubernetes quantity such as 4 or 16Gi")]
HostPath = Annotated[StrictStr, matching(r"^/", "use an absolute host path")]
# time_sleep parses durations with Go's time.ParseDuration: numbers with units, such as 60s or 1m30s.
GoDuration = Annotated[
    StrictStr,
    matching(
        r"^([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$",
        "use a duration with units that time_sleep accepts, such as 60s, 2m or 1m30s",
    ),
]


FeatureNames = Annotated[tuple[StrictStr, ...], without_duplicates("features")]

# Node labels AKS accepts: Kubernetes label syntax, outside the prefixes nobody may set on AKS
# nodes: AKS reserves kubernetes.azure.com/, and the kubelet (NodeRestriction) may not set labels
# under kubernetes.io/ or k8s.io/ except the two allowed below.
RESERVED_LABEL_DOMAINS = ("kubernetes.azure.com", "kubernetes.io", "k8s.io")
ALLOWED_LABEL_DOMAINS = ("kubelet.kubernetes.io", "node.kubernetes.io")
LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
LABEL_PREFIX = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


def _label_key(label: str) -> str:
    prefix, _, name = label.rpartition("/")
    if not LABEL_NAME.match(name) or (prefix and (len(prefix) > 253 or not LABEL_PREFIX.match(prefix))):
        raise _refuse(
            "a label key is an optional DNS-subdomain prefix and '/', then 1-63 letters, digits, '-', '_' "
            "or '.', starting and ending with a letter or digit"
        )
    if prefix and prefix not in ALLOWED_LABEL_DOMAINS:
        for domain in RESERVED_LABEL_DOMAINS:
            if prefix == domain or prefix.endswith("." + domain):
                raise _refuse(
                    f"the prefix {domain}/ is reserved for AKS and Kubernetes; use a prefix of your own"
                )
    return label


LabelKey = Annotated[StrictStr, AfterValidator(_label_key)]
LabelValue = Annotated[
    StrictStr,
    matching(
        r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$",
        "a label value has at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter "
        "or digit",
    ),
]


def _kaito_instance_type(value: str) -> str:
    if not re.match(r"^Standard_[ND][A-Za-z0-9_]+$", value):
        raise _refuse(
            "KAITO provisions N-series (GPU) or D-series sizes on Azure, such as Standard_NC24ads_A100_v4"
        )
    if value not in load_vm_sizes():
        raise _refuse(
            "the workspace's Kueue quota and GPU request come from the size: add it to data/vm-sizes.toml"
        )
    return value


KaitoInstanceType = Annotated[StrictStr, AfterValidator(_kaito_instance_type)]


# Azure Storage names (ARM naming rules for Microsoft.Storage). A value marked "<replace before
# deploying: ...>" passes here so that a committed file can hold a placeholder, which the preflight
# of make deploy and make diff refuses.
def _or_placeholder(pattern: str, message: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value) and "replace before deploying" not in value.lower():
            raise _refuse(message)
        return value

    return AfterValidator(check)


StorageAccountName = Annotated[
    StrictStr, _or_placeholder(r"^[a-z0-9]{3,24}$", "use 3-24 lowercase letters and digits")
]
ContainerName = Annotated[
    StrictStr,
    _or_placeholder(
        r"^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$",
        "use 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit",
    ),
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
        raise _refuse("name at least one audience: the API's application id URI or client id")
    return values


Audiences = Annotated[tuple[Audience, ...], AfterValidator(_some_audience), without_duplicates("audiences")]
