/// Signed authorizations (the EIP-3009 idea, for Move): a holder signs off chain, and someone else moves the holder's
/// yen on the strength of that signature. Also the terminal-signed invoice (`InvoiceOffer`) of a one-transaction
/// dynamic QR payment, which moves no one's funds by itself: see `verify_invoice_offer`.
///
/// A holder signs with the Ed25519 key behind its authentication key (a legacy Ed25519 account or a SingleKey Ed25519
/// account). One struct type per message, so that no signature verifies as another message:
/// - a `TransferAuthorization`, which anyone may submit through `stablecoin::transfer_with_authorization`;
/// - a `CollectionAuthorization` (customer-presented QR), which names a merchant and is accepted only by
///   `invoice::collect_with_authorization`, called by that merchant or one of its terminals, with the fee split of an
///   invoice;
/// - a `HoldAuthorization` (customer-presented QR for a hold), which names a merchant, an amount, a tip limit and an
///   authorization expiry, and is accepted only by `hold::authorize_with_customer_signature`, which puts the funds in
///   the package's escrow.
/// The terminals' messages, `InvoiceOffer`, `HoldOffer`, `ReviewHoldOffer` and `TaxFreeOffer` (a code with its tax
/// breakdown), the FX desk's `FxQuote` and `TaxRefundQuote` and the refund agent's `ExportAttestation` move no one's
/// funds by themselves.
/// The signed bytes are the BCS of `aptos_std::ed25519::SignedMessage<T>`, whose type info names this module and the
/// struct; `testdata/known_answers.md` has them for a fixed key.
///
/// This module checks the signature, the validity window and the nonce, marks the nonce used, and hands back a
/// `SignedWithdrawal`: a value without abilities that only `stablecoin::withdraw_authorized` consumes, so no code in
/// the package can take a holder's funds without a signature checked here. The stablecoin moves the funds and its
/// hooks' checks (pause, denylist, cap, store rule) apply as for any transfer.
///
/// Nonces are unordered, as in Uniswap's Permit2: a nonce is any u64 the holder has not used, used once per holder
/// whichever message carried it. Word `nonce >> 8` of the holder's bitmap holds bit `nonce & 0xff`; each word is one
/// table item keyed by (holder, word) holding a `u256`, so a wallet that counts its nonces up from 0 creates one new
/// storage slot per 256 authorizations and otherwise only flips a bit of a slot that exists. A holder cancels unused
/// nonces by setting their bits (`cancel_nonces`, a word and a mask at a time). Different holders never write the same
/// slot.
module yenpay::authorization {
    use std::error;
    use std::hash;
    use std::signer;
    use std::string::String;
    use aptos_std::ed25519;
    use aptos_std::table::{Self, Table};
    use aptos_framework::account;
    use aptos_framework::chain_id;
    use aptos_framework::event;
    use aptos_framework::timestamp;

    //
    // Errors
    //

    // 24 (EINVALID_NONCE, a nonce of the wrong length) is retired: a nonce is a u64.
    /// The authorization is not valid yet (now <= valid_after).
    const EAUTHORIZATION_NOT_YET_VALID: u64 = 25;
    /// The authorization has expired (now >= valid_before).
    const EAUTHORIZATION_EXPIRED: u64 = 26;
    /// The authorization nonce was already used or cancelled.
    const EAUTHORIZATION_USED: u64 = 27;
    /// The public key must be 32 bytes.
    const EINVALID_PUBLIC_KEY: u64 = 28;
    /// The public key's authentication key (legacy or SingleKey Ed25519) is not the authentication key of `from`.
    const EPUBLIC_KEY_MISMATCH: u64 = 29;
    /// The signature does not verify for this authorization and key.
    const EINVALID_SIGNATURE: u64 = 30;
    /// The mask selects no nonce to cancel.
    const EEMPTY_MASK: u64 = 31;

    //
    // Constants
    //

    /// Bits of a nonce that select its bit in a word: a word holds 256 nonces.
    const WORD_SHIFT: u8 = 8;
    /// Mask of a nonce's bit index within its word.
    const BIT_MASK: u64 = 0xff;
    /// Length of an Ed25519 public key.
    const PUBLIC_KEY_LENGTH: u64 = 32;
    /// Length of an Ed25519 signature.
    const SIGNATURE_LENGTH: u64 = 64;
    /// Scheme byte of a SingleKey authentication key (`sha3-256(AnyPublicKey || 0x02)`).
    const SINGLE_KEY_SCHEME: u8 = 2;
    /// BCS variant index of `AnyPublicKey::Ed25519`.
    const ANY_PUBLIC_KEY_ED25519: u8 = 0;

