#!/usr/bin/env bash
# A loopback "robot" for the demo and the end-to-end test: an OpenSSH sshd on
# 127.0.0.1, on a free high port, with its own host key and a client key, all
# in one scratch directory. Nothing outside that directory is touched (except
# /run/sshd, which sshd insists on, and installing openssh-server when it is
# missing and we are root).
#
# Use it sourced (the demo and hack/e2e.sh do):
#     source hack/robot-sshd.sh
#     robot_sshd_start DIR     # exports ROBOT_SSH_PORT, ROBOT_SSH_USER, ROBOT_SSH_KEY, ROBOT_SSH_KNOWN_HOSTS
#     robot_sshd_stop DIR      # idempotent; safe in an EXIT trap
# or as a command: hack/robot-sshd.sh start DIR | stop DIR
# (start prints "port user key known_hosts" on one line).
#
# The sshd runs in the foreground (-D) in its own process group, so stopping
# it stops its sessions too. UsePAM no and key-only logins: nothing in the
# system's PAM or password set-up is involved.

SSHD="${SSHD:-/usr/sbin/sshd}"

robot_sshd_log() { printf '%s\n' "$*" >&2; }

# Install openssh-server where it is missing: only as root (apt-get), else say what to do.
robot_sshd_ensure() {
    if [ -x "${SSHD}" ]; then
        return 0
    fi
    if [ "$(id -u)" -ne 0 ]; then
        robot_sshd_log "ERROR: ${SSHD} is missing. Install OpenSSH's server (Debian/Ubuntu: sudo apt-get install openssh-server), or run as root and this script installs it."
        return 1
    fi
    if ! command -v apt-get >/dev/null 2>&1; then
        robot_sshd_log "ERROR: ${SSHD} is missing and there is no apt-get here to install openssh-server; install it by hand."
        return 1
    fi
    robot_sshd_log ">>> ${SSHD} is missing: installing openssh-server with apt-get"
    # Installing the package must not start the system's own sshd on port 22.
    local policy_rc=/usr/sbin/policy-rc.d created_policy=""
    if [ ! -e "${policy_rc}" ]; then
        printf '#!/bin/sh\nexit 101\n' >"${policy_rc}" && chmod 0755 "${policy_rc}" && created_policy=1
    fi
    local rc=0
    { DEBIAN_FRONTEND=noninteractive apt-get update -qq \
        && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends openssh-server; } \
        >/tmp/robot-sshd-apt.$$.log 2>&1 || rc=$?
    [ -n "${created_policy}" ] && rm -f "${policy_rc}"
    if [ "${rc}" -ne 0 ] || [ ! -x "${SSHD}" ]; then
        robot_sshd_log "ERROR: apt-get could not install openssh-server (rc ${rc}); its last lines:"
        tail -n 20 "/tmp/robot-sshd-apt.$$.log" >&2
        rm -f "/tmp/robot-sshd-apt.$$.log"
        return 1
    fi
    rm -f "/tmp/robot-sshd-apt.$$.log"
}

# True while PID runs (a zombie child of ours does not count).
robot_sshd_alive() {
    local stat
    stat="$(ps -o stat= -p "$1" 2>/dev/null)" || return 1
    [ -n "${stat}" ] && [ "${stat:0:1}" != Z ]
}

# Every descendant of PID (children first found, then theirs).
robot_sshd_descendants() {
    local child
    for child in $(ps -o pid= --ppid "$1" 2>/dev/null); do
        echo "${child}"
        robot_sshd_descendants "${child}"
    done
}

robot_sshd_free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

