// Shared helpers for the yenpay pages (POS and wallet). Plain script, loaded
// with `defer` before the page script; everything hangs off `window.YP` so the
// pages need no module loader and stay CSP-clean (no inline code anywhere).
"use strict";

(() => {
  const $ = (id) => document.getElementById(id);

  // i18n: the pages' words live in data files, /assets/i18n/<lang>.json, one
  // per language with a "common" section and one per page; a page loads both
  // languages once (the toggle names the other language in its own words).
  // The HTML carries the default language's text so the page reads correctly
  // before (or without) them; `apply` rewrites every [data-i18n] element and
  // every attribute named in [data-i18n-attr="alt:key;title:key"].
  const LANGS = ["ja", "en"];
  let activeT = null; // the page's `t`, for api()'s own messages

  async function loadStrings(page) {
    const dict = {};
    await Promise.all(LANGS.map(async (lang) => {
      const url = `/assets/i18n/${lang}.json`;
      let res;
      try {
        res = await fetch(url, { credentials: "same-origin" });
      } catch {
        throw new ApiError("NETWORK_ERROR", url, 0);
      }
      if (!res.ok) throw new ApiError(`HTTP_${res.status}`, url, res.status);
      const strings = await res.json();
      dict[lang] = { ...strings.common, ...strings[page] };
    }));
    return dict;
  }

  // Resolves once the strings of `page` ("pos" or "wallet") are in.
  async function i18n(page, { storageKey, fallback, toggle, onChange }) {
    const dict = await loadStrings(page);
    let lang = fallback;
    try {
      const saved = localStorage.getItem(storageKey);
      if (saved && dict[saved]) lang = saved;
    } catch { /* storage disabled: stay on the default */ }

    const other = () => LANGS.find((l) => l !== lang);
    const t = (key, vars = {}) => {
      const text = dict[lang][key] ?? dict[fallback][key] ?? key;
      return text.replace(/\{(\w+)\}/g, (m, name) => (name in vars ? String(vars[name]) : m));
    };
    const apply = () => {
      document.documentElement.lang = lang;
      for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
      for (const el of document.querySelectorAll("[data-i18n-attr]")) {
        for (const pair of el.dataset.i18nAttr.split(";")) {
          const [attr, key] = pair.split(":").map((s) => s.trim());
          if (attr && key) el.setAttribute(attr, t(key));
        }
      }
      if (toggle) {
        // The toggle names the language it switches to, in that language
        // (the key quoted, so that the strings test sees it used).
        const next = other();
        toggle.textContent = dict[next]["langName"];
        toggle.lang = next;
      }
      onChange?.(lang);
    };
    const set = (next) => {
      lang = next;
      try { localStorage.setItem(storageKey, lang); } catch { /* not persisted, still switched */ }
      apply();
    };
    toggle?.addEventListener("click", () => set(other()));
    activeT = t;
    return { t, apply, set, get lang() { return lang; } };
  }

  class ApiError extends Error {
    constructor(code, message, status, retryAfter = null, data = null) {
      super(message);
      this.name = "ApiError";
      this.code = code;
      this.status = status;
      this.retryAfter = retryAfter; // seconds, from Retry-After (throttled logins)
      this.data = data; // the refusal's `data`, when it carries one (a review's hold code)
    }
  }

  // The message for a request that never reached the gateway, in the page's language.
  const netText = () => (activeT ? activeT("errNetwork") : "");

  let clockOffsetMs = 0;
  // Unix seconds on the gateway's clock, as last seen in an answer.
  const serverNow = () => Math.floor((Date.now() + clockOffsetMs) / 1000);

  // fetch wrapper: returns `data` of a SUCCESS envelope, throws ApiError otherwise.
  async function api(method, url, body, headers = {}) {
    const init = { method, credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json", ...headers } };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers["Content-Type"] = "application/json";
    }
    let res;
    try {
      res = await fetch(url, init);
    } catch {
      throw new ApiError("NETWORK_ERROR", netText(), 0);
    }
    // A till's clock may be minutes off; count down on the gateway's (the HTTP
    // Date header, to the second), which decides when a code expires.
    const served = Date.parse(res.headers.get("Date") || "");
    if (!Number.isNaN(served)) clockOffsetMs = served - Date.now();
    let json = null;
    try { json = await res.json(); } catch { /* not JSON: reported below */ }
    const info = json && json.resultInfo;
    if (!res.ok || !info || info.code !== "SUCCESS") {
      const retryAfter = Number.parseInt(res.headers.get("Retry-After") || "", 10);
      throw new ApiError(info?.code || `HTTP_${res.status}`, info?.message || res.statusText || "Unexpected response", res.status,
        Number.isNaN(retryAfter) ? null : retryAfter, json?.data ?? null);
    }
    return json.data;
  }

  // Errors go to the page's single role=alert element, code included so staff
  // can quote it to support.
  function showError(el, err) {
    const text = err instanceof ApiError ? `${err.message} (${err.code})` : String(err?.message ?? err);
    // Clearing first makes screen readers announce a repeated identical error.
    el.textContent = "";
    requestAnimationFrame(() => { el.textContent = text; });
  }
  const clearError = (el) => { el.textContent = ""; };

  // Polite announcements; same clear-then-set trick as showError.
  function announce(el, text) {
    el.textContent = "";
    setTimeout(() => { el.textContent = text; }, 30);
  }

  // Inline field errors: the message lives in `<id>-error`, tied to the input
  // through aria-describedby so it is read when the field gets focus.
  function setFieldError(input, message) {
    const msg = $(`${input.id}-error`);
    if (msg) msg.textContent = message;
    input.setAttribute("aria-invalid", "true");
    const ids = new Set((input.getAttribute("aria-describedby") || "").split(/\s+/).filter(Boolean));
    if (msg) ids.add(msg.id);
    input.setAttribute("aria-describedby", [...ids].join(" "));
  }
  function clearFieldError(input) {
    const msg = $(`${input.id}-error`);
    if (msg) msg.textContent = "";
    input.removeAttribute("aria-invalid");
  }

  // ja-JP renders the full-width ￥; the contract (and tests) use ¥ (U+00A5).
  const yenFmt = new Intl.NumberFormat("ja-JP", { style: "currency", currency: "JPY" });
  const yen = (n) => yenFmt.format(Number(n) || 0).replace("\uFFE5", "\u00A5");

  const toHex = (bytes) => Array.from(new Uint8Array(bytes), (b) => b.toString(16).padStart(2, "0")).join("");
  function fromHex(hex) {
    const h = String(hex).replace(/^0x/i, "");
    if (h.length % 2 || /[^0-9a-f]/i.test(h)) throw new Error("invalid hex");
    const out = new Uint8Array(h.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(h.substr(i * 2, 2), 16);
    return out;
  }

  // 0x1234…abcd: enough to recognise an address at a glance.
  const shortAddr = (a) => (a && a.length > 14 ? `${a.slice(0, 6)}…${a.slice(-4)}` : a || "");

  function dateTime(unixSeconds, lang) {
    if (!unixSeconds) return "";
    return new Date(unixSeconds * 1000).toLocaleString(lang === "ja" ? "ja-JP" : "en-GB", {
      year: "numeric", month: "2-digit", day: "2-digit", hour: "2-digit", minute: "2-digit",
    });
  }

  // Uniform random [A-Z0-9]: rejection sampling avoids modulo bias.
  function randomCode(n) {
    const abc = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let out = "";
    while (out.length < n) {
      for (const b of crypto.getRandomValues(new Uint8Array(n * 2))) {
        if (b < 252 && out.length < n) out += abc[b % 36];
      }
    }
    return out;
  }

  // Disables `button` while `work` runs, so a double tap cannot send it twice;
  // its label says what is happening, then comes back in the language chosen meanwhile.
  async function busy(button, t, key, work) {
    button.disabled = true;
    button.textContent = t(key);
    try {
      return await work();
    } finally {
      button.disabled = false;
      button.textContent = t(button.dataset.i18n);
    }
  }

  window.YP = { $, i18n, ApiError, api, busy, serverNow, showError, clearError, announce, setFieldError, clearFieldError, yen, toHex, fromHex, shortAddr, dateTime, randomCode };
})();