    //
    // State
    //

    /// Key of one word of a holder's nonce bitmap: nonces `word * 256` to `word * 256 + 255`.
    struct NonceWord has copy, drop, store {
        owner: address,
        word: u64,
    }

    /// Used and cancelled nonces, at `@yenpay`: a set bit is a nonce that can no longer be used.
    struct NonceBitmaps has key {
        words: Table<NonceWord, u256>,
    }

    /// The message a holder signs to authorize a transfer that anyone may submit. `metadata` is the stablecoin's
    /// metadata object and `chain_id` the chain's: the domain, so a signature is good for one asset on one chain.
    struct TransferAuthorization has copy, drop {
        chain_id: u8,
        metadata: address,
        from: address,
        to: address,
        amount: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: u64,
    }

    /// The message a customer signs for a customer-presented QR payment: `amount` to settle an invoice of `merchant`.
    /// Only `invoice::collect_with_authorization` accepts it, called by that merchant or one of its terminals, so the
    /// money goes to the merchant's payout address with the operator's fee, and whoever else sees the code cannot cash
    /// it. Nonces are shared with `TransferAuthorization`: a nonce is used once, whichever message carried it.
    struct CollectionAuthorization has copy, drop {
        chain_id: u8,
        metadata: address,
        from: address,
        merchant: address,
        amount: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: u64,
    }

    /// The message a merchant's terminal signs for a dynamic QR code (merchant-presented): an invoice of `amount` for
    /// the merchant's order `order_ref`, payable by whoever scans it strictly before `expires_at` (Unix seconds). Only
    /// `invoice::pay_signed_invoice` accepts it, and pays it at most once: the payment writes the invoice record keyed
    /// by (`merchant`, `order_ref`), which exists until after `expires_at`. `terminal` is the account whose key signed
    /// (a terminal of `merchant`, or the merchant's owner): its key is that account's authentication key, so rotating
    /// the account's key rotates the terminal's, and removing the terminal from the merchant revokes every code it
    /// signed. `chain_id` and `metadata` are the domain, as in the holders' messages; the struct's own type (named in
    /// the signed bytes) keeps it from verifying as any other message.
    struct InvoiceOffer has copy, drop {
        chain_id: u8,
        metadata: address,
        merchant: address,
        terminal: address,
        order_ref: String,
        amount: u64,
        expires_at: u64,
    }

    /// The message a merchant's terminal signs to settle its order `order_ref` of `amount` with a customer-presented
    /// code: "collect the `CollectionAuthorization` that `from` signed with nonce `nonce` for this order, strictly
    /// before `expires_at` (Unix seconds)". Only `invoice::collect_signed_invoice` accepts it, next to that customer's
    /// authorization, and whoever submits the pair moves the customer's yen only to this order of this merchant: the
    /// customer's message names neither order nor terminal, so the terminal names the customer's authorization
    /// (`from`, `nonce`: a nonce is spent once per holder) and the order it settles. Paid at most once: the nonce and
    /// the invoice record keyed by (`merchant`, `order_ref`) are both spent by the payment. `terminal` is the account
    /// whose current key signs, as in `InvoiceOffer`; the struct's own type keeps it from verifying as an offer (a
    /// request must not be payable by whoever sees it) or any other message.
    struct CollectionRequest has copy, drop {
        chain_id: u8,
        metadata: address,
        merchant: address,
        terminal: address,
        order_ref: String,
        amount: u64,
        expires_at: u64,
        from: address,
        nonce: u64,
    }

    /// The message a merchant's terminal signs for a hold's dynamic QR code (merchant-presented): "authorize up to
    /// `amount` for the merchant's `hold_ref`, with up to `tip_limit` more for a tip, capturable strictly before
    /// `capture_before`", scannable strictly before `expires_at` (Unix seconds). Only `hold::authorize_signed_hold`
    /// accepts it, and at most once: the hold's record, keyed by (`merchant`, `hold_ref`), exists until after
    /// `expires_at`. The customer agrees to `amount` and `tip_limit` by submitting the transaction. Its own struct type
    /// (named in the signed bytes) keeps it from verifying as an `InvoiceOffer` or any other message.
    struct HoldOffer has copy, drop {
        chain_id: u8,
        metadata: address,
        merchant: address,
        terminal: address,
        hold_ref: String,
        amount: u64,
        tip_limit: u64,
        capture_before: u64,
        expires_at: u64,
    }

