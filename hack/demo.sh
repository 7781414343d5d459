#!/usr/bin/env bash
# `make demo`: install the collection as a user would, start the local Viam app
# emulator, run examples/provision_fleet.yml twice (the second run must change
# nothing), show the fleet through the inventory plugin, show the PLAY RECAPs,
# stop everything it started.
#
# TARGET=emulator (default) never touches a real organization, whatever VIAM_*
# variables the shell has. TARGET=cloud runs against the real Viam app with
# VIAM_API_KEY_ID / VIAM_API_KEY (and VIAM_APP_URL, VIAM_ORG_ID) from the
# environment, and only then.
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
venv="${VENV:-${repo}/.venv}"
target="${TARGET:-emulator}"
work="$(mktemp -d "${TMPDIR:-/tmp}/viam-demo.XXXXXX")"
emulator_pid=""

cleanup() {
    if [ -n "${emulator_pid}" ] && kill -0 "${emulator_pid}" 2>/dev/null; then
        kill -TERM "${emulator_pid}" 2>/dev/null || true
        wait "${emulator_pid}" 2>/dev/null || true
        echo ">>> emulator stopped"
    fi
    rm -rf "${work}"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

say() { printf '\n\033[1m>>> %s\033[0m\n' "$*"; }

export PATH="${venv}/bin:${PATH}"
export ANSIBLE_COLLECTIONS_PATH="${work}/collections"
export ANSIBLE_NOCOLOR="${ANSIBLE_NOCOLOR:-}"

say "Installing the viam.cloud collection from this checkout"
ansible-galaxy collection build "${repo}" --output-path "${work}" --force >/dev/null
ansible-galaxy collection install "${work}"/viam-cloud-*.tar.gz -p "${work}/collections" --force >/dev/null
ansible-galaxy collection list viam.cloud -p "${work}/collections" 2>/dev/null | tail -n 1

case "${target}" in
emulator)
    say "Starting the local Viam app emulator"
    # Credentials in the shell must not send the demo anywhere else.
    unset VIAM_APP_URL VIAM_API_KEY_ID VIAM_API_KEY VIAM_ORG_ID
    "${repo}/tests/emulator/viam-app-emulator" --port 0 >"${work}/emulator.json" 2>"${work}/emulator.log" &
    emulator_pid=$!
    for _ in $(seq 100); do
        [ -s "${work}/emulator.json" ] && break
        kill -0 "${emulator_pid}" 2>/dev/null || { cat "${work}/emulator.log" >&2; exit 1; }
        sleep 0.1
    done
    eval "$("${venv}/bin/python" - "${work}/emulator.json" <<'PY'
import json, shlex, sys
info = json.load(open(sys.argv[1]))
for var, key in (("VIAM_APP_URL", "app_url"), ("VIAM_API_KEY_ID", "api_key_id"),
                 ("VIAM_API_KEY", "api_key"), ("VIAM_ORG_ID", "organization_id")):
    print("export %s=%s" % (var, shlex.quote(info[key])))
PY
)"
    echo "emulator at ${VIAM_APP_URL}, organization ${VIAM_ORG_ID}"
    ;;
cloud)
    if [ -z "${VIAM_API_KEY_ID:-}" ] || [ -z "${VIAM_API_KEY:-}" ]; then
        echo "TARGET=cloud needs VIAM_API_KEY_ID and VIAM_API_KEY in the environment" >&2
        exit 2
    fi
    say "Running against the real Viam app at ${VIAM_APP_URL:-https://app.viam.com:443}"
    ;;
*)
    echo "TARGET must be emulator (default) or cloud, not '${target}'" >&2
    exit 2
    ;;
esac

recaps=()
for run in first second; do
    say "Provisioning the fleet (${run} run)"
    ansible-playbook -i "${repo}/examples/inventory.yml" "${repo}/examples/provision_fleet.yml" \
        | tee "${work}/${run}.log"
    recaps+=("$(grep -E '^localhost +:' "${work}/${run}.log")")
done

say "The fleet as an inventory: ansible-inventory -i examples/fleet.viam.yml --graph"
ansible-inventory -i "${repo}/examples/fleet.viam.yml" --graph

say "PLAY RECAP of both runs"
printf 'first run:  %s\nsecond run: %s\n' "${recaps[0]}" "${recaps[1]}"
if ! grep -q 'changed=0 ' <<<"${recaps[1]}"; then
    echo "the second run changed something: the playbook is not idempotent" >&2
    exit 1
fi
say "The second run changed nothing."
