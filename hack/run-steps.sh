#!/usr/bin/env bash
# Run make targets in order, some of them at the same time, keep going past failures, then print
# each step's result and duration, and which steps ran together. Exit 1 if any step failed.
# Usage: hack/run-steps.sh [--jobs N] [+]STEP...   (MAKE may name the make to use)
#   STEP     a make target, or several joined by commas (sanity-main,units-main): they run at the
#            same time, each in its own process group, their console lines prefixed [TARGET];
#            the next STEP starts when all of them have ended.
#   --jobs N at most N targets of a STEP run at once: the others wait, in the order given, for
#            one to end (list the longest first). Default: all of them at once.
#   +STEP    required: if it (or any target of it) fails, the later steps are not run.
# Every target's whole output also goes to build/steps/TARGET.log; a failed target's last lines
# are shown again at the end. Ctrl-C or TERM stops every target running (TERM to its group).
set -uo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
make="${MAKE:-make}"
logs="${repo}/build/steps"

# cpu_now = CPU seconds (user + system) of this shell's waited-for children so far (`times` must
# run in this shell: a command substitution or a pipe would run it in a subshell)
cpu_now=0
children_cpu() {
    local out
    out="$(mktemp)"
    times >"${out}"
    cpu_now="$(awk 'NR == 2 {
        t = 0
        for (i = 1; i <= 2; i++) { split($i, p, "m"); sub("s", "", p[2]); t += p[1] * 60 + p[2] }
        printf "%d\n", t + 0.5
    }' "${out}")"
    rm -f "${out}"
}

# --member TARGET LOG RESULT PREFIX: one target of a concurrent step (run by this script itself).
if [ "${1:-}" = "--member" ]; then
    target="$2" log="$3" result="$4" prefix="$5"
    began="$(date +%s)"
    # A background job starts with SIGINT ignored: give make (and so pytest, ansible-test...) it back.
    default_int=()
    if env --default-signal=INT true 2>/dev/null; then default_int=(env --default-signal=INT); fi
    "${default_int[@]}" "${make}" --no-print-directory --keep-going "${target}" 2>&1 | tee "${log}" | sed -u "s/^/${prefix}/"
    rc="${PIPESTATUS[0]}"
    children_cpu
    echo "${rc} ${began} $(date +%s) ${cpu_now}" >"${result}"
    exit "${rc}"
fi

jobs=0
if [ "${1:-}" = "--jobs" ]; then
    jobs="${2:?--jobs needs a number}"
    shift 2
fi

mkdir -p "${logs}"
names=()     # each target
results=()   # ok / FAILED
times=()     # its own seconds
cpus=()      # its CPU seconds (user + system, every process it waited for)
withs=()     # the targets it ran with
groups=()    # index of its step
walls=()     # wall seconds of each step
failed=0
start_all="$(date +%s)"
running=()

# shellcheck disable=SC2329  # invoked from the traps
stop_running() {
    local pid
    # INT first (pytest tears its fixtures down, the scripts' traps stop their emulators), TERM after 20 s.
    for pid in "${running[@]}"; do
        kill -INT -- "-${pid}" 2>/dev/null || true
    done
    local alive
    for _ in $(seq 100); do
        alive=0
        for pid in "${running[@]}"; do
            if kill -0 "${pid}" 2>/dev/null; then alive=1; fi
        done
        [ "${alive}" -eq 1 ] || break
        sleep 0.2
    done
    for pid in "${running[@]}"; do
        kill -TERM -- "-${pid}" 2>/dev/null || true
    done
    for pid in "${running[@]}"; do
        wait "${pid}" 2>/dev/null || true
    done
    running=()
}
trap 'stop_running; exit 130' INT
trap 'stop_running; exit 143' TERM

