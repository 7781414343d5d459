#!/usr/bin/env bash
# make awx-check: the AWX / Automation Platform support of viam.cloud.
#
# 1. ansible-builder create of meta/execution-environment.yml, staged the way
#    its relative paths mean it (next to the collection's requirements.txt and
#    bindep.txt); checks the Containerfile and that the build context carries
#    our requirements.txt, bindep.txt and the viam.cloud galaxy requirement.
# 2. ansible-builder introspect of the installed collection: what any EE that
#    installs viam.cloud gets from it (grpcio, protobuf, the SSH client).
# 3. The "Viam API key" credential type (examples/awx/credential_type_*.yml):
#    its fields are consistent, and its injectors, rendered with Jinja as AWX
#    renders them, give an environment with which the inventory source
#    (examples/awx/fleet.viam.yml), the converge job template (twice, the
#    second run changes nothing) and the report job template work against a
#    local emulator.
#    The same, with the real engine: the inventory update and the converge and
#    report job templates through ansible-runner (the library AWX runs jobs
#    with), each in a private data dir laid out as AWX lays it out (env/envvars
#    from the injectors, env/extravars, project/, inventory/hosts, args), on the
#    same emulator: the runner's status, stats and events, and no secret in its
#    artifacts (hack/awx-runner.py).
# 4. awx.awx: taken from the community `ansible` wheel on PyPI (the only
#    package index that ships it), cached under build/cache; then
#    ansible-playbook --syntax-check of examples/awx_setup.yml and of the job
#    template playbooks, and the awx.awx tasks' arguments validated against
#    the real modules' argument specs (hack/awx-args.py).
# Env: VENV (default .venv); AWX_LEG (default awx): runs in the build copy
# build/$AWX_LEG (hack/in-build.sh), its work files in build/$AWX_LEG-check.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="${VENV:-.venv}"
leg="${AWX_LEG:-awx}"

# The community `ansible` 13.8.0 package is the newest that bundles awx.awx
# (24.6.1, the last awx.awx release); ansible 14 dropped it. Pinned by hash.
AWX_WHEEL="ansible-13.8.0-py3-none-any.whl"
AWX_WHEEL_REQ="ansible==13.8.0 --hash=sha256:daf9c9a2850bbc6c098ba3368aeba99d4ae37c90bca47f974dc19342c0571361"

if [ "${1:-}" != "--in-build" ]; then
    exec "${repo}/hack/in-build.sh" "${leg}" "${venv}" bash "${repo}/hack/awx-check.sh" --in-build
fi

# From here on: in build/$AWX_LEG/ansible_collections/viam/cloud, venv on PATH.
collections="$(cd ../../.. && pwd)"          # build/$AWX_LEG
cache="${VIAM_REPO_ROOT}/build/cache"
deps="${VIAM_REPO_ROOT}/build/awx-deps"       # holds ansible_collections/awx/awx
work="${VIAM_REPO_ROOT}/build/${leg}-check"
rm -rf "${work}"
mkdir -p "${work}" "${cache}"

step() { echo ">>> [awx] $*"; }
fail() { echo "ERROR: $*" >&2; exit 1; }

# --- 1. ansible-builder create -----------------------------------------------
step "ansible-builder create (meta/execution-environment.yml)"
stage="${work}/ee"
mkdir -p "${stage}"
cp meta/execution-environment.yml "${stage}/execution-environment.yml"
cp requirements.txt bindep.txt "${stage}/"
ansible-builder create -f "${stage}/execution-environment.yml" -c "${stage}/context" \
    --output-filename Containerfile >"${work}/builder.log" 2>&1 \
    || { cat "${work}/builder.log" >&2; fail "ansible-builder create failed"; }
ctx="${stage}/context"
[ -s "${ctx}/Containerfile" ] || fail "no Containerfile in ${ctx}"
cmp -s requirements.txt "${ctx}/_build/requirements.txt" || fail "the build context lacks our requirements.txt"
cmp -s bindep.txt "${ctx}/_build/bindep.txt" || fail "the build context lacks our bindep.txt"
grep -q -- '--user-pip=requirements.txt --user-bindep=bindep.txt' "${ctx}/Containerfile" \
    || fail "the Containerfile does not install requirements.txt/bindep.txt"
