/* The C program of tests/all/c_api.rs: drives calc.wat through the header
 * `kiln compile --c-header` writes, and prints what each call returned. */
#include <stdio.h>
#include <string.h>

#include "calc.h"

kiln_status calc_env_scale(kiln_caller *caller, int32_t x, int32_t *result0) {
    if (x < 0) return kiln_caller_trap(caller, "negative scale");
    *result0 = x * 10;
    return KILN_OK;
}

kiln_status calc_env_note(kiln_caller *caller, int32_t ptr, int32_t len) {
    size_t size = 0;
    uint8_t *memory = kiln_caller_memory(caller, NULL, &size);
    if (!memory || (size_t)ptr + (size_t)len > size) return kiln_caller_trap(caller, "note out of bounds");
    printf("note: %.*s\n", (int)len, (const char *)memory + ptr);
    return KILN_OK;
}

/* Each byte of a plus k times b's, and the sum of a's bytes. */
kiln_status calc_env_blend(kiln_caller *caller, const kiln_v128 *a, int32_t k, const kiln_v128 *b, kiln_v128 *result0,
                           int32_t *result1) {
    int32_t sum = 0;
    (void)caller;
    for (int i = 0; i < 16; i++) {
        result0->bytes[i] = (uint8_t)(a->bytes[i] + k * b->bytes[i]);
        sum += a->bytes[i];
    }
    *result1 = sum;
    return KILN_OK;
}

/* The instance `reenter` runs in. */
static kiln_instance *current;

static void print_error(const char *what, kiln_status status);

/* Calls back into its own instance, which is refused. */
kiln_status calc_env_reenter(kiln_caller *caller) {
    int32_t r = 0;
    size_t len = 1;
    (void)caller;
    print_error("reentered add", calc_add(current, 1, 2, &r));
    uint8_t *memory = kiln_instance_memory(current, NULL, &len);
    printf("reentered memory: %s, %zu bytes\n", memory ? "found" : "NULL", len);
    kiln_instance_delete(current); /* ignored */
    return KILN_OK;
}

/* The status and the last error, on one line. */
static void print_error(const char *what, kiln_status status) {
    printf("%s: status %d: ", what, (int)status);
    for (const char *c = kiln_last_error(); *c; c++) putchar(*c == '\n' ? '|' : *c);
    putchar('\n');
}

int main(void) {
    kiln_instance *a = NULL, *b = NULL;
    kiln_status s;
    int32_t r = 0;
    int64_t q = 0, m = 0;
    double d = 0;

    if ((s = calc_instance_new(0, NULL, &a)) != KILN_OK || (s = calc_instance_new(0, NULL, &b)) != KILN_OK) {
        print_error("new", s);
        return 1;
    }
    s = calc_add(a, 2, 40, &r);
    printf("add: status %d: %d\n", (int)s, r);
    s = calc_mix(a, 3, 0.5f, 2.0, &d);
    printf("mix: status %d: %g\n", (int)s, d);
    s = calc_divmod(a, -7, 2, &q, &m);
    printf("divmod: status %d: %lld %lld\n", (int)s, (long long)q, (long long)m);
    s = calc_scaled(a, 4, &r);
    printf("scaled: status %d: %d\n", (int)s, r);
    print_error("scaled(-1)", calc_scaled(a, -1, &r));
    printf("greet: status %d\n", (int)calc_greet(a));

    kiln_v128 v, w;
    for (int i = 0; i < 16; i++) v.bytes[i] = (uint8_t)i;
    s = calc_swap_halves(a, v, &w);
    printf("swap-halves: status %d: %d %d %d\n", (int)s, w.bytes[0], w.bytes[8], w.bytes[15]);
    kiln_v128 x;
    s = calc_blend(a, v, w, &x, &r);
    printf("blend: status %d: %d %d %d, sum %d\n", (int)s, x.bytes[0], x.bytes[8], x.bytes[15], r);

    fflush(stdout);
    printf("write: status %d\n", (int)calc_write(a));

    /* Instances are independent. */
    calc_count(a, &r);
    calc_count(a, &r);
    printf("count: a %d", r);
    calc_count(b, &r);
    printf(", b %d\n", r);
    size_t len = 0;
    uint8_t *memory = kiln_instance_memory(a, NULL, &len);
    memory[16] = 'J';
    printf("memory: %zu bytes, a says %.5s", len, (const char *)kiln_instance_memory(a, "memory", &len) + 16);
    printf(", b says %.5s\n", (const char *)kiln_instance_memory(b, NULL, &len) + 16);
    printf("no such memory: %s\n", kiln_instance_memory(a, "nope", &len) ? "found" : "NULL");

    print_error("divide(1, 0)", calc_divide(a, 1, 0, &r));
    s = calc_add(a, 1, 1, &r);
    printf("after the trap: status %d: %d\n", (int)s, r);

    /* Export 0 is the memory, export 1 `add`. */
    kiln_val args[1] = {{.i32 = 1}};
    print_error("wrong arity", kiln_instance_call(a, 1, args, 1, NULL, 0));
    print_error("a memory", kiln_instance_call(a, 0, NULL, 0, NULL, 0));
    print_error("no such export", kiln_instance_call(a, 99, NULL, 0, NULL, 0));
    print_error("no instance", kiln_instance_call(NULL, 0, NULL, 0, NULL, 0));

    current = a;
    printf("reenter: status %d\n", (int)calc_reenter(a));
    s = calc_add(a, 20, 22, &r);
    printf("after reentering: status %d: %d\n", (int)s, r);

    s = calc_quit(b, 7);
    printf("quit: status %d, exit code %d\n", (int)s, kiln_instance_exit_code(b));

    kiln_instance_delete(a);
    kiln_instance_delete(b);
    kiln_instance_delete(NULL);
    return 0;
}
