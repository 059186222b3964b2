//! Password checks give their working memory back: a server that has seen a
//! few sign-ins holds no more memory than before them. In a test binary of
//! its own, so that no other test's allocations move the process's RSS.

#![cfg(target_os = "linux")]

use hotel_server::password;

/// Resident memory of this process, in KiB.
fn rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmRSS line")
}

#[test]
fn sign_ins_leave_no_working_memory_resident() {
    // Each check works in 19 MiB (Argon2id, default parameters).
    let phc = password::hash("correct horse battery").unwrap();
    let before = rss_kib();
    for _ in 0..4 {
        assert!(password::verify("correct horse battery", &phc));
        assert!(!password::verify("correct horse batterx", &phc));
    }
    let _ = password::hash("another good password").unwrap();
    let grown = rss_kib().saturating_sub(before);
    assert!(
        grown < 8 * 1024,
        "RSS grew by {grown} KiB over nine password hashes"
    );
}
