"""Stack names for the Makefile: `python -m aks_platform.tools.targets stacks dev,prod`.

Prints the stacks of each named environment, cluster stack before workloads stack, so
`make deploy`, `make diff` and `make destroy` act on exactly the environments given.
"""

from __future__ import annotations

import sys

from aks_platform.environments import SettingsError, load_environments
from aks_platform.naming import Naming


def stacks(names: list[str]) -> list[str]:
    environments = load_environments(only=names)
    found = []
    for name, settings in environments.items():
        naming = Naming(name, settings.prefix, settings.location)
        found.append(naming.stack)
        if settings.workloads.enabled:
            found.append(naming.workloads_stack)
    return found


def main(argv: list[str]) -> int:
    if len(argv) < 1 or argv[0] != "stacks":
        print("usage: python -m aks_platform.tools.targets stacks <env>[,<env>...]", file=sys.stderr)
        return 2
    names = [name.strip() for name in ",".join(argv[1:]).split(",") if name.strip()]
    if not names:
        print("name at least one environment: ENV=<environment>[,<environment>...]", file=sys.stderr)
        return 2
    try:
        print(" ".join(stacks(names)))
    except SettingsError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
