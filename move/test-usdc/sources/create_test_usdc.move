// The local node's stand-in for USDC; see the doc comment of the function.
script {
    use std::option;
    use std::signer;
    use std::string::utf8;
    use aptos_framework::fungible_asset;
    use aptos_framework::object;
    use aptos_framework::primary_fungible_store;

    /// Creates the local node's stand-in for USDC: a fungible asset with USDC's 6 decimals, the named object
    /// `YENPAY_TEST_USDC` of the signer, with `supply` units minted to the signer. The mint capability is dropped at
    /// the end of the script, so the supply is fixed at creation: no code on chain can mint more, and nothing of this is
    /// published. Run once per deployer (a second run aborts: the named object exists).
    fun create_test_usdc(creator: &signer, supply: u64) {
        let constructor_ref = &object::create_named_object(creator, b"YENPAY_TEST_USDC");
        primary_fungible_store::create_primary_store_enabled_fungible_asset(
            constructor_ref,
            option::none(),
            utf8(b"Test USDC (local node)"),
            utf8(b"USDC"),
            6,
            utf8(b""),
            utf8(b""),
        );
        let mint_ref = fungible_asset::generate_mint_ref(constructor_ref);
        primary_fungible_store::mint(&mint_ref, signer::address_of(creator), supply);
    }
}
