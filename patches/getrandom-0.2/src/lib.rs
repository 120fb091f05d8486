//! A getrandom 0.2 replacement for simulation builds.
//!
//! Upstream getrandom 0.2 fills buffers with the raw `SYS_getrandom` syscall on Linux. madsim makes
//! randomness deterministic by defining the libc *function* `getrandom` in the test binary, which a
//! raw syscall never reaches — so `rand::thread_rng()` (Calimero's HLC node id, sync nonces, peer
//! shuffles) stayed seeded by the kernel and every run differed. This crate keeps the 0.2 public API
//! and calls the `getrandom` function through the normal symbol lookup instead: inside a madsim
//! runtime madsim's definition answers from the seeded RNG; outside one (build scripts, plain
//! threads) madsim forwards to glibc, so behaviour there is unchanged.
//!
//! Only Linux/glibc is supported, which is the platform merosim targets.

#![deny(unsafe_op_in_unsafe_fn)]

use core::fmt;
use core::mem::MaybeUninit;
use core::num::NonZeroU32;

/// Error type compatible with getrandom 0.2's `Error` (same constants and accessors).
#[derive(Copy, Clone, Eq, PartialEq)]
pub struct Error(NonZeroU32);

const fn internal(n: u16) -> Error {
    match NonZeroU32::new(Error::INTERNAL_START + n as u32) {
        Some(code) => Error(code),
        None => panic!("internal error code is never zero"),
    }
}

impl Error {
    pub const UNSUPPORTED: Error = internal(0);
    pub const ERRNO_NOT_POSITIVE: Error = internal(1);
    pub const UNEXPECTED: Error = internal(2);
    pub const IOS_SEC_RANDOM: Error = internal(3);
    pub const WINDOWS_RTL_GEN_RANDOM: Error = internal(4);
    pub const FAILED_RDRAND: Error = internal(5);
    pub const NO_RDRAND: Error = internal(6);
    pub const WEB_CRYPTO: Error = internal(7);
    pub const WEB_GET_RANDOM_VALUES: Error = internal(8);
    pub const VXWORKS_RAND_SECURE: Error = internal(11);
    pub const NODE_CRYPTO: Error = internal(12);
    pub const NODE_RANDOM_FILL_SYNC: Error = internal(13);
    pub const NODE_ES_MODULE: Error = internal(14);
    pub const INTERNAL_START: u32 = 1 << 31;
    pub const CUSTOM_START: u32 = (1 << 31) + (1 << 30);

    /// The OS errno behind this error, if it came from the OS.
    pub fn raw_os_error(self) -> Option<i32> {
        (self.0.get() < Self::INTERNAL_START).then(|| self.0.get() as i32)
    }

    pub const fn code(self) -> NonZeroU32 {
        self.0
    }

    fn last_os_error() -> Error {
        let errno = std::io::Error::last_os_error().raw_os_error().unwrap_or(0);
        match u32::try_from(errno).ok().and_then(NonZeroU32::new) {
            Some(code) => Error(code),
            None => Error::ERRNO_NOT_POSITIVE,
        }
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.raw_os_error() {
            Some(errno) => write!(f, "getrandom::Error {{ os_error: {errno} }}"),
            None => write!(f, "getrandom::Error {{ internal_code: {} }}", self.0.get()),
        }
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.raw_os_error() {
            Some(errno) => write!(f, "{}", std::io::Error::from_raw_os_error(errno)),
            None => write!(f, "getrandom internal error {}", self.0.get()),
        }
    }
}

impl std::error::Error for Error {}

impl From<NonZeroU32> for Error {
    fn from(code: NonZeroU32) -> Self {
        Error(code)
    }
}

impl From<Error> for std::io::Error {
    fn from(err: Error) -> Self {
        match err.raw_os_error() {
            Some(errno) => std::io::Error::from_raw_os_error(errno),
            None => std::io::Error::new(std::io::ErrorKind::Other, err),
        }
    }
}

/// Fill `dest` with random bytes.
pub fn getrandom(dest: &mut [u8]) -> Result<(), Error> {
    // SAFETY: `[u8]` and `[MaybeUninit<u8>]` have the same layout, and we only write bytes.
    let uninit = unsafe { &mut *(dest as *mut [u8] as *mut [MaybeUninit<u8>]) };
    getrandom_uninit(uninit).map(|_| ())
}

/// Fill a possibly-uninitialised buffer with random bytes and return it initialised.
pub fn getrandom_uninit(dest: &mut [MaybeUninit<u8>]) -> Result<&mut [u8], Error> {
    let mut filled = 0;
    while filled < dest.len() {
        let rest = &mut dest[filled..];
        // SAFETY: the pointer and length describe a live, writable buffer.
        let n = unsafe { libc::getrandom(rest.as_mut_ptr().cast(), rest.len(), 0) };
        if n < 0 {
            let err = Error::last_os_error();
            if err.raw_os_error() == Some(libc::EINTR) {
                continue;
            }
            return Err(err);
        }
        if n == 0 {
            return Err(Error::UNEXPECTED);
        }
        filled += n as usize;
    }
    // SAFETY: every byte was written above.
    Ok(unsafe { &mut *(dest as *mut [MaybeUninit<u8>] as *mut [u8]) })
}

/// Accepted for API compatibility; on Linux the OS source is always used, as upstream does.
#[macro_export]
macro_rules! register_custom_getrandom {
    ($path:path) => {
        const _: () = {
            let _ = $path;
        };
    };
}
