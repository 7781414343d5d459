#!/usr/bin/env bash
# `make demo`: the collection end to end, as a user would run it, told as a
# short story: one or a few lines per step; every command's full output goes
# to a log file under build/demo/ whose path is printed.
#
#  1. build the collection and install the tarball into a scratch directory;
#  2. start the local Viam app emulator;
#  3. converge the demo fleet (examples/vars/demo_fleet.yml) with the
#     viam.cloud.fleet role (examples/provision_fleet.yml, which also writes
#     each lab machine's SSH address into its metadata as ssh_host), twice:
#     the second run must change nothing;
#  4. list the fleet as an inventory (examples/fleet.viam.yml): hosts, groups,
#     and the hosts without an SSH address;
#  5. start an sshd on 127.0.0.1 that stands in for the robots' computers
#     (hack/robot-sshd.sh; installs openssh-server with apt-get when missing
#     and root), and one viam-server "service" per robot (hack/demo-lib.sh
#     demo_start_services: the unit's command line, as systemd would run it),
#     whose viam-server is the device double (tests/device);
#  6. run the viam.cloud.machine role over SSH on the lab's parts, reached
#     through the inventory (examples/robots.viam.yml, the documented recipe:
#     ansible_host: [metadata.ssh_host, public_ip_address]), with
#     viam_machine_wait=true: it waits until the app sees every part online;
#     twice: the second run must change nothing;
#  7. show one robot's cloud config, secret masked;
#  8. a fragment revision rolled out canary first (examples/rollout_setup.yml,
#     examples/rollout_fragment.yml: viam.cloud.rollout): a good revision
#     reaches every robot batch by batch; a revision with a component whose
#     model is `broken` halts at the canary, the tag goes back, the other
#     robots never see it;
#  9. every robot's part secret rotated (examples/rotate_secrets.yml:
#     viam.cloud.rotate_secrets), each double back on its new secret;
# 10. what was skipped and why; stop everything it started (also on failure or
#     Ctrl-C) and check with ps.
#
# TARGET=emulator (default) never touches a real organization, whatever VIAM_*
# variables the shell has. TARGET=cloud runs steps 3-4 and the API side of 5
# against the real Viam app with VIAM_API_KEY_ID / VIAM_API_KEY (and
# VIAM_APP_URL, VIAM_ORG_ID) from the environment, and only then; the robots
# are still the loopback sshd.
#
# KEEP=1 leaves the emulator and the robots' sshd running at the end and writes
# build/demo/env.sh (source it to reach the robots through the inventory, as
# docs/quickstart.md shows) and build/demo/stop.sh (stops them).
# Bold headings only on a terminal, and never with NO_COLOR set.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="$(cd "${repo}" && cd "${VENV:-.venv}" && pwd)"
target="${TARGET:-emulator}"
keep="${KEEP:-}"
work="$(mktemp -d "${TMPDIR:-/tmp}/viam-demo.XXXXXX")"
logs="${repo}/build/demo"
started=${SECONDS}

# shellcheck source=hack/demo-lib.sh
source "${repo}/hack/demo-lib.sh"

# An indented line of the story.
note() { printf '      %s\n' "$*"; }

# log NAME COMMAND...: run COMMAND with its whole output in build/demo/NAME.log;
# on failure, its last lines and the log's path.
log() {
    local name="$1"
    shift
    local rc=0
    "$@" >"${logs}/${name}.log" 2>&1 || rc=$?
    if [ "${rc}" -eq 0 ]; then
        return 0
    fi
    echo "FAILED: $(basename "$1") (exit status ${rc}); its last lines (all of it: build/demo/${name}.log):" >&2
    tail -n 40 "${logs}/${name}.log" >&2
    return 1
}

# The recap of a playbook log, one line per host, indented.
recap() { demo_recap "$1" | sed -E 's/ +/ /g; s/^/      /'; }

# The warnings Ansible printed in a log, if any: how many, and where.
warnings() {
    local count
    count="$(grep -c '^\[WARNING\]' "$1" || true)"
    if [ "${count}" -gt 0 ]; then
        note "${count} Ansible warning(s): see ${1#"${repo}/"}"
    fi
}

