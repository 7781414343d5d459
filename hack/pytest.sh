#!/usr/bin/env bash
# Run pytest on one test folder inside the build copy (see hack/in-build.sh).
# Usage: hack/pytest.sh LEG VENV TESTDIR [PYTEST ARGS...]
# A missing or empty TESTDIR, or pytest's exit code 5 (no tests collected, e.g. a -k that
# matches nothing), is reported and FAILS: an empty selection proves nothing.
# Env: PYTEST_WORKERS=N runs the tests in N processes (pytest-xdist, -n N --dist loadfile: the
#      tests of one file stay in one process, in order); unset or 0: one process.
set -euo pipefail

leg="${1:?usage: $0 LEG VENV TESTDIR [PYTEST ARGS...]}"
venv="${2:?}"
dir="${3:?}"
shift 3
repo="$(cd "$(dirname "$0")/.." && pwd)"

if [ -z "$(find "${repo}/${dir}" -name 'test_*.py' -o -name '*_test.py' 2>/dev/null | head -n1)" ]; then
    echo ">>> [${leg}] FAILED: no tests in ${dir} (missing folder or no test_*.py): nothing to run" >&2
    exit 1
fi

workers=()
if [ -n "${PYTEST_WORKERS:-}" ] && [ "${PYTEST_WORKERS}" != "0" ]; then
    workers=(-n "${PYTEST_WORKERS}" --dist loadfile)
fi

rc=0
# shellcheck disable=SC2016  # the script is expanded by the inner sh
"${repo}/hack/in-build.sh" "${leg}" "${venv}" sh -c '
    echo ">>> [$1] pytest $2 (python $(python -c "import sys; print(sys.version.split()[0])"), $(python -c "import google.protobuf as p; print(\"protobuf\", p.__version__)" 2>/dev/null || echo "no protobuf"))"
    shift
    exec python -m pytest -p no:cacheprovider "$@"
' sh "${leg}" "${dir}" "${workers[@]}" "$@" || rc=$?

if [ "${rc}" -eq 5 ]; then
    echo ">>> [${leg}] FAILED: pytest collected no tests in ${dir}${*:+ with $*} (exit 5: an empty selection fails)" >&2
fi
exit "${rc}"
