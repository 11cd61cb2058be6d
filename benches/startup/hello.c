/* The C side of the start-up benchmark: hello world, built with cc -O2. */
#include <stdio.h>

int main(void) {
    puts("hello world");
    return 0;
}
