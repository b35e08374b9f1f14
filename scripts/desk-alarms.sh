#!/usr/bin/env bash
# The FX desk's and the tax-refund float's alarms, over `yenpay` reads (no
# key), for a timer every few minutes:
#   1. `yenpay fx show --check`: no reference rate, or one older than the
#      policy in force accepts (the chain then refuses every quote), or a yen
#      inventory below $YENPAY_FX_MIN_YEN when that is set;
#   2. `yenpay tax-refund show --check`: the refund float below
#      $YENPAY_FLOAT_MIN, when that is set (claims fail once it is short).
# Both run whatever the first says. Exits 0 when all is well, 1 when an
# alarm is up (each printed by yenpay, `error: ...` on standard error), or
# yenpay's code of the first read that failed (4: no node reachable).
# Network and package come from yenpay's own variables (YENPAY_NETWORK,
# YENPAY_PACKAGE); docs/operations.md has what to do about each alarm.
set -uo pipefail

yenpay="${YENPAY_BIN:-yenpay}"
status=0

fx=(fx show --check)
if [[ -n "${YENPAY_FX_MIN_YEN:-}" ]]; then
    fx+=(--min-yen "$YENPAY_FX_MIN_YEN")
fi
"$yenpay" "${fx[@]}" || status=$?

if [[ -n "${YENPAY_FLOAT_MIN:-}" ]]; then
    "$yenpay" tax-refund show --check --min-float "$YENPAY_FLOAT_MIN" || {
        code=$?
        if ((status == 0)); then
            status=$code
        fi
    }
fi

if ((status == 0)); then
    echo "desk alarms: none"
fi
exit "$status"
