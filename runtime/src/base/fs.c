/* Files, directories and the environment: paths, bounded reads, atomic replace, the user's
 * cache directory. Every platform difference of the file system lives here (base/fs.h). */
#include "vkb_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#if defined(_WIN32)
#  include <windows.h>
#  include <direct.h>
#  include <fcntl.h>
#  include <io.h>
#  include <process.h>

/* Transient conversions use malloc, not vkb_malloc: they are freed before the call that made
 * them returns, so fault injection sees the same allocations on every platform. */
wchar_t *vkb_utf8_to_wide(const char *s) {
    int n = MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, NULL, 0);
    wchar_t *w = n > 0 ? malloc((size_t)n * sizeof *w) : NULL;
    if (!w) {
        errno = n > 0 ? ENOMEM : EINVAL;
        return NULL;
    }
    MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS, s, -1, w, n);
    return w;
}

char *vkb_wide_to_utf8(const wchar_t *w) {
    int n = WideCharToMultiByte(CP_UTF8, 0, w, -1, NULL, 0, NULL, NULL);
    char *s = n > 0 ? malloc((size_t)n) : NULL;
    if (!s) {
        errno = n > 0 ? ENOMEM : EINVAL;
        return NULL;
    }
    WideCharToMultiByte(CP_UTF8, 0, w, -1, s, n, NULL, NULL);
    return s;
}

int vkb_wmain(int argc, wchar_t **wargv, int (*run)(int argc, char **argv)) {
    _setmode(_fileno(stdin), _O_BINARY);
    _setmode(_fileno(stdout), _O_BINARY);
    _setmode(_fileno(stderr), _O_BINARY);
    char **argv = calloc((size_t)argc + 1, sizeof *argv); /* lives as long as the process */
    for (int i = 0; argv && i < argc; ++i)
        if (!(argv[i] = vkb_wide_to_utf8(wargv[i]))) argv = NULL;
    if (!argv) {
        fprintf(stderr, "out of memory reading the command line\n");
        return 1;
    }
    return run(argc, argv);
}

/* _isatty is true for every character device, NUL among them: input from NUL was taken for a
 * console, so `vkbert fill-mask -m DIR < NUL` asked for TEXT arguments instead of saying that
 * standard input has no lines (cli_errors under Wine). A console answers GetConsoleMode. */
bool vkb_is_terminal(FILE *f) {
    DWORD mode;
    return _isatty(_fileno(f)) != 0 && GetConsoleMode((HANDLE)_get_osfhandle(_fileno(f)), &mode) != 0;
}

unsigned long vkb_process_id(void) { return (unsigned long)_getpid(); }

/* errno for the Win32 errors a file operation meets */
static int errno_of(DWORD e) {
    switch (e) {
    case ERROR_FILE_NOT_FOUND: case ERROR_PATH_NOT_FOUND: case ERROR_INVALID_DRIVE: return ENOENT;
    case ERROR_ACCESS_DENIED: case ERROR_SHARING_VIOLATION: case ERROR_LOCK_VIOLATION: return EACCES;
    case ERROR_ALREADY_EXISTS: case ERROR_FILE_EXISTS: return EEXIST;
    case ERROR_NOT_ENOUGH_MEMORY: case ERROR_OUTOFMEMORY: return ENOMEM;
    case ERROR_DISK_FULL: case ERROR_HANDLE_DISK_FULL: return ENOSPC;
    case ERROR_NOT_SAME_DEVICE: return EXDEV;
    default: return EIO;
    }
}

FILE *vkb_fopen(const char *path, const char *mode) {
    wchar_t *wp = vkb_utf8_to_wide(path), *wm = wp ? vkb_utf8_to_wide(mode) : NULL;
    FILE *f = wm ? _wfopen(wp, wm) : NULL;
    int e = errno;
    free(wp);
    free(wm);
    errno = e;
    return f;
}

int vkb_remove(const char *path) {
    wchar_t *w = vkb_utf8_to_wide(path);
    int r = w ? _wremove(w) : -1, e = errno;
    free(w);
    errno = e;
    return r;
}

/* A handle for asking about `path` (a file, a folder or a device), INVALID_HANDLE_VALUE when
 * it cannot be opened. */
