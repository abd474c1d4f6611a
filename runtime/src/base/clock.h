/* The one monotonic clock, in milliseconds from an arbitrary start: QueryPerformanceCounter
 * on Windows, clock_gettime(CLOCK_MONOTONIC) elsewhere (timespec_get, C11's, is missing from
 * Windows' msvcrt and from Android below API level 29, and its TIME_UTC is the wall clock,
 * which can jump). Header-only, needing nothing else of vkbert: the library, the CLI, the
 * examples and the tests include it. On POSIX systems the includer defines _POSIX_C_SOURCE
 * (199309L or later) before its first system header, as the build does. */
#ifndef VKB_CLOCK_H
#define VKB_CLOCK_H

#if defined(_WIN32)
#  include <windows.h>
static inline double vkb_now_ms(void) {
    LARGE_INTEGER f, t;
    QueryPerformanceFrequency(&f); /* fixed at boot; cheap */
    QueryPerformanceCounter(&t);
    return (double)t.QuadPart * 1e3 / (double)f.QuadPart;
}
#else
#  include <time.h>
static inline double vkb_now_ms(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec * 1e3 + (double)t.tv_nsec * 1e-6;
}
#endif

#endif
