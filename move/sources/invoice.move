/// Settlement of QR-code payments in the yen stablecoin.
///
/// A merchant (its owner or one of its terminals) creates an invoice for a bill: the merchant's own order
/// reference, unique per merchant for as long as the record exists, an amount and a short expiry (dynamic QR codes
/// live minutes). A customer
/// settles it in one transaction: the merchant's fee goes to the operator's treasury and the rest to the merchant's
/// payout address. Three ways to pay:
/// - `pay_signed_invoice`: the customer scans a code that the merchant's terminal signed off chain (an
///   `authorization::InvoiceOffer`: merchant, terminal, order reference, amount, expiry, chain and asset) and pays it
///   in one transaction, which writes the invoice record as paid (merchant-presented, dynamic QR, no transaction by
///   the terminal); `cancel_signed_invoice` writes a cancelled record instead, before anyone pays;
/// - `pay_invoice`: the customer pays an invoice that the merchant created on chain with `create_invoice` (the
///   two-transaction dynamic QR this package started with, kept while the gateway still uses it);
/// - `pay_merchant`: the customer types an amount for a merchant's static code; nothing is stored;
/// - `collect_with_authorization`: a terminal scans the customer's code, an `authorization::CollectionAuthorization`
///   the customer signed off chain for this merchant and amount (customer-presented QR); the customer needs no gas.
///   Only this function accepts that message, and only the merchant or its terminals may call it.
/// The payout account can refund a paid invoice, in full or in parts, within the refund window; the fee on the
/// refunded part comes back from the treasury (`yenpay::fee_treasury`).
///
/// Retention: an invoice record is a storage slot whose deposit is refunded to whoever deletes it. The operator sets a
/// refund window (`set_refund_window`, default `DEFAULT_REFUND_WINDOW_SECS`), copied into each invoice when it is
/// created, so changing it never shortens the window of an existing invoice. The operator, or the housekeeping account
/// it names (`set_housekeeper`), then deletes closed records in batches (`purge_invoices`): an unpaid invoice (open or
/// cancelled) once it has expired, a paid one once its refund window has passed and it has expired (so a signed code
/// that is still valid cannot be paid a second time after its record is gone). The storage refund goes to the fee
/// payer of the purging transaction, which is why purging is not open to anyone: the deposits were the operator's (it
/// sponsors the terminals' invoices and the customers' signed-invoice payments), and a stranger could otherwise race
/// its housekeeping for them. An order
/// reference is free again only after its record is purged, so it is never reused while the invoice could still be
/// paid or refunded.
///
/// The asset moves only through the framework's dispatchable paths (`primary_fungible_store::withdraw` and
/// `deposit`), so the stablecoin's pause, denylist and per-transfer cap hold here too. A payment withdraws once from
/// the payer and deposits twice (fee, net); it writes only its own invoice, never a counter or other shared slot,
/// so under Block-STM payments to different merchants do not conflict.
module yenpay::invoice {
    use std::error;
    use std::option::{Self, Option};
    use std::signer;
    use std::string::String;
    use aptos_framework::event;
    use aptos_framework::fungible_asset::{Self, FungibleAsset};
    use aptos_framework::primary_fungible_store;
    use aptos_framework::timestamp;
    use aptos_std::table::{Self, Table};
    use yenpay::authorization;
    use yenpay::controls;
    use yenpay::fee_treasury;
    use yenpay::merchant_registry;
    use yenpay::stablecoin;

    //
    // Errors
    //

    /// The order reference is empty or longer than `MAX_ORDER_REF_BYTES`.
    const EINVALID_ORDER_REF: u64 = 1;
    /// The static payment reference is longer than `MAX_REFERENCE_BYTES`.
    const EINVALID_REFERENCE: u64 = 2;
    /// The amount is zero.
    const EZERO_AMOUNT: u64 = 3;
    /// The time to live is outside `MIN_TTL_SECS..=MAX_TTL_SECS`.
    const EINVALID_TTL: u64 = 4;
    /// The merchant already has an invoice with this order reference.
    const EINVOICE_EXISTS: u64 = 5;
    /// No invoice with this merchant and order reference.
    const EINVOICE_NOT_FOUND: u64 = 6;
    /// The invoice is already paid.
    const EINVOICE_ALREADY_PAID: u64 = 7;
    /// The invoice is cancelled.
    const EINVOICE_CANCELLED: u64 = 8;
    /// The invoice has expired.
    const EINVOICE_EXPIRED: u64 = 9;
    /// The amount is not the invoice's amount.
    const EAMOUNT_MISMATCH: u64 = 10;
    /// The invoice is not paid, so there is nothing to refund.
    const EINVOICE_NOT_PAID: u64 = 11;
    /// The refunds would exceed the paid amount.
    const EREFUND_EXCEEDS_PAID: u64 = 12;
    /// The signer is not the merchant's payout account.
    const ENOT_PAYOUT_ACCOUNT: u64 = 13;
    /// The amount is above the stablecoin's per-transfer cap, so it could never be paid.
    const EAMOUNT_OVER_CAP: u64 = 14;
    /// The refund window of this invoice has passed: it can no longer be refunded on chain.
    const EREFUND_WINDOW_CLOSED: u64 = 15;
    /// An unpaid invoice (open or cancelled) cannot be purged before it expires.
    const EINVOICE_NOT_EXPIRED: u64 = 16;
    /// A paid invoice cannot be purged while its refund window is open.
    const EREFUND_WINDOW_OPEN: u64 = 17;
    /// The batch names a different number of merchants and order references.
    const EBATCH_LENGTH_MISMATCH: u64 = 18;
    /// The signer is not the operator (`merchant_registry::operator`).
    const ENOT_OPERATOR: u64 = 19;
    /// The refund window is outside `MIN_REFUND_WINDOW_SECS..=MAX_REFUND_WINDOW_SECS`.
    const EINVALID_REFUND_WINDOW: u64 = 20;
    /// The signer is neither the operator nor the housekeeping account the operator named.
    const ENOT_HOUSEKEEPER: u64 = 21;
    /// No housekeeping account is named.
    const ENO_HOUSEKEEPER: u64 = 22;
    /// The signed invoice's expiry is more than `MAX_TTL_SECS` from now: such a code could be kept unpaid and its
    /// record purged before it expires. Also refused for a cancellation.
    const EEXPIRY_TOO_FAR: u64 = 23;

