//! CPU time of the calling thread, read with a raw `clock_gettime` syscall: madsim interposes the
//! libc function (to virtualise time), and `getrusage` only counts in scheduler ticks (4 ms here).

use std::time::Duration;

/// User + system CPU time the current thread has used so far, in nanoseconds resolution.
pub fn thread_cpu() -> Duration {
    // SAFETY: `ts` is a plain C struct the syscall fills in.
    let mut ts: libc::timespec = unsafe { std::mem::zeroed() };
    // SAFETY: valid clock id and pointer; the raw syscall bypasses madsim's interposed function.
    let rc = unsafe { libc::syscall(libc::SYS_clock_gettime, libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    if rc != 0 {
        return Duration::ZERO;
    }
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// Peak resident set of this process so far, in KiB (`VmHWM`).
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}
