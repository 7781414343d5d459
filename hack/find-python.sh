#!/usr/bin/env bash
# Print the path of a working CPython X.Y interpreter, or fail clearly.
# Usage: hack/find-python.sh 3.12
# Order: pyenv's own build ($(pyenv root)/versions/X.Y.*/bin/python, newest
# patch first; pyenv's shims are NOT used: they fail unless the version is
# selected), then pythonX.Y on PATH if it actually runs.
set -euo pipefail

want="${1:?usage: $0 X.Y}"

works() {
    "$1" -c "import sys; sys.exit(0 if '%d.%d' % sys.version_info[:2] == '${want}' else 1)" >/dev/null 2>&1
}

root=""
if command -v pyenv >/dev/null 2>&1; then
    root="$(pyenv root 2>/dev/null || true)"
fi
root="${root:-${PYENV_ROOT:-${HOME}/.pyenv}}"

if [ -d "${root}/versions" ]; then
    # newest patch release first (sort -V understands 3.12.10 > 3.12.9)
    while IFS= read -r dir; do
        if works "${dir}/bin/python"; then
            echo "${dir}/bin/python"
            exit 0
        fi
    done < <(find "${root}/versions" -mindepth 1 -maxdepth 1 -name "${want}.*" | sort -rV)
fi

if command -v "python${want}" >/dev/null 2>&1 && works "python${want}"; then
    command -v "python${want}"
    exit 0
fi

echo "ERROR: no working Python ${want} found (looked in ${root}/versions/${want}.*/bin/python and python${want} on PATH)." >&2
exit 1
