//! End-to-end tests of `yenpay qr` on the built binary.

mod qr_cli {
    use std::path::PathBuf;
    use std::process::{Command, Output};

    use serde_json::Value;
    use yenpay_qr::cpm::{self, TerminalContext};
    use yenpay_types::authorization::SignedAuthorization;

    /// EMVCo MPM specification example (see src/qr/mpm/tests.rs for its source).
    const SPEC_EXAMPLE: &str = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A";
    /// mercari/go-emv-code's JPQR test payload.
    const JPQR: &str = "0002016003xxx01021129300012D156000000000510A93FO3230Q31280012D1560000000103081234567826680019jp.or.paymentsjapan01130000000000001020400010306000001040600000153033925903xxx64180002JA0108メルペイ カフェ520441115802JP610710661436304DEE9";
    const MERCHANT: &str = "0x9f2c3a1be4d5f60718293a4b5c6d7e8f9a0b1c2d3e4f5061728394a5b6c7d8e9";

    fn yenpay(args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_yenpay"))
            .args(args)
            .output()
            .expect("the yenpay binary runs")
    }

    fn ok(args: &[&str]) -> String {
        let out = yenpay(args);
        assert!(
            out.status.success(),
            "{args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    fn json(args: &[&str]) -> Value {
        serde_json::from_str(&ok(args)).unwrap()
    }

    fn fails(args: &[&str]) -> String {
        let out = yenpay(args);
        assert!(!out.status.success(), "{args:?} should fail");
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        assert!(out.stdout.is_empty(), "nothing on stdout for {args:?}");
        String::from_utf8(out.stderr).unwrap()
    }

    fn temp(name: &str) -> PathBuf {
        std::env::temp_dir().join(format!("yenpay-qr-cli-{}-{name}", std::process::id()))
    }

    const BASE: [&str; 6] = [
        "--chain-id",
        "4",
        "--package",
        "0xcafe",
        "--merchant",
        MERCHANT,
    ];

    fn encode(kind: &str, extra: &[&str]) -> String {
        let mut args = vec!["qr", "encode", kind];
        args.extend(BASE);
        args.extend(extra);
        ok(&args).trim_end().to_owned()
    }

    #[test]
    fn dynamic_code_with_japanese_name_decodes_to_every_field() {
        let payload = encode(
            "dynamic",
            &[
                "--amount",
                "1280",
                "--order-ref",
                "INV-42",
                "--name",
                "YAMADA SHOTEN",
                "--city",
                "TOKYO",
                "--name-ja",
                "山田商店",
                "--city-ja",
                "東京",
                "--mcc",
                "5812",
            ],
        );
        let v = json(&["qr", "decode", &payload]);
        assert_eq!(v["kind"], "merchant_presented");
        assert_eq!(v["yenpay"]["request"]["kind"], "dynamic");
        assert_eq!(v["yenpay"]["request"]["amount"], 1280);
        assert_eq!(v["yenpay"]["request"]["order_ref"], "INV-42");
        assert_eq!(v["yenpay"]["merchant"], MERCHANT);
        assert_eq!(v["yenpay"]["chain_id"], 4);
        assert_eq!(v["fields"]["merchant_name"], "YAMADA SHOTEN");
        assert_eq!(v["fields"]["transaction_amount"], "1280");
        let objects = v["data_objects"].as_array().unwrap();
        let lang = objects.iter().find(|o| o["id"] == "64").unwrap();
        assert_eq!(lang["template"][1]["value"], "山田商店");
        assert_eq!(lang["template"][2]["value"], "東京");
        let ours = objects.iter().find(|o| o["id"] == "40").unwrap();
        assert_eq!(ours["template"][0]["value"], "jp.yenpay");
        assert_eq!(v["crc"], &payload[payload.len() - 4..]);
    }

    #[test]
    fn static_code_and_wallet_uri() {
        let payload = encode(
            "static",
            &[
                "--name",
                "CAFE",
                "--city",
                "OSAKA",
                "--reference",
                "TABLE 7",
            ],
        );
        let v = json(&["qr", "decode", &payload]);
        assert_eq!(v["yenpay"]["request"]["kind"], "static");
        assert_eq!(v["yenpay"]["request"]["reference"], "TABLE 7");
        assert_eq!(v["fields"]["transaction_amount"], Value::Null);

        let uri = encode(
            "dynamic",
            &[
                "--amount",
                "500",
                "--order-ref",
                &"R".repeat(64),
                "--format",
                "uri",
            ],
        );
        assert!(uri.starts_with("yenpay:0x9f2c"), "{uri}");
        let v = json(&["qr", "decode", &uri]);
        assert_eq!(v["kind"], "wallet_uri");
        assert_eq!(v["yenpay"]["request"]["order_ref"], "R".repeat(64));
    }

    #[test]
    fn yenpay_added_onto_a_jpqr_code() {
        let payload = encode("static", &["--onto", JPQR]);
        let v = json(&["qr", "decode", &payload]);
        assert_eq!(v["yenpay"]["request"]["kind"], "static");
        let ids: Vec<&str> = v["fields"]["merchant_accounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["26", "29", "31", "40"]);
        assert_eq!(v["fields"]["language"]["merchant_name"], "メルペイ カフェ");
    }

    #[test]
    fn others_payload_prints_unknown_and_nested_tags() {
        let v = json(&["qr", "decode", SPEC_EXAMPLE]);
        assert_eq!(v["crc"], "A13A");
        assert_eq!(v["yenpay"], Value::Null);
        assert!(v["yenpay_error"].as_str().unwrap().contains("jp.yenpay"));
        let objects = v["data_objects"].as_array().unwrap();
        let ids: Vec<&str> = objects.iter().map(|o| o["id"].as_str().unwrap()).collect();
        // Payload order, as written (64 before 54, 91 before 63).
        assert_eq!(
            ids,
            [
                "00", "01", "29", "31", "52", "58", "59", "60", "64", "54", "53", "55", "62", "91",
                "63"
            ]
        );
        let unreserved = &objects[13];
        assert_eq!(unreserved["name"], "Unreserved Template");
        assert_eq!(unreserved["template"][1]["id"], "07");
        assert_eq!(unreserved["template"][1]["value"], "12345678");
    }

    #[test]
    fn bad_crc_exits_non_zero_with_the_error_on_stderr() {
        let bad = format!("{}A13B", &SPEC_EXAMPLE[..SPEC_EXAMPLE.len() - 4]);
        let err = fails(&["qr", "decode", &bad]);
        assert!(err.contains("CRC A13B does not match"), "{err}");
        assert!(err.contains("A13A"), "{err}");
    }

    #[test]
    fn other_bad_input_exits_non_zero() {
        let err = fails(&["qr", "decode", "0002010102"]);
        assert!(err.contains("tag 01"), "{err}");
        let err = fails(&["qr", "decode", "not base64 at all"]);
        assert!(err.contains("base64"), "{err}");
        let err = fails(&["qr", "decode", "yenpay:0x1?chain=1"]);
        assert!(err.contains("package"), "{err}");
        let mut args = vec!["qr", "encode", "dynamic"];
        args.extend(BASE);
        let long = "R".repeat(30);
        args.extend([
            "--amount",
            "5",
            "--order-ref",
            &long,
            "--name",
            "A",
            "--city",
            "B",
        ]);
        let err = fails(&args);
        assert!(err.contains("62/01"), "{err}");
        let mut args = vec!["qr", "encode", "static"];
        args.extend(BASE);
        args.extend(["--amount", "5", "--name", "A", "--city", "B"]);
        assert!(fails(&args).contains("static"));
    }

    #[test]
    fn customer_presented_code_with_terminal_context() {
        let pk = [
            0xea, 0x4a, 0x6c, 0x63, 0xe2, 0x9c, 0x52, 0x0a, 0xbe, 0xf5, 0x50, 0x7b, 0x13, 0x2e,
            0xc5, 0xf9, 0x95, 0x47, 0x76, 0xae, 0xbe, 0xbe, 0x7b, 0x92, 0x42, 0x1e, 0xea, 0x69,
            0x14, 0x46, 0xd2, 0x2c,
        ];
        let context = TerminalContext {
            chain_id: 4,
            metadata: "0x72ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18"
                .parse()
                .unwrap(),
            merchant: "0xb0b".parse().unwrap(),
        };
        let authorization =
            cpm::authorization_to_sign(&context, &pk, None, 1234, 100, 200, 7).unwrap();
        let signed = SignedAuthorization {
            authorization,
            public_key: pk,
            signature: [0x11; 64],
        };
        let payload = cpm::encode(&signed).unwrap();
        let v = json(&["qr", "decode", &payload]);
        assert_eq!(v["kind"], "customer_presented");
        assert_eq!(v["fields"]["amount"], 1234);
        assert_eq!(v["authorization"], Value::Null);
        let v = json(&[
            "qr",
            "decode",
            &payload,
            "--chain-id",
            "4",
            "--metadata",
            "0x72ed35b5c014c8186a005222d54b58f42ed5345189be14142b7365eec0332a18",
            "--merchant",
            "0xb0b",
        ]);
        let a = &v["authorization"];
        assert_eq!(
            a["to"],
            "0x0000000000000000000000000000000000000000000000000000000000000b0b"
        );
        assert_eq!(
            a["from"],
            "0xcc405722b15c00a19d37e51d9a756de1e61b780ad0935f3363bc7fce64edbdad"
        );
        assert_eq!(a["nonce"], signed.authorization.nonce);
        assert_eq!(a["nonce"], 7);
        assert_eq!(a["valid_before"], 200);
    }

    #[test]
    fn render_png_svg_and_terminal() {
        let png = temp("code.png");
        let svg = temp("code.svg");
        let out = yenpay(&["qr", "render", SPEC_EXAMPLE, "--png", png.to_str().unwrap()]);
        assert!(out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("QR version"));
        let bytes = std::fs::read(&png).unwrap();
        let image = image::load_from_memory(&bytes).unwrap().to_luma8();
        let mut prepared = rqrr::PreparedImage::prepare(image);
        let grids = prepared.detect_grids();
        assert_eq!(grids[0].decode().unwrap().1, SPEC_EXAMPLE);

        ok(&["qr", "render", SPEC_EXAMPLE, "--svg", svg.to_str().unwrap()]);
        assert!(std::fs::read_to_string(&svg).unwrap().contains("<svg"));

        let blocks = ok(&["qr", "render", SPEC_EXAMPLE, "--terminal"]);
        assert!(blocks.contains('▀') || blocks.contains('▄'));
        assert!(blocks.lines().count() > 20);

        // Exactly one output is required.
        let out = yenpay(&["qr", "render", SPEC_EXAMPLE]);
        assert!(!out.status.success());
        // Too long for any QR code.
        let err = fails(&["qr", "render", &"x".repeat(3000), "--terminal"]);
        assert!(err.contains("does not fit"), "{err}");
        let _ = std::fs::remove_file(png);
        let _ = std::fs::remove_file(svg);
    }
}
