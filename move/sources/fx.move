/// The operator's FX desk: a tourist holding only USDC pays a terminal-signed yen code at a rate the desk quoted, and
/// the merchant is settled in yen, in one transaction (issue 29).
///
/// `pay_signed_invoice_in_usdc` takes the code (`authorization::InvoiceOffer`, checked as `invoice::pay_signed_invoice`
/// checks it) and the desk's quote (`authorization::FxQuote`: the code's merchant and order reference, the yen amount,
/// the USDC amount, the rate, an expiry at most `MAX_QUOTE_TTL_SECS` ahead, chain and deployment), signed with the
/// key of the account holding the quote-signer role. The customer's USDC goes to the desk and the invoice's yen comes
/// out of the desk's yen inventory, split into fee and net as for any payment; the merchant never holds USDC and the
/// customer pays exactly what the quote says (no slippage: both amounts are signed). A quote is used at most once
/// without a store of its own: it names one code, and the code's invoice record makes it paid once.
///
/// Bounds on what a quote may say, all held on chain so that a leaked quote key cannot drain the desk:
/// - the rate and the amounts agree: `usdc_amount` = ceil(`yen_amount` * 10^12 / `rate`), the desk never gives more
///   yen than the USDC is worth at the quoted rate, and rounds by less than one USDC unit;
/// - the rate is within `max_deviation_bps` of the reference rate that the rate keeper (a second role) keeps, and the
///   reference was observed at most `max_staleness_secs` ago. Two policies: one while FX markets trade, a wider one
///   (`closed` policy) from Friday 21:00 to Sunday 22:00 UTC, when reference feeds such as Pyth's USD/JPY stop
///   (Friday 17:00 to Sunday 17:00 New York time; the window is the union of the EDT and EST hours, so it needs no
///   calendar of daylight saving and errs, by one hour, towards the closed policy);
/// - a per-quote limit and a daily limit (a Japan day, UTC+9) on the yen paid out (and on the yen taken in for tax
///   refunds paid in USDC, `pay_tax_refund_in_usdc`: the desk's volume both ways). The day's total is an aggregator
///   (`aggregator_v2`) kept in `FxConfig`: a payment adds to it and rewrites the configuration with the same bytes
///   (the aggregator's value lives outside them), which Block-STM validates by value, so payments do not conflict;
///   the first payment of a Japan day (a new aggregator) and the operator's and the roles' changes do.
///
/// A quote is checked against the authentication key that `FxConfig` keeps for the quote signer (taken from its
/// account when it accepts the role, at publish for the deployer, and again when the holder calls
/// `refresh_quote_key` after rotating its account's key), so a payment reads no account. The desk's stores and the
/// USDC metadata are kept there as typed objects too, so a payment loads only what it moves (docs/figures.md has the
/// gas, docs/audit.md the argument).
///
/// The desk is the primary stores (yen and USDC) of an untransferable object under `@yenpay` whose `ExtendRef` only
/// this module keeps (in `FxConfig`); its yen store is approved to hold the stablecoin, as the treasury's and the
/// escrow's are. Anyone may deposit into it (the operator funds the yen inventory with a plain transfer); yen leaves
/// it only for a payment (exactly the code's amount, to the invoice's split) and either asset only by the operator's
/// `withdraw_yen` and `withdraw_usdc`. USDC is a parameter of the deployment (`configure_usdc`, once): the
/// native USDC metadata object on mainnet and testnet, a test asset with the same decimals on a local node.
///
/// The yen legs move through the dispatchable paths, so pause, denylist, cap and the store rule hold; the customer
/// never touches yen, so the customer is checked against the denylist here.
module yenpay::fx {
    use std::error;
    use std::features;
    use std::option::{Self, Option};
    use std::signer;
    use std::string::String;
    use aptos_framework::account;
    use aptos_framework::aggregator_v2::{Self, Aggregator};
    use aptos_framework::dispatchable_fungible_asset;
    use aptos_framework::event;
    use aptos_framework::fungible_asset::{Self, FungibleAsset, FungibleStore, Metadata};
    use aptos_framework::object::{Self, ExtendRef, Object};
    use aptos_framework::primary_fungible_store;
    use aptos_framework::timestamp;
    use yenpay::authorization;
    use yenpay::controls;
    use yenpay::invoice;
    use yenpay::merchant_registry;
    use yenpay::role::{Self, TwoStepRole};
    use yenpay::stablecoin;

    //
    // Errors
    //