    //
    // Constants
    //

    /// Longest order reference, in bytes.
    const MAX_ORDER_REF_BYTES: u64 = 64;
    /// Longest static payment reference, in bytes.
    const MAX_REFERENCE_BYTES: u64 = 64;
    /// Shortest invoice lifetime: long enough to scan and confirm.
    const MIN_TTL_SECS: u64 = 30;
    /// Longest invoice lifetime: one day.
    const MAX_TTL_SECS: u64 = 86400;
    /// Refund window at publish: 180 days, longer than the 120-day dispute window card schemes give, which merchants
    /// moving from cards plan their refunds around. A record kept that long costs nothing in the end: its deposit is
    /// refunded when it is purged.
    const DEFAULT_REFUND_WINDOW_SECS: u64 = 15_552_000;
    /// Shortest refund window the operator may set: ten seconds, only so that a test network can exercise the purge
    /// without waiting; a production operator sets days.
    const MIN_REFUND_WINDOW_SECS: u64 = 10;
    /// Longest refund window the operator may set: 366 days, a year of accounts.
    const MAX_REFUND_WINDOW_SECS: u64 = 31_622_400;

    //
    // State
    //

    /// Where an invoice stands, with the payment's details once paid, as the `invoice_status` view and
    /// `Invoice::status` return it. Built from the stored record on demand; not stored itself (see `InvoiceState`).
    /// Refunds are tracked beside it, in the invoice.
    enum InvoiceStatus has copy, drop, store {
        Open,
        Paid { payer: address, paid_at: u64, fee: u64 },
        Cancelled,
    }

    /// The stored state of an invoice. Field-less, so that the record keeps the same size in every state: the
    /// payment's details are plain fields of `Invoice`, zero until it is paid, and marking an invoice paid
    /// rewrites its table item without growing it (no storage fee on the pay path).
    enum InvoiceState has copy, drop, store {
        Open,
        Paid,
        Cancelled,
    }

    /// Key of an invoice: the merchant's owner account and its order reference.
    struct InvoiceKey has copy, drop, store {
        merchant: address,
        order_ref: String,
    }

    /// An invoice. `payer`, `paid_at` and `fee` are the payment's details, zero until `state` is `Paid` (and zero if
    /// it is cancelled); they are fields rather than data of the `Paid` state so that the record has the same size
    /// whatever its state. `refunded` and `fee_refunded` are the totals returned to the payer so far, and the part
    /// of it that came from the treasury. `refund_window_secs` is the operator's refund window when the invoice was
    /// created: a paid invoice can be refunded strictly before `paid_at + refund_window_secs` and purged from then on.
    struct Invoice has copy, drop, store {
        merchant: address,
        order_ref: String,
        amount: u64,
        created_by: address,
        created_at: u64,
        expires_at: u64,
        refund_window_secs: u64,
        state: InvoiceState,
        payer: address,
        paid_at: u64,
        fee: u64,
        refunded: u64,
        fee_refunded: u64,
    }

    /// All invoices, at `@yenpay`, and the refund window new invoices get. Each invoice is its own table item, so work
    /// on different invoices does not conflict; only `set_refund_window` writes this resource.
    struct Invoices has key {
        invoices: Table<InvoiceKey, Invoice>,
        refund_window_secs: u64,
    }

    /// The account besides the operator that may purge closed invoices (a scheduled job's key, so the operator's own
    /// key stays offline), at `@yenpay`. Read only by `purge_invoices`.
    struct Housekeeping has key {
        housekeeper: Option<address>,
    }

    //
    // Events
    //

    #[event]
    /// A merchant or its terminal created an invoice.
    struct InvoiceCreated has drop, store {
        merchant: address,
        order_ref: String,
        amount: u64,
        expires_at: u64,
        created_by: address,
    }

    #[event]
    /// An invoice was paid: `fee` went to the treasury and `net` to the payout address.
    struct InvoicePaid has drop, store {
        merchant: address,
        order_ref: String,
        payer: address,
        amount: u64,
        fee: u64,
        net: u64,
        paid_at: u64,
    }

    #[event]
    /// A merchant or its terminal cancelled an open invoice.
    struct InvoiceCancelled has drop, store {
        merchant: address,
        order_ref: String,
        cancelled_by: address,
    }

    #[event]
    /// The payout account refunded `amount` to the payer, `fee_returned` of it from the treasury.
    struct InvoiceRefunded has drop, store {
        merchant: address,
        order_ref: String,
        payer: address,
        amount: u64,
        fee_returned: u64,
        refunded_total: u64,
    }

    #[event]
    /// A closed invoice's record was deleted (`purge_invoices`); its order reference is free again.
    struct InvoicePurged has drop, store {
        merchant: address,
        order_ref: String,
    }

    #[event]
    /// The operator changed the refund window of invoices created from now on.
    struct RefundWindowChanged has drop, store {
        old_secs: u64,
        new_secs: u64,
    }

    #[event]
    /// The operator named (`new` some) or removed (`new` none) the housekeeping account.
    struct HousekeeperChanged has drop, store {
        old: Option<address>,
        new: Option<address>,
    }

    #[event]
    /// A static-QR payment to a merchant.
    struct MerchantPaid has drop, store {
        merchant: address,
        payer: address,
        amount: u64,
        fee: u64,
        net: u64,
        reference: String,
        paid_at: u64,
    }

