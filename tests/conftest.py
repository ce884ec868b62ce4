"""Shared fixtures: every stack is synthesized at most once per test session.

Each synth pays for loading the provider's jsii assembly into Node, so the suite shares one
synthesized JSON per environment instead of building stacks per test.
"""

from __future__ import annotations

import functools
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import background
import pytest

from aks_platform import provider_loader
from aks_platform.environments import load_environments
from aks_platform.naming import STACK_PREFIX, WORKLOADS_SUFFIX
from aks_platform.settings import EnvironmentSettings

ROOT = Path(__file__).resolve().parent.parent
NODE_BIN = ROOT / "node_modules" / ".bin"

# jsii starts `node` from PATH: use the Node 22 that package.json pins, as the Makefile does.
if NODE_BIN.is_dir() and not os.environ.get("PATH", "").startswith(str(NODE_BIN)):
    os.environ["PATH"] = f"{NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}"

# The suite synthesizes in-process; load only the provider modules it uses (as main.py does).
provider_loader.install()

Stack = dict[str, Any]


def environment_settings(environment: str) -> EnvironmentSettings:
    """The validated settings of environments/<environment>.toml."""
    return load_environments(only=[environment])[environment]


def _without_metadata(value: Any) -> Any:
    """Drop cdktf's "//" metadata (construct paths, versions): snapshots hold Terraform only."""
    if isinstance(value, dict):
        return {key: _without_metadata(item) for key, item in value.items() if key != "//"}
    if isinstance(value, list):
        return [_without_metadata(item) for item in value]
    return value


def synth_environment(environment: str = "dev", **changes: Any) -> tuple[Stack, Stack | None]:
    """Synthesize both stacks of one environment as `cdktf synth` does; `changes` replace settings.

    A full app synth, not Testing.synth: only it resolves the cross-stack references (outputs
    in the cluster stack, remote state in the workloads stack).
    """
    settings = environment_settings(environment)
    if changes:
        settings = settings.model_copy(update=changes)
    return synth_settings(environment, settings)


def synth_settings(environment: str, settings: EnvironmentSettings) -> tuple[Stack, Stack | None]:
    """Both stacks of one environment from settings already built (see synth_environment)."""
    from cdktf import Testing

    from aks_platform.stacks import build_stacks

    with tempfile.TemporaryDirectory(prefix="synth-") as outdir:
        app = Testing.app(outdir=outdir)
        stacks = build_stacks(app, {environment: settings})[environment]
        app.synth()
        folder = Path(outdir) / "stacks"
        cluster = json.loads((folder / stacks.cluster.node.id / "cdk.tf.json").read_text())
        workloads = None
        if stacks.workloads is not None:
            workloads = json.loads((folder / stacks.workloads.node.id / "cdk.tf.json").read_text())
    return _without_metadata(cluster), _without_metadata(workloads)


def synth_cluster_stack(environment: str = "dev", **changes: Any) -> Stack:
    return synth_environment(environment, **changes)[0]


def committed_stacks(environment: str) -> tuple[Stack, Stack | None]:
    """Both stacks of an environment file as committed: what the `make synth` job wrote when this
    run started it anyway (a whole-suite run: one synth fewer in this process), else synthesized
    here."""
    if not (JOBS.started and JOBS.will_run("make-synth")):
        return synth_environment(environment)
    run = JOBS.get("make-synth")
    assert run["process"].returncode == 0, run["process"].stdout + run["process"].stderr
    files = run["files"]
    cluster_name = f"stacks/{STACK_PREFIX}-{environment}/cdk.tf.json"
    workloads_name = f"stacks/{STACK_PREFIX}-{environment}{WORKLOADS_SUFFIX}/cdk.tf.json"
    workloads = json.loads(files[workloads_name]) if workloads_name in files else None
    return _without_metadata(json.loads(files[cluster_name])), _without_metadata(workloads)


@pytest.fixture(scope="session")
def dev_stacks() -> tuple[Stack, Stack | None]:
    return committed_stacks("dev")


@pytest.fixture(scope="session")
def prod_stacks() -> tuple[Stack, Stack | None]:
    return committed_stacks("prod")


# main.tf value for value (tests/fixtures/environments/main-tf.toml): the equivalence tests and
# their snapshot run against it, so environments/dev.toml can move to versions AKS offers today.
FIXTURE_ENVIRONMENTS = ROOT / "tests" / "fixtures" / "environments"
MAIN_TF = "main-tf"


@pytest.fixture(scope="session")
def main_tf_stacks() -> tuple[Stack, Stack | None]:
    settings = load_environments(FIXTURE_ENVIRONMENTS, only=[MAIN_TF])[MAIN_TF]
    return synth_settings(MAIN_TF, settings)


@pytest.fixture(scope="session")
def main_tf_stack(main_tf_stacks: tuple[Stack, Stack | None]) -> Stack:
    return main_tf_stacks[0]


@pytest.fixture(scope="session")
def main_tf_workloads(main_tf_stacks: tuple[Stack, Stack | None]) -> Stack:
    assert main_tf_stacks[1] is not None
    return main_tf_stacks[1]


@pytest.fixture(scope="session")
def dev_stack(dev_stacks: tuple[Stack, Stack | None]) -> Stack:
    return dev_stacks[0]


@pytest.fixture(scope="session")
def prod_stack(prod_stacks: tuple[Stack, Stack | None]) -> Stack:
    return prod_stacks[0]


@pytest.fixture(scope="session")
def dev_workloads(dev_stacks: tuple[Stack, Stack | None]) -> Stack:
    assert dev_stacks[1] is not None
    return dev_stacks[1]


