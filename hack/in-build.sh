#!/usr/bin/env bash
# Run a command inside a fresh copy of the collection, with a venv first on PATH.
# Usage: hack/in-build.sh LEG VENV COMMAND [ARGS...]
#   LEG   name of the copy: build/LEG/ansible_collections/viam/cloud
#         (one copy per venv, so their tests/output never mix)
#   VENV  the virtualenv to use (its bin/ goes first on PATH)
# The command runs in the copy with:
#   PYTHONPATH=build/LEG                  (import ansible_collections.viam.cloud...)
#   ANSIBLE_COLLECTIONS_PATH=build/LEG    (ansible finds viam.cloud)
#   VIAM_REPO_ROOT=<the repository>       (for helpers that need the original tree)
set -euo pipefail

leg="${1:?usage: $0 LEG VENV COMMAND [ARGS...]}"
venv="${2:?}"
shift 2

repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="$(cd "${repo}" && cd "${venv}" && pwd)"
root="${repo}/build/${leg}"

"${repo}/hack/ansible-test-bootstrap.sh" "${venv}/bin/python"
tree="$("${venv}/bin/python" "${repo}/hack/sync-build.py" "${root}")"

export PATH="${venv}/bin:${PATH}"
export PYTHONPATH="${root}${PYTHONPATH:+:${PYTHONPATH}}"
export ANSIBLE_COLLECTIONS_PATH="${root}"
export VIAM_REPO_ROOT="${repo}"
cd "${tree}"
exec "$@"
