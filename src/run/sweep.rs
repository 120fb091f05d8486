//! Many runs on a few threads: the one worker pool the CLI's sweeps and plants, the benchmarks
//! and the tests share. Each worker takes the next item as it finishes one, so a slow seed holds
//! up only its own thread; results come back in the items' order, so what a sweep reports does
//! not depend on which thread ran what (each run is fenced on its own simulation thread anyway).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use super::{run_one, Run, RunSpec};

/// `f` over `items` on `jobs` worker threads; the results in `items`' order.
pub fn par_map<T: Sync, R: Send>(items: &[T], jobs: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    std::thread::scope(|scope| {
        for _ in 0..jobs.clamp(1, items.len().max(1)) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some(item) = items.get(i) else { return };
                let result = f(item);
                results.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(result);
            });
        }
    });
    results.into_inner().unwrap_or_else(|p| p.into_inner()).into_iter().flatten().collect()
}

/// Runs every spec on `jobs` worker threads and hands each finished run to `each` (on the
/// worker's thread, as soon as it ends); `each`'s results in `specs`' order.
pub fn sweep<R: Send>(specs: &[RunSpec], jobs: usize, each: impl Fn(&RunSpec, Run) -> R + Sync) -> Vec<R> {
    par_map(specs, jobs, |spec| each(spec, run_one(spec, false)))
}

/// `template` for each of `seeds`.
pub fn seeded(template: &RunSpec, seeds: impl IntoIterator<Item = u64>) -> Vec<RunSpec> {
    seeds.into_iter().map(|seed| template.with_seed(seed)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_keep_the_items_order_whatever_the_threads() {
        let items: Vec<u64> = (0..50).collect();
        for jobs in [1, 2, 7, 100] {
            assert_eq!(par_map(&items, jobs, |n| n * 2), items.iter().map(|n| n * 2).collect::<Vec<_>>());
        }
        assert!(par_map(&[] as &[u64], 4, |n| *n).is_empty());
    }
}
