#!/usr/bin/env python3
"""A PSP's first integration with the yenpay gateway, in Python 3's standard
library only (no pip installs): docs/integration.md walks through it.

It
  1. checks its request signing and webhook verification against the known
     answers of docs/gateway.md (offline);
  2. creates a dynamic code (POST /v2/codes) and reads it back
     (GET /v2/codes/payments/{merchantPaymentId}, the id percent-encoded);
  3. decodes the code's EMVCo payload and checks its CRC-16/CCITT-FALSE by hand;
  4. creates a webhook endpoint when given the operator's admin token (only
     the operator creates endpoints), then lists the merchant's endpoints;
  5. passes a sample delivery through the receiver function a webhook
     handler would use, and checks that a tampered or stale one is refused.

The last line of its output is a JSON summary of what it created.

Configuration (arguments override the environment):
  YENPAY_BASE_URL     --base-url     the gateway, e.g. http://127.0.0.1:8090
  YENPAY_KEY_ID       --key-id       the merchant's API key id (key_...)
  YENPAY_SECRET       --secret       its secret (ysk_...)
  YENPAY_ADMIN_TOKEN  --admin-token  optional: the operator's token, to create an endpoint
  YENPAY_ADMIN_URL    --admin-url    the admin API's own address (default http://127.0.0.1:8091)
  YENPAY_MERCHANT_ID  --merchant-id  with --admin-token: the merchant (mer_...)
  YENPAY_WEBHOOK_URL  --webhook-url  with --admin-token: where the endpoint receives events

Exit status 0 when every step passed, 1 otherwise.
"""

import argparse
import base64
import hashlib
import hmac
import json
import os
import secrets
import sys
import time
import urllib.error
import urllib.parse
import urllib.request


class Failure(Exception):
    """A step did not give what the docs promise."""


def check(condition, message):
    if not condition:
        raise Failure(message)


# --- Signing requests (docs/gateway.md, "Authentication") -------------------


def sign(key_id, secret, method, path_and_query, body, nonce, epoch):
    """The Authorization header of one request.

    path_and_query is exactly what goes on the request line: percent-escapes
    as sent, the query with its leading "?". The gateway signs what it
    received, not a decoded or normalised form.
    """
    key = hashlib.sha256(secret.encode("utf-8")).digest()
    body_hash = hashlib.sha256(body).hexdigest()  # lower-case hex
    text = f"{method}\n{path_and_query}\n{epoch}\n{nonce}\n{body_hash}"
    mac = base64.b64encode(hmac.new(key, text.encode("utf-8"), hashlib.sha256).digest()).decode()
    return f"hmac OPA-Auth:{key_id}:{mac}:{nonce}:{epoch}:{body_hash}"


class Gateway:
    """The merchant API, signed, and the operator's admin API."""

    def __init__(self, base_url, key_id, secret, admin_token=None, admin_url=None):
        self.base_url = base_url.rstrip("/")
        # The admin API listens on its own address (--admin-listen), never on the public one.
        self.admin_url = (admin_url or "http://127.0.0.1:8091").rstrip("/")
        self.key_id = key_id
        self.secret = secret
        self.admin_token = admin_token

    def _send(self, method, path_and_query, body, headers, base_url=None):
        request = urllib.request.Request(
            (base_url or self.base_url) + path_and_query, data=body if body else None, method=method
        )
        for name, value in headers.items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def merchant(self, method, path_and_query, payload=None, idempotency_key=None):
        body = b"" if payload is None else json.dumps(payload, separators=(",", ":")).encode()
        # 8-64 of [A-Za-z0-9_-], once per key; the epoch within 120 s of the gateway's clock.
        nonce = secrets.token_hex(16)
        headers = {
            "Authorization": sign(
                self.key_id, self.secret, method, path_and_query, body, nonce, int(time.time())
            ),
            "Content-Type": "application/json",
        }
        if idempotency_key:
            headers["Idempotency-Key"] = idempotency_key
        return self._send(method, path_and_query, body, headers)

    def admin(self, method, path, payload=None):
        body = b"" if payload is None else json.dumps(payload).encode()
        headers = {
            "Authorization": f"Bearer {self.admin_token}",
            "Content-Type": "application/json",
        }
        return self._send(method, path, body, headers, self.admin_url)


