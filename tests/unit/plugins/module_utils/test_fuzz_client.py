# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Property-based tests (hypothesis) of ViamClient's request building.

For generated keyword arguments of the unary RPCs (a sample drawn from every unary RPC of
proto/rpcs.txt; fields of the right type, of the wrong type, out of range, unknown names,
unknown enum names, nested dicts), the client either sends a valid request message that
round-trips through SerializeToString/ParseFromString and holds the values given, or raises
ViamError, never another exception. No network: a fake stub captures the request.

Deterministic (derandomize=True); VIAM_FUZZ_SCALE=10 runs ten times as many examples.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

import pytest

pytest.importorskip("grpc")
hypothesis = pytest.importorskip("hypothesis")

from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from ansible_collections.viam.cloud.plugins.module_utils import client as client_mod  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils.client import ViamClient, ViamError  # noqa: E402

SCALE = max(1, int(os.environ.get("VIAM_FUZZ_SCALE", "1")))
FUZZ = settings(max_examples=200 * SCALE, deadline=None, derandomize=True, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

# FieldDescriptor.TYPE_* (stable numbers)
DOUBLE, FLOAT, INT64, UINT64, INT32, FIXED64, FIXED32, BOOL, STRING, GROUP, MESSAGE, BYTES, UINT32, ENUM, \
    SFIXED32, SFIXED64, SINT32, SINT64 = range(1, 19)
INT_RANGES = {INT32: (-2 ** 31, 2 ** 31 - 1), SINT32: (-2 ** 31, 2 ** 31 - 1), SFIXED32: (-2 ** 31, 2 ** 31 - 1),
              INT64: (-2 ** 63, 2 ** 63 - 1), SINT64: (-2 ** 63, 2 ** 63 - 1), SFIXED64: (-2 ** 63, 2 ** 63 - 1),
              UINT32: (0, 2 ** 32 - 1), FIXED32: (0, 2 ** 32 - 1), UINT64: (0, 2 ** 64 - 1), FIXED64: (0, 2 ** 64 - 1)}

UNARY_RPCS = sorted(
    rpc for rpc in client_mod.RPC_KINDS
    if rpc != client_mod.AUTH_RPC
    and not client_mod.rpc_spec(rpc).client_streaming and not client_mod.rpc_spec(rpc).server_streaming)

JUNK = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=20), st.binary(max_size=20),
                 st.lists(st.integers(), max_size=3), st.dictionaries(st.text(max_size=5), st.integers(), max_size=3))
TEXT = st.one_of(st.text(max_size=40), st.text(alphabet=st.characters(blacklist_categories=()), max_size=40),
                 st.sampled_from(["", " ", "not-a-uuid", "00000000-0000-0000-0000-000000000000", "x" * 5000]))
JSON_LEAF = st.one_of(st.none(), st.booleans(), st.integers(-2 ** 53, 2 ** 53), st.floats(allow_nan=False),
                      st.text(max_size=10))
JSON = st.recursive(JSON_LEAF, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
                    max_leaves=8)


def scalar(field):
    """Right-typed values for a scalar field (sometimes out of range: the client must say ViamError)."""
    if field.type == STRING:
        return TEXT
    if field.type == BYTES:
        return st.one_of(st.binary(max_size=40), st.text(max_size=20))
    if field.type == BOOL:
        return st.booleans()
    if field.type in (DOUBLE, FLOAT):
        return st.one_of(st.floats(), st.integers(-2 ** 60, 2 ** 60))
    if field.type == ENUM:
        names = [v.name for v in field.enum_type.values]
        return st.one_of(st.sampled_from(names), st.integers(-2 ** 33, 2 ** 33), st.just("NOT_AN_ENUM_VALUE"))
    low, high = INT_RANGES[field.type]
    return st.one_of(st.integers(low, high), st.integers(low - 2 ** 65, high + 2 ** 65))


def message_value(descriptor, depth):
    name = descriptor.full_name
    if name == "google.protobuf.Timestamp":
        return st.one_of(st.datetimes(), st.integers(-2 ** 40, 2 ** 40), st.floats(),
                         st.sampled_from(["2024-05-01T12:00:00Z", "yesterday", ""]))
    if name == "google.protobuf.Struct":
        return st.dictionaries(st.text(max_size=8), JSON, max_size=4)
    if name in ("google.protobuf.Value", "google.protobuf.ListValue"):
        return st.lists(JSON, max_size=3) if name.endswith("ListValue") else JSON
    if depth > 2:
        return st.just({})
    return fields_of(descriptor, depth + 1)


