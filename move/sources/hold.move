/// Holds: authorize now, capture later (a fuel pump's or EV charger's pre-authorization, a hotel's deposit, a
/// restaurant's tip, an order reviewed before release).
///
/// A hold is taken by the customer's signed payment, in one of two ways:
/// - `authorize_signed_hold`: the customer scans a code that the merchant's terminal signed off chain (an
///   `authorization::HoldOffer`: "authorize up to `amount`, tip up to `tip_limit`, capturable before
///   `capture_before`") and submits it; the customer's transaction is its agreement to the amount and the tip limit;
/// - `authorize_with_customer_signature`: a terminal collects the customer's signed
///   `authorization::HoldAuthorization` (customer-presented code) and submits it; the customer needs no gas.
/// A compliance review turns a payment into a third kind, `authorize_reviewed_hold`: the terminal signs an
/// `authorization::ReviewHoldOffer` naming a `reviewer` (the operator's gateway), and only the reviewer captures it, so
/// a merchant cannot take a reviewed customer's funds before the analyst decides; the merchant can still void.
/// Either way `amount + tip_limit` leaves the customer's primary store into the package's escrow: the primary store of
/// an untransferable object under `@yenpay` whose `ExtendRef` this module keeps, approved to hold the coin at init as
/// the fee treasury's store is. Nobody but this module moves funds out of it, and only as follows:
/// - `capture` (the merchant's owner, one of its terminals, or the operator; for a reviewed hold its reviewer only):
///   strictly before `capture_before`, pays
///   `amount` plus `tip` out of the hold to the merchant's payout address with the operator's fee split as for a
///   payment; repeatable; the amounts captured never exceed what was authorized (with accepted increases), the tips
///   never exceed `tip_limit`; with `release_rest` the rest goes back to the customer in the same transaction;
/// - `increase_authorization` (the customer): more yen into the hold, and optionally a later `capture_before`;
/// - `void` (the merchant's owner, one of its terminals, the operator, or a reviewed hold's reviewer): part or all of
///   what is held back to the customer, at any time;
/// - `reclaim` (anyone, once `capture_before` has passed): everything still held back to the customer, and only to it;
/// - `seize_hold` (the coin's admin, under a legal order): what a denylisted customer's hold still holds, the one way
///   out of a hold frozen by the denylist;
/// - `refund` (the merchant's payout account): captured yen back to the customer within the refund window, the fee
///   share from the treasury, as `invoice::refund` computes it.
/// The asset moves only through the framework's dispatchable paths (or, for a customer-presented code, through
/// `stablecoin::withdraw_authorized`, which runs the hooks' checks), so pause, the denylist, the per-transfer cap and
/// the store rule apply to every step. A hold, including its tip limit, is at most the cap: it is one payment.
///
/// Denylist and merchant status while a hold is open: nothing is released to a denylisted party. A capture needs an
/// active merchant whose owner and payout are clean and a clean customer; a void and a reclaim need a clean customer
/// (the merchant's status does not matter: the money goes back). A hold whose customer is denylisted is frozen until
/// the denylister removes the customer or the admin seizes it (`seize_hold`); a hold whose merchant is suspended,
/// closed or denylisted can still be voided by the operator and is reclaimable after its expiry. So no hold stays
/// stuck forever and none pays a denylisted account.
///
/// Retention: a hold is one table item (`Holds`), the only new storage slot a hold makes (a customer-presented code
/// may also start a nonce bitmap word, as for any signed authorization). Every later step rewrites it at the same
/// size. Once nothing is held, the code has expired and the refund window after the last capture has passed, the
/// operator or the housekeeper (`invoice::housekeeper`) deletes it with `purge_holds`, and the chain returns its
/// deposit to that transaction's fee payer.
module yenpay::hold {
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
    use yenpay::fee_treasury;
    use yenpay::invoice;
    use yenpay::merchant_registry;
    use yenpay::stablecoin;

    //
    // Errors
    //

