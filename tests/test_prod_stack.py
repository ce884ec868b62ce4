"""The production environment: real GPUs and the hardening the security gate asks for."""

from __future__ import annotations

from conftest import Stack, only, resources


def test_gpu_pool_runs_real_gpus_with_the_managed_gpu_stack(prod_stack: Stack) -> None:
    """A managed GPU pool at a fixed count (AKS does not autoscale managed GPU pools during the
    preview); GPU scale-out and scale-to-zero for the model come from KAITO's own nodes (docs/gpu.md)."""
    pool = only(prod_stack, "azapi_resource")
    properties = pool["body"]["properties"]
    assert properties["vmSize"].startswith("Standard_N")
    assert properties["nodeTaints"] == ["sku=gpu:NoSchedule"]
    assert properties["gpuProfile"]["driver"] == "Install"
    assert properties["gpuProfile"]["nvidia"]["managementMode"] == "Managed"
    assert properties["enableAutoScaling"] is False and properties["count"] >= 1
    # The managed GPU stack comes from the agent pool's gpuProfile (API), not the preview-era tag.
    assert "EnableManagedGPUExperience" not in properties["tags"]
    assert properties["gpuInstanceProfile"] == "MIG3g"
    assert properties["enableEncryptionAtHost"] is True
    assert properties["maxPods"] >= 50
    # Not recorded as zonal in eastus2 (data/vm-size-zones.toml): a regional pool.
    assert "availabilityZones" not in properties


def test_cluster_identity_and_access(prod_stack: Stack) -> None:
    cluster = only(prod_stack, "azurerm_kubernetes_cluster")
    assert cluster["local_account_disabled"] is True
    rbac = cluster["azure_active_directory_role_based_access_control"]
    assert rbac["azure_rbac_enabled"] is True
    assert rbac["admin_group_object_ids"]
    assert cluster["api_server_access_profile"]["authorized_ip_ranges"]


def test_cluster_operations_hardening(prod_stack: Stack) -> None:
    cluster = only(prod_stack, "azurerm_kubernetes_cluster")
    assert cluster["sku_tier"] == "Standard"
    assert cluster["automatic_upgrade_channel"] == "patch"
    assert cluster["node_os_upgrade_channel"] == "NodeImage"
    assert cluster["azure_policy_enabled"] is True
    assert cluster["image_cleaner_enabled"] is True
    assert cluster["disk_encryption_set_id"].split("/")[-2] == "diskEncryptionSets"
    assert cluster["key_vault_secrets_provider"] == {
        "secret_rotation_enabled": True,
        "secret_rotation_interval": "2m",
    }
    assert cluster["network_profile"] == {
        "network_plugin": "azure",
        "network_plugin_mode": "overlay",
        "network_data_plane": "cilium",
        "network_policy": "cilium",
    }
    assert cluster["workload_autoscaler_profile"] == {
        "keda_enabled": True,
        "vertical_pod_autoscaler_enabled": True,
    }


def test_system_pool_hardening(prod_stack: Stack) -> None:
    pool = only(prod_stack, "azurerm_kubernetes_cluster")["default_node_pool"]
    assert pool["os_disk_type"] == "Ephemeral"
    assert pool["host_encryption_enabled"] is True
    assert pool["max_pods"] >= 50
    assert pool["min_count"] >= 1


def test_container_insights_uses_managed_identity(prod_stack: Stack) -> None:
    workspace = only(prod_stack, "azurerm_log_analytics_workspace")
    assert workspace["name"] == "log-aks-ai-conformant-prod-eastus2"
    assert workspace["local_authentication_enabled"] is False
    oms = only(prod_stack, "azurerm_kubernetes_cluster")["oms_agent"]
    assert oms == {
        "log_analytics_workspace_id": "${azurerm_log_analytics_workspace.log_analytics_workspace.id}",
        "msi_auth_for_monitoring_enabled": True,
    }


def test_a_cpu_pool_for_ordinary_pods(prod_stack: Stack) -> None:
    """Kueue's controller and the gateway need untainted nodes that are always there
    (tests/test_scheduling.py)."""
    pool = resources(prod_stack, "azurerm_kubernetes_cluster_node_pool")["node_pool_apps"]
    assert pool["vm_size"] == "Standard_D4ds_v5"
    assert "node_taints" not in pool
    assert pool["min_count"] >= 2  # Kueue's two replicas, spread over nodes
    assert pool["zones"] == ["1", "2", "3"]
    assert pool["host_encryption_enabled"] is True
