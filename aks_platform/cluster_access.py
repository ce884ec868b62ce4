"""Read-only calls to an AKS cluster's API server from the deploying machine, with the Azure CLI.

Terraform runs the deploy's waits (aks_platform/crd_wait.py) on this machine through local-exec,
between the resources that need them. They sign in as the providers do: a cluster without local
accounts through kubelogin (the deploying Entra ID identity), otherwise with the cluster user's
client certificate. `az aks get-credentials` writes the kubeconfig into a temporary folder, never
into ~/.kube/config. Standard library only (plus PyYAML, already a dependency): Terraform may
start this outside the Makefile.
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import subprocess
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

# Entra ID application of the AKS API server: the audience kubelogin asks tokens for.
AKS_ENTRA_SERVER_ID = "6dae42f8-4368-4678-94ff-3960e28e3630"
KUBELOGIN_ARGS = ("get-token", "--login", "azurecli", "--server-id", AKS_ENTRA_SERVER_ID)
RESOURCE_GROUP_VARIABLE = "TF_VAR_resource_group_name"
Auth = Literal["entra", "local"]
# (HTTP status, parsed JSON body or None); status 0: the server could not be reached.
Response = tuple[int, Any]
Fetch = Callable[[str], Response]


class AccessError(RuntimeError):
    """The cluster's credentials could not be had; the message says what to do."""


@dataclass(frozen=True)
class Kubeconfig:
    server: str
    ca_pem: bytes
    client_cert_pem: bytes | None = None
    client_key_pem: bytes | None = None


def _run(command: list[str]) -> str:
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    except FileNotFoundError as error:
        raise AccessError(f"{command[0]} is not installed (az aks install-cli installs kubelogin)") from error
    if result.returncode != 0:
        raise AccessError(f"{' '.join(command[:3])} failed: {result.stderr.strip()[:300]}")
    return result.stdout


def parse_kubeconfig(text: str) -> Kubeconfig:
    """The server, CA and (with local accounts) client certificate of the kubeconfig's first entries."""
    import yaml

    document = yaml.safe_load(text) or {}
    try:
        cluster = document["clusters"][0]["cluster"]
        user = (document.get("users") or [{}])[0].get("user") or {}
        server, ca = cluster["server"], base64.b64decode(cluster["certificate-authority-data"])
    except (KeyError, IndexError, TypeError, ValueError) as error:
        raise AccessError(
            f"az aks get-credentials wrote a kubeconfig without a server or CA ({error})"
        ) from error
    cert, key = user.get("client-certificate-data"), user.get("client-key-data")
    return Kubeconfig(
        server=server,
        ca_pem=ca,
        client_cert_pem=base64.b64decode(cert) if cert else None,
        client_key_pem=base64.b64decode(key) if key else None,
    )


def cluster_kubeconfig(cluster: str, resource_group: str | None = None) -> Kubeconfig:
    """The cluster user's kubeconfig, from `az aks get-credentials` into a temporary file."""
    group = resource_group or os.environ.get(RESOURCE_GROUP_VARIABLE, "").strip()
    if not group:
        raise AccessError(f"{RESOURCE_GROUP_VARIABLE} is not set: export it as for make deploy")
    with tempfile.TemporaryDirectory(prefix="aks-access-") as folder:
        path = Path(folder) / "config"
        _run(
            [
                "az",
                "aks",
                "get-credentials",
                "--resource-group",
                group,
                "--name",
                cluster,
                "--file",
                str(path),
            ]
        )
        return parse_kubeconfig(path.read_text(encoding="utf-8"))


def entra_token() -> str:
    """A token for the AKS API server as the signed-in Azure CLI identity (what the providers use)."""
    credential = json.loads(_run(["kubelogin", *KUBELOGIN_ARGS]))
    try:
        return str(credential["status"]["token"])
    except (KeyError, TypeError) as error:
        raise AccessError("kubelogin get-token printed no token") from error


def http_fetch(server: str, context: ssl.SSLContext | None, token: str | None = None) -> Fetch:
    """GET a path of the API server: (status, JSON body)."""

    def fetch(path: str) -> Response:
        request = urllib.request.Request(server.rstrip("/") + path, headers={"Accept": "application/json"})
        if token:
            request.add_header("Authorization", f"Bearer {token}")
        try:
            with urllib.request.urlopen(request, timeout=30, context=context) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, None
        except (urllib.error.URLError, TimeoutError, OSError, ValueError):
            return 0, None

    return fetch


def cluster_fetch(cluster: str, auth: Auth, folder: Path) -> Fetch:
    """A fetch signed in to `cluster`; client certificates go to files in `folder` (ssl needs files)."""
    config = cluster_kubeconfig(cluster)
    context = ssl.create_default_context(cadata=config.ca_pem.decode())
    if auth == "entra":
        return http_fetch(config.server, context, entra_token())
    if config.client_cert_pem is None or config.client_key_pem is None:
        raise AccessError(f"{cluster}: the kubeconfig has no client certificate (local accounts disabled?)")
    cert, key = folder / "client.crt", folder / "client.key"
    for path, data in ((cert, config.client_cert_pem), (key, config.client_key_pem)):
        path.touch(mode=0o600)
        path.write_bytes(data)
    context.load_cert_chain(cert, key)
    return http_fetch(config.server, context)
