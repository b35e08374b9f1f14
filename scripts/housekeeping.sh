#!/usr/bin/env bash
# The operator's daily housekeeping, over `yenpay` commands:
#   1. purge the tax-free purchases listed in $YENPAY_PURCHASE_PURGE_FILE
#      (one `MERCHANT ORDER_REF` per line) whose 90-day claim window has
#      passed, refunded or not (the housekeeper's key; first, so that an
#      order reference is free for a new tax-free code once its invoice goes);
#   2. purge the closed invoices listed in $YENPAY_PURGE_FILE that the chain
#      says are due, so the storage deposits come back to the signer (the
#      housekeeper's key);
#   3. sweep the fee treasury down to $YENPAY_TREASURY_RESERVE yen (what
#      refunds may still need) to $YENPAY_SWEEP_TO, when that is set (the
#      operator's key: the housekeeper may not sweep).
# Network, package and keys come from yenpay's own variables
# (YENPAY_NETWORK, YENPAY_PACKAGE, YENPAY_PROFILE or YENPAY_KEY_FILE);
# YENPAY_SWEEP_PROFILE names the operator's profile for the sweep.
# Exits with yenpay's code of the first step that failed (docs/operations.md).
set -euo pipefail

yenpay="${YENPAY_BIN:-yenpay}"

if [[ -n "${YENPAY_PURCHASE_PURGE_FILE:-}" ]]; then
    if [[ -s "$YENPAY_PURCHASE_PURGE_FILE" ]]; then
        echo "housekeeping: purging the purchases of $YENPAY_PURCHASE_PURGE_FILE past their claim window"
        "$yenpay" tax-refund purge --file "$YENPAY_PURCHASE_PURGE_FILE" --only-due
    else
        echo "housekeeping: $YENPAY_PURCHASE_PURGE_FILE is empty, no purchase to purge"
    fi
fi

if [[ -n "${YENPAY_PURGE_FILE:-}" ]]; then
    if [[ -s "$YENPAY_PURGE_FILE" ]]; then
        echo "housekeeping: purging the due invoices of $YENPAY_PURGE_FILE"
        "$yenpay" invoices purge --file "$YENPAY_PURGE_FILE" --only-due
    else
        echo "housekeeping: $YENPAY_PURGE_FILE is empty, nothing to purge"
    fi
fi

if [[ -n "${YENPAY_SWEEP_TO:-}" ]]; then
    reserve="${YENPAY_TREASURY_RESERVE:-0}"
    sweep=()
    if [[ -n "${YENPAY_SWEEP_PROFILE:-}" ]]; then
        sweep=(--profile "$YENPAY_SWEEP_PROFILE")
    fi
    balance="$("$yenpay" --json treasury show | sed -n 's/^ *"balance": *\([0-9]*\).*/\1/p')"
    if [[ -z "$balance" ]]; then
        echo "housekeeping: could not read the treasury's balance" >&2
        exit 1
    fi
    amount=$((balance - reserve))
    if ((amount > 0)); then
        echo "housekeeping: sweeping ¥$amount of ¥$balance (keeping ¥$reserve) to $YENPAY_SWEEP_TO"
        "$yenpay" "${sweep[@]}" treasury sweep --to "$YENPAY_SWEEP_TO" --amount "$amount"
    else
        echo "housekeeping: treasury holds ¥$balance, not above the reserve ¥$reserve: no sweep"
    fi
fi