    fun init_module(publisher: &signer) {
        move_to(publisher, Invoices { invoices: table::new(), refund_window_secs: DEFAULT_REFUND_WINDOW_SECS });
        move_to(publisher, Housekeeping { housekeeper: option::none() });
    }

    //
    // Entry functions
    //

    /// Creates an invoice for `merchant`, payable for `ttl_secs` seconds. `actor` is the merchant's owner or one of
    /// its terminals. An order reference can be used once per merchant for as long as its record exists (until
    /// `purge_invoices` deletes it, after expiry or the refund window): a POS that retries creation gets an abort
    /// instead of a second invoice.
    public entry fun create_invoice(
        actor: &signer,
        merchant: address,
        order_ref: String,
        amount: u64,
        ttl_secs: u64,
    ) acquires Invoices {
        let len = order_ref.length();
        assert!(len > 0 && len <= MAX_ORDER_REF_BYTES, error::invalid_argument(EINVALID_ORDER_REF));
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        assert!(ttl_secs >= MIN_TTL_SECS && ttl_secs <= MAX_TTL_SECS, error::invalid_argument(EINVALID_TTL));
        let cap = controls::transfer_cap();
        assert!(cap == 0 || amount <= cap, error::invalid_argument(EAMOUNT_OVER_CAP));
        let created_by = signer::address_of(actor);
        merchant_registry::assert_can_act_for(created_by, merchant);
        merchant_registry::assert_active(merchant);
        let store = &mut Invoices[@yenpay];
        let key = InvoiceKey { merchant, order_ref };
        assert!(!store.invoices.contains(key), error::already_exists(EINVOICE_EXISTS));
        let created_at = timestamp::now_seconds();
        let expires_at = created_at + ttl_secs;
        store.invoices.add(key, Invoice {
            merchant,
            order_ref,
            amount,
            created_by,
            created_at,
            expires_at,
            refund_window_secs: store.refund_window_secs,
            state: InvoiceState::Open,
            payer: @0x0,
            paid_at: 0,
            fee: 0,
            refunded: 0,
            fee_refunded: 0,
        });
        event::emit(InvoiceCreated { merchant, order_ref, amount, expires_at, created_by });
    }

    /// Pays an open invoice from the payer's primary store. `amount` is what the payer saw on screen and must be
    /// the invoice's amount.
    public entry fun pay_invoice(
        payer: &signer,
        merchant: address,
        order_ref: String,
        amount: u64,
    ) acquires Invoices {
        let invoice = borrow_payable_mut(merchant, order_ref, amount);
        let (payout, fee_bps) = merchant_registry::settlement_terms(merchant);
        let fa = primary_fungible_store::withdraw(payer, stablecoin::metadata(), amount);
        settle_invoice(invoice, signer::address_of(payer), fa, payout, fee_bps);
    }

    /// Cancels an open invoice, expired or not. `actor` is the merchant's owner or one of its terminals;
    /// the merchant need not be active.
    public entry fun cancel_invoice(actor: &signer, merchant: address, order_ref: String) acquires Invoices {
        let cancelled_by = signer::address_of(actor);
        merchant_registry::assert_can_act_for(cancelled_by, merchant);
        let invoice = borrow_invoice_mut(merchant, order_ref);
        assert_open(&invoice.state);
        invoice.state = InvoiceState::Cancelled;
        event::emit(InvoiceCancelled { merchant, order_ref, cancelled_by });
    }

    /// Dynamic QR in one transaction: pays the invoice that `terminal` (a terminal of `merchant`, or its owner) signed
    /// off chain as an `authorization::InvoiceOffer`, for `amount`, payable strictly before `expires_at`. Checks that
    /// `terminal` may act for the merchant now and neither is denylisted, that the merchant is active, the expiry
    /// (not passed, at most `MAX_TTL_SECS` ahead), that no record of the order reference exists (paid, cancelled or
    /// created on chain), and the signature, with `public_key` the terminal account's current key; then moves the fee
    /// to the treasury and the rest to the payout address as `pay_invoice` does, and writes the invoice record as paid.
    /// The record, purgeable only after both the expiry and the refund window have passed, is what makes the code
    /// payable once: it takes refunds as any other paid invoice. Emits `InvoiceCreated` (`created_by` = `terminal`)
    /// and `InvoicePaid`, as an invoice created on chain and paid would.
    public entry fun pay_signed_invoice(
        payer: &signer,
        merchant: address,
        terminal: address,
        order_ref: String,
        amount: u64,
        expires_at: u64,
        public_key: vector<u8>,
        signature: vector<u8>,
    ) acquires Invoices {
        let (payout, fee_bps) = check_signed_invoice(
            merchant, terminal, order_ref, amount, expires_at, public_key, signature
        );
        let fa = primary_fungible_store::withdraw(payer, stablecoin::metadata(), amount);
        let payer = signer::address_of(payer);
        record_signed_payment(payer, merchant, terminal, order_ref, expires_at, fa, payout, fee_bps);
    }

    /// The checks of `pay_signed_invoice` before any funds move: the order reference, amount and expiry, the
    /// terminal's membership and the merchant's status (`merchant_registry::signed_settlement_terms`), that no record
    /// of the order reference exists, and the terminal's signature. Returns the merchant's payout address and fee.
    /// Also for `fx::pay_signed_invoice_in_usdc`, which pays the same code with the desk's yen.
    package fun check_signed_invoice(
        merchant: address,
        terminal: address,
        order_ref: String,
        amount: u64,
        expires_at: u64,
        public_key: vector<u8>,
        signature: vector<u8>,
    ): (address, u64) acquires Invoices {
        let (payout, fee_bps) = check_signed_invoice_terms(merchant, terminal, order_ref, amount, expires_at);
        authorization::verify_invoice_offer(
            stablecoin::metadata_address(), merchant, terminal, order_ref, amount, expires_at, public_key, signature
        );
        (payout, fee_bps)
    }

