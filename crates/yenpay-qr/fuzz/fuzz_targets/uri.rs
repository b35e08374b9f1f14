//! Wallet URI decoder: never panics; what it accepts re-encodes to a URI of
//! the same payment.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yenpay_qr::uri;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(payment) = uri::decode(text) {
        let again = uri::encode(&payment).expect("an accepted payment re-encodes");
        assert_eq!(
            uri::decode(&again).expect("re-encoded URI decodes"),
            payment
        );
    }
});
