#!/usr/bin/env bash
# Create (or update) a virtualenv on Python X.Y and install a requirements file.
# Usage: hack/mkvenv.sh VENV_DIR X.Y REQUIREMENTS_FILE
# Leaves VENV_DIR/.installed as the stamp `make` compares with the requirements.
set -euo pipefail

venv="${1:?usage: $0 VENV X.Y REQUIREMENTS}"
want="${2:?}"
reqs="${3:?}"
here="$(cd "$(dirname "$0")" && pwd)"

python="$("${here}/find-python.sh" "${want}")"
echo ">>> ${venv}: using Python ${want} at ${python} ($("${python}" -c 'import sys; print(sys.version.split()[0])'))"

# Re-create the venv when it is missing, broken or on another Python X.Y.
if [ -x "${venv}/bin/python" ] && "${venv}/bin/python" -c "import sys; sys.exit(0 if '%d.%d' % sys.version_info[:2] == '${want}' else 1)" >/dev/null 2>&1; then
    echo ">>> ${venv}: reusing existing virtualenv"
else
    echo ">>> ${venv}: creating virtualenv"
    rm -rf "${venv}"
    "${python}" -m venv "${venv}"
fi

rm -f "${venv}/.installed"
# --upgrade: take the newest releases the requirement ranges allow (e.g. the
# newest protobuf 7.x in the compat venv) whenever the requirements change.
"${venv}/bin/python" -m pip install --quiet --upgrade pip
"${venv}/bin/python" -m pip install --quiet --upgrade -r "${reqs}"
"${venv}/bin/python" -m pip check
"${venv}/bin/python" - <<'PY'
import importlib.metadata as md
import sys
wanted = ("ansible-core", "protobuf", "grpcio", "viam-sdk", "grpcio-tools", "ansible-lint", "pytest")
got = []
for name in wanted:
    try:
        got.append("%s==%s" % (name, md.version(name)))
    except md.PackageNotFoundError:
        pass
print(">>> python %s: %s" % (sys.version.split()[0], " ".join(got)))
PY
date -u +%Y-%m-%dT%H:%M:%SZ > "${venv}/.installed"