    /// The checks of an order a terminal signed (`check_signed_invoice`, `collect_signed_invoice`, and
    /// `tax_refund::pay_tax_free_invoice`, whose `authorization::TaxFreeOffer` also signs the tax breakdown) but its
    /// signature: the order reference (1 to `MAX_ORDER_REF_BYTES`), a non-zero amount, the expiry (not passed, at most
    /// `MAX_TTL_SECS` ahead), `terminal`'s membership now, the merchant's status, neither denylisted
    /// (`merchant_registry::signed_settlement_terms`), and that no record of the order reference exists. Returns the
    /// merchant's payout address and fee.
    package fun check_signed_invoice_terms(
        merchant: address,
        terminal: address,
        order_ref: String,
        amount: u64,
        expires_at: u64,
    ): (address, u64) acquires Invoices {
        let len = order_ref.length();
        assert!(len > 0 && len <= MAX_ORDER_REF_BYTES, error::invalid_argument(EINVALID_ORDER_REF));
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        let now = timestamp::now_seconds();
        assert!(now < expires_at, error::invalid_state(EINVOICE_EXPIRED));
        assert!(expires_at - now <= MAX_TTL_SECS, error::invalid_argument(EEXPIRY_TOO_FAR));
        let (payout, fee_bps) = merchant_registry::signed_settlement_terms(terminal, merchant);
        assert_order_ref_free(&Invoices[@yenpay].invoices, InvoiceKey { merchant, order_ref });
        (payout, fee_bps)
    }

    /// Customer-presented QR in one transaction: settles `terminal`'s order `order_ref` of `merchant` for `amount`
    /// with the `authorization::CollectionAuthorization` that `from` signed for `merchant` and `amount`
    /// (`valid_after`, `valid_before`, `nonce`, `public_key`, `signature`), which `terminal` (a terminal of
    /// `merchant`, or its owner) named in an `authorization::CollectionRequest` it signed off chain
    /// (`terminal_public_key`, `terminal_signature`: the terminal account's current key), valid strictly before
    /// `expires_at`. No invoice exists beforehand and the terminal sends nothing; anyone may submit the pair (the
    /// gateway does, with its own account), since together the two signatures fix who pays, how much, to which
    /// merchant and for which order, and the submitter only pays the gas. Checks as `pay_signed_invoice` does (order
    /// reference, amount, expiry, membership, merchant status, denylist, no record of the order), then the terminal's
    /// signature, then the customer's window, nonce (spent) and signature; withdraws through
    /// `stablecoin::withdraw_authorized` (the hooks' checks: pause, denylist, cap), splits the fee and writes the
    /// invoice record as paid by `from`, which takes refunds and is purged as any paid invoice. Emits
    /// `InvoiceCreated` (`created_by` = `terminal`), `InvoicePaid` and the authorization's
    /// `TransferredWithAuthorization`.
    public entry fun collect_signed_invoice(
        _submitter: &signer,
        merchant: address,
        terminal: address,
        order_ref: String,
        amount: u64,
        expires_at: u64,
        terminal_public_key: vector<u8>,
        terminal_signature: vector<u8>,
        from: address,
        valid_after: u64,
        valid_before: u64,
        nonce: u64,
        public_key: vector<u8>,
        signature: vector<u8>,
    ) acquires Invoices {
        let (payout, fee_bps) = check_signed_invoice_terms(merchant, terminal, order_ref, amount, expires_at);
        let metadata = stablecoin::metadata_address();
        authorization::verify_collection_request(
            metadata, merchant, terminal, order_ref, amount, expires_at, from, nonce, terminal_public_key,
            terminal_signature
        );
        let withdrawal = authorization::use_collection_authorization(
            metadata, merchant, from, amount, valid_after, valid_before, nonce, public_key, signature
        );
        let fa = stablecoin::withdraw_authorized(withdrawal);
        record_signed_payment(from, merchant, terminal, order_ref, expires_at, fa, payout, fee_bps);
    }

    /// Counts a refund paid by someone other than the merchant (`tax_refund`'s consumption-tax refund, from the refund
    /// agent's float) as refunded on the paid invoice: `share` (the tax) reduced in proportion to what the payer has
    /// not had back yet, floor(share * (amount - refunded) / amount) in u128. Returns that refund and the refunded
    /// total before it. The merchant's later refunds then stop at what the payer is still owed, so no money goes back
    /// twice; the fee share of the new total counts as returned too (the treasury pays none of it: the merchant did
    /// not refund), so later refunds return only the fee on their own part.
    package fun record_proportional_refund(
        merchant: address, order_ref: String, share: u64
    ): (u64, u64) acquires Invoices {
        let invoice = borrow_invoice_mut(merchant, order_ref);
        assert!(invoice.state is InvoiceState::Paid, error::invalid_state(EINVOICE_NOT_PAID));
        let before = invoice.refunded;
        let refund = proportional(share, invoice.amount, before);
        invoice.refunded = before + refund;
        invoice.fee_refunded = fee_share(invoice.fee, invoice.refunded, invoice.amount);
        (refund, before)
    }

    /// What `record_proportional_refund` would refund now for `share`, without recording it; zero unless the
    /// invoice is paid.
    package fun proportional_refund_of(merchant: address, order_ref: String, share: u64): u64 acquires Invoices {
        let invoice = borrow_invoice(merchant, order_ref);
        if (!(invoice.state is InvoiceState::Paid)) return 0;
        proportional(share, invoice.amount, invoice.refunded)
    }

    /// floor(share * (amount - refunded) / amount), in u128; zero once `refunded` reaches `amount`. At most
    /// `amount - refunded` for a share at most the amount.
    fun proportional(share: u64, amount: u64, refunded: u64): u64 {
        if (refunded >= amount) return 0;
        (((share as u128) * ((amount - refunded) as u128) / (amount as u128)) as u64)
    }