robot_sshd_start() {
    local dir="${1:?usage: robot_sshd_start DIR}"
    robot_sshd_ensure || return 1
    mkdir -p "${dir}"
    dir="$(cd "${dir}" && pwd)"
    chmod 0700 "${dir}"
    rm -f "${dir}/host_ed25519" "${dir}/host_ed25519.pub" "${dir}/client_ed25519" "${dir}/client_ed25519.pub"
    ssh-keygen -q -t ed25519 -N '' -C robot-host -f "${dir}/host_ed25519" || return 1
    ssh-keygen -q -t ed25519 -N '' -C robot-client -f "${dir}/client_ed25519" || return 1
    cp "${dir}/client_ed25519.pub" "${dir}/authorized_keys"
    chmod 0600 "${dir}/authorized_keys"
    # sshd's privilege separation directory (normally made by its systemd unit).
    if [ "$(id -u)" -eq 0 ]; then
        mkdir -p /run/sshd && chmod 0755 /run/sshd
    fi

    local user port try
    user="$(id -un)"
    for try in 1 2 3 4 5; do
        port="$(robot_sshd_free_port)"
        cat >"${dir}/sshd_config" <<EOF
Port ${port}
ListenAddress 127.0.0.1
HostKey ${dir}/host_ed25519
PidFile ${dir}/sshd.pid
AuthorizedKeysFile ${dir}/authorized_keys
UsePAM no
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
AllowUsers ${user}
# The scratch directory lives under /tmp, whose permissions StrictModes rejects.
StrictModes no
PrintMotd no
UseDNS no
MaxStartups 50:30:100
MaxSessions 50
Subsystem sftp internal-sftp
LogLevel ERROR
EOF
        "${SSHD}" -t -f "${dir}/sshd_config" || { robot_sshd_log "ERROR: sshd rejected ${dir}/sshd_config"; return 1; }
        setsid "${SSHD}" -D -f "${dir}/sshd_config" -E "${dir}/sshd.log" </dev/null >/dev/null 2>&1 &
        echo $! >"${dir}/sshd.launcher.pid"
        printf '[127.0.0.1]:%s %s\n' "${port}" "$(cut -d' ' -f1,2 "${dir}/host_ed25519.pub")" >"${dir}/known_hosts"
        for _ in $(seq 100); do
            if ssh -q -p "${port}" -i "${dir}/client_ed25519" -o BatchMode=yes -o IdentitiesOnly=yes \
                -o UserKnownHostsFile="${dir}/known_hosts" -o StrictHostKeyChecking=yes -o ConnectTimeout=2 \
                "${user}@127.0.0.1" true 2>/dev/null; then
                echo "${port}" >"${dir}/port"
                export ROBOT_SSH_PORT="${port}" ROBOT_SSH_USER="${user}" \
                    ROBOT_SSH_KEY="${dir}/client_ed25519" ROBOT_SSH_KNOWN_HOSTS="${dir}/known_hosts"
                return 0
            fi
            robot_sshd_alive "$(cat "${dir}/sshd.launcher.pid")" || break
            sleep 0.1
        done
        # Lost the port to someone else, or sshd failed: stop it and try another port.
        robot_sshd_stop "${dir}" >/dev/null 2>&1
        robot_sshd_log "sshd did not answer on port ${port} (try ${try}); its log:"
        tail -n 5 "${dir}/sshd.log" >&2 2>/dev/null || true
    done
    robot_sshd_log "ERROR: could not start sshd on a loopback port"
    return 1
}

robot_sshd_stop() {
    local dir="${1:?usage: robot_sshd_stop DIR}" pid
    [ -f "${dir}/sshd.launcher.pid" ] || return 0
    pid="$(cat "${dir}/sshd.launcher.pid")"
    rm -f "${dir}/sshd.launcher.pid"
    [ -n "${pid}" ] || return 0
    if robot_sshd_alive "${pid}"; then
        # The listener's process group, and every session it forked (a session
        # process starts its own session, so the group does not cover it).
        local family="" child
        family="$(robot_sshd_descendants "${pid}")"
        kill -TERM -- "-${pid}" 2>/dev/null || kill -TERM "${pid}" 2>/dev/null || true
        for child in ${family}; do
            kill -TERM "${child}" 2>/dev/null || true
        done
        for _ in $(seq 50); do
            robot_sshd_alive "${pid}" || break
            sleep 0.1
        done
        kill -KILL -- "-${pid}" 2>/dev/null || true
        for child in ${family}; do
            robot_sshd_alive "${child}" && kill -KILL "${child}" 2>/dev/null
        done
    fi
    wait "${pid}" 2>/dev/null || true
    echo ">>> sshd (pid ${pid}) stopped"
}

# Run as a command.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    set -euo pipefail
    case "${1:-}" in
    start)
        robot_sshd_start "${2:?usage: $0 start DIR}"
        echo "${ROBOT_SSH_PORT} ${ROBOT_SSH_USER} ${ROBOT_SSH_KEY} ${ROBOT_SSH_KNOWN_HOSTS}"
        ;;
    stop) robot_sshd_stop "${2:?usage: $0 stop DIR}" ;;
    *)
        echo "usage: $0 start DIR | stop DIR" >&2
        exit 2
        ;;
    esac
fi