    /// The signer is not the operator (`merchant_registry::operator`).
    const ENOT_OPERATOR: u64 = 1;
    /// The signer neither holds the quote-signer role nor is the operator.
    const ENOT_QUOTE_SIGNER: u64 = 2;
    /// The signer is not the proposed quote signer.
    const ENOT_PENDING_QUOTE_SIGNER: u64 = 3;
    /// The signer neither holds the rate-keeper role nor is the operator (proposals), or is not the rate keeper
    /// (rates).
    const ENOT_RATE_KEEPER: u64 = 4;
    /// The signer is not the proposed rate keeper.
    const ENOT_PENDING_RATE_KEEPER: u64 = 5;
    /// No successor is proposed for this role.
    const ENO_PENDING: u64 = 6;
    /// The desk's USDC asset is not configured yet.
    const EUSDC_NOT_SET: u64 = 7;
    /// The desk's USDC asset is configured already; it is set once.
    const EUSDC_ALREADY_SET: u64 = 8;
    /// The asset does not have USDC's `USDC_DECIMALS` decimals.
    const EWRONG_DECIMALS: u64 = 9;
    /// The quote has expired.
    const EQUOTE_EXPIRED: u64 = 10;
    /// The quote expires more than `MAX_QUOTE_TTL_SECS` from now.
    const EQUOTE_TTL_TOO_LONG: u64 = 11;
    /// The quote's USDC amount is not ceil(yen amount * 10^12 / rate).
    const EQUOTE_RATE_MISMATCH: u64 = 12;
    /// The yen amount is above the desk's per-quote limit.
    const EOVER_QUOTE_LIMIT: u64 = 13;
    /// The yen amount would take the day's total above the desk's daily limit.
    const EOVER_DAILY_LIMIT: u64 = 14;
    /// The quote's rate is further from the reference rate than the policy in force allows.
    const ERATE_OUT_OF_BAND: u64 = 15;
    /// The reference rate is older than the policy in force allows.
    const EREFERENCE_STALE: u64 = 16;
    /// No reference rate has been set.
    const ENO_REFERENCE_RATE: u64 = 17;
    /// A rate is zero.
    const EZERO_RATE: u64 = 18;
    /// A policy is outside the bounds, or the closed-market policy is narrower than the open one.
    const EINVALID_POLICY: u64 = 19;
    /// The per-quote limit is above the daily limit.
    const EINVALID_LIMITS: u64 = 20;
    /// The amount is zero.
    const EZERO_AMOUNT: u64 = 21;
    /// The desk holds less than asked for.
    const EINSUFFICIENT_INVENTORY: u64 = 22;
    /// The reference rate's observation time is in the future, or not later than the current reference's.
    const EINVALID_OBSERVATION_TIME: u64 = 23;
    /// The quote signer's account has no authentication key to keep (it does not exist).
    const ENO_QUOTE_SIGNER_ACCOUNT: u64 = 24;
    /// A tax refund's USDC amount is not floor(yen amount * 10^12 / rate), or is zero.
    const EREFUND_RATE_MISMATCH: u64 = 25;

    //
    // Constants
    //

    /// Seed of the desk object under `@yenpay`.
    const DESK_SEED: vector<u8> = b"YENPAY_FX_DESK";
    /// Decimals of a rate: a rate is yen per whole USDC times 10^6 (150.25 yen = 150_250_000).
    const RATE_DECIMALS: u8 = 6;
    /// 10^RATE_DECIMALS.
    const RATE_SCALE: u128 = 1_000_000;
    /// Decimals of USDC (native USDC on Aptos, and the local test asset).
    const USDC_DECIMALS: u8 = 6;
    /// 10^USDC_DECIMALS: USDC units per whole USDC.
    const USDC_UNIT: u128 = 1_000_000;
    /// Longest a quote may live: the issue's 60 s.
    const MAX_QUOTE_TTL_SECS: u64 = 60;
    /// Basis points in one.
    const BPS: u128 = 10_000;
    /// Widest band any policy may allow: 20%.
    const MAX_DEVIATION_BPS: u64 = 2_000;
    /// Oldest reference any policy may accept: a week.
    const MAX_STALENESS_SECS: u64 = 604_800;
    /// Japan's offset from UTC: the daily limit's day is a Japan day, as the operator's books are.
    const JST_OFFSET_SECS: u64 = 32_400;
    const DAY_SECS: u64 = 86_400;
    const WEEK_SECS: u64 = 604_800;
    /// Seconds from Sunday 00:00 UTC to the Unix epoch (a Thursday).
    const SUNDAY_TO_EPOCH_SECS: u64 = 345_600;
    /// Markets close Friday 21:00 UTC (17:00 EDT), seconds into the UTC week.
    const CLOSE_SECS_IN_WEEK: u64 = 507_600;
    /// Markets open Sunday 22:00 UTC (17:00 EST), seconds into the UTC week.
    const OPEN_SECS_IN_WEEK: u64 = 79_200;
    /// Policy while markets trade, at publish: 1.5%, reference at most five minutes old.
    const DEFAULT_OPEN_DEVIATION_BPS: u64 = 150;
    const DEFAULT_OPEN_STALENESS_SECS: u64 = 300;
    /// Policy while markets are closed, at publish: 3%, reference at most 72 hours old (Friday's last price holds
    /// through Sunday's reopening).
    const DEFAULT_CLOSED_DEVIATION_BPS: u64 = 300;
    const DEFAULT_CLOSED_STALENESS_SECS: u64 = 259_200;

    //
    // State
    //

    /// How far a quote's rate may stray from the reference, and how old the reference may be.
    struct RatePolicy has copy, drop, store {
        max_deviation_bps: u64,
        max_staleness_secs: u64,
    }

    /// The desk's USDC: the asset and the desk's primary store of it, both fixed by `configure_usdc`.
    struct Usdc has copy, drop, store {
        metadata: Object<Metadata>,
        desk_store: Object<FungibleStore>,
    }

