# Shared by hack/demo.sh (`make demo`) and hack/e2e.sh (`make e2e`); sourced,
# not run. It installs the collection from a built tarball into a scratch
# directory, starts and stops the emulator and the loopback "robot" sshd
# (hack/robot-sshd.sh), and knows how to read a PLAY RECAP.
#
# The caller sets: repo, venv, work (a scratch directory), then calls
# demo_init, and must `trap demo_cleanup EXIT`.
# shellcheck shell=bash
# repo, venv and work are the caller's; demo_server_* are read by the caller.
# shellcheck disable=SC2154,SC2034

# shellcheck source=hack/robot-sshd.sh
source "${repo}/hack/robot-sshd.sh"

emulator_pid=""
sshd_started=""
started_pids=()
demo_services=()

# Bold only on a terminal, and never with NO_COLOR (https://no-color.org).
if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then
    demo_bold=$'\033[1m' demo_plain=$'\033[0m'
else
    demo_bold="" demo_plain=""
fi
say() { printf '\n%s>>> [%3ds] %s%s\n' "${demo_bold}" "$((SECONDS - ${started:-0}))" "$*" "${demo_plain}"; }

demo_init() {
    export PATH="${venv}/bin:${PATH}"
    export ANSIBLE_COLLECTIONS_PATH="${work}/collections"
    # SSH connection sharing sockets in our scratch directory, so cleanup
    # can close every master connection it opened (none outlives the run).
    export ANSIBLE_SSH_CONTROL_PATH_DIR="${work}/cp"
    # One SSH round trip per task instead of several (the robots need no
    # requiretty), as a real fleet's ansible.cfg would set.
    export ANSIBLE_PIPELINING="${ANSIBLE_PIPELINING:-true}"
    mkdir -p "${work}/cp"
}

# Build the collection and install the tarball, as a user would.
demo_install_collection() {
    ansible-galaxy collection build "${repo}" --output-path "${work}" --force >/dev/null || return 1
    ansible-galaxy collection install "${work}"/viam-cloud-*.tar.gz -p "${work}/collections" --force >/dev/null || return 1
    ansible-galaxy collection list viam.cloud -p "${work}/collections" 2>/dev/null | tail -n 1
}

# Start the emulator, export VIAM_APP_URL, VIAM_API_KEY_ID, VIAM_API_KEY, VIAM_ORG_ID.
demo_start_emulator() {
    # Credentials in the shell must not send anything anywhere else.
    unset VIAM_APP_URL VIAM_API_KEY_ID VIAM_API_KEY VIAM_ORG_ID
    "${venv}/bin/python" "${repo}/tests/emulator/launcher.py" start --out "${work}/emulator.json" --workdir "${work}" \
        --quiet || return 1
    emulator_pid="$("${venv}/bin/python" -c 'import json, sys; print(json.load(open(sys.argv[1]))["launcher"]["pid"])' \
        "${work}/emulator.json")"
    started_pids+=("${emulator_pid}")
    eval "$("${venv}/bin/python" - "${work}/emulator.json" <<'PY'
import json, shlex, sys
info = json.load(open(sys.argv[1]))
for var, key in (("VIAM_APP_URL", "app_url"), ("VIAM_API_KEY_ID", "api_key_id"),
                 ("VIAM_API_KEY", "api_key"), ("VIAM_ORG_ID", "organization_id")):
    print("export %s=%s" % (var, shlex.quote(info[key])))
PY
)"
}