    /// The message a merchant's terminal signs for a hold that a compliance review made of a payment: a `HoldOffer`
    /// (same fields, same meaning) that names a `reviewer`, the one account that can capture it for the merchant (the
    /// operator's gateway, when its analyst releases the payment). Only `hold::authorize_reviewed_hold` accepts it; the
    /// hold records `reviewer`, so neither the merchant's owner nor its terminals can capture the customer's funds while
    /// the review lasts (they can still void them back). Its own struct type keeps a `HoldOffer` signature from
    /// verifying as this message and the other way round, so a terminal's ordinary hold code cannot be taken as a
    /// reviewed one, nor a reviewed one as an ordinary one.
    struct ReviewHoldOffer has copy, drop {
        chain_id: u8,
        metadata: address,
        merchant: address,
        terminal: address,
        reviewer: address,
        hold_ref: String,
        amount: u64,
        tip_limit: u64,
        capture_before: u64,
        expires_at: u64,
    }

    /// The message a customer signs for a hold taken from a customer-presented QR code: `amount` plus up to
    /// `tip_limit` to be held in escrow for `merchant`, capturable strictly before `capture_before`. Only
    /// `hold::authorize_with_customer_signature` accepts it, called by that merchant or one of its terminals; the funds
    /// go to the package's escrow, never to the caller. Nonces are shared with the other holder messages.
    struct HoldAuthorization has copy, drop {
        chain_id: u8,
        metadata: address,
        from: address,
        merchant: address,
        amount: u64,
        tip_limit: u64,
        capture_before: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: u64,
    }

    /// The message the operator's FX desk signs for a tourist paying a terminal-signed code in USDC: "the code
    /// (`merchant`, `order_ref`) of `yen_amount` yen is paid with `usdc_amount` of the asset `usdc` at `rate`", usable
    /// strictly before `expires_at` (Unix seconds). `rate` is yen per whole USDC in units of 10^-6 (see
    /// `fx::RATE_DECIMALS`); `usdc_amount` is in the asset's own units. Only `fx::pay_signed_invoice_in_usdc` accepts
    /// it, and at most once: it pays the code, whose invoice record makes the code, and so the quote, paid once. The
    /// signer is the account holding `fx`'s quote-signer role, with its current key. `chain_id` and `metadata` (the
    /// yen stablecoin) are the domain, as in the other messages.
    struct FxQuote has copy, drop {
        chain_id: u8,
        metadata: address,
        usdc: address,
        merchant: address,
        order_ref: String,
        yen_amount: u64,
        usdc_amount: u64,
        rate: u64,
        expires_at: u64,
    }

    /// The message a merchant's terminal signs for a tax-free purchase's dynamic QR code: an `InvoiceOffer`'s fields
    /// and the receipt's consumption tax, `standard_tax` (10%) and `reduced_tax` (8%) in yen, with `tax_free` saying
    /// whether the purchase is eligible for the tourist's refund at departure. Only `tax_refund::pay_tax_free_invoice`
    /// accepts it, and pays it at most once (the invoice record keyed by (`merchant`, `order_ref`)). Its own struct
    /// type keeps it from verifying as an `InvoiceOffer` (a plain code cannot be paid as tax-free, nor a tax-free code
    /// without its breakdown), and signing the breakdown keeps a payer from claiming a larger refund than the receipt.
    struct TaxFreeOffer has copy, drop {
        chain_id: u8,
        metadata: address,
        merchant: address,
        terminal: address,
        order_ref: String,
        amount: u64,
        expires_at: u64,
        standard_tax: u64,
        reduced_tax: u64,
        tax_free: bool,
    }

    /// The message the refund agent signs once customs has confirmed that `traveller` exported the goods of the
    /// purchase (`merchant`, `order_ref`): "pay this purchase's consumption tax back to `traveller`". Only
    /// `tax_refund::claim_tax_refunds` accepts it, for a purchase that `traveller` paid, once: the
    /// purchase record keeps the refund. The signer is the account holding `tax_refund`'s refund-agent role, with its
    /// current key. `chain_id` and `metadata` (the yen stablecoin of this deployment) are the domain.
    struct ExportAttestation has copy, drop {
        chain_id: u8,
        metadata: address,
        merchant: address,
        order_ref: String,
        traveller: address,
    }