    /// The desk's configuration and the day's total, at `@yenpay`: one resource for everything a payment reads, so it
    /// loads one. `desk` is the desk object's `ExtendRef` and `desk_yen` its primary yen store (typed, so a payment
    /// neither derives nor looks them up). `quote_auth_key` is the quote signer's authentication key as kept (see the
    /// module's doc). Limits are in yen; both zero at publish, so the desk pays nothing until the operator sets them.
    /// `reference_rate` (yen per USDC times 10^6) and `observed_at` are the rate keeper's, zero until its first
    /// `set_reference_rate`. `used` is the yen paid out on Japan day `day` (days since the epoch, UTC+9), bounded by
    /// the daily limit in force when it was created, so `try_add` is the limit check.
    struct FxConfig has key {
        usdc: Option<Usdc>,
        desk: ExtendRef,
        desk_yen: Object<FungibleStore>,
        quote_signer: TwoStepRole,
        quote_auth_key: vector<u8>,
        rate_keeper: TwoStepRole,
        open_policy: RatePolicy,
        closed_policy: RatePolicy,
        max_quote_yen: u64,
        daily_limit_yen: u64,
        reference_rate: u64,
        observed_at: u64,
        day: u64,
        used: Aggregator<u64>,
    }

    //
    // Events
    //

    #[event]
    /// A code was paid in USDC: `usdc_amount` went to the desk and `yen_amount` came out of it to the merchant
    /// (the invoice module's `InvoicePaid` has the fee split), at `rate`, with the reference at `reference_rate`.
    struct PaidInUsdc has drop, store {
        merchant: address,
        order_ref: String,
        payer: address,
        yen_amount: u64,
        usdc_amount: u64,
        rate: u64,
        reference_rate: u64,
    }

    #[event]
    /// A consumption-tax refund of `yen_amount` owed to `traveller` for the purchase (`merchant`, `order_ref`) was paid
    /// as `usdc_amount` of the desk's USDC, at `rate` with the reference at `reference_rate`: the yen went from the
    /// refund float into the desk's inventory (`tax_refund::TaxRefunded` has the refund in yen).
    struct TaxRefundPaidInUsdc has drop, store {
        merchant: address,
        order_ref: String,
        traveller: address,
        yen_amount: u64,
        usdc_amount: u64,
        rate: u64,
        reference_rate: u64,
    }

    #[event]
    /// The operator set the desk's USDC asset.
    struct UsdcConfigured has drop, store {
        usdc: address,
    }

    #[event]
    /// The operator changed the desk's limits (yen).
    struct LimitsChanged has drop, store {
        max_quote_yen: u64,
        daily_limit_yen: u64,
    }

    #[event]
    /// The operator changed the rate policies.
    struct RatePoliciesChanged has drop, store {
        open_deviation_bps: u64,
        open_staleness_secs: u64,
        closed_deviation_bps: u64,
        closed_staleness_secs: u64,
    }

    #[event]
    /// The rate keeper set the reference rate.
    struct ReferenceRateUpdated has drop, store {
        rate: u64,
        observed_at: u64,
    }

    #[event]
    /// `proposed_by` (the holder or the operator) proposed `proposed` as quote signer; none withdraws a proposal.
    struct QuoteSignerProposed has drop, store {
        holder: address,
        proposed: Option<address>,
        proposed_by: address,
    }

    #[event]
    /// The proposed quote signer accepted: quotes signed by the old one are refused from now on.
    struct QuoteSignerChanged has drop, store {
        old: address,
        new: address,
    }

    #[event]
    /// The quote signer had the desk keep its account's current authentication key (`refresh_quote_key`): quotes
    /// signed with the key it rotated away from are refused from now on.
    struct QuoteKeyRefreshed has drop, store {
        quote_signer: address,
        auth_key: vector<u8>,
    }

    #[event]
    /// `proposed_by` (the holder or the operator) proposed `proposed` as rate keeper; none withdraws a proposal.
    struct RateKeeperProposed has drop, store {
        holder: address,
        proposed: Option<address>,
        proposed_by: address,
    }

    #[event]
    /// The proposed rate keeper accepted.
    struct RateKeeperChanged has drop, store {
        old: address,
        new: address,
    }

    #[event]
    /// The operator took `amount` of the desk's `asset` (yen or USDC) to `to`.
    struct DeskWithdrawn has drop, store {
        asset: address,
        to: address,
        amount: u64,
    }

    /// Runs at publish (or at the upgrade that adds this module): the desk object and its approved yen store; both
    /// roles with the deployer, as the other roles are; zero limits.
    fun init_module(publisher: &signer) {
        let constructor_ref = &object::create_named_object(publisher, DESK_SEED);
        object::set_untransferable(constructor_ref);
        let desk_signer = &object::generate_signer(constructor_ref);
        let store = primary_fungible_store::ensure_primary_store_exists(
            signer::address_of(desk_signer), stablecoin::metadata()
        );
        move_to(publisher, FxConfig {
            usdc: option::none(),
            desk: object::generate_extend_ref(constructor_ref),
            desk_yen: store,
            quote_signer: role::new(@deployer),
            quote_auth_key: if (account::exists_at(@deployer)) account::get_authentication_key(@deployer) else vector[],
            rate_keeper: role::new(@deployer),
            open_policy: RatePolicy {
                max_deviation_bps: DEFAULT_OPEN_DEVIATION_BPS, max_staleness_secs: DEFAULT_OPEN_STALENESS_SECS
            },
            closed_policy: RatePolicy {
                max_deviation_bps: DEFAULT_CLOSED_DEVIATION_BPS, max_staleness_secs: DEFAULT_CLOSED_STALENESS_SECS
            },
            max_quote_yen: 0,
            daily_limit_yen: 0,
            reference_rate: 0,
            observed_at: 0,
            day: 0,
            used: aggregator_v2::create_aggregator(0),
        });
        controls::approve_package_store(store.object_address());
        // Every USDC payment withdraws here: an aggregator-backed balance keeps them from conflicting.
        if (features::concurrent_fungible_balance_enabled()) {
            fungible_asset::upgrade_store_to_concurrent(desk_signer, store);
        };
    }