    /// The hold reference is empty or longer than `MAX_HOLD_REF_BYTES`.
    const EINVALID_HOLD_REF: u64 = 1;
    /// The amount is zero.
    const EZERO_AMOUNT: u64 = 2;
    /// The merchant already has a hold with this reference.
    const EHOLD_EXISTS: u64 = 3;
    /// No hold with this merchant and reference.
    const EHOLD_NOT_FOUND: u64 = 4;
    /// The hold is closed: nothing is held any more.
    const EHOLD_CLOSED: u64 = 5;
    /// The hold's authorization has expired (now >= `capture_before`): it can no longer be captured or increased.
    const EHOLD_EXPIRED: u64 = 6;
    /// The hold's authorization has not expired yet: only the merchant or the operator can release it now.
    const EHOLD_NOT_EXPIRED: u64 = 7;
    /// The signed code has expired (now >= its `expires_at`).
    const ECODE_EXPIRED: u64 = 8;
    /// The signed code's expiry is more than `MAX_CODE_TTL_SECS` from now.
    const EEXPIRY_TOO_FAR: u64 = 9;
    /// `capture_before` is not in the future, or more than `MAX_HOLD_SECS` from now, or earlier than the hold's.
    const EINVALID_CAPTURE_BEFORE: u64 = 10;
    /// The hold, tip limit included, would exceed the stablecoin's per-transfer cap.
    const EAMOUNT_OVER_CAP: u64 = 11;
    /// The capture would exceed what the customer authorized (increases included).
    const ECAPTURE_EXCEEDS_AUTHORIZED: u64 = 12;
    /// The tip would exceed the tip limit the customer agreed to.
    const ETIP_OVER_LIMIT: u64 = 13;
    /// The amount exceeds what the hold still holds.
    const EEXCEEDS_HELD: u64 = 14;
    /// The signer is neither the merchant's owner, one of its terminals, nor the operator.
    const ENOT_MERCHANT_OR_OPERATOR: u64 = 15;
    /// The signer is not the hold's customer.
    const ENOT_CUSTOMER: u64 = 16;
    /// The signer is not the merchant's payout account.
    const ENOT_PAYOUT_ACCOUNT: u64 = 17;
    /// Nothing was captured, so there is nothing to refund.
    const ENOTHING_CAPTURED: u64 = 18;
    /// The refunds would exceed the captured amount.
    const EREFUND_EXCEEDS_CAPTURED: u64 = 19;
    /// The refund window after the hold's last capture has passed.
    const EREFUND_WINDOW_CLOSED: u64 = 20;
    /// The hold still holds funds, so it cannot be purged.
    const EHOLD_OPEN: u64 = 21;
    /// The hold's signed code has not expired, so its record cannot be purged yet.
    const ECODE_NOT_EXPIRED: u64 = 22;
    /// The refund window after the hold's last capture is still open, so its record cannot be purged yet.
    const EREFUND_WINDOW_OPEN: u64 = 23;
    /// The batch names a different number of merchants and hold references.
    const EBATCH_LENGTH_MISMATCH: u64 = 24;
    /// The signer is neither the operator nor the housekeeping account the operator named.
    const ENOT_HOUSEKEEPER: u64 = 25;
    /// The hold's customer is not denylisted, so the hold cannot be seized.
    const ECUSTOMER_NOT_DENYLISTED: u64 = 26;
    /// The hold is under a compliance review: only its reviewer captures it.
    const ENOT_REVIEWER: u64 = 27;
    /// A reviewed hold must name a reviewer (not address 0x0).
    const EINVALID_REVIEWER: u64 = 28;

    //
    // Constants
    //

    /// Longest hold reference, in bytes (as an order reference).
    const MAX_HOLD_REF_BYTES: u64 = 64;
    /// Longest time a signed hold code can be scanned for: one day (as a signed invoice).
    const MAX_CODE_TTL_SECS: u64 = 86400;
    /// Longest authorization: 31 days from the authorization (or the increase that extends it); card schemes keep
    /// pre-authorizations from days (fuel) to about a month (hotels, car rental).
    const MAX_HOLD_SECS: u64 = 2_678_400;
    /// Seed of the escrow object under `@yenpay`.
    const HOLD_ESCROW_SEED: vector<u8> = b"YENPAY_HOLD_ESCROW";

    //
    // State
    //

    /// Whether a hold still holds funds. Field-less, so the record keeps one size.
    enum HoldState has copy, drop, store {
        Open,
        Closed,
    }

    /// Key of a hold: the merchant's owner account and its hold reference.
    struct HoldKey has copy, drop, store {
        merchant: address,
        hold_ref: String,
    }

    /// A hold. `authorized` (with increases) and `tip_limit` are what the customer agreed to and put into escrow;
    /// `captured` and `tipped` went to the merchant (less `fee`, to the treasury), `released` went back to the
    /// customer (voids, reclaim, the rest of a final capture) or out under a seizure. What is still held is
    /// `authorized + tip_limit - captured - tipped - released`; the hold is `Closed` when that is zero.
    /// `captured_at` is the last capture (refunds run strictly before `captured_at + refund_window_secs`);
    /// `expires_at` the signed code's expiry (the record stays until then, so the code cannot be used again), or the
    /// authorization time for a customer-presented code (its nonce is spent instead). `reviewer` is the one account
    /// that captures a hold taken under a compliance review (`authorize_reviewed_hold`), @0x0 for every other hold.
    struct Hold has copy, drop, store {
        merchant: address,
        hold_ref: String,
        customer: address,
        created_by: address,
        reviewer: address,
        created_at: u64,
        expires_at: u64,
        capture_before: u64,
        refund_window_secs: u64,
        authorized: u64,
        tip_limit: u64,
        captured: u64,
        tipped: u64,
        released: u64,
        fee: u64,
        captured_at: u64,
        refunded: u64,
        fee_refunded: u64,
        state: HoldState,
    }

    /// All holds, at `@yenpay`; each is its own table item, so work on different holds does not conflict.
    struct Holds has key {
        holds: Table<HoldKey, Hold>,
    }

    #[resource_group_member(group = aptos_framework::object::ObjectGroup)]
    /// Kept at the escrow object: its signer moves funds out of the escrow store.
    struct Escrow has key {
        extend_ref: ExtendRef,
    }