    /// Settles a code that `check_signed_invoice` accepted with `fa` (its whole amount, from whatever source): the
    /// fee to the treasury, the rest to `payout`, and the invoice record written as paid by `payer`. Emits
    /// `InvoiceCreated` and `InvoicePaid`.
    package fun record_signed_payment(
        payer: address,
        merchant: address,
        terminal: address,
        order_ref: String,
        expires_at: u64,
        fa: FungibleAsset,
        payout: address,
        fee_bps: u64,
    ) acquires Invoices {
        let now = timestamp::now_seconds();
        let amount = fa.amount();
        let (fee, net) = split_and_deposit(fa, payout, fee_bps);
        let store = &mut Invoices[@yenpay];
        store.invoices.add(InvoiceKey { merchant, order_ref }, Invoice {
            merchant,
            order_ref,
            amount,
            created_by: terminal,
            created_at: now,
            expires_at,
            refund_window_secs: store.refund_window_secs,
            state: InvoiceState::Paid,
            payer,
            paid_at: now,
            fee,
            refunded: 0,
            fee_refunded: 0,
        });
        event::emit(InvoiceCreated { merchant, order_ref, amount, expires_at, created_by: terminal });
        event::emit(InvoicePaid { merchant, order_ref, payer, amount, fee, net, paid_at: now });
    }

    /// Cancels a signed invoice before it is paid: writes a cancelled record for (`merchant`, `order_ref`), which
    /// `pay_signed_invoice` refuses, kept until `expires_at` (pass the code's expiry; at most `MAX_TTL_SECS` ahead)
    /// and purged like any unpaid record after it. `actor` is the merchant's owner or one of its terminals; the
    /// merchant need not be active. Aborts if the order reference has a record already (paid, cancelled, or an
    /// invoice created on chain: cancel that one with `cancel_invoice`). Emits `InvoiceCancelled`. Costs one new
    /// table item, whose deposit the purge returns to the operator.
    public entry fun cancel_signed_invoice(
        actor: &signer,
        merchant: address,
        order_ref: String,
        expires_at: u64,
    ) acquires Invoices {
        let len = order_ref.length();
        assert!(len > 0 && len <= MAX_ORDER_REF_BYTES, error::invalid_argument(EINVALID_ORDER_REF));
        let now = timestamp::now_seconds();
        assert!(now < expires_at, error::invalid_state(EINVOICE_EXPIRED));
        assert!(expires_at - now <= MAX_TTL_SECS, error::invalid_argument(EEXPIRY_TOO_FAR));
        let cancelled_by = signer::address_of(actor);
        merchant_registry::assert_can_act_for(cancelled_by, merchant);
        let store = &mut Invoices[@yenpay];
        let key = InvoiceKey { merchant, order_ref };
        assert_order_ref_free(&store.invoices, key);
        store.invoices.add(key, Invoice {
            merchant,
            order_ref,
            amount: 0,
            created_by: cancelled_by,
            created_at: now,
            expires_at,
            refund_window_secs: store.refund_window_secs,
            state: InvoiceState::Cancelled,
            payer: @0x0,
            paid_at: 0,
            fee: 0,
            refunded: 0,
            fee_refunded: 0,
        });
        event::emit(InvoiceCancelled { merchant, order_ref, cancelled_by });
    }

    /// Static QR: pays `amount` to an active merchant with the same fee split as an invoice. Nothing is stored;
    /// the event carries the payer's `reference` (at most `MAX_REFERENCE_BYTES`, may be empty).
    public entry fun pay_merchant(
        payer: &signer,
        merchant: address,
        amount: u64,
        reference: String,
    ) {
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        assert!(reference.length() <= MAX_REFERENCE_BYTES, error::invalid_argument(EINVALID_REFERENCE));
        let (payout, fee_bps) = merchant_registry::settlement_terms(merchant);
        let fa = primary_fungible_store::withdraw(payer, stablecoin::metadata(), amount);
        let (fee, net) = split_and_deposit(fa, payout, fee_bps);
        event::emit(MerchantPaid {
            merchant,
            payer: signer::address_of(payer),
            amount,
            fee,
            net,
            reference,
            paid_at: timestamp::now_seconds(),
        });
    }

    /// Customer-presented QR: `terminal` (or the merchant's owner) settles an open invoice with an
    /// `authorization::CollectionAuthorization` that `from` signed off chain for `merchant` and `amount` = the
    /// invoice's amount. The authorization module checks the signature, the validity window and the nonce, and marks
    /// the nonce used; the stablecoin withdraws the funds under its hooks' checks.
    public entry fun collect_with_authorization(
        terminal: &signer,
        merchant: address,
        order_ref: String,
        from: address,
        amount: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: u64,
        public_key: vector<u8>,
        signature: vector<u8>,
    ) acquires Invoices {
        merchant_registry::assert_can_act_for(signer::address_of(terminal), merchant);
        let invoice = borrow_payable_mut(merchant, order_ref, amount);
        let (payout, fee_bps) = merchant_registry::settlement_terms(merchant);
        let withdrawal = authorization::use_collection_authorization(
            stablecoin::metadata_address(), merchant, from, amount, valid_after, valid_before, nonce, public_key,
            signature,
        );
        let fa = stablecoin::withdraw_authorized(withdrawal);
        settle_invoice(invoice, from, fa, payout, fee_bps);
    }

