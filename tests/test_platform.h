/* What the tests need of the platform beyond C11 and base/fs.h: the environment, threads, a
 * scratch directory, a trap. One implementation per platform, here only. */
#ifndef VKB_TEST_PLATFORM_H
#define VKB_TEST_PLATFORM_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if defined(_WIN32)
#  include <windows.h>
#  include <direct.h>

/* _putenv_s sets the C runtime's copy (getenv), SetEnvironmentVariableW the process's, which
 * vkbert reads for paths (vkb_getenv: UTF-8 values, such as the paths here, arrive whole
 * only that way); "" through _putenv_s would unset the variable. */
static inline void test_setenv(const char *name, const char *value) {
    wchar_t wname[256], wvalue[4096];
    _putenv_s(name, value);
    if (MultiByteToWideChar(CP_UTF8, 0, name, -1, wname, 256) && MultiByteToWideChar(CP_UTF8, 0, value, -1, wvalue, 4096))
        SetEnvironmentVariableW(wname, wvalue);
}
static inline void test_unsetenv(const char *name) {
    _putenv_s(name, "");
    SetEnvironmentVariableA(name, NULL);
}

typedef HANDLE test_thread;
typedef struct test_thread_start { void *(*fn)(void *); void *arg; } test_thread_start;
static DWORD WINAPI test_thread_main(void *p) {
    test_thread_start s = *(test_thread_start *)p;
    free(p);
    s.fn(s.arg);
    return 0;
}
/* 0 on success */
static inline int test_thread_create(test_thread *t, void *(*fn)(void *), void *arg) {
    test_thread_start *s = malloc(sizeof *s);
    if (!s) return 1;
    s->fn = fn;
    s->arg = arg;
    *t = CreateThread(NULL, 0, test_thread_main, s, 0, NULL);
    if (!*t) free(s);
    return *t == NULL;
}
static inline void test_thread_join(test_thread t) {
    WaitForSingleObject(t, INFINITE);
    CloseHandle(t);
}

/* A new directory under the system's temporary directory, its path in dir; 0 on success. */
static inline int test_make_temp_dir(const char *prefix, char *dir, size_t n) {
    char base[MAX_PATH + 1];
    DWORD len = GetTempPathA(sizeof base, base);
    if (len == 0 || len > MAX_PATH) return 1;
    for (unsigned i = 0; i < 1000; ++i) {
        snprintf(dir, n, "%s%s-%lu-%u", base, prefix, (unsigned long)GetCurrentProcessId(), i);
        if (_mkdir(dir) == 0) return 0;
    }
    return 1;
}
#else
#  include <pthread.h>
#  include <sys/stat.h>

static inline void test_setenv(const char *name, const char *value) { setenv(name, value, 1); }
static inline void test_unsetenv(const char *name) { unsetenv(name); }

typedef pthread_t test_thread;
static inline int test_thread_create(test_thread *t, void *(*fn)(void *), void *arg) {
    return pthread_create(t, NULL, fn, arg);
}
static inline void test_thread_join(test_thread t) { pthread_join(t, NULL); }

static inline int test_make_temp_dir(const char *prefix, char *dir, size_t n) {
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, n, "%s/%s-XXXXXX", tmp && *tmp ? tmp : "/tmp", prefix);
    return mkdtemp(dir) == NULL;
}
#endif

/* Stops the process at once where a fuzz target finds a broken invariant (MSVC, not built
 * here, has no __builtin_trap: abort there). */
#if defined(__GNUC__) || defined(__clang__)
#  define TEST_TRAP() __builtin_trap()
#else
#  define TEST_TRAP() abort()
#endif

#endif
