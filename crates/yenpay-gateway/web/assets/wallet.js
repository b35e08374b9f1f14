// Demo wallet: an Ed25519 key kept in localStorage, quote -> prepare -> sign
// in the browser -> pay. The gateway sponsors gas; the key never leaves here.
"use strict";

(() => {
  const { $, api, ApiError, showError, clearError, announce, setFieldError, clearFieldError, yen, toHex, fromHex, dateTime } = YP;

  const DICT = {
    en: {
      langName: "English",
      skip: "Skip to content",
      title: "yenpay wallet",
      banner: "Demo wallet: the key is kept in this browser's storage. Do not hold real money here.",
      accountTitle: "Your account",
      balanceLabel: "Balance",
      addressLabel: "Address",
      newAccount: "This account is not on chain yet: ask the operator to fund it.",
      copyAddress: "Copy address",
      copied: "Address copied.",
      refresh: "Refresh balance",
      reset: "New key",
      exportSummary: "Export key (demo)",
      exportHint: "Anyone with this text can spend this wallet's money.",
      exportShow: "Show private key",
      payTitle: "Pay a code",
      payloadLabel: "Payment code (QR text or yenpay: link)",
      payloadHint: "Paste the text of the shop's QR code, or scan it.",
      read: "Read code",
      reading: "Reading…",
      scan: "Scan with camera",
      scanStarting: "Starting the camera…",
      scanTitle: "Scan the shop's code",
      scanHint: "Hold the QR code inside the frame.",
      scanStop: "Stop scanning",
      cameraView: "Camera view",
      quoteTitle: "Payment details",
      shop: "Shop",
      amount: "Amount",
      order: "Order",
      status: "Status",
      expires: "Pay before",
      pay: "Pay",
      paying: "Paying…",
      receiptTitle: "Paid",
      paidAt: "Paid at",
      shopFee: "Fee (paid by the shop)",
      tx: "Transaction",
      resetTitle: "Make a new key?",
      resetText: "The current key is deleted from this browser. Any money at its address is lost unless you exported the key.",
      back: "Back",
      resetConfirm: "Delete and make a new key",
      status_CREATED: "Awaiting payment",
      status_COMPLETED: "Already paid",
      status_EXPIRED: "Expired",
      status_CANCELED: "Cancelled by the shop",
      status_REFUNDED: "Refunded",
      notPayable: "This code cannot be paid now ({status}).",
      sayQuote: "{shop} asks for {amount}.",
      sayPaying: "Paying {amount}…",
      sayPaid: "Paid {amount} to {shop}.",
      sayNewKey: "New key made.",
      errPayload: "Paste a payment code first (the QR text or a yenpay: link).",
      errNoSubtle: "This page needs a secure context (HTTPS or localhost) for WebCrypto; the wallet cannot sign here.",
      errNoEd25519: "This browser cannot make Ed25519 keys with WebCrypto (needs a recent Chrome, Edge, Firefox or Safari). The wallet cannot sign here.",
      errBadKey: "The stored key could not be read. Press \"New key\" to make another (the old one is lost).",
      errCopy: "Could not copy. Select the address and copy it.",
      errCameraDenied: "The camera was not allowed. Allow it in the browser's settings for this site, or paste the code's text.",
      errNoCamera: "No camera was found. Paste the code's text instead.",
      errCameraBusy: "The camera is in use by another app. Close it and try again, or paste the code's text.",
      errCameraUnavailable: "This browser cannot use the camera on this page (it needs HTTPS or localhost). Paste the code's text instead.",
      errCamera: "The camera could not be started. Paste the code's text instead.",
      errScanner: "The QR reader could not be loaded. Paste the code's text instead.",
    },
    ja: {
      langName: "日本語",
      skip: "本文へ移動",
      title: "yenpay ウォレット",
      banner: "デモ用ウォレット：鍵はこのブラウザの保存領域に置かれます。実際のお金を入れないでください。",
      accountTitle: "アカウント",
      balanceLabel: "残高",
      addressLabel: "アドレス",
      newAccount: "このアカウントはまだチェーン上にありません。運営者に入金を依頼してください。",
      copyAddress: "アドレスをコピー",
      copied: "アドレスをコピーしました。",
      refresh: "残高を更新",
      reset: "新しい鍵",
      exportSummary: "鍵のエクスポート（デモ）",
      exportHint: "この文字列を持つ人は誰でもこのウォレットのお金を使えます。",
      exportShow: "秘密鍵を表示",
      payTitle: "コードで支払う",
      payloadLabel: "支払いコード（QRの文字列または yenpay: リンク）",
      payloadHint: "お店のQRコードの文字列を貼り付けるか、カメラで読み取ってください。",
      read: "コードを読む",
      reading: "読み込み中…",
      scan: "カメラで読み取る",
      scanStarting: "カメラを起動中…",
      scanTitle: "お店のコードを読み取る",
      scanHint: "QRコードを枠の中に映してください。",
      scanStop: "読み取りをやめる",
      cameraView: "カメラの映像",
      quoteTitle: "お支払い内容",
      shop: "お店",
      amount: "金額",
      order: "注文番号",
      status: "状態",
      expires: "支払期限",
      pay: "支払う",
      paying: "支払い中…",
      receiptTitle: "お支払い完了",
      paidAt: "支払日時",
      shopFee: "手数料（お店負担）",
      tx: "取引",
      resetTitle: "新しい鍵を作りますか？",
      resetText: "今の鍵はこのブラウザから削除されます。エクスポートしていなければ、そのアドレスのお金は失われます。",
      back: "戻る",
      resetConfirm: "削除して新しい鍵を作る",
      status_CREATED: "お支払い待ち",
      status_COMPLETED: "支払い済み",
      status_EXPIRED: "期限切れ",
      status_CANCELED: "お店が取消済み",
      status_REFUNDED: "返金済み",
      notPayable: "このコードは現在支払えません（{status}）。",
      sayQuote: "{shop}：{amount} のお支払いです。",
      sayPaying: "{amount} を支払っています…",
      sayPaid: "{shop} に {amount} を支払いました。",
      sayNewKey: "新しい鍵を作りました。",
      errPayload: "支払いコード（QRの文字列または yenpay: リンク）を貼り付けてください。",
      errNoSubtle: "WebCrypto には安全な接続（HTTPS または localhost）が必要です。ここでは署名できません。",
      errNoEd25519: "このブラウザは WebCrypto の Ed25519 に対応していません（最新の Chrome・Edge・Firefox・Safari が必要です）。ここでは署名できません。",
      errBadKey: "保存された鍵を読み込めません。「新しい鍵」を押して作り直してください（古い鍵は失われます）。",
      errCopy: "コピーできませんでした。アドレスを選択してコピーしてください。",
      errCameraDenied: "カメラの使用が許可されていません。ブラウザのサイト設定で許可するか、コードの文字列を貼り付けてください。",
      errNoCamera: "カメラが見つかりません。コードの文字列を貼り付けてください。",
      errCameraBusy: "カメラは別のアプリが使用中です。そのアプリを閉じてもう一度試すか、コードの文字列を貼り付けてください。",
      errCameraUnavailable: "このページではカメラを使えません（HTTPS または localhost が必要です）。コードの文字列を貼り付けてください。",
      errCamera: "カメラを起動できませんでした。コードの文字列を貼り付けてください。",
      errScanner: "QRリーダーを読み込めませんでした。コードの文字列を貼り付けてください。",
    },
  };

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
    invalid: false, // the payload field is flagged empty (re-worded on language switch)
    keyError: "", // dictionary key of a key problem, re-worded on language switch
  };

  const errEl = $("wallet-error");
  const live = $("wallet-live");
  const i18n = YP.i18n(DICT, { storageKey: "yenpay.wallet.lang", fallback: "en", toggle: $("wallet-lang"), onChange: () => { render(); showKeyProblem(); showInvalid(); } });
  const t = i18n.t;

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
    } catch (err) {
      showError(errEl, err);
    }
  }

  async function resetKey(e) {
    e.preventDefault();
    $("wallet-reset-dialog").close();
    localStorage.removeItem(KEY_STORE);
    state.account = null;
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

  async function onPay() {
    const quote = state.quote;
    if (!quote || !quote.payable) return;
    clearError(errEl);
    if (!state.key) return showError(errEl, t(state.keyError || "errNoEd25519"));
    const amount = yen(amountOf(quote.amount));
    announce(live, t("sayPaying", { amount }));
    state.paying = true;
    try {
      const paid = await YP.busy($("wallet-pay"), t, "paying", async () => {
        const prep = await api("POST", "/wallet/api/prepare", { payload: state.payload, publicKey: state.publicHex });
        const signature = await crypto.subtle.sign(ED, state.key, fromHex(prep.signingMessage));
        return api("POST", "/wallet/api/pay", {
          rawTransaction: prep.rawTransaction,
          publicKey: state.publicHex,
          signature: toHex(signature),
        });
      });
      state.receipt = paid;
      state.quote = null;
      render();
      announce(live, t("sayPaid", { amount, shop: paid.receipt.merchant.name }));
      $("wallet-receipt").focus();
      loadAccount();
    } catch (err) {
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

    const q = state.quote;
    $("wallet-quote").hidden = !q;
    if (q) {
      const m = q.merchant;
      $("wallet-merchant").textContent = [m.name, m.city].filter(Boolean).join(", ");
      $("wallet-amount").textContent = yen(amountOf(q.amount));
      $("wallet-order").textContent = q.merchantPaymentId || "—";
      $("wallet-status").textContent = t(`status_${q.status}`);
      $("wallet-expiry").textContent = dateTime(q.expiryDate, i18n.lang) || "—";
      const pay = $("wallet-pay");
      if (!state.paying) pay.disabled = !q.payable || !state.key;
      $("wallet-not-payable").hidden = Boolean(q.payable);
      $("wallet-not-payable").textContent = t("notPayable", { status: t(`status_${q.status}`) });
    }

    const r = state.receipt;
    $("wallet-receipt").hidden = !r;
    if (r) {
      const rc = r.receipt;
      $("wallet-receipt-merchant").textContent = [rc.merchant.name, rc.merchant.city].filter(Boolean).join(", ");
      $("wallet-receipt-amount").textContent = yen(amountOf(rc.amount));
      $("wallet-receipt-order").textContent = rc.merchantPaymentId;
      $("wallet-receipt-time").textContent = dateTime(rc.paidAt, i18n.lang);
      $("wallet-receipt-fee").textContent = rc.fee == null ? "—" : yen(amountOf(rc.fee));
      $("wallet-tx").textContent = r.transactionHash;
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

  async function init() {
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
