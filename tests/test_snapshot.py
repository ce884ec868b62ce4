"""Snapshots of each environment's cluster and workloads stacks: any unreviewed JSON change fails here.

Refresh with `pytest --snapshot-update` only when the change is intended, and say in the
commit message which resource changed and why.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import Stack
from syrupy.assertion import SnapshotAssertion
from syrupy.extensions.json import JSONSnapshotExtension


@pytest.fixture
def json_snapshot(snapshot: SnapshotAssertion) -> SnapshotAssertion:
    return snapshot.use_extension(JSONSnapshotExtension)


def test_dev_cluster_stack(dev_stack: Stack, json_snapshot: SnapshotAssertion) -> None:
    assert dev_stack == json_snapshot


def test_prod_cluster_stack(prod_stack: Stack, json_snapshot: SnapshotAssertion) -> None:
    assert prod_stack == json_snapshot


def test_dev_workloads_stack(dev_workloads: Stack, json_snapshot: SnapshotAssertion) -> None:
    assert dev_workloads == json_snapshot


def test_prod_workloads_stack(prod_workloads: Stack, json_snapshot: SnapshotAssertion) -> None:
    assert prod_workloads == json_snapshot


def test_snapshot_catches_a_changed_value(dev_stack: Stack, synth) -> None:
    """Compare as syrupy does (serialized text) after changing one setting."""
    from aks_platform.settings import ClusterSettings

    extension = JSONSnapshotExtension()
    changed = synth("dev", cluster=ClusterSettings(kubernetes_version="1.34.3"))
    assert extension.serialize(changed) != extension.serialize(dev_stack)
    stored = (
        Path(__file__).parent / "__snapshots__" / "test_snapshot" / "test_dev_cluster_stack.json"
    ).read_text()
    assert extension.serialize(dev_stack) == stored
    assert extension.serialize(changed) != stored
