"""Shared fixtures: every stack is synthesized at most once per test session, and each of the
project's commands (tests/commands.py) runs at most once, for the tests that need it.

Each synth pays for loading the provider's jsii assembly into Node, so the suite shares one
synthesized JSON per environment instead of building stacks per test. docs/testing.md says how
the suite is organized.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import commands
import pytest
from commands import NODE_BIN, ROOT, Run

from aks_platform.environments import load_environments
from aks_platform.fast_import import provider_loader
from aks_platform.settings import EnvironmentSettings

__all__ = ["NODE_BIN", "ROOT"]

# The environment the suite started in: the commands run in it, not in what install() below
# changes (NODE_OPTIONS), so they start the way a user's do.
USER_ENVIRONMENT = commands.user_environment()
# jsii starts `node` from PATH: use the Node 22 that package.json pins, as the Makefile does.
if "PATH" in USER_ENVIRONMENT:
    os.environ["PATH"] = USER_ENVIRONMENT["PATH"]

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
    """Both stacks of an environment file as committed, synthesized in this process."""
    return synth_environment(environment)


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


# --- The project's commands, each run once per session by the first test that needs it ----------
# Tests that use these fixtures (or start processes themselves) carry @pytest.mark.subprocess:
# `make test-fast` leaves them out. The standard-import comparison also carries
# @pytest.mark.standard_import: `make test` leaves it to `make test-standard-import`.


@pytest.fixture(scope="session")
def make_synth_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """`make synth` into a folder seeded with a stale stack and a stray cdk.tf."""
    return commands.make_synth(tmp_path_factory.mktemp("make-synth") / "out", USER_ENVIRONMENT)


@pytest.fixture(scope="session")
def make_review_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return commands.make_review(tmp_path_factory.mktemp("review") / "out", USER_ENVIRONMENT)


@pytest.fixture(scope="session")
def cli_run(tmp_path_factory: pytest.TempPathFactory) -> Run:
    """`cdktf synth` with CDKTF_ENV empty, as `make synth` runs the app."""
    return commands.cli_synth(tmp_path_factory.mktemp("cli") / "out", USER_ENVIRONMENT)


@pytest.fixture(scope="session")
def standard_import_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Run, dict[str, Any]]:
    """main.py with the standard provider import in a clean environment, and what it loaded
    (tests/import_report.py)."""
    folder = tmp_path_factory.mktemp("standard")
    report = folder / "report.json"
    run = commands.standard_import_synth(folder / "out", report, USER_ENVIRONMENT)
    return run, json.loads(report.read_text()) if report.exists() else {}
