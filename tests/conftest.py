"""Shared fixtures: every stack is synthesized at most once per test session.

Each synth pays for loading the provider's jsii assembly into Node, so the suite shares one
synthesized JSON per environment instead of building stacks per test.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aks_platform import provider_loader
from aks_platform.environments import load_environments
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


def synth_cluster_stack(environment: str = "dev", **changes: Any) -> Stack:
    """Synthesize one environment's cluster stack in memory; `changes` replace top-level settings."""
    from cdktf import Testing

    from aks_platform.stacks import build_stacks

    settings = environment_settings(environment)
    if changes:
        settings = settings.model_copy(update=changes)
    stacks = build_stacks(Testing.app(), {environment: settings})
    return json.loads(Testing.synth(stacks[environment].cluster))


@pytest.fixture(scope="session")
def dev_stack() -> Stack:
    return synth_cluster_stack("dev")


@pytest.fixture(scope="session")
def prod_stack() -> Stack:
    return synth_cluster_stack("prod")


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