keep_running() {
    # The scratch directory stays; env.sh has what a shell needs to reach it.
    local env_file="${logs}/env.sh" stop_file="${logs}/stop.sh" var pid
    (
        umask 077
        {
            echo "# Written by hack/demo.sh (KEEP=1): source it to use the demo's emulator and robots."
            # shellcheck disable=SC2016 # ${PATH} is for the shell that sources the file
            printf 'export PATH=%q:"${PATH}"\n' "${venv}/bin"
            for var in ANSIBLE_COLLECTIONS_PATH ANSIBLE_SSH_CONTROL_PATH_DIR ANSIBLE_PIPELINING VIAM_APP_URL \
                VIAM_ORG_ID VIAM_DEMO_SSH_PORT VIAM_DEMO_SSH_USER VIAM_DEMO_SSH_KEY VIAM_DEMO_SSH_KNOWN_HOSTS \
                VIAM_DEMO_ROBOTS_DIR VIAM_DEMO_PYTHON; do
                [ -n "${!var:-}" ] && printf 'export %s=%q\n' "${var}" "${!var}"
            done
            # The emulator's own key; never a real one (TARGET=cloud keeps the shell's).
            if [ "${target}" = emulator ]; then
                printf 'export VIAM_API_KEY_ID=%q VIAM_API_KEY=%q\n' "${VIAM_API_KEY_ID}" "${VIAM_API_KEY}"
            fi
        } >"${env_file}"
        {
            echo "#!/usr/bin/env bash"
            echo "# Written by hack/demo.sh (KEEP=1): stops the demo's robots' viam-server, emulator and sshd, removes its scratch directory."
            # shellcheck disable=SC2016 # expanded when stop.sh runs
            printf 'for sock in %q/cp/*; do [ -S "${sock}" ] && ssh -o ControlPath="${sock}" -O exit x >/dev/null 2>&1; done\n' \
                "${work}"
            for pid in "${demo_services[@]}"; do
                printf 'kill -TERM -- -%q 2>/dev/null\n' "${pid}"
            done
            [ -n "${emulator_pid}" ] && printf '%q %q stop %q\n' "${venv}/bin/python" \
                "${repo}/tests/emulator/launcher.py" "${work}/emulator.json"
            [ -n "${sshd_started}" ] && printf '%q stop %q\n' "${repo}/hack/robot-sshd.sh" "${work}/sshd"
            printf 'rm -rf %q %q %q\n' "${work}" "${env_file}" "${stop_file}"
            echo 'echo "demo stopped"'
        } >"${stop_file}"
        chmod 0700 "${stop_file}"
    )
    say "KEEP=1: the emulator, the robots' sshd and their viam-server (device doubles) keep running"
    note ". build/demo/env.sh"
    note "ansible -i examples/robots.viam.yml 'viam:!viam_no_address' -m ansible.builtin.ping"
    note "build/demo/stop.sh    # stops them"
}

on_exit() {
    local rc=$?
    if [ -n "${keep}" ] && [ "${rc}" -eq 0 ]; then
        keep_running
        exit 0
    fi
    say "Stopping everything the demo started"
    demo_cleanup || rc=1
    # Each robot's viam-server (device double) output, to the end.
    local root
    for root in "${roots[@]}"; do
        [ -f "${root}/run/viam-server.log" ] || continue
        mkdir -p "${logs}/robots" && cp "${root}/run/viam-server.log" "${logs}/robots/$(basename "${root}").log"
    done
    rm -rf "${work}"
    exit "${rc}"
}
roots=()
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

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

demo_init
# The logs are files: no colour codes in them whatever the terminal.
export ANSIBLE_NOCOLOR=1 ANSIBLE_FORCE_COLOR=0
rm -rf "${logs}"
mkdir -p "${logs}"

echo "The viam.cloud demo (TARGET=${target}): a fleet provisioned through the Viam app API, listed as an"
echo "inventory, its robots' computers provisioned over SSH, a fragment rolled out canary first, the part"
echo "secrets rotated. Full output of every step: build/demo/*.log"

say "1. Install the viam.cloud collection from a tarball built from this checkout"
log 1-install demo_install_collection
note "$(tail -n 1 "${logs}/1-install.log" | xargs), in a scratch collections path"

if [ "${target}" = emulator ]; then
    say "2. Start the local Viam app emulator (nothing reaches a real organization)"
    log 2-emulator demo_start_emulator
    note "emulator at ${VIAM_APP_URL}, organization ${VIAM_ORG_ID}"
else
    say "2. Use the real Viam app at ${VIAM_APP_URL:-https://app.viam.com:443}"
fi

