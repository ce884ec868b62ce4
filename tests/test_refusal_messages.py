"""Refusals, round three (docs/refusals.md): the messages of broken files in our words, and
environments that would collide in Azure, refused in both files."""

from __future__ import annotations

from pathlib import Path

import pytest
from test_bad_settings import VALID, Case, system_pool
from test_refusals import CPU_POOL, _refused, backend

CASES = [
    Case(
        "value-not-one-of-the-choices",
        VALID + '[cluster]\nsku_tier = "free"\n',
        ("cluster.sku_tier = \"free\": use 'Free', 'Standard' or 'Premium' (exactly, in quotes)",),
    ),
    Case(
        "boolean-in-quotes",
        VALID + '[cluster]\nkaito_enabled = "true"\n',
        ('cluster.kaito_enabled = "true": not a valid boolean: write true or false, without quotes',),
    ),
    Case(
        "user-pools-as-one-table",
        VALID + '[user_pools]\nname = "cpu"\nvm_size = "Standard_D4s_v5"\n',
        ("user_pools", "write each entry as its own [[user_pools]] table"),
    ),
    Case(
        "duplicate-key",
        VALID + 'prefix = "again"\n',
        ("t.toml: not valid TOML (line 2, column", "written twice", "keep one"),
    ),
    Case(
        "duplicate-table",
        VALID + '[cluster]\nsku_tier = "Free"\n[cluster]\nsku_tier = "Standard"\n',
        ("not valid TOML (line 4", "each [table] once"),
    ),
    Case(
        "cluster-as-a-string",
        VALID + 'cluster = "big"\n',
        ('t.toml: cluster = "big": write a table: [cluster] with its keys below it',),
    ),
    Case(
        "pool-upgrade-as-a-number",
        VALID + CPU_POOL + "upgrade = 3\n",
        ("user_pools[0].upgrade = 3", "write a table: [user_pools.upgrade]"),
    ),
    Case(
        "byte-order-mark",
        "\ufeff" + VALID,
        ("t.toml: the file starts with a UTF-8 byte order mark (BOM)", "save it as UTF-8 without BOM"),
    ),
]


@pytest.mark.parametrize("case", CASES, ids=[case.id for case in CASES])
def test_refused_in_our_words(case: Case, tmp_path: Path, capsys, monkeypatch) -> None:
    stderr = _refused(tmp_path, capsys, monkeypatch, {case.file_name: case.toml})
    for words in case.expected:
        assert words in stderr, f"{words!r} not in:\n{stderr}"


def test_gpu_size_on_the_system_pool_does_not_advise_a_taint(tmp_path: Path, capsys, monkeypatch) -> None:
    """The old message advised a GPU taint, and the system pool then refused the taint."""
    toml = VALID + system_pool(vm_size="Standard_NC24ads_A100_v4", min_count=2, max_count=3)
    stderr = _refused(tmp_path, capsys, monkeypatch, {"t.toml": toml})
    assert "add a GPU taint" not in stderr
    assert "system_pool.taints" not in stderr


def test_non_utf8_file_names_a_line(tmp_path: Path, capsys, monkeypatch) -> None:
    text = (VALID + "# caf\xe9 (Latin-1)\n").encode("latin-1")
    stderr = _refused(tmp_path, capsys, monkeypatch, {"t.toml": text})
    assert "t.toml: line 2, column 6: byte 0xe9 is not UTF-8" in stderr
    assert "position" not in stderr  # Python's byte offset wording


def test_same_prefix_and_location_refused_in_both_files(tmp_path: Path, capsys, monkeypatch) -> None:
    toml = 'prefix = "aks-ai-conformant-dev"\nlocation = "centralus"\n'
    stderr = _refused(tmp_path, capsys, monkeypatch, {"dev.toml": toml, "copy.toml": toml})
    assert "2 settings problem(s)" in stderr
    assert "copy.toml: prefix" in stderr and "dev.toml has the same prefix and location" in stderr
    assert "dev.toml: prefix" in stderr and "copy.toml has the same prefix and location" in stderr
    assert "'aks-ai-conformant-dev-centralus'" in stderr
    assert "resource group is a Terraform variable" in stderr


def test_same_prefix_other_location_is_no_collision(tmp_path: Path, capsys, monkeypatch) -> None:
    environments = tmp_path / "environments"
    environments.mkdir()
    (environments / "a.toml").write_text('prefix = "aks-t"\nlocation = "centralus"\n')
    (environments / "b.toml").write_text('prefix = "aks-t"\nlocation = "eastus2"\n')
    monkeypatch.setenv("CDKTF_OUTDIR", str(tmp_path / "out"))
    import main

    assert main.main(["--check", "--environments", str(environments)]) == 0, capsys.readouterr().err


def test_same_state_blob_refused_in_both_files(tmp_path: Path, capsys, monkeypatch) -> None:
    stderr = _refused(
        tmp_path,
        capsys,
        monkeypatch,
        {
            "a.toml": 'prefix = "aks-a"\n' + backend(key="shared.tfstate"),
            "b.toml": 'prefix = "aks-b"\n' + backend(key="shared.tfstate"),
        },
    )
    assert "a.toml: backend.key: " in stderr and "b.toml keeps its Terraform state in the same blob" in stderr
    assert "b.toml: backend.key: " in stderr and "a.toml keeps its Terraform state in the same blob" in stderr
    assert "sttfstate/tfstate/shared" in stderr


def test_wildcard_hostname_the_settings_allow_renders() -> None:
    """A leading "*." is a Gateway API Hostname (the settings allow it); unquoted in the templates
    it read as a YAML alias, and the file was refused with the YAML parser's words."""
    from aks_platform import endpoint
    from aks_platform.environments import check_document

    tenant = "00000000-0000-0000-0000-000000000000"
    document = {
        "prefix": "aks-t",
        "cluster": {"key_vault_secrets_provider": {"secret_rotation_enabled": True}},
        "workloads": {
            "inference_routing": {
                "tls": {
                    "hostname": "*.example.com",
                    "key_vault_name": "kv-inference",
                    "certificate_name": "inference-tls",
                    "tenant_id": tenant,
                    "client_id": tenant,
                },
                "authentication": {
                    "issuer": f"https://login.microsoftonline.com/{tenant}/v2.0",
                    "audiences": ["api://inference"],
                },
            }
        },
    }
    settings, problems = check_document("t", document)
    assert settings is not None and problems == [], problems
    routing, workspace = settings.workloads.inference_routing, settings.workloads.kaito_workspace
    gateway = {"kind": "Gateway", "metadata": {"name": endpoint.gateway_name()}, "spec": {}}
    (secured,) = endpoint.secure_routing([gateway], routing, workspace)
    assert {listener["hostname"] for listener in secured["spec"]["listeners"]} == {"*.example.com"}
    routes = [item for item in endpoint.endpoint_objects(settings) if item["kind"] == "HTTPRoute"]
    assert routes and all(route["spec"]["hostnames"] == ["*.example.com"] for route in routes)
