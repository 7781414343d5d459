#!/usr/bin/env bash
# Integration test of the viam.cloud.fleet role, against the emulator that
# `make integration` starts (tests/integration/integration_config.yml).
#
# Bad variable sets fail in argument validation and change nothing; check
# mode on a fresh organization predicts changes and creates nothing; the real
# run (with --diff) builds the fleet of fleet.yml (verify.yml checks it in
# the API, and that the created API key works); a second run changes nothing;
# no output shows the created key's secret; retire.yml deletes part of the
# fleet, and its second run changes nothing either.
set -euo pipefail
# This script reads Ansible's output; `ansible-test --color yes` sets ANSIBLE_FORCE_COLOR, which
# would wrap host names and failures in escape codes.
export ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1

config="$(cd ../.. && pwd)/integration_config.yml"
work="$(mktemp -d "${TMPDIR:-/tmp}/role-fleet.XXXXXX")"
trap 'rm -rf "${work}"' EXIT
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}"
passed=0

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { passed=$((passed + 1)); echo "ok ${passed}: $*"; }

play() {  # play NAME ARGS...: ansible-playbook with the config; output in work/NAME.log
    local name="$1"
    shift
    ansible-playbook -e "@${config}" -e "key_file=${work}/key.json" "$@" >"${work}/${name}.log" 2>&1 \
        || { cat "${work}/${name}.log"; fail "${name}: ansible-playbook failed"; }
}
changed() {  # changed NAME: the changed= count of localhost in NAME's PLAY RECAP
    grep -E '^localhost +:' "${work}/$1.log" | tail -n 1 | sed -E 's/.*changed=([0-9]+).*/\1/'
}
changed_items() {  # changed_items NAME: "task | item" of every change the role reported in NAME, sorted
    # (converge.yml's own post task, which keeps the created key for these checks, is not the role's)
    awk '/^TASK \[/ { task = $0; sub(/^TASK \[/, "", task); sub(/\] \**$/, "", task) }
         /^changed: \[/ { item = $0; sub(/^changed: \[[^]]*\] ?/, "", item); sub(/ =>.*/, "", item)
                          if (task !~ /Keep the created key/) print task " | " item }' "${work}/$1.log" | sort
}

# --- bad variables: one host per set, all in one run -------------------------
"${python}" - >"${work}/bad-inventory.json" <<'PY'
import json
cases = [
    ({"viam_fleet_locations": "lab"}, "viam_fleet_locations"),
    ({"viam_fleet_locations": [{"name": "x", "state": "gone"}]}, "state must be one of: present, absent"),
    ({"viam_fleet_machines": [{"name": "m"}]}, "missing required arguments: location"),
    ({"viam_fleet_fragments": [{"name": "f", "visibility": "secret"}]}, "visibility must be one of: private, public, public_unlisted"),
    ({"viam_fleet_roles": [{"email": "a@b.c", "role": "admin"}]}, "role must be one of: owner, operator"),
    ({"viam_fleet_invites": [{"authorizations": []}]}, "missing required arguments: email"),
    ({"viam_fleet_api_keys": [{"name": "k", "colour": "red"}]}, "colour"),
    ({"viam_fleet_return_key_secrets": "perhaps"}, "viam_fleet_return_key_secrets"),
    ({"viam_fleet_machines": [{"name": "m", "location": "l", "parts": [{"fragments": ["f"]}]}]},
     "each entry of parts must be a part name or a dict with a name"),
]
hosts = {}
for number, (variables, expect) in enumerate(cases):
    hostvars = {"ansible_connection": "local", "expect_error": expect}
    hostvars.update(variables)
    hosts["bad-%d" % number] = hostvars
print(json.dumps({"bad": {"hosts": hosts}}))
PY
if ANSIBLE_CALLBACK_RESULT_FORMAT=json ANSIBLE_CALLBACK_FORMAT_PRETTY=false \
    ansible-playbook -i "${work}/bad-inventory.json" -e "@${config}" bad.yml >"${work}/bad.log" 2>&1; then
    cat "${work}/bad.log"
    fail "the bad variable sets did not fail"
