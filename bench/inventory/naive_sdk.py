# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The naive inventory, as a script with the official viam-sdk would list the fleet.

List the organization's locations, then each location's machines, then each
machine's parts, one call after another, and print the parts' FQDNs (the host
list) as a JSON array. One round trip per machine: the baseline the
viam.cloud.viam inventory plugin is measured against (bench/inventory/run.py).

    python naive_sdk.py APP_ADDRESS ORG_ID   (API key in VIAM_API_KEY_ID / VIAM_API_KEY)
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

from viam.app.viam_client import ViamClient
from viam.rpc.dial import Credentials, DialOptions


async def main(address: str, org_id: str) -> list[str]:
    options = DialOptions(credentials=Credentials(type="api-key", payload=os.environ["VIAM_API_KEY"]),
                          auth_entity=os.environ["VIAM_API_KEY_ID"], insecure=address.startswith(("127.", "localhost")))
    client = await ViamClient.create_from_dial_options(options, app_url=address)
    try:
        app = client.app_client
        hosts = []
        for location in await app.list_locations(org_id=org_id):
            for robot in await app.list_robots(location_id=location.id):
                for part in await app.get_robot_parts(robot_id=robot.id):
                    hosts.append(part.fqdn)
        return hosts
    finally:
        client.close()


if __name__ == "__main__":
    print(json.dumps(asyncio.run(main(sys.argv[1], sys.argv[2]))))
