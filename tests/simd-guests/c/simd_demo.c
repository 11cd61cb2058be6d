/*
 * A C program using wasm_simd128.h: each kernel runs once with 128-bit
 * SIMD and once in scalar C (adding floats in the order the lanes do), on
 * fixed pseudo-random data, and prints the result.
 *
 * Built for wasm32-wasi with -msimd128 the first of each pair is the SIMD
 * kernel; built natively with -DSCALAR_ONLY it is the scalar one again, so
 * the native output is what the wasm build must print
 * (../expected/c_simd.txt). A kernel that disagrees with its scalar version
 * prints MISMATCH and the program exits with status 1.
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#ifndef SCALAR_ONLY
#include <wasm_simd128.h>
#define FAST(name) name##_simd
#else
#define FAST(name) name##_scalar
#endif

/* ---- data ------------------------------------------------------------ */

static uint32_t rng_state = 0x0c0ffee5u;

static uint32_t next_u32(void) {
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

static float next_f32(void) { return (float)(next_u32() >> 8) / (float)(1u << 23) - 1.0f; }

static uint64_t fnv(const void *p, size_t n) {
    const uint8_t *b = p;
    uint64_t h = 0xcbf29ce484222325ull;
    for (size_t i = 0; i < n; i++) h = (h ^ b[i]) * 0x100000001b3ull;
    return h;
}

/* ---- dot product: one f32x4 accumulator, pairwise horizontal sum ------ */

static float dot_scalar(const float *a, const float *b, size_t n) {
    float acc[4] = {0, 0, 0, 0};
    size_t steps = n / 4;
    for (size_t i = 0; i < steps; i++)
        for (size_t l = 0; l < 4; l++) acc[l] += a[i * 4 + l] * b[i * 4 + l];
    float sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
    for (size_t k = steps * 4; k < n; k++) sum += a[k] * b[k];
    return sum;
}

#ifndef SCALAR_ONLY
static float dot_simd(const float *a, const float *b, size_t n) {
    v128_t acc = wasm_f32x4_splat(0.0f);
    size_t steps = n / 4;
    for (size_t i = 0; i < steps; i++)
        acc = wasm_f32x4_add(acc, wasm_f32x4_mul(wasm_v128_load(a + i * 4), wasm_v128_load(b + i * 4)));
    float sum = (wasm_f32x4_extract_lane(acc, 0) + wasm_f32x4_extract_lane(acc, 1)) +
                (wasm_f32x4_extract_lane(acc, 2) + wasm_f32x4_extract_lane(acc, 3));
    for (size_t k = steps * 4; k < n; k++) sum += a[k] * b[k];
    return sum;
}
#endif

/* ---- byte search: i8x16.eq + i8x16.bitmask ---------------------------- */

static long find_scalar(const uint8_t *p, size_t n, uint8_t needle) {
    for (size_t i = 0; i < n; i++)
        if (p[i] == needle) return (long)i;
    return -1;
}

#ifndef SCALAR_ONLY
static long find_simd(const uint8_t *p, size_t n, uint8_t needle) {
    v128_t splat = wasm_u8x16_splat(needle);
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        uint32_t mask = wasm_i8x16_bitmask(wasm_i8x16_eq(wasm_v128_load(p + i), splat));
        if (mask) return (long)(i + (size_t)__builtin_ctz(mask));
    }
    long rest = find_scalar(p + i, n - i, needle);
    return rest < 0 ? -1 : (long)i + rest;
}
#endif

/* ---- 4x4 matrix product (row-major), broadcasts by i32x4.shuffle ------ */

static void mat4_scalar(const float *a, const float *b, float *c) {
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 4; j++) {
            float t0 = a[i * 4 + 0] * b[0 * 4 + j], t1 = a[i * 4 + 1] * b[1 * 4 + j];
            float t2 = a[i * 4 + 2] * b[2 * 4 + j], t3 = a[i * 4 + 3] * b[3 * 4 + j];
            c[i * 4 + j] = ((t0 + t1) + t2) + t3;
        }
}

