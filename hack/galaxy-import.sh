#!/usr/bin/env bash
# What Galaxy and Automation Hub do with an uploaded viam.cloud (make galaxy-import, part of make test).
#
# 1. .venv-galaxy from requirements-galaxy.txt (pinned galaxy-importer, ansible-core, ansible-lint),
#    created by hack/mkvenv.sh when missing or older than that file.
# 2. A copy of the collection (hack/sync-build.py: tracked and untracked-not-ignored files) in
#    build/galaxy/ansible_collections/viam/cloud, and `ansible-galaxy collection build` there
#    (galaxy.yml's build_ignore applies) into build/galaxy-dist/viam-cloud-X.Y.Z.tar.gz.
# 3. The tarball's file list: nothing that must not ship (.git, .ansible, venvs, build/, caches,
#    tests/output, integration_config.yml) and the files users are told are there (the emulator,
#    the changelog, requirements.txt, meta/runtime.yml).
# 4. python -m galaxy_importer.main on the tarball with GALAXY_IMPORTER_CONFIG (ansible-test off:
#    it wants a container engine; ansible-lint on; Automation Hub's required tags checked) and
#    the venv's bin first on PATH (the importer runs ansible-doc and ansible-lint from PATH).
# Fails when the importer fails or logs an ERROR/CRITICAL line (an ansible-doc failure is only
# logged: the importer still says "completed successfully"), or when ansible-lint reports a
# violation. Other warnings are printed, not fatal. Its log: build/galaxy-dist/importer.log.
# Env: GALAXY_VENV (default .venv-galaxy), GALAXY_PYVER (default 3.12), GALAXY_LINT_TIMEOUT (seconds
# for ansible-lint inside the importer, default 900: see below).
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
cd "${repo}"
venv="${GALAXY_VENV:-.venv-galaxy}"
pyver="${GALAXY_PYVER:-3.12}"
reqs="requirements-galaxy.txt"
dist="${repo}/build/galaxy-dist"

if [ ! -f "${venv}/.installed" ] || [ "${reqs}" -nt "${venv}/.installed" ]; then
    echo ">>> [galaxy] creating ${venv} (Python ${pyver}) from ${reqs}"
    hack/mkvenv.sh "${venv}" "${pyver}" "${reqs}"
fi
venv="$(cd "${venv}" && pwd)"
export PATH="${venv}/bin:${PATH}"

# --- build ------------------------------------------------------------------
tree="$(python hack/sync-build.py "${repo}/build/galaxy" | tail -n 1)"
version="$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["version"])' galaxy.yml)"
tarball="${dist}/viam-cloud-${version}.tar.gz"
rm -rf "${dist}"
mkdir -p "${dist}"
echo ">>> [galaxy] ansible-galaxy collection build (${tree})"
(cd "${tree}" && ansible-galaxy collection build --force --output-path "${dist}") >/dev/null
test -f "${tarball}" || { echo "ERROR: ${tarball} was not built" >&2; exit 1; }

# --- what ships -------------------------------------------------------------
tar -tzf "${tarball}" >"${dist}/files.txt"
python - "${dist}/files.txt" <<'PY'
import re, sys
files = [line.rstrip("\n").rstrip("/") for line in open(sys.argv[1], encoding="utf-8")]
never = re.compile(r"(^|/)(\.git|\.ansible|\.venv[^/]*|build|tests/output|__pycache__|\.pytest_cache|\.hypothesis|"
                   r"\.cache)(/|$)|\.pyc$|\.tar\.gz$|integration_config\.yml$")
bad = sorted(f for f in files if never.search(f))
must = ("MANIFEST.json", "FILES.json", "README.md", "COPYING", "meta/runtime.yml", "requirements.txt",
        "changelogs/changelog.yaml", "tests/emulator/viam-app-emulator")
missing = [f for f in must if f not in files]
for f in bad[:20]:
    print("ERROR: the tarball holds %s (add it to build_ignore in galaxy.yml)" % f, file=sys.stderr)
for f in missing:
    print("ERROR: the tarball lacks %s" % f, file=sys.stderr)
print(">>> [galaxy] %s: %d entries%s" % (sys.argv[1].rsplit("/", 2)[-2], len(files),
                                         "" if bad or missing else ", none that must not ship"))
sys.exit(1 if bad or missing else 0)
PY
echo ">>> [galaxy] $(basename "${tarball}"): $(du -k "${tarball}" | cut -f1) KiB"

