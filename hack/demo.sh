#!/usr/bin/env bash
# `make demo`: the collection end to end, as a user would run it.
#
#  1. build the collection and install the tarball into a scratch directory;
#  2. start the local Viam app emulator;
#  3. converge the demo fleet (examples/vars/demo_fleet.yml) with the
#     viam.cloud.fleet role, twice: the second run must change nothing;
#  4. show the fleet as an inventory graph (examples/fleet.viam.yml);
#  5. start an sshd on 127.0.0.1 that stands in for the robots' computers
#     (hack/robot-sshd.sh; installs openssh-server with apt-get when missing
#     and root), and run the viam.cloud.machine role over SSH on the lab's
#     parts, reached through the inventory (examples/robots.viam.yml), twice:
#     the second run must change nothing;
#  6. show one robot's cloud config, secret masked, and a summary;
#  7. stop everything it started (also on failure or Ctrl-C) and check with ps.
#
# TARGET=emulator (default) never touches a real organization, whatever VIAM_*
# variables the shell has. TARGET=cloud runs steps 3-4 and the API side of 5
# against the real Viam app with VIAM_API_KEY_ID / VIAM_API_KEY (and
# VIAM_APP_URL, VIAM_ORG_ID) from the environment, and only then; the robots
# are still the loopback sshd.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="$(cd "${repo}" && cd "${VENV:-.venv}" && pwd)"
target="${TARGET:-emulator}"
work="$(mktemp -d "${TMPDIR:-/tmp}/viam-demo.XXXXXX")"
started=${SECONDS}

# shellcheck source=hack/demo-lib.sh
source "${repo}/hack/demo-lib.sh"

on_exit() {
    local rc=$?
    say "Stopping everything the demo started"
    demo_cleanup || rc=1
    rm -rf "${work}"
    exit "${rc}"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

demo_init

case "${target}" in
emulator | cloud) ;;
*)
    echo "TARGET must be emulator (default) or cloud, not '${target}'" >&2
    exit 2
    ;;
esac
if [ "${target}" = cloud ] && { [ -z "${VIAM_API_KEY_ID:-}" ] || [ -z "${VIAM_API_KEY:-}" ]; }; then
    echo "TARGET=cloud needs VIAM_API_KEY_ID and VIAM_API_KEY in the environment" >&2
    exit 2
fi

say "1. Installing the viam.cloud collection from a tarball built from this checkout"
demo_install_collection

if [ "${target}" = emulator ]; then
    say "2. Starting the local Viam app emulator"
    demo_start_emulator
    echo "emulator at ${VIAM_APP_URL}, organization ${VIAM_ORG_ID}"
else
    say "2. Using the real Viam app at ${VIAM_APP_URL:-https://app.viam.com:443}"
fi

fleet_recaps=()
for run in first second; do
    say "3. Converging the fleet with the viam.cloud.fleet role (${run} run)"
    echo "\$ ansible-playbook -i examples/inventory.yml examples/provision_fleet.yml"
    ansible-playbook -i "${repo}/examples/inventory.yml" "${repo}/examples/provision_fleet.yml" \
        | tee "${work}/fleet-${run}.log"
    fleet_recaps+=("$(demo_recap "${work}/fleet-${run}.log")")
done
if ! demo_unchanged "${work}/fleet-second.log"; then
    echo "ERROR: the second fleet run changed something: the fleet role is not idempotent" >&2
    exit 1
fi

say "4. The fleet as an inventory: ansible-inventory -i examples/fleet.viam.yml --graph"
ANSIBLE_INVENTORY_UNPARSED_FAILED=true ansible-inventory -i "${repo}/examples/fleet.viam.yml" --graph

say "5. Starting a loopback sshd that stands in for the lab's robot computers"
demo_start_robots
echo "sshd on 127.0.0.1:${VIAM_DEMO_SSH_PORT}, user ${VIAM_DEMO_SSH_USER}, its own host key and client key in a scratch directory"
demo_fake_server
echo "viam-server: a stand-in script at ${demo_server_url} (sha256 ${demo_server_sha256})"
echo "\$ ansible-inventory -i examples/robots.viam.yml --graph"
ANSIBLE_INVENTORY_UNPARSED_FAILED=true ansible-inventory -i "${repo}/examples/robots.viam.yml" --graph

robot_recaps=()
for run in first second; do
    say "5. The viam.cloud.machine role over SSH on the robots (${run} run)"
    echo "\$ ansible-playbook -i examples/robots.viam.yml examples/provision_robots.yml -e viam_machine_binary_url=... -e viam_machine_binary_checksum=..."
    ANSIBLE_INVENTORY_UNPARSED_FAILED=true ansible-playbook -i "${repo}/examples/robots.viam.yml" \
        "${repo}/examples/provision_robots.yml" \
        -e "viam_machine_binary_url=${demo_server_url}" -e "viam_machine_binary_checksum=sha256:${demo_server_sha256}" \
        | tee "${work}/robots-${run}.log"
    robot_recaps+=("$(demo_recap "${work}/robots-${run}.log")")
done
if ! demo_unchanged "${work}/robots-second.log"; then
    echo "ERROR: the second robot run changed something: the machine role is not idempotent" >&2
    exit 1
fi

say "6. One robot's cloud config (the secret masked)"
config="$(find "${VIAM_DEMO_ROBOTS_DIR}" -path '*/etc/viam.json' | sort | head -n 1)"
echo "${config#"${work}/"} (mode $(stat -c '%a' "${config}")):"
"${venv}/bin/python" - "${config}" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
cloud = config.get("cloud", {})
for key in ("secret",):
    if cloud.get(key):
        cloud[key] = "*" * 8 + " (%d characters)" % len(cloud[key])
if isinstance(cloud.get("api_key"), dict) and cloud["api_key"].get("key"):
    cloud["api_key"]["key"] = "*" * 8
print(json.dumps(config, indent=2, sort_keys=True))
PY

say "Summary (${target}, $((SECONDS - started)) s)"
printf 'fleet role, first run:\n%s\n' "${fleet_recaps[0]}"
printf 'fleet role, second run:\n%s\n' "${fleet_recaps[1]}"
printf 'machine role over SSH, first run:\n%s\n' "${robot_recaps[0]}"
printf 'machine role over SSH, second run:\n%s\n' "${robot_recaps[1]}"
echo "Both second runs changed nothing. Cloud configs written: $(find "${VIAM_DEMO_ROBOTS_DIR}" -path '*/etc/viam.json' | wc -l)."
