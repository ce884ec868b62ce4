"""Gang scheduling with Kueue: the controller from its pinned chart, and the queues from a local chart.

Kueue admits a workload only when quota exists for all of its pods, so a distributed job starts
whole or not at all. The ResourceFlavors, ClusterQueues and LocalQueues are a ClusterObjects
release (a local chart after a CRD wait, constructs/cluster_objects.py): they are Kueue custom
resources, whose CRDs do not exist when Terraform plans the stack, so they cannot be
kubernetes_manifest resources.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from cdktf import ITerraformDependable
from cdktf_cdktf_provider_helm.release import Release
from cdktf_cdktf_provider_kubernetes.namespace_v1 import NamespaceV1, NamespaceV1Metadata

from constructs import Construct
from constructs.cluster_objects import ClusterObjects, ClusterObjectsProps
from constructs.helm_chart import HelmChartProps


class _BlockStrings(yaml.SafeDumper):
    """Writes multi-line strings (the chart's manager configuration) as literal blocks, readable in review."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|" if "\n" in value else None)


_BlockStrings.add_representer(str, _string)


@dataclass(frozen=True)
class GangSchedulingProps:
    """The Kueue chart to install, and the release of the queues (installed after it)."""

    kueue_chart: HelmChartProps
    "The Kueue chart (its namespace is where the controller runs)."
    queues: ClusterObjectsProps
    "The Kueue objects (ResourceFlavors, ClusterQueues, LocalQueues) and how they are applied."
    namespaces: Sequence[str] = ()
    "Namespaces this construct creates for its LocalQueues (others must exist already)."
    kueue_values: Mapping[str, Any] = field(default_factory=dict)
    "Values of the Kueue chart (replicas, disruption budget, manager configuration)."
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
        chart = props.kueue_chart
        self.kueue = Release(
            self,
            "kueue",
            name="kueue",
            values=values,
            repository=chart.repository,
            chart=chart.chart,
            version=chart.version,
            namespace=chart.namespace,
            create_namespace=chart.create_namespace,
            wait=chart.wait,
        )
        self.namespaces = []
        for namespace in props.namespaces:
            created = NamespaceV1(
                self, f"namespace-{namespace}", metadata=NamespaceV1Metadata(name=namespace)
            )
            self.namespaces.append(created)
        self.queues = ClusterObjects(
            self,
            "queues",
            dataclasses.replace(
                props.queues,
                depends_on=(self.kueue, *self.namespaces, *props.queues.depends_on, *props.depends_on),
            ),
        )
        self.local_queues = {
            item["metadata"]["namespace"]: item["metadata"]["name"]
            for item in props.queues.objects
            if item["kind"] == "LocalQueue"
        }
