/// Consumption-tax refunds at departure (issue 29, part 2): a tourist pays a tax-free code with the tax included, and
/// once customs has confirmed the export the tax is paid back, in yen, to the wallet that paid.
///
/// The purchase. A merchant's terminal signs an `authorization::TaxFreeOffer`: the code's terms (as an
/// `InvoiceOffer`) and the receipt's tax, the standard-rate (10%) and reduced-rate (8%) amounts, and whether the
/// purchase is eligible. `pay_tax_free_invoice` checks the code as `invoice::pay_signed_invoice` does and pays it the
/// same way (the invoice record, the fee split, `InvoicePaid`), and keeps the purchase here, keyed like the invoice by
/// (merchant, order reference): payer, time, amount and the signed breakdown. The breakdown is covered by the
/// terminal's signature, so a payer cannot enlarge it, and it is bounded by the rates (a price including 10% tax is
/// at least 11 times the tax, one including 8% at least 13.5 times), so not even a terminal can claim more tax than
/// the amount can carry.
///
/// The refund. The refund agent (a role, two steps, proposed by its holder or by the operator, as `fx`'s roles) signs
/// an `authorization::ExportAttestation` for the purchase and the traveller's wallet (chain and deployment in its
/// domain). Anyone may submit it (the traveller, or the agent's batch job with `claim_tax_refunds`); the tax goes to
/// the purchase's payer only, strictly before `paid_at + CLAIM_WINDOW_SECS` (90 days), once. It is paid from the
/// refund float: the primary store of an untransferable object under `@yenpay` (seed `FLOAT_SEED`) that the agent
/// funds with a plain transfer and only the agent withdraws. So the agent's money pays, as a Japanese tax-free shop's
/// refund agent fronts refunds and settles with the shop off chain, and a claim needs no signature of the merchant or
/// the agent's account on the transaction. The float is a concurrent-balance store where the chain allows: claims of
/// different purchases write only their own records, the payer's store and the float's aggregated balance, so many
/// claims run in parallel, and a batch pays many in one transaction. No counter is on the path.
///
/// Merchant refunds. The invoice's `refunded` total counts both: a purchase the merchant refunded in part gets
/// floor(tax * (amount - refunded) / amount); one refunded in full, or so far that this floors to zero, gets nothing
/// (`EFULLY_REFUNDED_BY_MERCHANT`). The tax refund is then added to the invoice's `refunded`
/// (`invoice::record_proportional_refund`), so the merchant's later refunds stop at what the traveller is still owed
/// (amount less the tax already returned): nobody gets money back twice.
///
/// Retention. A purchase record is one table item whose deposit the operator (who sponsors the payment) gets back
/// from `purge_purchases` (operator or the invoice module's housekeeper) once the claim window has passed. The invoice
/// record lives at least as long: a tax-free code is refused while the operator's refund window is shorter than the
/// claim window, and the invoice keeps the window it was paid under, so until the claim window closes the invoice
/// under the purchase's key is this purchase's payment (its order reference cannot be paid again while the record
/// exists), and a claim reads its refunds there.
///
/// In USDC at a quote. The refund is owed in yen; `claim_tax_refund_in_usdc` pays it in USDC instead: the same claim
/// (attestation, payer, window, once, the merchant's refunds), then the yen leaves the float into the FX desk's
/// inventory and the desk pays the traveller USDC at the desk's `authorization::TaxRefundQuote`, bound to the
/// purchase, the traveller, the yen and USDC amounts, the rate, an expiry at most 60 s ahead, chain and deployment
/// (`fx::pay_tax_refund_in_usdc` checks it as a payment's quote, under the desk's band, staleness and limits). The
/// quote is used once because the claim is.
module yenpay::tax_refund {
    use std::error;
    use std::features;
    use std::option;
    use std::signer;
    use std::string::String;
    use aptos_framework::event;
    use aptos_framework::fungible_asset::{Self, FungibleAsset};
    use aptos_framework::object::{Self, ExtendRef};
    use aptos_framework::primary_fungible_store;
    use aptos_framework::timestamp;
    use aptos_std::table::{Self, Table};
    use yenpay::authorization;
    use yenpay::controls;
    use yenpay::fx;
    use yenpay::invoice;
    use yenpay::merchant_registry;
    use yenpay::role::{Self, TwoStepRole};
    use yenpay::stablecoin;

    //
    // Errors
    //

