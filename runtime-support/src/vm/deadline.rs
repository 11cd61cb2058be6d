//! The libcall compiled code makes when an epoch deadline has passed.
//!
//! The runtime does not know the store's type, so the decision (run the
//! embedder's callback and extend the deadline, or trap) is the store's:
//! the loader puts a handler in `VMStoreContext::epoch_hook`, and this
//! libcall only finds it and the store through the caller's VMContext.
//! Fuel exhaustion needs no libcall: compiled code traps on the spot.

use crate::vm::instance::Instance;
use crate::vmoffsets::{HostPtr, PtrSize, VMStoreContext};

/// `new_epoch`: returns 0 when the store extended its deadline, 1 (the
/// caller traps with `Interrupt`) otherwise.
pub(crate) unsafe extern "C" fn new_epoch(vmctx: *mut u8) -> u32 {
    // SAFETY: compiled code passes its own live VMContext, whose header
    // holds the store context pointer the store filled in.
    let store_ctx = unsafe { *(vmctx.add(HostPtr.vmctx_store_context() as usize) as *const *const VMStoreContext) };
    // SAFETY: the store context outlives every call into its store.
    let Some(hook) = (unsafe { (*store_ctx).epoch_hook }) else {
        return 1;
    };
    // SAFETY: as above, the VMContext is live.
    let store = unsafe { Instance::from_vmctx(vmctx) }.store();
    // SAFETY: the hook was installed by the store `store` points to, for
    // exactly that store.
    unsafe { hook(store) }
}
