"""environments/schema.json: generated from the settings model, up to date, and what it says
agrees with what the model accepts."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import jsonschema
import pytest

from aks_platform.environments import environment_files
from aks_platform.settings import EnvironmentSettings
from aks_platform.tools.settings_schema import (
    SCHEMA_FILE,
    SETTINGS_DOC,
    doc_with_table,
    main,
    rendered,
    settings_table,
)

SCHEMA_LINE = "#:schema ./schema.json"


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = json.loads(SCHEMA_FILE.read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def test_the_schema_file_is_what_the_model_generates() -> None:
    assert SCHEMA_FILE.read_text() == rendered(), "run make schema and commit environments/schema.json"


def test_the_settings_doc_table_is_what_the_model_generates() -> None:
    doc = SETTINGS_DOC.read_text()
    assert doc == doc_with_table(doc), "run make schema and commit docs/settings.md"


def test_the_table_lists_every_key_with_its_default_and_meaning() -> None:
    table = settings_table()
    assert '| `cluster.network.policy` | `"cilium"` | ' in table
    assert "| `pool: temporary_name_for_rotation` | unset | " in table
    assert "| `prefix` | required | " in table
    rows = [line for line in table.splitlines()[2:]]
    assert all(line.count(" | ") >= 2 and not line.endswith("|  |") for line in rows), (
        "a key without a description"
    )


def test_the_check_fails_on_a_stale_settings_doc(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    stale = tmp_path / "settings.md"
    stale.write_text(SETTINGS_DOC.read_text().replace("| `prefix` | required |", "| `prefix` | `x` |"))
    monkeypatch.setattr("aks_platform.tools.settings_schema.SETTINGS_DOC", stale)
    monkeypatch.setattr("aks_platform.tools.settings_schema.ROOT", tmp_path)
    monkeypatch.setattr("aks_platform.tools.settings_schema.SCHEMA_FILE", tmp_path / "schema.json")
    (tmp_path / "schema.json").write_text(rendered())
    assert main(["--check"]) == 1
    assert "settings.md is out of date" in capsys.readouterr().err


def test_the_check_fails_on_a_stale_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    stale = tmp_path / "schema.json"
    stale.write_text("{}\n")
    monkeypatch.setattr("aks_platform.tools.settings_schema.SCHEMA_FILE", stale)
    monkeypatch.setattr("aks_platform.tools.settings_schema.ROOT", tmp_path)
    assert main(["--check"]) == 1
    assert "schema.json is out of date" in capsys.readouterr().err


@pytest.mark.parametrize("environment", sorted(environment_files()))
def test_every_environment_file_points_at_the_schema_and_passes_it(environment: str, validator) -> None:
    path = environment_files()[environment]
    text = path.read_text()
    assert text.splitlines()[0] == SCHEMA_LINE
    assert [error.message for error in validator.iter_errors(tomllib.loads(text))] == []


@pytest.mark.parametrize(
    "document",
    [
        {"prefix": "x", "system_pool": {"vm_size": "Standard_D4ds_v5"}},
        {"prefix": "x", "cluster": {"network": {"plugin": "kubenet", "policy": "calico"}}},
        {"prefix": "x", "cluster": {"network": {"policy": "none", "data_plane": "azure"}}},
    ],
    ids=["partial-system-pool", "kubenet", "none-unsets"],
)
def test_what_the_model_accepts_the_schema_accepts(document: dict, validator) -> None:
    EnvironmentSettings.model_validate(document)
    assert [error.message for error in validator.iter_errors(document)] == []


@pytest.mark.parametrize(
    "document",
    [
        {"prefix": "x", "locaton": "centralus"},
        {"prefix": "x", "cluster": {"network": {"plugin": "calico"}}},
        {"prefix": "x", "user_pools": [{"name": "gpu"}]},
        {"prefix": "x", "cluster": {"kaito_enabled": "yes"}},
        {"location": "centralus"},
    ],
    ids=["unknown-key", "wrong-enum", "pool-without-vm-size", "wrong-type", "no-prefix"],
)
def test_what_the_model_refuses_the_schema_refuses(document: dict, validator) -> None:
    with pytest.raises(ValueError):
        EnvironmentSettings.model_validate(document)
    assert list(validator.iter_errors(document))
