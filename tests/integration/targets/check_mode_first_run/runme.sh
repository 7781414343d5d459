#!/usr/bin/env bash
# Check mode on an organization without the playbook's resources (docs/check-mode.md): --check
# --diff exits 0, writes nothing, marks what it assumed, and predicts exactly the tasks that the
# real run then changes; a second real run changes nothing.
set -euo pipefail
export ANSIBLE_FORCE_COLOR=0 ANSIBLE_NOCOLOR=1

config="$(cd ../.. && pwd)/integration_config.yml"
work="$(mktemp -d "${TMPDIR:-/tmp}/check-mode.XXXXXX")"
trap 'rm -rf "${work}"' EXIT
passed=0

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { passed=$((passed + 1)); echo "ok ${passed}: $*"; }

play() {  # play NAME ARGS...: output in work/NAME.log
    local name="$1"
    shift
    ansible-playbook -e "@${config}" "$@" >"${work}/${name}.log" 2>&1 \
        || { cat "${work}/${name}.log"; fail "${name}: ansible-playbook failed"; }
}
changed_tasks() {  # changed_tasks NAME: the names of the tasks that reported changed, in order
    awk '/^TASK \[/ { task = $0; sub(/^TASK \[/, "", task); sub(/\] \**$/, "", task) }
         /^changed: \[/ { print task }' "${work}/$1.log" | uniq
}

ansible-playbook -e "@${config}" first_run.yml --check --diff >"${work}/check.log" 2>&1 \
    || { cat "${work}/check.log"; fail "--check --diff on an organization without the resources failed"; }
grep -q "check mode assumes an earlier task creates it" "${work}/check.log" \
    || { cat "${work}/check.log"; fail "check mode did not say what it assumed"; }
ok "--check --diff exits 0 and warns what it assumed"

ansible -e "@${config}" localhost -m viam.cloud.viam_location_info \
    -a 'app_url={{ viam_app_url }} api_key_id={{ viam_api_key_id }} api_key={{ viam_api_key }} organization_id={{ viam_organization_id }}' \
    >"${work}/after-check.log" 2>&1 || { cat "${work}/after-check.log"; fail "listing the locations failed"; }
grep -q '"name": "cm-' "${work}/after-check.log" && { cat "${work}/after-check.log"; fail "check mode created a location"; }
ok "check mode wrote nothing"

play first --diff first_run.yml
changed_tasks check >"${work}/check.tasks"
changed_tasks first >"${work}/first.tasks"
diff -u "${work}/check.tasks" "${work}/first.tasks" \
    || fail "check mode predicted other changes (-) than the real run made (+)"
[ -s "${work}/first.tasks" ] || fail "the real run changed nothing"
ok "check mode predicted exactly the $(wc -l <"${work}/first.tasks") changed tasks of the real run"

play second first_run.yml
[ -z "$(changed_tasks second)" ] || { cat "${work}/second.log"; fail "the second run changed something"; }
ok "the second run changes nothing"

echo "check_mode_first_run: ${passed} passed, 0 failed"