    //
    // Paying
    //

    /// Pays the code that `terminal` signed (`merchant`, `order_ref`, `amount` yen, `expires_at`, as
    /// `invoice::pay_signed_invoice` takes it) with `usdc_amount` of the payer's USDC, at the desk's quote (`rate`,
    /// `quote_expires_at`, signed with `quote_public_key`, whose authentication key must be the one the desk keeps for
    /// the quote signer). Checks the code as `pay_signed_invoice` does, then the quote (expiry, amounts against the
    /// rate, per-quote limit, reference rate and its age under the policy in force, signature) and the daily limit;
    /// moves the USDC to the desk and the invoice's yen from the desk's inventory to the merchant (fee to the
    /// treasury); writes the invoice as paid by the payer. Emits the invoice's `InvoiceCreated` and `InvoicePaid`, and
    /// `PaidInUsdc`.
    public entry fun pay_signed_invoice_in_usdc(
        payer: &signer,
        merchant: address,
        terminal: address,
        order_ref: String,
        amount: u64,
        expires_at: u64,
        public_key: vector<u8>,
        signature: vector<u8>,
        usdc_amount: u64,
        rate: u64,
        quote_expires_at: u64,
        quote_public_key: vector<u8>,
        quote_signature: vector<u8>,
    ) acquires FxConfig {
        let payer_address = signer::address_of(payer);
        // The customer touches only USDC, so no yen hook sees it.
        merchant_registry::assert_not_denylisted(payer_address);
        let (payout, fee_bps) = invoice::check_signed_invoice(
            merchant, terminal, order_ref, amount, expires_at, public_key, signature
        );
        let config = &mut FxConfig[@yenpay];
        assert!(config.usdc.is_some(), error::invalid_state(EUSDC_NOT_SET));
        let usdc = *config.usdc.borrow();
        let now = timestamp::now_seconds();
        assert!(now < quote_expires_at, error::invalid_state(EQUOTE_EXPIRED));
        assert!(quote_expires_at - now <= MAX_QUOTE_TTL_SECS, error::invalid_argument(EQUOTE_TTL_TOO_LONG));
        assert!(rate > 0, error::invalid_argument(EZERO_RATE));
        assert!(usdc_amount == usdc_for_yen(amount, rate), error::invalid_argument(EQUOTE_RATE_MISMATCH));
        assert!(amount <= config.max_quote_yen, error::out_of_range(EOVER_QUOTE_LIMIT));
        let reference_rate = assert_within_policy(config, rate, now);
        authorization::verify_fx_quote(
            stablecoin::metadata_address(), usdc.metadata.object_address(), merchant, order_ref, amount, usdc_amount,
            rate, quote_expires_at, config.quote_auth_key, quote_public_key, quote_signature,
        );
        count_daily(config, amount, now);
        let usdc_paid = primary_fungible_store::withdraw(payer, usdc.metadata, usdc_amount);
        // The desk's stores are known: no derivation, and no yen metadata to load (the hooks still run on the yen).
        dispatchable_fungible_asset::deposit(usdc.desk_store, usdc_paid);
        let desk_yen = config.desk_yen;
        let fa = withdraw_from_desk(config, desk_yen, amount);
        invoice::record_signed_payment(payer_address, merchant, terminal, order_ref, expires_at, fa, payout, fee_bps);
        event::emit(PaidInUsdc {
            merchant, order_ref, payer: payer_address, yen_amount: amount, usdc_amount, rate, reference_rate
        });
    }

    //
    // Tax refunds paid in USDC
    //

