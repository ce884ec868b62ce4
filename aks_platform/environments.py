"""Reads environments/<name>.toml into validated settings, or reports every problem in every file.

Nothing is synthesized unless every selected environment is valid, so a typo in one file
never leaves a half-written cdktf.out/.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError

from aks_platform.collisions import collision_problems
from aks_platform.paths import ENVIRONMENTS, ROOT
from aks_platform.settings import (
    AzurermBackendSettings,
    EnvironmentSettings,
    LocalBackendSettings,
    nested_model,
)
from aks_platform.validation import check_environment
from aks_platform.validation_types import NO_VALUE, Problem

ENVIRONMENTS_DIR = ENVIRONMENTS
ENVIRONMENT_NAME = re.compile(r"^[a-z][a-z0-9-]{0,15}$")
# pydantic puts the discriminator value of a tagged union into error locations.
BACKENDS: dict[str, type[BaseModel]] = {"local": LocalBackendSettings, "azurerm": AzurermBackendSettings}


@dataclass(frozen=True)
class FileProblem:
    file: str
    problem: Problem

    def __str__(self) -> str:
        where = f"{self.file}: {self.problem.key}" if self.problem.key else self.file
        if self.problem.value is NO_VALUE:
            return f"{where}: {self.problem.message}"
        return f"{where} = {_show(self.problem.value)}: {self.problem.message}"


class SettingsError(Exception):
    """Raised with every problem found; str() is the report a person reads."""

    def __init__(self, problems: list[FileProblem]) -> None:
        self.problems = problems
        lines = [f"{len(problems)} settings problem(s); nothing was synthesized:"]
        lines += [f"  - {problem}" for problem in problems]
        super().__init__("\n".join(lines))


def _show(value: Any) -> str:
    try:
        text = json.dumps(value, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def environment_files(directory: Path = ENVIRONMENTS_DIR) -> dict[str, Path]:
    return {path.stem: path for path in sorted(directory.glob("*.toml"))}


def environment_label(directory: Path, name: str) -> str:
    """How messages name an environment's file: relative to the project where possible."""
    return _relative(directory / f"{name}.toml")


def load_environments(
    directory: Path = ENVIRONMENTS_DIR, only: list[str] | None = None
) -> dict[str, EnvironmentSettings]:
    """Validated settings per environment name, in name order; raises SettingsError on any problem."""
    files = environment_files(directory)
    problems: list[FileProblem] = []
    if not files:
        problems.append(FileProblem(_relative(directory), Problem("", NO_VALUE, "no *.toml files")))
    selected = only or list(files)
    for name in selected:
        if name not in files:
            problems.append(
                FileProblem(
                    _relative(directory / f"{name}.toml"),
                    Problem("", NO_VALUE, f"no such environment; known: {', '.join(files) or 'none'}"),
                )
            )
    loaded: dict[str, EnvironmentSettings] = {}
    for name in selected:
        if name not in files:
            continue
        settings, file_problems = load_environment(files[name])
        problems.extend(file_problems)
        if settings is not None:
            loaded[name] = settings
    if not problems:
        shown = {name: (_relative(files[name]), settings) for name, settings in loaded.items()}
        problems = [FileProblem(file, problem) for file, problem in collision_problems(shown)]
    if problems:
        raise SettingsError(problems)
    return loaded


def load_environment(path: Path) -> tuple[EnvironmentSettings | None, list[FileProblem]]:
    """One file: its settings (None when invalid) and everything wrong with it."""
    shown = _relative(path)
    name = path.stem
    if not ENVIRONMENT_NAME.match(name):
        problem = Problem(
            "", NO_VALUE, "name the file <environment>.toml with 1-16 lowercase letters, digits or '-'"
        )
        return None, [FileProblem(shown, problem)]
    try:
        document = tomllib.loads(read_text(path))
    except UnreadableFileError as error:
        return None, [FileProblem(shown, Problem("", NO_VALUE, str(error)))]
    except tomllib.TOMLDecodeError as error:
        return None, [FileProblem(shown, Problem("", NO_VALUE, toml_message(error)))]
    except OSError as error:
        return None, [FileProblem(shown, Problem("", NO_VALUE, f"cannot read: {error}"))]
    settings, problems = check_document(name, document)
    return settings, [FileProblem(shown, problem) for problem in problems]


class UnreadableFileError(Exception):
    """A file that is not UTF-8 text TOML can read; str() says where and what to do."""


BOM = "\ufeff"