    /// The message the FX desk's quote signer signs to pay a consumption-tax refund in USDC: "the tax refund of the
    /// purchase (`merchant`, `order_ref`) owed to `traveller`, `yen_amount` yen, is paid as `usdc_amount` of the asset
    /// `usdc` at `rate`", usable strictly before `expires_at` (Unix seconds). `rate` is yen per whole USDC in units of
    /// 10^-6, as in `FxQuote`. Only `tax_refund::claim_tax_refund_in_usdc` accepts it, with the refund agent's
    /// `ExportAttestation` for the same purchase and traveller, and at most once: the purchase's claim is once. Its
    /// own struct type keeps a payment's quote from paying a refund and the reverse. The signer is `fx`'s quote
    /// signer, with the key `fx` keeps for it. `chain_id` and `metadata` (the yen stablecoin) are the domain.
    struct TaxRefundQuote has copy, drop {
        chain_id: u8,
        metadata: address,
        usdc: address,
        merchant: address,
        order_ref: String,
        traveller: address,
        yen_amount: u64,
        usdc_amount: u64,
        rate: u64,
        expires_at: u64,
    }

    /// `from` signed for `amount` of its funds to leave its primary store, and the nonce is spent. No abilities: the
    /// holder of this value must hand it to `stablecoin::withdraw_authorized`, the only code that redeems it.
    struct SignedWithdrawal {
        from: address,
        amount: u64,
    }

    //
    // Events
    //

    #[event]
    /// A signed authorization was used. For a collection, `to` is the merchant and `submitter` is `@yenpay` (the
    /// invoice module's own event names the payment).
    struct TransferredWithAuthorization has drop, store {
        from: address,
        to: address,
        amount: u64,
        nonce: u64,
        submitter: address,
    }

    #[event]
    /// A holder cancelled the nonces of `mask` in word `word` of its bitmap (bit `i` is nonce `word * 256 + i`);
    /// `bitmap` is the word afterwards.
    struct NoncesCancelled has drop, store {
        holder: address,
        word: u64,
        mask: u256,
        bitmap: u256,
    }

    fun init_module(publisher: &signer) {
        move_to(publisher, NonceBitmaps { words: table::new() });
    }

    //
    // Entry functions
    //

    /// Cancels the signer's nonces whose bits `mask` sets in word `word` (Permit2's `invalidateUnorderedNonces`): no
    /// authorization carrying one of them can be used. Bits already set stay set; one nonce `n` is word `n >> 8`, mask
    /// `1 << (n & 0xff)`.
    public entry fun cancel_nonces(holder: &signer, word: u64, mask: u256) acquires NonceBitmaps {
        assert!(mask != 0, error::invalid_argument(EEMPTY_MASK));
        let holder = signer::address_of(holder);
        let bitmap = NonceBitmaps[@yenpay].words.borrow_mut_with_default(NonceWord { owner: holder, word }, 0);
        *bitmap |= mask;
        event::emit(NoncesCancelled { holder, word, mask, bitmap: *bitmap });
    }

    //
    // Package functions
    //

    /// Uses `from`'s `TransferAuthorization` of `amount` to `to` for the asset `metadata`, submitted by `submitter`:
    /// checks it, spends the nonce and returns the withdrawal for the stablecoin to carry out.
    package fun use_transfer_authorization(
        metadata: address,
        from: address,
        to: address,
        amount: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: u64,
        public_key: vector<u8>,
        signature: vector<u8>,
        submitter: address,
    ): SignedWithdrawal acquires NonceBitmaps {
        let public_key = check_terms(from, valid_after, valid_before, nonce, public_key);
        let message = TransferAuthorization {
            chain_id: chain_id::get(), metadata, from, to, amount, valid_after, valid_before, nonce
        };
        assert_signed(signature, &public_key, message);
        event::emit(TransferredWithAuthorization { from, to, amount, nonce, submitter });
        SignedWithdrawal { from, amount }
    }

    /// Uses `from`'s `CollectionAuthorization` of `amount` for `merchant` and the asset `metadata`: checks it, spends
    /// the nonce and returns the withdrawal. The invoice module calls it only for a signer that may act for `merchant`.
    package fun use_collection_authorization(
        metadata: address,
        merchant: address,
        from: address,
        amount: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: u64,
        public_key: vector<u8>,
        signature: vector<u8>,
    ): SignedWithdrawal acquires NonceBitmaps {
        let public_key = check_terms(from, valid_after, valid_before, nonce, public_key);
        let message = CollectionAuthorization {
            chain_id: chain_id::get(), metadata, from, merchant, amount, valid_after, valid_before, nonce
        };
        assert_signed(signature, &public_key, message);
        event::emit(TransferredWithAuthorization { from, to: merchant, amount, nonce, submitter: @yenpay });
        SignedWithdrawal { from, amount }
    }

