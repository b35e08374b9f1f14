// POS page: create a dynamic code, show it large, follow it over server-sent
// events until a final state, refund recent payments, accept customer codes,
// and take a hold (a pump, a table): show its code, capture the final amount
// with a tip, or void it.
"use strict";

(() => {
  const { $, api, showError, clearError, announce, setFieldError, clearFieldError, yen, shortAddr, dateTime, randomCode } = YP;

  const MAX_YEN = 9_999_999;
  // A hold is one payment: within the per-transfer cap, tip limit included.
  const MAX_HOLD_YEN = 1_000_000;
  // How often a hold's state is read while a customer or the chain is awaited.
  const HOLD_POLL_MS = 2000;
  const HOLD_CLOSED = new Set(["CAPTURED", "VOIDED", "RECLAIMED", "SEIZED"]);
  const FINAL = new Set(["COMPLETED", "CANCELED", "EXPIRED", "REFUNDED"]);
  const SAY = { CREATED: "", COMPLETED: "sayCompleted", EXPIRED: "sayExpired", CANCELED: "sayCanceled", REFUNDED: "sayRefunded" };

  const state = {
    merchant: null,
    role: null, // "cashier" or "manager", as the session says
    sale: null, // code data merged with the latest PaymentView
    source: null, // the open EventSource
    timer: 0,
    recent: [],
    refund: null, // { p, opener } while the dialog is open
    refocus: null, // order whose refund button should get focus back
    invalid: [], // [input, key, vars] kept so a language switch re-words them
    hold: null, // the HoldView being worked, with the code's picture
    holdTimer: 0,
  };

  const errEl = $("pos-error");
  const live = $("pos-live");
  // The page's words (/assets/i18n/*.json), in once init() has loaded them.
  let i18n = null;
  const t = (key, vars) => i18n.t(key, vars);

  // The gateway's CSRF guard wants both headers on every non-GET request.
  const posApi = (method, url, body) =>
    api(method, url, body, method === "GET" ? {} : { "Content-Type": "application/json", "X-Yenpay-Pos": "1" });

  const amountOf = (m) => (m && typeof m === "object" ? m.amount : m);
  const refundable = (p) => amountOf(p.amount) - (p.refundedAmount || 0);
  const pad = (n) => String(n).padStart(2, "0");

  function newOrderId() {
    const d = new Date();
    const stamp = `${d.getFullYear()}${pad(d.getMonth() + 1)}${pad(d.getDate())}${pad(d.getHours())}${pad(d.getMinutes())}${pad(d.getSeconds())}`;
    return `POS-${stamp}${randomCode(4)}`;
  }

  // Refund ids allow no spaces although order references do.
  const newRefundId = (mpid) => `R-${mpid.replace(/[^\x21-\x7e]/g, "_").slice(0, 57)}-${randomCode(4)}`;

  // ---- validation -------------------------------------------------------

  // Full-width digits from a Japanese IME are normalised, everything else
  // (commas, signs, decimals) is refused so the rule stays "digits only".
  function parseYen(input, max, required) {
    const raw = input.value.normalize("NFKC").trim();
    if (!raw && !required) return { value: null };
    if (!/^\d+$/.test(raw)) return { error: true };
    const value = Number(raw);
    return value >= 1 && value <= max ? { value } : { error: true };
  }

  function parseOrder(input) {
    const raw = input.value.trim();
    if (!raw) return { value: newOrderId() };
    return /^[\x20-\x7e]{1,25}$/.test(raw) ? { value: raw } : { error: true };
  }

  function resetInvalid() {
    for (const [input] of state.invalid) clearFieldError(input);
    state.invalid = [];
    clearError(errEl);
  }

  // Marks each field and repeats the rules in the alert so they are announced.
  function reportInvalid(list) {
    state.invalid = list;
    showInvalid();
    list[0][0].focus();
  }
  function showInvalid() {
    if (!state.invalid.length) return;
    for (const [input, key, vars] of state.invalid) setFieldError(input, t(key, vars));
    // The refund dialog is modal: the page alert behind it is inert, so the
    // inline message (aria-live) carries it there.
    if (!state.refund) showError(errEl, state.invalid.map(([, key, vars]) => t(key, vars)).join(" "));
  }

  // ---- errors --------------------------------------------------------------

  function fail(err) {
    if (err && err.status === 401 && err.code === "POS_LOGIN_REQUIRED") showLogin();
    showError(errEl, err);
  }


  // ---- session -----------------------------------------------------------

  function showLogin() {
    stopSale();
    stopHold();
    $("pos-hold").hidden = true;
    state.merchant = null;
    state.role = null;
    if ($("pos-refund-dialog").open) $("pos-refund-dialog").close();
    $("pos-loading").hidden = true;
    $("pos-app").hidden = true;
    $("pos-logout").hidden = true;
    $("pos-shop").textContent = "";
    $("pos-role").textContent = "";
    $("pos-login").hidden = false;
  }

  // The session says what it may do: a cashier gets no refund buttons (the
  // gateway would answer 403 POS_MANAGER_REQUIRED anyway).
  const canRefund = () => state.role === "manager";

  function showApp(session) {
    const merchant = session.merchant;
    state.merchant = merchant;
    state.role = session.role;
    $("pos-role").textContent = t(`role_${session.role}`);
    $("pos-refund-note").hidden = canRefund();
    $("pos-loading").hidden = true;
    $("pos-login").hidden = true;
    $("pos-app").hidden = false;
    $("pos-logout").hidden = false;
    $("pos-shop").textContent = merchant.name;
    renderSale();
    loadRecent();
    firstField().focus();
  }

  async function onLogin(e) {
    e.preventDefault();
    resetInvalid();
    const credentialId = $("pos-credential-id");
    const secret = $("pos-secret");
    const bad = [];
    if (!credentialId.value.trim()) bad.push([credentialId, "errCredentialId"]);
    if (!secret.value) bad.push([secret, "errSecret"]);
    if (bad.length) return reportInvalid(bad);
    try {
      const data = await YP.busy($("pos-login-submit"), t, "loggingIn", () =>
        posApi("POST", "/pos/api/session", { credentialId: credentialId.value.trim(), secret: secret.value.trim() }));
      secret.value = "";
      showApp(data);
      announce(live, t("loggedIn", { name: data.merchant.name }));
    } catch (err) {
      if (err.code === "POS_LOGIN_THROTTLED") {
        // In the page's language, with the wait the gateway gave; the code stays for support.
        const minutes = Math.max(1, Math.ceil((err.retryAfter || 60) / 60));
        showError(errEl, new YP.ApiError(err.code, t("errThrottled", { minutes }), err.status));
      } else {
        showError(errEl, err);
      }
      secret.focus();
    }
  }

  async function onLogout() {
    try {
      await posApi("DELETE", "/pos/api/session");
    } catch (err) {
      if (err.status !== 401) return showError(errEl, err);
    }
    clearError(errEl);
    showLogin();
    announce(live, t("loggedOut"));
    $("pos-credential-id").focus();
  }

  // ---- tabs ----------------------------------------------------------------

  const tabs = [$("pos-mode-mpm"), $("pos-mode-cpm"), $("pos-mode-hold")];
  const selected = (id) => $(id).getAttribute("aria-selected") === "true";
  const firstField = () => (selected("pos-mode-cpm") ? $("pos-cpm-code") : selected("pos-mode-hold") ? $("pos-hold-amount") : $("pos-amount"));

  function selectTab(tab, focus) {
    for (const other of tabs) {
      const on = other === tab;
      other.setAttribute("aria-selected", String(on));
      other.tabIndex = on ? 0 : -1;
      $(other.getAttribute("aria-controls")).hidden = !on;
    }
    resetInvalid();
    if (focus) tab.focus();
  }

  // Arrow keys move between tabs (WAI-ARIA tabs pattern, automatic activation).
  function onTabKey(e) {
    const i = tabs.indexOf(e.currentTarget);
    const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: tabs.length - 1 }[e.key];
    if (next === undefined) return;
    e.preventDefault();
    selectTab(tabs[(next + tabs.length) % tabs.length], true);
  }

  // ---- a sale (code or customer-presented payment) -------------------------

  async function onCreate(e) {
    e.preventDefault();
    resetInvalid();
    const amountInput = $("pos-amount");
    const orderInput = $("pos-order");
    const amount = parseYen(amountInput, MAX_YEN, true);
    const order = parseOrder(orderInput);
    const bad = [];
    if (amount.error) bad.push([amountInput, "errAmount"]);
    if (order.error) bad.push([orderInput, "errOrder"]);
    if (bad.length) return reportInvalid(bad);
    try {
      const code = await YP.busy($("pos-create"), t, "creating", () => posApi("POST", "/pos/api/v2/codes?format=svg", {
        merchantPaymentId: order.value,
        amount: { amount: amount.value, currency: "JPY" },
      }));
      startSale(code);
    } catch (err) {
      fail(err);
    }
  }

  function startSale(code) {
    stopSale();
    state.sale = { ...code, warned: false };
    // qrSvg is ASCII, so btoa is safe; a data: image keeps us within img-src.
    if (code.qrSvg) $("pos-qr").src = `data:image/svg+xml;base64,${btoa(code.qrSvg)}`;
    $("pos-payload").textContent = code.qrPayload || "";
    renderSale();
    state.timer = setInterval(tick, 1000);
    tick();
    listen();
    const time = new Date(code.expiryDate * 1000).toLocaleTimeString(i18n.lang === "ja" ? "ja-JP" : "en-GB", { hour: "2-digit", minute: "2-digit" });
    announce(live, t("sayCreated", { amount: yen(amountOf(code.amount)), time }));
    $("pos-status").focus();
  }

  // The server pushes the state; the browser never polls. The stream ends at a
  // final status, so we close it then (an open EventSource would reconnect).
  function listen() {
    closeStream();
    $("pos-reconnect").hidden = true;
    const mpid = state.sale.merchantPaymentId;
    const es = new EventSource(`/pos/api/codes/${encodeURIComponent(mpid)}/events`);
    state.source = es;
    es.addEventListener("payment", (ev) => {
      let view;
      try {
        view = JSON.parse(ev.data);
      } catch {
        return;
      }
      if (view && view.resultInfo) view = view.data; // tolerate an enveloped event
      if (view && state.sale && view.merchantPaymentId === state.sale.merchantPaymentId) update(view);
    });
    es.addEventListener("error", () => {
      // CONNECTING means the browser retries by itself; CLOSED means it gave up.
      if (es.readyState !== EventSource.CLOSED || state.source !== es) return;
      state.source = null;
      if (state.sale && !FINAL.has(state.sale.status)) {
        $("pos-reconnect").hidden = false;
        showError(errEl, t("errStream"));
      }
    });
  }

  function update(view) {
    const before = state.sale.status;
    state.sale = { ...state.sale, ...view };
    if (FINAL.has(view.status)) {
      closeStream();
      stopTimer();
    }
    renderSale();
    if (before === view.status) return;
    if (SAY[view.status]) announce(live, t(SAY[view.status], { amount: yen(amountOf(view.amount)) }));
    if (FINAL.has(view.status)) {
      clearError(errEl);
      $("pos-status").classList.add("paid-enter");
      $("pos-new").focus(); // the focused Cancel button just disappeared
      loadRecent();
    }
  }

  async function onCancel() {
    const sale = state.sale;
    if (!sale || sale.status !== "CREATED") return;
    clearError(errEl);
    try {
      const view = await YP.busy($("pos-cancel"), t, "cancel", () =>
        posApi("DELETE", `/pos/api/v2/codes/${encodeURIComponent(sale.codeId)}`));
      if (state.sale === sale || state.sale?.codeId === view.codeId) update(view);
    } catch (err) {
      fail(err);
    }
  }

  async function onCpm(e) {
    e.preventDefault();
    resetInvalid();
    const codeInput = $("pos-cpm-code");
    const amountInput = $("pos-cpm-amount");
    const orderInput = $("pos-cpm-order");
    const customerCode = codeInput.value.trim();
    const amount = parseYen(amountInput, MAX_YEN, false);
    const order = parseOrder(orderInput);
    const bad = [];
    if (!customerCode) bad.push([codeInput, "errCpmCode"]);
    if (amount.error) bad.push([amountInput, "errAmount"]);
    if (order.error) bad.push([orderInput, "errOrder"]);
    if (bad.length) return reportInvalid(bad);
    const body = { merchantPaymentId: order.value, customerCode };
    if (amount.value !== null) body.amount = { amount: amount.value, currency: "JPY" };
    try {
      const view = await YP.busy($("pos-cpm-submit"), t, "cpmSending", () => posApi("POST", "/pos/api/v2/payments/cpm", body));
      stopSale();
      state.sale = { ...view, status: null }; // so update() sees a change and announces it
      update(view);
      if (!FINAL.has(view.status)) listen(); // not settled yet: follow it like a code
    } catch (err) {
      fail(err);
    }
  }

  function onNew() {
    stopSale();
    for (const id of ["pos-amount", "pos-order", "pos-cpm-code", "pos-cpm-amount", "pos-cpm-order"]) $(id).value = "";
    clearError(errEl);
    renderSale();
    firstField().focus();
  }

  function closeStream() {
    if (state.source) state.source.close();
    state.source = null;
  }
  function stopTimer() {
    clearInterval(state.timer);
    state.timer = 0;
  }
  function stopSale() {
    closeStream();
    stopTimer();
    state.sale = null;
    $("pos-qr").removeAttribute("src");
    $("pos-payload").textContent = "";
    $("pos-status").classList.remove("paid-enter");
  }

  // Visible mm:ss every second, but only one spoken warning: a per-second
  // live region would drown the screen reader.
  function tick() {
    const sale = state.sale;
    if (!sale || sale.status !== "CREATED") return stopTimer();
    const left = Math.max(0, sale.expiryDate - YP.serverNow());
    const el = $("pos-countdown");
    el.textContent = `${pad(Math.floor(left / 60))}:${pad(left % 60)}`;
    el.classList.toggle("low", left <= 30);
    if (left <= 60 && left > 0 && !sale.warned) {
      sale.warned = true;
      announce(live, t("sayOneMinute"));
    }
  }

  function renderSale() {
    const sale = state.sale;
    $("pos-entry").hidden = Boolean(sale) || Boolean(state.hold);
    $("pos-sale").hidden = !sale;
    if (!sale) return;
    const status = $("pos-status");
    status.dataset.status = sale.status;
    status.textContent = t(`status_${sale.status}`);
    $("pos-sale-amount").textContent = yen(amountOf(sale.amount));
    $("pos-sale-shop").textContent = state.merchant ? state.merchant.name : "";
    $("pos-sale-order").textContent = sale.merchantPaymentId;
    const waiting = sale.status === "CREATED";
    $("pos-qr-block").hidden = !waiting || !sale.qrSvg;
    $("pos-wait").hidden = !waiting;
    const paid = sale.status === "COMPLETED" || sale.status === "REFUNDED";
    $("pos-paid").hidden = !paid;
    $("pos-sale").classList.toggle("waiting", waiting);
    $("pos-sale").classList.toggle("paid", paid);
    if (paid) {
      const payer = $("pos-payer");
      payer.textContent = shortAddr(sale.payer);
      payer.title = sale.payer || "";
      $("pos-fee").textContent = sale.fee == null ? "—" : yen(sale.fee);
      $("pos-net").textContent = sale.net == null ? "—" : yen(sale.net);
      const tx = $("pos-tx");
      tx.textContent = shortAddr(sale.transactionHash);
      tx.title = sale.transactionHash || "";
    }
    const next = $("pos-new");
    next.hidden = waiting;
    next.textContent = t(paid ? "nextSale" : "newCode");
  }

  async function onCopy() {
    try {
      await navigator.clipboard.writeText($("pos-payload").textContent);
      announce(live, t("copied"));
    } catch {
      showError(errEl, t("errCopy"));
    }
  }

  // ---- holds (authorize now, capture later) --------------------------------

  // A tip may be 0: digits only, 0..max; empty is 0.
  function parseTip(input, max) {
    const raw = input.value.normalize("NFKC").trim();
    if (!raw) return { value: 0 };
    if (!/^\d+$/.test(raw)) return { error: true };
    const value = Number(raw);
    return value <= max ? { value } : { error: true };
  }

  const newHoldOpId = (prefix, mpid) => `${prefix}-${mpid.replace(/[^\x21-\x7e]/g, "_").slice(0, 55)}-${randomCode(4)}`;

  async function onHoldCreate(e) {
    e.preventDefault();
    resetInvalid();
    const amountInput = $("pos-hold-amount");
    const tipInput = $("pos-hold-tip-limit");
    const orderInput = $("pos-hold-order");
    const amount = parseYen(amountInput, MAX_HOLD_YEN, true);
    const tip = parseTip(tipInput, MAX_HOLD_YEN);
    const order = parseOrder(orderInput);
    const bad = [];
    if (amount.error) bad.push([amountInput, "errHoldAmount"]);
    if (tip.error || (!amount.error && amount.value + tip.value > MAX_HOLD_YEN)) bad.push([tipInput, "errHoldTipLimit"]);
    if (order.error) bad.push([orderInput, "errOrder"]);
    if (bad.length) return reportInvalid(bad);
    const body = { merchantPaymentId: order.value, amount: { amount: amount.value, currency: "JPY" } };
    if (tip.value > 0) body.tipLimit = { amount: tip.value, currency: "JPY" };
    try {
      const code = await YP.busy($("pos-hold-create"), t, "creating", () => posApi("POST", "/pos/api/v2/holds/codes?format=svg", body));
      stopHold();
      state.hold = code;
      if (code.qrSvg) $("pos-hold-qr").src = `data:image/svg+xml;base64,${btoa(code.qrSvg)}`;
      renderHold();
      pollHold();
      announce(live, t("sayHoldCreated", { amount: yen(amountOf(code.amount)) }));
      $("pos-hold-status").focus();
    } catch (err) {
      fail(err);
    }
  }

  // The follower records what the chain did; the page reads it until the hold closes.
  function pollHold() {
    clearInterval(state.holdTimer);
    state.holdTimer = setInterval(refreshHold, HOLD_POLL_MS);
  }

  async function refreshHold() {
    const hold = state.hold;
    if (!hold) return;
    try {
      const view = await posApi("GET", `/pos/api/v2/holds/${encodeURIComponent(hold.merchantPaymentId)}`);
      if (state.hold !== hold) return;
      const before = hold.status;
      state.hold = { ...hold, ...view };
      if (before !== view.status) {
        if (view.status === "AUTHORIZED") announce(live, t("sayHoldAuthorized", { amount: yen(view.authorized) }));
        if (view.status === "CAPTURED") announce(live, t("sayHoldCaptured", { amount: yen(view.captured + view.tipped) }));
        if (view.status === "VOIDED") announce(live, t("sayHoldVoided"));
      }
      if (HOLD_CLOSED.has(view.status) || (view.status === "EXPIRED" && view.held === 0)) clearInterval(state.holdTimer);
      renderHold();
    } catch (err) {
      fail(err);
    }
  }

  function renderHold() {
    const hold = state.hold;
    $("pos-hold").hidden = !hold;
    $("pos-entry").hidden = Boolean(hold) || Boolean(state.sale);
    if (!hold) return;
    const status = $("pos-hold-status");
    status.dataset.status = hold.status;
    status.textContent = t(`holdStatus_${hold.status}`);
    $("pos-hold-qr-block").hidden = hold.status !== "CREATED" || !hold.qrSvg;
    $("pos-hold-amount-shown").textContent = yen(amountOf(hold.amount));
    $("pos-hold-order-shown").textContent = hold.merchantPaymentId;
    $("pos-hold-authorized").textContent = yen(hold.authorized);
    $("pos-hold-held").textContent = yen(hold.held);
    $("pos-hold-captured").textContent = yen(hold.captured);
    $("pos-hold-tipped").textContent = yen(hold.tipped);
    $("pos-hold-expiry").textContent = dateTime(hold.authorizationExpiry, i18n.lang);
    const capturable = hold.status === "AUTHORIZED" && hold.held > 0;
    $("pos-hold-capture-form").hidden = !capturable;
    const left = Math.max(0, hold.authorized - hold.captured);
    const tipLeft = Math.max(0, hold.tipLimit - hold.tipped);
    $("pos-hold-final-hint").textContent = t("holdFinalHint", { max: left.toLocaleString("en-US") });
    $("pos-hold-tip-block").hidden = tipLeft === 0;
    $("pos-hold-tip-hint").textContent = t("holdTipHint", { max: tipLeft.toLocaleString("en-US") });
    // Voiding is still possible after expiry while something is held.
    $("pos-hold-new").hidden = hold.status === "CREATED" || capturable;
  }

  async function onHoldCapture(e) {
    e.preventDefault();
    const hold = state.hold;
    if (!hold) return;
    resetInvalid();
    const left = Math.max(0, hold.authorized - hold.captured);
    const tipLeft = Math.max(0, hold.tipLimit - hold.tipped);
    const finalInput = $("pos-hold-final");
    const tipInput = $("pos-hold-tip");
    const amount = parseYen(finalInput, left, true);
    const tip = parseTip(tipInput, tipLeft);
    const bad = [];
    if (amount.error) bad.push([finalInput, "errHoldFinal", { max: left.toLocaleString("en-US") }]);
    if (tip.error) bad.push([tipInput, "errHoldTip", { max: tipLeft.toLocaleString("en-US") }]);
    if (bad.length) return reportInvalid(bad);
    // The final capture: what is left goes back to the customer at once.
    const body = {
      merchantPaymentId: hold.merchantPaymentId,
      merchantCaptureId: newHoldOpId("C", hold.merchantPaymentId),
      amount: { amount: amount.value, currency: "JPY" },
      final: true,
    };
    if (tip.value > 0) body.tip = { amount: tip.value, currency: "JPY" };
    try {
      await YP.busy($("pos-hold-capture"), t, "holdCapturing", () => posApi("POST", "/pos/api/v2/holds/capture", body));
      announce(live, t("sayHoldCaptured", { amount: yen(amount.value + tip.value) }));
      await refreshHold();
      pollHold();
      $("pos-hold-status").focus();
    } catch (err) {
      fail(err);
    }
  }

  async function onHoldVoid() {
    const hold = state.hold;
    if (!hold) return;
    clearError(errEl);
    try {
      await YP.busy($("pos-hold-void"), t, "holdVoiding", () => posApi("POST", "/pos/api/v2/holds/revert", {
        merchantPaymentId: hold.merchantPaymentId,
        merchantRevertId: newHoldOpId("V", hold.merchantPaymentId),
      }));
      announce(live, t("sayHoldVoided"));
      await refreshHold();
      pollHold();
      $("pos-hold-status").focus();
    } catch (err) {
      fail(err);
    }
  }

  function stopHold() {
    clearInterval(state.holdTimer);
    state.holdTimer = 0;
    state.hold = null;
    $("pos-hold-qr").removeAttribute("src");
  }

  function onHoldNew() {
    stopHold();
    for (const id of ["pos-hold-amount", "pos-hold-tip-limit", "pos-hold-order", "pos-hold-final", "pos-hold-tip"]) $(id).value = "";
    clearError(errEl);
    renderHold();
    renderSale();
    firstField().focus();
  }

  // ---- recent payments and refunds ----------------------------------------

  async function loadRecent() {
    try {
      state.recent = await posApi("GET", "/pos/api/payments/recent");
      renderRecent();
    } catch (err) {
      fail(err);
    }
  }

  function renderRecent() {
    const list = $("pos-recent");
    // Re-rendering drops the focused refund button: put focus back on its
    // replacement (or on Refresh when the row has nothing left to refund).
    const focused = list.contains(document.activeElement) || document.activeElement === document.body
      ? state.refocus || document.activeElement.dataset?.merchantPaymentId : null;
    state.refocus = null;
    list.replaceChildren(...state.recent.map(recentRow));
    $("pos-recent-empty").hidden = state.recent.length > 0;
    if (focused) focusRefund(focused);
  }

  function focusRefund(mpid) {
    const button = [...document.querySelectorAll("button.pos-refund")].find((b) => b.dataset.merchantPaymentId === mpid);
    (button || $("pos-recent-refresh")).focus();
  }

  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function recentRow(p) {
    const li = el("li");
    const main = el("div", "r-main");
    main.append(el("div", "r-order", p.merchantPaymentId));
    let meta = `${dateTime(p.paidAt || p.createdAt, i18n.lang)} · ${t(`status_${p.status}`)}`;
    if (p.refundedAmount > 0 && p.status !== "REFUNDED") meta += ` · ${t("refundedPart", { amount: yen(p.refundedAmount) })}`;
    main.append(el("div", "r-meta", meta));
    li.append(main, el("span", "r-amount", yen(amountOf(p.amount))));
    // Partially refunded payments stay COMPLETED; REFUNDED means nothing is left.
    if (canRefund() && p.status === "COMPLETED" && refundable(p) > 0) {
      const button = el("button", "pos-refund danger", t("refund"));
      button.type = "button";
      button.dataset.merchantPaymentId = p.merchantPaymentId;
      button.setAttribute("aria-label", t("refundFor", { order: p.merchantPaymentId, amount: yen(amountOf(p.amount)) }));
      li.append(button);
    }
    return li;
  }

  function openRefund(button) {
    const p = state.recent.find((r) => r.merchantPaymentId === button.dataset.merchantPaymentId);
    if (!p) return;
    resetInvalid();
    state.refund = { p, opener: p.merchantPaymentId };
    const input = $("pos-refund-amount");
    input.value = String(refundable(p));
    $("pos-refund-error").textContent = "";
    renderRefund();
    $("pos-refund-dialog").showModal();
    input.focus();
    input.select();
  }

  function renderRefund() {
    if (!state.refund) return;
    const { p } = state.refund;
    const left = refundable(p);
    $("pos-refund-summary").textContent = t("refundSummary", {
      order: p.merchantPaymentId, amount: yen(amountOf(p.amount)), refunded: yen(p.refundedAmount || 0), left: yen(left),
    });
    $("pos-refund-hint").textContent = t("refundHint", { max: left.toLocaleString("en-US") });
    const typed = parseYen($("pos-refund-amount"), left, true);
    $("pos-refund-warning").textContent = t("refundWarning", {
      amount: typed.error ? "—" : yen(typed.value), payer: shortAddr(p.payer) || "—",
    });
  }

  async function onRefund(e) {
    e.preventDefault();
    const { p } = state.refund;
    const input = $("pos-refund-amount");
    const left = refundable(p);
    resetInvalid();
    $("pos-refund-error").textContent = "";
    const amount = parseYen(input, left, true);
    if (amount.error) return reportInvalid([[input, "errRefundAmount", { max: left.toLocaleString("en-US") }]]);
    try {
      const refund = await YP.busy($("pos-refund-confirm"), t, "refunding", () => posApi("POST", "/pos/api/v2/refunds", {
        merchantRefundId: newRefundId(p.merchantPaymentId),
        merchantPaymentId: p.merchantPaymentId,
        amount: { amount: amount.value, currency: "JPY" },
      }));
      $("pos-refund-dialog").close();
      announce(live, t("refundDone", { order: p.merchantPaymentId, amount: yen(amountOf(refund.amount) ?? amount.value) }));
      loadRecent();
    } catch (err) {
      if (err.status === 401) {
        $("pos-refund-dialog").close();
        return fail(err);
      }
      // Shown in the dialog (the page behind it is inert) and kept on the page.
      $("pos-refund-error").textContent = `${err.message} (${err.code})`;
      showError(errEl, err);
    }
  }

  function onRefundClosed() {
    const opener = state.refund && state.refund.opener;
    state.refund = null;
    for (const [input] of state.invalid) clearFieldError(input);
    state.invalid = [];
    // The list may be re-rendered after a refund: renderRecent uses this too.
    state.refocus = opener;
    focusRefund(opener);
  }

  // ---- language ------------------------------------------------------------

  function rerender() {
    if (state.role) $("pos-role").textContent = t(`role_${state.role}`);
    renderSale();
    renderHold();
    if (state.merchant) renderRecent();
    renderRefund();
    showInvalid();
  }

  // ---- wiring --------------------------------------------------------------

  // Nothing is wired before the strings are in: until then the page shows
  // only "loading" (the login form and the till are hidden).
  async function init() {
    try {
      i18n = await YP.i18n("pos", { storageKey: "yenpay.pos.lang", fallback: "ja", toggle: $("pos-lang"), onChange: rerender });
    } catch (err) {
      showError(errEl, err);
      return;
    }
    i18n.apply();
    $("pos-login-form").addEventListener("submit", onLogin);
    $("pos-logout").addEventListener("click", onLogout);
    for (const tab of tabs) {
      tab.addEventListener("click", () => selectTab(tab, false));
      tab.addEventListener("keydown", onTabKey);
    }
    $("pos-create-form").addEventListener("submit", onCreate);
    $("pos-cpm-form").addEventListener("submit", onCpm);
    $("pos-hold-form").addEventListener("submit", onHoldCreate);
    $("pos-hold-capture-form").addEventListener("submit", onHoldCapture);
    $("pos-hold-void").addEventListener("click", onHoldVoid);
    $("pos-hold-new").addEventListener("click", onHoldNew);
    // A till tablet faces the customer: its front camera reads their phone.
    YP.camera.attach({
      button: $("pos-cpm-scan"),
      dialog: $("pos-scan-dialog"),
      video: $("pos-video"),
      stopButton: $("pos-scan-stop"),
      facing: "user",
      t,
      errEl,
      onText: (text) => {
        $("pos-cpm-code").value = text;
        clearFieldError($("pos-cpm-code"));
        $("pos-cpm-amount").focus(); // the amount, unless the code carries it; then Enter takes the payment
      },
    });
    $("pos-cancel").addEventListener("click", onCancel);
    $("pos-reconnect").addEventListener("click", () => { clearError(errEl); listen(); });
    $("pos-new").addEventListener("click", onNew);
    $("pos-copy").addEventListener("click", onCopy);
    $("pos-recent-refresh").addEventListener("click", () => { clearError(errEl); loadRecent(); });
    $("pos-recent").addEventListener("click", (e) => {
      const button = e.target.closest("button.pos-refund");
      if (button) openRefund(button);
    });
    $("pos-refund-form").addEventListener("submit", onRefund);
    $("pos-refund-amount").addEventListener("input", renderRefund);
    $("pos-refund-close").addEventListener("click", () => $("pos-refund-dialog").close());
    $("pos-refund-dialog").addEventListener("close", onRefundClosed);

    try {
      const data = await posApi("GET", "/pos/api/session");
      showApp(data);
    } catch (err) {
      showLogin();
      // No session is the normal first visit, not an error worth shouting.
      if (err.status !== 401) showError(errEl, err);
      $("pos-credential-id").focus();
    }
  }

  init();
})();