    //
    // Events
    //

    #[event]
    /// A customer's funds went into escrow for a hold: `amount` plus up to `tip_limit`.
    struct HoldAuthorized has drop, store {
        merchant: address,
        hold_ref: String,
        customer: address,
        amount: u64,
        tip_limit: u64,
        capture_before: u64,
        created_by: address,
    }

    #[event]
    /// The customer added `amount` to a hold (now `authorized`), capturable before `capture_before`.
    struct HoldIncreased has drop, store {
        merchant: address,
        hold_ref: String,
        amount: u64,
        authorized: u64,
        capture_before: u64,
    }

    #[event]
    /// `amount + tip` of a hold went to the merchant: `fee` to the treasury, `net` to the payout address; `released`
    /// went back to the customer with it (a final capture); `held` is what the hold still holds.
    struct HoldCaptured has drop, store {
        merchant: address,
        hold_ref: String,
        customer: address,
        amount: u64,
        tip: u64,
        fee: u64,
        net: u64,
        released: u64,
        held: u64,
        captured_by: address,
    }

    #[event]
    /// The merchant or the operator gave `amount` of a hold back to the customer; `held` is what it still holds.
    struct HoldVoided has drop, store {
        merchant: address,
        hold_ref: String,
        customer: address,
        amount: u64,
        held: u64,
        voided_by: address,
    }

    #[event]
    /// After the authorization expired, `amount` (all that was held) went back to the customer.
    struct HoldReclaimed has drop, store {
        merchant: address,
        hold_ref: String,
        customer: address,
        amount: u64,
        reclaimed_by: address,
    }

    #[event]
    /// The payout account refunded `amount` of captured yen to the customer, `fee_returned` of it from the treasury.
    struct HoldRefunded has drop, store {
        merchant: address,
        hold_ref: String,
        customer: address,
        amount: u64,
        fee_returned: u64,
        refunded_total: u64,
    }

    #[event]
    /// The admin moved what a denylisted customer's hold held (`amount`) to `to` under a legal order.
    struct HoldSeized has drop, store {
        merchant: address,
        hold_ref: String,
        customer: address,
        to: address,
        amount: u64,
        legal_order: vector<u8>,
    }

    #[event]
    /// A closed hold's record was deleted (`purge_holds`); its reference is free again.
    struct HoldPurged has drop, store {
        merchant: address,
        hold_ref: String,
    }

    /// Runs at publish (or at the upgrade that adds this module): creates the escrow and approves its store.
    fun init_module(publisher: &signer) {
        move_to(publisher, Holds { holds: table::new() });
        let constructor_ref = &object::create_named_object(publisher, HOLD_ESCROW_SEED);
        object::set_untransferable(constructor_ref);
        let escrow_signer = &object::generate_signer(constructor_ref);
        move_to(escrow_signer, Escrow { extend_ref: object::generate_extend_ref(constructor_ref) });
        let store = primary_fungible_store::ensure_primary_store_exists(
            signer::address_of(escrow_signer), stablecoin::metadata()
        );
        controls::approve_package_store(store.object_address());
        // Every authorization deposits here and every capture withdraws: an aggregator-backed balance keeps holds of
        // different merchants from conflicting. The framework aborts the upgrade where the feature is off.
        if (features::concurrent_fungible_balance_enabled()) {
            fungible_asset::upgrade_store_to_concurrent(escrow_signer, store);
        };
    }

    //
    // Entry functions: taking a hold
    //

    /// Dynamic QR: the customer takes the hold that `terminal` (a terminal of `merchant`, or its owner) signed off
    /// chain as an `authorization::HoldOffer`. Checks the reference, the amount, the code's expiry (not passed, at most
    /// `MAX_CODE_TTL_SECS` ahead), `capture_before` (future, at most `MAX_HOLD_SECS` ahead), the cap, that `terminal`
    /// may act for the active merchant and neither is denylisted, that the reference is free, and the signature;
    /// then moves `amount + tip_limit` from the customer into escrow and writes the hold.
    public entry fun authorize_signed_hold(
        customer: &signer,
        merchant: address,
        terminal: address,
        hold_ref: String,
        amount: u64,
        tip_limit: u64,
        capture_before: u64,
        expires_at: u64,
        public_key: vector<u8>,
        signature: vector<u8>,
    ) acquires Holds {
        let now = timestamp::now_seconds();
        let key = check_signed_code(merchant, terminal, hold_ref, amount, tip_limit, capture_before, expires_at, now);
        authorization::verify_hold_offer(
            stablecoin::metadata_address(), merchant, terminal, hold_ref, amount, tip_limit, capture_before,
            expires_at, public_key, signature
        );
        let fa = primary_fungible_store::withdraw(customer, stablecoin::metadata(), amount + tip_limit);
        open_hold(
            key, signer::address_of(customer), terminal, @0x0, fa, amount, tip_limit, capture_before, expires_at, now
        );
    }

