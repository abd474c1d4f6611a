/* A recursive mutex: POSIX threads or Windows critical sections. */
#ifndef VKB_LOCK_H
#define VKB_LOCK_H

#if defined(_WIN32)
#  include <windows.h>
typedef CRITICAL_SECTION vkb_mutex;
static inline void vkb_mutex_init(vkb_mutex *m) { InitializeCriticalSection(m); }
static inline void vkb_mutex_destroy(vkb_mutex *m) { DeleteCriticalSection(m); }
static inline void vkb_mutex_lock(vkb_mutex *m) { EnterCriticalSection(m); }
static inline void vkb_mutex_unlock(vkb_mutex *m) { LeaveCriticalSection(m); }
#else
#  include <pthread.h>
typedef pthread_mutex_t vkb_mutex;
static inline void vkb_mutex_init(vkb_mutex *m) {
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_settype(&a, PTHREAD_MUTEX_RECURSIVE);
    pthread_mutex_init(m, &a);
    pthread_mutexattr_destroy(&a);
}
static inline void vkb_mutex_destroy(vkb_mutex *m) { pthread_mutex_destroy(m); }
static inline void vkb_mutex_lock(vkb_mutex *m) { pthread_mutex_lock(m); }
static inline void vkb_mutex_unlock(vkb_mutex *m) { pthread_mutex_unlock(m); }
#endif

/* A statically initialised (non-recursive) lock for process-wide state. */
#if defined(_WIN32)
typedef SRWLOCK vkb_mutex_static_t;
#  define VKB_MUTEX_STATIC_INIT SRWLOCK_INIT
static inline void vkb_mutex_static_lock(vkb_mutex_static_t *m) { AcquireSRWLockExclusive(m); }
static inline void vkb_mutex_static_unlock(vkb_mutex_static_t *m) { ReleaseSRWLockExclusive(m); }
#else
typedef pthread_mutex_t vkb_mutex_static_t;
#  define VKB_MUTEX_STATIC_INIT PTHREAD_MUTEX_INITIALIZER
static inline void vkb_mutex_static_lock(vkb_mutex_static_t *m) { pthread_mutex_lock(m); }
static inline void vkb_mutex_static_unlock(vkb_mutex_static_t *m) { pthread_mutex_unlock(m); }
#endif

#endif