base="$(python -c 'import sys, yaml; print(yaml.safe_load(open(sys.argv[1]))["images"]["base_image"]["name"])' \
    meta/execution-environment.yml)"
grep -qxF "ARG EE_BASE_IMAGE=\"${base}\"" "${ctx}/Containerfile" || fail "the Containerfile is not based on ${base}"
python - "${ctx}/_build/requirements.yml" <<'EOF' || fail "the build context does not install viam.cloud"
import sys, yaml
names = [c["name"] if isinstance(c, dict) else c for c in yaml.safe_load(open(sys.argv[1]))["collections"]]
sys.exit(0 if "viam.cloud" in names else 1)
EOF
step "  Containerfile from ${base}, with requirements.txt, bindep.txt and viam.cloud: ok"

# --- 2. introspection of the installed collection -----------------------------
step "ansible-builder introspect (what an EE installing viam.cloud gets)"
ansible-builder introspect "${collections}" >"${work}/introspect.yml"
python - "${work}/introspect.yml" requirements.txt bindep.txt <<'EOF'
import sys, yaml
found = yaml.safe_load(open(sys.argv[1]).read().split("---", 1)[1])
def ours(path):
    return [l.strip() for l in open(path) if l.strip() and not l.startswith("#")]
for key, path in (("python", sys.argv[2]), ("system", sys.argv[3])):
    got = [l.split("  # from collection viam.cloud")[0] for l in found.get(key) or [] if "viam.cloud" in l]
    if got != ours(path):
        sys.exit("introspect %s: %r, expected %r (%s)" % (key, got, ours(path), path))
print(">>> [awx]   python: %s; system: %s" % (", ".join(ours(sys.argv[2])), ", ".join(ours(sys.argv[3]))))
EOF

# --- 3. the credential type, end to end against the emulator ------------------
step "credential type: fields, injectors, inventory source and report job on the emulator"
python - examples/awx/credential_type_inputs.yml examples/awx/credential_type_injectors.yml <<'EOF'
import re, sys, yaml
inputs = yaml.safe_load(open(sys.argv[1]))
injectors = yaml.safe_load(open(sys.argv[2]))
ids = [f["id"] for f in inputs["fields"]]
assert len(ids) == len(set(ids)), "duplicate field ids"
# What AWX's CredentialTypeInputField schema allows (awx/main/fields.py).
allowed = {"id", "label", "type", "format", "choices", "help_text", "multiline", "secret", "ask_at_runtime", "default"}
assert set(inputs) <= {"fields", "required"}, inputs.keys()
for field in inputs["fields"]:
    assert set(field) <= allowed, "unknown keys %s in field %s" % (set(field) - allowed, field["id"])
    assert re.match(r"^[a-zA-Z_]+[a-zA-Z0-9_]*$", field["id"]), field["id"]
    assert field.get("type") in ("string", "boolean"), field
    assert field.get("label"), field
assert set(inputs["required"]) <= set(ids), "required fields that do not exist"
secret = {f["id"] for f in inputs["fields"] if f.get("secret")}
assert secret == {"api_key"}, "the API key (and only it) must be secret: %s" % secret
# Every variable the modules and the inventory plugin read, and nothing else.
want = {"VIAM_APP_URL", "VIAM_API_KEY_ID", "VIAM_API_KEY", "VIAM_ORG_ID"}
assert set(injectors) == {"env"} and set(injectors["env"]) == want, injectors
used = set(re.findall(r"{{\s*(\w+)\s*}}", " ".join(injectors["env"].values())))
assert used <= set(ids), "injectors use unknown fields: %s" % (used - set(ids))
EOF

