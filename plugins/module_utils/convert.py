# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Proto messages <-> plain Python data, in one place.

message_to_dict(msg)
    A plain dict that Ansible can return and compare:
    - keys are the proto field names (snake_case), every field present;
    - scalars without presence carry their default ("" / 0 / False) when unset;
      fields with presence (sub-messages, Timestamps, Structs, proto3
      ``optional`` and oneof members) are None when unset;
    - Timestamps are RFC 3339 strings in UTC ("2024-05-01T12:00:00Z");
    - enums are their names ("ONLINE_STATE_ONLINE");
    - int64 fields are Python ints (not strings as in protobuf's JSON mapping);
    - bytes are base64 text;
    - google.protobuf.Struct/Value/ListValue become plain dicts/lists. Struct
      numbers are doubles on the wire, so a user's ``{"x": 1}`` comes back as
      1.0; we turn every integral float back into an int (1.0 -> 1) so that
      configs and metadata compare equal after a round trip. The price: a
      value written as 1.0 also reads back as 1 (equal in Python and YAML
      anyway), and integers beyond 2**53 lose precision, as on the wire.

dict_to_struct(d, struct_msg=None)
    Fill a Struct message from a dict (replacing its content).

dict_to_message(d, msg)
    Fill any message from a dict of field values (nested dicts, lists, enum
    names, datetimes or RFC 3339 strings for Timestamps, dicts for Structs,
    or ready-made messages). Used by the client for ``client.get_robot(id=...)``.

strip_secrets(data)
    A deep copy without secret-bearing keys, for diffs and logs.

Nothing here imports grpc; protobuf is only touched through the messages the
caller passes in (duck-typed, because our generated classes live in a private
descriptor pool and are not struct_pb2.Struct / timestamp_pb2.Timestamp).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import datetime
import math
import typing as t

_TIMESTAMP = "google.protobuf.Timestamp"
_STRUCT = "google.protobuf.Struct"
_VALUE = "google.protobuf.Value"
_LIST_VALUE = "google.protobuf.ListValue"

# FieldDescriptor.TYPE_* numbers (stable across protobuf versions).
_TYPE_BYTES = 12
_TYPE_ENUM = 14
_TYPE_MESSAGE = 11
_TYPE_GROUP = 10
_LABEL_REPEATED = 3

# Keys whose values are secrets; strip_secrets removes them at any depth.
SECRET_KEYS = frozenset(("secret", "secrets", "key", "location_secret", "payload"))
# The fields of a RobotPart that carry its secrets (the part secret and the list): what every view of a part
# leaves out unless the secrets were asked for (services.parts.view, the inventory's host variables).
PART_SECRET_FIELDS = ("secret", "secrets")


def _is_repeated(field: object) -> bool:
    value = getattr(field, "is_repeated", None)
    if value is None:  # protobuf < 6.31: only .label exists
        return field.label == _LABEL_REPEATED
    return value() if callable(value) else bool(value)


def _is_map(field: object) -> bool:
    mt = field.message_type
    return mt is not None and _is_repeated(field) and mt.GetOptions().map_entry


def _is_message(field: object) -> bool:
    return field.type in (_TYPE_MESSAGE, _TYPE_GROUP)


# ---------------------------------------------------------------- to Python

def number_to_python(value: float) -> t.Union[int, float]:
    """A Struct number back to int when it is integral (1.0 -> 1)."""
    if isinstance(value, float) and value.is_integer() and not math.isinf(value):
        return int(value)
    return value


def value_to_python(value_msg: object) -> object:
    """A google.protobuf.Value message to None/bool/int/float/str/list/dict."""
    kind = value_msg.WhichOneof("kind")
    if kind is None or kind == "null_value":
        return None
    if kind == "number_value":
        return number_to_python(value_msg.number_value)
    if kind == "string_value":
        return value_msg.string_value
    if kind == "bool_value":
        return value_msg.bool_value
    if kind == "struct_value":
        return struct_to_dict(value_msg.struct_value)
    return [value_to_python(v) for v in value_msg.list_value.values]


def struct_to_dict(struct_msg: object) -> dict:
    """A google.protobuf.Struct message to a plain dict."""
    return dict((k, value_to_python(v)) for k, v in struct_msg.fields.items())


def timestamp_to_string(ts_msg: object) -> str:
    """A Timestamp message to RFC 3339 UTC text, e.g. "2024-05-01T12:00:00Z"."""
    return ts_msg.ToJsonString()


def _scalar_to_python(field, value):
    if field.type == _TYPE_ENUM:
        ev = field.enum_type.values_by_number.get(value)
        return ev.name if ev is not None else value
    if field.type == _TYPE_BYTES:
        return base64.b64encode(value).decode("ascii")
    return value


def _message_value_to_python(msg):
    name = msg.DESCRIPTOR.full_name
    if name == _TIMESTAMP:
        return timestamp_to_string(msg)
    if name == _STRUCT:
        return struct_to_dict(msg)
    if name == _VALUE:
        return value_to_python(msg)
    if name == _LIST_VALUE:
        return [value_to_python(v) for v in msg.values]
    return message_to_dict(msg)


def _field_to_python(field, value):
    if _is_message(field):
        return _message_value_to_python(value)
    return _scalar_to_python(field, value)


def message_to_dict(msg: object) -> t.Optional[dict]:
    """A proto message to a plain dict (see the module docstring); None -> None."""
    if msg is None:
        return None
    name = msg.DESCRIPTOR.full_name
    if name in (_TIMESTAMP, _STRUCT, _VALUE, _LIST_VALUE):
        return _message_value_to_python(msg)
    out = {}
    for field in msg.DESCRIPTOR.fields:
        value = getattr(msg, field.name)
        if _is_map(field):
            vfield = field.message_type.fields_by_name["value"]
            out[field.name] = dict((k, _field_to_python(vfield, v)) for k, v in value.items())
        elif _is_repeated(field):
            out[field.name] = [_field_to_python(field, v) for v in value]
        elif field.has_presence and not msg.HasField(field.name):
            out[field.name] = None
        else:
            out[field.name] = _field_to_python(field, value)
    return out


# ---------------------------------------------------------------- to proto

def python_to_value(value: object, value_msg: object) -> object:
    """Set a google.protobuf.Value message from a plain Python value."""
    if value is None:
        value_msg.null_value = 0
    elif isinstance(value, bool):
        value_msg.bool_value = value
    elif isinstance(value, (int, float)):
        value_msg.number_value = float(value)
    elif isinstance(value, str):
        value_msg.string_value = value
    elif isinstance(value, bytes):
        value_msg.string_value = value.decode("utf-8")
    elif isinstance(value, dict):
        dict_to_struct(value, value_msg.struct_value)
    elif isinstance(value, (list, tuple, set, frozenset)):
        lv = value_msg.list_value
        del lv.values[:]
        for item in value:
            python_to_value(item, lv.values.add())
    elif isinstance(value, (datetime.datetime, datetime.date)):
        value_msg.string_value = value.isoformat()
    else:
        raise TypeError("cannot store a %s in a protobuf Struct: %r" % (type(value).__name__, value))
    return value_msg


def _new_struct():
    from ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1 import app_pb2
    return type(app_pb2.RobotPart().robot_config)()


def dict_to_struct(d: t.Optional[dict], struct_msg: object = None) -> object:
    """Replace the content of a Struct message with dict ``d``; returns the message.

    Without ``struct_msg`` a new Struct (of our descriptor pool) is made.
    Keys are turned into strings; None values become JSON null.
    """
    if struct_msg is None:
        struct_msg = _new_struct()
    struct_msg.Clear()
    for key, value in (d or {}).items():
        python_to_value(value, struct_msg.fields[str(key)])
    return struct_msg


def _set_timestamp(ts_msg, value):
    if isinstance(value, datetime.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=datetime.timezone.utc)
        ts_msg.FromDatetime(value.astimezone(datetime.timezone.utc).replace(tzinfo=None))
    elif isinstance(value, str):
        ts_msg.FromJsonString(value)
    elif isinstance(value, (int, float)):
        ts_msg.FromNanoseconds(int(round(value * 1e9)))
    elif isinstance(value, dict):
        ts_msg.seconds = int(value.get("seconds", 0))
        ts_msg.nanos = int(value.get("nanos", 0))
    else:
        raise TypeError("cannot make a Timestamp from %r" % (value,))


def _enum_number(field, value):
    if isinstance(value, str):
        ev = field.enum_type.values_by_name.get(value)
        if ev is None:
            raise ValueError("%s: %r is not one of %s" % (field.name, value, ", ".join(field.enum_type.values_by_name)))
        return ev.number
    return int(value)


def _scalar_from_python(field, value):
    if field.type == _TYPE_ENUM:
        return _enum_number(field, value)
    if field.type == _TYPE_BYTES and isinstance(value, str):
        return value.encode("utf-8")
    return value


def _fill_message(msg, value, field_name):
    """Fill sub-message ``msg`` (already attached to its parent) from ``value``."""
    name = msg.DESCRIPTOR.full_name
    if hasattr(value, "DESCRIPTOR") and hasattr(value, "SerializeToString"):
        if value.DESCRIPTOR.full_name != name:
            raise TypeError("%s: expected a %s message, got %s" % (field_name, name, value.DESCRIPTOR.full_name))
        if type(value) is type(msg):
            msg.CopyFrom(value)
        else:  # same message from another descriptor pool (e.g. viam-sdk's)
            msg.ParseFromString(value.SerializeToString())
    elif name == _TIMESTAMP:
        _set_timestamp(msg, value)
    elif name == _STRUCT:
        if not isinstance(value, dict):
            raise TypeError("%s: expected a dict, got %s" % (field_name, type(value).__name__))
        dict_to_struct(value, msg)
        msg.SetInParent()
    elif name == _VALUE:
        python_to_value(value, msg)
    elif name == _LIST_VALUE:
        del msg.values[:]
        for item in value:
            python_to_value(item, msg.values.add())
        msg.SetInParent()
    elif isinstance(value, dict):
        dict_to_message(value, msg)
        msg.SetInParent()
    else:
        raise TypeError("%s: expected a dict or a %s message, got %s" % (field_name, name, type(value).__name__))


def dict_to_message(d: dict, msg: object) -> object:
    """Set the fields of message ``msg`` from dict ``d``; returns ``msg``.

    Keys must be proto field names. A None value leaves the field unset.
    """
    fields = msg.DESCRIPTOR.fields_by_name
    for key, value in (d or {}).items():
        field = fields.get(key)
        if field is None:
            raise ValueError("%s has no field %r (fields: %s)" % (msg.DESCRIPTOR.name, key, ", ".join(sorted(fields))))
        if value is None:
            continue
        if _is_map(field):
            vfield = field.message_type.fields_by_name["value"]
            target = getattr(msg, key)
            for k, v in value.items():
                if _is_message(vfield):
                    _fill_message(target[k], v, key)
                else:
                    target[k] = _scalar_from_python(vfield, v)
        elif _is_repeated(field):
            if isinstance(value, (str, bytes, dict)):
                raise TypeError("%s: expected a list, got %s" % (key, type(value).__name__))
            target = getattr(msg, key)
            for item in value:
                if _is_message(field):
                    _fill_message(target.add(), item, key)
                else:
                    target.append(_scalar_from_python(field, item))
        elif _is_message(field):
            _fill_message(getattr(msg, key), value, key)
        else:
            setattr(msg, key, _scalar_from_python(field, value))
    return msg


# ---------------------------------------------------------------- secrets

def strip_secrets(data: object, keys: frozenset = SECRET_KEYS) -> object:
    """A copy of ``data`` (dicts/lists at any depth) without secret-bearing keys.

    Removes ``secret``, ``secrets``, ``key``, ``location_secret`` and
    ``payload`` wherever they appear, so that diffs and logs never show them.
    """
    if isinstance(data, dict):
        return dict((k, strip_secrets(v, keys)) for k, v in data.items() if k not in keys)
    if isinstance(data, (list, tuple)):
        return [strip_secrets(v, keys) for v in data]
    return data
