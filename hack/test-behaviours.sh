#!/usr/bin/env bash
# Run the integration targets under each emulator behaviour value alone (docs/api-assumptions.md §7).
# Usage: hack/test-behaviours.sh VENV PYVER [TARGET...]
#   Every non-default value of every key of `viam-app-emulator --list-behaviours`, one integration
#   run each (leg "behaviours") over the targets that exercise that key (below; TARGETs given, or
#   ALL_TARGETS=1 for every target, override), then one table: key=value, result, seconds, targets.
#   Exit 1 if any failed.
# Env: BEHAVIOURS='key=value ...' to run only those values; ALL_TARGETS=1.
set -uo pipefail

venv="${1:?usage: $0 VENV PYVER [TARGET...]}"
pyver="${2:?}"
shift 2
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${repo}/build/test-behaviours"
mkdir -p "${out}"

# The emulator runs on this venv's Python (also where the checkout has no .venv of its own).
export VIAM_EMULATOR_PYTHON="${VIAM_EMULATOR_PYTHON:-$(cd "${venv}" && pwd)/bin/python}"
if [ -n "${BEHAVIOURS:-}" ]; then
    read -r -a values <<<"${BEHAVIOURS}"
else
    mapfile -t values < <("${repo}/tests/emulator/viam-app-emulator" --list-behaviours | "${venv}/bin/python" -c '
import json, sys
for entry in json.load(sys.stdin):
    for value in entry["values"]:
        if value["value"] != entry["default"]:
            print("%s=%s" % (entry["key"], value["value"]))')
fi

# The targets that exercise each key (any target given on the command line, or ALL_TARGETS=1, wins):
# every value then runs in a few minutes instead of the whole suite's time.
declare -A key_targets=(
    [unknown_id_code]="viam_robot viam_robot_part viam_fragment viam_module viam_location viam_robot_part_secret viam_robot_part_logs"
    [part_by_name_and_location]="viam_robot_part viam_fleet role_machine"
    [list_robots_for_org]="viam_robot viam_organization_invite viam_role role_machine"
    [rotate_key]="viam_api_key role_fleet"
    [duplicate_fragment_name]="viam_fragment viam_fleet role_fleet"
    [duplicate_machine_name]="viam_robot viam_fleet role_fleet"
    [update_conflict_code]="viam_robot_part viam_fragment viam_fleet"
    [mark_part_for_restart]="viam_robot_part"
    [public_fragments]="viam_fragment viam_fleet viam_robot_part role_fleet"
    [robot_config_json]="viam_robot_part viam_fleet role_machine"
    [part_config_cloud]="viam_robot_part viam_fleet role_machine inventory_viam"
)

if [ "${#values[@]}" -eq 0 ]; then
    echo "make test-behaviours: no behaviour value to run (could the emulator list them?)" >&2
    exit 1
fi

results=()
failed=0
for value in "${values[@]}"; do
    targets=("$@")
    if [ "${#targets[@]}" -eq 0 ] && [ -z "${ALL_TARGETS:-}" ]; then
        read -r -a targets <<<"${key_targets[${value%%=*}]:-}"
    fi
    start=${SECONDS}
    log="${out}/${value//[^A-Za-z0-9_=-]/_}.log"
    echo ">>> integration with --behaviour ${value} (log: ${log})"
    if EMULATOR_ARGS="--behaviour ${value}" SECRETS_SCAN=0 \
            "${repo}/hack/integration.sh" behaviours "${venv}" "${pyver}" --continue-on-error "${targets[@]}" \
            >"${log}" 2>&1; then
        results+=("$(printf '%-48s ok      %5ss  %s' "${value}" "$((SECONDS - start))" "${targets[*]:-all}")")
    else
        results+=("$(printf '%-48s FAILED  %5ss  %s' "${value}" "$((SECONDS - start))" "${targets[*]:-all}")")
        failed=$((failed + 1))
        tail -n 30 "${log}"
    fi
done

echo
echo "================ make test-behaviours summary ================"
printf '%s\n' "${results[@]}" | tee "${out}/summary.txt"
if [ "${failed}" -ne 0 ]; then
    echo "make test-behaviours: ${failed} of ${#values[@]} values FAILED"
    exit 1
fi
echo "make test-behaviours: all ${#values[@]} values passed"
