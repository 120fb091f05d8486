//! madsim-tokio as calimero-node's `tokio`, with two differences:
//!
//! - `select!` without `biased;` starts at a branch drawn from the simulation's seeded RNG.
//!   tokio's draws it from a thread-local generator it seeds from a process-wide counter, so a
//!   run's branch order depended on how many threads had drawn before it in the process: the same
//!   seed swept with one job and with two took different paths (production's sync driver,
//!   `SyncDriver::run`, selects over its tick, session results and sync requests). Same
//!   fairness, reproducible: the branches are polled in the same rotation tokio would use, from a
//!   start the seed decides.
//! - Real tokio's `signal::unix` is added for a tree's run.rs, which names it to stop a real node
//!   on SIGTERM; madsim-tokio has no such module, and no simulation calls it.
//!
//! Everything else is madsim-tokio's, so calimero-node's timers and tasks run on the
//! simulation's clock and queue.

pub use madsim_tokio::*;

#[cfg(feature = "signal")]
pub mod signal {
    pub use madsim_tokio::signal::*;
    #[cfg(unix)]
    pub use real_tokio::signal::unix;
}

#[cfg(all(madsim, feature = "macros"))]
#[doc(hidden)]
pub use madsim_tokio::select as __tokio_select;

/// The branch an unbiased `select!` polls first.
#[cfg(all(madsim, feature = "macros"))]
#[doc(hidden)]
pub fn __select_start(branches: u32) -> u32 {
    use madsim::rand::Rng;
    madsim::rand::thread_rng().gen_range(0..branches)
}

/// tokio's `select!`, its unbiased form polling from a seeded start: every rotation of the
/// branches becomes a `biased;` select, and the seed picks one. The branch grammar is tokio's
/// (`pattern = future, if precondition => handler`, an optional final `else`); each branch is
/// passed to tokio's macro unchanged.
#[cfg(all(madsim, feature = "macros"))]
#[macro_export]
macro_rules! select {
    (biased; $($t:tt)*) => { $crate::__tokio_select!(biased; $($t)*) };
    ($($t:tt)*) => { $crate::__select_split!(@done [] @else [] @cur [] $($t)*) };
}

/// Splits a `select!` body into branches, one `[...]` group each, the `else` branch apart. Tokens
/// stay tokens (never `expr` or `block` fragments), so tokio's macro parses each branch afresh.
#[cfg(all(madsim, feature = "macros"))]
#[macro_export]
#[doc(hidden)]
macro_rules! __select_split {
    // A branch's handler: a block (its comma optional), or tokens up to a comma or the end.
    (@done [$($d:tt)*] @else $e:tt @cur [$($c:tt)+] => { $($h:tt)* } , $($rest:tt)*) => {
        $crate::__select_split!(@done [$($d)*] @else $e @branch [$($c)+] [{ $($h)* }] $($rest)*)
    };
    (@done [$($d:tt)*] @else $e:tt @cur [$($c:tt)+] => { $($h:tt)* } $($rest:tt)*) => {
        $crate::__select_split!(@done [$($d)*] @else $e @branch [$($c)+] [{ $($h)* }] $($rest)*)
    };
    (@done $d:tt @else $e:tt @cur [$($c:tt)+] => $($rest:tt)*) => {
        $crate::__select_split!(@done $d @else $e @handler [$($c)+] [] $($rest)*)
    };
    (@done $d:tt @else $e:tt @handler $c:tt [$($h:tt)+] , $($rest:tt)*) => {
        $crate::__select_split!(@done $d @else $e @branch $c [$($h)+] $($rest)*)
    };
    (@done $d:tt @else $e:tt @handler $c:tt [$($h:tt)*] $t:tt $($rest:tt)*) => {
        $crate::__select_split!(@done $d @else $e @handler $c [$($h)* $t] $($rest)*)
    };
    (@done $d:tt @else $e:tt @handler $c:tt [$($h:tt)+]) => {
        $crate::__select_split!(@done $d @else $e @branch $c [$($h)+])
    };
    // A finished branch: `else` is kept apart (tokio wants it last).
    (@done $d:tt @else [] @branch [else] [$($h:tt)+] $($rest:tt)*) => {
        $crate::__select_split!(@done $d @else [else => $($h)+] @cur [] $($rest)*)
    };
    (@done [$($d:tt)*] @else $e:tt @branch [$($c:tt)+] [$($h:tt)+] $($rest:tt)*) => {
        $crate::__select_split!(@done [$($d)* [$($c)+ => $($h)+]] @else $e @cur [] $($rest)*)
    };
    (@done $d:tt @else $e:tt @cur [$($c:tt)*] $t:tt $($rest:tt)*) => {
        $crate::__select_split!(@done $d @else $e @cur [$($c)* $t] $($rest)*)
    };
    (@done [$($d:tt)+] @else $e:tt @cur []) => {{
        let __start = $crate::__select_start($crate::__select_count!($($d)+));
        $crate::__select_rotate!(__start [0] [$($d)+] [$($d)+] $e)
    }};
}

