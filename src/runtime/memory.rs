//! How much heap one run holds. A sweep runs a few seeds at once in one process, so the process's
//! resident set cannot say which seed grew; but every run lives on a simulation thread of its
//! own (the determinism fence, `runtime/mod.rs`), so bytes counted per thread are bytes per run.
//!
//! [`CountingAlloc`] wraps the real allocator and keeps, per thread, the bytes it has handed out
//! and not taken back, and the most that ever was. A binary installs it as its global allocator
//! (`merosim`'s does); where nobody did, the counts stay zero and the memory limit never fires.
//! Bytes freed on another thread than the one that took them (a job's closure, a result sent
//! back) count against the freeing thread, which is why the counts are signed: a run's figure is
//! its own thread's, off by what crossed.

use std::alloc::{GlobalAlloc, Layout};
use std::cell::Cell;

thread_local! {
    // `const` and without a destructor: no lazy registration, so no allocation inside the
    // allocator, and usable until the thread's very end.
    static LIVE: Cell<i64> = const { Cell::new(0) };
    static PEAK: Cell<i64> = const { Cell::new(0) };
}

/// A global allocator that counts per thread what `A` hands out.
pub struct CountingAlloc<A>(pub A);

fn moved(delta: i64) {
    let _ = LIVE.try_with(|live| {
        let now = live.get() + delta;
        live.set(now);
        let _ = PEAK.try_with(|peak| peak.set(peak.get().max(now)));
    });
}

// SAFETY: every call is forwarded to `A` unchanged; the counting touches only `const`
// thread-locals, which never allocate.
unsafe impl<A: GlobalAlloc> GlobalAlloc for CountingAlloc<A> {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's contract is `A`'s.
        let p = unsafe { self.0.alloc(layout) };
        if !p.is_null() {
            moved(layout.size() as i64);
        }
        p
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { self.0.alloc_zeroed(layout) };
        if !p.is_null() {
            moved(layout.size() as i64);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: as for `alloc`.
        unsafe { self.0.dealloc(ptr, layout) };
        moved(-(layout.size() as i64));
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: as for `alloc`.
        let p = unsafe { self.0.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            moved(new_size as i64 - layout.size() as i64);
        }
        p
    }
}

/// The calling thread's heap: what it holds now, and the most it ever held.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Heap {
    pub live: u64,
    pub peak: u64,
}

/// The calling thread's heap; zeros where no [`CountingAlloc`] is installed.
pub fn thread_heap() -> Heap {
    let read = |cell: &'static std::thread::LocalKey<Cell<i64>>| cell.try_with(Cell::get).unwrap_or(0).max(0) as u64;
    Heap { live: read(&LIVE), peak: read(&PEAK) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_are_per_thread_and_follow_alloc_realloc_and_free() {
        let a = CountingAlloc(std::alloc::System);
        std::thread::spawn(move || {
            let before = thread_heap();
            let layout = Layout::from_size_align(1 << 20, 8).unwrap();
            // SAFETY: a valid, non-zero layout; the pointers are freed with their layouts.
            unsafe {
                let p = a.alloc(layout);
                assert_eq!(thread_heap().live, before.live + (1 << 20));
                let p = a.realloc(p, layout, 3 << 20);
                assert_eq!(thread_heap().live, before.live + (3 << 20));
                a.dealloc(p, Layout::from_size_align(3 << 20, 8).unwrap());
            }
            let after = thread_heap();
            assert_eq!(after.live, before.live);
            assert!(after.peak >= before.live + (3 << 20));
        })
        .join()
        .unwrap();
        // The spawned thread's bytes are not this one's (which counts nothing: the test binary's
        // global allocator is the plain one).
        assert_eq!(thread_heap(), Heap::default());
    }
}
