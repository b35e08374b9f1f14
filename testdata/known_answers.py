"""Recomputes testdata/known_answers.md independently of the Rust and Move code.

Needs Python 3.9+ and the `cryptography` package (its Ed25519, not ed25519-dalek's
or the Move VM's). Run: python3 testdata/known_answers.py
"""
import hashlib

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

PACKAGE = bytes.fromhex("cafe".rjust(64, "0"))
CHAIN_ID = 4
TO = bytes.fromhex("b0b".rjust(64, "0"))
AMOUNT = 1234
VALID_AFTER = 0
VALID_BEFORE = 2_000_000_000
NONCE = 0x2A2A  # u64: word 0x2a (42) of the holder's bitmap, bit 0x2a
MODULE = b"authorization"


def uleb128(n: int) -> bytes:
    out = bytearray()
    while True:
        byte = n & 0x7F
        n >>= 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def bcs_bytes(b: bytes) -> bytes:
    return uleb128(len(b)) + b


def u64(n: int) -> bytes:
    return n.to_bytes(8, "little")


def object_address(creator: bytes, seed: bytes) -> bytes:
    # object::create_object_address: sha3-256(creator || seed || 0xFE)
    return hashlib.sha3_256(creator + seed + b"\xfe").digest()


key = Ed25519PrivateKey.from_private_bytes(bytes([0x07] * 32))
public_key = key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
legacy = hashlib.sha3_256(public_key + b"\x00").digest()
single_key = hashlib.sha3_256(b"\x00\x20" + public_key + b"\x02").digest()
metadata = object_address(PACKAGE, b"YJPY")

print("public key", public_key.hex())
print("legacy auth key (from)", legacy.hex())
print("SingleKey auth key", single_key.hex())
print("metadata", metadata.hex())
print("nonce", NONCE, "word", NONCE >> 8, "bit", NONCE & 0xFF)

for struct in (b"TransferAuthorization", b"CollectionAuthorization"):
    # aptos_std::ed25519::SignedMessage<T> { type_info: TypeInfo, inner: T }
    type_info = PACKAGE + bcs_bytes(MODULE) + bcs_bytes(struct)
    inner = (
        bytes([CHAIN_ID])
        + metadata
        + legacy
        + TO
        + u64(AMOUNT)
        + u64(VALID_AFTER)
        + u64(VALID_BEFORE)
        + u64(NONCE)
    )
    message = type_info + inner
    print()
    print(struct.decode())
    print("message", message.hex())
    print("signature", key.sign(message).hex())

# authorization::InvoiceOffer: the terminal (the same key's legacy account)
# signs a dynamic QR code of merchant TO for order ORDER_REF, payable until
# VALID_BEFORE.
ORDER_REF = b"ORDER-0001"
type_info = PACKAGE + bcs_bytes(MODULE) + bcs_bytes(b"InvoiceOffer")
inner = (
    bytes([CHAIN_ID])
    + metadata
    + TO
    + legacy
    + bcs_bytes(ORDER_REF)
    + u64(AMOUNT)
    + u64(VALID_BEFORE)
)
message = type_info + inner
print()
print("InvoiceOffer")
print("message", message.hex())
print("signature", key.sign(message).hex())

# authorization::HoldOffer: the terminal signs a hold code of merchant TO for
# reference "HOLD-0001": 10000 yen, a tip of up to 1500, capturable before
# 2000003600, scannable until VALID_BEFORE.
type_info = PACKAGE + bcs_bytes(MODULE) + bcs_bytes(b"HoldOffer")
inner = (
    bytes([CHAIN_ID])
    + metadata
    + TO
    + legacy
    + bcs_bytes(b"HOLD-0001")
    + u64(10_000)
    + u64(1_500)
    + u64(2_000_003_600)
    + u64(VALID_BEFORE)
)
message = type_info + inner
print()
print("HoldOffer")
print("message", message.hex())
print("signature", key.sign(message).hex())

