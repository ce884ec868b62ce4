"""Which pods may open a connection to which: Kubernetes NetworkPolicy ingress semantics, from the objects.

The rules are those of the NetworkPolicy API (kubernetes.io, "Network Policies"; networking.k8s.io/v1
NetworkPolicySpec): a pod is isolated for ingress once any policy whose podSelector selects it lists
Ingress in policyTypes; an isolated pod admits a connection only when some rule of some such policy
matches both the source and the port. A peer with namespaceSelector and podSelector matches pods
matching both; podSelector alone means the policy's own namespace; namespaceSelector alone means
every pod of the matching namespaces. Label selectors: matchLabels and matchExpressions (In, NotIn,
Exists, DoesNotExist), ANDed; an empty selector matches everything. ipBlock peers match no pod here
(pod-to-pod traffic is not what they are for), which only makes this stricter.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

Manifest = dict[str, Any]


@dataclass(frozen=True)
class Pod:
    namespace: str
    labels: dict[str, str] = field(default_factory=dict)
    name: str = ""

    @property
    def namespace_labels(self) -> dict[str, str]:
        # The API server sets this label on every namespace, to its name (immutable, Kubernetes 1.22+).
        return {"kubernetes.io/metadata.name": self.namespace}


def selects(selector: dict[str, Any] | None, labels: dict[str, str]) -> bool:
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expression in selector.get("matchExpressions") or []:
        key, operator, values = expression["key"], expression["operator"], expression.get("values") or []
        if operator == "In" and labels.get(key) not in values:
            return False
        if operator == "NotIn" and key in labels and labels[key] in values:
            return False
        if operator == "Exists" and key not in labels:
            return False
        if operator == "DoesNotExist" and key in labels:
            return False
    return True


def _peer_matches(peer: dict[str, Any], policy_namespace: str, source: Pod) -> bool:
    if "ipBlock" in peer:
        return False
    namespace_selector = peer.get("namespaceSelector")
    pod_selector = peer.get("podSelector")
    if namespace_selector is None:
        in_namespace = source.namespace == policy_namespace
    else:
        in_namespace = selects(namespace_selector, source.namespace_labels)
    pod_ok = True if pod_selector is None else selects(pod_selector, source.labels)
    return in_namespace and pod_ok


def _port_matches(ports: list[dict[str, Any]] | None, port: int, protocol: str) -> bool:
    if not ports:
        return True
    for entry in ports:
        if entry.get("protocol", "TCP") != protocol:
            continue
        low = entry.get("port")
        if low is None:
            return True
        high = entry.get("endPort", low)
        if isinstance(low, int) and low <= port <= high:
            return True
    return False


def may_connect(policies: list[Manifest], source: Pod, target: Pod, port: int, protocol: str = "TCP") -> bool:
    selecting = [
        policy
        for policy in policies
        if policy["kind"] == "NetworkPolicy"
        and policy["metadata"]["namespace"] == target.namespace
        and selects(policy["spec"].get("podSelector", {}), target.labels)
        and "Ingress" in policy["spec"].get("policyTypes", ["Ingress"])
    ]
    if not selecting:
        return True  # not isolated: every pod may connect
    for policy in selecting:
        for rule in policy["spec"].get("ingress") or []:
            peers = rule.get("from")
            source_ok = not peers or any(
                _peer_matches(peer, policy["metadata"]["namespace"], source) for peer in peers
            )
            if source_ok and _port_matches(rule.get("ports"), port, protocol):
                return True
    return False