    /// A payment under compliance review, held instead: as `authorize_signed_hold`, for the code that `terminal` signed
    /// as an `authorization::ReviewHoldOffer` naming `reviewer`. The hold records `reviewer`, the only account that
    /// can capture it (the merchant's owner, its terminals and the operator cannot); the merchant, the operator and the
    /// reviewer can void it back to the customer, and it is reclaimable after `capture_before` as any hold.
    public entry fun authorize_reviewed_hold(
        customer: &signer,
        merchant: address,
        terminal: address,
        reviewer: address,
        hold_ref: String,
        amount: u64,
        tip_limit: u64,
        capture_before: u64,
        expires_at: u64,
        public_key: vector<u8>,
        signature: vector<u8>,
    ) acquires Holds {
        assert!(reviewer != @0x0, error::invalid_argument(EINVALID_REVIEWER));
        let now = timestamp::now_seconds();
        let key = check_signed_code(merchant, terminal, hold_ref, amount, tip_limit, capture_before, expires_at, now);
        authorization::verify_review_hold_offer(
            stablecoin::metadata_address(), merchant, terminal, reviewer, hold_ref, amount, tip_limit, capture_before,
            expires_at, public_key, signature
        );
        let fa = primary_fungible_store::withdraw(customer, stablecoin::metadata(), amount + tip_limit);
        open_hold(
            key, signer::address_of(customer), terminal, reviewer, fa, amount, tip_limit, capture_before, expires_at,
            now
        );
    }

    /// Customer-presented QR: `terminal` (or the merchant's owner) takes a hold with the `HoldAuthorization` that
    /// `from` signed for `merchant`, `amount`, `tip_limit` and `capture_before`. The authorization module checks the
    /// signature, the validity window and the nonce; the stablecoin withdraws `amount + tip_limit` under its hooks'
    /// checks into escrow.
    public entry fun authorize_with_customer_signature(
        terminal: &signer,
        merchant: address,
        hold_ref: String,
        from: address,
        amount: u64,
        tip_limit: u64,
        capture_before: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: u64,
        public_key: vector<u8>,
        signature: vector<u8>,
    ) acquires Holds {
        let now = timestamp::now_seconds();
        assert_terms(&hold_ref, amount, tip_limit, capture_before, now);
        let created_by = signer::address_of(terminal);
        merchant_registry::assert_can_act_for(created_by, merchant);
        merchant_registry::assert_active(merchant);
        let key = HoldKey { merchant, hold_ref };
        assert_ref_free(key);
        let withdrawal = authorization::use_hold_authorization(
            stablecoin::metadata_address(), merchant, from, amount, tip_limit, capture_before, valid_after,
            valid_before, nonce, public_key, signature
        );
        let fa = stablecoin::withdraw_authorized(withdrawal);
        open_hold(key, from, created_by, @0x0, fa, amount, tip_limit, capture_before, now, now);
    }

    /// Incremental authorization: the hold's customer adds `amount` to it (a longer stay, a larger charge), and may
    /// move `capture_before` later (pass the current value to keep it; at most `MAX_HOLD_SECS` from now). The hold must
    /// be open and unexpired and its merchant active; the total stays within the cap.
    public entry fun increase_authorization(
        customer: &signer,
        merchant: address,
        hold_ref: String,
        amount: u64,
        capture_before: u64,
    ) acquires Holds {
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        let now = timestamp::now_seconds();
        let hold = borrow_open_mut(merchant, hold_ref);
        assert!(signer::address_of(customer) == hold.customer, error::permission_denied(ENOT_CUSTOMER));
        assert!(now < hold.capture_before, error::invalid_state(EHOLD_EXPIRED));
        assert!(
            capture_before >= hold.capture_before && capture_before - now <= MAX_HOLD_SECS,
            error::invalid_argument(EINVALID_CAPTURE_BEFORE)
        );
        assert_within_cap(hold.authorized + hold.tip_limit + amount);
        merchant_registry::assert_active(merchant);
        deposit_escrow(primary_fungible_store::withdraw(customer, stablecoin::metadata(), amount));
        hold.authorized += amount;
        hold.capture_before = capture_before;
        event::emit(HoldIncreased { merchant, hold_ref, amount, authorized: hold.authorized, capture_before });
    }

    //
    // Entry functions: settling a hold
    //

