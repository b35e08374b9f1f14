//! `yenpay::upgrade`: who controls the package's code.
//!
//! The package lives at a resource account: its authentication key is zero,
//! and `upgrade::init_module` took the account's `SignerCapability` at
//! publish. From then on only `upgrade_package(admin, metadata_serialized,
//! code)`, signed by the stablecoin's current admin, publishes new code there,
//! under the package's `compatible` upgrade policy; the admin role's two-step
//! transfer moves upgrade power with it.
//!
//! The calls, view, event and aborts are generated from the Move source
//! ([`Calls`], [`Upgrade`], [`PackageUpgraded`], [`UpgradeAbort`]). To upgrade
//! with a compiled package, with the size and gas checks of a publish, use
//! `yenpay_deploy::publish::publish_upgrade`.
use crate::client::YenPay;

mod calls;
pub(crate) mod interface;
pub use calls::*;
pub use interface::*;

impl YenPay {
    /// Calls of `yenpay::upgrade`.
    pub fn upgrade(&self) -> Upgrade<'_> {
        Upgrade::new(self)
    }
}
