#!/usr/bin/env bash
# Run make targets one after the other (make -k), keep going past failures, then print
# each step's result and duration. Exit 1 if any step failed.
# Usage: hack/run-steps.sh [+]TARGET...   (MAKE may name the make to use)
# A target written +TARGET is required: if it fails, the later ones are not run.
set -uo pipefail

make="${MAKE:-make}"
names=()
results=()
times=()
failed=0
start_all=${SECONDS}

for arg in "$@"; do
    step="${arg#+}"
    echo
    echo "================ make ${step} ================"
    start=${SECONDS}
    if ${make} --no-print-directory --keep-going "${step}"; then
        results+=("ok")
    else
        results+=("FAILED")
        failed=$((failed + 1))
    fi
    names+=("${step}")
    times+=($((SECONDS - start)))
    if [ "${results[-1]}" = "FAILED" ] && [ "${arg}" != "${step}" ]; then
        echo "make ${step} failed: not running the later steps"
        break
    fi
done

echo
echo "================ make test summary ================"
for i in "${!names[@]}"; do
    printf '  %-12s %-7s %5ss\n' "${names[$i]}" "${results[$i]}" "${times[$i]}"
done
printf '  %-12s %-7s %5ss\n' "total" "" "$((SECONDS - start_all))"
if [ "${failed}" -ne 0 ]; then
    echo "make test: ${failed} of ${#names[@]} steps FAILED"
    exit 1
fi
echo "make test: all ${#names[@]} steps succeeded"
