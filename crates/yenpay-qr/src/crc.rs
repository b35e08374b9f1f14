//! CRC-16/CCITT-FALSE, the checksum of EMVCo Merchant-Presented Mode
//! (data object 63).
//!
//! EMVCo names it "ISO/IEC 13239, polynomial 0x1021, initial value 0xFFFF";
//! the `crc` crate's catalogue calls exactly that algorithm
//! `CRC_16_IBM_3740` (no reflection, no final XOR).

use crc::{CRC_16_IBM_3740, Crc};

/// The EMVCo checksum algorithm: poly 0x1021, init 0xFFFF, no reflection,
/// no final XOR.
pub const EMVCO_CRC: Crc<u16> = Crc::<u16>::new(&CRC_16_IBM_3740);

/// CRC-16/CCITT-FALSE of `data`.
pub fn checksum(data: &[u8]) -> u16 {
    EMVCO_CRC.checksum(data)
}

/// The checksum as EMVCo writes it: four upper-case hex digits.
pub fn checksum_hex(data: &[u8]) -> String {
    format!("{:04X}", checksum(data))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_answer_123456789() {
        // The catalogue check value of CRC-16/CCITT-FALSE (a.k.a. IBM-3740).
        assert_eq!(checksum(b"123456789"), 0x29B1);
        assert_eq!(checksum_hex(b"123456789"), "29B1");
    }

    #[test]
    fn empty_input_is_the_initial_value() {
        assert_eq!(checksum(b""), 0xFFFF);
    }

    #[test]
    fn hex_is_four_upper_case_digits_with_leading_zeros() {
        // Find an input whose CRC is below 0x1000 to see the zero padding.
        let input = (0u32..)
            .map(|n| n.to_string())
            .find(|s| checksum(s.as_bytes()) < 0x1000)
            .expect("some short decimal string has a small CRC");
        let hex = checksum_hex(input.as_bytes());
        assert_eq!(hex.len(), 4);
        assert!(hex.starts_with('0'), "{hex}");
        assert_eq!(
            u16::from_str_radix(&hex, 16).unwrap(),
            checksum(input.as_bytes())
        );
    }
}