# authorization::ReviewHoldOffer: the same hold code, signed as a reviewed
# hold naming reviewer 0x4e71e3 (after the terminal), whom alone the chain lets
# capture it.
REVIEWER = bytes.fromhex("4e71e3".rjust(64, "0"))
type_info = PACKAGE + bcs_bytes(MODULE) + bcs_bytes(b"ReviewHoldOffer")
inner = (
    bytes([CHAIN_ID])
    + metadata
    + TO
    + legacy
    + REVIEWER
    + bcs_bytes(b"HOLD-0001")
    + u64(10_000)
    + u64(1_500)
    + u64(2_000_003_600)
    + u64(VALID_BEFORE)
)
message = type_info + inner
print()
print("ReviewHoldOffer")
print("message", message.hex())
print("signature", key.sign(message).hex())

# authorization::HoldAuthorization: the customer (the key's legacy account)
# signs a hold for merchant TO: 10000 yen and a tip of up to 1500, capturable
# before 2000003600, usable after 1700000000 and before VALID_BEFORE, nonce 42.
type_info = PACKAGE + bcs_bytes(MODULE) + bcs_bytes(b"HoldAuthorization")
inner = (
    bytes([CHAIN_ID])
    + metadata
    + legacy
    + TO
    + u64(10_000)
    + u64(1_500)
    + u64(2_000_003_600)
    + u64(1_700_000_000)
    + u64(VALID_BEFORE)
    + u64(42)
)
message = type_info + inner
print()
print("HoldAuthorization")
print("message", message.hex())
print("signature", key.sign(message).hex())

# authorization::CollectionRequest: the terminal (the same key's legacy
# account) asks to settle its order ORDER_REF of merchant TO, AMOUNT yen,
# before VALID_BEFORE, with customer 0xc1's code of nonce NONCE.
CUSTOMER = bytes.fromhex("c1".rjust(64, "0"))
type_info = PACKAGE + bcs_bytes(MODULE) + bcs_bytes(b"CollectionRequest")
inner = (
    bytes([CHAIN_ID])
    + metadata
    + TO
    + legacy
    + bcs_bytes(ORDER_REF)
    + u64(AMOUNT)
    + u64(VALID_BEFORE)
    + CUSTOMER
    + u64(NONCE)
)
message = type_info + inner
print()
print("CollectionRequest")
print("message", message.hex())
print("signature", key.sign(message).hex())

# authorization::TaxFreeOffer (issue 29): terminal 0x7e4 signs a tax-free code
# for merchant TO, order ORDER-0001, 11000 yen including 1000 yen of standard-
# rate tax and no reduced-rate tax, eligible, payable before VALID_BEFORE.
type_info = PACKAGE + bcs_bytes(MODULE) + bcs_bytes(b"TaxFreeOffer")
inner = (
    bytes([CHAIN_ID])
    + metadata
    + TO
    + bytes.fromhex("7e4".rjust(64, "0"))
    + bcs_bytes(b"ORDER-0001")
    + u64(11_000)
    + u64(VALID_BEFORE)
    + u64(1_000)
    + u64(0)
    + bytes([1])
)
message = type_info + inner
print()
print("TaxFreeOffer")
print("message", message.hex())
print("signature", key.sign(message).hex())

# authorization::ExportAttestation (issue 29): the refund agent attests that
# traveller 0x70 exported the goods of (TO, ORDER-0001).
type_info = PACKAGE + bcs_bytes(MODULE) + bcs_bytes(b"ExportAttestation")
inner = (
    bytes([CHAIN_ID])
    + metadata
    + TO
    + bcs_bytes(b"ORDER-0001")
    + bytes.fromhex("70".rjust(64, "0"))
)
message = type_info + inner
print()
print("ExportAttestation")
print("message", message.hex())
print("signature", key.sign(message).hex())