    /// Returns `amount` of a paid invoice to its payer, signed by the merchant's current payout account, strictly
    /// before `paid_at` + the invoice's refund window. Refunds may repeat until they total the paid amount. The fee
    /// share comes back from the treasury, computed on the running total (floor(fee * refunded_total / amount) less
    /// what was already returned), so a full refund returns exactly the fee and no sequence of partial refunds returns
    /// more; the payout account pays the rest.
    /// Allowed whatever the merchant's status, so customers can still be refunded by a suspended or closed one; refused
    /// to a denylisted payout account (the stablecoin refuses a denylisted payer), so no denylisted account moves the
    /// treasury's fee share.
    public entry fun refund(
        payout_signer: &signer,
        merchant: address,
        order_ref: String,
        amount: u64,
    ) acquires Invoices {
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        let payout = signer::address_of(payout_signer);
        let invoice = borrow_invoice_mut(merchant, order_ref);
        assert!(invoice.state is InvoiceState::Paid, error::invalid_state(EINVOICE_NOT_PAID));
        assert!(
            timestamp::now_seconds() < invoice.paid_at + invoice.refund_window_secs,
            error::invalid_state(EREFUND_WINDOW_CLOSED)
        );
        let (payer, fee) = (invoice.payer, invoice.fee);
        assert!(payout == merchant_registry::payout_of(merchant), error::permission_denied(ENOT_PAYOUT_ACCOUNT));
        merchant_registry::assert_not_denylisted(payout);
        assert!(amount <= invoice.amount - invoice.refunded, error::invalid_argument(EREFUND_EXCEEDS_PAID));
        let refunded_total = invoice.refunded + amount;
        let fee_returned = fee_share(fee, refunded_total, invoice.amount) - invoice.fee_refunded;
        let metadata = stablecoin::metadata();
        let fa = if (amount > fee_returned) {
            primary_fungible_store::withdraw(payout_signer, metadata, amount - fee_returned)
        } else {
            fungible_asset::zero(metadata)
        };
        if (fee_returned > 0) {
            fa.merge(fee_treasury::withdraw_fee_refund(fee_returned));
        };
        primary_fungible_store::deposit(payer, fa);
        invoice.refunded = refunded_total;
        invoice.fee_refunded += fee_returned;
        event::emit(InvoiceRefunded { merchant, order_ref, payer, amount, fee_returned, refunded_total });
    }

    /// Deletes the closed invoices named by `merchants[i]` and `order_refs[i]`, emitting `InvoicePurged` for each:
    /// an unpaid invoice (open or cancelled) from its expiry on, a paid one once its refund window has passed and it
    /// has expired (a signed code stays payable until its expiry, and only its record refuses it a second time).
    /// Signed by the operator or the housekeeping account it named; the storage refund of every deleted record goes to
    /// the transaction's fee payer. Aborts, and so deletes nothing, if any invoice is missing or not yet purgeable
    /// (`is_purgeable` tells beforehand).
    public entry fun purge_invoices(
        keeper: &signer,
        merchants: vector<address>,
        order_refs: vector<String>,
    ) acquires Invoices, Housekeeping {
        let keeper = signer::address_of(keeper);
        assert!(
            merchant_registry::is_operator(keeper) || Housekeeping[@yenpay].housekeeper == option::some(keeper),
            error::permission_denied(ENOT_HOUSEKEEPER)
        );
        merchant_registry::assert_not_denylisted(keeper);
        assert!(merchants.length() == order_refs.length(), error::invalid_argument(EBATCH_LENGTH_MISMATCH));
        let invoices = &mut Invoices[@yenpay].invoices;
        let now = timestamp::now_seconds();
        merchants.zip(order_refs, |merchant, order_ref| {
            let key = InvoiceKey { merchant, order_ref };
            assert!(invoices.contains(key), error::not_found(EINVOICE_NOT_FOUND));
            let invoice = invoices.remove(key);
            assert_purgeable(&invoice, now);
            event::emit(InvoicePurged { merchant, order_ref: invoice.order_ref });
        });
    }

    /// Sets the refund window of invoices created from now on; existing invoices keep theirs. Signed by the operator.
    public entry fun set_refund_window(operator: &signer, refund_window_secs: u64) acquires Invoices {
        assert_operator(operator);
        assert!(
            refund_window_secs >= MIN_REFUND_WINDOW_SECS && refund_window_secs <= MAX_REFUND_WINDOW_SECS,
            error::invalid_argument(EINVALID_REFUND_WINDOW)
        );
        let store = &mut Invoices[@yenpay];
        let old_secs = store.refund_window_secs;
        store.refund_window_secs = refund_window_secs;
        event::emit(RefundWindowChanged { old_secs, new_secs: refund_window_secs });
    }

    /// Names `housekeeper` as the account that may purge closed invoices besides the operator; replaces any earlier
    /// one. Signed by the operator.
    public entry fun set_housekeeper(operator: &signer, housekeeper: address) acquires Housekeeping {
        assert_operator(operator);
        merchant_registry::assert_not_denylisted(housekeeper);
        let slot = &mut Housekeeping[@yenpay].housekeeper;
        let old = *slot;
        *slot = option::some(housekeeper);
        event::emit(HousekeeperChanged { old, new: *slot });
    }

    /// Removes the housekeeping account; only the operator purges until another is named. Signed by the operator.
    public entry fun remove_housekeeper(operator: &signer) acquires Housekeeping {
        assert_operator(operator);
        let slot = &mut Housekeeping[@yenpay].housekeeper;
        assert!(slot.is_some(), error::not_found(ENO_HOUSEKEEPER));
        let old = *slot;
        *slot = option::none();
        event::emit(HousekeeperChanged { old, new: option::none() });
    }

    //
    // Views
    //

    #[view]
    /// The account besides the operator that may purge closed invoices, if the operator named one.
    public fun housekeeper(): Option<address> acquires Housekeeping {
        Housekeeping[@yenpay].housekeeper
    }

    #[view]
    /// The whole record of an invoice, as stored.
    public fun invoice(merchant: address, order_ref: String): Invoice acquires Invoices {
        *borrow_invoice(merchant, order_ref)
    }

