#!/usr/bin/env bash
# Seed ansible-test's pip bootstrap cache so that it works offline.
# Usage: hack/ansible-test-bootstrap.sh PYTHON   (a venv python with ansible-core)
#
# ansible-test sanity creates one virtualenv per test (~/.ansible/test/venv)
# and puts pip into it with get-pip.py, downloaded from a host this machine
# cannot reach ("does not have pip available"). It first looks for a cached
# copy at ~/.ansible/test/cache/get_pip_<pip version>.py: we put a stand-in
# there that runs `python -m ensurepip` and then `pip install "$@"`.
# A real get-pip.py already in the cache (no marker line) is left alone.
set -euo pipefail

python="${1:?usage: $0 PYTHON}"
marker='viam.cloud offline get-pip stand-in'

pip_version="$("${python}" - <<'PY'
from types import SimpleNamespace
from ansible_test._internal.python_requirements import get_venv_packages
print(get_venv_packages(SimpleNamespace(version='3'))['pip'])
PY
)"
cache="${HOME}/.ansible/test/cache/get_pip_${pip_version//./_}.py"

if [ -e "${cache}" ] && ! grep -q "${marker}" "${cache}"; then
    exit 0
fi

mkdir -p "$(dirname "${cache}")"
# A file of our own: several steps of make test may run this at the same time.
tmp="$(mktemp "${cache}.XXXXXX")"
trap 'rm -f "${tmp}"' EXIT
cat > "${tmp}" <<PY
# ${marker} (written by hack/ansible-test-bootstrap.sh)
"""Install pip ${pip_version} into the running interpreter without network access to the get-pip host."""
import subprocess
import sys

args = [a for a in sys.argv[1:] if a not in ('--no-setuptools', '--no-wheel')]
subprocess.check_call([sys.executable, '-m', 'ensurepip', '--upgrade', '--default-pip'])
subprocess.check_call([sys.executable, '-m', 'pip', 'install'] + args)
PY
if ! cmp -s "${tmp}" "${cache}"; then
    chmod 644 "${tmp}"
    mv "${tmp}" "${cache}"
    echo ">>> seeded ansible-test pip ${pip_version} bootstrap: ${cache}"
fi
