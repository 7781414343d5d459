#!/usr/bin/env bash
# Run ansible-test integration in the build copy against a fresh emulator.
# Usage: hack/integration.sh LEG VENV PYTHON_VERSION [ANSIBLE-TEST ARGS...]
#
# 1. no targets in tests/integration/targets: say so and succeed;
# 2. start tests/emulator/viam-app-emulator --port 0 (its own process group,
#    with the main venv's Python), wait for its one JSON line on stdout;
# 3. write tests/integration/integration_config.yml in the build copy;
# 4. ansible-test integration --python PYTHON_VERSION in the build copy;
# 5. stop the emulator (process group) whatever happened, even on Ctrl-C.
# Env: EMULATOR_ARGS (extra emulator options), EMULATOR_START_TIMEOUT (s, 60),
#      EMULATOR_PYTHON (default: the main venv's python).
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
    setsid "${emulator}" --host 127.0.0.1 --port 0 ${EMULATOR_ARGS:-} \
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
setsid "${repo}/hack/in-build.sh" "${leg}" "${venv}" sh -c '
    set -e
    python "$VIAM_REPO_ROOT/hack/write-integration-config.py" "$1" tests/integration/integration_config.yml
    shift
    echo ">>> ansible-test integration $* ($(ansible --version | awk "NR == 1"))"
    exec ansible-test integration "$@"
' sh "${work}/ready.json" --python "${pyver}" "$@" &
child=$!
rc=0
wait "${child}" || rc=$?
child=""

if [ "${rc}" -ne 0 ]; then
    echo ">>> [${leg}] integration failed (rc ${rc}); last emulator log lines:" >&2
    tail -n 20 "${work}/emulator.log" >&2
fi
exit "${rc}"
