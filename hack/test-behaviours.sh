#!/usr/bin/env bash
# Run the integration targets under each emulator behaviour value alone (docs/api-assumptions.md §7).
# Usage: hack/test-behaviours.sh VENV PYVER [TARGET...]
#   Every non-default value of every key of `viam-app-emulator --list-behaviours`, one integration
#   run each (leg "behaviours"), then one table: key=value, result, seconds. Exit 1 if any failed.
# Env: BEHAVIOURS='key=value ...' to run only those values.
set -uo pipefail

venv="${1:?usage: $0 VENV PYVER [TARGET...]}"
pyver="${2:?}"
shift 2
repo="$(cd "$(dirname "$0")/.." && pwd)"
out="${repo}/build/test-behaviours"
mkdir -p "${out}"

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

results=()
failed=0
for value in "${values[@]}"; do
    start=${SECONDS}
    log="${out}/${value//[^A-Za-z0-9_=-]/_}.log"
    echo ">>> integration with --behaviour ${value} (log: ${log})"
    if EMULATOR_ARGS="--behaviour ${value}" SECRETS_SCAN=0 \
            "${repo}/hack/integration.sh" behaviours "${venv}" "${pyver}" "$@" >"${log}" 2>&1; then
        results+=("$(printf '%-48s ok      %5ss' "${value}" "$((SECONDS - start))")")
    else
        results+=("$(printf '%-48s FAILED  %5ss' "${value}" "$((SECONDS - start))")")
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