    /// Aborts unless `signature` is `terminal`'s signature of the `InvoiceOffer` with these fields, this chain's id and
    /// the asset `metadata`, made with the key `public_key` that is `terminal`'s current authentication key (legacy or
    /// SingleKey Ed25519). Checks nothing else: the invoice module checks that `terminal` may act for `merchant`, the
    /// expiry, and that the order was neither paid nor cancelled.
    package fun verify_invoice_offer(
        metadata: address,
        merchant: address,
        terminal: address,
        order_ref: String,
        amount: u64,
        expires_at: u64,
        public_key: vector<u8>,
        signature: vector<u8>,
    ) {
        let public_key = checked_key(terminal, public_key);
        let message = InvoiceOffer {
            chain_id: chain_id::get(), metadata, merchant, terminal, order_ref, amount, expires_at
        };
        assert_signed(signature, &public_key, message);
    }

    /// Aborts unless `signature` is `terminal`'s signature of the `CollectionRequest` with these fields, this chain's
    /// id and the asset `metadata`, made with `terminal`'s current key. Checks nothing else: the invoice module checks
    /// the terminal's membership, the expiry, that the order is free, and the customer's authorization it names.
    package fun verify_collection_request(
        metadata: address,
        merchant: address,
        terminal: address,
        order_ref: String,
        amount: u64,
        expires_at: u64,
        from: address,
        nonce: u64,
        public_key: vector<u8>,
        signature: vector<u8>,
    ) {
        let public_key = checked_key(terminal, public_key);
        let message = CollectionRequest {
            chain_id: chain_id::get(), metadata, merchant, terminal, order_ref, amount, expires_at, from, nonce
        };
        assert_signed(signature, &public_key, message);
    }

    /// Uses `from`'s `HoldAuthorization` of `amount` (plus `tip_limit`) for `merchant`, capturable before
    /// `capture_before`, and the asset `metadata`: checks it, spends the nonce and returns the withdrawal of
    /// `amount + tip_limit`, for the hold module to put into escrow. The hold module calls it only for a signer that
    /// may act for `merchant`.
    package fun use_hold_authorization(
        metadata: address,
        merchant: address,
        from: address,
        amount: u64,
        tip_limit: u64,
        capture_before: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: u64,
        public_key: vector<u8>,
        signature: vector<u8>,
    ): SignedWithdrawal acquires NonceBitmaps {
        let public_key = check_terms(from, valid_after, valid_before, nonce, public_key);
        let message = HoldAuthorization {
            chain_id: chain_id::get(), metadata, from, merchant, amount, tip_limit, capture_before, valid_after,
            valid_before, nonce
        };
        assert_signed(signature, &public_key, message);
        let total = amount + tip_limit;
        event::emit(TransferredWithAuthorization { from, to: merchant, amount: total, nonce, submitter: @yenpay });
        SignedWithdrawal { from, amount: total }
    }

    /// Aborts unless `signature` is `terminal`'s signature of the `HoldOffer` with these fields, this chain's id and
    /// the asset `metadata`, made with `terminal`'s current key. Checks nothing else (the hold module checks the
    /// terminal's membership, the times and that the hold reference is free).
    package fun verify_hold_offer(
        metadata: address,
        merchant: address,
        terminal: address,
        hold_ref: String,
        amount: u64,
        tip_limit: u64,
        capture_before: u64,
        expires_at: u64,
        public_key: vector<u8>,
        signature: vector<u8>,
    ) {
        let public_key = checked_key(terminal, public_key);
        let message = HoldOffer {
            chain_id: chain_id::get(), metadata, merchant, terminal, hold_ref, amount, tip_limit, capture_before,
            expires_at
        };
        assert_signed(signature, &public_key, message);
    }

    /// Aborts unless `signature` is `terminal`'s signature of the `ReviewHoldOffer` with these fields, this chain's id
    /// and the asset `metadata`, made with `terminal`'s current key. Checks nothing else, as `verify_hold_offer`.
    package fun verify_review_hold_offer(
        metadata: address,
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
    ) {
        let public_key = checked_key(terminal, public_key);
        let message = ReviewHoldOffer {
            chain_id: chain_id::get(), metadata, merchant, terminal, reviewer, hold_ref, amount, tip_limit,
            capture_before, expires_at
        };
        assert_signed(signature, &public_key, message);
    }

    /// Aborts unless `signature` is a signature of the `FxQuote` with these fields, this chain's id and the yen asset
    /// `metadata`, made with the key `public_key` whose authentication key (legacy or SingleKey Ed25519) is
    /// `auth_key`: the one `fx` keeps for its quote signer, so that a payment reads no account. Checks nothing else:
    /// the fx module keeps that key with the role, and checks the expiry, the rate and limits.
    package fun verify_fx_quote(
        metadata: address,
        usdc: address,
        merchant: address,
        order_ref: String,
        yen_amount: u64,
        usdc_amount: u64,
        rate: u64,
        expires_at: u64,
        auth_key: vector<u8>,
        public_key: vector<u8>,
        signature: vector<u8>,
    ) {
        let public_key = checked_key_for(auth_key, public_key);
        let message = FxQuote {
            chain_id: chain_id::get(), metadata, usdc, merchant, order_ref, yen_amount, usdc_amount, rate, expires_at
        };
        assert_signed(signature, &public_key, message);
    }

