"""GPU pool rules at settings time: the agent pool API version azapi knows, zones from data, and the
zones refresh from `az vm list-skus` (a recorded fixture shaped like its output)."""

from __future__ import annotations

import functools
import json
import shutil
from pathlib import Path

import pytest
from conftest import environment_settings

from aks_platform import azure_facts
from aks_platform.settings import EnvironmentSettings, NodePoolSettings
from aks_platform.settings import gpus as gpu_rules
from aks_platform.tools import pool_zones
from aks_platform.tools.refresh_versions import RefreshError
from aks_platform.versions import load_table

FIXTURE = Path(__file__).parent / "data" / "az-vm-list-skus.json"
A100 = "Standard_NC24ads_A100_v4"


@functools.cache
def _prod() -> EnvironmentSettings:
    return environment_settings("prod")


def _problems(location: str, *pools: NodePoolSettings) -> list[str]:
    """The GPU rules' problems for prod's settings with these user pools (system pool left out)."""
    settings = _prod().model_copy(update={"location": location, "user_pools": pools})
    problems = gpu_rules.gpu_pool_problems(settings)
    return [f"{p.key}: {p.message}" for p in problems if p.key.startswith("user_pools")]


def _gpu(**fields: object) -> NodePoolSettings:
    base: dict[str, object] = {
        "name": "gpunp",
        "vm_size": A100,
        "taints": ("sku=gpu:NoSchedule",),
        "auto_scaling": False,
        "node_count": 1,
    }
    return NodePoolSettings.model_validate({**base, **fields})


def test_the_agent_pool_api_is_the_newest_with_the_fields_that_azapi_knows() -> None:
    table = load_table()
    # 2026-07-02-preview and 2026-08-01 have the fields, but azapi 2.12.0 embeds neither.
    assert {"2026-07-02-preview", "2026-08-01"} <= set(table.api_versions)
    assert (
        gpu_rules.agent_pool_api_version(table, "gpu_management", "mig_strategy").name == "2026-05-02-preview"
    )
    assert gpu_rules.agent_pool_api_version(table, "gpu_management").name == "2026-05-02-preview"


def test_no_agent_pool_api_in_azapi_is_refused(monkeypatch) -> None:
    _prod()
    monkeypatch.setattr(gpu_rules, "azapi_agent_pool_versions", lambda: {})
    (problem,) = _problems("eastus2", _gpu(gpu_management="Managed"))
    assert problem.startswith("user_pools[0].gpu_management: the pool is created by azapi")
    assert "2026-08-01" in problem and "data/azapi-schemas/: none" in problem


def test_managed_gpu_with_autoscaling_is_refused_and_a_fixed_count_is_not() -> None:
    scaled = _gpu(gpu_management="Managed", auto_scaling=True, node_count=None, min_count=0, max_count=2)
    (problem,) = _problems("eastus2", scaled)
    assert problem.startswith("user_pools[0].auto_scaling: ")
    assert 'aks-managed-gpu-nodes.md, Limitations: "Scale these pools manually."' in problem
    assert _problems("eastus2", _gpu(gpu_management="Managed")) == []
    # Without the managed stack the autoscaler is allowed.
    assert _problems("eastus2", _gpu(auto_scaling=True, node_count=None, min_count=0, max_count=2)) == []


def test_zones_on_a_gpu_pool_rest_on_the_data_file(monkeypatch) -> None:
    _prod()
    assert azure_facts.load_zones().get("eastus2", {}).get(A100) is None  # nothing recorded yet
    (problem,) = _problems("eastus2", _gpu(zones=("1", "2")))
    assert "is not recorded as zonal in eastus2 (data/vm-size-zones.toml)" in problem
    assert "make refresh-versions LOCATION=eastus2" in problem
    monkeypatch.setattr(gpu_rules, "load_zones", lambda: {"eastus2": {A100: ("1", "2")}})
    assert _problems("eastus2", _gpu(zones=("1", "2"))) == []
    (problem,) = _problems("eastus2", _gpu(zones=("2", "3")))
    assert problem == (
        f"user_pools[0].zones: {A100} offers zones 1, 2 in eastus2 (data/vm-size-zones.toml), not 3: "
        "ask only for offered zones, or remove zones"
    )
    monkeypatch.setattr(gpu_rules, "load_zones", lambda: {"eastus2": {A100: ()}})
    assert "offers zones none: it is regional there" in _problems("eastus2", _gpu(zones=("1",)))[0]


def test_zones_on_a_cpu_pool_are_checked_only_where_recorded(monkeypatch) -> None:
    _prod()
    cpu = NodePoolSettings(name="cpu", vm_size="Standard_D4ds_v5", min_count=1, max_count=2, zones=("1", "3"))
    assert _problems("eastus2", cpu) == []
    monkeypatch.setattr(gpu_rules, "load_zones", lambda: {"eastus2": {"Standard_D4ds_v5": ("1", "2")}})
    assert _problems("eastus2", cpu)[0].startswith("user_pools[0].zones: Standard_D4ds_v5 offers zones 1, 2")


# --- Recording zones from az vm list-skus -----------------------------------------------------


def test_zones_are_read_from_az_vm_list_skus() -> None:
    offered = pool_zones.parse_skus(json.loads(FIXTURE.read_text()), "eastus2")
    # Zone 3 is restricted for the subscription; a Location restriction leaves no zone; disks are
    # not VM sizes.
    assert offered == {A100: ("1", "2"), "Standard_D4ds_v5": ("1", "2", "3"), "Standard_NC4as_T4_v3": ()}
    assert pool_zones.parse_skus(json.loads(FIXTURE.read_text()), "westus3") == {}


@pytest.mark.parametrize("document", [{"value": []}, [{"resourceType": "virtualMachines"}]])
def test_output_that_is_not_az_vm_list_skus_is_refused(document: object) -> None:
    with pytest.raises(RefreshError, match="az vm list-skus"):
        pool_zones.parse_skus(document, "eastus2")


def test_refresh_writes_the_sizes_asked_for_and_keeps_the_header(tmp_path: Path, capsys, monkeypatch) -> None:
    table = tmp_path / "vm-size-zones.toml"
    shutil.copy(pool_zones.ZONES_TABLE, table)
    monkeypatch.setattr(pool_zones, "today", lambda: __import__("datetime").date(2026, 12, 1))
    arguments = [f"--table={table}", f"--skus-json={FIXTURE}", "--location=eastus2"]
    assert pool_zones.main([*arguments, f"--size={A100}", "--size=Standard_NC48ads_A100_v4"]) == 0
    out = capsys.readouterr().out
    assert f"{A100} in eastus2: zones 1, 2" in out
    assert "Standard_NC48ads_A100_v4: not offered in eastus2" in out
    text = table.read_text()
    assert text.startswith(pool_zones.ZONES_TABLE.read_text().split("as_of")[0])
    assert azure_facts.load_zones(table) == {"eastus2": {A100: ("1", "2"), "Standard_NC48ads_A100_v4": ()}}
    assert "recorded = 2026-12-01" in text
    # A second run with the same answer changes nothing.
    assert pool_zones.main([*arguments, f"--size={A100}"]) == 0
    assert "no changes" in capsys.readouterr().out


def test_the_zones_table_says_what_az_said() -> None:
    text = pool_zones.ZONES_TABLE.read_text()
    assert "az vm list-skus" in text and "reliability-availability-zones-configure.md" in text
    for sizes in azure_facts.load_zones().values():
        for zones in sizes.values():
            assert set(zones) <= {"1", "2", "3"}
