"""The refresh of data/vm-size-zones.toml: which availability zones each VM size offers per region.

    python -m aks_platform.tools.pool_zones --location eastus2 [--skus-json saved.json]

(part of `make refresh-versions LOCATION=<region>`) runs, or reads, the JSON output of

    az vm list-skus --location <region> --resource-type virtualMachines --output json

which is the Compute Resource SKUs list: an array of {"resourceType": "virtualMachines", "name":
"Standard_NC24ads_A100_v4", "locations": ["eastus2"], "locationInfo": [{"location": "eastus2",
"zones": ["1", "2"]}], "restrictions": [{"type": "Zone", "values": ["eastus2"], "restrictionInfo":
{"locations": ["eastus2"], "zones": ["1"]}, "reasonCode": "NotAvailableForSubscription"}]}. A size's
zones in the region are its locationInfo zones minus those a "Zone" restriction names; a "Location"
restriction means the subscription cannot use the size there at all (recorded as no zones).

Only the sizes the environments' pools use are written, each with the day it was read.
"""

from __future__ import annotations

import argparse
import datetime
import json
import sys
import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import tomli_w

from aks_platform.azure_facts import ZONES_TABLE
from aks_platform.tools.refresh_versions import RefreshError, _run_az, header_comment
from aks_platform.versions import today


def parse_skus(document: Any, location: str) -> dict[str, tuple[str, ...]]:
    """VM size -> zones usable in `location`, from `az vm list-skus --output json`."""
    if not isinstance(document, list):
        raise RefreshError("az vm list-skus: expected a JSON array of resource SKUs")
    found: dict[str, tuple[str, ...]] = {}
    for index, sku in enumerate(document):
        if not isinstance(sku, dict) or not isinstance(sku.get("name"), str):
            raise RefreshError(f'az vm list-skus: item {index} has no "name"')
        if sku.get("resourceType") != "virtualMachines":
            continue
        infos = [info for info in sku.get("locationInfo") or [] if _same(info.get("location"), location)]
        if not infos:
            continue
        zones = {zone for info in infos for zone in info.get("zones") or []}
        for restriction in sku.get("restrictions") or []:
            info = restriction.get("restrictionInfo") or {}
            if not any(_same(place, location) for place in info.get("locations") or []):
                continue
            if restriction.get("type") == "Location":
                zones = set()
            elif restriction.get("type") == "Zone":
                zones -= set(info.get("zones") or [])
        found[sku["name"]] = tuple(sorted(zones))
    return found


def _same(region: Any, location: str) -> bool:
    # az prints regions as "eastus2" in locations and sometimes "EastUS2" in locationInfo.
    return isinstance(region, str) and region.lower() == location.lower()


def merge(
    table: dict[str, Any],
    offered: dict[str, tuple[str, ...]],
    sizes: Iterable[str],
    location: str,
    day: datetime.date,
) -> tuple[dict[str, Any], list[str]]:
    """The table with `sizes` recorded for `location` as az reported them; one line per change."""
    merged = json.loads(json.dumps(table, default=str))
    regions = merged.setdefault("regions", {})
    rows = regions.setdefault(location, {})
    changes = []
    for size in sorted(set(sizes)):
        if size not in offered:
            changes.append(f"{size}: not offered in {location} (az vm list-skus has no row for it)")
            zones: tuple[str, ...] = ()
        else:
            zones = offered[size]
        before = rows.get(size, {}).get("zones")
        if before != list(zones):
            changes.append(f"{size} in {location}: zones {', '.join(zones) or 'none (regional)'}")
        rows[size] = {"zones": list(zones), "recorded": day.isoformat()}
    regions[location] = dict(sorted(rows.items()))
    merged["regions"] = dict(sorted(regions.items()))
    merged["as_of"] = day.isoformat()
    return _dates(merged), changes


def _dates(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: datetime.date.fromisoformat(item) if key in ("as_of", "recorded") else _dates(item)
            for key, item in value.items()
        }
    return value


def environment_sizes(location: str) -> list[str]:
    """VM sizes of every pool of the environments that deploy to `location`."""
    from aks_platform.environments import load_environments

    sizes = []
    for settings in load_environments().values():
        if settings.location == location:
            sizes += [pool.vm_size for pool in (settings.system_pool, *settings.user_pools)]
    return sizes


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--location", required=True, help="Azure region, such as eastus2")
    parser.add_argument("--skus-json", type=Path, help="saved output of az vm list-skus")
    parser.add_argument("--table", type=Path, default=ZONES_TABLE, help="the table to update")
    parser.add_argument("--size", action="append", help="a size to record (default: the environments')")
    args = parser.parse_args(argv)
    try:
        document = (
            json.loads(args.skus_json.read_text())
            if args.skus_json
            else _run_az(
                ["vm", "list-skus", "--location", args.location, "--resource-type", "virtualMachines"]
            )
        )
        text = args.table.read_text(encoding="utf-8")
        merged, changes = merge(
            tomllib.loads(text),
            parse_skus(document, args.location),
            args.size or environment_sizes(args.location),
            args.location,
            today(),
        )
    except (RefreshError, json.JSONDecodeError, OSError) as error:
        print(f"refresh zones: {error}", file=sys.stderr)
        return 2
    args.table.write_text(header_comment(text) + tomli_w.dumps(merged), encoding="utf-8")
    for change in changes or ["no changes"]:
        print(f"  {change}")
    print(f"{args.table.name} updated; review the diff and commit it")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
