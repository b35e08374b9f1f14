//! Hold code URI decoder: never panics; what it accepts re-encodes to a URI
//! of the same hold code.
#![no_main]

use libfuzzer_sys::fuzz_target;
use yenpay_qr::hold;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(code) = hold::decode(text) {
        let again = hold::encode(&code);
        assert_eq!(hold::decode(&again).expect("re-encoded URI decodes"), code);
    }
});