    /// Captures `amount` plus `tip` of the hold for the merchant, strictly before its `capture_before`: the fee
    /// (`merchant_registry::compute_fee` on `amount + tip` at the merchant's fee) to the treasury and the rest to the
    /// payout address. The captures never total more than `authorized`, the tips never more than `tip_limit`. With
    /// `release_rest`, what is left goes back to the customer and the hold closes. Signed by the merchant's owner,
    /// one of its terminals, or the operator, or for a reviewed hold by its reviewer only; the merchant must be active,
    /// and its owner, its payout and the customer clean.
    public entry fun capture(
        actor: &signer,
        merchant: address,
        hold_ref: String,
        amount: u64,
        tip: u64,
        release_rest: bool,
    ) acquires Holds, Escrow {
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        let now = timestamp::now_seconds();
        let hold = borrow_open_mut(merchant, hold_ref);
        let captured_by = if (hold.reviewer == @0x0) {
            assert_merchant_or_operator(actor, merchant)
        } else {
            assert_reviewer(actor, hold.reviewer)
        };
        assert!(now < hold.capture_before, error::invalid_state(EHOLD_EXPIRED));
        assert!(amount <= hold.authorized - hold.captured, error::invalid_argument(ECAPTURE_EXCEEDS_AUTHORIZED));
        assert!(tip <= hold.tip_limit - hold.tipped, error::invalid_argument(ETIP_OVER_LIMIT));
        assert!(amount + tip <= held_of(hold), error::invalid_argument(EEXCEEDS_HELD));
        merchant_registry::assert_not_denylisted(hold.customer);
        let (payout, fee_bps) = merchant_registry::settlement_terms(merchant);
        let (fee, net) = invoice::split_and_deposit(withdraw_escrow(amount + tip), payout, fee_bps);
        hold.captured += amount;
        hold.tipped += tip;
        hold.fee += fee;
        hold.captured_at = now;
        let released = if (release_rest) held_of(hold) else 0;
        if (released > 0) {
            primary_fungible_store::deposit(hold.customer, withdraw_escrow(released));
            hold.released += released;
        };
        let held = close_if_empty(hold);
        event::emit(HoldCaptured {
            merchant, hold_ref, customer: hold.customer, amount, tip, fee, net, released, held, captured_by
        });
    }

    /// Gives `amount` of what the hold holds back to the customer (a partial void, or a full one with everything
    /// held), whether or not the authorization has expired and whatever the merchant's status. Signed by the
    /// merchant's owner, one of its terminals, the operator, or a reviewed hold's reviewer; refused to a denylisted
    /// customer.
    public entry fun void(
        actor: &signer,
        merchant: address,
        hold_ref: String,
        amount: u64,
    ) acquires Holds, Escrow {
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        let hold = borrow_open_mut(merchant, hold_ref);
        let voided_by = if (hold.reviewer != @0x0 && signer::address_of(actor) == hold.reviewer) {
            assert_reviewer(actor, hold.reviewer)
        } else {
            assert_merchant_or_operator(actor, merchant)
        };
        assert!(amount <= held_of(hold), error::invalid_argument(EEXCEEDS_HELD));
        let customer = hold.customer;
        merchant_registry::assert_not_denylisted(customer);
        primary_fungible_store::deposit(customer, withdraw_escrow(amount));
        hold.released += amount;
        let held = close_if_empty(hold);
        event::emit(HoldVoided { merchant, hold_ref, customer, amount, held, voided_by });
    }

    /// Once the authorization has expired (now >= `capture_before`), gives everything the hold still holds back to
    /// the customer, and closes it. Anyone may submit it; the funds go to the customer only. Refused to a denylisted
    /// customer (the hold then waits for the denylister or for `seize_hold`).
    public entry fun reclaim(caller: &signer, merchant: address, hold_ref: String) acquires Holds, Escrow {
        let hold = borrow_open_mut(merchant, hold_ref);
        assert!(timestamp::now_seconds() >= hold.capture_before, error::invalid_state(EHOLD_NOT_EXPIRED));
        let customer = hold.customer;
        merchant_registry::assert_not_denylisted(customer);
        let amount = held_of(hold);
        primary_fungible_store::deposit(customer, withdraw_escrow(amount));
        hold.released += amount;
        close_if_empty(hold);
        event::emit(HoldReclaimed { merchant, hold_ref, customer, amount, reclaimed_by: signer::address_of(caller) });
    }

    /// Returns `amount` of the hold's captured yen (tips included) to the customer, signed by the merchant's current
    /// payout account, strictly before the last capture + the hold's refund window; repeatable up to what was
    /// captured. The fee share comes back from the treasury, computed on the running total as `invoice::refund` does
    /// (a full refund returns exactly the fee); the payout account pays the rest. Allowed whatever the merchant's
    /// status; refused to a denylisted payout account or customer.
    public entry fun refund(
        payout_signer: &signer,
        merchant: address,
        hold_ref: String,
        amount: u64,
    ) acquires Holds {
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        let payout = signer::address_of(payout_signer);
        let hold = borrow_hold_mut(merchant, hold_ref);
        let paid = hold.captured + hold.tipped;
        assert!(paid > 0, error::invalid_state(ENOTHING_CAPTURED));
        assert!(
            timestamp::now_seconds() < hold.captured_at + hold.refund_window_secs,
            error::invalid_state(EREFUND_WINDOW_CLOSED)
        );
        assert!(payout == merchant_registry::payout_of(merchant), error::permission_denied(ENOT_PAYOUT_ACCOUNT));
        merchant_registry::assert_not_denylisted(payout);
        assert!(amount <= paid - hold.refunded, error::invalid_argument(EREFUND_EXCEEDS_CAPTURED));
        let refunded_total = hold.refunded + amount;
        // A capture after a refund raises both the fee and the captured total, so the running share can round to
        // less than what was returned already: return nothing more then, never a negative amount.
        let share = invoice::fee_share(hold.fee, refunded_total, paid);
        let fee_returned = if (share > hold.fee_refunded) share - hold.fee_refunded else 0;
        let metadata = stablecoin::metadata();
        let fa = if (amount > fee_returned) {
            primary_fungible_store::withdraw(payout_signer, metadata, amount - fee_returned)
        } else {
            fungible_asset::zero(metadata)
        };
        if (fee_returned > 0) {
            fa.merge(fee_treasury::withdraw_fee_refund(fee_returned));
        };
        let customer = hold.customer;
        primary_fungible_store::deposit(customer, fa);
        hold.refunded = refunded_total;
        hold.fee_refunded += fee_returned;
        event::emit(HoldRefunded { merchant, hold_ref, customer, amount, fee_returned, refunded_total });
    }