emu_dir="${work}/emulator"
mkdir -p "${emu_dir}"
rm -f "${emu_dir}/ready.json"  # stop_emulator stops only what this run started
emu_launcher="${PWD}/tests/emulator/launcher.py"
# shellcheck disable=SC2329  # invoked from the EXIT trap
stop_emulator() {
    if python "${emu_launcher}" stop "${emu_dir}/ready.json"; then
        rm -f "${emu_dir}/ready.json"
    fi
}
trap stop_emulator EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
python "${emu_launcher}" start --out "${emu_dir}/ready.json" --workdir "${emu_dir}" --quiet \
    -- --seed-fleet 2:2:1 || fail "the emulator did not start"

# The environment AWX would give the job: the injectors rendered with the
# credential's inputs (in a Jinja sandbox, as AWX does); no other VIAM_*.
python - examples/awx/credential_type_injectors.yml "${emu_dir}/ready.json" >"${emu_dir}/env" <<'EOF'
import json, shlex, sys, yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment
ready = json.loads(open(sys.argv[2]).readline())
credential = {"app_url": ready["app_url"], "api_key_id": ready["api_key_id"],
              "api_key": ready["api_key"], "organization_id": ""}
env = ImmutableSandboxedEnvironment()
for name, template in yaml.safe_load(open(sys.argv[1]))["env"].items():
    print("export %s=%s" % (name, shlex.quote(env.from_string(template).render(**credential))))
EOF
for v in VIAM_APP_URL VIAM_API_KEY_ID VIAM_API_KEY VIAM_ORG_ID; do unset "${v}"; done
# shellcheck disable=SC1091  # written just above
. "${emu_dir}/env"

ansible-inventory -i examples/awx/fleet.viam.yml --list >"${emu_dir}/inventory.json"
python - "${emu_dir}/inventory.json" <<'EOF'
import json, sys
# ansible-inventory (2.19+) marks the plugin's strings unsafe: {"__ansible_unsafe": "..."}
inv = json.load(open(sys.argv[1]), object_hook=lambda d: d.get("__ansible_unsafe", d))
hosts = inv["viam"]["hosts"]
# --seed-fleet 2:2:1: two locations of two machines of one part each.
assert len(hosts) == 4, hosts
assert "viam_location_site_01" in inv["all"]["children"] or "viam_location_site_01" in inv, sorted(inv)
assert all(inv["_meta"]["hostvars"][h]["viam_machine_name"].startswith("site-0") for h in hosts)
print(">>> [awx]   inventory source: %d hosts, %d groups" % (len(hosts), len(inv) - 1))
EOF
# The converge job template: its fleet data through the fleet role, twice
# (the second run, as a relaunch in AWX, changes nothing).
for run in 1 2; do
    ansible-playbook -i localhost, examples/awx/converge_fleet.yml >"${emu_dir}/converge-${run}.log" 2>&1 \
        || { cat "${emu_dir}/converge-${run}.log" >&2; fail "the fleet converge job failed (run ${run})"; }
done
grep -Eq 'localhost +: ok=[0-9]+ +changed=[1-9]' "${emu_dir}/converge-1.log" \
    || { cat "${emu_dir}/converge-1.log" >&2; fail "the first fleet converge changed nothing"; }
grep -Eq 'localhost +: ok=[0-9]+ +changed=0 +unreachable=0 +failed=0' "${emu_dir}/converge-2.log" \
    || { cat "${emu_dir}/converge-2.log" >&2; fail "the second fleet converge was not idempotent"; }
step "  converge job: changed the fleet, then changed nothing: ok"

ansible-playbook -i localhost, examples/awx/fleet_report.yml \
    -e '{"viam_report_must_be_online": []}' >"${emu_dir}/report.log" 2>&1 \
    || { cat "${emu_dir}/report.log" >&2; fail "the fleet report job failed"; }
grep -q '"msg": "site-01: site-01-m001=' "${emu_dir}/report.log" \
    || { cat "${emu_dir}/report.log" >&2; fail "the fleet report does not list site-01's machines"; }
grep -q '"msg": "lab: rover-1=' "${emu_dir}/report.log" \
    || { cat "${emu_dir}/report.log" >&2; fail "the fleet report does not list the converged lab"; }
