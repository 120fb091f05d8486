//! The key-value view an app's module gets of its context's state. calimero-context implements
//! it over the store, overriding the ordered-index methods, so the trait keeps every method; the
//! defaults are the real trait's contract for a backend without an ordered index (inert).

use calimero_primitives::reflect::Reflect;

pub type Key = Vec<u8>;
pub type Value = Vec<u8>;

pub trait Storage: Reflect {
    fn get(&self, key: &Key) -> Option<Value>;
    fn set(&mut self, key: Key, value: Value) -> Option<Value>;
    fn remove(&mut self, key: &Key) -> Option<Vec<u8>>;
    fn has(&self, key: &Key) -> bool;

    fn index_set(&mut self, _key: &[u8], _value: &[u8]) -> bool {
        false
    }

    fn index_del(&mut self, _key: &[u8]) -> bool {
        false
    }

    fn index_del_prefix(&mut self, _prefix: &[u8]) -> bool {
        false
    }

    fn index_scan(&self, _lo: &[u8], _hi: &[u8], _offset: usize, _limit: Option<usize>) -> Vec<(Vec<u8>, Vec<u8>)> {
        Vec::new()
    }

    fn index_last(&self, _lo: &[u8], _hi: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
        None
    }
}
