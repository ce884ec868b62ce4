"""Kubernetes names and values, checked as the API server checks them, and the settings types on them.

Each check follows the function of the same name in Kubernetes apimachinery,
`staging/src/k8s.io/apimachinery/pkg/util/validation/validation.go` (IsQualifiedName,
IsValidLabelValue, IsDNS1123Label, IsDNS1123Subdomain, IsDNS1035Label), and node taints follow
`validateNodeTaints` in `pkg/apis/core/validation/validation.go` (key a qualified name, value a
label value, one taint per key and effect). The messages are ours: what is allowed, in words.
A setting that names a namespace also refuses the namespaces Kubernetes and the add-ons own.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StrictStr
from pydantic_core import PydanticCustomError

RULE_ERROR = "settings_rule"

DNS1123_LABEL_MAX = 63
DNS1123_SUBDOMAIN_MAX = 253
QUALIFIED_NAME_MAX = 63
LABEL_VALUE_MAX = 63

_DNS1123_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_DNS1123_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
# qualifiedNameFmt and labelValueFmt: alphanumerics at both ends, '-', '_' and '.' between.
_NAME_PART = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")

DNS1123_LABEL_WORDS = (
    f"1-{DNS1123_LABEL_MAX} lowercase letters, digits and '-', starting and ending with a letter or digit"
)
DNS1123_SUBDOMAIN_WORDS = (
    f"1-{DNS1123_SUBDOMAIN_MAX} lowercase letters, digits, '-' and '.', each dot-separated part starting "
    "and ending with a letter or digit"
)
QUALIFIED_NAME_WORDS = (
    "an optional DNS-subdomain prefix and '/', then 1-63 letters, digits, '-', '_' or '.', starting and "
    "ending with a letter or digit"
)
LABEL_VALUE_WORDS = (
    f"at most {LABEL_VALUE_MAX} letters, digits, '-', '_' or '.', starting and ending with a letter or digit "
    "(or empty)"
)


def is_dns1123_label(value: str) -> bool:
    return len(value) <= DNS1123_LABEL_MAX and bool(_DNS1123_LABEL.match(value))


def is_dns1123_subdomain(value: str) -> bool:
    return len(value) <= DNS1123_SUBDOMAIN_MAX and bool(_DNS1123_SUBDOMAIN.match(value))


def is_dns1035_label(value: str, limit: int = DNS1123_LABEL_MAX) -> bool:
    return len(value) <= limit and bool(_DNS1035_LABEL.match(value))


def is_qualified_name(value: str) -> bool:
    """IsQualifiedName: `[prefix/]name`, the prefix a DNS subdomain, the name at most 63 characters."""
    prefix, slash, name = value.rpartition("/")
    if slash and not prefix:
        return False
    if prefix and not is_dns1123_subdomain(prefix):
        return False
    return len(name) <= QUALIFIED_NAME_MAX and bool(_NAME_PART.match(name))


def is_label_value(value: str) -> bool:
    """IsValidLabelValue: empty, or at most 63 characters of the qualified-name form."""
    return value == "" or (len(value) <= LABEL_VALUE_MAX and bool(_NAME_PART.match(value)))


def refuse(message: str) -> PydanticCustomError:
    # The message goes in as context: braces in it are not read as placeholders of the template.
    return PydanticCustomError(RULE_ERROR, "{message}", {"message": message})


# Namespaces that exist in every cluster or that an AKS add-on owns: creating one of them (the
# stacks create each namespace they name) fails with "already exists", and workloads there share
# the add-on's quotas, policies and upgrades. kube-system, kube-public and kube-node-lease:
# Kubernetes "Namespaces" concept page (initial namespaces); aks-istio-*: the Istio add-on's
# aks-istio-system and aks-istio-ingress (AKS Istio add-on docs); kaito-*: the KAITO add-on's
# namespace; gatekeeper-system: Azure Policy's Gatekeeper; kueue-system: the Kueue chart's
# namespace (data/helm-charts.toml).
RESERVED_NAMESPACES = (
    "default",
    "kube-system",
    "kube-public",
    "kube-node-lease",
    "gatekeeper-system",
    "kueue-system",
)
RESERVED_NAMESPACE_PREFIXES = ("kube-", "aks-istio-", "kaito-")


def reserved_namespace(value: str) -> bool:
    return value in RESERVED_NAMESPACES or value.startswith(RESERVED_NAMESPACE_PREFIXES)


def _namespace(value: str) -> str:
    if not is_dns1123_label(value):
        raise refuse(f"a namespace name has {DNS1123_LABEL_WORDS}")
    if reserved_namespace(value):
        raise refuse(
            "Kubernetes or an AKS add-on owns this namespace (default, kube-*, aks-istio-*, kaito-*, "
            "gatekeeper-system, kueue-system), and the stack creates the namespace it names: use one of "
            "your own"
        )
    return value


def _dns1035(limit: int, what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not is_dns1035_label(value, limit):
            raise refuse(
                f"{what} has 1-{limit} lowercase letters, digits and '-', starting with a letter and "
                "ending with a letter or digit"
            )
        return value

    return AfterValidator(check)


def _subdomain(what: str) -> AfterValidator:
    def check(value: str) -> str:
        if not is_dns1123_subdomain(value):
            empty = "; it cannot be empty" if not value else ""
            raise refuse(f"{what} has {DNS1123_SUBDOMAIN_WORDS}{empty}")
        return value

    return AfterValidator(check)


# Node labels AKS accepts: the qualified-name form, outside the prefixes nobody may set on AKS
# nodes: AKS reserves kubernetes.azure.com/, and the kubelet (NodeRestriction) may not set labels
# under kubernetes.io/ or k8s.io/ except the two allowed below.
RESERVED_LABEL_DOMAINS = ("kubernetes.azure.com", "kubernetes.io", "k8s.io")
ALLOWED_LABEL_DOMAINS = ("kubelet.kubernetes.io", "node.kubernetes.io")


def _label_key(label: str) -> str:
    if not is_qualified_name(label):
        raise refuse(f"a label key is {QUALIFIED_NAME_WORDS}")
    prefix = label.rpartition("/")[0]
    if prefix and prefix not in ALLOWED_LABEL_DOMAINS:
        for domain in RESERVED_LABEL_DOMAINS:
            if prefix == domain or prefix.endswith("." + domain):
                raise refuse(
                    f"the prefix {domain}/ is reserved for AKS and Kubernetes; use a prefix of your own"
                )
    return label


def _label_value(value: str) -> str:
    if not is_label_value(value):
        raise refuse(f"a label value has {LABEL_VALUE_WORDS}")
    return value


# Node taints as AKS takes them: key[=value]:Effect (validateNodeTaints checks each part).
TAINT = re.compile(r"^(?P<key>[^=:]+)(=(?P<value>[^:]*))?:(?P<effect>[^:]+)$")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


def _taint(value: str) -> str:
    found = TAINT.match(value)
    if found is None or found["effect"] not in TAINT_EFFECTS:
        raise refuse(f"use key=value:effect with effect one of {', '.join(TAINT_EFFECTS)}")
    if not is_qualified_name(found["key"]):
        raise refuse(f"a taint key is {QUALIFIED_NAME_WORDS}")
    if not is_label_value(found["value"] or ""):
        raise refuse(f"a taint value has {LABEL_VALUE_WORDS}")
    return value


def _one_taint_per_key_and_effect(taints: tuple[str, ...]) -> tuple[str, ...]:
    """validateNodeTaints: two taints with the same key and effect are refused ("taints must be
    unique by key and effect pair")."""
    seen: dict[tuple[str, str], str] = {}
    for taint in taints:
        found = TAINT.match(taint)
        if found is None:
            continue
        pair = (found["key"], found["effect"])
        if pair in seen:
            raise refuse(
                f"{seen[pair]!r} and {taint!r} have the same key and effect; Kubernetes allows one taint per "
                "key and effect: keep one"
            )
        seen[pair] = taint
    return taints


Namespace = Annotated[StrictStr, AfterValidator(_namespace)]
LabelKey = Annotated[StrictStr, AfterValidator(_label_key)]
LabelValue = Annotated[StrictStr, AfterValidator(_label_value)]
Taint = Annotated[StrictStr, AfterValidator(_taint)]
Taints = Annotated[tuple[Taint, ...], AfterValidator(_one_taint_per_key_and_effect)]
# A Service name is a DNS-1035 label (apimachinery IsDNS1035Label, ValidateServiceName); a KAITO
# workspace's name also names its Services and route ("<name>-canary", "<name>-route").
WorkspaceName = Annotated[StrictStr, _dns1035(56, "a workspace name")]
# Gateway API ObjectName (gatewayClassName): 1-253 characters of a DNS subdomain (the Gateway
# CRD's pattern and minLength 1); empty would emit a Gateway the CRD refuses.
GatewayClassName = Annotated[StrictStr, _subdomain("a GatewayClass name")]