    /// Not the refund agent (or the operator, to propose).
    const ENOT_REFUND_AGENT: u64 = 1;
    /// Not the proposed refund agent.
    const ENOT_PENDING_REFUND_AGENT: u64 = 2;
    // 3 is not used.
    /// No such tax-free purchase.
    const EPURCHASE_NOT_FOUND: u64 = 4;
    /// The order reference has a purchase record.
    const EPURCHASE_EXISTS: u64 = 5;
    /// The purchase is not tax-free.
    const ENOT_TAX_FREE: u64 = 6;
    /// The tax was refunded already.
    const EALREADY_REFUNDED: u64 = 7;
    /// The 90-day claim window has passed.
    const ECLAIM_WINDOW_CLOSED: u64 = 8;
    /// The wallet did not pay the purchase.
    const ENOT_PAYER: u64 = 9;
    /// The merchant's refunds leave no tax to refund.
    const EFULLY_REFUNDED_BY_MERCHANT: u64 = 10;
    // 11 is not used.
    /// More tax than 10% and 8% allow.
    const ETAX_EXCEEDS_RATES: u64 = 12;
    /// The refund window is shorter than the claim window.
    const EREFUND_WINDOW_TOO_SHORT: u64 = 13;
    // 14 is not used: a claim cannot find another payment under the purchase's key (see the module's Retention).
    /// The claim window is still open.
    const ECLAIM_WINDOW_OPEN: u64 = 15;
    /// The batch's vectors differ in length.
    const EBATCH_LENGTH_MISMATCH: u64 = 16;
    /// Not the operator nor the housekeeper.
    const ENOT_HOUSEKEEPER: u64 = 17;
    // 18 is not used.
    /// The float holds too little.
    const EINSUFFICIENT_FLOAT: u64 = 19;

    //
    // Constants
    //

    /// Seed of the refund float's object under `@yenpay`.
    const FLOAT_SEED: vector<u8> = b"YENPAY_TAX_REFUND_FLOAT";
    /// How long after the purchase its tax may be refunded: 90 days (Japan's tax-free rules from 1 November 2026).
    const CLAIM_WINDOW_SECS: u64 = 7_776_000;

    //
    // State
    //

    /// Key of a purchase: the merchant's owner account and its order reference, as the invoice's.
    struct PurchaseKey has copy, drop, store {
        merchant: address,
        order_ref: String,
    }

    /// A tax-free purchase: who paid, when, how much, and the signed tax breakdown (yen). `tax_refunded` and
    /// `refunded_at` are zero until the tax is refunded; plain fields, so the claim rewrites the item without growing
    /// it.
    struct Purchase has copy, drop, store {
        payer: address,
        paid_at: u64,
        amount: u64,
        standard_tax: u64,
        reduced_tax: u64,
        tax_free: bool,
        tax_refunded: u64,
        refunded_at: u64,
    }

    /// The purchases, at `@yenpay`; each is its own table item, so work on different purchases does not conflict.
    struct Purchases has key {
        purchases: Table<PurchaseKey, Purchase>,
    }

    /// The refund agent's role and the float's `ExtendRef`, at `@yenpay`: read by every claim, written only by role
    /// changes.
    struct TaxRefundConfig has key {
        refund_agent: TwoStepRole,
        float: ExtendRef,
    }

    //
    // Events
    //

    #[event]
    /// A tax-free code was paid: the purchase and its tax breakdown were recorded (`InvoicePaid` has the fee split).
    struct TaxFreePurchaseRecorded has drop, store {
        merchant: address,
        order_ref: String,
        payer: address,
        amount: u64,
        standard_tax: u64,
        reduced_tax: u64,
        tax_free: bool,
    }

    #[event]
    /// The tax of a purchase was paid back to `traveller` from the float: `amount` of `tax`, reduced in proportion to
    /// `merchant_refunded`, the merchant's refunds before.
    struct TaxRefunded has drop, store {
        merchant: address,
        order_ref: String,
        traveller: address,
        amount: u64,
        tax: u64,
        merchant_refunded: u64,
    }

    #[event]
    /// A purchase's record was deleted after its claim window (`purge_purchases`).
    struct PurchasePurged has drop, store {
        merchant: address,
        order_ref: String,
    }

    #[event]
    /// `proposed_by` (the holder or the operator) proposed `proposed` as refund agent; none withdraws a proposal.
    struct RefundAgentProposed has drop, store {
        holder: address,
        proposed: address,
        proposed_by: address,
    }