    /// Moves everything a hold still holds to `to` under a legal order, and closes the hold: only while its customer
    /// is denylisted (or owned by an object that is), whose hold neither a void nor a reclaim can release. Signed by
    /// the coin's admin (`controls::ENOT_ADMIN` for anyone else); the deposit hook checks `to`.
    public entry fun seize_hold(
        admin: &signer,
        merchant: address,
        hold_ref: String,
        to: address,
        legal_order: vector<u8>,
    ) acquires Holds, Escrow {
        controls::assert_admin(admin);
        let hold = borrow_open_mut(merchant, hold_ref);
        let customer = hold.customer;
        assert!(controls::is_restricted(customer), error::invalid_state(ECUSTOMER_NOT_DENYLISTED));
        let amount = held_of(hold);
        primary_fungible_store::deposit(to, withdraw_escrow(amount));
        hold.released += amount;
        close_if_empty(hold);
        event::emit(HoldSeized { merchant, hold_ref, customer, to, amount, legal_order });
    }

    /// Deletes the closed holds named by `merchants[i]` and `hold_refs[i]`, emitting `HoldPurged` for each: once
    /// nothing is held, the signed code has expired and, if anything was captured, the refund window after the last
    /// capture has passed. Signed by the operator or the housekeeping account it named (`invoice::set_housekeeper`);
    /// the storage refund of every deleted record goes to the transaction's fee payer. Aborts, deleting nothing, if any
    /// hold is missing or not yet purgeable.
    public entry fun purge_holds(
        keeper: &signer,
        merchants: vector<address>,
        hold_refs: vector<String>,
    ) acquires Holds {
        let keeper = signer::address_of(keeper);
        assert!(
            merchant_registry::is_operator(keeper) || invoice::housekeeper() == option::some(keeper),
            error::permission_denied(ENOT_HOUSEKEEPER)
        );
        merchant_registry::assert_not_denylisted(keeper);
        assert!(merchants.length() == hold_refs.length(), error::invalid_argument(EBATCH_LENGTH_MISMATCH));
        let holds = &mut Holds[@yenpay].holds;
        let now = timestamp::now_seconds();
        merchants.zip(hold_refs, |merchant, hold_ref| {
            let key = HoldKey { merchant, hold_ref };
            assert!(holds.contains(key), error::not_found(EHOLD_NOT_FOUND));
            let hold = holds.remove(key);
            assert!(hold.state is HoldState::Closed, error::invalid_state(EHOLD_OPEN));
            assert!(now >= hold.expires_at, error::invalid_state(ECODE_NOT_EXPIRED));
            assert!(
                hold.captured + hold.tipped == 0 || now >= hold.captured_at + hold.refund_window_secs,
                error::invalid_state(EREFUND_WINDOW_OPEN)
            );
            event::emit(HoldPurged { merchant, hold_ref: hold.hold_ref });
        });
    }

    //
    // Views
    //

    #[view]
    /// The whole record of a hold, as stored.
    public fun hold(merchant: address, hold_ref: String): Hold acquires Holds {
        *borrow_hold(merchant, hold_ref)
    }

    #[view]
    /// Whether the merchant has a hold with this reference (open or closed).
    public fun hold_exists(merchant: address, hold_ref: String): bool acquires Holds {
        Holds[@yenpay].holds.contains(HoldKey { merchant, hold_ref })
    }

    #[view]
    /// What the hold still holds in escrow.
    public fun held(merchant: address, hold_ref: String): u64 acquires Holds {
        held_of(borrow_hold(merchant, hold_ref))
    }

    #[view]
    /// Whether the hold exists, holds funds and its authorization has not expired.
    public fun is_capturable(merchant: address, hold_ref: String): bool acquires Holds {
        let holds = &Holds[@yenpay].holds;
        let key = HoldKey { merchant, hold_ref };
        if (!holds.contains(key)) return false;
        let hold = holds.borrow(key);
        (hold.state is HoldState::Open) && timestamp::now_seconds() < hold.capture_before
    }

    #[view]
    /// Whether the hold exists and `purge_holds` would delete it now.
    public fun is_purgeable(merchant: address, hold_ref: String): bool acquires Holds {
        let holds = &Holds[@yenpay].holds;
        let key = HoldKey { merchant, hold_ref };
        if (!holds.contains(key)) return false;
        let hold = holds.borrow(key);
        let now = timestamp::now_seconds();
        (hold.state is HoldState::Closed) && now >= hold.expires_at
            && (hold.captured + hold.tipped == 0 || now >= hold.captured_at + hold.refund_window_secs)
    }