def read_text(path: Path) -> str:
    """The file as text: UTF-8 (TOML 1.0 requires it) without a byte order mark (tomllib reads a
    BOM as a stray character and says "Invalid statement")."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
        column = error.start - (data.rfind(b"\n", 0, error.start) + 1) + 1
        raise UnreadableFileError(
            f"line {line}, column {column}: byte 0x{data[error.start]:02x} is not UTF-8 (TOML files are "
            "UTF-8): save the file as UTF-8"
        ) from None
    if text.startswith(BOM):
        raise UnreadableFileError(
            "the file starts with a UTF-8 byte order mark (BOM), which TOML does not allow: save it as UTF-8 "
            "without BOM"
        )
    return text


# tomllib's words for a key or table written twice, and ours.
DUPLICATE_KEY = re.compile(
    r"^(Cannot overwrite a value|Cannot declare .* twice|Cannot mutate immutable namespace)"
)


def toml_message(error: tomllib.TOMLDecodeError) -> str:
    where = re.search(r"\(at (line \d+, column \d+)\)", str(error))
    at = f" ({where[1]})" if where else ""
    if DUPLICATE_KEY.match(str(error)):
        return (
            f"not valid TOML{at}: a key or table is written twice; TOML sets each key once per table "
            "(and each [table] once): keep one, or for a list of tables write [[name]]"
        )
    return f"not valid TOML: {error}"


def check_document(name: str, document: dict[str, Any]) -> tuple[EnvironmentSettings | None, list[Problem]]:
    """The settings of a parsed environment file and its problems: first the model's (shape, types
    and rules on single values), then, if it has none, the rules across values."""
    try:
        settings = EnvironmentSettings.model_validate(document)
    except ValidationError as error:
        return None, _problems_from(error)
    return settings, check_environment(name, settings)


def _relative(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


# A longer string is shown by its start: the message says what is wrong with its length.
LONG_VALUE = 80


def _problems_from(error: ValidationError) -> list[Problem]:
    problems = []
    for detail in error.errors():
        location = [part for part in detail["loc"] if part not in BACKENDS]
        if location and location[-1] == "[key]":
            # A bad key of a table (a tag key): the table is the key path, the bad key its value.
            location = location[:-2]
        key = _key_path(location)
        kind = detail["type"]
        value = detail.get("input", NO_VALUE)
        if isinstance(value, str) and len(value) > LONG_VALUE:
            value = f"{value[:20]}..."
        if kind == "extra_forbidden":
            allowed = ", ".join(_allowed_keys(list(detail["loc"][:-1])))
            message = f"unknown key; allowed here: {allowed}"
        elif kind == "missing":
            message = "required key is missing"
            value = NO_VALUE
        elif kind in ("model_type", "dataclass_type") and isinstance(value, list):
            message = f"write [{key}] once, as a table; an array of tables is not allowed here"
        elif kind in ("model_type", "dataclass_type", "model_attributes_type"):
            header = (
                f"[[{_table_name(location)}]]"
                if location and isinstance(location[-1], int)
                else (f"[{_table_name(location)}]")
            )
            message = f"write a table: {header} with its keys below it"
        elif kind in ("tuple_type", "list_type") and _holds_tables(location):
            name = _table_name(location)
            message = f"write each entry as its own [[{name}]] table (an array of tables), not [{name}]"
        elif kind in ("tuple_type", "list_type"):
            message = 'write a TOML array, such as ["first", "second"]'
        elif kind == "dict_type":
            message = f'write a TOML table, such as [{key}] or {key} = {{ name = "value" }}'
        elif kind in PLAIN_WORDS:
            message = PLAIN_WORDS[kind]
        elif kind == "literal_error":
            message = f"use {detail['ctx']['expected']} (exactly, in quotes)"
        elif kind == "union_tag_invalid":
            message = f"unknown backend type; use {detail['ctx']['expected_tags']}"
        else:
            message = detail["msg"]
        problems.append(Problem(key, value, message))
    return problems


def _table_name(location: list[Any]) -> str:
    """The TOML header of a key path (without list indexes): user_pools[0].upgrade -> user_pools.upgrade."""
    return ".".join(str(part) for part in location if not isinstance(part, int))


def _holds_tables(location: list[Any]) -> bool:
    """Whether the field at a key path is a list of settings tables (such as user_pools)."""
    model: Any = EnvironmentSettings
    field = None
    for part in location:
        if isinstance(part, int) or part in BACKENDS:
            continue
        field = model.model_fields.get(part) if model is not None else None
        if field is None:
            return False
        model = nested_model(field.annotation)
    return field is not None and model is not None and "tuple" in str(field.annotation)


# pydantic's type errors, in our words (each keeps pydantic's "valid ..." so a search finds both).
PLAIN_WORDS = {
    "bool_type": "not a valid boolean: write true or false, without quotes",
    "int_type": "not a valid integer: write a whole number, without quotes",
    "string_type": 'not a valid string: write the value in quotes, such as "value"',
}


def _key_path(location: list[Any]) -> str:
    key = ""
    for part in location:
        if isinstance(part, int):
            key += f"[{part}]"
        else:
            key += f".{part}" if key else str(part)
    return key


def _allowed_keys(location: list[Any]) -> list[str]:
    """The field names of the model at a key path, for 'unknown key' messages."""
    model: Any = EnvironmentSettings
    for part in location:
        if isinstance(part, int):
            continue
        if part in BACKENDS:
            model = BACKENDS[part]
            continue
        field = model.model_fields.get(part) if model is not None else None
        if field is None:
            return []
        model = nested_model(field.annotation)
    return sorted(model.model_fields) if model is not None else []