    /// Aborts unless `signature` is a signature of the `TaxRefundQuote` with these fields, this chain's id and the yen
    /// asset `metadata`, made with the key `public_key` whose authentication key is `auth_key` (the one `fx` keeps for
    /// its quote signer). Checks nothing else: `fx` checks the expiry, the rate and limits, `tax_refund` the purchase.
    package fun verify_tax_refund_quote(
        metadata: address,
        usdc: address,
        merchant: address,
        order_ref: String,
        traveller: address,
        yen_amount: u64,
        usdc_amount: u64,
        rate: u64,
        expires_at: u64,
        auth_key: vector<u8>,
        public_key: vector<u8>,
        signature: vector<u8>,
    ) {
        let public_key = checked_key_for(auth_key, public_key);
        let message = TaxRefundQuote {
            chain_id: chain_id::get(), metadata, usdc, merchant, order_ref, traveller, yen_amount, usdc_amount, rate,
            expires_at
        };
        assert_signed(signature, &public_key, message);
    }

    /// Aborts unless `signature` is `terminal`'s signature of the `TaxFreeOffer` with these fields, this chain's id and
    /// the asset `metadata`, made with `terminal`'s current key. Checks nothing else (the tax-refund module checks the
    /// code's terms through the invoice module, and the breakdown against the rates).
    package fun verify_tax_free_offer(
        metadata: address,
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
    ) {
        let public_key = checked_key(terminal, public_key);
        let message = TaxFreeOffer {
            chain_id: chain_id::get(), metadata, merchant, terminal, order_ref, amount, expires_at, standard_tax,
            reduced_tax, tax_free
        };
        assert_signed(signature, &public_key, message);
    }

    /// Aborts unless `signature` is `agent`'s signature of the `ExportAttestation` for (`merchant`, `order_ref`) and
    /// `traveller`, this chain's id and the asset `metadata`, made with `agent`'s current key. Checks nothing else: the
    /// tax-refund module checks that `agent` holds its role and the purchase.
    package fun verify_export_attestation(
        metadata: address,
        merchant: address,
        order_ref: String,
        traveller: address,
        agent: address,
        public_key: vector<u8>,
        signature: vector<u8>,
    ) {
        let public_key = checked_key(agent, public_key);
        let message = ExportAttestation { chain_id: chain_id::get(), metadata, merchant, order_ref, traveller };
        assert_signed(signature, &public_key, message);
    }

    /// Takes a withdrawal apart: whose funds, how much. Only the stablecoin calls it, to carry the withdrawal out.
    package fun redeem(self: SignedWithdrawal): (address, u64) {
        let SignedWithdrawal { from, amount } = self;
        (from, amount)
    }

    //
    // Views
    //

    #[view]
    /// Word `word` of `owner`'s nonce bitmap: bit `i` is set when nonce `word * 256 + i` was used or cancelled. Zero
    /// for a word never written.
    public fun nonce_bitmap(owner: address, word: u64): u256 acquires NonceBitmaps {
        *NonceBitmaps[@yenpay].words.borrow_with_default(NonceWord { owner, word }, &0)
    }

    #[view]
    /// Whether `owner`'s nonce `nonce` was used or cancelled.
    public fun is_nonce_used(owner: address, nonce: u64): bool acquires NonceBitmaps {
        nonce_bitmap(owner, nonce >> WORD_SHIFT) & bit_of(nonce) != 0
    }

    //
    // Internals
    //

    /// The checks every signed authorization passes before its signature: the window, the nonce (which this spends:
    /// if a later check aborts, the transaction and with it the spending are undone), and a public key that is
    /// `from`'s current key. Returns the key to verify the signature with.
    fun check_terms(
        from: address,
        valid_after: u64,
        valid_before: u64,
        nonce: u64,
        public_key: vector<u8>,
    ): ed25519::UnvalidatedPublicKey acquires NonceBitmaps {
        let now = timestamp::now_seconds();
        assert!(now > valid_after, error::invalid_state(EAUTHORIZATION_NOT_YET_VALID));
        assert!(now < valid_before, error::invalid_state(EAUTHORIZATION_EXPIRED));
        spend_nonce(from, nonce);
        checked_key(from, public_key)
    }

