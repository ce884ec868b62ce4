"""Go's net/url.ParseRequestURI, as far as Kubernetes' CEL URL library needs it.

`isURL(s)` is true and `url(s)` succeeds exactly when url.ParseRequestURI(s) returns no error
(k8s.io/apiserver pkg/cel/library/urls.go): an absolute URI or an absolute path, no fragment.
This follows Go's src/net/url/url.go (getScheme, parse with viaRequest, parseAuthority, parseHost,
unescape in host, zone and path mode); its test table parseRequestURLTests is in our tests.
"""

from __future__ import annotations

import re

HEX = frozenset("0123456789abcdefABCDEF")
# Characters a host may hold unescaped (shouldEscape in encodeHost mode returns false for them).
HOST_CHARACTERS = frozenset("!$&'()*+,;=:[]<>\"-_.~")
USERINFO_CHARACTERS = frozenset("-._:~!$&'()*+,;=%@")
SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.\-]*):")


def _host_safe(char: str) -> bool:
    return (char.isascii() and char.isalnum()) or char in HOST_CHARACTERS


def _unescapes(text: str, mode: str) -> bool:
    """Whether Go's unescape(text, mode) succeeds; mode is "host", "zone" or "path"."""
    index = 0
    while index < len(text):
        char = text[index]
        if char == "%":
            pair = text[index + 1 : index + 3]
            if len(pair) < 2 or not set(pair) <= HEX:
                return False
            escape = text[index : index + 3]
            # In a host only %25 and escapes of non-ASCII bytes; in a zone anything a host may hold.
            if mode == "host" and int(pair[0], 16) < 8 and escape != "%25":
                return False
            decoded = chr(int(pair, 16))
            if mode == "zone" and escape != "%25" and decoded != " " and not _host_safe(decoded):
                return False
            index += 3
            continue
        if mode in ("host", "zone") and char.isascii() and not _host_safe(char):
            return False
        index += 1
    return True


def _host_valid(host: str) -> bool:
    if host.startswith("["):
        end = host.rfind("]")
        if end < 0 or not re.fullmatch(r"(:[0-9]*)?", host[end + 1 :]):
            return False
        zone = host.find("%25", 0, end)
        if zone >= 0:
            return (
                _unescapes(host[:zone], "host")
                and _unescapes(host[zone:end], "zone")
                and _unescapes(host[end:], "host")
            )
    elif ":" in host and not re.fullmatch(r":[0-9]*", host[host.rfind(":") :]):
        return False
    return _unescapes(host, "host")


def parse_request_uri(raw: str) -> dict[str, str]:
    """The URL's parts (scheme lower-cased, as Go does); ValueError where Go returns an error."""
    if not raw or any(ord(c) < 0x20 or ord(c) == 0x7F for c in raw):
        raise ValueError(f"invalid URL {raw!r}")
    if raw == "*":
        return {"scheme": "", "host": "", "path": "*", "query": ""}
    if raw.startswith(":"):
        raise ValueError(f"missing protocol scheme in {raw!r}")
    scheme, rest = "", raw
    match = SCHEME.match(raw)
    if match:
        scheme, rest = match.group(1).lower(), raw[match.end() :]
    if rest.endswith("?") and rest.count("?") == 1:
        rest, query = rest[:-1], ""
    else:
        rest, _, query = rest.partition("?")
    if not rest.startswith("/"):
        if scheme:  # an opaque URI such as mailto:someone
            return {"scheme": scheme, "host": "", "path": "", "query": query}
        raise ValueError(f"invalid URI for request {raw!r}")
    host = ""
    if scheme and rest.startswith("//"):
        authority, slash, path = rest[2:].partition("/")
        rest = slash + path
        userinfo, at, host = authority.rpartition("@")
        if at and not all((c.isascii() and c.isalnum()) or c in USERINFO_CHARACTERS for c in userinfo):
            raise ValueError(f"invalid userinfo in {raw!r}")
        if not _host_valid(host):
            raise ValueError(f"invalid host in {raw!r}")
    if not _unescapes(rest, "path"):
        raise ValueError(f"invalid URL escape in {raw!r}")
    return {"scheme": scheme, "host": host, "path": rest, "query": query}


def is_url(raw: str) -> bool:
    try:
        parse_request_uri(raw)
    except ValueError:
        return False
    return True