#[cfg(all(madsim, feature = "macros"))]
#[macro_export]
#[doc(hidden)]
macro_rules! __select_count {
    () => { 0u32 };
    ($head:tt $($rest:tt)*) => { 1u32 + $crate::__select_count!($($rest)*) };
}

/// `if start == 0 { select!(biased; b0, b1, …) } else if start == 1 { select!(biased; b1, …, b0) } …`
#[cfg(all(madsim, feature = "macros"))]
#[macro_export]
#[doc(hidden)]
macro_rules! __select_rotate {
    ($start:ident [$($i:tt)*] [$($order:tt)+] [$_last:tt] [$($e:tt)*]) => {
        $crate::__select_biased!([$($order)+] [$($e)*])
    };
    ($start:ident [$($i:tt)*] [$first:tt $($rest:tt)*] [$_n:tt $($left:tt)+] [$($e:tt)*]) => {
        if $start == $($i)* {
            $crate::__select_biased!([$first $($rest)*] [$($e)*])
        } else {
            $crate::__select_rotate!($start [$($i)* + 1] [$($rest)* $first] [$($left)+] [$($e)*])
        }
    };
}

#[cfg(all(madsim, feature = "macros"))]
#[macro_export]
#[doc(hidden)]
macro_rules! __select_biased {
    ([$([$($branch:tt)*])+] [$($e:tt)*]) => {
        $crate::__tokio_select!(biased; $($($branch)* ,)+ $($e)*)
    };
}

#[cfg(all(test, madsim))]
mod tests {
    /// The branch each of 32 selects over three ready futures took, in a fresh simulation of
    /// `seed` on a fresh thread (as merosim runs every simulation).
    fn winners(seed: u64, biased: bool) -> Vec<u8> {
        let run = move || {
            let runtime = madsim::runtime::Runtime::with_seed_and_config(seed, madsim::Config::default());
            runtime.block_on(async move {
                let mut taken = Vec::new();
                for _ in 0..32 {
                    taken.push(match biased {
                        false => crate::select! {
                            a = async { 0_u8 } => a,
                            b = async { 1_u8 } => { b }
                            c = async { 2_u8 } => c,
                        },
                        true => crate::select! {
                            biased;
                            a = async { 0_u8 } => a,
                            b = async { 1_u8 } => b,
                        },
                    });
                }
                taken
            })
        };
        std::thread::spawn(run).join().expect("the simulation thread")
    }

    /// tokio's own `select!` fails this: two threads seed its generator from different counts.
    #[test]
    fn the_seed_alone_decides_the_branch() {
        assert_eq!(winners(7, false), winners(7, false));
        assert_ne!(winners(7, false), winners(8, false), "the seed picks the start");
    }

    #[test]
    fn every_branch_gets_its_turn() {
        let taken = winners(7, false);
        assert!((0..3).all(|b| taken.contains(&b)), "{taken:?}");
    }

    #[test]
    fn biased_polls_in_order() {
        assert!(winners(7, true).iter().all(|&b| b == 0));
    }

    #[test]
    fn preconditions_and_else_reach_tokio() {
        let runtime = madsim::runtime::Runtime::with_seed_and_config(1, madsim::Config::default());
        let taken = runtime.block_on(async {
            let ready = false;
            crate::select! {
                a = async { 0_u8 }, if ready => a,
                b = std::future::pending::<u8>(), if ready => b,
                else => 9,
            }
        });
        assert_eq!(taken, 9);
    }
}