    /// `public_key` as a key to verify with, once it is 32 bytes and `account`'s current key.
    fun checked_key(account: address, public_key: vector<u8>): ed25519::UnvalidatedPublicKey {
        checked_key_for(account::get_authentication_key(account), public_key)
    }

    /// As `checked_key`, against an authentication key the caller kept rather than an account's.
    fun checked_key_for(auth_key: vector<u8>, public_key: vector<u8>): ed25519::UnvalidatedPublicKey {
        assert!(public_key.length() == PUBLIC_KEY_LENGTH, error::invalid_argument(EINVALID_PUBLIC_KEY));
        assert!(is_key_for(&public_key, auth_key), error::permission_denied(EPUBLIC_KEY_MISMATCH));
        ed25519::new_unvalidated_public_key_from_bytes(public_key)
    }

    /// Whether `auth_key` is the authentication key of `public_key`, as a legacy Ed25519 account
    /// (`sha3-256(pk || 0x00)`) or a SingleKey Ed25519 account (`sha3-256(0x00 || 0x20 || pk || 0x02)`, the BCS of
    /// `AnyPublicKey::Ed25519` and the SingleKey scheme byte).
    fun is_key_for(public_key: &vector<u8>, auth_key: vector<u8>): bool {
        let pk = ed25519::new_unvalidated_public_key_from_bytes(*public_key);
        if (ed25519::unvalidated_public_key_to_authentication_key(&pk) == auth_key) return true;
        let single_key = vector[ANY_PUBLIC_KEY_ED25519, (PUBLIC_KEY_LENGTH as u8)];
        single_key.append(*public_key);
        single_key.push_back(SINGLE_KEY_SCHEME);
        hash::sha3_256(single_key) == auth_key
    }

    /// Aborts unless `signature` is `public_key`'s strict Ed25519 signature over `message`, wrapped in
    /// `ed25519::SignedMessage` (whose type info names the message's module and struct).
    fun assert_signed<T: drop>(signature: vector<u8>, public_key: &ed25519::UnvalidatedPublicKey, message: T) {
        assert!(signature.length() == SIGNATURE_LENGTH, error::permission_denied(EINVALID_SIGNATURE));
        assert!(
            ed25519::signature_verify_strict_t(&ed25519::new_signature_from_bytes(signature), public_key, message),
            error::permission_denied(EINVALID_SIGNATURE)
        );
    }

    /// Sets `nonce`'s bit in `owner`'s bitmap; aborts if it is set already. One table item read and written; a new
    /// one only for the first nonce of a word.
    fun spend_nonce(owner: address, nonce: u64) acquires NonceBitmaps {
        let bit = bit_of(nonce);
        let key = NonceWord { owner, word: nonce >> WORD_SHIFT };
        let bitmap = NonceBitmaps[@yenpay].words.borrow_mut_with_default(key, 0);
        assert!(*bitmap & bit == 0, error::invalid_state(EAUTHORIZATION_USED));
        *bitmap |= bit;
    }

    /// The bit of `nonce` within its word.
    fun bit_of(nonce: u64): u256 {
        1 << ((nonce & BIT_MASK) as u8)
    }

    //
    // Tests
    //

    #[test_only]
    /// Runs `init_module` in tests of the other yenpay modules.
    public fun init_for_test(publisher: &signer) {
        init_module(publisher);
    }

    #[test_only]
    public fun nonces_cancelled_for_test(holder: address, word: u64, mask: u256, bitmap: u256): NoncesCancelled {
        NoncesCancelled { holder, word, mask, bitmap }
    }

    #[test_only]
    public fun transferred_with_authorization_for_test(
        from: address, to: address, amount: u64, nonce: u64, submitter: address
    ): TransferredWithAuthorization {
        TransferredWithAuthorization { from, to, amount, nonce, submitter }
    }

    #[test_only]
    /// Builds the message a holder signs, for tests that sign with `ed25519::sign_struct`.
    public fun new_transfer_authorization_for_test(
        chain_id: u8,
        metadata: address,
        from: address,
        to: address,
        amount: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: u64,
    ): TransferAuthorization {
        TransferAuthorization { chain_id, metadata, from, to, amount, valid_after, valid_before, nonce }
    }

    #[test_only]
    /// Builds the message a customer signs for a customer-presented QR payment.
    public fun new_collection_authorization_for_test(
        chain_id: u8,
        metadata: address,
        from: address,
        merchant: address,
        amount: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: u64,
    ): CollectionAuthorization {
        CollectionAuthorization { chain_id, metadata, from, merchant, amount, valid_after, valid_before, nonce }
    }