    /// Buys the yen `refund` of a consumption-tax refund owed to `traveller` for the purchase (`merchant`,
    /// `order_ref`) with the desk's USDC, at the desk's `authorization::TaxRefundQuote` (`usdc_amount`, `rate`,
    /// `quote_expires_at`, signed with `quote_public_key`, the key of the quote signer's kept authentication key):
    /// `tax_refund::claim_tax_refund_in_usdc` calls it once it has checked the claim and taken the yen out of the
    /// float. Checks as a payment's quote: expiry and its 60 s bound, the per-quote limit, the reference's age, the
    /// signature and the daily limit (which counts the desk's yen both ways); the amounts must agree with the rate
    /// rounding down (`usdc_amount` = floor(yen * 10^12 / rate), non-zero: the desk never gives more USDC than the
    /// yen buys at the quoted rate); the rate must lie from the reference up to the band's top (the desk sells USDC
    /// here, so a rate under the reference would give the traveller more than the yen is worth at the reference,
    /// which only a leaked key would sign). The yen goes into the desk's inventory through the hooks, the USDC to
    /// the traveller's primary store. Emits `TaxRefundPaidInUsdc`.
    package fun pay_tax_refund_in_usdc(
        traveller: address,
        merchant: address,
        order_ref: String,
        refund: FungibleAsset,
        usdc_amount: u64,
        rate: u64,
        quote_expires_at: u64,
        quote_public_key: vector<u8>,
        quote_signature: vector<u8>,
    ) acquires FxConfig {
        let yen_amount = refund.amount();
        let config = &mut FxConfig[@yenpay];
        assert!(config.usdc.is_some(), error::invalid_state(EUSDC_NOT_SET));
        let usdc = *config.usdc.borrow();
        let now = timestamp::now_seconds();
        assert!(now < quote_expires_at, error::invalid_state(EQUOTE_EXPIRED));
        assert!(quote_expires_at - now <= MAX_QUOTE_TTL_SECS, error::invalid_argument(EQUOTE_TTL_TOO_LONG));
        assert!(rate > 0, error::invalid_argument(EZERO_RATE));
        assert!(
            usdc_amount > 0 && usdc_amount == usdc_for_refund(yen_amount, rate),
            error::invalid_argument(EREFUND_RATE_MISMATCH)
        );
        assert!(yen_amount <= config.max_quote_yen, error::out_of_range(EOVER_QUOTE_LIMIT));
        let (reference_rate, policy) = fresh_reference(config, now);
        assert!(
            rate >= reference_rate
                && ((rate - reference_rate) as u128) * BPS
                    <= (reference_rate as u128) * (policy.max_deviation_bps as u128),
            error::out_of_range(ERATE_OUT_OF_BAND)
        );
        authorization::verify_tax_refund_quote(
            stablecoin::metadata_address(), usdc.metadata.object_address(), merchant, order_ref, traveller, yen_amount,
            usdc_amount, rate, quote_expires_at, config.quote_auth_key, quote_public_key, quote_signature,
        );
        count_daily(config, yen_amount, now);
        dispatchable_fungible_asset::deposit(config.desk_yen, refund);
        let paid = withdraw_from_desk(config, usdc.desk_store, usdc_amount);
        primary_fungible_store::deposit(traveller, paid);
        event::emit(TaxRefundPaidInUsdc {
            merchant, order_ref, traveller, yen_amount, usdc_amount, rate, reference_rate
        });
    }

    //
    // Operator
    //

    /// Sets the desk's USDC asset (the metadata object of a fungible asset with 6 decimals), once, and creates the
    /// desk's store of it.
    public entry fun configure_usdc(operator: &signer, usdc: address) acquires FxConfig {
        assert_operator(operator);
        let config = &mut FxConfig[@yenpay];
        assert!(config.usdc.is_none(), error::already_exists(EUSDC_ALREADY_SET));
        let metadata = object::address_to_object<Metadata>(usdc);
        assert!(fungible_asset::decimals(metadata) == USDC_DECIMALS, error::invalid_argument(EWRONG_DECIMALS));
        let store = primary_fungible_store::ensure_primary_store_exists(desk_address(), metadata);
        config.usdc = option::some(Usdc { metadata, desk_store: store });
        if (features::concurrent_fungible_balance_enabled()) {
            fungible_asset::upgrade_store_to_concurrent(&desk_signer(config), store);
        };
        event::emit(UsdcConfigured { usdc });
    }

    /// Sets the per-quote and daily limits, in yen. The day's total so far counts against the new daily limit.
    public entry fun set_limits(
        operator: &signer, max_quote_yen: u64, daily_limit_yen: u64
    ) acquires FxConfig {
        assert_operator(operator);
        assert!(max_quote_yen <= daily_limit_yen, error::invalid_argument(EINVALID_LIMITS));
        let config = &mut FxConfig[@yenpay];
        config.max_quote_yen = max_quote_yen;
        config.daily_limit_yen = daily_limit_yen;
        let used = config.used.read();
        config.used = aggregator_v2::create_aggregator_with_value(
            if (used < daily_limit_yen) used else daily_limit_yen, daily_limit_yen
        );
        event::emit(LimitsChanged { max_quote_yen, daily_limit_yen });
    }

    /// Sets the policy while markets trade and the one while they are closed, which must be at least as wide in
    /// both respects. Deviations at most `MAX_DEVIATION_BPS`; staleness from 1 s to `MAX_STALENESS_SECS`.
    public entry fun set_rate_policies(
        operator: &signer,
        open_deviation_bps: u64,
        open_staleness_secs: u64,
        closed_deviation_bps: u64,
        closed_staleness_secs: u64,
    ) acquires FxConfig {
        assert_operator(operator);
        assert!(
            closed_deviation_bps <= MAX_DEVIATION_BPS && open_deviation_bps <= closed_deviation_bps
                && open_staleness_secs > 0 && open_staleness_secs <= closed_staleness_secs
                && closed_staleness_secs <= MAX_STALENESS_SECS,
            error::invalid_argument(EINVALID_POLICY)
        );
        let config = &mut FxConfig[@yenpay];
        config.open_policy = RatePolicy {
            max_deviation_bps: open_deviation_bps, max_staleness_secs: open_staleness_secs
        };
        config.closed_policy = RatePolicy {
            max_deviation_bps: closed_deviation_bps, max_staleness_secs: closed_staleness_secs
        };
        event::emit(RatePoliciesChanged {
            open_deviation_bps, open_staleness_secs, closed_deviation_bps, closed_staleness_secs
        });
    }

    /// Moves `amount` of the desk's yen inventory to `to`.
    public entry fun withdraw_yen(operator: &signer, to: address, amount: u64) acquires FxConfig {
        assert_operator(operator);
        let config = &FxConfig[@yenpay];
        withdraw_to(config, config.desk_yen, to, amount);
    }

