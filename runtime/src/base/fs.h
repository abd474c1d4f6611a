/* Files, directories and the environment, the same on every platform. Paths are UTF-8
 * everywhere: on Windows they are converted to UTF-16 for the wide API (the narrow one takes
 * the ANSI code page, which cannot name most files), and '\\' separates as '/' does.
 * Self-contained (no Vulkan): the CLI, the model tools and the tests use it too. */
#ifndef VKB_FS_H
#define VKB_FS_H

#include "vkbert.h"

#include <stdint.h>
#include <stdio.h>

/* fopen with a UTF-8 path; NULL with errno set. */
FILE *vkb_fopen(const char *path, const char *mode);
/* Opens `path` for reading ("rb"): a regular file, or a link to one. Anything else is refused
 * without blocking and without reading from it: a FIFO's open would wait for a writer forever,
 * a device such as /dev/zero never ends, a directory reads as an error on some systems. Every
 * reader of a model file goes through here (vkb_read_file, the safetensors loader). The error
 * (the thread's last error, status VKBERT_ERROR_IO) names the path and what it is: "PATH is a
 * FIFO, not a regular file", or "cannot open PATH: <strerror>". */
vkbert_status vkb_open_regular(const char *path, FILE **out);
/* remove() with a UTF-8 path; 0 or -1 with errno set. */
int vkb_remove(const char *path);

typedef enum vkb_path_kind { VKB_PATH_NONE, VKB_PATH_FILE, VKB_PATH_DIR, VKB_PATH_OTHER } vkb_path_kind;
/* What `path` is (OTHER: a device or pipe); *bytes, when not NULL, its size if a regular file
 * (64 bits on every platform: off_t and st_size are 32-bit on Windows). */
vkb_path_kind vkb_path_kind_of(const char *path, uint64_t *bytes);
/* The size of an open regular file; false when it is not one. */
bool vkb_file_size(FILE *f, uint64_t *bytes);
/* fseek to a 64-bit offset from the start; 0 on success. */
int vkb_fseek64(FILE *f, uint64_t offset);

/* True for a path separator: '/', and on Windows also '\\' ('\\' is a file name character
 * elsewhere). */
bool vkb_is_separator(char c);
/* The last component of `path` (a pointer into it). */
const char *vkb_path_basename(const char *path);
/* dir + separator + name (vkb_malloc'd; NULL when out of memory). */
char *vkb_path_join(const char *dir, const char *name);
/* Creates one directory; 0, or an errno (EEXIST when it is there). */
int vkb_make_dir(const char *path);
/* Creates every missing directory above the file `path` (errors are left to the caller's
 * open of the file, which names them). */
void vkb_make_parents(const char *path);
/* Replaces `to` with `from` in one step, so that a reader sees the old file or the new one:
 * rename(), which on Windows fails when `to` exists, so there MoveFileExW with
 * MOVEFILE_REPLACE_EXISTING. 0, or an errno. */
int vkb_replace_file(const char *from, const char *to);
/* True when `path` itself is a symbolic link (on Windows: a reparse point, such as a symbolic
 * link or a junction). */
bool vkb_is_link(const char *path);
/* The canonical absolute path of an existing file or directory, links resolved (malloc'd, to
 * free(): as realpath's, outside fault injection); NULL when it cannot be resolved. */
char *vkb_real_path(const char *path);
/* True when the canonical path `real` is `real_dir` itself or lies inside it. */
bool vkb_path_within(const char *real, const char *real_dir);

/* An environment variable as UTF-8 (malloc'd, to free(): transient, outside fault injection);
 * NULL when unset (or out of memory). */
char *vkb_getenv(const char *name);
/* The user's cache directory for vkbert in *out (vkb_malloc'd): %LOCALAPPDATA%\vkbert on
 * Windows, else $XDG_CACHE_HOME/vkbert or ~/.cache/vkbert; NULL when there is none. False
 * when out of memory. */
bool vkb_user_cache_dir(char **out);

/* True when `f` is a terminal (a console on Windows). */
bool vkb_is_terminal(FILE *f);
/* This process's id (temporary file names). */
unsigned long vkb_process_id(void);

/* Reads a whole small regular file (at most max_bytes; see vkb_open_regular) into a
 * NUL-terminated buffer. */
vkbert_status vkb_read_file(const char *path, size_t max_bytes, char **data, size_t *size);

#if defined(_WIN32)
#  include <wchar.h>
/* UTF-8 <-> UTF-16 (vkb_malloc'd; NULL with errno EINVAL for invalid input, ENOMEM). */
wchar_t *vkb_utf8_to_wide(const char *s);
char *vkb_wide_to_utf8(const wchar_t *w);
/* A program's wmain: runs `run` (its main) on the arguments as UTF-8 (Windows hands main
 * them in the ANSI code page, which cannot hold most texts and file names), with standard
 * input, output and error as binary streams, so that text has "\n" line ends as everywhere
 * (a text stream writes "\r\n") and input no Ctrl-Z end. */
int vkb_wmain(int argc, wchar_t **wargv, int (*run)(int argc, char **argv));
#endif

#endif