fi
"${python}" - "${work}" <<'PY' || { grep -E '^(fatal|failed): ' "${work}/bad.log" | cut -c1-400 || tail -n 40 "${work}/bad.log"; fail "bad variables"; }
import json, os, sys
work = sys.argv[1]
inventory = json.load(open(os.path.join(work, "bad-inventory.json")))["bad"]["hosts"]
messages = {}
for line in open(os.path.join(work, "bad.log"), encoding="utf-8"):
    # "fatal: [host]: FAILED! => {...}", or "failed: [host] (item=...) => {...}" in a loop.
    if line.startswith(("fatal: [", "failed: [")) and "=> {" in line:
        host = line[line.index("[") + 1:line.index("]")]
        messages.setdefault(host, json.loads(line[line.index("=> {") + 3:]).get("msg", ""))
bad = 0
for host, hostvars in sorted(inventory.items()):
    expect, message = hostvars["expect_error"], messages.get(host)
    if message is None or expect not in message:
        print("FAIL: %s: expected a failure with %r, got %r" % (host, expect, message))
        bad += 1
    else:
        print("bad variables %s: %s" % ({k: v for k, v in hostvars.items() if k.startswith("viam_fleet_")}, expect))
sys.exit(1 if bad else 0)
PY
grep -qE 'changed=[1-9]' "${work}/bad.log" && fail "a bad variable set changed something"
ok "9 bad variable sets fail early with a clear message and change nothing"

# --- check mode on a fresh organization -----------------------------------
play check --check --diff -e fleet_file=fleet.yml converge.yml
[ "$(changed check)" -gt 0 ] || { cat "${work}/check.log"; fail "check mode predicted no change"; }
play fresh -e phase=fresh verify.yml
ok "check mode predicts $(changed check) changes and creates nothing"

# --- the real run, the API, idempotence ---------------------------------------
play first --diff -e fleet_file=fleet.yml converge.yml
[ "$(changed first)" -gt 0 ] || fail "the first run changed nothing"
changed_items check >"${work}/check.items"
changed_items first >"${work}/first.items"
diff -u "${work}/check.items" "${work}/first.items" \
    || fail "check mode predicted other changes (-) than the real run made (+), keys and invites included"
ok "check mode predicted exactly the $(wc -l <"${work}/first.items") changes of the real run, keys and invites included"
[ -s "${work}/key.json" ] || fail "viam_fleet_return_key_secrets did not give the created key"
play converged -e phase=converged verify.yml
ok "the first run builds the fleet ($(changed first) changes); the API has it all; the created key works"

play second --diff -e fleet_file=fleet.yml converge.yml
[ "$(changed second)" -eq 0 ] || { cat "${work}/second.log"; fail "the second run changed $(changed second) things"; }
ok "the second run changes nothing"

# The key's secret, and nothing of it, in no output (the diff included).
"${python}" -c 'import json, sys; print(json.load(open(sys.argv[1]))["key"])' "${work}/key.json" >"${work}/key.secret"
if grep -qF -f "${work}/key.secret" "${work}/check.log" "${work}/first.log" "${work}/second.log"; then
    fail "an output shows the created API key's secret"
fi
ok "no output (check, --diff runs) shows the created API key's secret"

# --- retirement -------------------------------------------------------------
play retire --diff -e fleet_file=retire.yml converge.yml
[ "$(changed retire)" -gt 0 ] || fail "the retirement changed nothing"
play retired -e phase=retired verify.yml
play retire-again -e fleet_file=retire.yml converge.yml
[ "$(changed retire-again)" -eq 0 ] || { cat "${work}/retire-again.log"; fail "the second retirement run changed something"; }
ok "state=absent retires a location, a machine, a part, a fragment, a key and a role; again changes nothing"

echo "role_fleet: ${passed} passed, 0 failed"
