/// A role held by one account and handed over in two steps: the holder proposes a successor, and the successor
/// takes over only by accepting, so a mistyped address never captures the role.
///
/// One implementation for the stablecoin's `admin` and the registry's `operator`. A `TwoStepRole` is a value kept
/// inside the owning module's resource; its functions only answer questions and change the value. The owning module
/// checks the signer, aborts with its own error constants (integrators map those codes) and emits its own events, so
/// this module has neither.
module yenpay::role {
    use std::option::{Self, Option};

    //
    // State
    //

    /// The current holder and the proposed successor, if any.
    struct TwoStepRole has store, drop {
        holder: address,
        pending: Option<address>,
    }

    //
    // Package functions
    //

    /// A role held by `holder`, with no proposal.
    package fun new(holder: address): TwoStepRole {
        TwoStepRole { holder, pending: option::none() }
    }

    /// The current holder.
    package fun holder(self: &TwoStepRole): address {
        self.holder
    }

    /// The proposed successor, if any.
    package fun pending(self: &TwoStepRole): Option<address> {
        self.pending
    }

    /// Whether `account` holds the role.
    package fun is_holder(self: &TwoStepRole, account: address): bool {
        self.holder == account
    }

    /// Whether a successor is proposed.
    package fun has_pending(self: &TwoStepRole): bool {
        self.pending.is_some()
    }

    /// Whether `account` is the proposed successor.
    package fun is_pending(self: &TwoStepRole, account: address): bool {
        self.pending == option::some(account)
    }

    /// Proposes `successor`, replacing any earlier proposal.
    package fun propose(self: &mut TwoStepRole, successor: address) {
        self.pending = option::some(successor);
    }

    /// Withdraws the proposal and returns who was proposed; none if nobody was.
    package fun cancel(self: &mut TwoStepRole): Option<address> {
        let withdrawn = self.pending;
        self.pending = option::none();
        withdrawn
    }

    /// If `account` is the proposed successor, makes it the holder, clears the proposal and returns the previous
    /// holder; otherwise changes nothing and returns none.
    package fun accept(self: &mut TwoStepRole, account: address): Option<address> {
        if (!self.is_pending(account)) return option::none();
        let previous = self.holder;
        self.holder = account;
        self.pending = option::none();
        option::some(previous)
    }
}
