#!/usr/bin/env bash
# Integration test of the viam.cloud.machine role, against the emulator that
# `make integration` starts (tests/integration/integration_config.yml).
#
# Two "robots" on localhost (connection local), each with its own scratch
# root: robot-a is found by machine name (the role creates its machine),
# robot-b by part ID, as a host of the viam.cloud.viam inventory is, with
# API key credentials and an extra config section. The executable is a small
# fake viam-server behind a file:// URL.
#
# Steps: bad variable sets fail in argument validation, changing nothing;
# check mode on the fresh hosts predicts changes and makes none; the real run
# (with --diff); a second run with changed=0; verify.yml checks each config
# against the API (the secret too, without printing it) and that no run's
# output holds a secret.
set -euo pipefail
# This script reads Ansible's output; `ansible-test --color yes` sets ANSIBLE_FORCE_COLOR, which
# would wrap host names and failures in escape codes.
export ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1

config="$(cd ../.. && pwd)/integration_config.yml"
work="$(mktemp -d "${TMPDIR:-/tmp}/role-machine.XXXXXX")"
trap 'rm -rf "${work}"' EXIT
python="${ANSIBLE_TEST_PYTHON_INTERPRETER:-python}"
passed=0

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { passed=$((passed + 1)); echo "ok ${passed}: $*"; }

# The fake viam-server and its sha256.
mkdir -p "${work}/dist"
printf '#!/bin/sh\necho "fake viam-server $*"\n' >"${work}/dist/viam-server"
sha="$(sha256sum "${work}/dist/viam-server" | cut -d' ' -f1)"

ansible-playbook -e "@${config}" -e "ids_file=${work}/ids.json" setup.yml >"${work}/setup.log" || { cat "${work}/setup.log"; fail "setup"; }
part_b="$("${python}" -c 'import json, sys; print(json.load(open(sys.argv[1]))["camera_part_id"])' "${work}/ids.json")"

cat >"${work}/inventory.yml" <<INV
robots:
  vars:
    ansible_connection: local
    ansible_python_interpreter: "${python}"
    viam_machine_app_url: "{{ viam_app_url }}"
    viam_machine_api_key_id: "{{ viam_api_key_id }}"
    viam_machine_api_key: "{{ viam_api_key }}"
    viam_machine_organization_id: "{{ viam_organization_id }}"
    viam_machine_binary_url: "file://${work}/dist/viam-server"
    viam_machine_binary_checksum: "sha256:${sha}"
    fake_server_sha256: "${sha}"
    device_key_id: 3a0f4b6e-7c1d-4e2f-9a3b-8c7d6e5f4a3b
    device_key: fake-device-key-7bg4l0aq5ae3mc2ahnifl
  hosts:
    robot-a:
      viam_machine_root: "${work}/robot-a"
      viam_machine_name: it-role-rover
      viam_machine_location: it-role-lab
      expect_machine: it-role-rover
      expect_location: it-role-lab
      expect_top_keys: [cloud]
      expect_cloud_keys: [app_address, id, secret]
      expect_credentials: secret
    robot-b:
      viam_machine_root: "${work}/robot-b"
      # What the viam.cloud.viam inventory sets on its hosts.
      viam_part_id: "${part_b}"
      viam_machine_name: it-role-arm
      viam_machine_create: false
      viam_machine_credentials: api_key
      viam_machine_device_api_key_id: "{{ device_key_id }}"
      viam_machine_device_api_key: "{{ device_key }}"
      viam_machine_config_extra:
        network:
          bind_address: ":8080"
      expect_machine: it-role-arm
      expect_location: it-role-lab
      expect_part: it-role-arm-cam
      expect_top_keys: [cloud, network]
      expect_cloud_keys: [app_address, id, api_key]
      expect_credentials: api_key
INV

run() {  # run NAME ARGS...: ansible-playbook with the inventory and the config; output in work/NAME.log
    local name="$1"
    shift
    ansible-playbook -i "${work}/inventory.yml" -e "@${config}" "$@" >"${work}/${name}.log" 2>&1
}

recap() {  # recap NAME HOST: the host's PLAY RECAP line
    grep -E "^$2 +:" "${work}/$1.log" | tail -n 1
}

# --- bad variables: argument validation stops the role, nothing changes -------
# One host per bad variable set, all in one run (each fails on its own).
"${python}" - "${work}" >"${work}/bad-inventory.json" <<'PY'
import json, sys
work = sys.argv[1]
cases = [
    ({"viam_machine_credentials": "password"}, "viam_machine_credentials must be one of: secret, api_key"),
    ({"viam_machine_install": "docker"}, "viam_machine_install must be one of: viam-server, viam-agent, none"),
    ({"viam_machine_create": "maybe"}, "viam_machine_create"),
    ({"viam_machine_config_extra": "network"}, "viam_machine_config_extra"),
    ({"viam_machine_service": [1]}, "viam_machine_service"),
    ({"viam_machine_credentials": "api_key"}, "viam_machine_credentials=api_key needs viam_machine_device_api_key_id"),
    ({"viam_machine_binary_checksum": "md5:0123"}, "needs viam_machine_binary_checksum"),
    ({"viam_machine_config_path": "etc/viam.json"}, "must be absolute"),
    ({"viam_machine_name": ""}, "set viam_machine_name"),
]
hosts = {}
for number, (variables, expect) in enumerate(cases):
    base = {"ansible_connection": "local", "viam_machine_root": "%s/bad-%d" % (work, number),
            "viam_machine_name": "it-role-bad", "viam_machine_location": "it-role-lab",
            "viam_machine_binary_checksum": "0" * 64, "expect_error": expect}
    base.update(variables)
    hosts["bad-%d" % number] = base