    #[event]
    /// The proposed refund agent accepted: attestations signed by the old one are refused from now on.
    struct RefundAgentChanged has drop, store {
        old: address,
        new: address,
    }

    #[event]
    /// The refund agent took `amount` of the float to `to`.
    struct FloatWithdrawn has drop, store {
        to: address,
        amount: u64,
    }

    /// Runs at publish (or at the upgrade that adds this module): the float object and its approved store, the role
    /// with the deployer, as the other roles are.
    fun init_module(publisher: &signer) {
        let constructor_ref = &object::create_named_object(publisher, FLOAT_SEED);
        object::set_untransferable(constructor_ref);
        let float_signer = &object::generate_signer(constructor_ref);
        move_to(publisher, TaxRefundConfig {
            refund_agent: role::new(@deployer),
            float: object::generate_extend_ref(constructor_ref),
        });
        move_to(publisher, Purchases { purchases: table::new() });
        let store = primary_fungible_store::ensure_primary_store_exists(
            signer::address_of(float_signer), stablecoin::metadata()
        );
        controls::approve_package_store(store.object_address());
        // Every claim withdraws here: an aggregator-backed balance keeps parallel claims from conflicting.
        if (features::concurrent_fungible_balance_enabled()) {
            fungible_asset::upgrade_store_to_concurrent(float_signer, store);
        };
    }

    //
    // Paying a tax-free code
    //

    /// Pays the tax-free code that `terminal` signed (`authorization::TaxFreeOffer`: the code's terms as
    /// `invoice::pay_signed_invoice` takes them, and the tax breakdown), from the payer's primary store, and records
    /// the purchase. Emits the invoice's `InvoiceCreated` and `InvoicePaid`, and `TaxFreePurchaseRecorded`.
    public entry fun pay_tax_free_invoice(
        payer: &signer,
        merchant: address,
        terminal: address,
        order_ref: String,
        amount: u64,
        expires_at: u64,
        standard_tax: u64,
        reduced_tax: u64,
        tax_free: bool,
        public_key: vector<u8>,
        signature: vector<u8>,
    ) acquires Purchases {
        assert!(invoice::refund_window() >= CLAIM_WINDOW_SECS, error::invalid_state(EREFUND_WINDOW_TOO_SHORT));
        assert_within_rates(amount, standard_tax, reduced_tax);
        let (payout, fee_bps) = invoice::check_signed_invoice_terms(merchant, terminal, order_ref, amount, expires_at);
        let key = PurchaseKey { merchant, order_ref };
        let purchases = &mut Purchases[@yenpay].purchases;
        assert!(!purchases.contains(key), error::already_exists(EPURCHASE_EXISTS));
        authorization::verify_tax_free_offer(
            stablecoin::metadata_address(), merchant, terminal, order_ref, amount, expires_at, standard_tax,
            reduced_tax, tax_free, public_key, signature,
        );
        let fa = primary_fungible_store::withdraw(payer, stablecoin::metadata(), amount);
        let payer = signer::address_of(payer);
        invoice::record_signed_payment(payer, merchant, terminal, order_ref, expires_at, fa, payout, fee_bps);
        purchases.add(key, Purchase {
            payer, paid_at: timestamp::now_seconds(), amount, standard_tax, reduced_tax, tax_free, tax_refunded: 0,
            refunded_at: 0,
        });
        event::emit(TaxFreePurchaseRecorded {
            merchant, order_ref, payer, amount, standard_tax, reduced_tax, tax_free
        });
    }

    //
    // Claiming the refund
    //

    /// Pays the tax of each purchase (`merchants[i]`, `order_refs[i]`) back to `travellers[i]`, on the refund agent's
    /// `ExportAttestation` (`signatures[i]`, made with the agent's current key `agent_public_key`). Anyone may submit
    /// it: the traveller (a batch of one) or the agent's job. The money goes only to each purchase's payer, which the
    /// traveller must be. All or nothing: one refused claim aborts the batch. Emits `TaxRefunded` for each.
    public entry fun claim_tax_refunds(
        _submitter: &signer,
        merchants: vector<address>,
        order_refs: vector<String>,
        travellers: vector<address>,
        agent_public_key: vector<u8>,
        signatures: vector<vector<u8>>,
    ) acquires Purchases, TaxRefundConfig {
        let n = merchants.length();
        assert!(
            order_refs.length() == n && travellers.length() == n && signatures.length() == n,
            error::invalid_argument(EBATCH_LENGTH_MISMATCH)
        );
        for (i in 0..n) {
            let (merchant, order_ref, traveller) = (merchants[i], order_refs[i], travellers[i]);
            let config = &TaxRefundConfig[@yenpay];
            let refund = claim_one(config, merchant, order_ref, traveller, agent_public_key, signatures[i]);
            primary_fungible_store::deposit(traveller, refund);
        };
    }

