/* Whole-process wall time of a command: runs it N times (after a few
 * warm-up runs) with posix_spawn, stdout and stderr to /dev/null, and
 * prints the median, minimum and 90th percentile in microseconds.
 *
 *   spawn_median N PROGRAM [ARGS...]
 */
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double run_once(char **argv) {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pid_t pid;
    if (posix_spawn(&pid, argv[0], &actions, NULL, argv, environ) != 0) {
        perror("posix_spawn");
        exit(2);
    }
    int status;
    waitpid(pid, &status, 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    posix_spawn_file_actions_destroy(&actions);
    return (t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_nsec - t0.tv_nsec) / 1e3;
}

int main(int argc, char **argv) {
    if (argc < 3) {
        fprintf(stderr, "usage: %s N PROGRAM [ARGS...]\n", argv[0]);
        return 2;
    }
    int n = atoi(argv[1]);
    if (n < 1) n = 1;
    double *times = malloc(sizeof(double) * n);
    for (int i = 0; i < 10; i++) run_once(argv + 2);
    for (int i = 0; i < n; i++) times[i] = run_once(argv + 2);
    qsort(times, n, sizeof(double), cmp);
    printf("%.1f %.1f %.1f\n", times[n / 2], times[0], times[n * 9 / 10]);
    return 0;
}
