#!/usr/bin/env bash
# Run ansible-test integration against fresh emulators, the targets split into parallel shards.
# Usage: hack/integration.sh LEG VENV PYTHON_VERSION [ANSIBLE-TEST ARGS...]
#
# 1. no targets in tests/integration/targets: say so and succeed;
# 2. the shards: with no ANSIBLE-TEST ARGS but --color, every target, split into
#    INTEGRATION_SHARDS shards (default: the number of CPUs, at most 4) by hack/integration-shards.py
#    plan (longest first to the least loaded shard, lengths from the last run's
#    build/LEG/integration-times.tsv); with other arguments (a target, --start-at, -v ...)
#    one shard with exactly those arguments. Every target runs exactly once either way;
# 3. each shard (hack/integration-shard.sh) has its own build copy (build/LEG-N, or build/LEG for
#    one shard: ansible-test keeps its state in the copy's tests/output) and its own emulator
#    (tests/emulator/launcher.py, EMULATOR_ARGS added), writes its integration_config.yml, runs
#    ansible-test integration --python PYTHON_VERSION there, and stops everything it started, even
#    on Ctrl-C. The shards run at once; their console lines are prefixed [LEG-N]; each shard's
#    whole output is kept (OUTDIR below);
# 4. a failing shard fails the run: its name, exit status and last console lines are shown at the end;
# 5. the secrets scan (on by default for every leg): every emulator runs with
#    --secrets-log, every Ansible command of the targets at -vvvv with --diff, a log file and the
#    JSON callback of tests/secrets/callback, ansible-test's output is kept, then tests/secrets/scan.py
#    asserts that no secret any shard's emulators issued appears in any shard's output, JSON results,
#    Ansible log, tests/output or the inventory target's cache. A leak fails the run, reported by
#    file, line, task and kind, the secret masked.
# Outputs (OUTDIR): build/LEG/secrets/ with the scan (build/LEG/secrets/shard-N/ for several shards;
#    report: build/LEG/secrets/report.json), else build/LEG/integration/ (shard-N/): ansible-test.out,
#    console.log, times.tsv.
# Env: EMULATOR_ARGS (extra emulator options), EMULATOR_START_TIMEOUT (s, 60),
#      EMULATOR_PYTHON (default: the main venv's python), INTEGRATION_SHARDS (number of shards),
#      SECRETS_SCAN (1 or 0; default 1),
#      SECRETS_CONSOLE (full: also show -vvvv connection lines on the console).
set -euo pipefail

leg="${1:?usage: $0 LEG VENV PYTHON_VERSION [ARGS...]}"
venv="${2:?}"
pyver="${3:?}"
shift 3
repo="$(cd "$(dirname "$0")/.." && pwd)"
venv_python="$(cd "${repo}" && cd "${venv}" && pwd)/bin/python"
started=${SECONDS}