    /// Moves `amount` of the desk's USDC to `to` (the operator's FX account, to convert or hedge).
    public entry fun withdraw_usdc(operator: &signer, to: address, amount: u64) acquires FxConfig {
        assert_operator(operator);
        let config = &FxConfig[@yenpay];
        assert!(config.usdc.is_some(), error::invalid_state(EUSDC_NOT_SET));
        withdraw_to(config, config.usdc.borrow().desk_store, to, amount);
    }

    //
    // Rate keeper
    //

    /// Sets the reference rate (yen per USDC times 10^6), observed at `observed_at` (the feed's time, Unix seconds):
    /// not in the future and later than the current reference's, so a delayed update never replaces a newer one.
    public entry fun set_reference_rate(
        keeper: &signer, rate: u64, observed_at: u64
    ) acquires FxConfig {
        let keeper = signer::address_of(keeper);
        let config = &mut FxConfig[@yenpay];
        assert!(config.rate_keeper.is_holder(keeper), error::permission_denied(ENOT_RATE_KEEPER));
        merchant_registry::assert_not_denylisted(keeper);
        assert!(rate > 0, error::invalid_argument(EZERO_RATE));
        assert!(observed_at <= timestamp::now_seconds(), error::invalid_argument(EINVALID_OBSERVATION_TIME));
        assert!(observed_at > config.observed_at, error::invalid_argument(EINVALID_OBSERVATION_TIME));
        config.reference_rate = rate;
        config.observed_at = observed_at;
        event::emit(ReferenceRateUpdated { rate, observed_at });
    }

    //
    // Roles: two steps, proposed by the holder or (to recover a lost or leaked key) the operator
    //

    /// Proposes `successor` as quote signer, replacing any earlier proposal.
    public entry fun propose_quote_signer(actor: &signer, successor: address) acquires FxConfig {
        let actor = signer::address_of(actor);
        let role = &mut FxConfig[@yenpay].quote_signer;
        assert!(may_propose(role, actor), error::permission_denied(ENOT_QUOTE_SIGNER));
        role.propose(successor);
        event::emit(QuoteSignerProposed {
            holder: role.holder(), proposed: option::some(successor), proposed_by: actor
        });
    }

    /// Withdraws the proposal of a quote signer.
    public entry fun cancel_quote_signer_proposal(actor: &signer) acquires FxConfig {
        let actor = signer::address_of(actor);
        let role = &mut FxConfig[@yenpay].quote_signer;
        assert!(may_propose(role, actor), error::permission_denied(ENOT_QUOTE_SIGNER));
        assert!(role.cancel().is_some(), error::invalid_state(ENO_PENDING));
        event::emit(QuoteSignerProposed { holder: role.holder(), proposed: option::none(), proposed_by: actor });
    }

    /// The proposed quote signer takes the role; quotes signed with the previous holder's key fail from now on.
    /// The desk keeps the successor's current authentication key for the quotes' checks.
    public entry fun accept_quote_signer(successor: &signer) acquires FxConfig {
        let new = signer::address_of(successor);
        merchant_registry::assert_not_denylisted(new);
        let config = &mut FxConfig[@yenpay];
        let previous = config.quote_signer.accept(new);
        assert!(previous.is_some(), error::permission_denied(ENOT_PENDING_QUOTE_SIGNER));
        assert!(account::exists_at(new), error::not_found(ENO_QUOTE_SIGNER_ACCOUNT));
        config.quote_auth_key = account::get_authentication_key(new);
        event::emit(QuoteSignerChanged { old: previous.destroy_some(), new });
    }

    /// The quote signer has the desk keep its account's current authentication key, after rotating the account's
    /// key: quotes signed with the old key are refused from this transaction on (until then they still verify, so a
    /// holder rotating a leaked key calls this in the same breath, or the operator replaces the holder).
    public entry fun refresh_quote_key(holder: &signer) acquires FxConfig {
        let holder = signer::address_of(holder);
        let config = &mut FxConfig[@yenpay];
        assert!(config.quote_signer.is_holder(holder), error::permission_denied(ENOT_QUOTE_SIGNER));
        merchant_registry::assert_not_denylisted(holder);
        assert!(account::exists_at(holder), error::not_found(ENO_QUOTE_SIGNER_ACCOUNT));
        let auth_key = account::get_authentication_key(holder);
        config.quote_auth_key = auth_key;
        event::emit(QuoteKeyRefreshed { quote_signer: holder, auth_key });
    }

    /// Proposes `successor` as rate keeper, replacing any earlier proposal.
    public entry fun propose_rate_keeper(actor: &signer, successor: address) acquires FxConfig {
        let actor = signer::address_of(actor);
        let role = &mut FxConfig[@yenpay].rate_keeper;
        assert!(may_propose(role, actor), error::permission_denied(ENOT_RATE_KEEPER));
        role.propose(successor);
        event::emit(RateKeeperProposed {
            holder: role.holder(), proposed: option::some(successor), proposed_by: actor
        });
    }

    /// Withdraws the proposal of a rate keeper.
    public entry fun cancel_rate_keeper_proposal(actor: &signer) acquires FxConfig {
        let actor = signer::address_of(actor);
        let role = &mut FxConfig[@yenpay].rate_keeper;
        assert!(may_propose(role, actor), error::permission_denied(ENOT_RATE_KEEPER));
        assert!(role.cancel().is_some(), error::invalid_state(ENO_PENDING));
        event::emit(RateKeeperProposed { holder: role.holder(), proposed: option::none(), proposed_by: actor });
    }

