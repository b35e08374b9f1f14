//! Pictures of a payload: PNG, SVG and terminal blocks, at error correction
//! level M (15% of the code may be damaged or covered).

use image::{ExtendedColorType, ImageEncoder, Luma};
use qrcode::render::{svg, unicode};
use qrcode::{EcLevel, QrCode, Version};
use thiserror::Error;

/// The error correction level of every code yenpay draws.
pub const EC_LEVEL: EcLevel = EcLevel::M;

/// Why a payload could not be drawn.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RenderError {
    /// The payload does not fit a QR code at level M.
    #[error("payload of {bytes} bytes does not fit a QR code at error correction M: {reason}")]
    TooLong {
        /// Bytes of the payload.
        bytes: usize,
        /// What the QR encoder said.
        reason: String,
    },
    /// The PNG encoder failed.
    #[error("PNG encoding failed: {0}")]
    Png(String),
}

/// The QR code of a payload at level M, in the smallest version that holds it.
pub fn qr_code(payload: &str) -> Result<QrCode, RenderError> {
    QrCode::with_error_correction_level(payload.as_bytes(), EC_LEVEL).map_err(|e| {
        RenderError::TooLong {
            bytes: payload.len(),
            reason: e.to_string(),
        }
    })
}

/// The QR version (1-40) the payload needs at level M.
pub fn version(payload: &str) -> Result<i16, RenderError> {
    Ok(match qr_code(payload)?.version() {
        Version::Normal(v) | Version::Micro(v) => v,
    })
}

/// A PNG, black on white, `module_px` pixels per module, with the quiet zone.
pub fn png(payload: &str, module_px: u32) -> Result<Vec<u8>, RenderError> {
    let image = qr_code(payload)?
        .render::<Luma<u8>>()
        .module_dimensions(module_px, module_px)
        .build();
    let mut out = Vec::new();
    image::codecs::png::PngEncoder::new(&mut out)
        .write_image(
            image.as_raw(),
            image.width(),
            image.height(),
            ExtendedColorType::L8,
        )
        .map_err(|e| RenderError::Png(e.to_string()))?;
    Ok(out)
}

/// An SVG document, black on white, at least 256 px wide.
pub fn svg(payload: &str) -> Result<String, RenderError> {
    Ok(qr_code(payload)?
        .render::<svg::Color<'_>>()
        .min_dimensions(256, 256)
        .dark_color(svg::Color("#000000"))
        .light_color(svg::Color("#ffffff"))
        .build())
}

/// Unicode half blocks, two modules per character cell, quiet zone
/// included. Light modules are drawn as blocks, so the code reads right on
/// a terminal with light text on a dark background (the common case).
pub fn terminal(payload: &str) -> Result<String, RenderError> {
    Ok(qr_code(payload)?
        .render::<unicode::Dense1x2>()
        .dark_color(unicode::Dense1x2::Light)
        .light_color(unicode::Dense1x2::Dark)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAYLOAD: &str = "00020101021229300012D156000000000510A93FO3230Q31280012D15600000001030812345678520441115802CN5914BEST TRANSPORT6007BEIJING64200002ZH0104最佳运输0202北京540523.7253031565502016233030412340603***0708A60086670902ME91320016A0112233449988770708123456786304A13A";

    /// Reads the QR code in a PNG back with an independent decoder.
    fn read_png(png: &[u8]) -> String {
        let image = image::load_from_memory(png).unwrap().to_luma8();
        let mut prepared = rqrr::PreparedImage::prepare(image);
        let grids = prepared.detect_grids();
        assert_eq!(grids.len(), 1);
        let (_, content) = grids[0].decode().unwrap();
        content
    }

    #[test]
    fn png_reads_back_as_the_payload() {
        let png = png(PAYLOAD, 4).unwrap();
        assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n");
        assert_eq!(read_png(&png), PAYLOAD);
    }

    #[test]
    fn base64_cpm_text_reads_back() {
        let text = "hQVDUFYwMWETTwegAAAAVVVVUAhQcm9kdWN0MWETTwegAAAAZmZmUAhQcm9kdWN0MmJJWggSNFZ4kBI0WF8gDkNBUkRIT0xERVIvRU1WXy0IcnVlc2RlZW5kIZ8QBwYBCgMAAACfJghYT9OF+iNLzJ82AgABnzcEbVjvEw==";
        assert_eq!(read_png(&png(text, 3).unwrap()), text);
    }

    #[test]
    fn svg_has_the_modules_of_the_code() {
        let svg = svg(PAYLOAD).unwrap();
        assert!(svg.starts_with("<?xml"), "{}", &svg[..40]);
        assert!(svg.contains("<svg") && svg.contains("#000000"));
        // A different payload gives a different drawing.
        assert_ne!(svg, super::svg("000201").unwrap());
    }

    #[test]
    fn terminal_blocks_cover_the_code_with_quiet_zone() {
        let code = qr_code(PAYLOAD).unwrap();
        let text = terminal(PAYLOAD).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        // Two modules per character vertically, 4-module quiet zone each side.
        let side = code.width() + 8;
        assert_eq!(lines.len(), side.div_ceil(2));
        assert!(lines.iter().all(|l| l.chars().count() == side));
        assert!(text.contains('▀') || text.contains('▄'));
    }

    #[test]
    fn versions_grow_with_the_payload_and_too_much_is_an_error() {
        assert_eq!(version("000201").unwrap(), 1);
        assert!(version(PAYLOAD).unwrap() > 1);
        let err = version(&"x".repeat(3000)).unwrap_err();
        assert!(
            matches!(err, RenderError::TooLong { bytes: 3000, .. }),
            "{err:?}"
        );
        assert!(png(&"x".repeat(3000), 1).is_err());
    }
}
