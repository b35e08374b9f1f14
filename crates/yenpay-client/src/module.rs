//! The modules of the yenpay Move package, and the two tables every module
//! has on the Rust side: its abort constants (`abort_codes!`) and its
//! events (`module_events!`). Each module's tables are generated from its
//! Move source into `<module>/interface.rs`; [`crate::abort`] and
//! [`crate::events`] gather them, and nothing here depends on either.
use std::fmt;

/// The modules of the yenpay package that integrators call, read or see
/// abort. (`yenpay::role`, the two-step role both `controls` and
/// `merchant_registry` keep, has only `package` functions and never aborts.)
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Module {
    /// `yenpay::authorization`.
    Authorization,
    /// `yenpay::controls`.
    Controls,
    /// `yenpay::stablecoin`.
    Stablecoin,
    /// `yenpay::issuance`.
    Issuance,
    /// `yenpay::merchant_registry`.
    MerchantRegistry,
    /// `yenpay::fee_treasury`.
    FeeTreasury,
    /// `yenpay::invoice`.
    Invoice,
    /// `yenpay::hold`.
    Hold,
    /// `yenpay::fx`.
    Fx,
    /// `yenpay::tax_refund`.
    TaxRefund,
    /// `yenpay::upgrade`.
    Upgrade,
}

impl Module {
    /// Every module, in publishing order.
    pub const ALL: [Module; 11] = [
        Module::Authorization,
        Module::Controls,
        Module::Stablecoin,
        Module::Issuance,
        Module::MerchantRegistry,
        Module::FeeTreasury,
        Module::Invoice,
        Module::Hold,
        Module::Fx,
        Module::TaxRefund,
        Module::Upgrade,
    ];

    /// The Move module name.
    pub fn name(self) -> &'static str {
        match self {
            Module::Authorization => "authorization",
            Module::Controls => "controls",
            Module::Stablecoin => "stablecoin",
            Module::Issuance => "issuance",
            Module::MerchantRegistry => "merchant_registry",
            Module::FeeTreasury => "fee_treasury",
            Module::Invoice => "invoice",
            Module::Hold => "hold",
            Module::Fx => "fx",
            Module::TaxRefund => "tax_refund",
            Module::Upgrade => "upgrade",
        }
    }

    /// The module called `name`, if it is one of ours.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|module| module.name() == name)
    }
}

impl fmt::Display for Module {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Declares one module's abort constants as a Rust enum with its table.
macro_rules! abort_codes {
    (
        $(#[$meta:meta])*
        pub enum $Enum:ident in $module:expr => {
            $( #[doc = $doc:literal] $Variant:ident = $reason:literal, $name:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $Enum {
            $( #[doc = $doc] $Variant, )*
        }

        impl $Enum {
            /// Every constant of the module, in declaration order.
            pub const ALL: &'static [$Enum] = &[$($Enum::$Variant),*];

            /// The module that declares these constants.
            pub const MODULE: $crate::module::Module = $module;

            /// The constant's value: the reason part of the abort code.
            pub fn reason(self) -> u64 {
                match self { $( $Enum::$Variant => $reason, )* }
            }

            /// The Move constant name (`EPAUSED`).
            pub fn name(self) -> &'static str {
                match self { $( $Enum::$Variant => $name, )* }
            }

            /// The constant's doc comment in the Move source.
            pub fn doc(self) -> &'static str {
                match self { $( $Enum::$Variant => $doc.trim(), )* }
            }

            /// The constant whose value is `reason`.
            pub fn from_reason(reason: u64) -> Option<Self> {
                Self::ALL.iter().copied().find(|known| known.reason() == reason)
            }
        }

        impl std::fmt::Display for $Enum {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, "{}::{}: {}", Self::MODULE, self.name(), self.doc())
            }
        }
    };
}
pub(crate) use abort_codes;

/// Declares one module's event enum over its event structs, decoded by name.
macro_rules! module_events {
    (
        $(#[$meta:meta])*
        pub enum $Enum:ident { $( $Variant:ident ),* $(,)? }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq)]
        pub enum $Enum {
            $(
                #[doc = concat!("`", stringify!($Variant), "`")]
                $Variant($Variant),
            )*
        }

        impl $Enum {
            /// The Move struct names of the module's events.
            pub const NAMES: &'static [&'static str] = &[$(stringify!($Variant)),*];

            /// Decodes the fields `data` of the event struct `name`; `Ok(None)`
            /// when the module has no event of that name.
            ///
            /// # Errors
            /// When the fields do not match the struct.
            pub fn decode(
                name: &str,
                data: &serde_json::Value,
            ) -> Result<Option<Self>, serde_json::Error> {
                Ok(Some(match name {
                    $( stringify!($Variant) => Self::$Variant(
                        <$Variant as serde::Deserialize>::deserialize(data)?,
                    ), )*
                    _ => return Ok(None),
                }))
            }

            /// The Move struct name of this event.
            pub fn name(&self) -> &'static str {
                match self { $( Self::$Variant(_) => stringify!($Variant), )* }
            }
        }
    };
}
pub(crate) use module_events;
