/* The guest of tests/all/debug_info.rs: a C program built with DWARF
 * (-g -O0), whose lines gdb must find in kiln's native code. The tests
 * name lines of this file by number: keep them where they are. */
#include <stdio.h>

static int square(int x) {
    int y = x * x;
    return y;
}

int main(void) {
    int total = 0;
    for (int i = 1; i <= 3; i++) {
        total += square(i);
    }
    printf("total %d\n", total);
    return 0;
}
