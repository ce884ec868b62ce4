"""Kubernetes objects whose CRDs the cluster provides, applied by a local chart after a CRD wait.

`kubernetes_manifest` asks the API server for an object's kind when Terraform plans, so it fails
("API did not recognize GroupVersionKind from manifest (CRD may not be installed)") for a
Workspace, a Gateway or a Kueue queue while the add-on or chart that installs the CRD has not run
yet: on every first deploy. A helm_release is planned without the cluster knowing the kind (the
helm provider renders against the cluster only with its `manifest` experiment, which is off), so
these objects go through one release of a local chart that applies the list it is given.

Helm does need the kind when it installs, so the release depends on a terraform_data whose
local-exec command waits until the CRDs are Established (the caller supplies the command). Its
`triggers_replace` holds the CRD names: the wait runs again when a kind is added.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml
from cdktf import DataResource, ITerraformDependable, LocalExecProvisioner
from cdktf_cdktf_provider_helm.release import Release

from constructs import Construct


@dataclass(frozen=True)
class CrdWaitProps:
    """A command that exits 0 only once every CRD of `crds` is Established."""

    crds: Sequence[str]
    command: str
    working_dir: str | None = None
    "Where the command runs, relative to the stack's folder (cdktf.out/stacks/<stack>)."


@dataclass(frozen=True)
class ClusterObjectsProps:
    """One release of a local chart that applies `objects` as given."""

    release_name: str
    "Helm release name (at most 53 characters; a change replaces the release)."
    namespace: str
    "Namespace Helm keeps the release in; objects name their own namespace."
    chart: str
    "Path of the local chart relative to where Terraform runs."
    chart_version: str
    "The local chart's version (its Chart.yaml's)."
    objects: Sequence[Mapping[str, Any]]
    crd_wait: CrdWaitProps | None = None
    "The CRD wait before the install; None when every kind is built in."
    adopt_existing: bool = False
    "Adopt objects of the same name that exist without Helm's labels (a move from kubernetes_manifest)."
    timeout: int | None = None
    "Seconds Helm waits for the install and, on delete, for the objects to be gone."
    depends_on: Sequence[ITerraformDependable] = field(default_factory=tuple)


class ClusterObjects(Construct):
    """terraform_data `crd-wait` (when kinds need CRDs), then helm_release `release`."""

    def __init__(self, scope: Construct, id: str, props: ClusterObjectsProps) -> None:
        super().__init__(scope, id)
        self.crd_wait: DataResource | None = None
        depends_on = list(props.depends_on)
        if props.crd_wait is not None and props.crd_wait.crds:
            self.crd_wait = DataResource(
                self,
                "crd-wait",
                triggers_replace={"crds": sorted(props.crd_wait.crds)},
                provisioners=[
                    LocalExecProvisioner(
                        type="local-exec",
                        command=props.crd_wait.command,
                        working_dir=props.crd_wait.working_dir,
                    )
                ],
                depends_on=list(props.depends_on) or None,
            )
            depends_on.append(self.crd_wait)
        self.release = Release(
            self,
            "release",
            name=props.release_name,
            chart=props.chart,
            version=props.chart_version,
            namespace=props.namespace,
            values=[yaml.safe_dump({"objects": [dict(item) for item in props.objects]}, sort_keys=True)],
            # Delete waits until the objects are gone (finalizers included): a replacement then
            # creates its objects only after the old ones left.
            wait=True,
            take_ownership=True if props.adopt_existing else None,
            timeout=props.timeout,
            depends_on=depends_on or None,
        )