    #[view]
    /// The escrow object; its primary store holds every open hold's funds.
    public fun escrow_address(): address {
        object::create_object_address(&@yenpay, HOLD_ESCROW_SEED)
    }

    #[view]
    /// Yen in escrow: the sum of what the open holds hold.
    public fun escrow_balance(): u64 {
        primary_fungible_store::balance(escrow_address(), stablecoin::metadata())
    }

    //
    // Accessors of a `Hold`, for Move callers
    //

    public fun merchant(self: &Hold): address { self.merchant }
    public fun hold_ref(self: &Hold): String { self.hold_ref }
    public fun customer(self: &Hold): address { self.customer }
    public fun created_by(self: &Hold): address { self.created_by }
    /// The account that alone captures a reviewed hold; @0x0 for any other hold.
    public fun reviewer(self: &Hold): address { self.reviewer }
    public fun created_at(self: &Hold): u64 { self.created_at }
    public fun expires_at(self: &Hold): u64 { self.expires_at }
    public fun capture_before(self: &Hold): u64 { self.capture_before }
    public fun refund_window_secs(self: &Hold): u64 { self.refund_window_secs }
    public fun authorized(self: &Hold): u64 { self.authorized }
    public fun tip_limit(self: &Hold): u64 { self.tip_limit }
    public fun captured(self: &Hold): u64 { self.captured }
    public fun tipped(self: &Hold): u64 { self.tipped }
    public fun released(self: &Hold): u64 { self.released }
    public fun fee(self: &Hold): u64 { self.fee }
    public fun captured_at(self: &Hold): u64 { self.captured_at }
    public fun refunded(self: &Hold): u64 { self.refunded }
    public fun fee_refunded(self: &Hold): u64 { self.fee_refunded }
    /// Whether the hold still holds funds.
    public fun is_open(self: &Hold): bool { self.state is HoldState::Open }

    //
    // Internals
    //

    /// The checks both ways of taking a hold make first: reference, amount, expiry of the authorization, cap.
    fun assert_terms(hold_ref: &String, amount: u64, tip_limit: u64, capture_before: u64, now: u64) {
        let len = hold_ref.length();
        assert!(len > 0 && len <= MAX_HOLD_REF_BYTES, error::invalid_argument(EINVALID_HOLD_REF));
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        assert!(
            now < capture_before && capture_before - now <= MAX_HOLD_SECS,
            error::invalid_argument(EINVALID_CAPTURE_BEFORE)
        );
        assert_within_cap(amount + tip_limit);
    }

    fun assert_within_cap(total: u64) {
        let cap = controls::transfer_cap();
        assert!(cap == 0 || total <= cap, error::invalid_argument(EAMOUNT_OVER_CAP));
    }

    /// The checks of a signed hold code before its signature: the terms, the code's expiry (not passed, at most
    /// `MAX_CODE_TTL_SECS` ahead), the terminal's membership of the active merchant, and that the reference is free.
    fun check_signed_code(
        merchant: address,
        terminal: address,
        hold_ref: String,
        amount: u64,
        tip_limit: u64,
        capture_before: u64,
        expires_at: u64,
        now: u64,
    ): HoldKey acquires Holds {
        assert_terms(&hold_ref, amount, tip_limit, capture_before, now);
        assert!(now < expires_at, error::invalid_state(ECODE_EXPIRED));
        assert!(expires_at - now <= MAX_CODE_TTL_SECS, error::invalid_argument(EEXPIRY_TOO_FAR));
        merchant_registry::signed_settlement_terms(terminal, merchant);
        let key = HoldKey { merchant, hold_ref };
        assert_ref_free(key);
        key
    }

    /// Aborts unless `actor` is `reviewer`, and not denylisted.
    fun assert_reviewer(actor: &signer, reviewer: address): address {
        let actor = signer::address_of(actor);
        assert!(actor == reviewer, error::permission_denied(ENOT_REVIEWER));
        merchant_registry::assert_not_denylisted(actor);
        actor
    }

    fun assert_ref_free(key: HoldKey) acquires Holds {
        assert!(!Holds[@yenpay].holds.contains(key), error::already_exists(EHOLD_EXISTS));
    }

    /// Aborts unless `actor` is the merchant's owner, one of its terminals, or the operator, and not denylisted.
    fun assert_merchant_or_operator(actor: &signer, merchant: address): address {
        let actor = signer::address_of(actor);
        assert!(
            actor == merchant || merchant_registry::merchant_of_terminal(actor) == option::some(merchant)
                || merchant_registry::is_operator(actor),
            error::permission_denied(ENOT_MERCHANT_OR_OPERATOR)
        );
        merchant_registry::assert_not_denylisted(actor);
        actor
    }

