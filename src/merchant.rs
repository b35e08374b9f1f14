//! `yenpay::merchant_registry`: the operator's merchants, their terminals and
//! the fee treasury. Typed calls of every entry and view function, the
//! records the views return, and the module's events.
//!
//! [`Calls`] builds the entry-function payloads (no node needed);
//! [`MerchantRegistry`] submits them and calls the views.
use crate::abort::Module;
use crate::client::{Error, Submitted, TxSigner, YenPay, bcs_arg, entry_call};
use crate::events::json::{self, MoveOption, Number};
use crate::events::module_events;
use crate::fee::FeeSplit;
use crate::limits::{FeeBps, Mcc, MerchantName, require_amount};
use crate::stablecoin::named_object_address;
use aptos_sdk::transaction::EntryFunction;
use aptos_sdk::types::AccountAddress;
use serde::Deserialize;

/// Seed of the treasury object under the package address (`TREASURY_SEED`).
pub const TREASURY_SEED: &[u8] = b"YENPAY_TREASURY";

/// The fee treasury's address for the package at `package`, computed locally
/// (the `treasury_address` view gives the same on chain).
pub fn derive_treasury_address(package: AccountAddress) -> AccountAddress {
    named_object_address(package, TREASURY_SEED)
}

/// A merchant's status (`merchant_registry::MerchantStatus`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(tag = "__variant__", deny_unknown_fields)]
pub enum MerchantStatus {
    /// Takes payments.
    Active,
    /// Stopped by the operator, with the operator's own reason code.
    Suspended {
        /// The operator's reason code.
        reason: u8,
    },
    /// Closed for good.
    Closed,
}

/// A merchant record as the `merchant` view returns it (`MerchantInfo`).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerchantInfo {
    /// The owner account, which keys the record.
    pub owner: AccountAddress,
    /// Display name.
    pub name: String,
    /// Merchant category code (ISO 18245).
    pub mcc: String,
    /// Where net takings go.
    pub payout: AccountAddress,
    /// The operator's fee in basis points.
    #[serde(deserialize_with = "json::number")]
    pub fee_bps: u64,
    /// Status.
    pub status: MerchantStatus,
    /// Registration time, Unix seconds.
    #[serde(deserialize_with = "json::number")]
    pub registered_at: u64,
    /// Accounts that may create and collect invoices for the merchant.
    pub terminals: Vec<AccountAddress>,
}

/// Payloads of the entry functions of `yenpay::merchant_registry`, validated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Calls {
    package: AccountAddress,
}

impl Calls {
    /// Calls of the package at `package`.
    pub fn new(package: AccountAddress) -> Self {
        Self { package }
    }

    fn call(&self, function: &str, args: Vec<Vec<u8>>) -> Result<EntryFunction, Error> {
        entry_call(self.package, Module::MerchantRegistry, function, args)
    }

    /// `propose_operator(operator, new_operator)`.
    pub fn propose_operator(&self, new_operator: AccountAddress) -> Result<EntryFunction, Error> {
        self.call(
            "propose_operator",
            vec![bcs_arg("new_operator", &new_operator)?],
        )
    }

    /// `cancel_operator_proposal(operator)`.
    pub fn cancel_operator_proposal(&self) -> Result<EntryFunction, Error> {
        self.call("cancel_operator_proposal", Vec::new())
    }

    /// `accept_operator(new_operator)`.
    pub fn accept_operator(&self) -> Result<EntryFunction, Error> {
        self.call("accept_operator", Vec::new())
    }

    /// `register_merchant(operator, owner, name, mcc, payout, fee_bps)`.
    pub fn register_merchant(
        &self,
        owner: AccountAddress,
        name: &MerchantName,
        mcc: &Mcc,
        payout: AccountAddress,
        fee_bps: FeeBps,
    ) -> Result<EntryFunction, Error> {
        self.call(
            "register_merchant",
            vec![
                bcs_arg("owner", &owner)?,
                bcs_arg("name", name.as_str())?,
                bcs_arg("mcc", mcc.as_str())?,
                bcs_arg("payout", &payout)?,
                bcs_arg("fee_bps", &fee_bps.get())?,
            ],
        )
    }