shopt -s nullglob
targets=("${repo}"/tests/integration/targets/*/)
shopt -u nullglob
if [ "${#targets[@]}" -eq 0 ]; then
    echo ">>> [${leg}] no integration targets in tests/integration/targets: nothing to run"
    exit 0
fi
if [ ! -x "${repo}/tests/emulator/viam-app-emulator" ]; then
    echo "ERROR: tests/emulator/viam-app-emulator is missing or not executable; integration targets need it." >&2
    exit 1
fi

# --color is ours (make passes it); any other argument asks for one shard with exactly those arguments.
common=(--python "${pyver}")
user_args=()
while [ "$#" -gt 0 ]; do
    case "$1" in
        --color) common+=("$1" "${2:-yes}"); shift; [ "$#" -eq 0 ] || shift ;;
        --color=*) common+=("$1"); shift ;;
        *) user_args+=("$1"); shift ;;
    esac
done

scan="${SECRETS_SCAN:-}"
if [ -z "${scan}" ]; then
    # On for every leg: ansible-core versions mask no_log options differently (2.19 once showed the
    # API key where 2.21 did not: docs/security.md).
    scan=1
fi
if [ "${scan}" = "1" ]; then out="${repo}/build/${leg}/secrets"; else out="${repo}/build/${leg}/integration"; fi
rm -rf "${out}"
mkdir -p "${out}"

shards=()
if [ "${#user_args[@]}" -gt 0 ]; then
    shards=("")
else
    cpus="$(nproc 2>/dev/null || echo 2)"
    [ "${cpus}" -le 4 ] || cpus=4
    mapfile -t shards < <("${venv_python}" "${repo}/hack/integration-shards.py" plan "${INTEGRATION_SHARDS:-${cpus}}" \
        "${repo}/tests/integration/targets" "${repo}/build/${leg}/integration-times.tsv")
    [ "${#shards[@]}" -gt 0 ] || { echo "ERROR: no shard planned" >&2; exit 1; }
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/viam-integration.XXXXXX")"
pids=()
# shellcheck disable=SC2329  # invoked from the EXIT trap
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        if [ -n "${pid}" ] && kill -0 "${pid}" 2>/dev/null; then
            kill -TERM -- "-${pid}" 2>/dev/null || kill -TERM "${pid}" 2>/dev/null || true
        fi
    done
    for pid in "${pids[@]}"; do
        [ -z "${pid}" ] || wait "${pid}" 2>/dev/null || true
    done
    rm -rf "${work}"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# name, build copy, scratch and output directory of shard i
n="${#shards[@]}"
names=()
outdirs=()
for i in "${!shards[@]}"; do
    if [ "${n}" -eq 1 ]; then
        names+=("${leg}")
        outdirs+=("${out}")
    else
        names+=("${leg}-$((i + 1))")
        outdirs+=("${out}/shard-$((i + 1))")
    fi
done

if [ "${n}" -eq 1 ]; then
    echo ">>> [${leg}] ansible-test integration ${user_args[*]:-(every target)}: one shard, one emulator"
    "${repo}/hack/integration-shard.sh" "${names[0]}" "${venv}" "${work}/shard-1" "${outdirs[0]}" "${scan}" "" \
        "${common[@]}" "${user_args[@]}" &
    pids+=($!)
else
    echo ">>> [${leg}] ${n} shards at once, each in its own build copy against its own emulator:"
    for i in "${!shards[@]}"; do
        echo ">>>   [${names[$i]}] build/${names[$i]}: ${shards[$i]}"
    done
    for i in "${!shards[@]}"; do
        # shellcheck disable=SC2086  # a shard is a list of target names
        setsid "${repo}/hack/integration-shard.sh" "${names[$i]}" "${venv}" "${work}/shard-$((i + 1))" \
            "${outdirs[$i]}" "${scan}" "[${names[$i]}] " "${common[@]}" ${shards[$i]} &
        pids+=($!)
    done
fi

rcs=()
failed=0
for i in "${!pids[@]}"; do
    rc=0
    wait "${pids[$i]}" || rc=$?
    pids[i]=""
    rcs+=("${rc}")
    [ "${rc}" -eq 0 ] || failed=$((failed + 1))
done

echo
echo ">>> [${leg}] integration: ${n} shard(s) in $((SECONDS - started)) s"
for i in "${!names[@]}"; do
    elapsed="$(cat "${work}/shard-$((i + 1))/elapsed" 2>/dev/null || echo '?')"
    if [ "${rcs[$i]}" -eq 0 ]; then result="ok"; else result="FAILED (rc ${rcs[$i]})"; fi
    printf '>>>   %-12s %-14s %5ss  %s\n' "[${names[$i]}]" "${result}" "${elapsed}" "${shards[$i]:-${user_args[*]}}"
done
for i in "${!names[@]}"; do
    if [ "${rcs[$i]}" -ne 0 ] && [ "${n}" -gt 1 ]; then
        echo
        echo "================ [${names[$i]}] FAILED (rc ${rcs[$i]}): its last 80 console lines (all: ${outdirs[$i]}/console.log) ================" >&2
        tail -n 80 "${outdirs[$i]}/console.log" >&2 2>/dev/null || true
        tail -n 20 "${work}/shard-$((i + 1))/emulator.stderr" 2>/dev/null | sed 's/^/emulator: /' >&2 || true
    fi
done

# Each target's seconds, for the next run's plan (a full run only).
if [ "${#user_args[@]}" -eq 0 ]; then
    cat "${outdirs[@]/%//times.tsv}" >"${repo}/build/${leg}/integration-times.tsv" 2>/dev/null || true
fi

rc=0
[ "${failed}" -eq 0 ] || rc=1
if [ "${scan}" = "1" ]; then
    echo ">>> [${leg}] secrets scan: every secret the emulators of the ${n} shard(s) issued, searched in" \
        "ansible-test's output, the JSON results, the Ansible logs, tests/output and the inventory cache"
    scan_args=()
    for i in "${!names[@]}"; do
        scan_args+=(--secrets "${work}/shard-$((i + 1))/secrets.jsonl")
    done
    paths=()
    for i in "${!names[@]}"; do
        paths+=("${outdirs[$i]}/ansible-test.out" "${outdirs[$i]}/results.jsonl" "${outdirs[$i]}/ansible.log"
                "${outdirs[$i]}/inventory-cache" "${repo}/build/${names[$i]}/ansible_collections/viam/cloud/tests/output")
    done
    scan_rc=0
    "${venv_python}" "${repo}/tests/secrets/scan.py" "${scan_args[@]}" \
        --report "${out}/report.json" --allow-tasks "${repo}/tests/secrets/allowed-tasks.txt" "${paths[@]}" \
        || scan_rc=$?
    if [ "${scan_rc}" -ne 0 ]; then
        echo ">>> [${leg}] secrets scan FAILED (rc ${scan_rc}); masked report: ${out}/report.json" >&2
        rc=1
    fi
fi
if [ "${failed}" -ne 0 ]; then
    echo ">>> [${leg}] integration FAILED: ${failed} of ${n} shard(s) failed (see above)" >&2
fi
exit "${rc}"