    #[view]
    /// An invoice's status, with the payment's details if it is paid.
    public fun invoice_status(merchant: address, order_ref: String): InvoiceStatus acquires Invoices {
        borrow_invoice(merchant, order_ref).status()
    }

    #[view]
    /// Whether the merchant has an invoice with this order reference (of any status).
    public fun invoice_exists(merchant: address, order_ref: String): bool acquires Invoices {
        Invoices[@yenpay].invoices.contains(InvoiceKey { merchant, order_ref })
    }

    #[view]
    /// The fee and net for a payment of `amount` to `merchant` at its current fee.
    public fun quote(merchant: address, amount: u64): (u64, u64) {
        merchant_registry::quote_fee(merchant, amount)
    }

    #[view]
    /// The refund window, in seconds, that invoices created now get.
    public fun refund_window(): u64 acquires Invoices {
        Invoices[@yenpay].refund_window_secs
    }

    #[view]
    /// When the invoice's record may be purged: its expiry if unpaid, the later of its expiry and `paid_at` + its
    /// refund window if paid.
    public fun purgeable_at(merchant: address, order_ref: String): u64 acquires Invoices {
        borrow_invoice(merchant, order_ref).purgeable_from()
    }

    #[view]
    /// Whether the invoice exists and `purge_invoices` would delete it now.
    public fun is_purgeable(merchant: address, order_ref: String): bool acquires Invoices {
        let invoices = &Invoices[@yenpay].invoices;
        let key = InvoiceKey { merchant, order_ref };
        invoices.contains(key) && timestamp::now_seconds() >= invoices.borrow(key).purgeable_from()
    }

    #[view]
    /// Whether an invoice exists, is open and has not expired.
    public fun is_payable(merchant: address, order_ref: String): bool acquires Invoices {
        let invoices = &Invoices[@yenpay].invoices;
        let key = InvoiceKey { merchant, order_ref };
        if (!invoices.contains(key)) return false;
        let invoice = invoices.borrow(key);
        (invoice.state is InvoiceState::Open) && timestamp::now_seconds() < invoice.expires_at
    }

    //
    // Accessors of an `Invoice`, for Move callers
    //

    public fun merchant(self: &Invoice): address { self.merchant }
    public fun order_ref(self: &Invoice): String { self.order_ref }
    public fun amount(self: &Invoice): u64 { self.amount }
    public fun created_by(self: &Invoice): address { self.created_by }
    public fun created_at(self: &Invoice): u64 { self.created_at }
    public fun expires_at(self: &Invoice): u64 { self.expires_at }
    public fun refund_window_secs(self: &Invoice): u64 { self.refund_window_secs }
    /// The status, with the payment's details if paid.
    public fun status(self: &Invoice): InvoiceStatus {
        match (self.state) {
            InvoiceState::Open => InvoiceStatus::Open,
            InvoiceState::Paid => InvoiceStatus::Paid { payer: self.payer, paid_at: self.paid_at, fee: self.fee },
            InvoiceState::Cancelled => InvoiceStatus::Cancelled,
        }
    }
    public fun refunded(self: &Invoice): u64 { self.refunded }
    public fun fee_refunded(self: &Invoice): u64 { self.fee_refunded }

    /// Whether a status is `Open`.
    public fun is_open(self: &InvoiceStatus): bool { self is InvoiceStatus::Open }
    /// Whether a status is `Paid`.
    public fun is_paid(self: &InvoiceStatus): bool { self is InvoiceStatus::Paid }
    /// Whether a status is `Cancelled`.
    public fun is_cancelled(self: &InvoiceStatus): bool { self is InvoiceStatus::Cancelled }

    /// The payer of a paid invoice.
    public fun payer(self: &InvoiceStatus): Option<address> {
        match (self) {
            InvoiceStatus::Paid { payer, paid_at: _, fee: _ } => option::some(*payer),
            _ => option::none(),
        }
    }

    /// When a paid invoice was paid, in seconds.
    public fun paid_at(self: &InvoiceStatus): Option<u64> {
        match (self) {
            InvoiceStatus::Paid { payer: _, paid_at, fee: _ } => option::some(*paid_at),
            _ => option::none(),
        }
    }

    /// The fee charged on a paid invoice.
    public fun fee(self: &InvoiceStatus): Option<u64> {
        match (self) {
            InvoiceStatus::Paid { payer: _, paid_at: _, fee } => option::some(*fee),
            _ => option::none(),
        }
    }

    //
    // Internals
    //

    /// Aborts unless `operator` is the registry's operator and is not denylisted.
    fun assert_operator(operator: &signer) {
        let operator = signer::address_of(operator);
        assert!(merchant_registry::is_operator(operator), error::permission_denied(ENOT_OPERATOR));
        merchant_registry::assert_not_denylisted(operator);
    }

    inline fun borrow_invoice(merchant: address, order_ref: String): &Invoice {
        let invoices = &Invoices[@yenpay].invoices;
        let key = InvoiceKey { merchant, order_ref };
        assert!(invoices.contains(key), error::not_found(EINVOICE_NOT_FOUND));
        invoices.borrow(key)
    }

    inline fun borrow_invoice_mut(merchant: address, order_ref: String): &mut Invoice {
        let invoices = &mut Invoices[@yenpay].invoices;
        let key = InvoiceKey { merchant, order_ref };
        assert!(invoices.contains(key), error::not_found(EINVOICE_NOT_FOUND));
        invoices.borrow_mut(key)
    }

    /// The invoice, if it is open, unexpired and for `amount`.
    inline fun borrow_payable_mut(merchant: address, order_ref: String, amount: u64): &mut Invoice {
        let invoice = borrow_invoice_mut(merchant, order_ref);
        assert_open(&invoice.state);
        assert!(timestamp::now_seconds() < invoice.expires_at, error::invalid_state(EINVOICE_EXPIRED));
        assert!(amount == invoice.amount, error::invalid_argument(EAMOUNT_MISMATCH));
        invoice
    }