for run in first second; do
    say "3. Converge the fleet: ansible-playbook -i examples/inventory.yml examples/provision_fleet.yml (${run} run)"
    log "3-fleet-${run}" ansible-playbook -i "${repo}/examples/inventory.yml" "${repo}/examples/provision_fleet.yml"
    recap "${logs}/3-fleet-${run}.log"
    warnings "${logs}/3-fleet-${run}.log"
    if [ "${run}" = first ]; then
        # The playbook's last task shows each machine's parts.
        sed -n 's/^ *"msg": "\(.*\)"$/\1/p' "${logs}/3-fleet-first.log" | sed 's/^/      machine /'
    fi
done
if ! demo_unchanged "${logs}/3-fleet-second.log"; then
    echo "ERROR: the second fleet run changed something: the fleet role is not idempotent (build/demo/3-fleet-second.log)" >&2
    exit 1
fi
note "the second run changed nothing: the fleet role is idempotent"

# Hosts, groups and addresses of an ansible-inventory --list (file $1), in a few lines.
inventory_story() {
    "${venv}/bin/python" - "$1" <<'PY'
import json, sys

def plain(value):
    return value.get("__ansible_unsafe", value) if isinstance(value, dict) else value

out = json.load(open(sys.argv[1]))
hostvars = out["_meta"]["hostvars"]
groups = dict((g, len(body.get("hosts", []))) for g, body in out.items() if g not in ("_meta", "all", "ungrouped"))
print("      %d hosts, one per robot part; groups: %s" % (len(hostvars), ", ".join(
    "%s (%d)" % (g, n) for g, n in sorted(groups.items()) if n and not g.startswith("viam_machine_"))))
sources = {}
for name, v in hostvars.items():
    key = plain(v.get("viam_address_source")) or "none"
    sources.setdefault(key, []).append((name, plain(v.get("ansible_host"))))
for source, hosts in sorted(sources.items()):
    if source == "none":
        print("      no address for %d host(s): %s (group viam_no_address)" % (
            len(hosts), ", ".join(sorted(h.split(".")[0] for h, _a in hosts))))
    else:
        print("      ansible_host from %s for %d host(s): %s" % (
            source, len(hosts), ", ".join(sorted(set(str(a) for _h, a in hosts)))))
PY
}

say "4. The fleet as an inventory: ansible-inventory -i examples/fleet.viam.yml --list"
ANSIBLE_INVENTORY_UNPARSED_FAILED=true log 4-inventory ansible-inventory -i "${repo}/examples/fleet.viam.yml" --list \
    --output "${logs}/4-inventory.json"
inventory_story "${logs}/4-inventory.json"
if grep -q 'without an address to connect to' "${logs}/4-inventory.log"; then
    note "the inventory warned about them (ansible_host: [metadata.ssh_host, public_ip_address] gave them none)"
fi

say "5. A loopback sshd stands in for the lab's robot computers, the device double for their viam-server"
log 5-sshd demo_start_robots
log 5-server demo_device_server
note "sshd on 127.0.0.1:${VIAM_DEMO_SSH_PORT} (user ${VIAM_DEMO_SSH_USER}, its own host and client keys)"
note "the robots' inventory: ansible-inventory -i examples/robots.viam.yml --list"
ANSIBLE_INVENTORY_UNPARSED_FAILED=true log 5-robots-inventory ansible-inventory -i "${repo}/examples/robots.viam.yml" \
    --list --output "${logs}/5-robots-inventory.json"
inventory_story "${logs}/5-robots-inventory.json"
mapfile -t roots < <(demo_robot_roots "${logs}/5-robots-inventory.json")
demo_start_services "${roots[@]}"
note "viam-server: the device double (tests/device), behind a launcher with its sha256 at ${demo_server_url#"file://${work}/"};"
note "one service per robot (${#demo_services[@]}) runs 'viam-server -config /etc/viam.json' under its root, as systemd would"

for run in first second; do
    say "6. The viam.cloud.machine role over SSH: ansible-playbook -i examples/robots.viam.yml examples/provision_robots.yml (${run} run)"
    ANSIBLE_INVENTORY_UNPARSED_FAILED=true log "6-robots-${run}" ansible-playbook -i "${repo}/examples/robots.viam.yml" \
        "${repo}/examples/provision_robots.yml" \
        -e "viam_machine_binary_url=${demo_server_url}" -e "viam_machine_binary_checksum=sha256:${demo_server_sha256}" \
        -e viam_machine_wait=true -e '{"viam_machine_config_extra": {"cloud": {"refresh_interval": "2s"}}}'
    recap "${logs}/6-robots-${run}.log"
    warnings "${logs}/6-robots-${run}.log"
    if [ "${run}" = first ]; then
        note "every part online: the role waited for it (viam_machine_wait=true, viam.cloud.viam_robot_part_wait)"
    fi
