"""Scrape configuration for Azure Monitor managed Prometheus: objects the metrics add-on reads.

The caller renders them (this repository's stacks from templates/inference-metrics.yaml and
templates/ama-metrics-settings.yaml): a ServiceMonitor or PodMonitor of the group
azmonitoring.coreos.com (whose CRDs the add-on installs), the Services they select, and the
agent's settings ConfigMap. Each becomes one kubernetes_manifest, named after its kind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from cdktf import ITerraformDependable

from constructs import Construct
from constructs.kubernetes_manifest import KubernetesManifest


@dataclass(frozen=True)
class ScrapeConfigProps:
    """The objects, one of each kind at most, and what must exist first (their namespace)."""

    objects: Sequence[Mapping[str, Any]]
    depends_on: Sequence[ITerraformDependable] = field(default_factory=tuple)


class ScrapeConfig(Construct):
    """One kubernetes_manifest per object."""

    def __init__(self, scope: Construct, id: str, props: ScrapeConfigProps) -> None:
        super().__init__(scope, id)
        self.manifests: dict[str, KubernetesManifest] = {}
        for document in props.objects:
            kind = document["kind"]
            self.manifests[kind] = KubernetesManifest(
                self, kind, manifest=dict(document), depends_on=list(props.depends_on) or None
            )
