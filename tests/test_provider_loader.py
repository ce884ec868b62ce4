"""The fast provider import: identical output, and a loud fallback if the packages ever change."""

from __future__ import annotations

import importlib.machinery
import json
import os
import shutil
import subprocess
import sys
import textwrap
import tomllib
from pathlib import Path

import import_report
import pytest
from commands import Run, without_fast_import
from conftest import NODE_BIN, ROOT, Stack

from aks_platform.fast_import import provider_loader
from aks_platform.fast_import.provider_loader import (
    NODE_PRELOAD,
    FastProviderFinder,
    LayoutChangedError,
    trim_package_init,
)

# The prebuilt provider packages the Pipfile pins.
PROVIDER_PACKAGES = sorted(
    name.replace("-", "_")
    for name in tomllib.loads((ROOT / "Pipfile").read_text())["packages"]
    if name.startswith("cdktf-cdktf-provider-")
)

PACKAGE_INIT = textwrap.dedent(
    """
    import jsii
    from ._jsii import *

    class Provider:
        pass

    publication.publish()

    # Loading modules to ensure their types are registered with the jsii runtime library
    from . import alpha
    from . import beta
    """
)


def make_package(root: Path, name: str, init: str, submodules: tuple[str, ...] = ("alpha", "beta")) -> Path:
    package = root / name
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(init)
    for submodule in submodules:
        (package / submodule).mkdir()
        (package / submodule / "__init__.py").write_text(f"NAME = {submodule!r}\n")
    return package


# Far fewer than the standard import loads (every resource and data source of the provider).
FEW_SUBMODULES = 100


@pytest.mark.subprocess
@pytest.mark.standard_import
def test_fast_and_standard_imports_synthesize_identical_stacks(
    make_synth_run: Run, standard_import_run: tuple[Run, dict]
) -> None:
    """`make synth` (fast import) against main.py with the standard import, in an environment
    with the fast import taken out: the same bytes. Only in `make test-standard-import`."""
    fast = make_synth_run.check().files
    standard = standard_import_run[0].check().files
    assert fast.keys() == standard.keys()
    stacks = [name for name in fast if name.endswith("cdk.tf.json")]
    assert len(stacks) >= 2
    for name in fast:
        assert fast[name] == standard[name], f"{name} differs between fast and standard import"


@pytest.mark.subprocess
@pytest.mark.standard_import
def test_neither_half_of_the_fast_import_ran_on_the_standard_side(
    standard_import_run: tuple[Run, dict],
) -> None:
    """The standard side is standard in Python (no hook; every submodule imported) and in Node
    (no jsii kernel process started with the preload)."""
    run, report = standard_import_run
    run.check()
    assert report["python_hook"] is False
    assert report["provider_submodules"]["cdktf_cdktf_provider_azurerm"] > 1000
    assert report["node_processes"], "no jsii kernel process found"
    assert not [process for process in report["node_processes"] if process["preload"]]


def test_the_import_report_sees_both_halves_where_they_run(dev_stack: Stack) -> None:
    """The check above can fail: in this process (fast import on, jsii kernel started by the
    dev synth) the report finds the hook, few submodules, and the preload in the kernel."""
    report = import_report.report()
    assert report["python_hook"] is True
    assert report["provider_submodules"]["cdktf_cdktf_provider_azurerm"] < FEW_SUBMODULES
    assert report["node_processes"] and all(process["preload"] for process in report["node_processes"])


def test_the_standard_environment_has_no_preload_and_the_opt_out() -> None:
    preload = f"--require={provider_loader.NODE_PRELOAD}"
    environment = {"NODE_OPTIONS": f"--max-old-space-size=4096 {preload}", "PATH": "/bin"}
    assert without_fast_import(environment) == {
        "NODE_OPTIONS": "--max-old-space-size=4096",
        "PATH": "/bin",
        provider_loader.DISABLE_VARIABLE: "0",
    }
    assert "NODE_OPTIONS" not in without_fast_import({"NODE_OPTIONS": preload})


