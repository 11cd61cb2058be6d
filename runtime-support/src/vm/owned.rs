//! `OwnedPtr<T>`: a heap object owned through a raw pointer.
//!
//! VMContexts and compiled code hold raw pointers into runtime objects
//! (instances, memory and table definitions, globals, the store context).
//! If Rust owned those objects as `Box<T>`, every move of the box would
//! reassert unique ownership of the pointee under Rust's aliasing rules and
//! invalidate the raw pointers already handed out. An `OwnedPtr` is made
//! once from a `Box`, keeps only the raw pointer, and turns it back into a
//! `Box` only to drop it, so moving the handle never retags the pointee.
//!
//! Rules:
//! - Pointers taken with [`OwnedPtr::as_ptr`] stay valid until the handle
//!   is dropped, however often it moves.
//! - `Deref`/`DerefMut` borrow through the raw pointer; as with any
//!   `&mut`, compiled code must not run on the object while a `&mut`
//!   borrow of it is alive (the runtime borrows only between calls, or in
//!   libcalls that compiled code has handed control to).

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::ptr::NonNull;

/// A uniquely owned heap object reached through a raw pointer.
pub struct OwnedPtr<T> {
    ptr: NonNull<T>,
}

// SAFETY: an `OwnedPtr<T>` owns its `T` exactly as a `Box<T>` does.
unsafe impl<T: Send> Send for OwnedPtr<T> {}
// SAFETY: as above; shared access only hands out `&T`.
unsafe impl<T: Sync> Sync for OwnedPtr<T> {}

impl<T> OwnedPtr<T> {
    /// Moves `value` to the heap.
    pub fn new(value: T) -> Self {
        Self::from_box(Box::new(value))
    }

    /// Takes over a boxed value.
    pub fn from_box(value: Box<T>) -> Self {
        Self { ptr: NonNull::from(Box::leak(value)) }
    }

    /// Moves the object back out; pointers taken earlier dangle after this.
    pub fn into_inner(self) -> T {
        let this = std::mem::ManuallyDrop::new(self);
        // SAFETY: the pointer came from `Box::leak`; `this` is never dropped,
        // so the object is freed only by this `Box`.
        *unsafe { Box::from_raw(this.ptr.as_ptr()) }
    }

    /// The object's address, valid until this handle is dropped.
    pub fn as_ptr(&self) -> *mut T {
        self.ptr.as_ptr()
    }
}

impl<T> Deref for OwnedPtr<T> {
    type Target = T;

    fn deref(&self) -> &T {
        // SAFETY: the pointer came from a live `Box` that only `drop` frees.
        unsafe { self.ptr.as_ref() }
    }
}

impl<T> DerefMut for OwnedPtr<T> {
    fn deref_mut(&mut self) -> &mut T {
        // SAFETY: as above, and `&mut self` makes this the only Rust borrow.
        unsafe { self.ptr.as_mut() }
    }
}

impl<T> Drop for OwnedPtr<T> {
    fn drop(&mut self) {
        // SAFETY: the pointer came from `Box::leak` and is dropped once.
        drop(unsafe { Box::from_raw(self.ptr.as_ptr()) });
    }
}

impl<T: fmt::Debug> fmt::Debug for OwnedPtr<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        (**self).fmt(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::rc::Rc;

    #[test]
    fn a_raw_pointer_survives_moves_of_the_handle() {
        let handle = OwnedPtr::new(41u64);
        let raw = handle.as_ptr();
        let mut handles = vec![handle];
        handles.reserve(64); // moves the handle
        // SAFETY: `raw` points into the live object.
        unsafe { *raw += 1 };
        assert_eq!(*handles[0], 42);
    }

    #[test]
    fn into_inner_gives_the_object_back() {
        assert_eq!(OwnedPtr::new(String::from("kiln")).into_inner(), "kiln");
    }

    #[test]
    fn drop_frees_the_object_once() {
        let counted = Rc::new(());
        let handle = OwnedPtr::new(Rc::clone(&counted));
        assert_eq!(Rc::strong_count(&counted), 2);
        drop(handle);
        assert_eq!(Rc::strong_count(&counted), 1);
    }
}