    /// Pays the tax of the purchase (`merchant`, `order_ref`) back to `traveller` in USDC, on the refund agent's
    /// `ExportAttestation` (`attestation`, made with the agent's current key `agent_public_key`) and the FX desk's
    /// `TaxRefundQuote` for this purchase, traveller and refund (`usdc_amount`, `rate`, `quote_expires_at`, signed
    /// with `quote_public_key`). The claim is checked and recorded as in `claim_tax_refunds` (the refund in yen, the
    /// purchase and the invoice); the yen goes from the float into the desk's inventory and the desk pays the
    /// traveller `usdc_amount` of USDC (`fx::pay_tax_refund_in_usdc`). Anyone may submit it. Emits `TaxRefunded` and
    /// `fx::TaxRefundPaidInUsdc`.
    public entry fun claim_tax_refund_in_usdc(
        _submitter: &signer,
        merchant: address,
        order_ref: String,
        traveller: address,
        agent_public_key: vector<u8>,
        attestation: vector<u8>,
        usdc_amount: u64,
        rate: u64,
        quote_expires_at: u64,
        quote_public_key: vector<u8>,
        quote_signature: vector<u8>,
    ) acquires Purchases, TaxRefundConfig {
        let config = &TaxRefundConfig[@yenpay];
        let refund = claim_one(config, merchant, order_ref, traveller, agent_public_key, attestation);
        fx::pay_tax_refund_in_usdc(
            traveller, merchant, order_ref, refund, usdc_amount, rate, quote_expires_at, quote_public_key,
            quote_signature,
        );
    }

    //
    // Retention
    //

    /// Deletes the records of the purchases named by `merchants[i]` and `order_refs[i]` whose claim window has passed,
    /// refunded or not, emitting `PurchasePurged` for each; the storage refund goes to the transaction's fee payer.
    /// Signed by the operator or the invoice module's housekeeper. All or nothing.
    public entry fun purge_purchases(
        keeper: &signer,
        merchants: vector<address>,
        order_refs: vector<String>,
    ) acquires Purchases {
        let keeper = signer::address_of(keeper);
        assert!(
            merchant_registry::is_operator(keeper) || invoice::housekeeper() == option::some(keeper),
            error::permission_denied(ENOT_HOUSEKEEPER)
        );
        merchant_registry::assert_not_denylisted(keeper);
        assert!(merchants.length() == order_refs.length(), error::invalid_argument(EBATCH_LENGTH_MISMATCH));
        let purchases = &mut Purchases[@yenpay].purchases;
        let now = timestamp::now_seconds();
        merchants.zip(order_refs, |merchant, order_ref| {
            let key = PurchaseKey { merchant, order_ref };
            assert!(purchases.contains(key), error::not_found(EPURCHASE_NOT_FOUND));
            let purchase = purchases.remove(key);
            assert!(now >= claim_deadline(&purchase), error::invalid_state(ECLAIM_WINDOW_OPEN));
            event::emit(PurchasePurged { merchant, order_ref });
        });
    }

    //
    // The refund agent
    //

    /// Moves `amount` of the float to `to`. Signed by the refund agent.
    public entry fun withdraw_float(agent: &signer, to: address, amount: u64) acquires TaxRefundConfig {
        let agent = signer::address_of(agent);
        let config = &TaxRefundConfig[@yenpay];
        assert!(config.refund_agent.is_holder(agent), error::permission_denied(ENOT_REFUND_AGENT));
        merchant_registry::assert_not_denylisted(agent);
        primary_fungible_store::deposit(to, take_from_float(config, amount));
        event::emit(FloatWithdrawn { to, amount });
    }

    /// Proposes `successor` as refund agent, replacing any earlier proposal (proposing the holder itself withdraws
    /// it in effect). Signed by the agent or the operator.
    public entry fun propose_refund_agent(actor: &signer, successor: address) acquires TaxRefundConfig {
        let actor = signer::address_of(actor);
        let role = &mut TaxRefundConfig[@yenpay].refund_agent;
        assert!(may_propose(role, actor), error::permission_denied(ENOT_REFUND_AGENT));
        role.propose(successor);
        event::emit(RefundAgentProposed { holder: role.holder(), proposed: successor, proposed_by: actor });
    }