static HANDLE open_for_info(const char *path) {
    wchar_t *w = vkb_utf8_to_wide(path);
    HANDLE h = w ? CreateFileW(w, 0, FILE_SHARE_READ | FILE_SHARE_WRITE | FILE_SHARE_DELETE, NULL, OPEN_EXISTING,
                               FILE_FLAG_BACKUP_SEMANTICS, NULL)
                 : INVALID_HANDLE_VALUE;
    free(w);
    return h;
}

/* through a handle, not _wstat64, which knows no devices ("NUL", "CON") */
vkb_path_kind vkb_path_kind_of(const char *path, uint64_t *bytes) {
    HANDLE h = open_for_info(path);
    if (h == INVALID_HANDLE_VALUE) return VKB_PATH_NONE;
    BY_HANDLE_FILE_INFORMATION fi;
    vkb_path_kind kind = VKB_PATH_OTHER;
    if (GetFileType(h) == FILE_TYPE_DISK && GetFileInformationByHandle(h, &fi)) {
        kind = (fi.dwFileAttributes & FILE_ATTRIBUTE_DIRECTORY) ? VKB_PATH_DIR : VKB_PATH_FILE;
        if (bytes) *bytes = (uint64_t)fi.nFileSizeHigh << 32 | fi.nFileSizeLow;
    }
    CloseHandle(h);
    return kind;
}

/* The kind from the path first, so that a device or pipe is not even opened; then the open
 * handle's own type, in case the path changed in between. */
vkbert_status vkb_open_regular(const char *path, FILE **out) {
    *out = NULL;
    vkb_path_kind kind = vkb_path_kind_of(path, NULL);
    if (kind == VKB_PATH_DIR || kind == VKB_PATH_OTHER)
        return vkb_fail(NULL, VKBERT_ERROR_IO, "%s is %s, not a regular file", path,
                        kind == VKB_PATH_DIR ? "a directory" : "a device or a pipe");
    FILE *f = vkb_fopen(path, "rb");
    if (!f) return vkb_fail(NULL, VKBERT_ERROR_IO, "cannot open %s: %s", path, strerror(errno));
    DWORD type = GetFileType((HANDLE)_get_osfhandle(_fileno(f)));
    if (type != FILE_TYPE_DISK) {
        fclose(f);
        return vkb_fail(NULL, VKBERT_ERROR_IO, "%s is %s, not a regular file", path,
                        type == FILE_TYPE_PIPE ? "a pipe" : type == FILE_TYPE_CHAR ? "a character device" : "a device");
    }
    *out = f;
    return VKBERT_OK;
}

bool vkb_file_size(FILE *f, uint64_t *bytes) {
    struct _stat64 sb;
    if (_fstat64(_fileno(f), &sb) != 0 || (sb.st_mode & _S_IFMT) != _S_IFREG) return false;
    *bytes = (uint64_t)sb.st_size;
    return true;
}

int vkb_fseek64(FILE *f, uint64_t offset) {
    return offset > (uint64_t)INT64_MAX ? -1 : _fseeki64(f, (__int64)offset, SEEK_SET);
}

bool vkb_is_separator(char c) { return c == '/' || c == '\\'; }

int vkb_make_dir(const char *path) {
    wchar_t *w = vkb_utf8_to_wide(path);
    int r = w ? _wmkdir(w) : -1, e = r ? errno : 0;
    free(w);
    return e;
}

int vkb_replace_file(const char *from, const char *to) {
    wchar_t *wf = vkb_utf8_to_wide(from), *wt = wf ? vkb_utf8_to_wide(to) : NULL;
    int e = wt ? 0 : errno;
    if (wt && !MoveFileExW(wf, wt, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH)) e = errno_of(GetLastError());
    free(wf);
    free(wt);
    return e;
}

/* Under Wine, which the Windows check runs on, the Unix file system has no reparse points:
 * this and vkb_real_path's resolution of links are exercised only on a real Windows. */
bool vkb_is_link(const char *path) {
    wchar_t *w = vkb_utf8_to_wide(path);
    DWORD a = w ? GetFileAttributesW(w) : INVALID_FILE_ATTRIBUTES;
    free(w);
    return a != INVALID_FILE_ATTRIBUTES && (a & FILE_ATTRIBUTE_REPARSE_POINT);
}

/* GetFinalPathNameByHandleW: links and junctions resolved, as realpath does. Under Wine, which
 * the Windows check runs on, the Unix file system has no Windows links to resolve, so that
 * part is exercised only on a real Windows. */