    /// `suspend_merchant(operator, owner, reason)`.
    pub fn suspend_merchant(
        &self,
        owner: AccountAddress,
        reason: u8,
    ) -> Result<EntryFunction, Error> {
        self.call(
            "suspend_merchant",
            vec![bcs_arg("owner", &owner)?, bcs_arg("reason", &reason)?],
        )
    }

    /// `reactivate_merchant(operator, owner)`.
    pub fn reactivate_merchant(&self, owner: AccountAddress) -> Result<EntryFunction, Error> {
        self.call("reactivate_merchant", vec![bcs_arg("owner", &owner)?])
    }

    /// `close_merchant(operator, owner)`.
    pub fn close_merchant(&self, owner: AccountAddress) -> Result<EntryFunction, Error> {
        self.call("close_merchant", vec![bcs_arg("owner", &owner)?])
    }

    /// `set_fee_bps(operator, owner, fee_bps)`.
    pub fn set_fee_bps(
        &self,
        owner: AccountAddress,
        fee_bps: FeeBps,
    ) -> Result<EntryFunction, Error> {
        self.call(
            "set_fee_bps",
            vec![
                bcs_arg("owner", &owner)?,
                bcs_arg("fee_bps", &fee_bps.get())?,
            ],
        )
    }

    /// `sweep_treasury(operator, to, amount)`.
    pub fn sweep_treasury(&self, to: AccountAddress, amount: u64) -> Result<EntryFunction, Error> {
        require_amount("amount", amount)?;
        self.call(
            "sweep_treasury",
            vec![bcs_arg("to", &to)?, bcs_arg("amount", &amount)?],
        )
    }

    /// `set_payout_address(owner, payout)`.
    pub fn set_payout_address(&self, payout: AccountAddress) -> Result<EntryFunction, Error> {
        self.call("set_payout_address", vec![bcs_arg("payout", &payout)?])
    }

    /// `add_terminal(owner, terminal)`.
    pub fn add_terminal(&self, terminal: AccountAddress) -> Result<EntryFunction, Error> {
        self.call("add_terminal", vec![bcs_arg("terminal", &terminal)?])
    }

    /// `remove_terminal(owner, terminal)`.
    pub fn remove_terminal(&self, terminal: AccountAddress) -> Result<EntryFunction, Error> {
        self.call("remove_terminal", vec![bcs_arg("terminal", &terminal)?])
    }
}

/// `yenpay::merchant_registry` on a node: submits the entry functions and
/// calls the views.
#[derive(Debug, Clone, Copy)]
pub struct MerchantRegistry<'a> {
    client: &'a YenPay,
}

impl<'a> MerchantRegistry<'a> {
    /// The module of `client`'s package.
    pub fn new(client: &'a YenPay) -> Self {
        Self { client }
    }

    /// The payload builders.
    pub fn calls(&self) -> Calls {
        Calls::new(self.client.package())
    }

    async fn view<T: serde::de::DeserializeOwned>(
        &self,
        function: &str,
        args: Vec<Vec<u8>>,
    ) -> Result<T, Error> {
        self.client
            .view_as(Module::MerchantRegistry, function, args)
            .await
    }

    // Entry functions.

    /// Proposes `new_operator`; it takes over once it accepts.
    ///
    /// # Errors
    /// See [`YenPay::submit`].
    pub async fn propose_operator<S: TxSigner>(
        &self,
        operator: &S,
        new_operator: AccountAddress,
    ) -> Result<Submitted, Error> {
        let call = self.calls().propose_operator(new_operator)?;
        self.client.submit_entry(operator, call).await
    }

