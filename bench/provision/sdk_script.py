# -*- coding: utf-8 -*-
# Copyright: (c) 2026, viam.cloud contributors
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The provisioning baseline: a straight sequential script with the official viam-sdk.

Makes the same writes as the viam_fleet playbook of bench/provision/run.py, one call
after another, the way a person would write it: create the location; then for each
machine new_robot, get_robot_parts (to find the main part Viam created with it),
update_robot_part to put the fragment on the main part, and for each extra part
new_robot_part and update_robot_part with the fragment. No reads to check what exists:
it only works on an empty location, which is why it is the floor and not a rival.

    python sdk_script.py APP_ADDRESS ORG_ID FRAGMENT_ID LOCATION MACHINES PARTS_PER_MACHINE
    (API key in VIAM_API_KEY_ID / VIAM_API_KEY)

Machine names are m001, m002, ...; parts <machine>-main (made by Viam), <machine>-p1, ...
"""

from __future__ import annotations

import asyncio
import json
import os
import sys

from viam.app.viam_client import ViamClient
from viam.rpc.dial import Credentials, DialOptions


async def main(address: str, org_id: str, fragment_id: str, location_name: str, machines: int, parts: int) -> dict:
    options = DialOptions(credentials=Credentials(type="api-key", payload=os.environ["VIAM_API_KEY"]),
                          auth_entity=os.environ["VIAM_API_KEY_ID"], insecure=address.startswith(("127.", "localhost")))
    client = await ViamClient.create_from_dial_options(options, app_url=address)
    config = {"fragments": [{"id": fragment_id}]}
    made = {"machines": 0, "parts": 0}
    try:
        app = client.app_client
        location = await app.create_location(org_id=org_id, name=location_name)
        for index in range(1, machines + 1):
            name = "m%03d" % index
            robot_id = await app.new_robot(name=name, location_id=location.id)
            made["machines"] += 1
            main = next(p for p in await app.get_robot_parts(robot_id=robot_id) if p.main_part)
            await app.update_robot_part(robot_part_id=main.id, name=main.name, robot_config=config)
            made["parts"] += 1
            for extra in range(1, parts):
                part_name = "%s-p%d" % (name, extra)
                part_id = await app.new_robot_part(robot_id=robot_id, part_name=part_name)
                await app.update_robot_part(robot_part_id=part_id, name=part_name, robot_config=config)
                made["parts"] += 1
        return made
    finally:
        client.close()


if __name__ == "__main__":
    address, org, fragment, location, count, per = sys.argv[1:7]
    print(json.dumps(asyncio.run(main(address, org, fragment, location, int(count), int(per)))))