    /// Puts `fa` into escrow and writes the new hold.
    fun open_hold(
        key: HoldKey,
        customer: address,
        created_by: address,
        reviewer: address,
        fa: FungibleAsset,
        amount: u64,
        tip_limit: u64,
        capture_before: u64,
        expires_at: u64,
        now: u64,
    ) acquires Holds {
        deposit_escrow(fa);
        Holds[@yenpay].holds.add(key, Hold {
            merchant: key.merchant,
            hold_ref: key.hold_ref,
            customer,
            created_by,
            reviewer,
            created_at: now,
            expires_at,
            capture_before,
            refund_window_secs: invoice::refund_window(),
            authorized: amount,
            tip_limit,
            captured: 0,
            tipped: 0,
            released: 0,
            fee: 0,
            captured_at: 0,
            refunded: 0,
            fee_refunded: 0,
            state: HoldState::Open,
        });
        event::emit(HoldAuthorized {
            merchant: key.merchant, hold_ref: key.hold_ref, customer, amount, tip_limit, capture_before, created_by
        });
    }

    /// What `hold` still holds.
    fun held_of(hold: &Hold): u64 {
        hold.authorized + hold.tip_limit - hold.captured - hold.tipped - hold.released
    }

    /// Closes `hold` when it holds nothing more; returns what it holds.
    fun close_if_empty(hold: &mut Hold): u64 {
        let held = held_of(hold);
        if (held == 0) hold.state = HoldState::Closed;
        held
    }

    fun deposit_escrow(fa: FungibleAsset) {
        primary_fungible_store::deposit(escrow_address(), fa);
    }

    /// Takes `amount` out of escrow through the withdraw hook, with the escrow object's signer.
    fun withdraw_escrow(amount: u64): FungibleAsset acquires Escrow {
        let escrow_signer = &Escrow[escrow_address()].extend_ref.generate_signer_for_extending();
        primary_fungible_store::withdraw(escrow_signer, stablecoin::metadata(), amount)
    }

    inline fun borrow_hold(merchant: address, hold_ref: String): &Hold {
        let holds = &Holds[@yenpay].holds;
        let key = HoldKey { merchant, hold_ref };
        assert!(holds.contains(key), error::not_found(EHOLD_NOT_FOUND));
        holds.borrow(key)
    }

    inline fun borrow_hold_mut(merchant: address, hold_ref: String): &mut Hold {
        let holds = &mut Holds[@yenpay].holds;
        let key = HoldKey { merchant, hold_ref };
        assert!(holds.contains(key), error::not_found(EHOLD_NOT_FOUND));
        holds.borrow_mut(key)
    }

    /// The hold, if it still holds funds.
    inline fun borrow_open_mut(merchant: address, hold_ref: String): &mut Hold {
        let hold = borrow_hold_mut(merchant, hold_ref);
        assert!(hold.state is HoldState::Open, error::invalid_state(EHOLD_CLOSED));
        hold
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
    public fun hold_authorized_for_test(
        merchant: address, hold_ref: String, customer: address, amount: u64, tip_limit: u64, capture_before: u64,
        created_by: address
    ): HoldAuthorized {
        HoldAuthorized { merchant, hold_ref, customer, amount, tip_limit, capture_before, created_by }
    }

    #[test_only]
    public fun hold_captured_for_test(
        merchant: address, hold_ref: String, customer: address, amount: u64, tip: u64, fee: u64, net: u64,
        released: u64, held: u64, captured_by: address
    ): HoldCaptured {
        HoldCaptured { merchant, hold_ref, customer, amount, tip, fee, net, released, held, captured_by }
    }

    #[test_only]
    public fun hold_voided_for_test(
        merchant: address, hold_ref: String, customer: address, amount: u64, held: u64, voided_by: address
    ): HoldVoided {
        HoldVoided { merchant, hold_ref, customer, amount, held, voided_by }
    }

    #[test_only]
    public fun hold_reclaimed_for_test(
        merchant: address, hold_ref: String, customer: address, amount: u64, reclaimed_by: address
    ): HoldReclaimed {
        HoldReclaimed { merchant, hold_ref, customer, amount, reclaimed_by }
    }

    #[test_only]
    public fun hold_increased_for_test(
        merchant: address, hold_ref: String, amount: u64, authorized: u64, capture_before: u64
    ): HoldIncreased {
        HoldIncreased { merchant, hold_ref, amount, authorized, capture_before }
    }

    #[test_only]
    public fun hold_refunded_for_test(
        merchant: address, hold_ref: String, customer: address, amount: u64, fee_returned: u64, refunded_total: u64
    ): HoldRefunded {
        HoldRefunded { merchant, hold_ref, customer, amount, fee_returned, refunded_total }
    }

    #[test_only]
    public fun hold_seized_for_test(
        merchant: address, hold_ref: String, customer: address, to: address, amount: u64, legal_order: vector<u8>
    ): HoldSeized {
        HoldSeized { merchant, hold_ref, customer, to, amount, legal_order }
    }

    #[test_only]
    public fun hold_purged_for_test(merchant: address, hold_ref: String): HoldPurged {
        HoldPurged { merchant, hold_ref }
    }
}