# Start the loopback robot sshd; export what examples/robots.viam.yml reads.
demo_start_robots() {
    robot_sshd_start "${work}/sshd" || return 1
    sshd_started=1
    started_pids+=("$(cat "${work}/sshd/sshd.launcher.pid")")
    export VIAM_DEMO_SSH_PORT="${ROBOT_SSH_PORT}" VIAM_DEMO_SSH_USER="${ROBOT_SSH_USER}" \
        VIAM_DEMO_SSH_KEY="${ROBOT_SSH_KEY}" VIAM_DEMO_SSH_KNOWN_HOSTS="${ROBOT_SSH_KNOWN_HOSTS}" \
        VIAM_DEMO_ROBOTS_DIR="${work}/robots"
    # The robots' Python: the system's, as on a real robot computer (pyenv
    # shims can fool interpreter discovery), else ours.
    if [ -x /usr/bin/python3 ]; then
        export VIAM_DEMO_PYTHON=/usr/bin/python3
    else
        export VIAM_DEMO_PYTHON="${venv}/bin/python"
    fi
    mkdir -p "${VIAM_DEMO_ROBOTS_DIR}"
}

# viam-server for the demo's robots (the real one needs the internet and a real robot): the device
# double of the installed collection (tests/device/viam-device-double, see its README), which talks
# to the app as viam-server does. The file the role installs (from a file:// URL, with its sha256)
# is a small launcher: same command line as viam-server (-config FILE), the double run with our
# venv's Python (it needs grpcio and protobuf), its status file in <root>/run/viam-server.status.json
# (<root>: the robot's root, three levels above <root>/usr/local/bin/viam-server).
# Sets demo_server_url and demo_server_sha256.
# shellcheck disable=SC2016 # the launcher's own $ expressions, written as they are
demo_device_server() {
    local double="${work}/collections/ansible_collections/viam/cloud/tests/device/viam-device-double"
    [ -x "${double}" ] || { echo "ERROR: the installed collection has no ${double}" >&2; return 1; }
    mkdir -p "${work}/dist"
    {
        echo '#!/bin/sh'
        echo '# viam-server for make demo / make e2e: the device double of the viam.cloud collection (tests/device).'
        echo 'root="$(cd "$(dirname "$0")/../../.." && pwd)"'
        echo 'mkdir -p "${root}/run"'
        printf 'VIAM_DEVICE_PYTHON=%q exec %q --status-file "${root}/run/viam-server.status.json" "$@"\n' \
            "${venv}/bin/python" "${double}"
    } >"${work}/dist/viam-server"
    demo_server_url="file://${work}/dist/viam-server"
    demo_server_sha256="$(sha256sum "${work}/dist/viam-server" | cut -d' ' -f1)"
}

# What systemd does with the machine role's unit (roles/machine/templates/viam.service.j2) on a
# robot, for the demo's robots, whose roots are scratch directories where the role manages no
# service: one "service" per ROOT, in its own process group, that runs the unit's command line,
#     ExecStart=<root>/usr/local/bin/viam-server -config <root>/etc/viam.json
# (the paths under the robot's root), again whenever it ends (Restart=always), from the moment
# the role has installed the executable and written the config. SIGHUP to the group (the
# restart command of viam.cloud.rotate_secrets) reaches the double, which reads its config
# again; the service itself ignores it. Its pid (= its process group) in <root>/run/service.pid,
# its output in <root>/run/viam-server.log.
# shellcheck disable=SC2016 # the service's script, expanded by the bash that runs it
demo_start_services() {
    local root pid
    for root in "$@"; do
        mkdir -p "${root}/run"
        setsid bash -c '
            trap : HUP
            exe="$1/usr/local/bin/viam-server" config="$1/etc/viam.json"
            until [ -x "${exe}" ] && [ -s "${config}" ]; do sleep 0.2; done
            while :; do "${exe}" -config "${config}"; echo "viam-server exited ($?): starting it again"; sleep 1; done
        ' robot-service "${root}" </dev/null >>"${root}/run/viam-server.log" 2>&1 &
        pid=$!
        echo "${pid}" >"${root}/run/service.pid"
        started_pids+=("${pid}")
        demo_services+=("${pid}")
    done
}

