"""Wait until CRDs are Established: Terraform runs this before Helm applies objects of their kinds.

A helm_release needs no CRD when Terraform plans it, but Helm maps each object's kind through the
API server when it installs the release ("no matches for kind" otherwise). The CRDs come from AKS
(the KAITO add-on, the managed Gateway API installation, the Istio and metrics add-ons), which
installs them some time after the cluster operation that enables them returns, or from a chart
installed just before. So each release of charts/cluster-objects depends on a terraform_data whose
local-exec runs this (constructs/cluster_objects.py), and Helm starts only once every CRD it needs
has the condition Established=True.

While waiting, 404 means "not installed yet" and 401/403 "not authorized yet" (Azure role
assignments take up to five minutes to reach the cluster's authorization, AKS
entra-id-authorization.md); both are retried until the timeout, then reported per CRD.

    python -m aks_platform.crd_wait --cluster aks-x --auth entra workspaces.kaito.sh ...
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from aks_platform.cluster_access import AccessError, Fetch, Response, cluster_fetch

CRD_PATH = "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/"
DEFAULT_TIMEOUT = 900
INTERVAL = 10


def established(body: object) -> bool:
    """Whether a CustomResourceDefinition's status has Established=True."""
    if not isinstance(body, dict):
        return False
    conditions = (body.get("status") or {}).get("conditions") or []
    return any(c.get("type") == "Established" and c.get("status") == "True" for c in conditions)


def why_not(response: Response) -> str:
    status, _ = response
    if status == 200:
        return "exists but is not Established yet"
    if status == 404:
        return "is not installed yet (404)"
    if status in (401, 403):
        return (
            f"cannot be read yet ({status}): the deploying identity's role assignment may still be "
            "propagating (up to five minutes)"
        )
    if status == 0:
        return "the API server did not answer"
    return f"the API server answered {status}"


def wait_for(
    names: Sequence[str],
    fetch: Fetch,
    timeout: float = DEFAULT_TIMEOUT,
    interval: float = INTERVAL,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    report: Callable[[str], None] = print,
) -> dict[str, str]:
    """Poll until every CRD in `names` is Established; {name: why} of those that never were."""
    pending = {name: "was not asked yet" for name in dict.fromkeys(names)}
    deadline = clock() + timeout
    while True:
        for name in list(pending):
            response = fetch(CRD_PATH + name)
            if response[0] == 200 and established(response[1]):
                report(f"crd_wait: {name} is Established")
                del pending[name]
            else:
                pending[name] = why_not(response)
        if not pending or clock() >= deadline:
            return pending
        report(f"crd_wait: waiting for {', '.join(f'{n} ({why})' for n, why in pending.items())}")
        sleep(interval)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m aks_platform.crd_wait", description=__doc__.split("\n")[0]
    )
    parser.add_argument(
        "--cluster", required=True, help="AKS cluster name (resource group from TF_VAR_resource_group_name)"
    )
    parser.add_argument("--auth", choices=("entra", "local"), required=True)
    parser.add_argument("--timeout", type=int, default=DEFAULT_TIMEOUT, help="seconds")
    parser.add_argument("crds", nargs="+")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="crd-wait-") as folder:
        try:
            fetch = cluster_fetch(args.cluster, args.auth, Path(folder))
        except AccessError as error:
            print(f"crd_wait: {error}", file=sys.stderr)
            return 1
        missing = wait_for(args.crds, fetch, timeout=args.timeout)
    for name, why in missing.items():
        print(
            f"crd_wait: {name} {why} after {args.timeout}s: check that what installs it is enabled "
            "(data/cluster-crds.toml names it), then run make deploy again",
            file=sys.stderr,
        )
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