# --- galaxy-importer ----------------------------------------------------------
cat >"${dist}/galaxy-importer.cfg" <<'CFG'
[galaxy-importer]
# ansible-test sanity needs a container engine there; `make sanity` runs it.
RUN_ANSIBLE_TEST = False
RUN_ANSIBLE_LINT = True
RUN_ANSIBLE_DOC = True
CHECK_CHANGELOG = True
# Automation Hub wants one of its tags (application, cloud, ...); Galaxy does not.
CHECK_REQUIRED_TAGS = True
CFG
echo ">>> [galaxy] galaxy-importer $(python -c 'import importlib.metadata as m; print(m.version("galaxy-importer"))')" \
    "on $(basename "${tarball}") (ansible-lint $(python -c 'import importlib.metadata as m; print(m.version("ansible-lint"))'))"
# `python -m galaxy_importer.main TARBALL`, with one change: the importer gives ansible-lint 180 s
# (a constant in galaxy_importer/loaders/collection.py). On Galaxy's servers that is ample (about
# 30 s here on an idle machine); on a CI machine busy with make test's other steps the same lint can
# take longer and would fail as a timeout that says nothing about the collection. So the lint gets
# GALAXY_LINT_TIMEOUT seconds (default 900), and its time is printed, with a warning past 180 s.
# Its own temporary, Ansible and cache directories: the importer unpacks the tarball under TMPDIR
# and runs ansible-lint there, which writes its mock modules (.ansible-lint mock_modules) into a
# cache of its project; `make test` runs `make lint` at the same time, and a shared cache let one
# run clean the other's mocks away (seen once: "couldn't resolve module/action 'awx.awx...'").
# Outside the repository, so that no git root makes its project (and cache) the same as `make lint`'s.
private="$(mktemp -d "${TMPDIR:-/tmp}/viam-galaxy-import.XXXXXX")"
trap 'rm -rf "${private}"' EXIT
mkdir -p "${private}/tmp" "${private}/ansible" "${private}/cache"
rc=0
(cd "${dist}" && GALAXY_IMPORTER_CONFIG="${dist}/galaxy-importer.cfg" \
    TMPDIR="${private}/tmp" ANSIBLE_HOME="${private}/ansible" XDG_CACHE_HOME="${private}/cache" \
    python - "$(basename "${tarball}")" <<'PY') >"${dist}/importer.log" 2>&1 || rc=$?
import os, runpy, subprocess, sys, time
from galaxy_importer.loaders import collection as loader

GALAXY_LIMIT = 180
LINT_TIMEOUT = float(os.environ.get("GALAXY_LINT_TIMEOUT", "900"))

class Popen(subprocess.Popen):
    def communicate(self, input=None, timeout=None):
        if "ansible-lint" not in self.args:
            return super().communicate(input, timeout)
        start = time.monotonic()
        try:
            return super().communicate(input, LINT_TIMEOUT if timeout == GALAXY_LIMIT else timeout)
        finally:
            took = time.monotonic() - start
            print("ansible-lint took %.0f s%s" % (took, " (WARNING: more than the %d s Galaxy's importer allows; "
                  "on a busy machine this may be load)" % GALAXY_LIMIT if took > GALAXY_LIMIT else ""), flush=True)

loader.Popen = Popen
sys.argv = ["galaxy_importer.main"] + sys.argv[1:]
runpy.run_module("galaxy_importer.main", run_name="__main__", alter_sys=True)
PY

# The verdict: every line that is not the importer listing what it loads.
grep -v -E '^(Loading |Getting doc strings|Finding content|Linting collection via|\.\.\.ansible-lint run complete|$)' \
    "${dist}/importer.log" | sed 's/^/    /' || true
errors="$(grep -c -E '^(ERROR|CRITICAL)' "${dist}/importer.log" || true)"
# ansible-lint's violations (--format=pep8: path:line:col: rule: message) are logged as warnings.
violations="$(grep -c -E '^WARNING: [^ ]+:[0-9]+(:[0-9]+)?: ' "${dist}/importer.log" || true)"
if [ "${rc}" -ne 0 ] || [ "${errors}" -gt 0 ] || [ "${violations}" -gt 0 ] \
    || ! grep -q '^Importer processing completed successfully' "${dist}/importer.log"; then
    echo "ERROR: galaxy-importer: exit ${rc}, ${errors} error(s), ${violations} ansible-lint violation(s)" \
        "(build/galaxy-dist/importer.log)" >&2
    exit 1
fi
echo ">>> [galaxy] galaxy-importer: the import succeeds, no error, no ansible-lint violation"
