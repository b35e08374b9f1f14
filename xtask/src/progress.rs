//! Progress display for long steps (indicatif draws only on a terminal).
use std::time::Duration;

use indicatif::{ProgressBar, ProgressStyle};

/// A byte counter for a download of `len` bytes (a spinner when unknown).
pub fn bytes(len: Option<u64>, message: &str) -> ProgressBar {
    let bar = match len {
        Some(len) => {
            let bar = ProgressBar::new(len);
            bar.set_style(
                ProgressStyle::with_template(
                    "{msg} [{bar:30}] {bytes}/{total_bytes} ({bytes_per_sec}, {eta})",
                )
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
            );
            bar
        }
        None => ProgressBar::new_spinner(),
    };
    bar.set_message(message.to_string());
    bar
}

/// A spinner with elapsed time, for waits.
pub fn spinner(message: &str) -> ProgressBar {
    let bar = ProgressBar::new_spinner();
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg} ({elapsed})")
            .unwrap_or_else(|_| ProgressStyle::default_spinner()),
    );
    bar.set_message(message.to_string());
    bar.enable_steady_tick(Duration::from_millis(120));
    bar
}