    /// The proposed refund agent takes the role; attestations signed with the previous holder's key fail from now on.
    public entry fun accept_refund_agent(successor: &signer) acquires TaxRefundConfig {
        let new = signer::address_of(successor);
        merchant_registry::assert_not_denylisted(new);
        let previous = TaxRefundConfig[@yenpay].refund_agent.accept(new);
        assert!(previous.is_some(), error::permission_denied(ENOT_PENDING_REFUND_AGENT));
        event::emit(RefundAgentChanged { old: previous.destroy_some(), new });
    }

    //
    // Views
    //

    #[view]
    /// The record of a tax-free purchase.
    public fun purchase(merchant: address, order_ref: String): Purchase acquires Purchases {
        *borrow_purchase(merchant, order_ref)
    }

    #[view]
    /// The refund agent, whose current key signs export attestations.
    public fun refund_agent(): address acquires TaxRefundConfig {
        TaxRefundConfig[@yenpay].refund_agent.holder()
    }

    #[view]
    /// The refund float's object, whose primary yen store is the float (yenpay_types derives it from the seed too).
    public fun float_address(): address {
        object::create_object_address(&@yenpay, FLOAT_SEED)
    }

    #[view]
    /// The refund float's balance, in yen.
    public fun float_balance(): u64 {
        primary_fungible_store::balance(float_address(), stablecoin::metadata())
    }

    #[view]
    /// Whether the purchase's tax was refunded (its `refunded_at` is then the time).
    public fun is_refunded(merchant: address, order_ref: String): bool acquires Purchases {
        borrow_purchase(merchant, order_ref).refunded_at != 0
    }

    #[view]
    /// The first second at which the purchase's tax can no longer be claimed (its time of payment plus 90 days).
    public fun claim_deadline_of(merchant: address, order_ref: String): u64 acquires Purchases {
        claim_deadline(borrow_purchase(merchant, order_ref))
    }

    #[view]
    /// The yen a claim of the purchase's tax would pay now: the tax reduced in proportion to the merchant's refunds,
    /// or zero if the purchase is not tax-free, is refunded already, or its claim window has passed. What the desk
    /// quotes a refund in USDC for.
    public fun refundable_tax(merchant: address, order_ref: String): u64 acquires Purchases {
        let purchase = borrow_purchase(merchant, order_ref);
        if (!purchase.tax_free || purchase.refunded_at != 0) return 0;
        if (timestamp::now_seconds() >= claim_deadline(purchase)) return 0;
        invoice::proportional_refund_of(merchant, order_ref, purchase.standard_tax + purchase.reduced_tax)
    }

    //
    // Accessors, for the tests (integrators read the views; left out of the published bytecode, which is near the
    // chain's 64 KiB limit)
    //

    #[test_only]
    public fun payer(self: &Purchase): address { self.payer }
    #[test_only]
    public fun paid_at(self: &Purchase): u64 { self.paid_at }
    #[test_only]
    public fun amount(self: &Purchase): u64 { self.amount }
    #[test_only]
    public fun standard_tax(self: &Purchase): u64 { self.standard_tax }
    #[test_only]
    public fun reduced_tax(self: &Purchase): u64 { self.reduced_tax }
    #[test_only]
    public fun is_tax_free(self: &Purchase): bool { self.tax_free }
    #[test_only]
    public fun tax_refunded(self: &Purchase): u64 { self.tax_refunded }
    #[test_only]
    public fun refunded_at(self: &Purchase): u64 { self.refunded_at }

    //
    // Internals
    //

