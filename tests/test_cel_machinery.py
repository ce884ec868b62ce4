"""The schema check's machinery on small schemas of its own: messages, escaping, defaults, URLs.

No reference data needed. The cases against real CRDs and emitted objects are in test_crd_rules.py.
"""

from __future__ import annotations

from typing import Any

import crd_rules
import go_url
import kube_cel
import pytest
from schemas import checked, validate

Manifest = dict[str, Any]


def schema_with(rule: dict[str, Any], **spec: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {
            "apiVersion": {"type": "string"},
            "kind": {"type": "string"},
            "spec": {
                "type": "object",
                "properties": {
                    "namespace": {"type": "string"},
                    "max-size": {"type": "integer"},
                    "size": {"type": "integer", "default": 1},
                    "since": {"type": "string", "format": "date-time"},
                    **spec,
                },
                "x-kubernetes-validations": [rule],
            },
        },
    }


def toy(spec: dict[str, Any]) -> Manifest:
    return {"apiVersion": "example.com/v1", "kind": "Toy", "metadata": {"name": "t"}, "spec": spec}


def test_message_expression_field_path_and_reason_shape_the_error() -> None:
    rule = {
        "rule": "self.size <= self.max__dash__size",
        "messageExpression": "'size ' + string(self.size) + ' is over ' + string(self.max__dash__size)",
        "message": "unused",
        "fieldPath": ".size",
        "reason": "FieldValueForbidden",
    }
    assert validate(toy({"max-size": 0}), schema_with(rule)) == [
        "Toy t: spec.size: Forbidden: size 1 is over 0"
    ]
    assert validate(toy({"max-size": 2}), schema_with(rule)) == []


def test_message_falls_back_to_the_rule() -> None:
    assert validate(toy({}), schema_with({"rule": "self.size > 1"})) == [
        "Toy t: spec: Invalid value: failed rule: self.size > 1"
    ]


def test_reserved_words_are_escaped_as_kubernetes_does() -> None:
    assert [kube_cel.escape(name) for name in ("namespace", "a-b", "a.b", "a/b", "a__b", "1a", "x y")] == [
        "__namespace__",
        "a__dash__b",
        "a__dot__b",
        "a__slash__b",
        "a__underscores__b",
        None,
        None,
    ]
    rule = {"rule": "self.__namespace__ == 'models'", "message": "namespace must be models"}
    assert validate(toy({"namespace": "models"}), schema_with(rule)) == []
    assert validate(toy({"namespace": "x"}), schema_with(rule)) == [
        "Toy t: spec: Invalid value: namespace must be models"
    ]


def test_an_evaluation_error_refuses_the_object() -> None:
    problems = validate(toy({}), schema_with({"rule": "self.namespace == 'x'", "message": "m"}))
    assert len(problems) == 1 and "evaluating rule: self.namespace == 'x'" in problems[0]


def test_a_function_outside_our_environment_stops_the_check_naming_the_rule() -> None:
    rule = {"rule": "quantity('1').isLessThan(quantity('2'))"}
    with pytest.raises(kube_cel.RuleError, match=r"quantity\('1'\)"):
        validate(toy({}), schema_with(rule))


def test_transition_rules_are_skipped_and_counted() -> None:
    result = checked(toy({}), schema_with({"rule": "self == oldSelf"}))
    assert (result.errors, result.evaluated, result.transition_skipped) == ([], 0, ["spec: self == oldSelf"])
    with pytest.raises(kube_cel.RuleError, match="optionalOldSelf"):
        checked(toy({}), schema_with({"rule": "self == oldSelf", "optionalOldSelf": True}))


def test_a_timestamp_field_seen_by_a_rule_stops_the_check() -> None:
    with pytest.raises(kube_cel.RuleError, match="date-time"):
        validate(toy({"since": "2026-01-01T00:00:00Z"}), schema_with({"rule": "true"}))


def test_null_on_a_non_nullable_field_takes_the_default() -> None:
    stored, _ = crd_rules.check(toy({"size": None}), schema_with({"rule": "true"}))
    assert stored["spec"]["size"] == 1


def test_list_map_items_are_keyed_after_defaulting() -> None:
    items = {
        "type": "object",
        "properties": {"name": {"type": "string"}, "port": {"type": "integer", "default": 80}},
    }
    schema = schema_with(
        {"rule": "true"},
        ports={
            "type": "array",
            "items": items,
            "x-kubernetes-list-type": "map",
            "x-kubernetes-list-map-keys": ["name", "port"],
        },
    )
    assert validate(toy({"ports": [{"name": "a"}, {"name": "a", "port": 81}]}), schema) == []
    assert validate(toy({"ports": [{"name": "a"}, {"name": "a", "port": 80}]}), schema) == [
        'Toy t: spec.ports[1]: Duplicate value: {"name": "a", "port": 80}'
    ]


# Go's own table (src/net/url/url_test.go, parseRequestURLTests): valid for ParseRequestURI or not.
GO_REQUEST_URIS = {
    "http://foo.com": True,
    "http://foo.com/": True,
    "http://foo.com/path": True,
    "/": True,
    "//not.a.user@not.a.host/just/a/path": True,
    "//not.a.user@%66%6f%6f.com/just/a/path/also": True,
    "*": True,
    "http://192.168.0.1/": True,
    "http://192.168.0.1:8080/": True,
    "http://[fe80::1]/": True,
    "http://[fe80::1]:8080/": True,
    "http://[fe80::1%25en0]/": True,
    "http://[fe80::1%25en0]:8080/": True,
    "http://[fe80::1%25%65%6e%301-._~]/": True,
    "http://[fe80::1%25%65%6e%301-._~]:8080/": True,
    "foo.html": False,
    "../dir/": False,
    " http://foo.com": False,
    "http://192.168.0.%31/": False,
    "http://192.168.0.%31:8080/": False,
    "http://[fe80::%31]/": False,
    "http://[fe80::%31]:8080/": False,
    "http://[fe80::%31%25en0]/": False,
    "http://[fe80::%31%25en0]:8080/": False,
    "http://[fe80::1%en0]/": False,
    "http://[fe80::1%en0]:8080/": False,
}


@pytest.mark.parametrize(("raw", "valid"), GO_REQUEST_URIS.items())
def test_url_parsing_follows_go(raw: str, valid: bool) -> None:
    assert go_url.is_url(raw) is valid


def test_istio_style_url_rules_evaluate() -> None:
    rule = {
        "rule": 'url(self.uri).getScheme() in ["http", "https"]',
        "message": "scheme must be http or https",
    }
    schema = schema_with(rule, uri={"type": "string"})
    assert validate(toy({"uri": "HTTPS://login.example.com/keys"}), schema) == []
    assert validate(toy({"uri": "ftp://login.example.com/keys"}), schema) == [
        "Toy t: spec: Invalid value: scheme must be http or https"
    ]
    (problem,) = validate(toy({"uri": "login.example.com/keys"}), schema)
    assert "invalid URI for request" in problem
