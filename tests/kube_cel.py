"""The Kubernetes CEL environment of CRD validation rules, as far as the reference CRDs use it.

The API server compiles each `x-kubernetes-validations` rule with `self` (and `oldSelf` for
transition rules) bound at the schema node that carries it, in a base environment of CEL's
standard library, the strings extension and Kubernetes' own libraries (k8s.io/apiserver
pkg/cel/environment/base.go; the libraries in pkg/cel/library). Here the evaluator is
cel-expr-python, Google's C++ runtime (cel-cpp) behind a Python binding; it brings the standard
library and the strings extension (split, substring, lowerAscii, ...). Of Kubernetes' libraries
the reference CRDs (read 2026-12-01) use only the URL one (`isURL`, `url`, `getScheme`: Istio);
those are implemented below, on go_url.py (Go's url.ParseRequestURI, which library/urls.go calls).
Any other function (quantity, ip, cidr, regex find, lists, sets, format, semver) is undeclared:
its rule fails to compile and the check stops, naming the rule, rather than passing it unread.

Field names are exposed as Kubernetes escapes them (pkg/cel/escaping.go: `namespace` is
`__namespace__`, `a-b` is `a__dash__b`), numbers of `type: number` as doubles and `format: byte`
strings as bytes. Kubernetes binds `format: date-time`/`date` strings as timestamps and
`format: duration` as durations; the binding cannot pass those, so a rule that would see such a
value fails loudly too (no object we emit sets one).
"""

from __future__ import annotations

import base64
import functools
import re
from typing import Any

import go_url
from cel_expr_python import cel
from cel_expr_python.ext import ext_strings

Schema = dict[str, Any]

# CEL's reserved words and language keywords (cel-spec langdef.md), which Kubernetes wraps in __.
RESERVED = frozenset(
    {
        *("true", "false", "null", "in", "as", "break", "const", "continue", "else", "for"),
        *("function", "if", "import", "let", "loop", "package", "namespace", "return", "var"),
        *("void", "while"),
    }
)
IDENTIFIER = re.compile(r"[_a-zA-Z][_a-zA-Z0-9]*")


class RuleError(Exception):
    """A rule this checker cannot evaluate as the API server would: never a silent pass."""


def escape(name: str) -> str | None:
    """A property name as CEL sees it (escaping.go), or None when Kubernetes does not expose it."""
    if name in RESERVED:
        return f"__{name}__"
    escaped = (
        name.replace("__", "__underscores__")
        .replace(".", "__dot__")
        .replace("-", "__dash__")
        .replace("/", "__slash__")
    )
    return escaped if IDENTIFIER.fullmatch(escaped) else None


def cel_value(value: Any, schema: Schema, where: str) -> Any:
    """A JSON value as the API server binds it to `self`: escaped field names, typed scalars."""
    if value is None:
        return None
    if isinstance(value, dict):
        properties = schema.get("properties")
        additional = schema.get("additionalProperties")
        result: dict[str, Any] = {}
        for key, item in value.items():
            if properties is not None and key in properties:
                name = escape(key)
                if name is not None:
                    result[name] = cel_value(item, properties[key], f"{where}.{key}")
            elif isinstance(additional, dict):
                result[key] = cel_value(item, additional, f"{where}.{key}")
            else:  # x-kubernetes-preserve-unknown-fields: untyped, as it came
                result[key] = item
        return result
    if isinstance(value, list):
        items = schema.get("items", {})
        return [cel_value(item, items, f"{where}[{index}]") for index, item in enumerate(value)]
    kind, form = schema.get("type"), schema.get("format")
    if kind == "number" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind == "string" and form == "byte" and isinstance(value, str):
        return base64.b64decode(value)
    if kind == "string" and form in ("date-time", "date", "duration"):
        raise RuleError(
            f"{where}: Kubernetes binds a format: {form} string as a CEL "
            f"{'duration' if form == 'duration' else 'timestamp'}; this checker cannot (kube_cel.py)"
        )
    return value


# A URL is bound as a map of its parts: the binding has no opaque types, and only the getters
# below can reach it, since url() is the only thing that returns one in a compiled rule.
URL = cel.Type.Map(cel.Type.STRING, cel.Type.STRING)
KUBERNETES_LIBRARY = [
    cel.FunctionDecl(
        "isURL", [cel.Overload("isURL_string", cel.Type.BOOL, [cel.Type.STRING], impl=go_url.is_url)]
    ),
    cel.FunctionDecl(
        "url", [cel.Overload("string_to_url", URL, [cel.Type.STRING], impl=go_url.parse_request_uri)]
    ),
    cel.FunctionDecl(
        "getScheme",
        [
            cel.Overload(
                "url_getScheme", cel.Type.STRING, [URL], is_member=True, impl=lambda url: url["scheme"]
            )
        ],
    ),
]


@functools.cache
def environment(transition: bool) -> cel.Env:
    variables = {"self": cel.Type.DYN}
    if transition:
        variables["oldSelf"] = cel.Type.DYN
    strings = ext_strings.ExtStrings()
    return cel.NewEnv(variables=variables, extensions=[strings], functions=KUBERNETES_LIBRARY)


@functools.cache
def compiled(rule: str) -> cel.Expression | None:
    """The rule compiled once per session; None for a transition rule (it names oldSelf)."""
    try:
        return environment(False).compile(rule)
    except RuntimeError as first:
        try:
            environment(True).compile(rule)
        except RuntimeError:
            raise RuleError(
                f"rule does not compile in our Kubernetes CEL environment: {rule!r}: {first}"
            ) from None
        return None


def evaluate(rule: str, activation: Any) -> tuple[bool, str]:
    """(passed, why not): a result that is not true, or an evaluation error, fails the rule."""
    expression = compiled(rule)
    if expression is None:
        raise RuleError(f"transition rule evaluated on create: {rule!r}")
    result = expression.eval(activation)
    if result.type() == cel.Type.BOOL:
        return bool(result.value()), ""
    return False, f"{result.value()} evaluating rule: {rule}"


def message_of(expression: str, activation: Any) -> str | None:
    """A messageExpression's text, or None where the API server falls back to `message`."""
    result = compiled(expression)
    if result is None:
        return None
    value = result.eval(activation)
    if value.type() == cel.Type.STRING and value.value().strip() and "\n" not in value.value():
        return str(value.value())
    return None


def activation(value: Any) -> Any:
    return environment(False).Activation({"self": value})
