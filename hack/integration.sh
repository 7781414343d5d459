#!/usr/bin/env bash
# Run ansible-test integration in the build copy against a fresh emulator.
# Usage: hack/integration.sh LEG VENV PYTHON_VERSION [ANSIBLE-TEST ARGS...]
#
# 1. no targets in tests/integration/targets: say so and succeed;
# 2. start tests/emulator/viam-app-emulator --port 0 (its own process group,
#    with the main venv's Python), wait for its one JSON line on stdout;
# 3. write tests/integration/integration_config.yml in the build copy;
# 4. ansible-test integration --python PYTHON_VERSION in the build copy;
# 5. stop the emulator (process group) whatever happened, even on Ctrl-C;
# 6. the secrets scan (on by default except for LEG compat): the emulator runs
#    with --secrets-log, every Ansible command of the targets at -vvvv with
#    --diff, a log file and the JSON callback of tests/secrets/callback (an
#    integration.cfg written in the build copy: ansible-test passes no
#    ANSIBLE_* variable through), ansible-test's output is kept, then
#    tests/secrets/scan.py asserts that no secret the emulator issued appears
#    in any of it, in tests/output or in the inventory target's cache. A leak
#    fails the run, reported by file, line, task and kind, the secret masked.
#    Artifacts (no secret in them unless a leak is reported): build/LEG/secrets/.
# Env: EMULATOR_ARGS (extra emulator options), EMULATOR_START_TIMEOUT (s, 60),
#      EMULATOR_PYTHON (default: the main venv's python),
#      SECRETS_SCAN (1 or 0; default 1, 0 for LEG compat),
#      SECRETS_CONSOLE (full: also show -vvvv connection lines on the console).
set -euo pipefail

leg="${1:?usage: $0 LEG VENV PYTHON_VERSION [ARGS...]}"
venv="${2:?}"
pyver="${3:?}"
shift 3
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv_python="$(cd "${repo}" && cd "${venv}" && pwd)/bin/python"

