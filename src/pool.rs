//! A fixed set of model sessions shared by threads.
//!
//! An ONNX session runs one inference at a time here (fastembed's `embed` and ort's `run` take
//! `&mut self`), so one session behind a mutex serialises every caller: measured, 97 QPS with 8
//! clients against 112 with one. A pool holds one single-threaded session per core instead;
//! concurrent searches, and the deals of an ingest, spread over them.

use std::ops::{Deref, DerefMut};
use std::sync::{Condvar, Mutex};

use crate::error::{Error, Result};

/// Sessions (or any items) lent out one caller at a time.
pub struct Pool<T> {
    free: Mutex<Vec<T>>,
    returned: Condvar,
    size: usize,
}

/// A borrowed item; it goes back to its pool when dropped, even when the borrower panics.
pub struct Lease<'a, T> {
    pool: &'a Pool<T>,
    item: Option<T>,
}

impl<T> Pool<T> {
    /// A pool of these items.
    pub fn new(items: Vec<T>) -> Pool<T> {
        let size = items.len();
        Pool { free: Mutex::new(items), returned: Condvar::new(), size }
    }

    /// How many items the pool holds.
    pub fn size(&self) -> usize {
        self.size
    }

    /// Waits for a free item.
    pub fn lease(&self) -> Result<Lease<'_, T>> {
        let poisoned = || Error::Internal("a session pool is poisoned".into());
        if self.size == 0 {
            return Err(Error::Internal("a session pool is empty".into()));
        }
        let mut free = self.free.lock().map_err(|_| poisoned())?;
        loop {
            if let Some(item) = free.pop() {
                return Ok(Lease { pool: self, item: Some(item) });
            }
            free = self.returned.wait(free).map_err(|_| poisoned())?;
        }
    }
}

impl<T> Deref for Lease<'_, T> {
    type Target = T;
    fn deref(&self) -> &T {
        self.item.as_ref().expect("a lease holds its item until dropped")
    }
}

impl<T> DerefMut for Lease<'_, T> {
    fn deref_mut(&mut self) -> &mut T {
        self.item.as_mut().expect("a lease holds its item until dropped")
    }
}

impl<T> Drop for Lease<'_, T> {
    fn drop(&mut self) {
        if let Some(item) = self.item.take() {
            let mut free = self.pool.free.lock().unwrap_or_else(|p| p.into_inner());
            free.push(item);
            self.pool.returned.notify_one();
        }
    }
}

/// Runs `produce` over `items` on `workers` threads and `consume` over the results on the
/// calling thread, in the items' order: a bounded pipeline in which at most `ahead` results wait
/// for `consume` (so the next items are prepared while the current one is consumed, and
/// memory stays bounded). Stops producing at the first error of `consume` and returns it; a
/// panic in `produce` is raised again on the calling thread.
pub fn for_each_in_order<T, R, E>(
    items: &[T],
    workers: usize,
    ahead: usize,
    produce: impl Fn(&T) -> R + Sync,
    mut consume: impl FnMut(R) -> std::result::Result<(), E>,
) -> std::result::Result<(), E>
where
    T: Sync,
    R: Send,
{
    struct State<R> {
        ready: std::collections::BTreeMap<usize, R>,
        consumed: usize,
        stop: bool,
        panic: Option<Box<dyn std::any::Any + Send>>,
    }
    let ahead = ahead.max(1);
    let state = Mutex::new(State {
        ready: std::collections::BTreeMap::new(),
        consumed: 0,
        stop: false,
        panic: None,
    });
    let changed = Condvar::new();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let lock = || state.lock().unwrap_or_else(|p| p.into_inner());
    std::thread::scope(|scope| {
        for _ in 0..workers.clamp(1, items.len().max(1)) {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    let Some(item) = items.get(i) else { break };
                    {
                        let mut s = lock();
                        while !s.stop && i >= s.consumed + ahead {
                            s = changed.wait(s).unwrap_or_else(|p| p.into_inner());
                        }
                        if s.stop {
                            break;
                        }
                    }
                    let made =
                        std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| produce(item)));
                    let mut s = lock();
                    match made {
                        Ok(result) => {
                            s.ready.insert(i, result);
                        }
                        Err(panic) => {
                            s.panic.get_or_insert(panic);
                            s.stop = true;
                        }
                    }
                    changed.notify_all();
                }
            });
        }
        let mut outcome = Ok(());
        for i in 0..items.len() {
            let result = {
                let mut s = lock();
                loop {
                    if let Some(panic) = s.panic.take() {
                        drop(s);
                        std::panic::resume_unwind(panic);
                    }
                    if let Some(result) = s.ready.remove(&i) {
                        s.consumed = i + 1;
                        break result;
                    }
                    s = changed.wait(s).unwrap_or_else(|p| p.into_inner());
                }
            };
            changed.notify_all();
            if let Err(err) = consume(result) {
                outcome = Err(err);
                break;
            }
        }
        lock().stop = true;
        changed.notify_all();
        outcome
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_caller_gets_an_item_and_gives_it_back() {
        let pool = Pool::new(vec![0usize, 0]);
        let total = std::sync::atomic::AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for _ in 0..8 {
                scope.spawn(|| {
                    for _ in 0..100 {
                        let mut item = pool.lease().unwrap();
                        *item += 1;
                        total.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    }
                });
            }
        });
        assert_eq!(total.into_inner(), 800);
        let items = pool.free.into_inner().unwrap();
        assert_eq!(items.len(), 2, "both items came back");
        assert_eq!(items.iter().sum::<usize>(), 800);
        assert!(Pool::<u8>::new(vec![]).lease().is_err());
    }

    #[test]
    fn the_pipeline_keeps_order_stops_on_error_and_raises_panics() {
        let items: Vec<u64> = (0..200).collect();
        let seen = std::cell::RefCell::new(vec![]);
        let slow = |n: &u64| {
            // Later items finish first: the order must still hold.
            std::thread::sleep(std::time::Duration::from_micros((200 - n) * 20));
            n * 2
        };
        for_each_in_order(&items, 4, 3, slow, |n| {
            seen.borrow_mut().push(n);
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(seen.into_inner(), items.iter().map(|n| n * 2).collect::<Vec<_>>());

        let produced = std::sync::atomic::AtomicUsize::new(0);
        let failed = for_each_in_order(
            &items,
            2,
            4,
            |n| {
                produced.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                *n
            },
            |n| if n == 10 { Err("stop") } else { Ok(()) },
        );
        assert_eq!(failed, Err("stop"));
        assert!(produced.into_inner() <= 10 + 4 + 2, "bounded: it stopped soon after");

        let panicked = std::panic::catch_unwind(|| {
            for_each_in_order(&items, 2, 2, |n| assert!(*n != 7, "bad item"), |()| Ok::<(), ()>(()))
        });
        assert!(panicked.is_err(), "the worker's panic reaches the caller");
        assert!(for_each_in_order(&[] as &[u8], 2, 2, |_| (), |()| Ok::<(), ()>(())).is_ok());
    }
}