    /// Withdraws the pending operator proposal.
    ///
    /// # Errors
    /// See [`YenPay::submit`].
    pub async fn cancel_operator_proposal<S: TxSigner>(
        &self,
        operator: &S,
    ) -> Result<Submitted, Error> {
        let call = self.calls().cancel_operator_proposal()?;
        self.client.submit_entry(operator, call).await
    }

    /// The proposed operator takes the role.
    ///
    /// # Errors
    /// See [`YenPay::submit`].
    pub async fn accept_operator<S: TxSigner>(&self, new_operator: &S) -> Result<Submitted, Error> {
        let call = self.calls().accept_operator()?;
        self.client.submit_entry(new_operator, call).await
    }

    /// Registers a merchant after off-chain KYC.
    ///
    /// # Errors
    /// See [`YenPay::submit`].
    pub async fn register_merchant<S: TxSigner>(
        &self,
        operator: &S,
        owner: AccountAddress,
        name: &MerchantName,
        mcc: &Mcc,
        payout: AccountAddress,
        fee_bps: FeeBps,
    ) -> Result<Submitted, Error> {
        let call = self
            .calls()
            .register_merchant(owner, name, mcc, payout, fee_bps)?;
        self.client.submit_entry(operator, call).await
    }

    /// Suspends an active merchant with the operator's reason code.
    ///
    /// # Errors
    /// See [`YenPay::submit`].
    pub async fn suspend_merchant<S: TxSigner>(
        &self,
        operator: &S,
        owner: AccountAddress,
        reason: u8,
    ) -> Result<Submitted, Error> {
        let call = self.calls().suspend_merchant(owner, reason)?;
        self.client.submit_entry(operator, call).await
    }

    /// Lets a suspended merchant take payments again.
    ///
    /// # Errors
    /// See [`YenPay::submit`].
    pub async fn reactivate_merchant<S: TxSigner>(
        &self,
        operator: &S,
        owner: AccountAddress,
    ) -> Result<Submitted, Error> {
        let call = self.calls().reactivate_merchant(owner)?;
        self.client.submit_entry(operator, call).await
    }

    /// Closes a merchant for good.
    ///
    /// # Errors
    /// See [`YenPay::submit`].
    pub async fn close_merchant<S: TxSigner>(
        &self,
        operator: &S,
        owner: AccountAddress,
    ) -> Result<Submitted, Error> {
        let call = self.calls().close_merchant(owner)?;
        self.client.submit_entry(operator, call).await
    }

    /// Sets a merchant's fee for future payments.
    ///
    /// # Errors
    /// See [`YenPay::submit`].
    pub async fn set_fee_bps<S: TxSigner>(
        &self,
        operator: &S,
        owner: AccountAddress,
        fee_bps: FeeBps,
    ) -> Result<Submitted, Error> {
        let call = self.calls().set_fee_bps(owner, fee_bps)?;
        self.client.submit_entry(operator, call).await
    }

    /// Moves collected fees out of the treasury.
    ///
    /// # Errors
    /// [`Error::Validation`] for a zero amount; otherwise see [`YenPay::submit`].
    pub async fn sweep_treasury<S: TxSigner>(
        &self,
        operator: &S,
        to: AccountAddress,
        amount: u64,
    ) -> Result<Submitted, Error> {
        let call = self.calls().sweep_treasury(to, amount)?;
        self.client.submit_entry(operator, call).await
    }

    /// Changes where the signer's merchant is paid.
    ///
    /// # Errors
    /// See [`YenPay::submit`].
    pub async fn set_payout_address<S: TxSigner>(
        &self,
        owner: &S,
        payout: AccountAddress,
    ) -> Result<Submitted, Error> {
        let call = self.calls().set_payout_address(payout)?;
        self.client.submit_entry(owner, call).await
    }

    /// Lets `terminal` create and collect invoices for the signer's merchant.
    ///
    /// # Errors
    /// See [`YenPay::submit`].
    pub async fn add_terminal<S: TxSigner>(
        &self,
        owner: &S,
        terminal: AccountAddress,
    ) -> Result<Submitted, Error> {
        let call = self.calls().add_terminal(terminal)?;
        self.client.submit_entry(owner, call).await
    }

