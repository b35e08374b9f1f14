//! Nothing here: the end-to-end suite is the test target `e2e` (`e2e/main.rs`).