done
if ! demo_unchanged "${logs}/6-robots-second.log"; then
    echo "ERROR: the second robot run changed something: the machine role is not idempotent (build/demo/6-robots-second.log)" >&2
    exit 1
fi
note "the second run changed nothing: the machine role is idempotent"
skipped_service="$(grep -c '"msg": "Not managing the ' "${logs}/6-robots-first.log" || true)"

say "7. One robot's cloud config, as the role wrote it (the secret masked)"
config="$(find "${VIAM_DEMO_ROBOTS_DIR}" -path '*/etc/viam.json' | sort | head -n 1)"
note "${config#"${VIAM_DEMO_ROBOTS_DIR}/"} (mode $(stat -c '%a' "${config}")):"
"${venv}/bin/python" - "${config}" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
cloud = config.get("cloud", {})
if cloud.get("secret"):
    cloud["secret"] = "*" * 8 + " (%d characters)" % len(cloud["secret"])
if isinstance(cloud.get("api_key"), dict) and cloud["api_key"].get("key"):
    cloud["api_key"]["key"] = "*" * 8
for line in json.dumps(config, indent=2, sort_keys=True).splitlines():
    print("      " + line)
PY

# The rollout and rotation stories read the API and the doubles' files (hack/demo-story.py).
story() { PYTHONPATH="${ANSIBLE_COLLECTIONS_PATH}" "${venv}/bin/python" "${repo}/hack/demo-story.py" "$@"; }
# save_revision LOG COMPONENTS_JSON: a new revision of the fragment base-sensors (ad hoc, as an operator would).
save_revision() {
    log "$1" ansible -i "${repo}/examples/inventory.yml" localhost -m viam.cloud.viam_fragment \
        -a "{\"name\": \"base-sensors\", \"config\": {\"components\": $2}}"
}
imu='{"name": "imu", "api": "rdk:component:movement_sensor", "model": "wit-motion",
      "attributes": {"serial_path": "/dev/ttyUSB0", "serial_baud_rate": 115200}}'
lidar='{"name": "lidar", "api": "rdk:component:camera", "model": "fake"}'
gps='{"name": "gps", "api": "rdk:component:movement_sensor", "model": "broken"}'
# The parts that use base-sensors, rover-1's first: its main part is the canary.
rollout_vars=(-e viam_fragment_name=base-sensors -e rollout_canary=viam_machine_rover_1 -e rollout_fleet=viam)
mapfile -t fragment_roots < <(demo_robot_roots "${logs}/5-robots-inventory.json" viam_fragment_base_sensors)

say "8. A fragment revision, canary first: examples/rollout_setup.yml, then examples/rollout_fragment.yml (viam.cloud.rollout)"
ANSIBLE_INVENTORY_UNPARSED_FAILED=true log 8-rollout-setup ansible-playbook -i "${repo}/examples/robots.viam.yml" \
    "${repo}/examples/rollout_setup.yml" "${rollout_vars[@]}"
note "set-up, once: base-sensors' revision $(story tag base-sensors stable) (the fleet's) tagged stable;\
 the ${#fragment_roots[@]} parts that use it pinned to the tag"
save_revision 8-revision-good "[${imu}, ${lidar}]"
good="$(story fragment base-sensors | sed 's/;.*//')"
rollout_started=${SECONDS}
ANSIBLE_INVENTORY_UNPARSED_FAILED=true log 8-rollout-good ansible-playbook -i "${repo}/examples/robots.viam.yml" \
    "${repo}/examples/rollout_fragment.yml" "${rollout_vars[@]}" -e viam_rollout_settle=5 -e viam_rollout_timeout=30
batches="$(sed -n 's/^ *"msg": "batch done: \(.*\)"$/\1/p' "${logs}/8-rollout-good.log" | sed -E 's/\.[^ ,]+//g' | paste -sd '|' | sed 's/|/ | /g')"
note "${good} (adds a lidar): $(grep -c 'batch done' "${logs}/8-rollout-good.log") batches, ${batches}, in $((SECONDS - rollout_started)) s"
components="$(story components 20 "${fragment_roots[@]}")" || { echo "ERROR: the doubles do not all run the new revision: ${components}" >&2; exit 1; }
if [ "$(story tag base-sensors stable)" != "${good#revision }" ] || [ "$(story tag base-sensors rollout)" != none ]; then
    echo "ERROR: after the rollout, stable is not at ${good} or the staging tag is still there: $(story fragment base-sensors)" >&2
    exit 1