print(json.dumps({"bad": {"hosts": hosts}}))
PY
# One line of JSON per failed host, whatever ansible.cfg or ansible-test set.
if ANSIBLE_CALLBACK_RESULT_FORMAT=json ANSIBLE_CALLBACK_FORMAT_PRETTY=false ansible-playbook -i "${work}/bad-inventory.json" \
    -e "@${config}" bad.yml >"${work}/bad.log" 2>&1; then
    cat "${work}/bad.log"
    fail "the bad variable sets did not fail"
fi
"${python}" - "${work}" <<'PY' || { grep -E '^(fatal|failed): ' "${work}/bad.log" | cut -c1-400; fail "bad variables"; }
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
    expect = hostvars["expect_error"]
    message = messages.get(host)
    if message is None or expect not in message:
        print("FAIL: %s: expected a failure with %r, got %r" % (host, expect, message))
        bad += 1
    elif os.path.exists(hostvars["viam_machine_root"]):
        print("FAIL: %s failed but wrote %s" % (host, hostvars["viam_machine_root"]))
        bad += 1
    else:
        print("bad variables %s: %s" % ({k: v for k, v in hostvars.items() if k.startswith("viam_machine_c") or k in ("viam_machine_install", "viam_machine_service", "viam_machine_name")}, expect))
sys.exit(1 if bad else 0)
PY
ok "9 bad variable sets fail early with a clear message and change nothing"

# --- check mode on fresh hosts -------------------------------------------------
run check --check --diff machine.yml || { cat "${work}/check.log"; fail "check mode failed"; }
for host in robot-a robot-b; do
    recap check "${host}" | grep -qE 'changed=[1-9]' || { cat "${work}/check.log"; fail "check mode predicted no change for ${host}"; }
    recap check "${host}" | grep -q 'failed=0' || fail "check mode failed on ${host}"
done
if [ -n "$(find "${work}/robot-a" "${work}/robot-b" -type f 2>/dev/null)" ]; then
    fail "check mode wrote files: $(find "${work}/robot-a" "${work}/robot-b" -type f)"
fi
ansible-playbook -e "@${config}" nothing.yml >"${work}/nothing.log" 2>&1 || { cat "${work}/nothing.log"; fail "check mode created a machine"; }
ok "check mode predicts changes and makes none (files or machines)"

# --- the real run, then idempotence -------------------------------------------
run first --diff machine.yml || { cat "${work}/first.log"; fail "the first run failed"; }
cat "${work}/first.log"
for host in robot-a robot-b; do
    recap first "${host}" | grep -qE 'changed=[1-9]' || fail "the first run changed nothing on ${host}"
done
grep -q "Not managing the viam-server service: viam_machine_root is" "${work}/first.log" \
    || fail "the first run did not say why it skipped the service"
ok "the first run provisions both robots and skips the service with a reason"

run second --diff machine.yml || { cat "${work}/second.log"; fail "the second run failed"; }
for host in robot-a robot-b; do
    recap second "${host}" | grep -q 'changed=0 ' || { cat "${work}/second.log"; fail "the second run changed ${host}"; }
done
ok "the second run changes nothing"

# --- the configs against the API, and no secret in any output -----------------
logs="[\"${work}/check.log\", \"${work}/first.log\", \"${work}/second.log\"]"
run verify -e "{\"run_logs\": ${logs}}" verify.yml || { cat "${work}/verify.log"; fail "verify"; }
ok "each config matches the API (secret included), mode 0600, binary checksum; no secret in the output"

# --- a changed config is rewritten (and would restart the service) ------------
run third -e '{"viam_machine_app_address": "https://app.example.test:443"}' --limit robot-a machine.yml \
    || { cat "${work}/third.log"; fail "the run with a new app address failed"; }
recap third robot-a | grep -q 'changed=1 ' || { cat "${work}/third.log"; fail "a new app address did not change exactly the config"; }
grep -q "RUNNING HANDLER \[viam.cloud.machine : Restart the Viam service\]" "${work}/third.log" \
    || { cat "${work}/third.log"; fail "the config change did not notify the restart handler"; }
ok "a config change rewrites the file and notifies the restart handler"

echo "role_machine: ${passed} passed, 0 failed"