# Stop the services (TERM to each group: the double flushes its logs and exits), KILL after 10 s.
demo_stop_services() {
    local pid _
    for pid in "${demo_services[@]}"; do
        kill -TERM -- "-${pid}" 2>/dev/null || true
    done
    for _ in $(seq 100); do
        local alive=""
        for pid in "${demo_services[@]}"; do
            # (ps -g: the session, which setsid made the group's; a zombie has ended)
            [ -n "$(ps -o stat= -g "${pid}" 2>/dev/null | awk '$1 !~ /^Z/')" ] && alive=1
        done
        [ -z "${alive}" ] && break
        sleep 0.1
    done
    for pid in "${demo_services[@]}"; do
        kill -KILL -- "-${pid}" 2>/dev/null || true
        wait "${pid}" 2>/dev/null || true
    done
    [ "${#demo_services[@]}" -eq 0 ] || echo ">>> ${#demo_services[@]} robot service(s) (device doubles) stopped"
    demo_services=()
}

# The robots' roots (viam_machine_root) of an ansible-inventory --list output file, one a line;
# with GROUP, only that group's hosts, in its order.
demo_robot_roots() {
    "${venv}/bin/python" - "$@" <<'PY'
import json, sys
out = json.load(open(sys.argv[1]))
hostvars = out["_meta"]["hostvars"]
hosts = out.get(sys.argv[2], {}).get("hosts", []) if len(sys.argv) > 2 else sorted(hostvars)
for host in hosts:
    root = hostvars[host].get("viam_machine_root")
    print(root.get("__ansible_unsafe", root) if isinstance(root, dict) else root)
PY
}

# The PLAY RECAP lines of a playbook log.
demo_recap() {
    sed -n '/^PLAY RECAP/,$p' "$1" | grep -E '^[^ ].* : ok=' || true
}

# True when every host of the log's PLAY RECAP has changed=0 failed=0 unreachable=0.
demo_unchanged() {
    local lines
    lines="$(demo_recap "$1")"
    [ -n "${lines}" ] || return 1
    ! grep -vE 'changed=0 +unreachable=0 +failed=0 ' <<<"${lines}" >/dev/null
}

# True when no host of the log's PLAY RECAP failed or was unreachable.
demo_succeeded() {
    local lines
    lines="$(demo_recap "$1")"
    [ -n "${lines}" ] || return 1
    ! grep -vE 'unreachable=0 +failed=0 ' <<<"${lines}" >/dev/null
}

# Stop everything we started: robot services, SSH master connections, sshd, emulator; then
# check that none of those processes (or their children) survive.
demo_cleanup() {
    demo_stop_services
    local sock
    for sock in "${work}"/cp/*; do
        [ -S "${sock}" ] || continue
        ssh -o ControlPath="${sock}" -O exit placeholder >/dev/null 2>&1 || true
    done
    if [ -n "${sshd_started}" ]; then
        robot_sshd_stop "${work}/sshd" || true
        sshd_started=""
    fi
    if [ -n "${emulator_pid}" ]; then
        "${venv}/bin/python" "${repo}/tests/emulator/launcher.py" stop "${work}/emulator.json" || true
        echo ">>> emulator (pid ${emulator_pid}) stopped"
    fi
    emulator_pid=""
    local pid left=""
    for pid in "${started_pids[@]}"; do
        # (a zombie has ended: the emulator, started by tests/emulator/launcher.py, is not our child,
        # and init reaps it when it will)
        if robot_sshd_alive "${pid}" || [ -n "$(ps -o stat= -g "${pid}" 2>/dev/null | awk '$1 !~ /^Z/' | tr -d ' \n')" ]; then
            left="${left} ${pid}"
        fi
    done
    # Anything still running from our scratch directory (an SSH master, a stray module).
    local strays
    strays="$(pgrep -f -- "${work}" | grep -vx -e "$$" -e "${BASHPID}" | xargs || true)"
    if [ -n "${left}" ] || [ -n "${strays}" ]; then
        echo "WARNING: processes survived the cleanup: ${left} ${strays}" >&2
        ps -o pid,pgid,args -p "$(echo "${left} ${strays}" | xargs | tr ' ' ',')" >&2 2>/dev/null || true
        return 1
    fi
    echo ">>> nothing we started is still running (checked with ps)"
}
