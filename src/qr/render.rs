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
