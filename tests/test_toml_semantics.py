"""What a person writing an environment file expects: tables merge over the defaults, settings
that do not apply are refused, optional values can be unset, and a long pool name works."""

from __future__ import annotations

from pathlib import Path

from conftest import only, synth_settings

from aks_platform.environments import load_environment
from aks_platform.settings import (
    AzurermBackendSettings,
    EnvironmentSettings,
    default_rotation_name,
    merge_over,
)

PREFIX = 'prefix = "aks-ai-conformant-t"\n'


def load(tmp_path: Path, toml: str) -> EnvironmentSettings:
    path = tmp_path / "t.toml"
    path.write_text(PREFIX + toml)
    settings, problems = load_environment(path)
    assert settings is not None and not [p for p in problems if "retired" not in str(p)], problems
    return settings


def problems_of(tmp_path: Path, toml: str) -> list[str]:
    path = tmp_path / "t.toml"
    path.write_text(PREFIX + toml)
    return [str(problem) for problem in load_environment(path)[1]]


def test_a_partial_system_pool_keeps_the_defaults_it_does_not_name(tmp_path: Path) -> None:
    default = EnvironmentSettings(prefix="x").system_pool
    settings = load(tmp_path, '[system_pool]\nvm_size = "Standard_D4ds_v5"\n')
    pool = settings.system_pool
    assert pool.vm_size == "Standard_D4ds_v5"
    # main.tf's system pool: critical add-ons only, three zones, autoscaling 2-5.
    assert (pool.name, pool.only_critical_addons, pool.zones) == ("default", True, ("1", "2", "3"))
    assert (pool.min_count, pool.max_count) == (default.min_count, default.max_count) == (2, 5)


def test_a_value_written_replaces_the_default_and_nested_tables_merge() -> None:
    merged = merge_over(
        {"zones": ["1", "2", "3"], "upgrade": {"max_surge": "10%", "drain": 0}},
        {
            "zones": [],
            "upgrade": {"drain": 5},
        },
    )
    assert merged == {"zones": [], "upgrade": {"max_surge": "10%", "drain": 5}}


def test_turning_autoscaling_off_drops_the_default_bounds(tmp_path: Path) -> None:
    pool = load(tmp_path, "[system_pool]\nauto_scaling = false\nnode_count = 3\n").system_pool
    assert (pool.node_count, pool.min_count, pool.max_count) == (3, None, None)
    assert pool.only_critical_addons is True


def test_zones_can_be_emptied_explicitly(tmp_path: Path) -> None:
    assert load(tmp_path, "[system_pool]\nzones = []\n").system_pool.zones == ()


def test_a_setting_that_does_not_apply_is_refused(tmp_path: Path) -> None:
    toml = '[[user_pools]]\nname = "cpu"\nvm_size = "Standard_D4s_v5"\nmin_count = 1\nmax_count = 2\n'
    problems = problems_of(tmp_path, toml + "only_critical_addons = true\n")
    assert any(
        "user_pools[0].only_critical_addons = true: applies to the system pool only" in p for p in problems
    )


def test_kubenet_validates_and_leaves_the_azure_cni_settings_unset(tmp_path: Path) -> None:
    settings = load(tmp_path, '[cluster.network]\nplugin = "kubenet"\npolicy = "calico"\n')
    network = settings.cluster.network
    assert network is not None
    assert (network.plugin, network.plugin_mode, network.data_plane, network.policy) == (
        "kubenet",
        None,
        None,
        "calico",
    )
    cluster, _ = synth_settings("t", settings)
    profile = only(cluster, "azurerm_kubernetes_cluster")["network_profile"]
    assert profile["network_plugin"] == "kubenet" and profile["network_policy"] == "calico"
    assert "network_plugin_mode" not in profile and "network_data_plane" not in profile


def test_none_unsets_an_optional_network_value(tmp_path: Path) -> None:
    settings = load(tmp_path, '[cluster.network]\ndata_plane = "azure"\npolicy = "none"\n')
    network = settings.cluster.network
    assert network is not None and network.policy is None and network.plugin_mode == "overlay"


def test_a_twelve_character_pool_name_gets_a_rotation_name_that_fits(tmp_path: Path) -> None:
    assert default_rotation_name("gpunp") == "gpunptemp"  # main.tf's name is kept
    assert default_rotation_name("default") == "defaulttemp"
    toml = (
        '[[user_pools]]\nname = "gpupool12345"\nvm_size = "Standard_D4s_v5"\nmin_count = 1\nmax_count = 2\n'
    )
    settings = load(tmp_path, toml + '[workloads.gang_scheduling]\nbatch_pool = "gpupool12345"\n')
    assert settings.user_pools[0].rotation_name == "gpupool1temp"


def test_the_workloads_state_key_and_its_remote_state_follow_the_backend() -> None:
    """Each stack has its own state (two stacks in one key would overwrite each other), and the
    workloads stack reads the cluster stack's outputs from the cluster's state."""
    from conftest import environment_settings

    backend = AzurermBackendSettings(
        type="azurerm", resource_group_name="rg", storage_account_name="sttfstate", container_name="tfstate"
    )
    settings = environment_settings("dev").model_copy(update={"backend": backend})
    cluster, workloads = synth_settings("dev", settings)
    assert workloads is not None
    cluster_key = cluster["terraform"]["backend"]["azurerm"]["key"]
    workloads_key = workloads["terraform"]["backend"]["azurerm"]["key"]
    assert (cluster_key, workloads_key) == (
        "ai-conformant-aks-dev.tfstate",
        "ai-conformant-aks-dev-workloads.tfstate",
    )
    (remote,) = workloads["data"]["terraform_remote_state"].values()
    assert remote["backend"] == "azurerm"
    assert remote["config"]["key"] == cluster_key
    assert remote["config"]["storage_account_name"] == "sttfstate"