@pytest.mark.subprocess
def test_make_synth_runs_with_both_halves_of_the_fast_import(make_synth_run: Run) -> None:
    """On the pinned packages neither half falls back: no warning from the Python import hook,
    none from the Node preload (the jsii kernel forwards Node's stderr)."""
    process = make_synth_run.check().process
    output = process.stdout + process.stderr
    assert "fast provider import off" not in output
    assert "loading every module" not in output


@pytest.mark.parametrize("package", PROVIDER_PACKAGES)
def test_the_pinned_provider_packages_have_the_layout_the_import_hook_trims(package: str) -> None:
    spec = importlib.machinery.PathFinder.find_spec(package)
    assert spec is not None and spec.origin is not None, f"{package} is not installed"
    init = Path(spec.origin)
    trimmed = trim_package_init(init.read_text(encoding="utf-8"), init.parent)
    assert "from . import" not in trimmed


def test_trim_removes_exactly_the_trailing_submodule_imports(tmp_path: Path) -> None:
    package = make_package(tmp_path, "cdktf_cdktf_provider_demo", PACKAGE_INIT)
    trimmed = trim_package_init(PACKAGE_INIT, package)
    assert "from . import" not in trimmed
    assert "from ._jsii import *" in trimmed
    assert "publication.publish()" in trimmed


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda text: text.replace("from ._jsii import *\n", ""), "expected one"),
        (lambda text: text.replace("from . import beta\n", ""), "do not match the folders"),
        (lambda text: text + "x = 1\n", "no trailing block"),
        (
            lambda text: text.replace("import jsii\n", "import jsii\nfrom . import alpha\n"),
            "outside the trailing block",
        ),
    ],
    ids=["no-jsii-import", "missing-submodule-line", "code-after-imports", "stray-import"],
)
def test_layout_changes_are_detected(tmp_path: Path, change, reason: str) -> None:
    package = make_package(tmp_path, "cdktf_cdktf_provider_demo", PACKAGE_INIT)
    with pytest.raises(LayoutChangedError, match=reason):
        trim_package_init(change(PACKAGE_INIT), package)


def test_finder_falls_back_to_standard_import_with_a_warning(tmp_path: Path, monkeypatch) -> None:
    broken = PACKAGE_INIT.replace("from ._jsii import *\n", "").replace("import jsii\n", "")
    broken = broken.replace("publication.publish()\n", "")
    make_package(tmp_path, "cdktf_cdktf_provider_changed", broken)
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.warns(RuntimeWarning, match="fast provider import off"):
        spec = FastProviderFinder().find_spec("cdktf_cdktf_provider_changed", None)
    assert spec is None  # the standard import system takes over


def test_finder_leaves_other_packages_alone() -> None:
    assert FastProviderFinder().find_spec("json", None) is None


