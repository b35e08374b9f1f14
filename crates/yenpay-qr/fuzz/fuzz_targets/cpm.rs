//! Consumer-Presented Mode decoder: never panics on text or raw BER-TLV;
//! what it accepts re-encodes to a code with the same fields.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yenpay_qr::cpm::{CustomerPresented, TerminalContext};

fn check(code: CustomerPresented) {
    let text = code.encode().expect("an accepted code re-encodes");
    assert_eq!(
        CustomerPresented::decode(&text).expect("re-encoded code decodes"),
        code
    );
    let context = TerminalContext {
        chain_id: 4,
        metadata: "0xcafe".parse().expect("address"),
        merchant: "0xb0b".parse().expect("address"),
    };
    let signed = code.to_signed(&context).expect("accepted code completes");
    assert_eq!(signed.authorization.amount, code.amount);
}

fuzz_target!(|data: &[u8]| {
    if let Ok(code) = CustomerPresented::from_ber(data) {
        check(code);
    }
    if let Ok(text) = std::str::from_utf8(data)
        && let Ok(code) = CustomerPresented::decode(text)
    {
        check(code);
    }
});
