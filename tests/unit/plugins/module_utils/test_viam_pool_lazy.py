# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""proto/viam_pool.py: the generated modules make their members on first use, as protoc's code would."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("google.protobuf")

from google.protobuf.internal import api_implementation  # noqa: E402

from ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1 import app_pb2  # noqa: E402
from ansible_collections.viam.cloud.plugins.module_utils.proto.proto.rpc.v1 import auth_pb2  # noqa: E402

MODULE = "ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1.app_pb2"


def test_messages_enums_and_descriptors_resolve():
    assert app_pb2.Robot.DESCRIPTOR.full_name == "viam.app.v1.Robot"
    assert app_pb2.Robot is app_pb2.Robot
    assert app_pb2.Robot.__module__ == MODULE and app_pb2.Robot.__qualname__ == "Robot"
    assert app_pb2.FragmentImport.VariablesEntry.__qualname__ == "FragmentImport.VariablesEntry"
    assert app_pb2.FragmentVisibility.Name(app_pb2.FRAGMENT_VISIBILITY_PUBLIC) == "FRAGMENT_VISIBILITY_PUBLIC"
    assert app_pb2._ROBOT is app_pb2.Robot.DESCRIPTOR  # pylint: disable=protected-access
    assert app_pb2._APPSERVICE.full_name == "viam.app.v1.AppService"  # pylint: disable=protected-access
    assert auth_pb2.AuthenticateRequest(entity="e").entity == "e"
    from ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1.app_pb2 import Location  # pylint: disable=import-outside-toplevel
    assert Location is app_pb2.Location


def test_unknown_names_raise_attribute_error():
    with pytest.raises(AttributeError):
        getattr(app_pb2, "NoSuchMessage")
    assert not hasattr(app_pb2, "__wrapped__")
    assert getattr(app_pb2, "NO_SUCH_VALUE", None) is None


def test_a_class_first_made_for_a_sub_message_is_the_one_the_module_hands_out():
    """upb makes a sub-message's class itself when a field is first touched; the module must return that class."""
    script = textwrap.dedent("""
        from ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1 import app_pb2
        response = app_pb2.GetFragmentResponse()
        response.fragment.name = "f"
        sub = type(response.fragment)
        assert app_pb2.Fragment is sub, (app_pb2.Fragment, sub)
        assert sub.__module__ == %r, sub.__module__
        response.fragment.CopyFrom(app_pb2.Fragment(name="g"))
        assert response.fragment.name == "g"
        print("ok")
    """ % MODULE)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


@pytest.mark.skipif(api_implementation.Type() == "python", reason="the eager build is the pure-Python path")
def test_nothing_is_built_at_import():
    script = textwrap.dedent("""
        from ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1 import app_pb2
        built = [name for name in ("Robot", "Location", "GetRobotRequest") if name in vars(app_pb2)]
        assert not built, built
        print("ok")
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr


def test_the_pure_python_descriptors_still_build_everything_with_offsets():
    script = textwrap.dedent("""
        from google.protobuf import descriptor_pb2
        from ansible_collections.viam.cloud.plugins.module_utils.proto.app.v1 import app_pb2
        assert "Robot" in vars(app_pb2)
        proto = descriptor_pb2.DescriptorProto()
        app_pb2._ROBOT.CopyToProto(proto)
        assert proto.name == "Robot", proto
        print("ok")
    """)
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p),
               PROTOCOL_BUFFERS_PYTHON_IMPLEMENTATION="python")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
