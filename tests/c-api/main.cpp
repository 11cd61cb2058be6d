// The C++ program of tests/all/c_api.rs: the same header, compiled as
// C++11, defines the imports and calls exports of every kind of value.
#include <cstdio>

#include "calc.h"

kiln_status calc_env_scale(kiln_caller *caller, int32_t x, int32_t *result0) {
    if (x < 0) return kiln_caller_trap(caller, "negative scale");
    *result0 = x * 100;
    return KILN_OK;
}

kiln_status calc_env_note(kiln_caller *, int32_t, int32_t) { return KILN_OK; }

kiln_status calc_env_reenter(kiln_caller *) { return KILN_OK; }

kiln_status calc_env_blend(kiln_caller *, const kiln_v128 *a, int32_t k, const kiln_v128 *b, kiln_v128 *result0,
                           int32_t *result1) {
    for (int i = 0; i < 16; i++) result0->bytes[i] = static_cast<uint8_t>(a->bytes[i] * k + b->bytes[i]);
    *result1 = k;
    return KILN_OK;
}

int main() {
    kiln_instance *calc = nullptr;
    if (calc_instance_new(0, nullptr, &calc) != KILN_OK) {
        std::printf("new: %s\n", kiln_last_error());
        return 1;
    }
    int32_t r = 0;
    double d = 0;
    kiln_status s = calc_scaled(calc, 2, &r);
    std::printf("c++ scaled: status %d: %d\n", static_cast<int>(s), r);
    s = calc_mix(calc, 1, 0.5f, 4.0, &d);
    std::printf("c++ mix: status %d: %g\n", static_cast<int>(s), d);
    kiln_v128 v, w;
    for (int i = 0; i < 16; i++) v.bytes[i] = static_cast<uint8_t>(i);
    s = calc_blend(calc, v, v, &w, &r);
    std::printf("c++ blend: status %d: %d %d, k %d\n", static_cast<int>(s), w.bytes[1], w.bytes[15], r);
    s = calc_divide(calc, 1, 0, &r);
    std::printf("c++ divide: status %d\n", static_cast<int>(s));
    kiln_instance_delete(calc);
    return 0;
}