#ifndef SCALAR_ONLY
static void mat4_simd(const float *a, const float *b, float *c) {
    v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
    v128_t b2 = wasm_v128_load(b + 8), b3 = wasm_v128_load(b + 12);
    for (int i = 0; i < 4; i++) {
        v128_t row = wasm_v128_load(a + i * 4);
        v128_t m0 = wasm_f32x4_mul(wasm_i32x4_shuffle(row, row, 0, 0, 0, 0), b0);
        v128_t m1 = wasm_f32x4_mul(wasm_i32x4_shuffle(row, row, 1, 1, 1, 1), b1);
        v128_t m2 = wasm_f32x4_mul(wasm_i32x4_shuffle(row, row, 2, 2, 2, 2), b2);
        v128_t m3 = wasm_f32x4_mul(wasm_i32x4_shuffle(row, row, 3, 3, 3, 3), b3);
        wasm_v128_store(c + i * 4, wasm_f32x4_add(wasm_f32x4_add(wasm_f32x4_add(m0, m1), m2), m3));
    }
}
#endif

/* ---- Q15 audio: gain by q15mulr_sat, mix by add_sat, energy by dot ---- */

static int16_t sat16(int32_t x) { return x > 32767 ? 32767 : x < -32768 ? -32768 : (int16_t)x; }

/* Writes the mixed samples to out; returns the wrapping sum of out[i]^2. */
static uint32_t audio_scalar(const int16_t *a, const int16_t *b, int16_t gain, int16_t *out, size_t n) {
    uint32_t energy = 0;
    for (size_t i = 0; i < n; i++) {
        int16_t g = sat16((a[i] * gain + 0x4000) >> 15);
        out[i] = sat16(g + b[i]);
        energy += (uint32_t)(out[i] * out[i]);
    }
    return energy;
}

#ifndef SCALAR_ONLY
static uint32_t audio_simd(const int16_t *a, const int16_t *b, int16_t gain, int16_t *out, size_t n) {
    v128_t vg = wasm_i16x8_splat(gain), energy = wasm_i32x4_splat(0);
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        v128_t g = wasm_i16x8_q15mulr_sat(wasm_v128_load(a + i), vg);
        v128_t o = wasm_i16x8_add_sat(g, wasm_v128_load(b + i));
        wasm_v128_store(out + i, o);
        /* dot pairs can reach 2 * 32768^2 = 2^31: wrapping, as the scalar sum is. */
        energy = wasm_i32x4_add(energy, wasm_i32x4_dot_i16x8(o, o));
    }
    uint32_t e = (uint32_t)wasm_i32x4_extract_lane(energy, 0) + (uint32_t)wasm_i32x4_extract_lane(energy, 1) +
                 (uint32_t)wasm_i32x4_extract_lane(energy, 2) + (uint32_t)wasm_i32x4_extract_lane(energy, 3);
    return e + audio_scalar(a + i, b + i, gain, out + i, n - i);
}
#endif

/* ---- prefix sums of i32 by shifted shuffles --------------------------- */

static void prefix_scalar(const int32_t *in, int32_t *out, size_t n) {
    uint32_t run = 0;
    for (size_t i = 0; i < n; i++) out[i] = (int32_t)(run += (uint32_t)in[i]);
}

#ifndef SCALAR_ONLY
static void prefix_simd(const int32_t *in, int32_t *out, size_t n) {
    v128_t zero = wasm_i32x4_splat(0), carry = zero;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        v128_t x = wasm_v128_load(in + i);
        x = wasm_i32x4_add(x, wasm_i32x4_shuffle(zero, x, 3, 4, 5, 6)); /* shift one lane */
        x = wasm_i32x4_add(x, wasm_i32x4_shuffle(zero, x, 2, 3, 4, 5)); /* shift two lanes */
        x = wasm_i32x4_add(x, carry);
        wasm_v128_store(out + i, x);
        carry = wasm_i32x4_shuffle(x, x, 3, 3, 3, 3);
    }
    uint32_t run = (uint32_t)wasm_i32x4_extract_lane(carry, 0);
    for (; i < n; i++) out[i] = (int32_t)(run += (uint32_t)in[i]);
}
#endif

/* ---- ASCII lower-casing: u8x16 compares and bitselect ----------------- */

