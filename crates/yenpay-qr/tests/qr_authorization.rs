//! A customer-presented QR payment from the wallet's signature to the
//! terminal's check, through the real signing code of `authorization`.

mod qr_authorization {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use ed25519_dalek::SigningKey as Ed25519PrivateKey;
    use yenpay_qr::cpm::{self, TerminalContext};
    use yenpay_types::Address as AccountAddress;
    use yenpay_types::authorization::NonceCounter;
    use yenpay_types::objects::metadata_address as derive_metadata_address;

    fn package() -> AccountAddress {
        "0xcafe".parse().unwrap()
    }

    fn context() -> TerminalContext {
        TerminalContext {
            chain_id: 4,
            metadata: derive_metadata_address(package()),
            merchant: "0xb0b".parse().unwrap(),
        }
    }

    /// Wallet side: take the next nonce, sign, encode.
    fn wallet_code(key: &Ed25519PrivateKey, from: Option<AccountAddress>) -> String {
        let mut nonces = NonceCounter::starting_at(300);
        let authorization = cpm::authorization_to_sign(
            &context(),
            &key.verifying_key().to_bytes(),
            from,
            1_280,
            1_780_000_000,
            1_780_000_300,
            nonces.take().unwrap(),
        )
        .unwrap();
        let signed = authorization.sign(package(), key).unwrap();
        cpm::encode(&signed).unwrap()
    }

    #[test]
    fn signed_in_the_wallet_verified_at_the_terminal() {
        let key = Ed25519PrivateKey::from_bytes(&[7u8; 32]);
        let text = wallet_code(&key, None);
        assert!(text.len() <= 213, "{}", text.len());
        let signed = cpm::decode(&text, &context()).unwrap();
        signed
            .verify(package())
            .expect("the rebuilt authorization verifies");
        signed
            .check(package(), 4, 1_780_000_100)
            .expect("domain, window, key and signature check out");
        assert_eq!(signed.authorization.from, signed.key_address());
        assert_eq!(signed.authorization.to, context().merchant);
        assert_eq!(signed.authorization.nonce, 300);
    }

    #[test]
    fn a_changed_nonce_breaks_the_signature() {
        let key = Ed25519PrivateKey::from_bytes(&[11u8; 32]);
        let mut data = STANDARD.decode(wallet_code(&key, None)).unwrap();
        // C8 02 01 2C is the nonce 300: make it 301.
        let at = data
            .windows(4)
            .position(|w| w == [0xC8, 0x02, 0x01, 0x2C])
            .unwrap();
        data[at + 3] = 0x2D;
        let signed = cpm::decode(&STANDARD.encode(&data), &context()).unwrap();
        assert_eq!(signed.authorization.nonce, 301);
        assert!(signed.verify(package()).is_err());
    }

    #[test]
    fn a_terminal_of_another_merchant_rebuilds_a_message_that_does_not_verify() {
        let key = Ed25519PrivateKey::from_bytes(&[8u8; 32]);
        let text = wallet_code(&key, None);
        let other = TerminalContext {
            merchant: "0xbad".parse().unwrap(),
            ..context()
        };
        let signed = cpm::decode(&text, &other).unwrap();
        assert!(signed.verify(package()).is_err());
    }

    #[test]
    fn a_changed_amount_breaks_the_signature() {
        let key = Ed25519PrivateKey::from_bytes(&[9u8; 32]);
        let mut data = STANDARD.decode(wallet_code(&key, None)).unwrap();
        // C3 02 05 00 is the amount 1280: make it 1281.
        let at = data
            .windows(4)
            .position(|w| w == [0xC3, 0x02, 0x05, 0x00])
            .unwrap();
        data[at + 3] = 0x01;
        let signed = cpm::decode(&STANDARD.encode(&data), &context()).unwrap();
        assert_eq!(signed.authorization.amount, 1_281);
        assert!(signed.verify(package()).is_err());
    }

    #[test]
    fn rotated_key_signature_verifies_with_the_carried_from() {
        let key = Ed25519PrivateKey::from_bytes(&[10u8; 32]);
        let account: AccountAddress = "0x1234".parse().unwrap();
        let signed = cpm::decode(&wallet_code(&key, Some(account)), &context()).unwrap();
        assert_eq!(signed.authorization.from, account);
        signed
            .verify(package())
            .expect("signature over the carried from");
    }
}
