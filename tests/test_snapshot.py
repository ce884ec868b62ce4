"""Snapshots of each environment's cluster and workloads stacks: any unreviewed JSON change fails here.

Refresh with `pytest --snapshot-update` only when the change is intended, and say in the
commit message which resource changed and why.
"""

from __future__ import annotations

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


# main.tf value for value (tests/fixtures/environments/main-tf.toml): the snapshots dev's stacks had
# before dev moved to current versions, with only the stack's state path renamed.
def test_main_tf_cluster_stack(main_tf_stack: Stack, json_snapshot: SnapshotAssertion) -> None:
    assert main_tf_stack == json_snapshot


def test_main_tf_workloads_stack(main_tf_workloads: Stack, json_snapshot: SnapshotAssertion) -> None:
    assert main_tf_workloads == json_snapshot