static void lower_scalar(const char *in, char *out, size_t n) {
    for (size_t i = 0; i < n; i++) out[i] = (in[i] >= 'A' && in[i] <= 'Z') ? (char)(in[i] + 32) : in[i];
}

#ifndef SCALAR_ONLY
static void lower_simd(const char *in, char *out, size_t n) {
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        v128_t v = wasm_v128_load(in + i);
        v128_t upper = wasm_v128_and(wasm_u8x16_ge(v, wasm_u8x16_splat('A')), wasm_u8x16_le(v, wasm_u8x16_splat('Z')));
        v128_t lowered = wasm_i8x16_add(v, wasm_i8x16_splat(32));
        wasm_v128_store(out + i, wasm_v128_bitselect(lowered, v, upper));
    }
    lower_scalar(in + i, out + i, n - i);
}
#endif

/* ---- f64x2 rounding and min/max --------------------------------------- */

/* out[i] = floor(x) + ceil(x) * 2 + nearest(x) * 4 + trunc(x) * 8 + min(x, y) + pmax(x, y). */
static void round_scalar(const double *x, const double *y, double *out, size_t n) {
    for (size_t i = 0; i < n; i++) {
        double m = x[i] < y[i] ? x[i] : y[i];
        double p = x[i] < y[i] ? y[i] : x[i];
        out[i] = ((((floor(x[i]) + ceil(x[i]) * 2) + nearbyint(x[i]) * 4) + trunc(x[i]) * 8) + m) + p;
    }
}

#ifndef SCALAR_ONLY
static void round_simd(const double *x, const double *y, double *out, size_t n) {
    size_t i = 0;
    for (; i + 2 <= n; i += 2) {
        v128_t vx = wasm_v128_load(x + i), vy = wasm_v128_load(y + i);
        v128_t r = wasm_f64x2_add(wasm_f64x2_floor(vx), wasm_f64x2_mul(wasm_f64x2_ceil(vx), wasm_f64x2_splat(2)));
        r = wasm_f64x2_add(r, wasm_f64x2_mul(wasm_f64x2_nearest(vx), wasm_f64x2_splat(4)));
        r = wasm_f64x2_add(r, wasm_f64x2_mul(wasm_f64x2_trunc(vx), wasm_f64x2_splat(8)));
        r = wasm_f64x2_add(r, wasm_f64x2_min(vx, vy));
        wasm_v128_store(out + i, wasm_f64x2_add(r, wasm_f64x2_pmax(vx, vy)));
    }
    round_scalar(x + i, y + i, out + i, n - i);
}
#endif

/* ---- main ------------------------------------------------------------- */

static int failed, checked;

static void check(const char *name, int same, const char *shown) {
    checked++;
    if (same) {
        printf("%s: %s\n", name, shown);
    } else {
        failed++;
        printf("%s: MISMATCH (%s)\n", name, shown);
    }
}

static float fa[1027], fb[1027];
static uint8_t hay[5003];
static float ma[16 * 32], mb[16], mc[16 * 32], md[16 * 32];
static int16_t sa[2051], sb[2051], so1[2051], so2[2051];
static int32_t pi[999], po1[999], po2[999];
static char text[777], lo1[777], lo2[777];
static double dx[301], dy[301], dr1[301], dr2[301];