fi
note "stable moved to ${good#revision }, the staging tag deleted; the ${#fragment_roots[@]} doubles run ${components}"
save_revision 8-revision-broken "[${imu}, ${lidar}, ${gps}]"
broken="$(story fragment base-sensors | sed 's/;.*//')"
rollout_started=${SECONDS}
rc=0
ANSIBLE_INVENTORY_UNPARSED_FAILED=true ansible-playbook -i "${repo}/examples/robots.viam.yml" \
    "${repo}/examples/rollout_fragment.yml" "${rollout_vars[@]}" -e viam_rollout_settle=5 -e viam_rollout_timeout=30 \
    >"${logs}/8-rollout-broken.log" 2>&1 || rc=$?
halt="$(story halt "${logs}/8-rollout-broken.log")" || rc=0
if [ "${rc}" -eq 0 ]; then
    echo "ERROR: the rollout of a broken revision did not halt (build/demo/8-rollout-broken.log)" >&2
    exit 1
fi
note "${broken} (adds a gps, model broken): halted at ${halt%%: *} (the canary) after $((SECONDS - rollout_started)) s: ${halt#*: }"
components="$(story components 20 "${fragment_roots[@]}")" || { echo "ERROR: a double is not back on the fleet's revision: ${components}" >&2; exit 1; }
note "the staging tag went back to $(story tag base-sensors rollout), stable stayed at $(story tag base-sensors stable);\
 all ${#fragment_roots[@]} doubles run ${components} again"
touched="$(story broken "${fragment_roots[@]}" | paste -sd ' ')"
if [ "${halt%%: *}" != "${batches%% |*}" ] || [ "${touched}" != "${halt%%: *}" ]; then
    echo "ERROR: the halt was not at the canary (${batches%% |*}), or others applied the broken revision: ${touched}" >&2
    exit 1
fi
note "only the canary ever applied ${broken}; the $((${#fragment_roots[@]} - 1)) others never did (their viam-server's output)"

say "9. Rotate every robot's part secret: examples/rotate_secrets.yml (viam.cloud.rotate_secrets)"
story fingerprints "${roots[@]}" >"${work}/fingerprints.json"
rotation_started=${SECONDS}
# shellcheck disable=SC2016 # $(cat ...) runs on the robot; {{ viam_machine_root }} is the host's
ANSIBLE_INVENTORY_UNPARSED_FAILED=true log 9-rotate ansible-playbook -i "${repo}/examples/robots.viam.yml" \
    "${repo}/examples/rotate_secrets.yml" -e viam_rotate_secrets_poll=1 \
    -e '{"viam_rotate_secrets_restart_command": ["sh", "-c", "kill -s HUP -- -$(cat {{ viam_machine_root }}/run/service.pid)"]}'
note "$(grep -c '"msg": "part .* switched from secret' "${logs}/9-rotate.log") robots rotated, 5 at a time, in $((SECONDS - rotation_started)) s; restart: SIGHUP to the robot's viam-server"
rotated="$(story rotated 20 "${work}/fingerprints.json" "${roots[@]}")" || { echo "ERROR: ${rotated}" >&2; exit 1; }
note "${rotated} parts keep one secret, the new one; ${rotated} doubles logged in with it (credential_fingerprint)"

say "Done (${target}, $((SECONDS - started)) s): both second runs changed nothing"
note "cloud configs written: $(find "${VIAM_DEMO_ROBOTS_DIR}" -path '*/etc/viam.json' | wc -l), one per robot part of the lab"
echo "  Skipped, and why:"
note "- the viam-server systemd service on ${skipped_service} robot(s): the demo's robots are scratch directories"
note "  (viam_machine_root) behind one sshd, not computers with systemd; on a real robot (root /) the role"
note "  writes the unit and starts it. The role said so in build/demo/6-robots-first.log (\"Not managing ...\")."
note "  Here hack/demo-lib.sh runs the unit's command line instead, and restarts it as Restart=always would."
note "- the real viam-server: the device double (tests/device) stands in (the real one needs the internet)."
if [ "${target}" = emulator ]; then
    note "- the real Viam app: the local emulator answered every call (TARGET=cloud uses the real app)."
fi
note "- the warehouse's machines over SSH: examples/robots.viam.yml lists the lab only."
echo "  Full output of every step: build/demo/ ($(find "${logs}" -name '*.log' | wc -l) logs; robots/: each viam-server's)"
