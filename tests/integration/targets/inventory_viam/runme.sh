#!/usr/bin/env bash
# Integration test of the viam.cloud.viam inventory plugin.
#
# It starts its own emulator (a fixed seeded fleet, and a call log to count
# round trips), seeds a few more things through the collection's client, and
# runs ansible-inventory and ansible-playbook against *.viam.yml files it
# writes; driver.py holds the checks. The emulator runs with the Python that
# ansible-test runs (it has grpcio and protobuf, as the collection needs).
set -euo pipefail

python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}"

# The directory that holds ansible_collections/viam/cloud (for the emulator and the client).
parent=""
IFS=: read -r -a paths <<< "${ANSIBLE_COLLECTIONS_PATH:-}"
for p in "${paths[@]}"; do
    if [ -d "${p}/ansible_collections/viam/cloud/tests/emulator" ]; then
        parent="${p}"
        break
    fi
done
if [ -z "${parent}" ]; then
    echo "runme.sh: viam.cloud not found in ANSIBLE_COLLECTIONS_PATH=${ANSIBLE_COLLECTIONS_PATH:-}" >&2
    exit 1
fi

export VIAM_COLLECTIONS_PARENT="${parent}"
exec "${python}" "$(dirname "$0")/driver.py" "$@"
