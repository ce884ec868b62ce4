"""How the workloads stack applies objects whose CRDs the cluster provides (one mechanism for all).

Every custom resource the stack creates (KAITO's Workspace, the Gateway and HTTPRoute, the Kueue
queues, and any other kind listed in data/cluster-crds.toml) goes through `ObjectsApplier.apply`:
one release of charts/cluster-objects (constructs/cluster_objects.py), which Terraform plans
without the CRD, after a wait that returns once each CRD the objects need is Established
(aks_platform/crd_wait.py, run by local-exec on the deploying machine). A kind that is neither
built in nor listed is an error at synth, so no object can reach a first deploy unguarded.

    applier = ObjectsApplier(cluster_name="aks-x", auth="entra")
    applier.apply(scope, "inference-routing", objects, namespace="smollm2", depends_on=[...])
"""

from __future__ import annotations

import functools
import shlex
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from cdktf import ITerraformDependable

from aks_platform.cluster_access import Auth
from aks_platform.local_charts import CHARTS, declared_version
from aks_platform.manifests import ManifestError
from aks_platform.paths import DATA
from constructs import Construct
from constructs.cluster_objects import ClusterObjects, ClusterObjectsProps, CrdWaitProps

CRDS_FILE = DATA / "cluster-crds.toml"
CHART_NAME = "cluster-objects"
# Terraform runs in cdktf.out/stacks/<stack>/; the chart and the Python package stay in the repository.
REPOSITORY_FROM_STACK = "../../.."
OBJECTS_CHART = f"{REPOSITORY_FROM_STACK}/charts/{CHART_NAME}"


@dataclass(frozen=True)
class Crd:
    group: str
    kind: str
    name: str
    installed_by: str
    source: str


@functools.cache
def crd_table() -> tuple[frozenset[str], dict[tuple[str, str], Crd]]:
    """(built-in API groups, {(group, kind): CRD}) from data/cluster-crds.toml."""
    document = tomllib.loads(CRDS_FILE.read_text(encoding="utf-8"))
    crds = {(entry["group"], entry["kind"]): Crd(**entry) for entry in document["crds"]}
    return frozenset(document["builtin_groups"]), crds


def api_group(api_version: str) -> str:
    """ "kaito.sh/v1beta1" -> "kaito.sh"; "v1" (the core group) -> ""."""
    return api_version.rpartition("/")[0]


def required_crds(objects: Sequence[Mapping[str, Any]]) -> list[str]:
    """The CRDs the objects' kinds need, sorted; a kind neither built in nor listed is an error."""
    builtin, crds = crd_table()
    needed = set()
    for item in objects:
        group = api_group(item["apiVersion"])
        if group in builtin:
            continue
        crd = crds.get((group, item["kind"]))
        if crd is None:
            raise ManifestError(
                f"{item['kind']} ({item['apiVersion']}) {item['metadata']['name']}: no CRD listed for "
                "this kind in data/cluster-crds.toml: add its CRD name and what installs it, so the "
                "deploy waits for it"
            )
        needed.add(crd.name)
    return sorted(needed)


def wait_command(cluster_name: str, auth: Auth, crds: Sequence[str]) -> str:
    """The local-exec command of the CRD wait (python from PATH: the Makefile puts .venv/bin first)."""
    words = ["python", "-m", "aks_platform.crd_wait", "--cluster", cluster_name, "--auth", auth, *crds]
    return shlex.join(words)


@dataclass(frozen=True)
class ObjectsApplier:
    """Applies object lists of one environment's workloads stack through charts/cluster-objects."""

    cluster_name: str
    auth: Auth
    after: tuple[ITerraformDependable, ...] = ()
    "What every release and CRD wait comes after (the cluster's role assignments taking effect)."

    def props(
        self,
        objects: Sequence[Mapping[str, Any]],
        *,
        namespace: str,
        release_name: str,
        adopt_existing: bool = False,
        timeout: int | None = None,
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> ClusterObjectsProps:
        """The release of `objects` with the wait for the CRDs their kinds need (none: no wait)."""
        crds = required_crds(objects)
        wait = None
        if crds:
            wait = CrdWaitProps(
                crds=crds,
                command=wait_command(self.cluster_name, self.auth, crds),
                working_dir=REPOSITORY_FROM_STACK,
            )
        return ClusterObjectsProps(
            release_name=release_name,
            namespace=namespace,
            chart=OBJECTS_CHART,
            chart_version=declared_version(CHARTS / CHART_NAME),
            objects=objects,
            crd_wait=wait,
            adopt_existing=adopt_existing,
            timeout=timeout,
            depends_on=(*self.after, *depends_on),
        )

    def apply(
        self,
        scope: Construct,
        id: str,
        objects: Sequence[Mapping[str, Any]],
        *,
        namespace: str,
        release_name: str | None = None,
        adopt_existing: bool = False,
        timeout: int | None = None,
        depends_on: Sequence[ITerraformDependable] = (),
    ) -> ClusterObjects:
        """One release named `release_name` (default `id`) in `namespace`, after the CRD wait."""
        props = self.props(
            objects,
            namespace=namespace,
            release_name=release_name or id,
            adopt_existing=adopt_existing,
            timeout=timeout,
            depends_on=depends_on,
        )
        return ClusterObjects(scope, id, props)
