# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The private descriptor pool our generated *_pb2 modules register in.

viam-sdk's generated code registers the same symbols (viam.app.v1.Robot, ...)
in protobuf's default pool; two registrations of one symbol there fail with
"duplicate symbol". A pool of our own lets both load in one process.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

try:
    from google.protobuf import descriptor_pool, struct_pb2, timestamp_pb2
except ImportError:
    # The modules report a missing protobuf themselves (module_utils/common.py HAS_PROTOBUF).
    POOL = None
else:
    POOL = descriptor_pool.DescriptorPool()
    # Our files import these; a fresh pool does not know the well-known types.
    for _well_known in (struct_pb2, timestamp_pb2):
        POOL.AddSerializedFile(_well_known.DESCRIPTOR.serialized_pb)
