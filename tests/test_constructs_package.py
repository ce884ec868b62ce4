"""Our constructs/ folder shares its name with the `constructs` library; both must keep working."""

from __future__ import annotations

import importlib
from pathlib import Path

from conftest import ROOT


def test_no_init_file_shadows_the_library() -> None:
    assert not (ROOT / "constructs" / "__init__.py").exists()


def test_library_construct_class_is_intact() -> None:
    import constructs

    assert constructs.Construct.__module__.startswith("constructs")
    library_file = Path(constructs.__file__).resolve()
    assert "site-packages" in library_file.parts


def test_our_modules_import_from_the_same_package() -> None:
    import constructs

    for module in ("aks_cluster", "azapi", "gateway_api", "managed_prometheus", "user_node_pool"):
        loaded = importlib.import_module(f"constructs.{module}")
        assert Path(loaded.__file__).resolve().parent == ROOT / "constructs"
        assert loaded.Construct is constructs.Construct
