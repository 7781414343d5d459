#!/usr/bin/env bash
# The docs of viam.cloud.
#
# hack/docs.sh lint   (make docs-lint, part of make test; fast, main venv)
#   antsibull-docs lint-collection-docs --plugin-docs on a build copy: the
#   module, inventory and role docs, docs/docsite/links.yml (and extra docs
#   config, if any); then the guides: every page the site lists exists, and
#   every relative link in docs/*.md points at a file of the repository.
# hack/docs.sh build  (make docs)
#   The HTML site in build/docs/html: antsibull-docs renders the collection
#   (modules, inventory plugin, roles) and Sphinx builds it together with the
#   Markdown guides of docs/ (myst-parser). Its toolchain lives in .venv-docs,
#   created from requirements-docs.txt when missing or older than that file.
#   DOCS_STRICT=1 turns Sphinx warnings into errors.
# Env: VENV (default .venv): the venv for `lint` and the Python for .venv-docs.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="${VENV:-.venv}"
action="${1:?usage: $0 build|lint}"

# The guides, in the order of the site's table of contents: NAME REQUIRED|OPTIONAL SECTION, where
# SECTION is "user" (people who use the collection) or "dev" (people who develop it); the site's
# index has one table of contents per section, like docs/README.md (the index for GitHub readers,
# which is not a page of the site). A guide another engineer has not written yet is skipped by
# `build` with a note; `lint` requires those marked required.
GUIDES=(
    "quickstart.md required user"
    "authentication.md required user"
    "inventory.md required user"
    "roles.md required user"
    "awx.md required user"
    "emulator.md required user"
    "check-mode.md required user"
    "rollout.md required user"
    "rotation.md required user"
    "troubleshooting.md required user"
    "security.md required user"
    "development.md required dev"
    "api-assumptions.md required dev"
    "reliability.md required dev"
    "performance.md required dev"
    "coverage.md required dev"
)
REPO_URL="https://github.com/viam-cloud/viam.cloud/blob/main"