    /// The proposed rate keeper takes the role.
    public entry fun accept_rate_keeper(successor: &signer) acquires FxConfig {
        let new = signer::address_of(successor);
        merchant_registry::assert_not_denylisted(new);
        let previous = FxConfig[@yenpay].rate_keeper.accept(new);
        assert!(previous.is_some(), error::permission_denied(ENOT_PENDING_RATE_KEEPER));
        event::emit(RateKeeperChanged { old: previous.destroy_some(), new });
    }

    //
    // Views
    //

    #[view]
    /// The desk object; its primary stores hold the yen inventory and the USDC received.
    public fun desk_address(): address {
        object::create_object_address(&@yenpay, DESK_SEED)
    }

    #[view]
    /// The desk's USDC asset (metadata object address), once configured.
    public fun usdc(): Option<address> acquires FxConfig {
        FxConfig[@yenpay].usdc.map(|usdc| usdc.metadata.object_address())
    }

    #[view]
    /// The desk's yen inventory.
    public fun yen_inventory(): u64 {
        primary_fungible_store::balance(desk_address(), stablecoin::metadata())
    }

    #[view]
    /// The desk's USDC (its exposure); zero before USDC is configured.
    public fun usdc_balance(): u64 acquires FxConfig {
        let usdc = FxConfig[@yenpay].usdc;
        if (usdc.is_none()) return 0;
        fungible_asset::balance(usdc.destroy_some().desk_store)
    }

    #[view]
    /// The reference rate (yen per USDC times 10^6) and when it was observed; (0, 0) before the first.
    public fun reference_rate(): (u64, u64) acquires FxConfig {
        let config = &FxConfig[@yenpay];
        (config.reference_rate, config.observed_at)
    }

    #[view]
    /// The per-quote and daily limits, in yen.
    public fun limits(): (u64, u64) acquires FxConfig {
        let config = &FxConfig[@yenpay];
        (config.max_quote_yen, config.daily_limit_yen)
    }

    #[view]
    /// The Japan day the daily total counts, and the desk's yen volume on it (yen paid out for payments, taken in for
    /// tax refunds paid in USDC). Reading the total is for monitoring: the pay path only adds to it.
    public fun daily_volume(): (u64, u64) acquires FxConfig {
        let config = &FxConfig[@yenpay];
        let today = japan_day(timestamp::now_seconds());
        if (config.day != today) return (today, 0);
        (config.day, config.used.read())
    }

    #[view]
    /// The policy (maximum deviation in basis points, maximum age in seconds) while markets trade (`closed` false) or
    /// are closed (`closed` true).
    public fun rate_policy(closed: bool): (u64, u64) acquires FxConfig {
        let config = &FxConfig[@yenpay];
        let policy = if (closed) config.closed_policy else config.open_policy;
        (policy.max_deviation_bps, policy.max_staleness_secs)
    }

    #[view]
    /// Whether the closed-market policy is in force now (Friday 21:00 to Sunday 22:00 UTC).
    public fun is_market_closed(): bool {
        market_closed_at(timestamp::now_seconds())
    }

    #[view]
    /// The lowest and highest rate a quote may carry now under the policy in force; aborts as a payment would if
    /// there is no reference or it is stale.
    public fun rate_band(): (u64, u64) acquires FxConfig {
        let config = &FxConfig[@yenpay];
        let now = timestamp::now_seconds();
        let (reference, policy) = fresh_reference(config, now);
        let width = ((reference as u128) * (policy.max_deviation_bps as u128) / BPS as u64);
        (reference - width, reference + width)
    }

    #[view]
    /// The USDC units a quote of `yen_amount` at `rate` must carry: ceil(yen_amount * 10^12 / rate).
    public fun usdc_for_yen(yen_amount: u64, rate: u64): u64 {
        assert!(rate > 0, error::invalid_argument(EZERO_RATE));
        let scaled = (yen_amount as u128) * USDC_UNIT * RATE_SCALE;
        (((scaled + (rate as u128) - 1) / (rate as u128)) as u64)
    }

    #[view]
    /// The USDC units a tax refund of `yen_amount` at `rate` pays: floor(yen_amount * 10^12 / rate).
    public fun usdc_for_refund(yen_amount: u64, rate: u64): u64 {
        assert!(rate > 0, error::invalid_argument(EZERO_RATE));
        ((yen_amount as u128) * USDC_UNIT * RATE_SCALE / (rate as u128) as u64)
    }

    #[view]
    /// The quote signer, whose current key signs quotes.
    public fun quote_signer(): address acquires FxConfig {
        FxConfig[@yenpay].quote_signer.holder()
    }

    #[view]
    /// The authentication key the desk checks quotes' keys against: the quote signer's as the desk kept it at its
    /// acceptance or last `refresh_quote_key` (empty if the deployer had no account at publish).
    public fun quote_auth_key(): vector<u8> acquires FxConfig {
        FxConfig[@yenpay].quote_auth_key
    }

    #[view]
    /// The proposed quote signer, if any.
    public fun pending_quote_signer(): Option<address> acquires FxConfig {
        FxConfig[@yenpay].quote_signer.pending()
    }

    #[view]
    /// The rate keeper.
    public fun rate_keeper(): address acquires FxConfig {
        FxConfig[@yenpay].rate_keeper.holder()
    }

    #[view]
    /// The proposed rate keeper, if any.
    public fun pending_rate_keeper(): Option<address> acquires FxConfig {
        FxConfig[@yenpay].rate_keeper.pending()
    }

