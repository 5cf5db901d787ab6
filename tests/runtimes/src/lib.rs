//! What every program of the pairs shares: a watchdog that ends a hung
//! program with a known exit code, so a deadlock is an outcome, not a hang
//! of the test suite.

use std::time::Duration;

/// Exit code of a program its watchdog stopped: it hung.
pub const HUNG: i32 = 3;

/// Start the watchdog: after `secs` seconds the process exits with HUNG.
/// A program that finishes first exits 0 (a panic exits 101).
pub fn watchdog(secs: u64) {
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(secs));
        println!("watchdog: no progress in {} s", secs);
        std::process::exit(HUNG);
    });
}