def field_value(field, depth):
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        key = scalar(field.message_type.fields_by_name["key"])
        vfield = field.message_type.fields_by_name["value"]
        value = message_value(vfield.message_type, depth) if vfield.message_type else scalar(vfield)
        return st.dictionaries(key, value, max_size=3)
    single = message_value(field.message_type, depth) if field.message_type is not None else scalar(field)
    if _repeated(field):
        return st.lists(single, max_size=3)
    return single


def _repeated(field):
    value = getattr(field, "is_repeated", None)
    if value is None:
        return field.label == 3
    return value() if callable(value) else bool(value)


def fields_of(descriptor, depth=0):
    """A dict of some of the message's fields: mostly right-typed values, sometimes junk or unknown names."""
    fields = list(descriptor.fields)
    if not fields:
        return st.just({})
    one = st.sampled_from(fields).flatmap(
        lambda f: st.tuples(st.just(f.name), st.one_of(field_value(f, depth), JUNK) if depth == 0 else field_value(f, depth)))
    unknown = st.tuples(st.sampled_from(["no_such_field", "Id", ""]), JUNK)
    return st.lists(st.one_of(one, one, one, unknown) if depth == 0 else one, max_size=4).map(dict)


@st.composite
def rpc_calls(draw):
    rpc = draw(st.sampled_from(UNARY_RPCS))
    spec = client_mod.rpc_spec(rpc)
    return rpc, draw(fields_of(spec.request_class.DESCRIPTOR))


class Captured(Exception):
    """Raised by the fake stub so that the call stops right after the request is built."""

    def __init__(self, request):
        super().__init__("captured")
        self.request = request


@pytest.fixture(scope="module")
def offline_client():
    client = ViamClient(app_url="http://127.0.0.1:9", api_key_id="00000000-0000-4000-8000-000000000000",
                        api_key="k" * 32, retries=1)

    def stub(spec):
        def send(request, timeout=None, metadata=None):
            raise Captured(request)
        return send

    client._stub = stub
    client.authenticate = lambda: "token"
    yield client
    client.close()


def check_values(request, fields):
    """Right-typed scalar values given are the values the message holds."""
    for name, value in fields.items():
        field = request.DESCRIPTOR.fields_by_name[name]
        if _repeated(field) or field.message_type is not None:
            continue
        held = getattr(request, name)
        if field.type == STRING and isinstance(value, str):
            assert held == value
        elif field.type == BOOL and isinstance(value, bool):
            assert held is value
        elif field.type in INT_RANGES and isinstance(value, int) and not isinstance(value, bool):
            assert held == value
        elif field.type == BYTES and isinstance(value, bytes):
            assert held == value


@FUZZ
@given(call=rpc_calls())
def test_request_is_valid_or_viam_error(offline_client, call):
    rpc, fields = call
    spec = client_mod.rpc_spec(rpc)
    request = None
    try:
        offline_client.call(rpc, **fields)
    except ViamError as err:
        hypothesis.event("ViamError")
        assert err.rpc in (rpc, None, "")
        assert str(err)
        return
    except Captured as sent:
        hypothesis.event("request sent")
        request = sent.request
    assert isinstance(request, spec.request_class)
    wire = request.SerializeToString()
    parsed = spec.request_class()
    parsed.ParseFromString(wire)
    assert parsed == request
    assert parsed.SerializeToString() == wire
    check_values(parsed, dict((k, v) for k, v in fields.items() if v is not None))


@settings(FUZZ, max_examples=100 * SCALE)
@given(call=rpc_calls())
def test_dict_request_same_as_keywords(offline_client, call):
    """The request given as a dict builds the same message as keyword fields (or the same ViamError)."""
    rpc, fields = call
    outcomes = []
    for args, kwargs in (((rpc, fields), {}), ((rpc,), fields)):
        try:
            offline_client.call(*args, **kwargs)
        except ViamError:
            outcomes.append("ViamError")
        except Captured as sent:
            outcomes.append(sent.request.SerializeToString(deterministic=True))
    assert outcomes[0] == outcomes[1]


@settings(FUZZ, max_examples=30 * SCALE)
@given(name=st.text(max_size=30))
def test_unknown_rpc_name_is_viam_error(offline_client, name):
    hypothesis.assume(name not in client_mod.RPC_KINDS)
    with pytest.raises(ViamError):
        offline_client.call(name)