char *vkb_real_path(const char *path) {
    HANDLE h = open_for_info(path);
    if (h == INVALID_HANDLE_VALUE) return NULL;
    wchar_t buf[32768];
    DWORD n = GetFinalPathNameByHandleW(h, buf, 32768, FILE_NAME_NORMALIZED | VOLUME_NAME_DOS);
    CloseHandle(h);
    if (n == 0 || n >= 32768) return NULL;
    /* "\\?\C:\dir" -> "C:\dir", "\\?\UNC\host\share" -> "\\host\share" */
    const wchar_t *p = buf;
    if (!wcsncmp(p, L"\\\\?\\UNC\\", 8)) {
        p += 6;
        buf[6] = L'\\';
    } else if (!wcsncmp(p, L"\\\\?\\", 4)) {
        p += 4;
    }
    return vkb_wide_to_utf8(p);
}

/* GetEnvironmentVariableW, not getenv: the C runtime's narrow copy of the environment is in
 * the ANSI code page */
char *vkb_getenv(const char *name) {
    wchar_t *w = vkb_utf8_to_wide(name), *value = NULL;
    DWORD n = w ? GetEnvironmentVariableW(w, NULL, 0) : 0;
    if (n) value = malloc(n * sizeof *value);
    if (value && GetEnvironmentVariableW(w, value, n) + 1 != n) n = 0;
    char *u = value && n ? vkb_wide_to_utf8(value) : NULL;
    free(w);
    free(value);
    return u;
}

bool vkb_user_cache_dir(char **out) {
    char *base = vkb_getenv("LOCALAPPDATA");
    *out = base && *base ? vkb_path_join(base, "vkbert") : NULL;
    bool ok = *out || !base || !*base;
    free(base);
    return ok;
}
#else
#  include <fcntl.h>
#  include <limits.h>
#  include <unistd.h>

bool vkb_is_terminal(FILE *f) { return isatty(fileno(f)) != 0; }

unsigned long vkb_process_id(void) { return (unsigned long)getpid(); }

FILE *vkb_fopen(const char *path, const char *mode) { return fopen(path, mode); }

int vkb_remove(const char *path) { return remove(path); }

vkb_path_kind vkb_path_kind_of(const char *path, uint64_t *bytes) {
    struct stat sb;
    if (stat(path, &sb) != 0) return VKB_PATH_NONE;
    if (bytes) *bytes = (uint64_t)sb.st_size;
    return S_ISREG(sb.st_mode) ? VKB_PATH_FILE : S_ISDIR(sb.st_mode) ? VKB_PATH_DIR : VKB_PATH_OTHER;
}

static const char *mode_name(mode_t m) {
    return S_ISDIR(m) ? "a directory" : S_ISFIFO(m) ? "a FIFO" : S_ISCHR(m) ? "a character device"
         : S_ISBLK(m) ? "a block device" : S_ISSOCK(m) ? "a socket" : "not a file";
}

/* stat first, so that a device is not even opened (opening some has effects); then open with
 * O_NONBLOCK, which a FIFO's open needs not to wait for a writer, and fstat the descriptor in
 * case the path changed in between; the flag is cleared before reading. */
vkbert_status vkb_open_regular(const char *path, FILE **out) {
    *out = NULL;
    struct stat sb;
    if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode))
        return vkb_fail(NULL, VKBERT_ERROR_IO, "%s is %s, not a regular file", path, mode_name(sb.st_mode));
    int fd = open(path, O_RDONLY | O_NONBLOCK);
    if (fd < 0) return vkb_fail(NULL, VKBERT_ERROR_IO, "cannot open %s: %s", path, strerror(errno));
    int flags = fstat(fd, &sb) == 0 ? fcntl(fd, F_GETFL) : -1;
    const char *what = flags == -1 ? strerror(errno) : NULL;
    if (!what && !S_ISREG(sb.st_mode)) {
        close(fd);
        return vkb_fail(NULL, VKBERT_ERROR_IO, "%s is %s, not a regular file", path, mode_name(sb.st_mode));
    }
    FILE *f = NULL;
    if (!what && fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) what = strerror(errno);
    if (!what && !(f = fdopen(fd, "rb"))) what = strerror(errno);
    if (!f) {
        close(fd);
        return vkb_fail(NULL, VKBERT_ERROR_IO, "cannot open %s: %s", path, what);
    }
    *out = f;
    return VKBERT_OK;
}