step_no=0
for arg in "$@"; do
    step="${arg#+}"
    IFS=',' read -r -a members <<<"${step}"
    began="$(date +%s)"
    step_failed=0
    echo
    if [ "${#members[@]}" -eq 1 ]; then
        echo "================ make ${step} ================"
        children_cpu
        cpu_before="${cpu_now}"
        "${make}" --no-print-directory --keep-going "${step}" 2>&1 | tee "${logs}/${step}.log"
        rc="${PIPESTATUS[0]}"
        children_cpu
        cpus+=($((cpu_now - cpu_before)))
        names+=("${step}")
        times+=($(($(date +%s) - began)))
        withs+=("")
        groups+=("${step_no}")
        if [ "${rc}" -eq 0 ]; then results+=("ok"); else results+=("FAILED"); step_failed=1; fi
    else
        limit="${jobs}"
        [ "${limit}" -gt 0 ] || limit="${#members[@]}"
        echo "================ make ${members[*]} (at the same time, at most ${limit} at once) ================"
        running=()
        for target in "${members[@]}"; do
            rm -f "${logs}/${target}.result"
        done
        for target in "${members[@]}"; do
            while [ "$(jobs -rp | wc -l)" -ge "${limit}" ]; do
                wait -n 2>/dev/null || true
            done
            echo ">>> $(date +%T) starting make ${target}"
            setsid "$0" --member "${target}" "${logs}/${target}.log" "${logs}/${target}.result" "[${target}] " &
            running+=($!)
        done
        for pid in "${running[@]}"; do
            wait "${pid}" 2>/dev/null || true
        done
        running=()
        declare -A rc_of=() began_of=() ended_of=() cpu_of=()
        for target in "${members[@]}"; do
            rc_of[${target}]=1 began_of[${target}]="${began}" ended_of[${target}]="$(date +%s)" cpu_of[${target}]=0
            if [ -s "${logs}/${target}.result" ]; then
                read -r "rc_of[${target}]" "began_of[${target}]" "ended_of[${target}]" "cpu_of[${target}]" \
                    <"${logs}/${target}.result"
            fi
        done
        for target in "${members[@]}"; do
            # the targets that ran while this one ran
            others=()
            for other in "${members[@]}"; do
                if [ "${other}" != "${target}" ] && [ "${began_of[${other}]}" -lt "${ended_of[${target}]}" ] \
                        && [ "${ended_of[${other}]}" -gt "${began_of[${target}]}" ]; then
                    others+=("${other}")
                fi
            done
            names+=("${target}")
            times+=($((ended_of[${target}] - began_of[${target}])))
            cpus+=("${cpu_of[${target}]}")
            withs+=("$(IFS=','; echo "${others[*]}")")
            groups+=("${step_no}")
            if [ "${rc_of[${target}]}" -eq 0 ]; then results+=("ok"); else results+=("FAILED"); step_failed=1; fi
        done
        unset rc_of began_of ended_of cpu_of
    fi
    walls+=($(($(date +%s) - began)))
    if [ "${step_failed}" -ne 0 ]; then
        for i in "${!names[@]}"; do
            if [ "${groups[$i]}" -eq "${step_no}" ] && [ "${results[$i]}" = "FAILED" ]; then
                failed=$((failed + 1))
            fi
        done
    fi
    step_no=$((step_no + 1))
    if [ "${step_failed}" -ne 0 ] && [ "${arg}" != "${step}" ]; then
        echo "make ${step} failed: not running the later steps"
        break
    fi
done

for i in "${!names[@]}"; do
    if [ "${results[$i]}" = "FAILED" ]; then
        echo
        echo "================ make ${names[$i]} FAILED: its last 60 lines (all: build/steps/${names[$i]}.log) ================"
        tail -n 60 "${logs}/${names[$i]}.log"
    fi
done

echo
echo "================ make test summary ================"
printf '  %-32s %-7s %6s %6s  %s\n' "step" "result" "time" "CPU" "ran at the same time as"
sum=0
cpu_sum=0
last=-1
for i in "${!names[@]}"; do
    g="${groups[$i]}"
    if [ "${g}" != "${last}" ] && [ "$(printf '%s\n' "${groups[@]}" | grep -cx "${g}")" -gt 1 ]; then
        printf '  %-32s %-7s %5ss %6s  %s\n' "(step $((g + 1)): together)" "" "${walls[$g]}" "" "wall clock of the targets below"
    fi
    last="${g}"
    printf '  %-32s %-7s %5ss %5ss  %s\n' "${names[$i]}" "${results[$i]}" "${times[$i]}" "${cpus[$i]}" "${withs[$i]//,/, }"
    sum=$((sum + times[i]))
    cpu_sum=$((cpu_sum + cpus[i]))
done
wall=$(($(date +%s) - start_all))
printf '  %-32s %-7s %5ss %5ss  %s\n' "total (wall clock)" "" "${wall}" "${cpu_sum}" \
    "sum of the step times: ${sum}s; CPU: ${cpu_sum}s of the $((wall * $(nproc 2>/dev/null || echo 1)))s that $(nproc 2>/dev/null || echo 1) CPUs had"
echo "  load average at the end (1, 5, 15 min; every process of the machine, not only ours): $(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null)"
if [ "${failed}" -ne 0 ]; then
    echo "make test: ${failed} of ${#names[@]} steps FAILED"
    exit 1
fi
echo "make test: all ${#names[@]} steps succeeded"
