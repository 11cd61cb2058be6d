// kiln's non-local exit from wasm code back to the host.
//
// `kiln_catch` records a jump buffer and runs `body`. When wasm traps, the
// signal handler (or a host-call error path, outside any signal context)
// arranges for `kiln_longjmp` to run on the faulting thread, which returns
// from `kiln_catch` with 0. Only wasm frames and frames without destructors
// lie between the two, so skipping them is sound.
#include <setjmp.h>

int kiln_catch(void (*body)(void *), void *payload, void **jmp_buf_out) {
    jmp_buf buf;
    if (setjmp(buf) != 0) {
        return 0;
    }
    *jmp_buf_out = &buf;
    body(payload);
    return 1;
}

void kiln_longjmp(void *buf) {
    longjmp(*(jmp_buf *)buf, 1);
}
