// Reading a QR code from the device's camera. The browser's own
// BarcodeDetector is used where it reads QR codes (Android Chrome, Safari);
// elsewhere (desktop Chrome on Linux or Windows, Firefox) the embedded jsQR
// (assets/vendor, npm jsqr 1.4.0, Apache-2.0), fetched on first use only.
// Frames never leave the browser.
"use strict";

(() => {
  const JSQR = "/assets/vendor/jsQR.js";
  // Frames are scaled down to this many pixels on their long side before
  // jsQR reads them: a till's code fills much of the view, and full HD frames
  // would keep a phone's CPU busy for nothing.
  const MAX_SIDE = 800;
  const INTERVAL_MS = 120;

  class ScannerLoadError extends Error {}

  function loadScript(src) {
    return new Promise((resolve, reject) => {
      const script = document.createElement("script");
      script.src = src;
      script.onload = resolve;
      script.onerror = () => reject(new ScannerLoadError(src));
      document.head.append(script);
    });
  }

  // A function reading one frame of `video`: the code's text, or "".
  async function reader() {
    if ("BarcodeDetector" in window) {
      try {
        if ((await BarcodeDetector.getSupportedFormats()).includes("qr_code")) {
          const detector = new BarcodeDetector({ formats: ["qr_code"] });
          return async (video) => (await detector.detect(video))[0]?.rawValue || "";
        }
      } catch {
        // An unusable detector: jsQR below.
      }
    }
    if (!window.jsQR) await loadScript(JSQR);
    const canvas = document.createElement("canvas");
    const ctx = canvas.getContext("2d", { willReadFrequently: true });
    const utf8 = new TextDecoder("utf-8", { fatal: false });
    return async (video) => {
      const { videoWidth: w, videoHeight: h } = video;
      if (!w || !h) return "";
      const scale = Math.min(1, MAX_SIDE / Math.max(w, h));
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      ctx.drawImage(video, 0, 0, canvas.width, canvas.height);
      const frame = ctx.getImageData(0, 0, canvas.width, canvas.height);
      const code = window.jsQR(frame.data, frame.width, frame.height, { inversionAttempts: "attemptBoth" });
      // The payload's bytes as UTF-8 (a shop name may be Japanese), not jsQR's own guess.
      return code ? utf8.decode(Uint8Array.from(code.binaryData)) : "";
    };
  }

  // Starts the camera facing `facing` ("environment": a phone's back camera;
  // "user": a till tablet's front one) into `video` and calls `onText` once,
  // with the first code read. Resolves to a stop function (safe to call
  // twice); rejects with the camera's error, whose name `errorKey` turns into
  // a dictionary key.
  async function start(video, facing, onText) {
    if (!navigator.mediaDevices?.getUserMedia) {
      const err = new Error("no getUserMedia");
      err.name = "NoMediaDevices";
      throw err;
    }
    const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: facing }, audio: false });
    let timer = 0;
    let running = true;
    const stop = () => {
      running = false;
      clearTimeout(timer);
      stream.getTracks().forEach((track) => track.stop());
      video.srcObject = null;
    };
    let read;
    try {
      read = await reader();
    } catch (err) {
      stop();
      throw err;
    }
    video.srcObject = stream;
    video.play().catch(() => {}); // muted inline video: autoplay is allowed; a refusal only delays frames
    const tick = async () => {
      if (!running) return;
      let text = "";
      try {
        text = await read(video);
      } catch {
        // A frame not ready yet: try the next one.
      }
      if (!running) return;
      if (text) {
        stop();
        onText(text);
      } else {
        timer = setTimeout(tick, INTERVAL_MS);
      }
    };
    tick();
    return stop;
  }

  // The dictionary key of the message for a failure of `start`.
  function errorKey(err) {
    if (err instanceof ScannerLoadError) return "errScanner";
    switch (err?.name) {
      case "NotAllowedError":
      case "SecurityError":
        return "errCameraDenied";
      case "NotFoundError":
      case "OverconstrainedError":
        return "errNoCamera";
      case "NotReadableError":
        return "errCameraBusy";
      case "NoMediaDevices":
        return "errCameraUnavailable";
      default:
        return "errCamera";
    }
  }

  // Wires a "scan" button to a modal dialog showing the camera: the button
  // starts it (busy while the camera starts), a code read closes it and goes
  // to `onText`; Stop or Esc turn the camera off and give focus back to the
  // button. A failure is shown in `errEl` as the page's own dictionary
  // words it (keys errCameraDenied, errNoCamera, errCameraBusy,
  // errCameraUnavailable, errCamera, errScanner; busy text scanStarting).
  function attach({ button, dialog, video, stopButton, facing, t, errEl, onText }) {
    let stop = null;
    const stopScanning = () => {
      stop?.();
      stop = null;
      if (dialog.open) dialog.close();
      button.focus();
    };
    button.addEventListener("click", async () => {
      YP.clearError(errEl);
      let done = false; // a code can be read before start() has resolved
      try {
        const stopper = await YP.busy(button, t, "scanStarting", () =>
          start(video, facing, (text) => {
            done = true;
            stop = null;
            if (dialog.open) dialog.close();
            onText(text);
          }),
        );
        if (!done) {
          stop = stopper;
          dialog.showModal();
        }
      } catch (err) {
        YP.showError(errEl, t(errorKey(err)));
        button.focus();
      }
    });
    stopButton.addEventListener("click", stopScanning);
    // Esc closes the dialog without Stop; after a code is read `stop` is
    // already null and focus is the page's to move.
    dialog.addEventListener("close", () => {
      if (stop) stopScanning();
    });
  }

  window.YP.camera = { attach };
})();