    /// Revokes one of the signer's terminals.
    ///
    /// # Errors
    /// See [`YenPay::submit`].
    pub async fn remove_terminal<S: TxSigner>(
        &self,
        owner: &S,
        terminal: AccountAddress,
    ) -> Result<Submitted, Error> {
        let call = self.calls().remove_terminal(terminal)?;
        self.client.submit_entry(owner, call).await
    }

    // Views.

    /// The whole record of the merchant owned by `owner`.
    ///
    /// # Errors
    /// [`Error::Aptos`] when the view aborts (no such merchant) or the node
    /// cannot be reached; [`Error::Response`] for a result of the wrong shape.
    pub async fn merchant(&self, owner: AccountAddress) -> Result<MerchantInfo, Error> {
        let (info,) = self
            .view("merchant", vec![bcs_arg("owner", &owner)?])
            .await?;
        Ok(info)
    }

    /// The merchant's status.
    ///
    /// # Errors
    /// As [`MerchantRegistry::merchant`].
    pub async fn merchant_status(&self, owner: AccountAddress) -> Result<MerchantStatus, Error> {
        let (status,) = self
            .view("merchant_status", vec![bcs_arg("owner", &owner)?])
            .await?;
        Ok(status)
    }

    /// Whether a merchant is registered for `owner` (closed ones stay registered).
    ///
    /// # Errors
    /// As [`MerchantRegistry::merchant`].
    pub async fn is_registered(&self, owner: AccountAddress) -> Result<bool, Error> {
        let (registered,) = self
            .view("is_registered", vec![bcs_arg("owner", &owner)?])
            .await?;
        Ok(registered)
    }

    /// Whether the merchant exists and may take payments.
    ///
    /// # Errors
    /// As [`MerchantRegistry::merchant`].
    pub async fn is_active(&self, owner: AccountAddress) -> Result<bool, Error> {
        let (active,) = self
            .view("is_active", vec![bcs_arg("owner", &owner)?])
            .await?;
        Ok(active)
    }

    /// The merchant's terminals.
    ///
    /// # Errors
    /// As [`MerchantRegistry::merchant`].
    pub async fn terminals(&self, owner: AccountAddress) -> Result<Vec<AccountAddress>, Error> {
        let (terminals,) = self
            .view("terminals", vec![bcs_arg("owner", &owner)?])
            .await?;
        Ok(terminals)
    }

    /// The owner of the merchant `terminal` belongs to, if any.
    ///
    /// # Errors
    /// As [`MerchantRegistry::merchant`].
    pub async fn merchant_of_terminal(
        &self,
        terminal: AccountAddress,
    ) -> Result<Option<AccountAddress>, Error> {
        let (owner,): (MoveOption<AccountAddress>,) = self
            .view(
                "merchant_of_terminal",
                vec![bcs_arg("terminal", &terminal)?],
            )
            .await?;
        Ok(owner.into_option())
    }

    /// The fee and net of a payment of `amount` to the merchant at its current fee.
    ///
    /// # Errors
    /// As [`MerchantRegistry::merchant`].
    pub async fn quote_fee(&self, owner: AccountAddress, amount: u64) -> Result<FeeSplit, Error> {
        let (Number(fee), Number(net)) = self
            .view(
                "quote_fee",
                vec![bcs_arg("owner", &owner)?, bcs_arg("amount", &amount)?],
            )
            .await?;
        Ok(FeeSplit { fee, net })
    }

    /// The operator.
    ///
    /// # Errors
    /// As [`MerchantRegistry::merchant`].
    pub async fn operator(&self) -> Result<AccountAddress, Error> {
        let (operator,) = self.view("operator", Vec::new()).await?;
        Ok(operator)
    }

    /// The proposed operator, if any.
    ///
    /// # Errors
    /// As [`MerchantRegistry::merchant`].
    pub async fn pending_operator(&self) -> Result<Option<AccountAddress>, Error> {
        let (pending,): (MoveOption<AccountAddress>,) =
            self.view("pending_operator", Vec::new()).await?;
        Ok(pending.into_option())
    }