    /// When the record may be purged: the expiry if unpaid (it can no longer be paid); if paid, the later of the expiry
    /// (a signed code could be paid again without its record) and `paid_at` + the refund window (it can no longer be
    /// refunded).
    fun purgeable_from(self: &Invoice): u64 {
        if (self.state is InvoiceState::Paid) {
            let refundable_until = self.paid_at + self.refund_window_secs;
            if (refundable_until > self.expires_at) refundable_until else self.expires_at
        } else self.expires_at
    }

    /// Aborts unless `invoice` may be purged at `now`, naming why not.
    fun assert_purgeable(invoice: &Invoice, now: u64) {
        if (invoice.state is InvoiceState::Paid) {
            assert!(now >= invoice.paid_at + invoice.refund_window_secs, error::invalid_state(EREFUND_WINDOW_OPEN));
        };
        assert!(now >= invoice.expires_at, error::invalid_state(EINVOICE_NOT_EXPIRED));
    }

    /// Aborts if the order reference has a record: a paid or cancelled invoice, or an open one created on chain.
    fun assert_order_ref_free(invoices: &Table<InvoiceKey, Invoice>, key: InvoiceKey) {
        if (invoices.contains(key)) {
            match (invoices.borrow(key).state) {
                InvoiceState::Open => abort error::already_exists(EINVOICE_EXISTS),
                InvoiceState::Paid => abort error::invalid_state(EINVOICE_ALREADY_PAID),
                InvoiceState::Cancelled => abort error::invalid_state(EINVOICE_CANCELLED),
            }
        }
    }

    fun assert_open(state: &InvoiceState) {
        match (state) {
            InvoiceState::Open => {},
            InvoiceState::Paid => abort error::invalid_state(EINVOICE_ALREADY_PAID),
            InvoiceState::Cancelled => abort error::invalid_state(EINVOICE_CANCELLED),
        }
    }

    /// Splits `fa` into fee and net, deposits them, and marks the invoice paid by `payer` (same record size).
    fun settle_invoice(invoice: &mut Invoice, payer: address, fa: FungibleAsset, payout: address, fee_bps: u64) {
        let (fee, net) = split_and_deposit(fa, payout, fee_bps);
        let paid_at = timestamp::now_seconds();
        invoice.state = InvoiceState::Paid;
        invoice.payer = payer;
        invoice.paid_at = paid_at;
        invoice.fee = fee;
        event::emit(InvoicePaid {
            merchant: invoice.merchant,
            order_ref: invoice.order_ref,
            payer,
            amount: invoice.amount,
            fee,
            net,
            paid_at,
        });
    }

    /// Deposits the fee on `fa` into the treasury (skipped when it rounds to zero) and the rest to `payout`.
    package fun split_and_deposit(fa: FungibleAsset, payout: address, fee_bps: u64): (u64, u64) {
        let amount = fa.amount();
        let fee = merchant_registry::compute_fee(amount, fee_bps);
        if (fee > 0) {
            fee_treasury::deposit_fee(fa.extract(fee));
        };
        primary_fungible_store::deposit(payout, fa);
        (fee, amount - fee)
    }

    /// floor(fee * refunded_total / amount), in u128: the fee share of the first `refunded_total` refunded.
    package fun fee_share(fee: u64, refunded_total: u64, amount: u64): u64 {
        (((fee as u128) * (refunded_total as u128) / (amount as u128)) as u64)
    }

    //
    // Tests
    //

    #[test_only]
    /// Runs `init_module` in the package's tests.
    public fun init_for_test(publisher: &signer) {
        init_module(publisher);
    }

    #[test_only]
    public fun proportional_for_test(share: u64, amount: u64, refunded: u64): u64 {
        proportional(share, amount, refunded)
    }

    // Event values, for tests elsewhere in the package to compare with `event::was_event_emitted`.

    #[test_only]
    public fun invoice_created_for_test(
        merchant: address, order_ref: String, amount: u64, expires_at: u64, created_by: address
    ): InvoiceCreated {
        InvoiceCreated { merchant, order_ref, amount, expires_at, created_by }
    }

    #[test_only]
    public fun invoice_paid_for_test(
        merchant: address, order_ref: String, payer: address, amount: u64, fee: u64, net: u64, paid_at: u64
    ): InvoicePaid {
        InvoicePaid { merchant, order_ref, payer, amount, fee, net, paid_at }
    }

    #[test_only]
    public fun invoice_cancelled_for_test(
        merchant: address, order_ref: String, cancelled_by: address
    ): InvoiceCancelled {
        InvoiceCancelled { merchant, order_ref, cancelled_by }
    }

    #[test_only]
    public fun invoice_refunded_for_test(
        merchant: address, order_ref: String, payer: address, amount: u64, fee_returned: u64, refunded_total: u64
    ): InvoiceRefunded {
        InvoiceRefunded { merchant, order_ref, payer, amount, fee_returned, refunded_total }
    }

    #[test_only]
    public fun invoice_purged_for_test(merchant: address, order_ref: String): InvoicePurged {
        InvoicePurged { merchant, order_ref }
    }

    #[test_only]
    public fun refund_window_changed_for_test(old_secs: u64, new_secs: u64): RefundWindowChanged {
        RefundWindowChanged { old_secs, new_secs }
    }

    #[test_only]
    public fun housekeeper_changed_for_test(old: Option<address>, new: Option<address>): HousekeeperChanged {
        HousekeeperChanged { old, new }
    }

    #[test_only]
    public fun merchant_paid_for_test(
        merchant: address, payer: address, amount: u64, fee: u64, net: u64, reference: String, paid_at: u64
    ): MerchantPaid {
        MerchantPaid { merchant, payer, amount, fee, net, reference, paid_at }
    }
}
