"""Gang scheduling with Kueue: the controller from its pinned chart, and the queues from a local chart.

Kueue admits a workload only when quota exists for all of its pods, so a distributed job starts
whole or not at all. The ResourceFlavors, ClusterQueues and LocalQueues come from the local chart
charts/kueue-queues: they are Kueue custom resources, whose CRDs do not exist when Terraform plans
the stack, so they cannot be kubernetes_manifest resources. The chart's version is a digest of its
content, so an edit to its templates changes the release and Terraform applies it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from cdktf import ITerraformDependable
from cdktf_cdktf_provider_helm.release import Release
from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1, NamespaceV1Metadata

from constructs import Construct


class _BlockStrings(yaml.SafeDumper):
    """Writes multi-line strings (the chart's manager configuration) as literal blocks, readable in review."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_BlockStrings.add_representer(str, _string)


@dataclass(frozen=True)
class GangSchedulingProps:
    """The Kueue chart to install, and the queues to create with the local queues chart."""

    #: helm_release arguments of the Kueue chart (repository, chart, version, namespace, ...).
    kueue_chart: Mapping[str, Any]
    #: Path of the local queues chart, relative to where Terraform runs, and its version.
    queues_chart: str
    queues_chart_version: str
    #: The Kueue objects the queues chart applies (ResourceFlavors, ClusterQueues, LocalQueues).
    objects: Sequence[Mapping[str, Any]]
    #: Namespaces this construct creates for its LocalQueues (others must exist already).
    namespaces: Sequence[str] = ()
    #: Values of the Kueue chart (replicas, disruption budget, manager configuration).
    kueue_values: Mapping[str, Any] = field(default_factory=dict)
    depends_on: Sequence[ITerraformDependable] = field(default_factory=tuple)


class GangScheduling(Construct):
    """helm_release of Kueue, then helm_release of the queues."""

    def __init__(self, scope: Construct, id: str, props: GangSchedulingProps) -> None:
        super().__init__(scope, id)
        values = (
            [yaml.dump(dict(props.kueue_values), Dumper=_BlockStrings, sort_keys=True)]
            if props.kueue_values
            else None
        )
        self.kueue = Release(self, "kueue", name="kueue", values=values, **dict(props.kueue_chart))
        self.namespaces = []
        for namespace in props.namespaces:
            created = NamespaceV1(
                self, f"namespace-{namespace}", metadata=NamespaceV1Metadata(name=namespace)
            )
            self.namespaces.append(created)
        self.queues = Release(
            self,
            "queues",
            name="kueue-queues",
            chart=props.queues_chart,
            version=props.queues_chart_version,
            namespace=props.kueue_chart["namespace"],
            values=[yaml.safe_dump({"objects": [dict(item) for item in props.objects]}, sort_keys=True)],
            depends_on=[self.kueue, *self.namespaces, *props.depends_on],
        )
        self.local_queues = {
            item["metadata"]["namespace"]: item["metadata"]["name"]
            for item in props.objects
            if item["kind"] == "LocalQueue"
        }