# Check the guides' list and their relative links (run in the repository).
check_guides() {
    local rc=0 entry name kind section
    for entry in "${GUIDES[@]}"; do
        read -r name kind section <<<"${entry}"
        if [ ! -f "docs/${name}" ] && [ "${kind}" = required ]; then
            echo "ERROR: docs/${name} is missing (listed in hack/docs.sh GUIDES)" >&2
            rc=1
        fi
        if [ "${section}" != user ] && [ "${section}" != dev ]; then
            echo "ERROR: hack/docs.sh GUIDES: ${name}: section must be user or dev, not '${section}'" >&2
            rc=1
        fi
        if [ -f docs/README.md ] && ! grep -q "](${name})" docs/README.md; then
            echo "ERROR: docs/README.md (the index) does not link to ${name}" >&2
            rc=1
        fi
    done
    python - docs/*.md <<'EOF' || rc=1
import os, re, sys
bad = 0
for path in sys.argv[1:]:
    text = re.sub(r"```.*?```", "", open(path, encoding="utf-8").read(), flags=re.S)
    for target in re.findall(r"\]\(([^)\s]+)\)", text):
        if re.match(r"[a-z]+:", target) or target.startswith("#"):
            continue
        file = os.path.normpath(os.path.join(os.path.dirname(path), target.split("#")[0]))
        if not os.path.exists(file):
            print("ERROR: %s: link to %s: no such file" % (path, target), file=sys.stderr)
            bad += 1
sys.exit(1 if bad else 0)
EOF
    return "${rc}"
}

case "${action}" in
lint)
    if [ "${2:-}" != "--in-build" ]; then
        (cd "${repo}" && check_guides)
        echo ">>> [docs] guides: $(find "${repo}/docs" -maxdepth 1 -name "*.md" | wc -l) pages, relative links ok"
        exec "${repo}/hack/in-build.sh" docs "${venv}" bash "${repo}/hack/docs.sh" lint --in-build
    fi
    echo ">>> [docs] antsibull-docs lint-collection-docs --plugin-docs"
    antsibull-docs lint-collection-docs --plugin-docs .
    echo ">>> [docs] module, plugin, role docs and docsite config: ok"
    ;;

build)
    if [ "${2:-}" != "--in-build" ]; then
        docs_venv="${repo}/.venv-docs"
        if [ ! -f "${docs_venv}/.installed" ] || [ "${repo}/requirements-docs.txt" -nt "${docs_venv}/.installed" ]; then
            pyver="$(cd "${repo}" && "${venv}/bin/python" -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null \
                || echo 3.12)"
            echo ">>> [docs] creating .venv-docs (Python ${pyver}) from requirements-docs.txt"
            (cd "${repo}" && hack/mkvenv.sh .venv-docs "${pyver}" requirements-docs.txt)
        fi
        (cd "${repo}" && check_guides)
        exec "${repo}/hack/in-build.sh" docs "${docs_venv}" bash "${repo}/hack/docs.sh" build --in-build
    fi

    # In the build copy build/docs/ansible_collections/viam/cloud.
    out="${VIAM_REPO_ROOT}/build/docs"
    src="${out}/src"
    rm -rf "${src}" "${out}/html"
    mkdir -p "${src}"
    chmod 700 "${src}"  # antsibull-docs only writes into a directory only its owner can write
    echo ">>> [docs] antsibull-docs sphinx-init + collection (viam.cloud)"
    antsibull-docs sphinx-init --use-current --squash-hierarchy --dest-dir "${src}" \
        --project viam.cloud --copyright "viam.cloud contributors" \
        --title "viam.cloud: Ansible for the Viam robotics cloud" --html-short-title viam.cloud \
        viam.cloud >/dev/null
    mkdir -p "${src}/rst"
    chmod og-w "${src}/rst"
    antsibull-docs --config-file "${src}/antsibull-docs.cfg" collection --cleanup everything --use-current \
        --squash-hierarchy --fail-on-error --dest-dir "${src}/rst" viam.cloud

    # The guides: Markdown pages of docs/, rendered by myst-parser. Links to
    # other guides stay relative; links to the rest of the repository (the
    # examples, roles' READMEs, ...) go to the repository on GitHub.
    mkdir -p "${src}/rst/guides"
    toc_user=""
    toc_dev=""
    for entry in "${GUIDES[@]}"; do
        read -r name _ section <<<"${entry}"
        if [ ! -f "docs/${name}" ]; then
            echo ">>> [docs] note: docs/${name} does not exist (yet): not in the site"
            continue
        fi
        python - "docs/${name}" "${src}/rst/guides/${name}" "${REPO_URL}" <<'EOF'
import os, re, sys
source, dest, url = sys.argv[1:4]
guides = set(os.listdir("docs"))
def link(match):
    target = match.group(2)
    path = target.split("#")[0]
    if re.match(r"[a-z]+:", target) or target.startswith("#") or path in guides:
        return match.group(0)
    repo_path = os.path.normpath(os.path.join("docs", path))
    return "%s(%s/%s)" % (match.group(1), url, repo_path + target[len(path):])
text = open(source, encoding="utf-8").read()
open(dest, "w", encoding="utf-8").write(re.sub(r"(\])\(([^)\s]+)\)", link, text))
EOF
        if [ "${section}" = dev ]; then
            toc_dev="${toc_dev}   guides/${name%.md}"$'\n'
        else
            toc_user="${toc_user}   guides/${name%.md}"$'\n'
        fi
    done
    python - "${src}/rst/index.rst" "${toc_user}" "${toc_dev}" <<'EOF'
import sys
path, toc_user, toc_dev = sys.argv[1:4]
text = open(path).read()
anchor = ".. _plugin_index_for_viam.cloud:"
assert anchor in text, "antsibull-docs' index has no plugin index anchor"
def section(label, title, intro, toc):
    if not toc:
        return ""
    return (".. _%s:\n\n%s\n%s\n\n%s\n\n.. toctree::\n   :maxdepth: 1\n\n%s\n"
            % (label, title, "-" * len(title), intro, toc))
guides = (section("viam_cloud_guides", "User guides",
                  "Using the collection: install, authenticate, inventory, roles, AWX, offline tests, "
                  "check mode, troubleshooting, security.", toc_user)
          + section("viam_cloud_developer_guides", "Developer guides",
                    "Developing the collection: tests, releases, what it assumes about the Viam app, "
                    "reliability, performance, API coverage.", toc_dev))
open(path, "w").write(text.replace(anchor, guides + anchor, 1))
EOF
    # The module pages link into the Ansible docsite (return values, config
    # settings and their environment variables) through intersphinx. The build
    # is offline, so a small local inventory maps those targets to their pages.
    python - "${src}/ansible_devel.inv" <<'EOF'
import sys, zlib
entries = [
    ("common_return_values", "std:label", "reference_appendices/common_return_values.html#common-return-values",
     "Return Values"),
    ("ansible_configuration_settings", "std:label", "reference_appendices/config.html#ansible-configuration-settings",
     "Ansible Configuration Settings"),
]
for name in ("ANSIBLE_CACHE_PLUGIN", "ANSIBLE_CACHE_PLUGIN_CONNECTION", "ANSIBLE_CACHE_PLUGIN_PREFIX",
             "ANSIBLE_CACHE_PLUGIN_TIMEOUT", "ANSIBLE_INVENTORY_CACHE", "ANSIBLE_INVENTORY_CACHE_PLUGIN",
             "ANSIBLE_INVENTORY_CACHE_CONNECTION", "ANSIBLE_INVENTORY_CACHE_PLUGIN_PREFIX",
             "ANSIBLE_INVENTORY_CACHE_TIMEOUT"):
    entries.append((name, "std:envvar", "reference_appendices/config.html#envvar-" + name, "-"))
body = "".join("%s %s 1 %s %s\n" % entry for entry in entries)
with open(sys.argv[1], "wb") as inv:
    inv.write(b"# Sphinx inventory version 2\n# Project: Ansible\n# Version: devel\n"
              b"# The remainder of this file is compressed using zlib.\n" + zlib.compress(body.encode()))
EOF
    cat >>"${src}/conf.py" <<'EOF'

# --- viam.cloud (hack/docs.sh) ---
import os
# The guides are Markdown (docs/*.md), rendered with myst-parser.
extensions.append('myst_parser')
source_suffix = {'.rst': 'restructuredtext', '.md': 'markdown'}
myst_heading_anchors = 3
myst_enable_extensions = ['colon_fence']
# Offline build: the Ansible docsite's targets the module pages use come from
# a local inventory (written by hack/docs.sh); nothing is downloaded.
intersphinx_mapping = {
    'ansible_devel': ('https://docs.ansible.com/projects/ansible/devel/',
                      os.path.join(os.path.dirname(os.path.abspath(__file__)), 'ansible_devel.inv')),
}
EOF
    echo ">>> [docs] sphinx-build html"
    strict=()
    if [ "${DOCS_STRICT:-0}" = 1 ]; then
        strict=(-W --keep-going)
    fi
    sphinx-build -q -b html -c "${src}" "${strict[@]}" "${src}/rst" "${out}/html" 2>"${out}/sphinx-warnings.log" \
        || { cat "${out}/sphinx-warnings.log" >&2; exit 1; }
    warnings="$(grep -c 'WARNING' "${out}/sphinx-warnings.log" || true)"
    if [ "${warnings}" -gt 0 ]; then
        echo ">>> [docs] ${warnings} Sphinx warning(s), see build/docs/sphinx-warnings.log:"
        head -n 20 "${out}/sphinx-warnings.log"
    fi
    pages="$(find "${out}/html" -name '*.html' | wc -l)"
    echo ">>> [docs] ${pages} pages in build/docs/html (open build/docs/html/index.html)"
    ;;

*)
    echo "usage: $0 build|lint" >&2
    exit 2
    ;;
esac