def test_finder_serves_a_trimmed_package(tmp_path: Path, monkeypatch) -> None:
    init = PACKAGE_INIT.replace("import jsii\n", "").replace(
        "from ._jsii import *\n", "from ._jsii import *\n"
    )
    package = make_package(tmp_path, "cdktf_cdktf_provider_lazy", init.replace("publication.publish()\n", ""))
    (package / "_jsii").mkdir()
    (package / "_jsii" / "__init__.py").write_text("LOADED = True\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sys, "meta_path", [FastProviderFinder(), *sys.meta_path])
    import cdktf_cdktf_provider_lazy  # type: ignore[import-not-found]

    assert "cdktf_cdktf_provider_lazy.alpha" not in sys.modules
    from cdktf_cdktf_provider_lazy import alpha  # type: ignore[import-not-found]

    assert alpha.NAME == "alpha"
    assert "cdktf_cdktf_provider_lazy.beta" not in sys.modules
    assert cdktf_cdktf_provider_lazy.Provider


def run_node_with_preload(package_root: Path, opt_out: str | None = None) -> tuple[dict, str]:
    """What the script saw (modules loaded before and after first use) and Node's stderr, with
    AKS_FAST_PROVIDER_IMPORT set to `opt_out` (unset: None)."""
    node = shutil.which("node", path=str(NODE_BIN)) or shutil.which("node")
    assert node, "node is not installed"
    script = (
        "const index = require(process.argv[1]);"
        "console.log(JSON.stringify({before: globalThis.loaded || [], "
        "value: index.alpha.NAME, after: globalThis.loaded}));"
    )
    result = subprocess.run(
        [node, f"--require={NODE_PRELOAD}", "-e", script, str(package_root / "lib" / "index.js")],
        capture_output=True,
        text=True,
        check=True,
        env=node_environment(opt_out),
    )
    return json.loads(result.stdout), result.stderr


def node_environment(opt_out: str | None) -> dict[str, str]:
    environment = {
        name: value
        for name, value in os.environ.items()
        if name not in ("NODE_OPTIONS", provider_loader.DISABLE_VARIABLE)
    }
    if opt_out is not None:
        environment[provider_loader.DISABLE_VARIABLE] = opt_out
    return environment


def make_node_package(root: Path, index: str) -> Path:
    lib = root / "@cdktf" / "provider-demo" / "lib"
    lib.mkdir(parents=True)
    (lib / "index.js").write_text(index)
    for name in ("alpha", "beta"):
        (lib / f"{name}.js").write_text(
            f"(globalThis.loaded ||= []).push({name!r}); exports.NAME = {name!r};\n"
        )
    return lib.parent


def test_node_preload_requires_modules_on_first_use(tmp_path: Path) -> None:
    index = (
        '"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\n'
        "exports.beta = exports.alpha = void 0;\n// generated by cdktf get\n"
        'exports.alpha = require("./alpha");\nexports.beta = require("./beta");\n'
    )
    report, _ = run_node_with_preload(make_node_package(tmp_path, index))
    assert report == {"before": [], "value": "alpha", "after": ["alpha"]}


def test_node_preload_leaves_unknown_shapes_alone(tmp_path: Path) -> None:
    index = 'exports.alpha = require("./alpha");\nexports.beta = require("./beta");\nmodule.x = 1;\n'
    report, stderr = run_node_with_preload(make_node_package(tmp_path, index))
    assert report["before"] == ["alpha", "beta"]
    assert "loading every module" in stderr


LAZY_INDEX = (
    '"use strict";\nObject.defineProperty(exports, "__esModule", { value: true });\n'
    'exports.alpha = require("./alpha");\nexports.beta = require("./beta");\n'
)


@pytest.mark.parametrize("opt_out", ["0", "false", " Off "])
def test_node_preload_honours_the_opt_out(tmp_path: Path, opt_out: str) -> None:
    """With AKS_FAST_PROVIDER_IMPORT=0 the preload, when NODE_OPTIONS still carries it, loads
    every module the standard way, without a warning."""
    report, stderr = run_node_with_preload(make_node_package(tmp_path, LAZY_INDEX), opt_out)
    assert report == {"before": ["alpha", "beta"], "value": "alpha", "after": ["alpha", "beta"]}
    assert "LazyProviderIndex" not in stderr


def test_node_preload_runs_when_the_variable_says_on(tmp_path: Path) -> None:
    report, _ = run_node_with_preload(make_node_package(tmp_path, LAZY_INDEX), "1")
    assert report["before"] == []


def test_python_finder_honours_the_opt_out(tmp_path: Path, monkeypatch) -> None:
    """The same well-formed package: trimmed by default, the standard import with the opt-out."""
    make_package(tmp_path, "cdktf_cdktf_provider_optout", PACKAGE_INIT)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv(provider_loader.DISABLE_VARIABLE, raising=False)
    assert FastProviderFinder().find_spec("cdktf_cdktf_provider_optout", None) is not None
    monkeypatch.setenv(provider_loader.DISABLE_VARIABLE, "0")
    assert FastProviderFinder().find_spec("cdktf_cdktf_provider_optout", None) is None


def test_install_with_the_opt_out_leaves_the_import_system_and_node_options_alone(monkeypatch) -> None:
    monkeypatch.setenv(provider_loader.DISABLE_VARIABLE, "0")
    monkeypatch.setenv("NODE_OPTIONS", "--max-old-space-size=4096")
    monkeypatch.setattr(sys, "meta_path", [f for f in sys.meta_path if not isinstance(f, FastProviderFinder)])
    provider_loader.install()
    assert not any(isinstance(finder, FastProviderFinder) for finder in sys.meta_path)
    assert os.environ["NODE_OPTIONS"] == "--max-old-space-size=4096"
