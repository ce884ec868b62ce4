"""Rules on Azure names a setting holds directly: the azurerm backend's, and tags.

The names derived from prefix and location are checked by aks_platform.azure_naming against
data/azure-naming.toml, which lists these too, with the same sources.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, StrictStr

from aks_platform.settings.base import matching, refuse, within_length


# Azure Storage names (ARM naming rules for Microsoft.Storage). A value marked "<replace before
# deploying: ...>" passes here so that a committed file can hold a placeholder, which the preflight
# of make deploy and make diff refuses.
def _or_placeholder(pattern: str, message: str) -> AfterValidator:
    compiled = re.compile(pattern)

    def check(value: str) -> str:
        if not compiled.match(value) and "replace before deploying" not in value.lower():
            raise refuse(message)
        return value

    return AfterValidator(check)


StorageAccountName = Annotated[
    StrictStr, _or_placeholder(r"^[a-z0-9]{3,24}$", "use 3-24 lowercase letters and digits")
]
ContainerName = Annotated[
    StrictStr,
    _or_placeholder(
        r"^(?=.{3,63}$)[a-z0-9]+(-[a-z0-9]+)*$",
        "use 3-63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit",
    ),
]


# Resource groups (ARM naming rules, Microsoft.Resources): 1-90 letters, digits, '_', '-', '.' and
# parentheses, not ending with '.'. Blob names (Azure Storage naming): 1-1024 characters, and a
# name ending with '.' or '/' cannot be addressed.
ResourceGroupName = Annotated[
    StrictStr,
    _or_placeholder(
        r"^[-\w.()]{0,89}[-\w()]$",
        "use 1-90 letters, digits, '_', '-', '.' and parentheses, not ending with '.'",
    ),
]
BlobName = Annotated[
    StrictStr,
    matching(r"^(?=.{1,1024}$).*[^./]$", "use 1-1024 characters, not ending with '.' or '/'"),
]


# Azure Resource Manager tags: key 1-512 characters without these, value at most 256.
TAG_KEY_MAX = 512
TAG_VALUE_MAX = 256
TAG_KEY_FORBIDDEN = "<>%&\\?/"


def _tag_key(key: str) -> str:
    if not key or len(key) > TAG_KEY_MAX:
        raise refuse(f"a tag key has 1-{TAG_KEY_MAX} characters")
    bad = sorted({char for char in key if char in TAG_KEY_FORBIDDEN})
    if bad:
        raise refuse(
            f"a tag key may not contain {' '.join(bad)} (Azure rejects {' '.join(TAG_KEY_FORBIDDEN)})"
        )
    return key


TagKey = Annotated[StrictStr, AfterValidator(_tag_key)]
TagValue = Annotated[
    StrictStr, within_length(TAG_VALUE_MAX, f"tag values have at most {TAG_VALUE_MAX} characters")
]


def _case_insensitive_keys(tags: dict[str, str]) -> dict[str, str]:
    """Azure tag names are case-insensitive (ARM "Use tags to organize your Azure resources",
    limitations): "Owner" and "owner" are one tag, and Azure keeps only one of the values."""
    seen: dict[str, str] = {}
    for key in tags:
        if key.lower() in seen:
            raise refuse(
                f"{seen[key.lower()]!r} and {key!r} are the same tag to Azure (tag names are "
                "case-insensitive); "
                "keep one"
            )
        seen[key.lower()] = key
    return tags


Tags = Annotated[dict[TagKey, TagValue], AfterValidator(_case_insensitive_keys)]
