#!/usr/bin/env bash
# `make e2e`: the end-to-end test of the collection's main job.
#
# emulator -> viam.cloud.fleet role (examples/provision_fleet.yml) ->
# viam.cloud.viam inventory (examples/robots.viam.yml) -> SSH to a loopback
# sshd (hack/robot-sshd.sh) -> viam.cloud.machine role
# (examples/provision_robots.yml, viam_machine_wait=true: it waits until the
# app sees each part online) -> each robot's cloud config, read back over SSH
# and compared byte for byte with tests/e2e/expected_viam.json filled in with
# what the API reports (the part secret included); then the second run of the
# role must change nothing, and no output may hold a secret
# (tests/e2e/verify_robots.py).
#
# Each robot's viam-server is the device double (tests/device): the role
# installs a launcher of it as the executable (checksum and all), and one
# "service" per robot runs it with the unit's command line (viam-server
# -config FILE, Restart=always: hack/demo-lib.sh demo_start_services), as
# systemd would where the role manages it. verify_robots.py checks that the API
# sees every part online and that every double, from its status file, runs as
# its part, logged in with the part's secret, with the part's config.
#
# The collection is installed from a tarball built from this checkout, as a
# user would. Everything started is stopped on exit (checked with ps).
# Env: VENV (default .venv). Exit status non-zero on any failure.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="$(cd "${repo}" && cd "${VENV:-.venv}" && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/viam-e2e.XXXXXX")"
started=${SECONDS}
passed=0
failed=0

# shellcheck source=hack/demo-lib.sh
source "${repo}/hack/demo-lib.sh"

roots=()
on_exit() {
    local rc=$?
    demo_cleanup || { echo "FAIL: a process we started survived" >&2; rc=1; }
    if [ "${rc}" -ne 0 ]; then
        # What each robot's viam-server (device double) said last.
        local root
        for root in "${roots[@]}"; do
            [ -f "${root}/run/viam-server.log" ] || continue
            echo "--- $(basename "${root}"): the last lines of its viam-server's output" >&2
            tail -n 8 "${root}/run/viam-server.log" >&2
        done
    fi
    rm -rf "${work}"
    exit "${rc}"
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

ok() { passed=$((passed + 1)); echo "ok   $*"; }
die() {
    failed=$((failed + 1))
    echo "FAIL $*" >&2
    echo "e2e: ${passed} passed, ${failed} failed ($((SECONDS - started)) s)" >&2
    exit 1
}
show_and_die() {  # show_and_die LOG MESSAGE
    tail -n 60 "$1" >&2
    die "$2"
}

demo_init
say "e2e: install the collection, start the emulator and the robot sshd"
demo_install_collection >/dev/null
demo_start_emulator
demo_start_robots
demo_device_server
ok "collection installed from its tarball; emulator at ${VIAM_APP_URL}; sshd on 127.0.0.1:${VIAM_DEMO_SSH_PORT}"

say "e2e: the fleet role converges examples/vars/demo_fleet.yml"
ansible-playbook -i "${repo}/examples/inventory.yml" "${repo}/examples/provision_fleet.yml" >"${work}/fleet.log" 2>&1 \
    || show_and_die "${work}/fleet.log" "the fleet role failed"
demo_succeeded "${work}/fleet.log" || show_and_die "${work}/fleet.log" "the fleet role failed"
ok "fleet role: $(demo_recap "${work}/fleet.log")"

say "e2e: the inventory lists the lab's parts, reached over SSH"
ANSIBLE_INVENTORY_UNPARSED_FAILED=true ansible-inventory -i "${repo}/examples/robots.viam.yml" --graph viam >"${work}/graph.log" 2>&1 \
    || show_and_die "${work}/graph.log" "the robots inventory failed"
hosts="$(grep -c -- '|--rover-' "${work}/graph.log" || true)"
[ "${hosts}" -eq 5 ] || show_and_die "${work}/graph.log" "the robots inventory has ${hosts} hosts, not the lab's 5 parts"
ok "the robots inventory has the lab's 5 parts"
ANSIBLE_INVENTORY_UNPARSED_FAILED=true ansible -i "${repo}/examples/robots.viam.yml" viam -m ansible.builtin.ping >"${work}/ping.log" 2>&1 \
    || show_and_die "${work}/ping.log" "a robot cannot be reached over SSH through the inventory"
ok "every robot answers ansible.builtin.ping over SSH"

ANSIBLE_INVENTORY_UNPARSED_FAILED=true ansible-inventory -i "${repo}/examples/robots.viam.yml" --list \
    --output "${work}/robots.json" >"${work}/list.log" 2>&1 || show_and_die "${work}/list.log" "the robots inventory failed"
mapfile -t roots < <(demo_robot_roots "${work}/robots.json")
demo_start_services "${roots[@]}"
ok "one viam-server service per robot (${#demo_services[@]}), waiting for the role to install the device double"

for run in first second; do
    say "e2e: the machine role over SSH (${run} run)"
    ANSIBLE_INVENTORY_UNPARSED_FAILED=true ansible-playbook -i "${repo}/examples/robots.viam.yml" \
        "${repo}/examples/provision_robots.yml" --diff -e viam_machine_wait=true \
        -e "viam_machine_binary_url=${demo_server_url}" -e "viam_machine_binary_checksum=sha256:${demo_server_sha256}" \
        >"${work}/robots-${run}.log" 2>&1 || show_and_die "${work}/robots-${run}.log" "the machine role failed (${run} run)"
    demo_recap "${work}/robots-${run}.log"
done
demo_succeeded "${work}/robots-first.log" || show_and_die "${work}/robots-first.log" "the first machine role run failed"
ok "the first run provisions every robot"
demo_unchanged "${work}/robots-second.log" || show_and_die "${work}/robots-second.log" "the second run changed something"
ok "the second run changes nothing (changed=0 on every robot)"
grep -q "Not managing the viam-server service: viam_machine_root is" "${work}/robots-first.log" \
    || show_and_die "${work}/robots-first.log" "the role did not say why it skipped the service"
ok "the role skips the service with a reason (scratch root)"
waited="$(grep -c '^ok: .*rover-.* -> localhost' <(sed -n '/^TASK \[viam.cloud.machine : Wait until the part is online/,/^$/p' \
    "${work}/robots-first.log") || true)"
[ "${waited}" -eq 5 ] || show_and_die "${work}/robots-first.log" "the role waited for ${waited} parts, not 5"
ok "the role waited until each of the 5 parts was online (viam_machine_wait=true)"

say "e2e: each robot's cloud config against the API"
PYTHONPATH="${work}/collections" "${venv}/bin/python" "${repo}/tests/e2e/verify_robots.py" \
    "${repo}/examples/robots.viam.yml" "${repo}/tests/e2e/expected_viam.json" "${demo_server_sha256}" \
    "${work}/fleet.log" "${work}/robots-first.log" "${work}/robots-second.log" | tee "${work}/verify.log" \
    || die "verify_robots.py: $(tail -n 1 "${work}/verify.log")"
read -r vpassed _ vfailed _ < <(tail -n 1 "${work}/verify.log")
passed=$((passed + vpassed))
failed=$((failed + vfailed))

echo "e2e: ${passed} passed, ${failed} failed ($((SECONDS - started)) s)"
[ "${failed}" -eq 0 ]