def data_of(status, answer, expected_status, step):
    code = (answer or {}).get("resultInfo", {}).get("code")
    check(
        status == expected_status and code == "SUCCESS",
        f"{step}: expected {expected_status} SUCCESS, got {status} {json.dumps(answer)}",
    )
    return answer["data"]


# --- EMVCo merchant-presented payloads (docs/qr.md) -------------------------


def crc16_ccitt_false(data):
    """CRC-16/CCITT-FALSE: polynomial 0x1021, initial value 0xFFFF, no
    reflection, no final XOR (EMVCo data object 63)."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
            crc &= 0xFFFF
    return crc


def tlv(text):
    """Data objects of an EMVCo payload: two-digit id, two-digit length in
    characters, value. Returns {id: value} in order."""
    objects = {}
    i = 0
    while i < len(text):
        check(i + 4 <= len(text), f"truncated data object at {i}")
        tag, length = text[i : i + 2], text[i + 2 : i + 4]
        check(tag.isdigit() and length.isdigit(), f"bad id or length at {i}: {text[i:i+4]!r}")
        end = i + 4 + int(length)
        check(end <= len(text), f"data object {tag} runs past the end")
        check(tag not in objects, f"data object {tag} twice")
        objects[tag] = text[i + 4 : end]
        i = end
    return objects


def decode_emvco(payload):
    """Checks the CRC (last object, 63, over every byte up to and including
    "6304") and returns the objects with yenpay's templates opened."""
    check(payload.startswith("000201"), "payload format indicator 01 must come first")
    check(payload[-8:-4] == "6304", "the CRC (63, length 04) must be the last object")
    expected = int(payload[-4:], 16)
    computed = crc16_ccitt_false(payload[:-4].encode("utf-8"))
    check(computed == expected, f"CRC mismatch: payload says {expected:04X}, computed {computed:04X}")
    objects = tlv(payload)
    yenpay = {"package": {}}
    for tag, value in objects.items():
        # yenpay's merchant account (26-51, normally 40) and its unreserved
        # templates (80-99, from 80), GUID jp.yenpay; the sub-tags of the
        # unreserved ones are numbered across them, each appears once.
        number = int(tag)
        if (26 <= number <= 51 or 80 <= number <= 99) and tlv(value).get("00") == "jp.yenpay":
            if number <= 51:
                yenpay["account"] = tlv(value)
            else:
                for sub, text in tlv(value).items():
                    check(sub == "00" or sub not in yenpay["package"], f"yenpay sub-tag {sub} twice")
                    yenpay["package"][sub] = text
    check("account" in yenpay and "01" in yenpay["package"], "no jp.yenpay templates")
    signed = yenpay["package"]
    if "04" in signed:
        # A code the terminal signed: expiry (02), public key (04) and the
        # signature's 24 + 40 bytes (05, 06) in base64url; the terminal (03)
        # only when it is not the key's legacy Ed25519 address.
        b64 = lambda text: base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        key = b64(signed["04"])
        signature = b64(signed["05"]) + b64(signed["06"])
        check(len(key) == 32 and len(signature) == 64, "a 32-byte key and a 64-byte signature")
        terminal = signed.get("03") or "0x" + hashlib.sha3_256(key + b"\x00").hexdigest()
        offer = {"expiresAt": int(signed["02"]), "terminal": terminal, "publicKey": key.hex(), "signature": signature.hex()}
    else:
        offer = None
    return {
        "crc": f"{expected:04X}",
        "pointOfInitiation": objects.get("01"),
        "currency": objects.get("53"),
        "amount": objects.get("54"),
        "country": objects.get("58"),
        "merchantName": objects.get("59"),
        "billNumber": tlv(objects["62"]).get("01") if "62" in objects else None,
        "chainId": int(yenpay["account"]["01"]),
        "merchantAddress": yenpay["account"]["02"],
        "package": yenpay["package"]["01"],
        "offer": offer,
    }


# --- Receiving webhooks (docs/gateway.md, "Webhooks") -----------------------


def verify_webhook(secret, signature_header, raw_body, now, tolerance_secs=300):
    """Yenpay-Signature: t=<unix>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>.
    Over the raw bytes as received (never re-serialised JSON), compared in
    constant time, refusing a t more than tolerance_secs from now."""
    t, macs = None, []
    for part in signature_header.split(","):
        name, _, value = part.partition("=")
        if name == "t" and value.lstrip("-").isdigit():
            t = int(value)
        elif name == "v1":
            macs.append(value)
    if t is None or abs(now - t) > tolerance_secs:
        return False
    expected = hmac.new(
        secret.encode("utf-8"), str(t).encode() + b"." + raw_body, hashlib.sha256
    ).hexdigest()
    return any(hmac.compare_digest(expected, mac.lower()) for mac in macs)


