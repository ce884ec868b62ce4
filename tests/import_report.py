"""Runs main.py, then writes what the provider import loaded: python tests/import_report.py <file>.

The standard side of the import comparison runs through this, so a test can prove that neither
half of the fast import ran there: no FastProviderFinder on sys.meta_path and every provider
submodule imported (Python), and no Node process of the jsii kernel started with the preload
(the only ways it loads are NODE_OPTIONS and node's own --require argument). report() also runs
inside the suite, where the fast import is on, to show it sees both halves when they are there.
"""

from __future__ import annotations

import json
import runpy
import sys
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
PRELOAD_NAME = "lazy-provider-index.cjs"
PROVIDERS = ("cdktf_cdktf_provider_azurerm", "cdktf_cdktf_provider_azapi")


def _node_processes() -> list[dict[str, Any]]:
    """This process's descendants that run node: the jsii kernel (and any child it starts)."""
    found = []
    for child in psutil.Process().children(recursive=True):
        try:
            command = child.cmdline()
            options = child.environ().get("NODE_OPTIONS", "")
        except psutil.Error:
            continue
        if command and Path(command[0]).name.startswith("node"):
            preloads = PRELOAD_NAME in options or any(PRELOAD_NAME in part for part in command)
            found.append({"command": Path(command[0]).name, "preload": preloads})
    return found


def report() -> dict[str, Any]:
    """What this process has loaded; call after the first jsii import (the kernel is running)."""
    from aks_platform.fast_import.provider_loader import FastProviderFinder

    return {
        "python_hook": any(isinstance(finder, FastProviderFinder) for finder in sys.meta_path),
        "provider_submodules": {
            package: sum(1 for name in sys.modules if name.startswith(f"{package}."))
            for package in PROVIDERS
        },
        "node_processes": _node_processes(),
    }


def main(argv: list[str]) -> int:
    (target,) = argv
    sys.path.insert(0, str(ROOT))
    sys.argv = [str(ROOT / "main.py")]
    code: object = 0
    try:
        runpy.run_path(str(ROOT / "main.py"), run_name="__main__")
    except SystemExit as leaving:
        code = leaving.code
    Path(target).write_text(json.dumps(report()))
    return code if isinstance(code, int) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
