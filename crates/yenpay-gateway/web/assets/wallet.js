// Demo wallet: an Ed25519 key kept in localStorage, quote -> prepare -> sign
// in the browser -> pay. The gateway sponsors gas; the key never leaves here.
"use strict";

(() => {
  const { $, api, ApiError, showError, clearError, announce, setFieldError, clearFieldError, yen, toHex, fromHex, dateTime } = YP;

  const KEY_STORE = "yenpay.wallet.pkcs8";
  const ED = { name: "Ed25519" };

  const state = {
    key: null, // CryptoKey (private)
    publicHex: "",
    account: null,
    quote: null,
    payload: "",
    receipt: null,
    paying: false,
    usdc: null, // the desk's quote for paying the code in USDC, with its local deadline
    usdcTimer: 0,
    requoting: false,
    declarationAsked: false, // the gateway refused the payment for want of a self-declaration
    invalid: false, // the payload field is flagged empty (re-worded on language switch)
    keyError: "", // dictionary key of a key problem, re-worded on language switch
    taxPurchases: null, // the wallet's tax-free purchases and their refunds (/wallet/api/tax-refunds)
  };

  const errEl = $("wallet-error");
  const live = $("wallet-live");
  // The page's words (/assets/i18n/*.json), in once init() has loaded them.
  let i18n = null;
  const t = (key, vars) => i18n.t(key, vars);

  const amountOf = (m) => (m && typeof m === "object" ? m.amount : m);
  const b64 = (bytes) => btoa(String.fromCharCode(...new Uint8Array(bytes)));
  const unb64 = (text) => Uint8Array.from(atob(text.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));

  // ---- key -------------------------------------------------------------------

  // The public key comes from the private key's JWK `x` (the raw 32 bytes), so
  // only the PKCS#8 export needs storing.
  async function publicHexOf(privateKey) {
    const jwk = await crypto.subtle.exportKey("jwk", privateKey);
    return toHex(unb64(jwk.x));
  }

  async function loadKey() {
    state.key = null;
    state.publicHex = "";
    state.keyError = "";
    if (!window.crypto || !crypto.subtle) {
      state.keyError = "errNoSubtle";
      return;
    }
    const stored = localStorage.getItem(KEY_STORE);
    try {
      if (stored) {
        state.key = await crypto.subtle.importKey("pkcs8", unb64(stored), ED, true, ["sign"]);
      } else {
        const pair = await crypto.subtle.generateKey(ED, true, ["sign", "verify"]);
        localStorage.setItem(KEY_STORE, b64(await crypto.subtle.exportKey("pkcs8", pair.privateKey)));
        state.key = pair.privateKey;
      }
      state.publicHex = await publicHexOf(state.key);
    } catch (err) {
      state.key = null;
      state.keyError = err && err.name === "NotSupportedError" ? "errNoEd25519" : stored ? "errBadKey" : "errNoEd25519";
    }
  }

  // Shown once per load (not on every render) so the alert is not re-announced.
  function showKeyProblem() {
    if (state.keyError) showError(errEl, t(state.keyError));
  }

  async function loadAccount() {
    if (!state.publicHex) return;
    try {
      state.account = await api("POST", "/wallet/api/account", { publicKey: state.publicHex });
      render();
      await loadTaxRefunds();
    } catch (err) {
      showError(errEl, err);
    }
  }

  // The tax-free purchases this address paid: read with the account, since
  // a refund arrives as a transfer to it.
  async function loadTaxRefunds() {
    if (!state.account) return;
    try {
      const answer = await api("POST", "/wallet/api/tax-refunds", { address: state.account.address });
      state.taxPurchases = answer.purchases;
      render();
    } catch (err) {
      showError(errEl, err);
    }
  }

  function taxStatus(p) {
    const lang = i18n.lang;
    switch (p.status) {
      case "NOT_CONFIRMED": return t("taxNotConfirmed");
      case "CONFIRMED": return t("taxConfirmed", { amount: yen(p.refundable) });
      case "REFUNDED": return t("taxRefunded", { amount: yen(p.refundable), date: dateTime(p.refundedAt, lang) });
      case "EXPIRED": return t("taxExpired");
      case "REFUNDED_BY_MERCHANT": return t("taxByMerchant");
      default: return t("taxNotEligible");
    }
  }

  function renderTax() {
    const list = state.taxPurchases;
    $("wallet-tax").hidden = !list || list.length === 0;
    const ul = $("wallet-tax-list");
    ul.replaceChildren();
    for (const p of list || []) {
      const li = document.createElement("li");
      li.dataset.status = p.status;
      li.dataset.order = p.merchantPaymentId;
      const line = (text, cls) => {
        const el = document.createElement("p");
        el.textContent = text;
        if (cls) el.className = cls;
        li.append(el);
      };
      line(t("taxPurchase", { shop: p.merchantName || YP.shortAddr(p.merchant), order: p.merchantPaymentId, amount: yen(p.amount) }));
      const open = p.status === "NOT_CONFIRMED" || p.status === "CONFIRMED";
      if (open) line(t("taxRefundable", { tax: yen(p.tax) }));
      line(taxStatus(p), "tax-status");
      if (p.reducedByMerchantRefund && p.refundable > 0) line(t("taxReduced", { amount: yen(p.refundable) }), "hint");
      if (open) line(t("taxDeadline", { date: dateTime(p.claimBefore, i18n.lang) }), "hint");
      ul.append(li);
    }
  }

  async function resetKey(e) {
    e.preventDefault();
    $("wallet-reset-dialog").close();
    localStorage.removeItem(KEY_STORE);
    state.account = null;
    state.taxPurchases = null;
    $("wallet-export-text").hidden = true;
    $("wallet-export-text").textContent = "";
    clearError(errEl);
    await loadKey();
    render();
    showKeyProblem();
    if (state.key) announce(live, t("sayNewKey"));
    await loadAccount();
  }

  // ---- quote and pay -----------------------------------------------------

  async function onRead(e) {
    e?.preventDefault();
    const input = $("wallet-payload");
    clearFieldError(input);
    clearError(errEl);
    const payload = input.value.trim();
    state.invalid = !payload;
    if (!payload) {
      showInvalid();
      input.focus();
      return;
    }
    state.quote = null;
    state.receipt = null;
    state.declarationAsked = false;
    stopUsdc();
    render();
    try {
      const quote = await YP.busy($("wallet-read"), t, "reading", () => api("POST", "/wallet/api/quote", { payload }));
      state.quote = quote;
      state.payload = payload;
      render();
      announce(live, t("sayQuote", { shop: quote.merchant.name, amount: yen(amountOf(quote.amount)) }));
      $("wallet-quote").scrollIntoView({ block: "nearest" });
      (quote.payable ? $("wallet-pay") : $("wallet-quote-title")).focus();
    } catch (err) {
      showError(errEl, err);
      input.focus();
    }
  }

  function showInvalid() {
    if (!state.invalid) return;
    setFieldError($("wallet-payload"), t("errPayload"));
    showError(errEl, t("errPayload"));
  }

  // The customer's self-declaration (the travel rule), when the code asks
  // for one: null when not asked, false when incomplete.
  function declaration() {
    if ($("wallet-declaration").hidden) return null;
    const v = (id) => $(id).value.trim();
    const d = {
      name: v("wallet-decl-name"),
      country: v("wallet-decl-country").toUpperCase(),
      addressLine: v("wallet-decl-line"),
      town: v("wallet-decl-town"),
      dateOfBirth: v("wallet-decl-dob"),
      placeOfBirth: v("wallet-decl-pob"),
    };
    const address = d.addressLine && d.town;
    const birth = d.dateOfBirth && d.placeOfBirth;
    if (!d.name || d.country.length !== 2 || !(address || birth)) return false;
    for (const k of Object.keys(d)) if (!d[k]) delete d[k];
    return d;
  }

  // ---- paying in USDC --------------------------------------------------------

  // The desk's quote: both amounts and the rate, counted down; when it runs
  // out the page asks again (the gateway answers the live quote until then).
  async function fetchUsdc() {
    const q = await api("POST", "/wallet/api/usdc-quote", { payload: state.payload });
    q.deadline = Date.now() + q.expiresIn * 1000;
    state.usdc = q;
    return q;
  }

  function secondsLeft() {
    return state.usdc ? Math.max(0, Math.ceil((state.usdc.deadline - Date.now()) / 1000)) : 0;
  }

  function stopUsdc() {
    clearInterval(state.usdcTimer);
    state.usdcTimer = 0;
    state.usdc = null;
  }

  async function tick() {
    if (!state.usdc) return;
    if (secondsLeft() > 0 || state.paying || state.requoting) return renderUsdc();
    state.requoting = true;
    try {
      const q = await fetchUsdc();
      announce(live, t("sayRequote", { usdc: q.usdcAmountText }));
    } catch (err) {
      stopUsdc();
      showError(errEl, err);
    } finally {
      state.requoting = false;
      render();
    }
  }

  async function onUsdc() {
    if (!state.quote || !state.quote.payableInUsdc) return;
    clearError(errEl);
    try {
      const q = await YP.busy($("wallet-usdc"), t, "usdcQuoting", fetchUsdc);
      clearInterval(state.usdcTimer);
      state.usdcTimer = setInterval(tick, 1000);
      render();
      announce(live, t("sayUsdcQuote", { usdc: q.usdcAmountText, amount: yen(q.yenAmount), seconds: secondsLeft() }));
      $("wallet-usdc-pay").focus();
    } catch (err) {
      stopUsdc();
      render();
      showError(errEl, err);
    }
  }

  // Yen per USDC, as the quote's decimal text says it (6 decimals, shown to 4).
  const rateYen = (q) => `¥${Number(q.rateText).toLocaleString(i18n.lang, { maximumFractionDigits: 4 })}`;
  const rateText = (q) => t("usdcRateText", { rate: rateYen(q) });

  function renderUsdc() {
    const q = state.usdc;
    $("wallet-usdc-quote").hidden = !q;
    if (!q) return;
    $("wallet-usdc-amount").textContent = `${q.usdcAmountText} USDC`;
    $("wallet-usdc-yen").textContent = yen(q.yenAmount);
    $("wallet-usdc-rate").textContent = rateText(q);
    $("wallet-usdc-countdown").textContent = t("usdcSeconds", { seconds: secondsLeft() });
    if (!state.paying) $("wallet-usdc-pay").disabled = !state.key || secondsLeft() === 0;
  }

  async function onPay() {
    return pay(null);
  }

  async function onUsdcPay() {
    if (!state.usdc || secondsLeft() === 0) return;
    return pay(state.usdc.quoteId);
  }

  async function pay(usdcQuoteId) {
    const quote = state.quote;
    if (!quote || !quote.payable) return;
    clearError(errEl);
    if (!state.key) return showError(errEl, t(state.keyError || "errNoEd25519"));
    const declared = declaration();
    clearFieldError($("wallet-decl-name"));
    if (declared === false) {
      setFieldError($("wallet-decl-name"), t("errDeclaration"));
      showError(errEl, t("errDeclaration"));
      $("wallet-decl-name").focus();
      return;
    }
    const amount = yen(amountOf(quote.amount));
    const hold = quote.kind === "hold";
    announce(live, t("sayPaying", { amount }));
    state.paying = true;
    try {
      const button = usdcQuoteId ? $("wallet-usdc-pay") : $("wallet-pay");
      const paid = await YP.busy(button, t, hold ? "authorizing" : "paying", async () => {
        const request = { payload: state.payload, publicKey: state.publicHex };
        if (usdcQuoteId) request.usdcQuoteId = usdcQuoteId;
        const prep = await api("POST", "/wallet/api/prepare", request);
        const signature = await crypto.subtle.sign(ED, state.key, fromHex(prep.signingMessage));
        const body = { rawTransaction: prep.rawTransaction, publicKey: state.publicHex, signature: toHex(signature) };
        if (declared) body.declaration = declared;
        return api("POST", "/wallet/api/pay", body);
      });
      state.receipt = { ...paid, reviewDeadline: quote.reviewDeadline ?? null };
      state.quote = null;
      stopUsdc();
      render();
      announce(live, t(hold ? "sayHeld" : "sayPaid", { amount, shop: paid.receipt.merchant.name }));
      $("wallet-receipt").focus();
      loadAccount();
    } catch (err) {
      // A compliance review: the gateway hands out a hold code for the same
      // order instead; read it, so the customer sees what a hold means before
      // signing it.
      if (err instanceof ApiError && err.code === "PAYMENT_UNDER_REVIEW" && err.data?.url) {
        state.paying = false;
        $("wallet-payload").value = err.data.url;
        await onRead();
        if (state.quote?.kind === "hold") {
          announce(live, t("sayReview", { amount }));
          return;
        }
      }
      // The gateway asks for the declaration: show the form and keep the quote.
      if (err instanceof ApiError && /^SELF_DECLARATION_/.test(err.code || "")) {
        state.declarationAsked = true;
        render();
        $("wallet-decl-name").focus();
      }
      showError(errEl, err instanceof ApiError ? err : String(err?.message || err));
    } finally {
      state.paying = false;
      render(); // Pay comes back only while the quote is still payable
    }
  }


  // ---- render ----------------------------------------------------------------

  function render() {
    const acc = state.account;
    $("wallet-address").textContent = acc ? acc.address : "—";
    $("wallet-balance").textContent = acc ? yen(acc.balance) : "—";
    $("wallet-new-note").hidden = !acc || acc.exists !== false;
    $("wallet-copy").disabled = !acc;
    $("wallet-refresh").disabled = !state.publicHex;
    $("wallet-export").disabled = !state.key; // "New key" stays enabled: it is the way out of a bad key
    renderTax();
    const limits = acc && acc.limits;
    $("wallet-limits").hidden = !limits;
    if (limits) {
      $("wallet-limit-now").textContent = yen(limits.payableNow);
      $("wallet-limit-day").textContent = `${yen(limits.dailyLeft)} / ${yen(limits.dailyLimit)}`;
      $("wallet-limit-month").textContent = `${yen(limits.monthlyLeft)} / ${yen(limits.monthlyLimit)}`;
      $("wallet-limit-per").textContent = yen(limits.perTransaction);
    }

    const q = state.quote;
    $("wallet-quote").hidden = !q;
    if (q) {
      const m = q.merchant;
      $("wallet-merchant").textContent = [m.name, m.city].filter(Boolean).join(", ");
      $("wallet-amount").textContent = yen(amountOf(q.amount));
      $("wallet-order").textContent = q.merchantPaymentId || "—";
      const statusText = q.kind === "hold" ? t(`holdStatus_${q.status}`) : t(`status_${q.status}`);
      $("wallet-status").textContent = statusText;
      $("wallet-expiry").textContent = dateTime(q.expiryDate, i18n.lang) || "—";
      const hold = q.kind === "hold";
      const review = hold && q.reviewDeadline != null;
      // A review's hold is decided by an analyst, not charged by the shop: its note says by when.
      for (const id of ["wallet-tip-term", "wallet-tip", "wallet-capture-term", "wallet-capture"]) $(id).hidden = !hold || review;
      $("wallet-hold-note").hidden = !hold || review;
      $("wallet-review-note").hidden = !review;
      if (hold) {
        const held = yen(amountOf(q.amount) + amountOf(q.tipLimit));
        $("wallet-tip").textContent = yen(amountOf(q.tipLimit));
        $("wallet-capture").textContent = dateTime(q.captureBefore, i18n.lang) || "—";
        $("wallet-hold-note").textContent = t("holdNote", { time: dateTime(q.captureBefore, i18n.lang) });
        $("wallet-review-note").textContent = review
          ? t("reviewNote", { amount: held, time: dateTime(q.reviewDeadline, i18n.lang) }) : "";
      }
      const pay = $("wallet-pay");
      // "Pay" or "Hold ¥N", re-worded on a language switch (YP.busy restores it).
      pay.textContent = hold ? t("authorize", { amount: yen(amountOf(q.amount) + amountOf(q.tipLimit)) }) : t("pay");
      if (!state.paying) pay.disabled = !q.payable || !state.key;
      $("wallet-not-payable").hidden = Boolean(q.payable);
      $("wallet-not-payable").textContent = t("notPayable", { status: statusText });
    }
    $("wallet-declaration").hidden = !q || !q.payable || !(q.declarationRequired || state.declarationAsked);
    // Offered only where the gateway quotes in USDC (it holds the desk's quote key).
    if (q && !state.paying) $("wallet-usdc").disabled = !q.payableInUsdc;
    $("wallet-usdc").hidden = !q || !q.payableInUsdc;
    renderUsdc();

    const r = state.receipt;
    $("wallet-receipt").hidden = !r;
    if (r) {
      const rc = r.receipt;
      const held = rc.kind === "hold";
      $("wallet-receipt-title").textContent = t(held ? "receiptHeld" : "receiptTitle");
      $("wallet-receipt-merchant").textContent = [rc.merchant.name, rc.merchant.city].filter(Boolean).join(", ");
      $("wallet-receipt-amount").textContent = yen(amountOf(rc.amount));
      $("wallet-receipt-order").textContent = rc.merchantPaymentId;
      $("wallet-receipt-time-term").textContent = t(held ? "captureBefore" : "paidAt");
      $("wallet-receipt-time").textContent = dateTime(held ? rc.captureBefore : rc.paidAt, i18n.lang);
      const note = $("wallet-receipt-hold-note");
      note.hidden = !held;
      note.textContent = !held ? "" : t(r.reviewDeadline != null ? "receiptReviewNote" : "receiptHoldNote",
        { time: dateTime(r.reviewDeadline ?? rc.captureBefore, i18n.lang) });
      $("wallet-receipt-fee").textContent = rc.fee == null ? "—" : yen(amountOf(rc.fee));
      $("wallet-tx").textContent = r.transactionHash;
      const fx = rc.fx;
      // The dt and dd each: a wrapper would break the grid of the dl.
      $("wallet-receipt-usdc-label").hidden = !fx;
      $("wallet-receipt-usdc").hidden = !fx;
      if (fx) $("wallet-receipt-usdc").textContent = t("receiptUsdcText", { usdc: fx.usdcAmountText, rate: rateYen(fx) });
    }
  }

  async function onCopy() {
    try {
      await navigator.clipboard.writeText(state.account.address);
      announce(live, t("copied"));
    } catch {
      showError(errEl, t("errCopy"));
    }
  }

  // ---- wiring --------------------------------------------------------------

  // Nothing is wired before the strings are in: until then the page shows
  // only its banner and "loading" (the account and the forms are hidden).
  async function init() {
    try {
      i18n = await YP.i18n("wallet", {
        storageKey: "yenpay.wallet.lang",
        fallback: "en",
        toggle: $("wallet-lang"),
        onChange: () => { render(); showKeyProblem(); showInvalid(); },
      });
    } catch (err) {
      showError(errEl, err);
      return;
    }
    i18n.apply();
    $("wallet-read-form").addEventListener("submit", onRead);
    YP.camera.attach({
      button: $("wallet-scan"),
      dialog: $("wallet-scan-dialog"),
      video: $("wallet-video"),
      stopButton: $("wallet-scan-stop"),
      facing: "environment",
      t,
      errEl,
      onText: (text) => {
        $("wallet-payload").value = text;
        onRead();
      },
    });
    $("wallet-pay").addEventListener("click", onPay);
    $("wallet-usdc").addEventListener("click", onUsdc);
    $("wallet-usdc-pay").addEventListener("click", onUsdcPay);
    $("wallet-copy").addEventListener("click", onCopy);
    $("wallet-refresh").addEventListener("click", () => { clearError(errEl); loadAccount(); });
    $("wallet-reset").addEventListener("click", () => $("wallet-reset-dialog").showModal());
    $("wallet-reset-cancel").addEventListener("click", () => $("wallet-reset-dialog").close());
    $("wallet-reset-form").addEventListener("submit", resetKey);
    $("wallet-reset-dialog").addEventListener("close", () => $("wallet-reset").focus());
    $("wallet-export").addEventListener("click", () => {
      const out = $("wallet-export-text");
      out.textContent = localStorage.getItem(KEY_STORE) || "";
      out.hidden = false;
    });

    $("wallet-loading").hidden = true;
    $("wallet-app").hidden = false;

    await loadKey();
    render();
    showKeyProblem();
    const deepLink = new URLSearchParams(location.search).get("payload");
    // The quote needs no key, so a deep link is read even when signing is unavailable.
    if (deepLink) {
      $("wallet-payload").value = deepLink;
      onRead();
    }
    await loadAccount();
  }

  init();
})();
