"""Fast imports of prebuilt CDKTF provider packages: load only the submodules the stacks use.

Why: `cdktf_cdktf_provider_azurerm/__init__.py` ends with `from . import <submodule>` for all
1,528 resource and data-source modules ("to ensure their types are registered"), so every process
imports them all, for a stack that uses about ten (docs/performance.md has the figures). This
module installs an import hook that executes such a package's `__init__` without those trailing
lines; each submodule is then imported on first use by the ordinary import system, because the
package keeps its `__path__`. The `from ._jsii import *` line, which loads the jsii assembly into
Node, still runs; on the Node side, lazy-provider-index.cjs (beside this file) does the same for
the package's lib/index.js, which otherwise requires every resource module.

What it relies on, checked on every import (the packages are pinned, and CDKTF is archived,
but a silent change must never slip through): exactly one `from ._jsii import *` line, and a
contiguous block of `from . import <name>` lines at the end of the file, one per subpackage
folder and nothing else. If either does not hold, it warns and falls back to the standard
import. tests/test_provider_loader.py synthesizes every environment both ways and requires
byte-identical output.

Turn it off with AKS_FAST_PROVIDER_IMPORT=0: install() then does nothing, the finder serves no
package, and the Node preload, if NODE_OPTIONS still names it, leaves every index.js as it is.
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import os
import re
import sys
import warnings
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType

DISABLE_VARIABLE = "AKS_FAST_PROVIDER_IMPORT"
NODE_PRELOAD = Path(__file__).resolve().parent / "lazy-provider-index.cjs"
PROVIDER_PACKAGE = re.compile(r"^cdktf_cdktf_provider_[a-z0-9_]+$")
JSII_IMPORT = "from ._jsii import *"
SUBMODULE_IMPORT = re.compile(r"^from \. import (?P<name>[A-Za-z_][A-Za-z0-9_]*)$")


class LayoutChangedError(Exception):
    """The package's __init__ no longer looks the way the fast import relies on."""


def enabled() -> bool:
    return os.environ.get(DISABLE_VARIABLE, "1").strip().lower() not in ("0", "false", "no", "off")


def trim_package_init(source: str, package_dir: Path) -> str:
    """The package's __init__ source without its trailing submodule imports, or LayoutChangedError."""
    lines = source.splitlines()
    jsii_lines = [index for index, line in enumerate(lines) if line.strip() == JSII_IMPORT]
    if len(jsii_lines) != 1:
        raise LayoutChangedError(f"expected one {JSII_IMPORT!r} line, found {len(jsii_lines)}")

    end = len(lines)
    while end and not lines[end - 1].strip():
        end -= 1
    start = end
    while start and SUBMODULE_IMPORT.match(lines[start - 1]):
        start -= 1
    block = [SUBMODULE_IMPORT.match(line)["name"] for line in lines[start:end]]  # type: ignore[index]
    if not block:
        raise LayoutChangedError("no trailing block of 'from . import <submodule>' lines")
    if start <= jsii_lines[0]:
        raise LayoutChangedError("the submodule imports no longer follow the jsii import")
    stray = [line for line in lines[:start] if SUBMODULE_IMPORT.match(line)]
    if stray:
        raise LayoutChangedError(f"submodule imports outside the trailing block: {stray[:3]}")

    folders = {
        child.name
        for child in package_dir.iterdir()
        if child.is_dir() and (child / "__init__.py").exists() and not child.name.startswith("_")
    }
    if set(block) != folders:
        missing = sorted(folders - set(block))[:3]
        extra = sorted(set(block) - folders)[:3]
        raise LayoutChangedError(
            f"submodule imports do not match the folders (missing {missing}, extra {extra})"
        )
    return "\n".join(lines[:start]) + "\n"


class _TrimmedInitLoader(importlib.abc.Loader):
    def __init__(self, origin: str, source: str) -> None:
        self._origin = origin
        self._source = source

    def exec_module(self, module: ModuleType) -> None:
        exec(compile(self._source, self._origin, "exec"), module.__dict__)


class FastProviderFinder(importlib.abc.MetaPathFinder):
    """Finds prebuilt provider packages and gives them the trimmed __init__."""

    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> importlib.machinery.ModuleSpec | None:
        if not PROVIDER_PACKAGE.match(fullname) or not enabled():
            return None
        spec = importlib.machinery.PathFinder.find_spec(fullname, path)
        if spec is None or spec.origin is None or not spec.submodule_search_locations:
            return None
        origin = Path(spec.origin)
        try:
            trimmed = trim_package_init(origin.read_text(encoding="utf-8"), origin.parent)
        except LayoutChangedError as reason:
            warnings.warn(
                f"{fullname}: fast provider import off, using the standard import ({reason})",
                RuntimeWarning,
                stacklevel=2,
            )
            return None
        spec.loader = _TrimmedInitLoader(str(origin), trimmed)
        return spec


def install() -> None:
    """Install both halves (once); call before the first cdktf or provider import.

    Python: the finder goes first on sys.meta_path. Node: the jsii kernel, started on the first
    jsii import, inherits NODE_OPTIONS and preloads lazy-provider-index.cjs, which makes each
    provider's lib/index.js require its resource modules on first use.
    """
    if not enabled():
        return
    if not any(isinstance(finder, FastProviderFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, FastProviderFinder())
    preload = f"--require={NODE_PRELOAD}"
    options = os.environ.get("NODE_OPTIONS", "")
    if preload not in options.split():
        os.environ["NODE_OPTIONS"] = f"{options} {preload}".strip()