    #[test_only]
    /// Builds the message a terminal signs for a dynamic QR code.
    public fun new_invoice_offer_for_test(
        chain_id: u8,
        metadata: address,
        merchant: address,
        terminal: address,
        order_ref: String,
        amount: u64,
        expires_at: u64,
    ): InvoiceOffer {
        InvoiceOffer { chain_id, metadata, merchant, terminal, order_ref, amount, expires_at }
    }

    #[test_only]
    /// Builds the message a terminal signs to settle an order with a customer-presented code.
    public fun new_collection_request_for_test(
        chain_id: u8,
        metadata: address,
        merchant: address,
        terminal: address,
        order_ref: String,
        amount: u64,
        expires_at: u64,
        from: address,
        nonce: u64,
    ): CollectionRequest {
        CollectionRequest { chain_id, metadata, merchant, terminal, order_ref, amount, expires_at, from, nonce }
    }

    #[test_only]
    /// Builds the message a terminal signs for a hold's dynamic QR code.
    public fun new_hold_offer_for_test(
        chain_id: u8,
        metadata: address,
        merchant: address,
        terminal: address,
        hold_ref: String,
        amount: u64,
        tip_limit: u64,
        capture_before: u64,
        expires_at: u64,
    ): HoldOffer {
        HoldOffer { chain_id, metadata, merchant, terminal, hold_ref, amount, tip_limit, capture_before, expires_at }
    }

    #[test_only]
    /// Builds the message a terminal signs for a reviewed hold's code.
    public fun new_review_hold_offer_for_test(
        chain_id: u8,
        metadata: address,
        merchant: address,
        terminal: address,
        reviewer: address,
        hold_ref: String,
        amount: u64,
        tip_limit: u64,
        capture_before: u64,
        expires_at: u64,
    ): ReviewHoldOffer {
        ReviewHoldOffer {
            chain_id, metadata, merchant, terminal, reviewer, hold_ref, amount, tip_limit, capture_before, expires_at
        }
    }

    #[test_only]
    /// Builds the message a customer signs for a hold taken from its customer-presented code.
    public fun new_hold_authorization_for_test(
        chain_id: u8,
        metadata: address,
        from: address,
        merchant: address,
        amount: u64,
        tip_limit: u64,
        capture_before: u64,
        valid_after: u64,
        valid_before: u64,
        nonce: u64,
    ): HoldAuthorization {
        HoldAuthorization {
            chain_id, metadata, from, merchant, amount, tip_limit, capture_before, valid_after, valid_before, nonce
        }
    }

    #[test_only]
    /// Builds the message the FX desk's quote signer signs.
    public fun new_fx_quote_for_test(
        chain_id: u8,
        metadata: address,
        usdc: address,
        merchant: address,
        order_ref: String,
        yen_amount: u64,
        usdc_amount: u64,
        rate: u64,
        expires_at: u64,
    ): FxQuote {
        FxQuote { chain_id, metadata, usdc, merchant, order_ref, yen_amount, usdc_amount, rate, expires_at }
    }

    #[test_only]
    /// Builds the message the FX desk's quote signer signs for a tax refund paid in USDC.
    public fun new_tax_refund_quote_for_test(
        chain_id: u8,
        metadata: address,
        usdc: address,
        merchant: address,
        order_ref: String,
        traveller: address,
        yen_amount: u64,
        usdc_amount: u64,
        rate: u64,
        expires_at: u64,
    ): TaxRefundQuote {
        TaxRefundQuote {
            chain_id, metadata, usdc, merchant, order_ref, traveller, yen_amount, usdc_amount, rate, expires_at
        }
    }

    #[test_only]
    /// Builds the message a terminal signs for a tax-free purchase's code.
    public fun new_tax_free_offer_for_test(
        chain_id: u8,
        metadata: address,
        merchant: address,
        terminal: address,
        order_ref: String,
        amount: u64,
        expires_at: u64,
        standard_tax: u64,
        reduced_tax: u64,
        tax_free: bool,
    ): TaxFreeOffer {
        TaxFreeOffer {
            chain_id, metadata, merchant, terminal, order_ref, amount, expires_at, standard_tax, reduced_tax, tax_free
        }
    }

    #[test_only]
    /// Builds the message the refund agent signs after customs confirmed the export.
    public fun new_export_attestation_for_test(
        chain_id: u8,
        metadata: address,
        merchant: address,
        order_ref: String,
        traveller: address,
    ): ExportAttestation {
        ExportAttestation { chain_id, metadata, merchant, order_ref, traveller }
    }
}
