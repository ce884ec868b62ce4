"""The preflight reads the add-on's KAITO version off the cluster and refuses a Workspace it would not
admit (aks_platform/tools/kaito_version.py), with fake az, kubelogin and kubectl on PATH."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from conftest import environment_settings

from aks_platform.naming import Naming
from aks_platform.tools import kaito_version, preflight

ACCOUNT = json.dumps({"id": "11111111-2222-3333-4444-555555555555", "name": "sub"})


def _script(folder: Path, name: str, body: str) -> None:
    path = folder / name
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IEXEC)


def cluster_name(environment: str) -> str:
    settings = environment_settings(environment)
    return Naming(environment, settings.prefix, settings.location).cluster


@pytest.fixture
def cluster_tools(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A signed-in az that knows the clusters, kubelogin, terraform, and a kubectl whose KAITO image
    the test sets."""
    folder = tmp_path / "bin"
    folder.mkdir()
    names = " ".join(f'"{cluster_name(env)}"' for env in ("dev", "prod"))
    _script(
        folder,
        "az",
        f"""case "$1 $2" in
  "account show") echo '{ACCOUNT}' ;;
  "aks show")
    for name in {names}; do
      [ "$6" = "$name" ] && echo "{{\\"name\\": \\"$name\\"}}" && exit 0
    done
    exit 3 ;;
  "aks get-credentials") exit 0 ;;
  *) exit 1 ;;
esac
""",
    )
    _script(folder, "kubelogin", "exit 0\n")
    _script(folder, "terraform", f"echo '{json.dumps({'terraform_version': '1.9.8'})}'\n")
    monkeypatch.setenv("PATH", f"{folder}{os.pathsep}/usr/bin{os.pathsep}/bin")
    monkeypatch.setenv(preflight.RESOURCE_GROUP_VARIABLE, "rg-ai")

    def with_image(image: str) -> None:
        _script(folder, "kubectl", f"echo '{image}'\n")

    return with_image


def _kaito_lines(problems: list[str]) -> list[str]:
    return [problem for problem in problems if "KAITO add-on" in problem]


def test_an_old_addon_refuses_prods_hugging_face_preset(cluster_tools) -> None:
    cluster_tools("mcr.microsoft.com/aks/kaito/workspace:0.6.0")
    lines = _kaito_lines(preflight.preflight("deploy", ["prod"]))
    assert len(lines) == 2
    assert lines[0].startswith("environments/prod.toml: the cluster's KAITO add-on runs v0.6.0")
    assert (
        "needs v0.9.0: its preset HuggingFaceTB/SmolLM2-1.7B-Instruct is a Hugging Face model id" in lines[0]
    )
    assert "needs v0.8.0: Kueue queues its StatefulSet" in lines[1]


def test_v0_8_still_refuses_the_preset_but_queues_dev(cluster_tools) -> None:
    cluster_tools("mcr.microsoft.com/aks/kaito/workspace:0.8.2")
    assert len(_kaito_lines(preflight.preflight("deploy", ["prod"]))) == 1
    assert _kaito_lines(preflight.preflight("diff", ["dev"])) == []


def test_a_current_addon_passes(cluster_tools) -> None:
    cluster_tools("mcr.microsoft.com/aks/kaito/workspace:0.12.0")
    assert _kaito_lines(preflight.preflight("deploy", ["prod"])) == []


def test_no_cluster_yet_nothing_to_read(cluster_tools, monkeypatch: pytest.MonkeyPatch) -> None:
    cluster_tools("mcr.microsoft.com/aks/kaito/workspace:0.6.0")
    reading = kaito_version.read_addon_version("rg-ai", "not-deployed")
    assert reading.version is None
    assert "not deployed yet" in reading.detail
    settings = environment_settings("prod")
    assert kaito_version.version_problems("prod", settings, reading) == []


def test_image_tags() -> None:
    assert kaito_version.version_from_image("mcr.microsoft.com/aks/kaito/workspace:0.6.0") == "v0.6.0"
    assert kaito_version.version_from_image("ghcr.io/kaito-project/kaito/workspace:v0.12.1") == "v0.12.1"
    assert kaito_version.version_from_image("mcr.microsoft.com/aks/kaito/workspace@sha256:abc") is None


def test_what_was_read_is_said(cluster_tools) -> None:
    cluster_tools("mcr.microsoft.com/aks/kaito/workspace:0.12.0")
    preflight.preflight("diff", ["dev"])
    assert preflight.KAITO_NOTES == [
        "environments/dev.toml: the cluster's KAITO add-on runs v0.12.0 "
        "(mcr.microsoft.com/aks/kaito/workspace:0.12.0)"
    ]
    cluster_tools("")  # a cluster without the add-on's controller
    preflight.preflight("diff", ["dev"])
    assert (
        "KAITO version not read (no kube-system/kaito-workspace Deployment readable"
        in preflight.KAITO_NOTES[0]
    )
