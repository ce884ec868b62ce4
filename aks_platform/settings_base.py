"""The base of every settings model, apart from aks_platform.settings so that modules holding
groups of settings (aks_platform.settings_production) can subclass it without an import cycle."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Settings(BaseModel):
    """Base of every settings model: immutable, and unknown keys are errors, not ignored."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)