    /// The fee treasury's address.
    ///
    /// # Errors
    /// As [`MerchantRegistry::merchant`].
    pub async fn treasury_address(&self) -> Result<AccountAddress, Error> {
        let (address,) = self.view("treasury_address", Vec::new()).await?;
        Ok(address)
    }

    /// Yen in the fee treasury.
    ///
    /// # Errors
    /// As [`MerchantRegistry::merchant`].
    pub async fn treasury_balance(&self) -> Result<u64, Error> {
        let (Number(balance),) = self.view("treasury_balance", Vec::new()).await?;
        Ok(balance)
    }

    /// The highest fee the contract accepts, in basis points.
    ///
    /// # Errors
    /// As [`MerchantRegistry::merchant`].
    pub async fn max_fee_bps(&self) -> Result<u64, Error> {
        let (Number(max),) = self.view("max_fee_bps", Vec::new()).await?;
        Ok(max)
    }

    /// The most terminals a merchant may have.
    ///
    /// # Errors
    /// As [`MerchantRegistry::merchant`].
    pub async fn max_terminals(&self) -> Result<u64, Error> {
        let (Number(max),) = self.view("max_terminals", Vec::new()).await?;
        Ok(max)
    }
}

// Events, one struct per `#[event]` struct of the module, fields in Move order.

/// An operator change was proposed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorProposed {
    /// The current operator.
    pub operator: AccountAddress,
    /// The proposed operator.
    pub proposed: AccountAddress,
}

/// The operator withdrew its proposal.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorProposalCancelled {
    /// The current operator.
    pub operator: AccountAddress,
    /// The withdrawn proposal.
    pub proposed: AccountAddress,
}

/// The proposed operator took over.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OperatorChanged {
    /// The previous operator.
    pub old_operator: AccountAddress,
    /// The new operator.
    pub new_operator: AccountAddress,
}

/// A merchant was registered.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerchantRegistered {
    /// The owner account.
    pub owner: AccountAddress,
    /// Display name.
    pub name: String,
    /// Merchant category code.
    pub mcc: String,
    /// Payout address.
    pub payout: AccountAddress,
    /// Fee in basis points.
    #[serde(deserialize_with = "json::number")]
    pub fee_bps: u64,
}

/// A merchant was suspended.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerchantSuspended {
    /// The owner account.
    pub owner: AccountAddress,
    /// The operator's reason code.
    pub reason: u8,
}

/// A suspended merchant was reactivated.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerchantReactivated {
    /// The owner account.
    pub owner: AccountAddress,
}

/// A merchant was closed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MerchantClosed {
    /// The owner account.
    pub owner: AccountAddress,
}

/// A merchant's fee changed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FeeChanged {
    /// The owner account.
    pub owner: AccountAddress,
    /// The previous fee.
    #[serde(deserialize_with = "json::number")]
    pub old_fee_bps: u64,
    /// The new fee.
    #[serde(deserialize_with = "json::number")]
    pub new_fee_bps: u64,
}

/// A merchant's payout address changed.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayoutAddressChanged {
    /// The owner account.
    pub owner: AccountAddress,
    /// The previous payout address.
    pub old_payout: AccountAddress,
    /// The new payout address.
    pub new_payout: AccountAddress,
}

/// A terminal was added.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerminalAdded {
    /// The merchant's owner.
    pub owner: AccountAddress,
    /// The terminal account.
    pub terminal: AccountAddress,
}

/// A terminal was removed (also when its merchant closed).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TerminalRemoved {
    /// The merchant's owner.
    pub owner: AccountAddress,
    /// The terminal account.
    pub terminal: AccountAddress,
}

/// Fees were swept out of the treasury.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TreasurySwept {
    /// Where they went.
    pub to: AccountAddress,
    /// Yen swept.
    #[serde(deserialize_with = "json::number")]
    pub amount: u64,
}