# A machine that is not online fails the job (what a schedule alerts on).
offline="$(python -c 'import json, sys; inv = json.load(open(sys.argv[1]), object_hook=lambda d: d.get("__ansible_unsafe", d)); hv = inv["_meta"]["hostvars"]; print(next(v["viam_machine_name"] for v in hv.values() if not v["viam_online"]))' "${emu_dir}/inventory.json")"
if ansible-playbook -i localhost, examples/awx/fleet_report.yml \
        -e "{\"viam_report_must_be_online\": [\"${offline}\"]}" >"${emu_dir}/report-offline.log" 2>&1; then
    cat "${emu_dir}/report-offline.log" >&2
    fail "the fleet report passed although ${offline} is offline"
fi
grep -q "not online: ${offline}" "${emu_dir}/report-offline.log" || fail "the fleet report did not name ${offline}"
step "  report job: lists the fleet, and fails on offline ${offline}: ok"

# The same through ansible-runner, as AWX's task runner runs them: only the
# private data dirs' env/envvars carry the credential (the shell's VIAM_* are
# unset first), on the same emulator, after the jobs above.
for v in VIAM_APP_URL VIAM_API_KEY_ID VIAM_API_KEY VIAM_ORG_ID; do unset "${v}"; done
step "ansible-runner: the inventory update and the job templates as AWX runs them"
python "${VIAM_REPO_ROOT}/hack/awx-runner.py" "${emu_dir}/ready.json" "${work}/runner" \
    || fail "the AWX jobs through ansible-runner failed (private data dirs in ${work}/runner)"
stop_emulator

# --- 4. awx.awx: syntax check and lint of the AWX playbooks -------------------
if [ ! -f "${cache}/${AWX_WHEEL}" ]; then
    step "downloading ${AWX_WHEEL} (for awx.awx only; cached in build/cache)"
    echo "${AWX_WHEEL_REQ}" >"${work}/awx-wheel.txt"
    python -m pip download --quiet --no-deps --require-hashes -r "${work}/awx-wheel.txt" -d "${cache}"
fi
if [ ! -f "${deps}/ansible_collections/awx/awx/MANIFEST.json" ] \
        || [ "${cache}/${AWX_WHEEL}" -nt "${deps}/ansible_collections/awx/awx/MANIFEST.json" ]; then
    rm -rf "${deps}"
    python - "${cache}/${AWX_WHEEL}" "${deps}" <<'EOF'
import sys, zipfile
prefix = "ansible_collections/awx/awx/"
with zipfile.ZipFile(sys.argv[1]) as wheel:
    members = [n for n in wheel.namelist() if n.startswith(prefix)]
    if not members:
        sys.exit("%s has no awx.awx collection" % sys.argv[1])
    wheel.extractall(sys.argv[2], members)
EOF
fi
awx_version="$(python -c 'import json, sys; print(json.load(open(sys.argv[1]))["collection_info"]["version"])' \
    "${deps}/ansible_collections/awx/awx/MANIFEST.json")"
export ANSIBLE_COLLECTIONS_PATH="${collections}:${deps}"

step "ansible-playbook --syntax-check (awx.awx ${awx_version})"
for playbook in examples/awx_setup.yml examples/awx/*.yml; do
    case "${playbook}" in
        # not playbooks: the credential type and the inventory source config
        */credential_type_*.yml|*/fleet.viam.yml) continue ;;
    esac
    ansible-playbook -i localhost, --syntax-check "${playbook}" >"${work}/syntax.log" 2>&1 \
        || { cat "${work}/syntax.log" >&2; fail "syntax check of ${playbook} failed"; }
    step "  ${playbook}: ok"
done

# The awx.awx modules' arguments, against their real argument specs (the
# repository's .ansible-lint mocks awx.awx for `make lint`, and ansible-lint's
# args rule cannot load awx.awx's modules anyway).
step "awx.awx module arguments of examples/awx_setup.yml"
python "${VIAM_REPO_ROOT}/hack/awx-args.py" "${deps}" examples/awx_setup.yml
step "all AWX checks passed"