shopt -s nullglob
targets=("${repo}"/tests/integration/targets/*/)
shopt -u nullglob
if [ "${#targets[@]}" -eq 0 ]; then
    echo ">>> [${leg}] no integration targets in tests/integration/targets: nothing to run"
    exit 0
fi

emulator="${repo}/tests/emulator/viam-app-emulator"
if [ ! -x "${emulator}" ]; then
    echo "ERROR: ${emulator} is missing or not executable; integration targets need it." >&2
    exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/viam-integration.XXXXXX")"

scan="${SECRETS_SCAN:-}"
if [ -z "${scan}" ]; then
    if [ "${leg}" = "compat" ]; then scan=0; else scan=1; fi
fi
artifacts=""
emulator_secrets=()
if [ "${scan}" = "1" ]; then
    artifacts="${repo}/build/${leg}/secrets"
    rm -rf "${artifacts}"
    mkdir -p "${artifacts}"
    emulator_secrets=(--secrets-log "${work}/secrets.jsonl")
fi
pid=""

child=""

# Stop a process group: TERM, up to 10 s of grace, then KILL.
# shellcheck disable=SC2329  # invoked from cleanup (the EXIT trap)
stop_group() {
    local what="$1" gpid="$2"
    if [ -n "${gpid}" ] && kill -0 "${gpid}" 2>/dev/null; then
        kill -TERM -- "-${gpid}" 2>/dev/null || kill -TERM "${gpid}" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "${gpid}" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL -- "-${gpid}" 2>/dev/null || true
        wait "${gpid}" 2>/dev/null || true
        echo ">>> [${leg}] ${what} (pid ${gpid}) stopped"
    fi
}
# shellcheck disable=SC2329  # invoked from the EXIT trap
cleanup() {
    stop_group "ansible-test" "${child}"
    stop_group "emulator" "${pid}"
    rm -rf "${work}"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# shellcheck disable=SC2086  # EMULATOR_ARGS is a list of options
VIAM_EMULATOR_PYTHON="${EMULATOR_PYTHON:-${repo}/.venv/bin/python}" \
    setsid "${emulator}" --host 127.0.0.1 --port 0 ${EMULATOR_ARGS:-} "${emulator_secrets[@]}" \
    </dev/null >"${work}/ready.json" 2>"${work}/emulator.log" &
pid=$!

deadline=$((SECONDS + ${EMULATOR_START_TIMEOUT:-60}))
until [ "$(head -c 1000000 "${work}/ready.json" | wc -l)" -ge 1 ]; do
    if ! kill -0 "${pid}" 2>/dev/null; then
        echo "ERROR: the emulator exited before it was ready; its stderr:" >&2
        tail -n 40 "${work}/emulator.log" >&2
        exit 1
    fi
    if [ "${SECONDS}" -ge "${deadline}" ]; then
        echo "ERROR: the emulator printed no ready line within ${EMULATOR_START_TIMEOUT:-60}s; its stderr:" >&2
        tail -n 40 "${work}/emulator.log" >&2
        exit 1
    fi
    sleep 0.1
done
echo ">>> [${leg}] emulator (pid ${pid}) ready: $(head -n 1 "${work}/ready.json" | "${venv_python}" -c 'import json, sys; print(json.loads(sys.stdin.readline())["app_url"])')"

# ansible-test runs in its own process group, in the background, so that an
# interrupt or TERM reaches our traps at once and stops it and the emulator.
# shellcheck disable=SC2016  # the script is expanded by the inner sh
setsid "${repo}/hack/in-build.sh" "${leg}" "${venv}" bash -c '
    set -eo pipefail
    python "$VIAM_REPO_ROOT/hack/write-integration-config.py" "$1" tests/integration/integration_config.yml
    artifacts="$2"
    secrets_log="$3"
    shift 3
    echo ">>> ansible-test integration $* ($(ansible --version | awk "NR == 1"))"
    if [ -z "${artifacts}" ]; then
        exec ansible-test integration "$@"
    fi
    # The secrets scan: for the inventory target (it starts its own emulator) the secrets
    # log and where to keep its cache; -vvvv, --diff, a log and the JSON callback for every
    # Ansible command (verbose lines to stderr, so that ansible-inventory --list stays JSON).
    printf "viam_secrets_log: %s\nviam_secrets_artifacts: %s\n" "${secrets_log}" "${artifacts}" \
        >>tests/integration/integration_config.yml
    {
        echo "# Written by hack/integration.sh for the secrets scan; do not edit."
        echo "[defaults]"
        echo "verbosity = 4"
        echo "verbose_to_stderr = True"
        echo "log_path = ${artifacts}/ansible.log"
        echo "callback_plugins = ${PWD}/tests/secrets/callback"
        echo "[diff]"
        echo "always = True"
        echo "[callback_viam_secrets_json]"
        echo "path = ${artifacts}/results.jsonl"
    } >tests/integration/integration.cfg
    echo ">>> secrets scan on: every Ansible command at -vvvv with --diff; full output in ${artifacts}/ansible-test.out"
    # The console skips the connection-level lines of -vvvv (SECRETS_CONSOLE=full shows them).
    console() {
        if [ "${SECRETS_CONSOLE:-}" = "full" ]; then
            cat
        else
            grep --line-buffered -vE "^(<[^>]+> |task path: |Using module file |Read .vars_file. )" || true
        fi
    }
    ansible-test integration "$@" 2>&1 | tee "${artifacts}/ansible-test.out" | console
' bash "${work}/ready.json" "${artifacts}" "${work}/secrets.jsonl" --python "${pyver}" "$@" &
child=$!
rc=0
wait "${child}" || rc=$?
child=""

if [ "${rc}" -ne 0 ]; then
    echo ">>> [${leg}] integration failed (rc ${rc}); last emulator log lines:" >&2
    tail -n 20 "${work}/emulator.log" >&2
fi

if [ -n "${artifacts}" ]; then
    echo ">>> [${leg}] secrets scan: every secret the emulators issued, searched in ansible-test's output," \
        "the JSON results, the Ansible log, tests/output and the inventory cache"
    scan_rc=0
    "${venv_python}" "${repo}/tests/secrets/scan.py" --secrets "${work}/secrets.jsonl" \
        --report "${artifacts}/report.json" --allow-tasks "${repo}/tests/secrets/allowed-tasks.txt" \
        "${artifacts}/ansible-test.out" "${artifacts}/results.jsonl" "${artifacts}/ansible.log" \
        "${artifacts}/inventory-cache" "${repo}/build/${leg}/ansible_collections/viam/cloud/tests/output" \
        || scan_rc=$?
    if [ "${scan_rc}" -ne 0 ]; then
        echo ">>> [${leg}] secrets scan FAILED (rc ${scan_rc}); masked report: ${artifacts}/report.json" >&2
        [ "${rc}" -ne 0 ] || rc="${scan_rc}"
    fi
fi
exit "${rc}"
