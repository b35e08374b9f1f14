//! Merchant-Presented Mode decoder: never panics; what it accepts it writes
//! back byte for byte, and its canonical re-encoding decodes to the same
//! fields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yenpay_qr::mpm::{MerchantPresented, Payload};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(payload) = Payload::parse(text) else {
        return;
    };
    assert_eq!(payload.to_string(), text, "byte-for-byte re-encoding");
    let code = MerchantPresented::from_payload(&payload);
    let canonical = code.encode().expect("a valid code re-encodes");
    let back = MerchantPresented::decode(&canonical).expect("canonical payload decodes");
    assert_eq!(
        back.encode().expect("re-encodes"),
        canonical,
        "canonical is a fixed point"
    );
    let _ = code.yenpay();
    let _ = payload.describe();
});