/* off_t is 64 bits here: the library is built with _FILE_OFFSET_BITS=64 (32-bit Android) */
bool vkb_file_size(FILE *f, uint64_t *bytes) {
    struct stat sb;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) return false;
    *bytes = (uint64_t)sb.st_size;
    return true;
}

int vkb_fseek64(FILE *f, uint64_t offset) {
    return offset > (uint64_t)INT64_MAX ? -1 : fseeko(f, (off_t)offset, SEEK_SET);
}

bool vkb_is_separator(char c) { return c == '/'; }

int vkb_make_dir(const char *path) { return mkdir(path, 0755) ? errno : 0; }

int vkb_replace_file(const char *from, const char *to) { return rename(from, to) ? errno : 0; }

bool vkb_is_link(const char *path) {
    struct stat sb;
    return lstat(path, &sb) == 0 && S_ISLNK(sb.st_mode);
}

char *vkb_real_path(const char *path) { return realpath(path, NULL); }

char *vkb_getenv(const char *name) {
    const char *v = getenv(name);
    size_t n = v ? strlen(v) + 1 : 0;
    char *copy = v ? malloc(n) : NULL;
    if (copy) memcpy(copy, v, n);
    return copy;
}

bool vkb_user_cache_dir(char **out) {
    const char *base = getenv("XDG_CACHE_HOME"), *home = getenv("HOME");
    bool xdg = base && *base;
    *out = xdg ? vkb_path_join(base, "vkbert") : home && *home ? vkb_path_join(home, ".cache/vkbert") : NULL;
    return *out || (!xdg && !(home && *home));
}
#endif

const char *vkb_path_basename(const char *path) {
    const char *base = path;
    for (const char *p = path; *p; ++p)
        if (vkb_is_separator(*p)) base = p + 1;
    return base;
}

bool vkb_path_within(const char *real, const char *real_dir) {
    size_t n = strlen(real_dir);
    return strncmp(real, real_dir, n) == 0 &&
           (real[n] == '\0' || vkb_is_separator(real[n]) || (n > 0 && vkb_is_separator(real_dir[n - 1])));
}

char *vkb_path_join(const char *dir, const char *name) {
    size_t a = strlen(dir), b = strlen(name);
    char *p = vkb_malloc(a + b + 2);
    if (!p) return NULL;
    memcpy(p, dir, a);
    size_t n = a;
    if (n > 0 && !vkb_is_separator(dir[n - 1])) p[n++] = '/';
    memcpy(p + n, name, b + 1);
    return p;
}

void vkb_make_parents(const char *path) {
    char dir[4096];
    size_t len = strlen(path);
    if (len >= sizeof dir) return;
    /* each prefix that ends before a separator; a drive ("C:") or a UNC host and share refuse,
     * harmlessly, and the ones that exist give EEXIST */
    for (size_t i = 1; i < len; ++i)
        if (vkb_is_separator(path[i]) && !vkb_is_separator(path[i - 1])) {
            memcpy(dir, path, i);
            dir[i] = '\0';
            vkb_make_dir(dir);
        }
}

vkbert_status vkb_read_file(const char *path, size_t max_bytes, char **data, size_t *size) {
    *data = NULL;
    *size = 0;
    FILE *f = NULL;
    vkbert_status s = vkb_open_regular(path, &f);
    if (s) return s;
    size_t cap = 4096, n = 0;
    char *buf = vkb_malloc(cap + 1);
    if (!buf) {
        fclose(f);
        return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory reading %s", path);
    }
    for (;;) {
        if (n == cap) {
            if (cap >= max_bytes) {
                vkb_free(buf);
                fclose(f);
                return vkb_fail(NULL, VKBERT_ERROR_MODEL_FORMAT,
                                "%s is larger than the %zu bytes allowed for it", path, max_bytes);
            }
            size_t ncap = cap * 2 > max_bytes ? max_bytes : cap * 2;
            char *nb = vkb_realloc(buf, ncap + 1);
            if (!nb) {
                vkb_free(buf);
                fclose(f);
                return vkb_fail(NULL, VKBERT_ERROR_OUT_OF_HOST_MEMORY, "out of memory reading %s",
                                path);
            }
            buf = nb;
            cap = ncap;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    bool err = ferror(f) != 0;
    fclose(f);
    if (err) {
        vkb_free(buf);
        return vkb_fail(NULL, VKBERT_ERROR_IO, "error reading %s", path);
    }
    buf[n] = '\0';
    *data = buf;
    *size = n;
    return VKBERT_OK;
}