    /// The checks and the record of one claim; returns the refund, taken out of the float, for the caller to pay.
    /// Emits `TaxRefunded`.
    fun claim_one(
        config: &TaxRefundConfig,
        merchant: address,
        order_ref: String,
        traveller: address,
        agent_public_key: vector<u8>,
        signature: vector<u8>,
    ): FungibleAsset acquires Purchases {
        let key = PurchaseKey { merchant, order_ref };
        let purchases = &mut Purchases[@yenpay].purchases;
        assert!(purchases.contains(key), error::not_found(EPURCHASE_NOT_FOUND));
        let purchase = purchases.borrow_mut(key);
        assert!(purchase.tax_free, error::invalid_state(ENOT_TAX_FREE));
        assert!(purchase.refunded_at == 0, error::invalid_state(EALREADY_REFUNDED));
        let now = timestamp::now_seconds();
        assert!(now < claim_deadline(purchase), error::invalid_state(ECLAIM_WINDOW_CLOSED));
        assert!(traveller == purchase.payer, error::permission_denied(ENOT_PAYER));
        merchant_registry::assert_not_denylisted(traveller);
        authorization::verify_export_attestation(
            stablecoin::metadata_address(), merchant, order_ref, traveller, config.refund_agent.holder(),
            agent_public_key, signature,
        );
        let tax = purchase.standard_tax + purchase.reduced_tax;
        let (refund, merchant_refunded) = invoice::record_proportional_refund(merchant, order_ref, tax);
        assert!(refund > 0, error::invalid_state(EFULLY_REFUNDED_BY_MERCHANT));
        purchase.tax_refunded = refund;
        purchase.refunded_at = now;
        event::emit(TaxRefunded { merchant, order_ref, traveller, amount: refund, tax, merchant_refunded });
        take_from_float(config, refund)
    }

    /// Aborts unless the breakdown fits the amount at the rates: a price including 10% tax is at least 11 times the
    /// tax, one including 8% at least 13.5 times, so 11 * standard + 13.5 * reduced <= amount (doubled, in u128).
    fun assert_within_rates(amount: u64, standard_tax: u64, reduced_tax: u64) {
        assert!(
            22 * (standard_tax as u128) + 27 * (reduced_tax as u128) <= 2 * (amount as u128),
            error::invalid_argument(ETAX_EXCEEDS_RATES)
        );
    }

    /// The first second at which the purchase's tax can no longer be claimed.
    fun claim_deadline(purchase: &Purchase): u64 {
        purchase.paid_at + CLAIM_WINDOW_SECS
    }

    inline fun borrow_purchase(merchant: address, order_ref: String): &Purchase {
        let purchases = &Purchases[@yenpay].purchases;
        let key = PurchaseKey { merchant, order_ref };
        assert!(purchases.contains(key), error::not_found(EPURCHASE_NOT_FOUND));
        purchases.borrow(key)
    }

    /// The holder of `role` or the operator, not denylisted.
    fun may_propose(role: &TwoStepRole, actor: address): bool {
        (role.is_holder(actor) || merchant_registry::is_operator(actor)) && !controls::is_restricted(actor)
    }

    /// Takes `amount` out of the float through the dispatchable path, so pause, denylist and cap hold (and again on
    /// the deposit the caller makes).
    fun take_from_float(config: &TaxRefundConfig, amount: u64): FungibleAsset {
        let float = float_address();
        let yen = stablecoin::metadata();
        assert!(
            primary_fungible_store::is_balance_at_least(float, yen, amount), error::invalid_state(EINSUFFICIENT_FLOAT)
        );
        primary_fungible_store::withdraw(&config.float.generate_signer_for_extending(), yen, amount)
    }

    //
    // Tests
    //


    #[test_only]
    public fun purchase_exists_for_test(merchant: address, order_ref: String): bool acquires Purchases {
        Purchases[@yenpay].purchases.contains(PurchaseKey { merchant, order_ref })
    }

    #[test_only]
    /// Runs `init_module` in the package's tests.
    public fun init_for_test(publisher: &signer) {
        init_module(publisher);
    }

    #[test_only]
    public fun tax_free_purchase_recorded_for_test(
        merchant: address, order_ref: String, payer: address, amount: u64, standard_tax: u64, reduced_tax: u64,
        tax_free: bool
    ): TaxFreePurchaseRecorded {
        TaxFreePurchaseRecorded { merchant, order_ref, payer, amount, standard_tax, reduced_tax, tax_free }
    }

    #[test_only]
    public fun tax_refunded_for_test(
        merchant: address, order_ref: String, traveller: address, amount: u64, tax: u64, merchant_refunded: u64
    ): TaxRefunded {
        TaxRefunded { merchant, order_ref, traveller, amount, tax, merchant_refunded }
    }

    #[test_only]
    public fun purchase_purged_for_test(merchant: address, order_ref: String): PurchasePurged {
        PurchasePurged { merchant, order_ref }
    }

    #[test_only]
    public fun refund_agent_changed_for_test(old: address, new: address): RefundAgentChanged {
        RefundAgentChanged { old, new }
    }

    #[test_only]
    public fun float_withdrawn_for_test(to: address, amount: u64): FloatWithdrawn {
        FloatWithdrawn { to, amount }
    }
}