class Receiver:
    """What a webhook handler does with one POST: verify, de-duplicate on the
    event id (a delivery may arrive twice), then act. Answer 2xx only when
    the event is handled (or was already), so the gateway retries otherwise."""

    def __init__(self, secret):
        self.secret = secret
        self.seen = set()
        self.handled = []

    def handle(self, headers, raw_body, now):
        headers = {name.lower(): value for name, value in headers.items()}
        if not verify_webhook(self.secret, headers.get("yenpay-signature", ""), raw_body, now):
            return 400
        event = json.loads(raw_body)
        if headers.get("yenpay-event-id") != event["id"]:
            return 400
        if event["id"] not in self.seen:
            self.seen.add(event["id"])
            self.handled.append(event)  # a real handler updates its order here
        return 200


def known_answers():
    """docs/gateway.md's worked examples, which the gateway's own unit tests
    pin (auth::tests and webhook::tests): this code agrees with the gateway."""
    header = sign(
        "key_demo",
        "ysk_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
        "POST",
        "/v2/codes",
        b'{"merchantPaymentId":"INV-1","amount":{"amount":1500,"currency":"JPY"}}',
        "n0nce-0001",
        1796000000,
    )
    check(
        header
        == "hmac OPA-Auth:key_demo:TJHFPutIbc4cRGeaqE1e+e03os68wNQ0LKOuuCdiGfE=:n0nce-0001:1796000000:"
        "fbd443074428a5ac1ea497fb2b1e7ce14ccb5cade257a4f18172634f23d4595f",
        f"request signing differs from the docs' worked example: {header}",
    )
    body = b'{"id":"evt_4044_3","type":"PAYMENT_COMPLETED"}'
    signature = "t=1796000000,v1=135e4782f1991519c0fb5d3e43a43c347970a991d70b98fa1c9cd16626f78f03"
    check(verify_webhook("whsec_demo", signature, body, 1796000000), "the docs' webhook example does not verify")
    check(crc16_ccitt_false(b"123456789") == 0x29B1, "CRC-16/CCITT-FALSE check value")


# --- The walk-through --------------------------------------------------------