    #[view]
    /// Decimals of a rate.
    public fun rate_decimals(): u8 { RATE_DECIMALS }

    #[view]
    /// Longest a quote may live, in seconds.
    public fun max_quote_ttl_secs(): u64 { MAX_QUOTE_TTL_SECS }

    //
    // Internals
    //

    /// Aborts unless `operator` is the registry's operator and is not denylisted.
    fun assert_operator(operator: &signer) {
        let operator = signer::address_of(operator);
        assert!(merchant_registry::is_operator(operator), error::permission_denied(ENOT_OPERATOR));
        merchant_registry::assert_not_denylisted(operator);
    }

    /// The holder of `role` or the operator, not denylisted.
    fun may_propose(role: &TwoStepRole, actor: address): bool {
        (role.is_holder(actor) || merchant_registry::is_operator(actor)) && !controls::is_restricted(actor)
    }

    fun desk_signer(config: &FxConfig): signer {
        config.desk.generate_signer_for_extending()
    }

    /// Takes `amount` out of the desk's `store` through the dispatchable path (the yen's hooks run); aborts with
    /// `EINSUFFICIENT_INVENTORY` if the store holds less.
    fun withdraw_from_desk(config: &FxConfig, store: Object<FungibleStore>, amount: u64): FungibleAsset {
        assert!(fungible_asset::is_balance_at_least(store, amount), error::invalid_state(EINSUFFICIENT_INVENTORY));
        dispatchable_fungible_asset::withdraw(&desk_signer(config), store, amount)
    }

    fun withdraw_to(config: &FxConfig, store: Object<FungibleStore>, to: address, amount: u64) {
        assert!(amount > 0, error::invalid_argument(EZERO_AMOUNT));
        let fa = withdraw_from_desk(config, store, amount);
        let asset = fa.asset_metadata().object_address();
        primary_fungible_store::deposit(to, fa);
        event::emit(DeskWithdrawn { asset, to, amount });
    }

    /// The reference rate and the policy in force at `now`; aborts if there is no reference or it is too old.
    fun fresh_reference(config: &FxConfig, now: u64): (u64, RatePolicy) {
        assert!(config.reference_rate > 0, error::invalid_state(ENO_REFERENCE_RATE));
        let policy = if (market_closed_at(now)) config.closed_policy else config.open_policy;
        assert!(now - config.observed_at <= policy.max_staleness_secs, error::invalid_state(EREFERENCE_STALE));
        (config.reference_rate, policy)
    }

    /// Aborts unless `rate` is within the band of a fresh reference; returns the reference.
    fun assert_within_policy(config: &FxConfig, rate: u64, now: u64): u64 {
        let (reference, policy) = fresh_reference(config, now);
        let distance = if (rate > reference) rate - reference else reference - rate;
        assert!(
            (distance as u128) * BPS <= (reference as u128) * (policy.max_deviation_bps as u128),
            error::out_of_range(ERATE_OUT_OF_BAND)
        );
        reference
    }

    /// Adds `amount` to the Japan day's total, starting a new day's aggregator on the day's first payment.
    fun count_daily(config: &mut FxConfig, amount: u64, now: u64) {
        let today = japan_day(now);
        if (config.day != today) {
            config.day = today;
            config.used = aggregator_v2::create_aggregator(config.daily_limit_yen);
        };
        assert!(config.used.try_add(amount), error::out_of_range(EOVER_DAILY_LIMIT));
    }

    fun japan_day(now: u64): u64 {
        (now + JST_OFFSET_SECS) / DAY_SECS
    }

    /// Whether `now` falls from Friday 21:00 to Sunday 22:00 UTC.
    fun market_closed_at(now: u64): bool {
        let in_week = (now + SUNDAY_TO_EPOCH_SECS) % WEEK_SECS;
        in_week >= CLOSE_SECS_IN_WEEK || in_week < OPEN_SECS_IN_WEEK
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
    public fun paid_in_usdc_for_test(
        merchant: address, order_ref: String, payer: address, yen_amount: u64, usdc_amount: u64, rate: u64,
        reference_rate: u64
    ): PaidInUsdc {
        PaidInUsdc { merchant, order_ref, payer, yen_amount, usdc_amount, rate, reference_rate }
    }

    #[test_only]
    public fun tax_refund_paid_in_usdc_for_test(
        merchant: address, order_ref: String, traveller: address, yen_amount: u64, usdc_amount: u64, rate: u64,
        reference_rate: u64
    ): TaxRefundPaidInUsdc {
        TaxRefundPaidInUsdc { merchant, order_ref, traveller, yen_amount, usdc_amount, rate, reference_rate }
    }

    #[test_only]
    public fun quote_signer_changed_for_test(old: address, new: address): QuoteSignerChanged {
        QuoteSignerChanged { old, new }
    }

    #[test_only]
    public fun quote_key_refreshed_for_test(quote_signer: address, auth_key: vector<u8>): QuoteKeyRefreshed {
        QuoteKeyRefreshed { quote_signer, auth_key }
    }

    #[test_only]
    public fun rate_keeper_changed_for_test(old: address, new: address): RateKeeperChanged {
        RateKeeperChanged { old, new }
    }

    #[test_only]
    public fun desk_withdrawn_for_test(asset: address, to: address, amount: u64): DeskWithdrawn {
        DeskWithdrawn { asset, to, amount }
    }
}