module_events! {
    /// An event of `yenpay::merchant_registry`.
    pub enum MerchantEvent {
        OperatorProposed,
        OperatorProposalCancelled,
        OperatorChanged,
        MerchantRegistered,
        MerchantSuspended,
        MerchantReactivated,
        MerchantClosed,
        FeeChanged,
        PayoutAddressChanged,
        TerminalAdded,
        TerminalRemoved,
        TreasurySwept,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::client::decode_view;
    use crate::events::{TxEvent, YenpayEvent, decode_event};
    use aptos_sdk::transaction::{InputEntryFunctionData, TransactionPayload};

    fn package() -> AccountAddress {
        AccountAddress::from_hex("0xcafe").unwrap()
    }

    fn address(hex: &str) -> AccountAddress {
        AccountAddress::from_hex(hex).unwrap()
    }

    /// BCS written out by hand: strings are a ULEB128 length and UTF-8 bytes.
    #[test]
    fn register_merchant_payload_matches_hand_written_bcs() {
        let call = Calls::new(package())
            .register_merchant(
                address("0x0a"),
                &MerchantName::new("ラーメン").unwrap(),
                &Mcc::new("5812").unwrap(),
                address("0x0b"),
                FeeBps::new(300).unwrap(),
            )
            .unwrap();
        let payload = aptos_bcs::to_bytes(&TransactionPayload::EntryFunction(call)).unwrap();

        let mut expected = vec![2u8];
        expected.extend([0u8; 30]);
        expected.extend([0xca, 0xfe]);
        expected.push(17);
        expected.extend(b"merchant_registry");
        expected.push(17);
        expected.extend(b"register_merchant");
        expected.push(0);
        expected.push(5);
        let mut owner = vec![32u8];
        owner.extend([0u8; 31]);
        owner.push(0x0a);
        expected.extend(&owner);
        let name = "ラーメン".as_bytes(); // 12 bytes of UTF-8
        expected.push(13); // the argument: 1 length byte + 12
        expected.push(12);
        expected.extend(name);
        expected.extend([5, 4]);
        expected.extend(b"5812");
        let mut payout = vec![32u8];
        payout.extend([0u8; 31]);
        payout.push(0x0b);
        expected.extend(&payout);
        expected.push(8);
        expected.extend(300u64.to_le_bytes());
        assert_eq!(payload, expected);
    }

    #[test]
    fn every_entry_payload_matches_the_sdk_encoding() {
        let calls = Calls::new(package());
        let (a, b) = (address("0xa11ce"), address("0xb0b"));
        let id = |name: &str| format!("{}::merchant_registry::{name}", package().to_hex());
        let sdk = |name: &str| InputEntryFunctionData::new(&id(name));
        let name = MerchantName::new("Café 東京").unwrap();
        let mcc = Mcc::new("5814").unwrap();
        let cases: Vec<(EntryFunction, TransactionPayload)> = vec![
            (
                calls.propose_operator(a).unwrap(),
                sdk("propose_operator").arg(a).build().unwrap(),
            ),
            (
                calls.cancel_operator_proposal().unwrap(),
                sdk("cancel_operator_proposal").build().unwrap(),
            ),
            (
                calls.accept_operator().unwrap(),
                sdk("accept_operator").build().unwrap(),
            ),
            (
                calls
                    .register_merchant(a, &name, &mcc, b, FeeBps::new(1000).unwrap())
                    .unwrap(),
                sdk("register_merchant")
                    .arg(a)
                    .arg("Café 東京".to_owned())
                    .arg("5814".to_owned())
                    .arg(b)
                    .arg(1000u64)
                    .build()
                    .unwrap(),
            ),
            (
                calls.suspend_merchant(a, 3).unwrap(),
                sdk("suspend_merchant").arg(a).arg(3u8).build().unwrap(),
            ),
            (
                calls.reactivate_merchant(a).unwrap(),
                sdk("reactivate_merchant").arg(a).build().unwrap(),
            ),
            (
                calls.close_merchant(a).unwrap(),
                sdk("close_merchant").arg(a).build().unwrap(),
            ),
            (
                calls.set_fee_bps(a, FeeBps::ZERO).unwrap(),
                sdk("set_fee_bps").arg(a).arg(0u64).build().unwrap(),
            ),
            (
                calls.sweep_treasury(b, 500).unwrap(),
                sdk("sweep_treasury").arg(b).arg(500u64).build().unwrap(),
            ),
            (
                calls.set_payout_address(b).unwrap(),
                sdk("set_payout_address").arg(b).build().unwrap(),
            ),
            (
                calls.add_terminal(b).unwrap(),
                sdk("add_terminal").arg(b).build().unwrap(),
            ),
            (
                calls.remove_terminal(b).unwrap(),
                sdk("remove_terminal").arg(b).build().unwrap(),
            ),
        ];
        for (ours, theirs) in cases {
            let name = ours.function.clone();
            assert_eq!(TransactionPayload::EntryFunction(ours), theirs, "{name}");
        }
    }

    #[test]
    fn sweeping_nothing_is_refused() {
        match Calls::new(package()).sweep_treasury(address("0xb0b"), 0) {
            Err(Error::Validation(error)) => assert_eq!(error.field, "amount"),
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn merchant_view_decodes_from_node_json() {
        let values = vec![serde_json::json!({
            "owner": "0xa",
            "name": "ラーメン一番",
            "mcc": "5812",
            "payout": "0xb",
            "fee_bps": "250",
            "status": {"__variant__": "Suspended", "reason": 2},
            "registered_at": "1795621488",
            "terminals": ["0xc", "0xd"]
        })];
        let (info,): (MerchantInfo,) =
            decode_view(Module::MerchantRegistry, "merchant", values).unwrap();
        assert_eq!(info.owner, address("0xa"));
        assert_eq!(info.fee_bps, 250);
        assert_eq!(info.status, MerchantStatus::Suspended { reason: 2 });
        assert_eq!(info.terminals, vec![address("0xc"), address("0xd")]);
        assert_eq!(info.registered_at, 1_795_621_488);

        let (Number(fee), Number(net)): (Number<u64>, Number<u64>) = decode_view(
            Module::MerchantRegistry,
            "quote_fee",
            vec![serde_json::json!("25"), serde_json::json!("975")],
        )
        .unwrap();
        assert_eq!((fee, net), (25, 975));
        // A view that returns fewer values than expected is an error, not a panic.
        let short: Result<(Number<u64>, Number<u64>), _> = decode_view(
            Module::MerchantRegistry,
            "quote_fee",
            vec![serde_json::json!("25")],
        );
        assert!(matches!(short, Err(Error::Response { .. })));
    }

    #[test]
    fn events_decode_from_node_json() {
        let event = serde_json::json!({
            "type": "0xcafe::merchant_registry::MerchantRegistered",
            "data": {
                "owner": "0xa",
                "name": "ラーメン一番",
                "mcc": "5812",
                "payout": "0xb",
                "fee_bps": "250"
            }
        });
        let TxEvent::Yenpay(YenpayEvent::MerchantRegistry(MerchantEvent::MerchantRegistered(
            registered,
        ))) = decode_event(package(), &event).unwrap()
        else {
            panic!("wrong event");
        };
        assert_eq!(registered.name, "ラーメン一番");
        assert_eq!(registered.fee_bps, 250);

        let suspended = serde_json::json!({
            "type": "0xcafe::merchant_registry::MerchantSuspended",
            "data": {"owner": "0xa", "reason": 7}
        });
        assert_eq!(
            decode_event(package(), &suspended).unwrap(),
            TxEvent::Yenpay(YenpayEvent::MerchantRegistry(
                MerchantEvent::MerchantSuspended(MerchantSuspended {
                    owner: address("0xa"),
                    reason: 7
                })
            ))
        );
    }
}
