"""Write tests/integration/integration_config.yml from the emulator's ready line.

Usage: python hack/write-integration-config.py READY_JSON_FILE OUTPUT_YML

READY_JSON_FILE holds the one JSON line that tests/emulator/viam-app-emulator
prints on stdout when it is ready, e.g.
{"address": "127.0.0.1:40123", "app_url": "http://127.0.0.1:40123",
 "organization_id": "...", "api_key_id": "...", "api_key": "...", "tls_cert": null}
The variables written are the ones integration targets use; see
tests/integration/integration_config.yml.template.
"""

from __future__ import annotations

import json
import os
import sys

REQUIRED = ('app_url', 'api_key_id', 'api_key', 'organization_id')


def main(argv):
    """Convert the ready line; return a process exit code."""
    if len(argv) != 3:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1], encoding='utf-8') as handle:
        line = handle.readline()
    try:
        ready = json.loads(line)
    except ValueError as ex:
        sys.stderr.write('emulator ready line is not JSON (%s): %r\n' % (ex, line))
        return 1
    missing = [key for key in REQUIRED if not ready.get(key)]
    if missing:
        sys.stderr.write('emulator ready line lacks %s: %r\n' % (', '.join(missing), line))
        return 1

    config = {
        'viam_app_url': ready['app_url'],
        'viam_api_key_id': ready['api_key_id'],
        'viam_api_key': ready['api_key'],
        'viam_organization_id': ready['organization_id'],
    }
    if ready.get('tls_cert'):
        config['viam_ca_path'] = ready['tls_cert']
    # The emulator's behaviour switches in force (docs/api-assumptions.md §7): a target asserts what the
    # collection does under each value (for instance a clear failure where an RPC is not served).
    config['viam_emulator_behaviours'] = ready.get('behaviours') or {}

    os.makedirs(os.path.dirname(os.path.abspath(argv[2])), exist_ok=True)
    with open(argv[2], 'w', encoding='utf-8') as handle:
        handle.write('---\n# Written by hack/integration.sh from the emulator it started; do not edit.\n')
        for key, value in config.items():
            # a JSON string is a valid YAML scalar
            handle.write('%s: %s\n' % (key, json.dumps(value)))
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv))
