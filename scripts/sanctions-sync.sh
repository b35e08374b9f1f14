#!/usr/bin/env bash
# Adds every address of a sanctions list to the coin's denylist, over
# `yenpay` commands, signed by the denylister (YENPAY_PROFILE or
# YENPAY_KEY_FILE; network and package as for yenpay).
#
#   scripts/sanctions-sync.sh LIST
#
# LIST has one address per line (`#` comments and blank lines skipped).
# Progress is printed per address. Each address done is appended to
# LIST.done, so a run stopped by a network failure or a refusal resumes
# where it stopped when started again; delete LIST.done to start over.
# Exits 0 when every address is denylisted, else with yenpay's code
# (3 refused by the chain, 4 network: run again later).
set -euo pipefail

yenpay="${YENPAY_BIN:-yenpay}"
list="${1:?usage: sanctions-sync.sh LIST}"
done_file="$list.done"
touch "$done_file"

mapfile -t addresses < <(sed -e 's/#.*//' -e 's/[[:space:]]//g' "$list" | grep -v '^$' || true)
total=${#addresses[@]}
added=0
already=0
skipped=0
i=0
for address in "${addresses[@]}"; do
    i=$((i + 1))
    if grep -qxF "$address" "$done_file"; then
        skipped=$((skipped + 1))
        continue
    fi
    if "$yenpay" --json coin denylist check "$address" | grep -q '"denylisted": true'; then
        already=$((already + 1))
        echo "[$i/$total] $address already denylisted"
    else
        set +e
        "$yenpay" coin denylist add "$address"
        code=$?
        set -e
        if ((code != 0)); then
            echo "[$i/$total] $address FAILED (exit $code); run again to resume here" >&2
            exit "$code"
        fi
        added=$((added + 1))
        echo "[$i/$total] $address denylisted"
    fi
    echo "$address" >>"$done_file"
done
echo "sanctions sync: $total addresses, $added added, $already already denylisted, $skipped done in an earlier run"