def main(argv):
    env = os.environ.get
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--base-url", default=env("YENPAY_BASE_URL", "http://127.0.0.1:8090"))
    parser.add_argument("--key-id", default=env("YENPAY_KEY_ID"))
    parser.add_argument("--secret", default=env("YENPAY_SECRET"))
    parser.add_argument("--admin-token", default=env("YENPAY_ADMIN_TOKEN"))
    parser.add_argument("--admin-url", default=env("YENPAY_ADMIN_URL", "http://127.0.0.1:8091"))
    parser.add_argument("--merchant-id", default=env("YENPAY_MERCHANT_ID"))
    parser.add_argument("--webhook-url", default=env("YENPAY_WEBHOOK_URL"))
    parser.add_argument("--amount", type=int, default=1500)
    args = parser.parse_args(argv)
    if not args.key_id or not args.secret:
        parser.error("the API key: --key-id and --secret, or YENPAY_KEY_ID and YENPAY_SECRET")

    known_answers()
    print("known answers of docs/gateway.md: ok")
    gateway = Gateway(args.base_url, args.key_id, args.secret, args.admin_token, args.admin_url)

    # A space, so the read-back path carries a percent-escape: it is signed as sent ("%20").
    order = f"PY {int(time.time())}-{secrets.token_hex(3)}"
    code = data_of(
        *gateway.merchant(
            "POST",
            "/v2/codes",
            {"merchantPaymentId": order, "amount": {"amount": args.amount, "currency": "JPY"}},
            idempotency_key=secrets.token_hex(16),  # a retry reuses it: one code, never two
        ),
        201,
        "POST /v2/codes",
    )
    check(code["merchantPaymentId"] == order, f"created {code['merchantPaymentId']!r}, not {order!r}")
    print(f"code {code['codeId']} for {order!r}: {code['status']}, expires {code['expiryDate']}")

    path = "/v2/codes/payments/" + urllib.parse.quote(order, safe="")
    payment = data_of(*gateway.merchant("GET", path), 200, f"GET {path}")
    check(payment["codeId"] == code["codeId"], "read back another code")
    check(payment["status"] == "CREATED", f"status {payment['status']}")
    check(payment["amount"] == {"amount": args.amount, "currency": "JPY"}, f"amount {payment['amount']}")
    print(f"read back {path}: {payment['status']}")

    qr = decode_emvco(code["qrPayload"])
    check(qr["pointOfInitiation"] == "12", "a dynamic code has point of initiation 12")
    check(qr["currency"] == "392" and qr["country"] == "JP", "yen, Japan")
    check(qr["amount"] == str(args.amount), f"amount in the code: {qr['amount']}")
    check(qr["billNumber"] == order, f"bill number in the code: {qr['billNumber']!r}")
    print(f"EMVCo payload: CRC {qr['crc']} ok, chain {qr['chainId']}, merchant {qr['merchantAddress']}")
    offer = qr["offer"]
    check(offer is not None, "the gateway's codes are signed by the terminal")
    check(offer["expiresAt"] == code["expiryDate"], f"expiry in the code: {offer['expiresAt']}")
    check(offer["terminal"] == code["terminalAddress"], f"terminal in the code: {offer['terminal']}")
    print(
        f"  a wallet pays it with {qr['package']}::invoice::pay_signed_invoice(merchant, {offer['terminal']}, "
        f"{order!r}, {args.amount}, {offer['expiresAt']}, <key>, <signature>)"
    )

    endpoint_id = None
    if args.admin_token:
        check(args.merchant_id and args.webhook_url, "--admin-token needs --merchant-id and --webhook-url")
        created = data_of(
            *gateway.admin(
                "POST", f"/admin/merchants/{args.merchant_id}/webhooks", {"url": args.webhook_url}
            ),
            201,
            "POST /admin/merchants/{merchantId}/webhooks",
        )
        endpoint_id, endpoint_secret = created["endpointId"], created["secret"]
        print(f"webhook endpoint {endpoint_id} -> {created['url']} (its secret is shown only now)")
    else:
        endpoint_secret = "whsec_" + secrets.token_hex(32)
    endpoints = data_of(*gateway.merchant("GET", "/v2/webhooks"), 200, "GET /v2/webhooks")
    for endpoint in endpoints:
        check("secret" not in endpoint, "the list must never show a secret")
    if endpoint_id:
        check(any(e["endpointId"] == endpoint_id for e in endpoints), f"{endpoint_id} not listed")
    print(f"webhook endpoints: {[e['endpointId'] for e in endpoints]}")

    # A sample delivery, signed as the gateway signs one (webhook::signature).
    now = int(time.time())
    event_id = "evt_5000_0"  # evt_<version>_<event index> of the chain event
    raw = json.dumps(
        {"id": event_id, "type": "PAYMENT_COMPLETED", "createdAt": now, "data": {"merchantPaymentId": order}},
        separators=(",", ":"),
    ).encode()
    mac = hmac.new(endpoint_secret.encode(), f"{now}.".encode() + raw, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": "application/json",
        "Yenpay-Signature": f"t={now},v1={mac}",
        "Yenpay-Event-Id": event_id,
        "Yenpay-Event-Type": "PAYMENT_COMPLETED",
    }
    receiver = Receiver(endpoint_secret)
    check(receiver.handle(headers, raw, now) == 200, "a genuine delivery was refused")
    check(receiver.handle(headers, raw, now) == 200, "a repeated delivery must still answer 2xx")
    check(len(receiver.handled) == 1, "a repeated delivery was handled twice")
    check(receiver.handle(headers, raw.replace(b"PY", b"XX"), now) == 400, "a tampered body was accepted")
    check(receiver.handle(headers, raw, now + 3600) == 400, "a stale signature was accepted")
    print("webhook receiver: genuine accepted once, repeat de-duplicated, tampered and stale refused")

    print(json.dumps({"merchantPaymentId": order, "codeId": code["codeId"], "endpointId": endpoint_id}))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv[1:]))
    except Failure as failure:
        print(f"FAILED: {failure}", file=sys.stderr)
        sys.exit(1)
    except (urllib.error.URLError, OSError) as error:
        print(f"FAILED: cannot reach the gateway: {error}", file=sys.stderr)
        sys.exit(1)
