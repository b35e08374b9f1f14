//! The gateway's tests, one module per file, in one test binary: a binary
//! per file would each link the whole SDK, which cost CI most of its disk.
//! The node suite is its own target (e2e_node.rs), so that `--ignored`
//! there means exactly the tests that need a node.
//!
//! `cargo test -p yenpay-gateway --test gateway -- web_pages::` runs one module.
mod browser;
mod common;

mod api;
mod audit;
mod bad_traffic;
mod compliance;
mod compliance_reports;
mod first_run;
mod follower;
mod follower_grpc;
mod follower_replay;
mod fuzz;
mod fx;
mod holds;
mod integration_example;
mod load;
mod operations;
mod outcomes;
mod payments;
mod pos_login;
mod replicas;
mod reviews;
mod screening_cache;
mod secrets;
mod sponsor;
mod sponsor_abuse;
mod tax_refunds;
mod travel_rule;
mod web_api;
mod web_pages;
mod web_strings;
mod webhooks;