@pytest.fixture(scope="session")
def prod_workloads(prod_stacks: tuple[Stack, Stack | None]) -> Stack:
    assert prod_stacks[1] is not None
    return prod_stacks[1]


@pytest.fixture(scope="session")
def synth() -> Callable[..., Stack]:
    return synth_cluster_stack


def resources(stack: Stack, resource_type: str) -> dict[str, Any]:
    return stack.get("resource", {}).get(resource_type, {})


def only(stack: Stack, resource_type: str) -> dict[str, Any]:
    """The single resource of a type; fails if there are none or several."""
    found = resources(stack, resource_type)
    assert len(found) == 1, f"expected one {resource_type}, found {sorted(found)}"
    return next(iter(found.values()))


# --- Slow, independent checks in the background (tests/background.py) ---------------------------

JOBS = background.Jobs()
PROXY: background.ConnectionRecorder | None = None
SUBPROCESS_MARK = "subprocess"
STANDARD_IMPORT_MARK = "standard_import"
STANDARD_IMPORT_OPTION = "--standard-import"
STANDARD_IMPORT_SKIP = (
    "the standard-import comparison runs in `make test-standard-import` (alone about 1.5-1.65x the "
    "import baseline, as much as the rest of the suite); CI runs it after `make test` (docs/performance.md)"
)


def _register_jobs() -> None:
    global PROXY
    if JOBS.jobs:
        return
    PROXY = background.ConnectionRecorder()
    folder = JOBS.folder
    proxies = {name: PROXY.url for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}
    checkov_env = {**proxies, "NO_PROXY": "", "no_proxy": "", "XDG_CACHE_HOME": str(folder / "checkov-cache")}
    standard_import = {provider_loader.DISABLE_VARIABLE: "0"}
    # Only with --standard-import (make test-standard-import): alone it costs about as much as the
    # rest of the suite, on a lane of its own.
    JOBS.add("standard", lambda: background.app_synth(folder, "standard", standard_import))
    JOBS.add("make-synth", lambda: background.make_synth(folder))
    scan = functools.partial(background.checkov_scan, JOBS, checkov_env)
    JOBS.add("checkov", scan, after="make-synth", needs=("make-synth",))
    JOBS.add("cli", lambda: background.cli_synth(folder), after="checkov")
    JOBS.add("review", lambda: background.make_review(folder), deferred=True)


def _runs_the_whole_suite(config: pytest.Config) -> bool:
    """A plain `pytest` (what `make test` runs): no file, -k or -m narrows it."""
    narrowed = config.option.markexpr or config.option.keyword
    return not narrowed and [Path(arg).resolve() for arg in config.args] == [ROOT / "tests"]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        STANDARD_IMPORT_OPTION,
        action="store_true",
        help="also synthesize with the standard provider import and compare (make test-standard-import)",
    )


def _wanted_jobs(config: pytest.Config, waiting: list[pytest.Item] | None = None) -> set[str]:
    """The jobs this run needs. A whole-suite run (before collection): all of them, the
    standard-import job only on request. A narrowed run: the jobs its tests name in
    `@pytest.mark.subprocess(<job>, ...)`; Jobs.start adds the jobs those wait for."""
    if waiting is None:
        names = set(JOBS.jobs)
        return names if config.getoption(STANDARD_IMPORT_OPTION) else names - {"standard"}
    wanted = {name for item in waiting for name in item.get_closest_marker(SUBPROCESS_MARK).args}
    unknown = wanted - set(JOBS.jobs)
    if unknown:
        raise pytest.UsageError(f"unknown background jobs {sorted(unknown)}; known: {sorted(JOBS.jobs)}")
    return wanted


def pytest_configure(config: pytest.Config) -> None:
    """A whole-suite run starts the jobs before collection, which gains the second core a second
    or two; a narrowed run starts them after collection, and only if a test needs them."""
    if _runs_the_whole_suite(config):
        _register_jobs()
        JOBS.start(_wanted_jobs(config))


@pytest.hookimpl(trylast=True)  # after -m and -k have deselected what will not run
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests that wait for a background job run last; the jobs start now if any such test runs.

    The standard-import comparison is skipped unless --standard-import asks for it."""
    if not config.getoption(STANDARD_IMPORT_OPTION):
        skip = pytest.mark.skip(reason=STANDARD_IMPORT_SKIP)
        for item in items:
            if item.get_closest_marker(STANDARD_IMPORT_MARK):
                item.add_marker(skip)
    waiting = [
        item
        for item in items
        if item.get_closest_marker(SUBPROCESS_MARK)
        and (config.getoption(STANDARD_IMPORT_OPTION) or not item.get_closest_marker(STANDARD_IMPORT_MARK))
    ]
    if not waiting:
        return
    items[:] = [item for item in items if item not in waiting] + waiting
    if not JOBS.started:
        _register_jobs()
        wanted = _wanted_jobs(config, waiting)
        if wanted:
            JOBS.start(wanted)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Collection is done: start the deferred jobs."""
    if JOBS.started:
        JOBS.release()


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if JOBS.started:
        terminalreporter.write_line(f"background jobs: {JOBS.timings()}")


def pytest_unconfigure(config: pytest.Config) -> None:
    if PROXY is not None:
        PROXY.close()
    JOBS.cleanup()


@pytest.fixture(scope="session")
def jobs() -> background.Jobs:
    _register_jobs()
    return JOBS


@pytest.fixture(scope="session")
def proxy(jobs: background.Jobs) -> background.ConnectionRecorder:
    assert PROXY is not None
    return PROXY