int main(void) {
    char shown[128];

    for (size_t i = 0; i < 1027; i++) fa[i] = next_f32(), fb[i] = next_f32();
    float d1 = FAST(dot)(fa, fb, 1027), d2 = dot_scalar(fa, fb, 1027);
    uint32_t bits;
    memcpy(&bits, &d1, 4);
    snprintf(shown, sizeof shown, "%.6f (0x%08x)", (double)d1, (unsigned)bits);
    check("dot f32x4", memcmp(&d1, &d2, 4) == 0, shown);

    for (size_t i = 0; i < sizeof hay; i++) {
        hay[i] = (uint8_t)next_u32();
        if (hay[i] == 0x42 || hay[i] == 0x99) hay[i] = 1;
    }
    hay[4321] = 0x42;
    long f1 = FAST(find)(hay, sizeof hay, 0x42), f2 = find_scalar(hay, sizeof hay, 0x42);
    snprintf(shown, sizeof shown, "%ld", f1);
    check("find i8x16.eq+bitmask", f1 == f2, shown);
    f1 = FAST(find)(hay, sizeof hay, 0x99), f2 = find_scalar(hay, sizeof hay, 0x99);
    snprintf(shown, sizeof shown, "%ld", f1);
    check("find i8x16.eq+bitmask (absent)", f1 == f2, shown);

    for (size_t i = 0; i < 16 * 32; i++) ma[i] = next_f32();
    for (size_t i = 0; i < 16; i++) mb[i] = next_f32();
    for (size_t m = 0; m < 32; m++) FAST(mat4)(ma + m * 16, mb, mc + m * 16), mat4_scalar(ma + m * 16, mb, md + m * 16);
    snprintf(shown, sizeof shown, "0x%016llx (c[0] = %.6f)", (unsigned long long)fnv(mc, sizeof mc), (double)mc[0]);
    check("mat4 f32x4", memcmp(mc, md, sizeof mc) == 0, shown);

    for (size_t i = 0; i < 2051; i++) sa[i] = (int16_t)next_u32(), sb[i] = (int16_t)next_u32();
    sa[0] = -32768, sb[0] = -32768; /* q15mulr_sat(-1, -1) saturates; add_sat too */
    uint32_t e1 = FAST(audio)(sa, sb, -32768, so1, 2051), e2 = audio_scalar(sa, sb, -32768, so2, 2051);
    snprintf(shown, sizeof shown, "energy %u, 0x%016llx", (unsigned)e1, (unsigned long long)fnv(so1, sizeof so1));
    check("audio q15mulr_sat+add_sat+dot", e1 == e2 && memcmp(so1, so2, sizeof so1) == 0, shown);
    e1 = FAST(audio)(sa, sb, 12345, so1, 2051), e2 = audio_scalar(sa, sb, 12345, so2, 2051);
    snprintf(shown, sizeof shown, "energy %u, 0x%016llx", (unsigned)e1, (unsigned long long)fnv(so1, sizeof so1));
    check("audio q15mulr_sat+add_sat+dot (gain 12345)", e1 == e2 && memcmp(so1, so2, sizeof so1) == 0, shown);

    for (size_t i = 0; i < 999; i++) pi[i] = (int32_t)next_u32();
    FAST(prefix)(pi, po1, 999), prefix_scalar(pi, po2, 999);
    snprintf(shown, sizeof shown, "last %d, 0x%016llx", (int)po1[998], (unsigned long long)fnv(po1, sizeof po1));
    check("prefix i32x4.shuffle", memcmp(po1, po2, sizeof po1) == 0, shown);

    for (size_t i = 0; i < sizeof text; i++) text[i] = (char)(32 + next_u32() % 95);
    FAST(lower)(text, lo1, sizeof text), lower_scalar(text, lo2, sizeof text);
    snprintf(shown, sizeof shown, "%.24s (0x%016llx)", lo1, (unsigned long long)fnv(lo1, sizeof lo1));
    check("lower u8x16.ge/le+bitselect", memcmp(lo1, lo2, sizeof lo1) == 0, shown);

    for (size_t i = 0; i < 301; i++) dx[i] = next_f32() * 100.0, dy[i] = next_f32() * 100.0;
    dx[0] = 2.5, dx[1] = -2.5, dx[2] = 0.5, dx[3] = -0.0; /* ties round to even; signed zero */
    FAST(round)(dx, dy, dr1, 301), round_scalar(dx, dy, dr2, 301);
    snprintf(shown, sizeof shown, "0x%016llx (r[0] = %.3f)", (unsigned long long)fnv(dr1, sizeof dr1), dr1[0]);
    check("round f64x2.floor/ceil/nearest/trunc/min/pmax", memcmp(dr1, dr2, sizeof dr1) == 0, shown);

    if (failed == 0) {
        printf("all %d kernels agree with their scalar versions\n", checked);
        return 0;
    }
    printf("%d of %d kernels disagree with their scalar versions\n", failed, checked);
    return 1;
}
