#[test_only]
/// The two-step role (`yenpay::role`) on its own. Its users, the stablecoin's admin and the registry's operator, are
/// tested through their entry functions in `stablecoin_tests`, `stablecoin_role_tests` and `merchant_registry_tests`.
module yenpay::role_tests {
    use std::option;
    use yenpay::role;

    const HOLDER: address = @0xa1;
    const SUCCESSOR: address = @0xa2;
    const OTHER: address = @0xa3;

    #[test]
    fun a_new_role_has_a_holder_and_no_proposal() {
        let r = role::new(HOLDER);
        assert!(r.holder() == HOLDER, 1);
        assert!(r.is_holder(HOLDER), 2);
        assert!(!r.is_holder(SUCCESSOR), 3);
        assert!(!r.has_pending(), 4);
        assert!(r.pending().is_none(), 5);
        assert!(!r.is_pending(HOLDER), 6);
    }

    #[test]
    fun the_proposed_successor_takes_over_by_accepting() {
        let r = role::new(HOLDER);
        r.propose(SUCCESSOR);
        // Proposing changes nothing yet.
        assert!(r.holder() == HOLDER, 1);
        assert!(r.pending() == option::some(SUCCESSOR), 2);
        assert!(r.is_pending(SUCCESSOR) && !r.is_pending(OTHER), 3);
        assert!(r.accept(SUCCESSOR) == option::some(HOLDER), 4);
        assert!(r.holder() == SUCCESSOR && !r.is_holder(HOLDER), 5);
        assert!(!r.has_pending(), 6);
        // Accepting twice does nothing: the proposal is spent.
        assert!(r.accept(SUCCESSOR).is_none(), 7);
        assert!(r.holder() == SUCCESSOR, 8);
    }

    #[test]
    fun nobody_else_can_accept() {
        let r = role::new(HOLDER);
        assert!(r.accept(OTHER).is_none(), 1);
        r.propose(SUCCESSOR);
        assert!(r.accept(OTHER).is_none(), 2);
        assert!(r.accept(HOLDER).is_none(), 3);
        assert!(r.holder() == HOLDER && r.pending() == option::some(SUCCESSOR), 4);
    }

    #[test]
    fun a_new_proposal_replaces_the_old_one() {
        let r = role::new(HOLDER);
        r.propose(OTHER);
        r.propose(SUCCESSOR);
        assert!(r.accept(OTHER).is_none(), 1);
        assert!(r.accept(SUCCESSOR) == option::some(HOLDER), 2);
    }

    #[test]
    fun cancelling_returns_the_withdrawn_proposal() {
        let r = role::new(HOLDER);
        assert!(r.cancel().is_none(), 1);
        r.propose(SUCCESSOR);
        assert!(r.cancel() == option::some(SUCCESSOR), 2);
        assert!(!r.has_pending(), 3);
        assert!(r.accept(SUCCESSOR).is_none(), 4);
        assert!(r.holder() == HOLDER, 5);
    }

    #[test]
    fun the_holder_may_hand_the_role_to_itself() {
        // Proposing oneself is harmless: accepting it leaves the holder as it was.
        let r = role::new(HOLDER);
        r.propose(HOLDER);
        assert!(r.accept(HOLDER) == option::some(HOLDER), 1);
        assert!(r.holder() == HOLDER && !r.has_pending(), 2);
    }
}
