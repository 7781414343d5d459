#!/usr/bin/env bash
# One shard of hack/integration.sh: ansible-test integration in one build copy against its own emulator.
# Usage: hack/integration-shard.sh LEG VENV WORK OUTDIR SCAN PREFIX [ANSIBLE-TEST ARGS...]
#   LEG     the build copy (build/LEG/ansible_collections/viam/cloud; its tests/output is this shard's)
#   WORK    a scratch directory: the emulator's ready line (ready.json), stderr, secrets log
#           (secrets.jsonl), elapsed seconds (elapsed)
#   OUTDIR  where ansible-test's whole output (ansible-test.out), the console lines (console.log)
#           and each target's seconds (times.tsv) go; with SCAN=1 also the secrets scan's inputs:
#           results.jsonl (JSON callback), ansible.log, inventory-cache/
#   SCAN    1: every Ansible command at -vvvv with --diff, a log and the JSON callback (an
#           integration.cfg in the build copy: ansible-test passes no ANSIBLE_* variable through),
#           the emulators with --secrets-log; hack/integration.sh scans the lot afterwards
#   PREFIX  put before every console line (e.g. "[main-2] "; empty for one shard)
# The emulator: tests/emulator/launcher.py start --env-args (EMULATOR_ARGS), with EMULATOR_PYTHON
# (default: the main venv's python); stopped, with ansible-test, whatever happens (even on TERM).
# Env: SECRETS_CONSOLE=full shows the -vvvv connection lines on the console too.
set -euo pipefail

leg="${1:?usage: $0 LEG VENV WORK OUTDIR SCAN PREFIX [ARGS...]}"
venv="${2:?}"
work="${3:?}"
outdir="${4:?}"
scan="${5:?}"
prefix="${6?}"
shift 6
repo="$(cd "$(dirname "$0")/.." && pwd)"
python="${EMULATOR_PYTHON:-${repo}/.venv/bin/python}"
launcher="${repo}/tests/emulator/launcher.py"
started=${SECONDS}
mkdir -p "${work}" "${outdir}"
child=""

# shellcheck disable=SC2329  # invoked from the EXIT trap
cleanup() {
    if [ -n "${child}" ] && kill -0 "${child}" 2>/dev/null; then
        kill -TERM -- "-${child}" 2>/dev/null || kill -TERM "${child}" 2>/dev/null || true
        for _ in $(seq 50); do
            kill -0 "${child}" 2>/dev/null || break
            sleep 0.2
        done
        kill -KILL -- "-${child}" 2>/dev/null || true
        wait "${child}" 2>/dev/null || true
        echo ">>> ${prefix}ansible-test (pid ${child}) stopped"
    fi
    "${python}" "${launcher}" stop "${work}/ready.json" || true
    echo "$((SECONDS - started))" >"${work}/elapsed"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

secrets=()
if [ "${scan}" = "1" ]; then
    secrets=(--secrets-log "${work}/secrets.jsonl")
fi
ready="$("${python}" "${launcher}" start --out "${work}/ready.json" --workdir "${work}" --env-args "${secrets[@]}")"
echo ">>> ${prefix}${ready}${EMULATOR_ARGS:+ (EMULATOR_ARGS: ${EMULATOR_ARGS})}"

# ansible-test runs in its own process group, in the background, so that an interrupt or TERM
# reaches our traps at once and stops it and the emulator.
# shellcheck disable=SC2016  # the script is expanded by the inner bash
setsid "${repo}/hack/in-build.sh" "${leg}" "${venv}" bash -c '
    set -eo pipefail
    ready="$1" outdir="$2" scan="$3" secrets_log="$4" prefix="$5"
    shift 5
    python "$VIAM_REPO_ROOT/hack/write-integration-config.py" "${ready}" tests/integration/integration_config.yml
    rm -f tests/integration/integration.cfg
    echo ">>> ${prefix}ansible-test integration $* ($(ansible --version | awk "NR == 1")) in ${PWD}"
    full=(--full)
    if [ "${scan}" = "1" ]; then
        # The secrets scan: for the inventory target (it starts its own emulator) the secrets
        # log and where to keep its cache; -vvvv, --diff, a log and the JSON callback for every
        # Ansible command (verbose lines to stderr, so that ansible-inventory --list stays JSON).
        printf "viam_secrets_log: %s\nviam_secrets_artifacts: %s\n" "${secrets_log}" "${outdir}" \
            >>tests/integration/integration_config.yml
        {
            echo "# Written by hack/integration-shard.sh for the secrets scan; do not edit."
            echo "[defaults]"
            echo "verbosity = 4"
            echo "verbose_to_stderr = True"
            echo "log_path = ${outdir}/ansible.log"
            echo "callback_plugins = ${PWD}/tests/secrets/callback"
            echo "[diff]"
            echo "always = True"
            echo "[callback_viam_secrets_json]"
            echo "path = ${outdir}/results.jsonl"
        } >tests/integration/integration.cfg
        echo ">>> ${prefix}secrets scan on: every Ansible command at -vvvv with --diff; full output in ${outdir}/ansible-test.out"
        # The console skips the connection-level lines of -vvvv (SECRETS_CONSOLE=full shows them).
        [ "${SECRETS_CONSOLE:-}" = "full" ] || full=()
    fi
    ansible-test integration "$@" 2>&1 | python "$VIAM_REPO_ROOT/hack/integration-shards.py" console \
        --out "${outdir}/ansible-test.out" --times "${outdir}/times.tsv" --console-log "${outdir}/console.log" \
        --prefix "${prefix}" "${full[@]}"
' bash "${work}/ready.json" "${outdir}" "${scan}" "${work}/secrets.jsonl" "${prefix}" "$@" &
child=$!
rc=0
wait "${child}" || rc=$?
child=""

if [ "${rc}" -ne 0 ]; then
    echo ">>> ${prefix}integration failed (rc ${rc}); last emulator log lines:" >&2
    tail -n 20 "${work}/emulator.stderr" | sed "s/^/${prefix}/" >&2
fi
exit "${rc}"
