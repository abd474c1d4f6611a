/*
 * vkbert.h — run BERT-family encoders and the heads their checkpoints ship (masked-language
 * model, sentence embeddings, sequence and token classification, extractive question answering)
 * on any Vulkan 1.1 device. This header is the whole public API.
 *
 * Objects
 *   vkbert_context    a Vulkan instance + device + compute queue (+ compiled kernels)
 *   vkbert_tokenizer  a tokenizer.json (WordPiece, BPE, Unigram) or vocab.txt tokenizer; needs no GPU
 *   vkbert_model      config, vocabulary and weights resident on one context's device
 *   vkbert_session    activation memory and a recorded command buffer for one maximum
 *                     batch x sequence shape and one task (MLM, embeddings, classification);
 *                     several sessions may share one model
 *   vkbert_runner     many texts at once: embeddings, classification, reranking (sorted by
 *                     length, batched, written back in input order); named entities
 *                     (vkbert_runner_ner) and answer spans (vkbert_runner_qa) as Hugging Face's
 *                     pipelines post-process them
 *
 * Example (error handling shortened; every call returns a vkbert_status):
 *
 *   vkbert_context *ctx; vkbert_model *model; vkbert_session *s;
 *   vkbert_context_create(&(vkbert_context_desc){0}, &ctx);      // automatic device
 *   vkbert_model_load(ctx, &(vkbert_model_desc){ .path = "models/bert-base-uncased" }, &model);
 *   int32_t ids[512], types[512]; size_t n;
 *   vkbert_tokenizer_encode(vkbert_model_tokenizer(model), "The capital of France is [MASK].",
 *                           NULL, ids, types, 512, &n);
 *   vkbert_session_create(model, &(vkbert_session_desc){ .max_seq = (uint32_t)n, .top_k = 5 }, &s);
 *   vkbert_sequence seq = { .input_ids = ids, .token_type_ids = types, .length = (uint32_t)n };
 *   vkbert_session_encode(s, &seq, 1);
 *   vkbert_prediction top[5]; size_t k;
 *   vkbert_session_read_topk(s, 0, top, 5, &k);                  // first [MASK] row
 *   printf("%s %.3f\n", vkbert_tokenizer_token(vkbert_model_tokenizer(model), top[0].id),
 *          top[0].probability);
 *   vkbert_session_destroy(s); vkbert_model_destroy(model); vkbert_context_destroy(ctx);
 *
 * Error rules
 *   Every fallible call returns a vkbert_status; VKBERT_OK is 0. On failure a readable
 *   message (which file, which tensor, which byte offset) is kept per thread
 *   (vkbert_last_error) and, for calls that have one, in the context
 *   (vkbert_context_last_error). Nothing in vkbert aborts or exits the host process.
 *   VKBERT_ERROR_DEVICE_LOST is sticky: every later GPU call on that context returns it,
 *   and destroying the objects still works.
 *
 * Ownership rules
 *   Exactly one destroy per create; destroying NULL is a no-op. Destroy sessions before
 *   their model and models before their context. Pointers returned by getters stay
 *   valid as long as the object they came from.
 *
 * Threading rules
 *   A tokenizer and a model are read-only once created: any number of threads may use
 *   them at once. A context may be used from several threads: it serialises what Vulkan
 *   requires (queue submission, its command pool, pipeline creation) with an internal
 *   lock, so sessions on different threads can share one model and encode concurrently.
 *   A session is used by one thread at a time. Create and destroy objects in the order of
 *   the ownership rules; destroying an object while another thread uses it is an error.
 *   The context's queue is vkbert's own; no other code may submit to it.
 *
 * Logging
 *   Silent by default. Install vkbert_context_desc.log to receive messages, including
 *   Vulkan validation-layer messages when a validation layer is active.
 */
#ifndef VKBERT_H
#define VKBERT_H

#include <stddef.h>
#include <stdint.h>
#include <stdbool.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32) && defined(VKBERT_SHARED)
#  ifdef VKBERT_BUILDING
#    define VKBERT_API __declspec(dllexport)
#  else
#    define VKBERT_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__)
#  define VKBERT_API __attribute__((visibility("default")))
#else
#  define VKBERT_API
#endif

#define VKBERT_VERSION_STRING "0.1.0"
/** Largest top-k a session computes on the device. */
#define VKBERT_MAX_TOP_K 64

typedef enum vkbert_status {
    VKBERT_OK = 0,
    VKBERT_ERROR_INVALID_ARGUMENT,    /* a NULL pointer, a zero size, a bad option */
    VKBERT_ERROR_OUT_OF_HOST_MEMORY,
    VKBERT_ERROR_OUT_OF_DEVICE_MEMORY,
    VKBERT_ERROR_IO,                  /* a file is missing, unreadable or shrank */
    VKBERT_ERROR_MODEL_FORMAT,        /* config.json, vocab.txt or safetensors is malformed */
    VKBERT_ERROR_UNSUPPORTED,         /* valid, but not something vkbert runs (yet) */
    VKBERT_ERROR_NO_DEVICE,           /* no Vulkan loader, driver or matching device */
    VKBERT_ERROR_VULKAN,              /* a Vulkan call failed */
    VKBERT_ERROR_DEVICE_LOST,         /* sticky */
    VKBERT_ERROR_TIMEOUT,             /* a bounded wait ran out */
    VKBERT_ERROR_BUFFER_TOO_SMALL,    /* the *needed out-parameter says how much */
    VKBERT_ERROR_INVALID_TEXT,        /* text is not valid UTF-8 */
    VKBERT_ERROR_TOO_LONG,            /* more tokens than the model or session allows */
    VKBERT_ERROR_NO_MASK,             /* fill-mask text without [MASK] */
    VKBERT_NOT_READY,                 /* not an error: vkbert_session_wait(s, 0) on a running encode */
    VKBERT_STATUS_COUNT
} vkbert_status;

/** A short constant name for a status ("VKBERT_ERROR_IO"). */
VKBERT_API const char *vkbert_status_string(vkbert_status status);
/** The message of the last failure on this thread ("" if none). */
VKBERT_API const char *vkbert_last_error(void);

typedef enum vkbert_log_level {
    VKBERT_LOG_DEBUG = 0, VKBERT_LOG_INFO, VKBERT_LOG_WARNING, VKBERT_LOG_ERROR
} vkbert_log_level;
typedef void (*vkbert_log_fn)(vkbert_log_level level, const char *message, void *user);

/* ------------------------------------------------------------------------------- */
/* Devices                                                                         */
/* ------------------------------------------------------------------------------- */

typedef enum vkbert_device_type {
    VKBERT_DEVICE_OTHER = 0, VKBERT_DEVICE_INTEGRATED, VKBERT_DEVICE_DISCRETE,
    VKBERT_DEVICE_VIRTUAL, VKBERT_DEVICE_CPU
} vkbert_device_type;

/** What vkbert reads from a device: identity, and the limits and features it uses. */
typedef struct vkbert_device_info {
    uint32_t index;                   /* position in Vulkan's enumeration order */
    char name[256];
    vkbert_device_type type;
    uint32_t vendor_id, device_id;
    char vendor[32];                  /* "NVIDIA", "AMD", "Intel", "Mesa", ... */
    char driver_name[256];            /* VK_KHR_driver_properties, "" if unknown */
    char driver_info[256];
    uint32_t driver_version;          /* raw, vendor-specific encoding */
    uint32_t api_version;             /* VK_MAKE_API_VERSION encoding */
    uint64_t device_local_bytes;      /* sum of device-local heaps */
    bool host_visible_device_local;   /* uploads can skip the staging buffer */
    uint32_t max_workgroup_invocations;
    uint32_t max_workgroup_count[3];
    uint32_t max_shared_memory_bytes;
    uint32_t max_push_constants_bytes;
    uint32_t max_storage_buffer_range;    /* bytes */
    uint32_t max_storage_buffers_per_stage;
    uint64_t max_memory_allocation_bytes; /* maintenance3 */
    uint32_t max_memory_allocation_count;
    uint32_t subgroup_size;
    bool subgroup_shuffle;            /* in compute shaders */
    uint32_t max_texel_buffer_elements;
    bool shader_float16;
    bool storage_buffer_16bit;
    bool timeline_semaphore;
    /* Vulkan 1.3 devices: the subgroup sizes a pipeline may require (VK_EXT_subgroup_size_control,
     * core in 1.3; 0 when it cannot choose) and VK_KHR_cooperative_matrix's float16 x float16 +
     * float32 subgroup shape vkbert would use (the largest the driver lists; 0 when none) */
    uint32_t subgroup_size_min, subgroup_size_max;
    uint32_t coopmat_m, coopmat_n, coopmat_k;
    /* a portability driver (VK_KHR_portability_subset: MoltenVK on macOS), found through
     * VK_KHR_portability_enumeration; vkbert enables the extension on the devices it creates */
    bool portability_subset;
} vkbert_device_info;

/**
 * Lists the Vulkan devices. Writes up to `capacity` entries to `out` (may be NULL when
 * capacity is 0) and the number of devices to *count. Returns VKBERT_ERROR_NO_DEVICE when
 * there is no Vulkan loader or driver.
 */
VKBERT_API vkbert_status vkbert_devices_list(vkbert_device_info *out, uint32_t capacity,
                                             uint32_t *count);

/* ------------------------------------------------------------------------------- */
/* Context                                                                         */
/* ------------------------------------------------------------------------------- */

/**
 * A host application's own Vulkan objects for vkbert to use (a game or app that already
 * owns the GPU). vkbert never destroys them. Requirements: Vulkan 1.1 (instance API
 * version and device), a queue family with VK_QUEUE_COMPUTE_BIT; no extension is required
 * (the cooperative-matrix matmul is used only where instance_api_version and
 * cooperative_matrix say the host made it possible). On a portability driver (MoltenVK)
 * Vulkan requires the host to have created its instance with VK_KHR_portability_enumeration
 * to see the device, and the device with VK_KHR_portability_subset; vkbert needs nothing
 * more there.
 * vkbert uses 16-bit storage and float16 arithmetic only where the flags say the host
 * enabled them (VkPhysicalDevice16BitStorageFeatures.storageBuffer16BitAccess,
 * VkPhysicalDeviceShaderFloat16Int8Features.shaderFloat16), and signals a timeline
 * semaphore per encode only where timeline_semaphore says the host enabled that feature.
 * Queue sharing: vkQueueSubmit needs external synchronisation. If the host also submits to
 * this queue from other threads, give lock_queue/unlock_queue: vkbert calls them around
 * each of its submissions (and never waits on the queue with vkQueueWaitIdle). Otherwise
 * the host must not submit to the queue while a vkbert call runs.
 * The handles are VkInstance, VkPhysicalDevice and VkDevice, as void * so that this header
 * does not need the Vulkan headers.
 */
typedef struct vkbert_external_device {
    void *instance;
    void *physical_device;
    void *device;
    uint32_t queue_family;
    uint32_t queue_index;
    bool storage_buffer_16bit;
    bool shader_float16;
    void (*lock_queue)(void *queue_user);
    void (*unlock_queue)(void *queue_user);
    void *queue_user;
    bool timeline_semaphore;  /* the host enabled timelineSemaphore (Vulkan 1.2 or VK_KHR_timeline_semaphore) */
    /* The cooperative-matrix matmul, only on a Vulkan 1.3 instance and device: the apiVersion
     * the host created its instance with (0: taken as 1.1), and whether it enabled
     * VK_KHR_cooperative_matrix with cooperativeMatrix, shaderFloat16, vulkanMemoryModel,
     * maintenance4, subgroupSizeControl and computeFullSubgroups. Otherwise vkbert uses the
     * other kernels. */
    uint32_t instance_api_version;
    bool cooperative_matrix;
} vkbert_external_device;

/** How model weights are stored on the device; arithmetic and accumulation stay fp32. */
typedef enum vkbert_precision {
    VKBERT_PRECISION_AUTO = 0,  /* what is fastest on this device among the accurate ones */
    VKBERT_PRECISION_FP32,
    VKBERT_PRECISION_FP16       /* linear-layer weights in float16 (half the memory and traffic) */
} vkbert_precision;

/** Matmul kernel variants (vkbert_context_desc.matmul). */
typedef enum vkbert_matmul {
    VKBERT_MATMUL_AUTO = 0,  /* per device class */
    VKBERT_MATMUL_STORAGE,   /* register-blocked storage buffers: runs everywhere */
    VKBERT_MATMUL_TEXEL,     /* texel-buffer operands shared with subgroupShuffle (CPU drivers) */
    VKBERT_MATMUL_TILED,     /* shared-memory tiles (GPUs) */
    VKBERT_MATMUL_COOPMAT    /* the matrix units (VK_KHR_cooperative_matrix, Vulkan 1.3; GPUs that have them) */
} vkbert_matmul;

/**
 * Defaults (all-zero):
 *   external      NULL: vkbert creates its own instance and device. Otherwise the host's
 *                 objects (see vkbert_external_device); `device` and `validation` are then
 *                 ignored (validation is the host's instance's business).
 *   device        NULL: the first discrete GPU, else integrated, virtual, then CPU device.
 *                 "2": the device with that index; any other text: the first device whose
 *                 name contains it (case-insensitive). The environment variable
 *                 VKBERT_DEVICE is used when this is NULL.
 *   validation    false: vkbert enables no layer itself. true (or VKBERT_VALIDATION=1):
 *                 enable VK_LAYER_KHRONOS_validation when it is installed. Messages of any
 *                 validation layer (also one enabled through VK_INSTANCE_LAYERS) are
 *                 counted and reported through `log`.
 *   timeout_ms    0: 300000 (5 min). Upper bound of every wait on the GPU; one encode is
 *                 one submission, so size it to the largest batch on the slowest device.
 *   max_dispatches_per_submit  0: one encode is one submission. N: at most N kernel
 *                 dispatches per submission (each is a separate batch of vkQueueSubmit),
 *                 for drivers whose watchdog resets a GPU busy with one submission for
 *                 long (mobile, Windows: about 2 s). Results do not change.
 *   force_staging false: upload through host-visible device-local memory when the device
 *                 has it; true always uses the bounded staging buffer.
 *   min_limits    false: use the fastest kernels the device supports. true (or
 *                 VKBERT_LIMITS=min in the environment) forces the kernels that stay inside
 *                 Vulkan 1.1's guaranteed minimums on any device: at most 128 invocations
 *                 per workgroup, 16 KiB of shared memory, 4 storage buffers per stage and
 *                 128 bytes of push constants; no subgroup operations, 16/8-bit storage or
 *                 float16 arithmetic (so fp32 weights). Devices that lack what the faster
 *                 kernels need get these automatically.
 *   max_buffer_bytes  0: the device's own limits. Tensors larger than one storage-buffer
 *                 binding (maxStorageBufferRange) or one allocation (maxMemoryAllocationSize)
 *                 are split into parts of whole rows and bound part by part; N lowers that
 *                 limit to N bytes (at least 64 KiB), as a phone's would be, for tests
 *                 (VKBERT_MAX_BUFFER_BYTES=8M in the environment does the same). Small
 *                 tensors (biases, LayerNorm parameters, the position and token-type
 *                 tables) stay whole: a limit below them is a clear error.
 *   precision     VKBERT_PRECISION_AUTO: the weight precision of models loaded on this
 *                 context. FP16 needs 16-bit storage or RGBA16F texel buffers (an error
 *                 where the device has neither); AUTO picks per device class (fp16 where
 *                 it is at least as fast and the accuracy bar holds, see docs/benchmarks.md).
 *   pipeline_cache_path  NULL: $VKBERT_PIPELINE_CACHE, else
 *                 $XDG_CACHE_HOME/vkbert/pipelines-VENDOR-DEVICE.bin (or ~/.cache/vkbert/...).
 *                 "" disables the file. The pipeline cache is read from this file at
 *                 creation (a short, corrupt or foreign file is ignored with a log message,
 *                 never given to the driver) and written back, atomically, at destroy and
 *                 by vkbert_context_save_pipeline_cache. On Android the app sets it to a
 *                 file in its cache directory and calls vkbert_context_save_pipeline_cache
 *                 (an app's process is killed, not shut down: destroy never runs).
 *   pipeline_cache_data, pipeline_cache_size  NULL/0: use the file above. Otherwise
 *                 initial VkPipelineCache data from vkbert_context_pipeline_cache (the
 *                 driver ignores data made by another device or driver); takes precedence.
 *   matmul        VKBERT_MATMUL_AUTO: the matmul variant of the device's class (see
 *                 docs/benchmarks.md). TEXEL, TILED, STORAGE or COOPMAT asks for that variant;
 *                 one the device cannot run (texel needs 8-wide subgroups with shuffle; tiled
 *                 must fit the workgroup and shared-memory limits; coopmat needs a Vulkan 1.3
 *                 instance and device with VK_KHR_cooperative_matrix and a vkbert built with
 *                 shader tools that compile it) falls back to TILED on GPUs and STORAGE
 *                 elsewhere, and the log says why. For tuning and tests (on a CPU driver
 *                 coopmat is an emulation: correct, slow).
 *   tile          {0}: the tiled matmul's workgroup x, y and rows, columns per invocation of
 *                 the device's class; otherwise all four, with rows * columns <= 64.
 *   texel_rows    0: 32. The texel matmul's rows per subgroup: 8, 16, 24 or 32.
 *   no_f16_arith  false: fp16 weights on the tiled matmul are multiplied in float16 where the
 *                 device has shaderFloat16 (fp32 accumulation); true keeps fp32 arithmetic.
 *   ignore_environment  false: every field above left at its default takes the value of
 *                 its environment variable, read once here: VKBERT_DEVICE, VKBERT_VALIDATION=1,
 *                 VKBERT_LIMITS=min, VKBERT_MAX_BUFFER_BYTES, VKBERT_PRECISION=fp32|fp16,
 *                 VKBERT_PIPELINE_CACHE, VKBERT_MATMUL=texel|tiled|storage|coopmat, VKBERT_TILE=X,Y,M,N,
 *                 VKBERT_TEXEL_ROWS and VKBERT_F16_ARITH=0 (a malformed VKBERT_MAX_BUFFER_BYTES
 *                 is an error, any other malformed value is ignored with a warning). true: the
 *                 environment is not read. vkbert_context_options tells what was resolved.
 *                 (VKBERT_VULKAN_LIBRARY, the loader to open, is process-wide: read once by
 *                 the first call that needs Vulkan.)
 *   log, log_user NULL: silent.
 */
typedef struct vkbert_context_desc {
    const vkbert_external_device *external;
    const char *device;
    bool validation;
    uint32_t timeout_ms;
    uint32_t max_dispatches_per_submit;
    bool force_staging;
    bool min_limits;
    uint64_t max_buffer_bytes;
    vkbert_precision precision;
    const char *pipeline_cache_path;
    const void *pipeline_cache_data;
    size_t pipeline_cache_size;
    vkbert_matmul matmul;
    uint32_t tile[4];
    uint32_t texel_rows;
    bool no_f16_arith;
    bool ignore_environment;
    vkbert_log_fn log;
    void *log_user;
} vkbert_context_desc;

typedef struct vkbert_context vkbert_context;

/** Creates a Vulkan instance, picks a device and creates it with one compute queue. */
VKBERT_API vkbert_status vkbert_context_create(const vkbert_context_desc *desc,
                                               vkbert_context **out);
VKBERT_API void vkbert_context_destroy(vkbert_context *ctx);
/** The device the context runs on. */
VKBERT_API const vkbert_device_info *vkbert_context_device(const vkbert_context *ctx);
/** The matmul kernel design chosen for this device: "coopmat" (GPUs with matrix units
 *  reached through VK_KHR_cooperative_matrix), "texel" (CPU-backed drivers), "tiled" (other
 *  GPUs) or "storage" (the portable fallback). VKBERT_MATMUL overrides it. */
VKBERT_API const char *vkbert_context_matmul_variant(const vkbert_context *ctx);
/** The weight precision this context resolved (never AUTO). */
VKBERT_API vkbert_precision vkbert_context_precision(const vkbert_context *ctx);
/**
 * The options the context was created with after the environment was applied (see
 * vkbert_context_desc): device, validation, min_limits, max_buffer_bytes, precision (as asked),
 * pipeline_cache_path (the file used, or NULL), matmul, tile, texel_rows, no_f16_arith. Owned
 * by the context; external, pipeline_cache_data and log are NULL. What the device then runs is
 * vkbert_context_matmul_variant / vkbert_context_precision.
 */
VKBERT_API const vkbert_context_desc *vkbert_context_options(const vkbert_context *ctx);
/** The message of the last failure on this context ("" if none). */
VKBERT_API const char *vkbert_context_last_error(const vkbert_context *ctx);
/** The context's pipeline cache data (to pass to a later context). BUFFER_TOO_SMALL
 *  reports the size needed in *size; dst may be NULL with capacity 0. */
VKBERT_API vkbert_status vkbert_context_pipeline_cache(vkbert_context *ctx, void *dst, size_t capacity,
                                                       size_t *size);

/** Writes the pipeline cache file (pipeline_cache_path) now, as destroy does, when pipelines
 *  were created since it was last written (else nothing to do): for apps whose process is
 *  killed rather than shut down (Android), after their first encode. VKBERT_OK also where
 *  there is no file (path ""); VKBERT_ERROR_IO, naming the file and why, when it cannot be
 *  written; VKBERT_ERROR_OUT_OF_HOST_MEMORY; VKBERT_ERROR_DEVICE_LOST after a device loss.
 *  Safe to call from any thread. */
VKBERT_API vkbert_status vkbert_context_save_pipeline_cache(vkbert_context *ctx);

typedef struct vkbert_context_stats {
    uint32_t pipelines_created;
    double pipeline_create_ms;   /* wall time spent in vkCreateComputePipelines */
    bool pipeline_cache_loaded;  /* the pipeline cache file was valid and used */
} vkbert_context_stats;
VKBERT_API void vkbert_context_get_stats(const vkbert_context *ctx, vkbert_context_stats *out);

/** The device's own throughput, measured by microbenchmarks (vkbert bench --peak). */
typedef struct vkbert_peak {
    double gflops_fp32;      /* vec4 FMA chains */
    double gflops_fp16;      /* the same in float16; 0 where the device has no float16 arithmetic */
    double bandwidth_gbs;    /* a streaming read + write of 2 x 32 MiB, bytes moved per second */
    double gflops_coopmat;   /* cooperative-matrix multiply-adds (float16, float32 accumulation);
                                0 where the context does not use them */
} vkbert_peak;
VKBERT_API vkbert_status vkbert_context_measure_peak(vkbert_context *ctx, vkbert_peak *out);

/** Validation-layer warnings and errors seen by this context so far. */
VKBERT_API uint64_t vkbert_context_validation_messages(const vkbert_context *ctx);

/* ------------------------------------------------------------------------------- */
/* Tokenizer                                                                       */
/* ------------------------------------------------------------------------------- */

typedef struct vkbert_tokenizer vkbert_tokenizer;

/**
 * Loads the tokenizer of a model directory. Needs no GPU. The first of these it finds:
 *   - `dir`/tokenizer.json: Hugging Face's serialized tokenizer (WordPiece, BPE or Unigram
 *     with its normalizers, pre-tokenizers, post-processor, decoders and added tokens; a
 *     component type it does not implement is VKBERT_ERROR_UNSUPPORTED naming it);
 *   - `dir`/vocab.txt, and `dir`/tokenizer_config.json when present (do_lower_case,
 *     strip_accents, tokenize_chinese_chars): BERT's WordPiece;
 *   - `dir`/vocab.json + `dir`/merges.txt: byte-level BPE as RoBERTa's (<s> A </s></s> B </s>).
 */
VKBERT_API vkbert_status vkbert_tokenizer_load(const char *dir, vkbert_tokenizer **out);
/** The same from the files' bytes (`tokenizer_config_json` may be NULL); copies what it keeps. */
VKBERT_API vkbert_status vkbert_tokenizer_load_memory(const char *vocab_txt, size_t vocab_size,
                                                      const char *tokenizer_config_json, size_t config_size,
                                                      vkbert_tokenizer **out);
/** A tokenizer from a tokenizer.json's bytes (at most 64 MiB); copies what it keeps. */
VKBERT_API vkbert_status vkbert_tokenizer_load_json(const char *tokenizer_json, size_t size, vkbert_tokenizer **out);
VKBERT_API void vkbert_tokenizer_destroy(vkbert_tokenizer *tok);

/**
 * Tokenizes UTF-8 `text` (and `pair`, may be NULL) into [CLS] text [SEP] (pair [SEP]).
 * Writes ids and token types (0 for text, 1 for pair; `type_ids` may be NULL) and the
 * number of tokens to *count. If `capacity` is too small returns
 * VKBERT_ERROR_BUFFER_TOO_SMALL with *count set to the number needed. Invalid UTF-8 is
 * VKBERT_ERROR_INVALID_TEXT, with the byte offset in the message.
 */
VKBERT_API vkbert_status vkbert_tokenizer_encode(const vkbert_tokenizer *tok, const char *text,
                                                 const char *pair, int32_t *ids,
                                                 int32_t *type_ids, size_t capacity,
                                                 size_t *count);
/**
 * As vkbert_tokenizer_encode, for texts given with their lengths in bytes (`pair` may be
 * NULL). A NUL byte inside a text is VKBERT_ERROR_INVALID_TEXT, like invalid UTF-8.
 */
VKBERT_API vkbert_status vkbert_tokenizer_encode_bytes(const vkbert_tokenizer *tok, const char *text,
                                                       size_t text_bytes, const char *pair, size_t pair_bytes,
                                                       int32_t *ids, int32_t *type_ids, size_t capacity,
                                                       size_t *count);

/** Where a token came from: bytes [start, end) into the UTF-8 text it was read from. */
typedef struct vkbert_offset {
    uint32_t start; /* first byte */
    uint32_t end;   /* one past the last byte */
} vkbert_offset;

/**
 * As vkbert_tokenizer_encode_bytes, and also each token's byte offsets into its text, as
 * Hugging Face's `tokenizers` gives them (its offsets are the same spans, counted in code
 * points: see `vkbert tokenize --json`):
 *   - a token of the pair points into `pair`, a token of the text into `text`;
 *   - [CLS] and [SEP] added around the texts get [0, 0); a special token written in the
 *     text ("[MASK]") gets its own bytes;
 *   - a token covers the original bytes its normalized characters came from, so offsets
 *     survive lowercasing and accent stripping ("Café" -> "cafe" is [0, 5)); a subword
 *     ("##ing") covers its slice of the word; a word that became [UNK] covers the word.
 * Any of `ids`, `type_ids` and `offsets` may be NULL (each, when given, holds `capacity`
 * entries); the caller owns all of them. Errors as vkbert_tokenizer_encode_bytes, and
 * VKBERT_ERROR_INVALID_ARGUMENT for a text of 4 GiB or more (offsets are 32-bit).
 */
VKBERT_API vkbert_status vkbert_tokenizer_encode_offsets(const vkbert_tokenizer *tok, const char *text,
                                                         size_t text_bytes, const char *pair, size_t pair_bytes,
                                                         int32_t *ids, int32_t *type_ids, vkbert_offset *offsets,
                                                         size_t capacity, size_t *count);

/**
 * As vkbert_tokenizer_encode_offsets, and also the special-tokens mask (`special_mask`, may
 * be NULL, `capacity` entries): 1 for a token the post-processor added ([CLS], </s>...), 0
 * for every token of the texts, special tokens written in them included (as Hugging Face's
 * `special_tokens_mask`).
 */
VKBERT_API vkbert_status vkbert_tokenizer_encode_special(const vkbert_tokenizer *tok, const char *text,
                                                         size_t text_bytes, const char *pair, size_t pair_bytes,
                                                         int32_t *ids, int32_t *type_ids, vkbert_offset *offsets,
                                                         uint8_t *special_mask, size_t capacity, size_t *count);

/**
 * Turns `count` ids back into text, as the Rust `tokenizers` library's decode with BERT's
 * WordPiece decoder: a "##" token joins the previous one, any other is preceded by a space
 * (the first token is taken as it is), and each token then gets the decoder's clean-up
 * (" ." -> ".", " ?" -> "?", " !" -> "!", " ," -> ",", " ' " -> "'", " n't" -> "n't",
 * " 'm" -> "'m", " do not" -> " don't", " 's" -> "'s", " 've" -> "'ve", " 're" -> "'re").
 * That clean-up is applied to each token with its added space, not to the joined string,
 * exactly as `tokenizers` does, so "don ' t" stays as it is; transformers' Python
 * clean_up_tokenization_spaces, applied to the whole string, can differ.
 * With `skip_special_tokens` the vocabulary's [PAD], [UNK], [CLS], [SEP] and [MASK] are left
 * out. Writes a NUL-terminated string to `dst` (the caller's, `capacity` bytes; may be NULL
 * when capacity is 0) and the bytes it needs, NUL included, to *needed (may be NULL).
 * VKBERT_ERROR_BUFFER_TOO_SMALL when it does not fit (dst then holds "" if capacity > 0);
 * an id outside the vocabulary is VKBERT_ERROR_INVALID_ARGUMENT.
 */
VKBERT_API vkbert_status vkbert_tokenizer_decode(const vkbert_tokenizer *tok, const int32_t *ids, size_t count,
                                                 bool skip_special_tokens, char *dst, size_t capacity,
                                                 size_t *needed);
/** The vocabulary entry of `id`, or NULL when out of range. */
VKBERT_API const char *vkbert_tokenizer_token(const vkbert_tokenizer *tok, int32_t id);
/** The id of `token`, or -1. */
VKBERT_API int32_t vkbert_tokenizer_id(const vkbert_tokenizer *tok, const char *token);
VKBERT_API uint32_t vkbert_tokenizer_vocab_size(const vkbert_tokenizer *tok);
/** The id of the mask token ([MASK], or a tokenizer.json's special <mask>); -1 if none. */
VKBERT_API int32_t vkbert_tokenizer_mask_id(const vkbert_tokenizer *tok);
/** The mask token's text ("[MASK]", "<mask>"), owned by the tokenizer; NULL if none. */
VKBERT_API const char *vkbert_tokenizer_mask_token(const vkbert_tokenizer *tok);
/** Whether `id` is a special token (vocab.txt: [PAD] [UNK] [CLS] [SEP] [MASK]; tokenizer.json:
 *  its added tokens marked special): what decode's skip_special_tokens leaves out. */
VKBERT_API bool vkbert_tokenizer_is_special(const vkbert_tokenizer *tok, int32_t id);

/* ------------------------------------------------------------------------------- */
/* Model                                                                           */
/* ------------------------------------------------------------------------------- */

/**
 * The encoder's shape, read from config.json in its family's keys (a family that names them
 * otherwise, such as DistilBERT's dim or n_layers, is read into these fields). `family` is the
 * model family config.json's model_type names ("bert" for a config without one; the README
 * lists the families); NULL or "" means "bert" for vkbert_model_create_random.
 * type_vocab_size is 0 for a family without token types: token_type_ids given to such a model
 * are ignored, as its own forward pass takes none. position_offset and max_tokens are derived by
 * the loader (vkbert_model_create_random ignores them in its config argument); embedding_size (0:
 * hidden_size) and hidden_act (NULL: the family's default) are read by both.
 */
typedef struct vkbert_model_config {
    uint32_t vocab_size;
    uint32_t hidden_size;
    uint32_t num_hidden_layers;
    uint32_t num_attention_heads;
    uint32_t intermediate_size;
    uint32_t max_position_embeddings;
    uint32_t type_vocab_size;
    float layer_norm_eps;
    const char *family;
    uint32_t position_offset;  /* position of a sequence's first token: 0, or padding_idx + 1 (the RoBERTa
                                  family: Hugging Face's cumulative-sum rule, padding at padding_idx) */
    uint32_t max_tokens;       /* the longest input, in tokens: max_position_embeddings - position_offset */
    uint32_t embedding_size;   /* width of the embedding tables: hidden_size, or less where the family
                                  factorises them (ALBERT, ELECTRA) and projects them to hidden_size */
    const char *hidden_act;    /* the encoder's activation: "gelu" (the exact erf GELU; NULL too),
                                  "gelu_new" (its tanh approximation: ALBERT) or "silu" (NomicBERT's
                                  SwiGLU gate) */
    /* Rotary positions and local attention (ModernBERT); all 0 in the families without them. */
    float rope_theta;          /* the rotary base of the global layers (0: no rotary positions) */
    float local_rope_theta;    /* the rotary base of the local layers (0: rope_theta) */
    uint32_t rope_dims;        /* rotated dimensions of each head's queries and keys (0: all of them) */
    uint32_t local_attention;  /* a local layer's query sees the keys within local_attention / 2 of it
                                  (0: every layer is global) */
    uint32_t global_attn_every_n_layers; /* layers whose index is a multiple of it are global */
} vkbert_model_config;

/**
 * A model held in memory instead of a directory: the bytes of its files (an Android app's
 * AAsset buffers, a resource compiled into the program). vkbert reads them only during
 * vkbert_model_load; the caller keeps ownership. tokenizer_config_json may be NULL.
 */
typedef struct vkbert_model_files {
    const char *config_json;
    size_t config_json_size;
    const char *vocab_txt;
    size_t vocab_txt_size;
    const char *tokenizer_config_json;
    size_t tokenizer_config_json_size;
    const void *safetensors;   /* one model.safetensors */
    size_t safetensors_size;
} vkbert_model_files;

/**
 * Exactly one of `path` and `files`: `path` a Hugging Face model directory holding
 * config.json, vocab.txt and model.safetensors (or shards listed by
 * model.safetensors.index.json), `files` the same in memory. Tensors are F32, F16 or
 * BF16 (converted on upload). config.json's model_type picks the family ("bert", or none:
 * BertModel / BertForMaskedLM; "distilbert": DistilBertModel / DistilBertForMaskedLM;
 * "roberta", "xlm-roberta", "camembert": the RoBERTa classes; "albert": AlbertModel /
 * AlbertForMaskedLM; "electra": ElectraModel / ElectraForMaskedLM, the generator; "modernbert":
 * ModernBertModel / ModernBertForMaskedLM and its classification, token-classification and QA
 * heads; "nomic_bert": NomicBertModel; "bert" with position_embedding_type "alibi": JinaBERT v2's
 * JinaBertModel / JinaBertForMaskedLM; any other is VKBERT_ERROR_UNSUPPORTED naming the supported
 * ones). Tensor names with or without the family's prefix ("bert.", "distilbert.", "roberta.",
 * "albert.", "electra.", "model."), LayerNorm weight/bias or gamma/beta, a tied,
 * untied or absent decoder weight are all accepted; extra tensors are ignored; a checkpoint
 * without the MLM head loads for encoding only. A directory may also hold
 * sentence-transformers' files (see vkbert_embedding_info; a malformed one is an error) and a
 * sequence-classification head (classifier.weight with config.json's id2label; a classifier
 * without id2label is VKBERT_ERROR_MODEL_FORMAT). From memory (`files`) a model has no
 * sentence-transformers files.
 */
typedef struct vkbert_model_desc {
    const char *path;
    const vkbert_model_files *files;
} vkbert_model_desc;

typedef struct vkbert_model vkbert_model;

VKBERT_API vkbert_status vkbert_model_load(vkbert_context *ctx, const vkbert_model_desc *desc,
                                           vkbert_model **out);
/**
 * Creates a model of any BERT shape with random weights on the device, without files
 * (benchmarks, tests). Deterministic for a seed. No tokenizer (vkbert_model_tokenizer
 * returns NULL); with `mlm_head` the MLM head is created too, tied to the embeddings.
 * `config` is checked like a config.json (layer_norm_eps 0 means 1e-12).
 */
VKBERT_API vkbert_status vkbert_model_create_random(vkbert_context *ctx, const vkbert_model_config *config,
                                                    uint64_t seed, bool mlm_head, vkbert_model **out);
VKBERT_API void vkbert_model_destroy(vkbert_model *model);
VKBERT_API const vkbert_model_config *vkbert_model_get_config(const vkbert_model *model);
/** The model's tokenizer; owned by the model. */
VKBERT_API const vkbert_tokenizer *vkbert_model_tokenizer(const vkbert_model *model);
/** Whether the checkpoint has the masked-language-model head. */
VKBERT_API bool vkbert_model_has_mlm_head(const vkbert_model *model);
/** Bytes of device memory the weights occupy. */
VKBERT_API uint64_t vkbert_model_device_bytes(const vkbert_model *model);

/** How a sentence embedding is pooled from the final hidden states (padding is never pooled). */
typedef enum vkbert_pooling {
    VKBERT_POOLING_DEFAULT = 0,   /* the model's own (1_Pooling/config.json); CLS without one */
    VKBERT_POOLING_CLS,           /* the first token ([CLS]) */
    VKBERT_POOLING_MEAN,          /* the mean over the tokens */
    VKBERT_POOLING_MAX,           /* the per-dimension maximum over the tokens */
    VKBERT_POOLING_MEAN_SQRT_LEN, /* the sum over the tokens divided by sqrt(their count) */
    VKBERT_POOLING_LAST           /* the last token ([SEP]; sentence-transformers' lasttoken) */
} vkbert_pooling;

/** Whether embeddings are L2-normalised: the model's choice (a Normalize module), or forced. */
typedef enum vkbert_normalize {
    VKBERT_NORMALIZE_DEFAULT = 0, VKBERT_NORMALIZE_ON, VKBERT_NORMALIZE_OFF
} vkbert_normalize;

/**
 * What a model directory says about its sentence embeddings: sentence-transformers' files
 * (modules.json: Transformer, Pooling, optional Dense, optional Normalize, in that order;
 * 1_Pooling/config.json; a Dense module's config.json and model.safetensors;
 * sentence_bert_config.json; config_sentence_transformers.json). A model without
 * modules.json gets CLS pooling, no Dense, no normalisation, and a warning in the log.
 */
typedef struct vkbert_embedding_info {
    bool sentence_transformers;   /* modules.json was read */
    vkbert_pooling pooling;       /* never DEFAULT */
    bool include_prompt;          /* false: a prompt's tokens are left out of mean/max pooling */
    bool dense;                   /* a Dense module follows the pooling */
    uint32_t dense_in, dense_out; /* its shape */
    const char *dense_activation; /* "tanh" or "identity" */
    bool normalize;               /* a Normalize module ends the model */
    uint32_t dimension;           /* floats per embedding: dense_out, else hidden_size */
    uint32_t max_seq_length;      /* tokens, [CLS] and [SEP] included: sentence_bert_config.json's
                                     max_seq_length, else max_position_embeddings */
    bool do_lower_case;           /* sentence_bert_config.json: text lowercased before tokenizing */
    uint32_t prompt_count;        /* config_sentence_transformers.json's prompts */
    const char *default_prompt_name;  /* NULL when there is none */
} vkbert_embedding_info;

/** The model's embedding settings (any model: defaults without sentence-transformers files). */
VKBERT_API vkbert_status vkbert_model_embedding_info(const vkbert_model *model, vkbert_embedding_info *out);
/** Prompt `index` (< prompt_count) of config_sentence_transformers.json: its name and text
 *  (either out-pointer may be NULL). */
VKBERT_API vkbert_status vkbert_model_prompt(const vkbert_model *model, uint32_t index, const char **name,
                                             const char **text);

/**
 * The labels of the classification head: the sequence classifier (BertForSequenceClassification:
 * the pooler's dense + tanh on [CLS], then `classifier`; DistilBertForSequenceClassification:
 * pre_classifier + ReLU on [CLS], then `classifier`) or the token classifier
 * (BertForTokenClassification and kin: `classifier` on every token). Both are named
 * "classifier" in Hugging Face's layouts; the rule: when config.json's "architectures" names a
 * class ending in "ForTokenClassification" ("BertForTokenClassification",
 * "DistilBertForTokenClassification", ...) classifier.* is the token classifier, otherwise the
 * sequence classifier. A token classifier whose rows are not id2label's count is
 * VKBERT_ERROR_MODEL_FORMAT naming both. 0 labels: the checkpoint has neither. Labels are
 * config.json's id2label, in id order.
 */
VKBERT_API uint32_t vkbert_model_label_count(const vkbert_model *model);
/** Label `id`'s name, or NULL when out of range. */
VKBERT_API const char *vkbert_model_label(const vkbert_model *model, uint32_t id);
/** Whether class scores are sigmoids (one label, or problem_type "multi_label_classification")
 *  rather than a softmax over the labels, as Hugging Face's pipelines and TEI do. */
VKBERT_API bool vkbert_model_sigmoid_scores(const vkbert_model *model);

/* ------------------------------------------------------------------------------- */
/* Session                                                                         */
/* ------------------------------------------------------------------------------- */

typedef enum vkbert_head_rows {
    VKBERT_HEAD_MASKED = 0,  /* run the MLM head on every [MASK] token */
    VKBERT_HEAD_ALL,         /* on every real (non-padding) token */
    VKBERT_HEAD_NONE         /* encoder only */
} vkbert_head_rows;

/**
 * Defaults (all-zero):
 *   task           VKBERT_TASK_MLM. EMBED runs pooling (and the model's Dense and Normalize)
 *                  on the device after the encoder: vkbert_session_read_embedding. CLASSIFY
 *                  runs the classification head: vkbert_session_read_class_logits (a model
 *                  without one is VKBERT_ERROR_UNSUPPORTED). TOKEN_CLASSIFY and QA run their
 *                  head on every real token (head, max_head_rows and top_k do not apply):
 *                  vkbert_session_read_token_logits (vkbert_model_has_task says whether the
 *                  model has the head; without it VKBERT_ERROR_UNSUPPORTED).
 *   max_batch      1 sequence per encode
 *   max_seq        the model's max_position_embeddings (tokens, [CLS]/[SEP] included);
 *                  every encode computes the full max_batch x max_seq shape, so size it
 *                  to the inputs you have
 *   head           VKBERT_HEAD_MASKED (VKBERT_HEAD_NONE when the model has no MLM head)
 *   max_head_rows  max_batch * max_seq: how many rows the MLM head may process per encode
 *                  (the head's dispatches are sized per encode to the rows actually used)
 *   top_k          5 (at most VKBERT_MAX_TOP_K): predictions kept per head row
 *   keep_logits    false: true also copies the full vocabulary logits of every head row
 *                  back to the host (vkbert_session_read_logits)
 *   profile        false: true writes a GPU timestamp after every kernel
 *                  (vkbert_session_profile); costs a little time per kernel
 */
typedef enum vkbert_task {
    VKBERT_TASK_MLM = 0,     /* the MLM head on the rows `head` says (or the encoder only) */
    VKBERT_TASK_EMBED,       /* one pooled (Dense, normalised) embedding per sequence */
    VKBERT_TASK_CLASSIFY,    /* the sequence-classification head: class logits per sequence */
    VKBERT_TASK_SCORE,       /* runners only (vkbert_runner_score): masked-LM pseudo-log-likelihoods */
    VKBERT_TASK_TOKEN_CLASSIFY, /* the token-classification head: label logits per token */
    VKBERT_TASK_QA           /* question answering's qa_outputs: start and end logits per token */
} vkbert_task;

/**
 * Whether the model has what `task` runs: MLM and SCORE its MLM head, EMBED always, CLASSIFY a sequence
 * classifier, TOKEN_CLASSIFY a token classifier (see vkbert_model_label_count), QA question
 * answering's qa_outputs.weight [2, hidden] and .bias ("qa_outputs.*" in every family:
 * BertForQuestionAnswering, DistilBertForQuestionAnswering, RobertaForQuestionAnswering, ...;
 * found by name, whatever architectures says).
 */
VKBERT_API bool vkbert_model_has_task(const vkbert_model *model, vkbert_task task);

typedef struct vkbert_session_desc {
    uint32_t max_batch;
    uint32_t max_seq;
    vkbert_head_rows head;
    uint32_t max_head_rows;
    uint32_t top_k;
    bool keep_logits;
    bool profile;
    vkbert_task task;            /* VKBERT_TASK_MLM: head, max_head_rows, top_k, keep_logits apply */
    vkbert_pooling pooling;      /* VKBERT_TASK_EMBED: DEFAULT is the model's */
    vkbert_normalize normalize;  /* VKBERT_TASK_EMBED: DEFAULT is the model's */
    bool keep_attention;         /* also write layer attention_layer's attention probabilities
                                    (vkbert_session_read_attention) */
    uint32_t attention_layer;    /* counted from 0 */
} vkbert_session_desc;

typedef struct vkbert_session vkbert_session;

/** One input sequence: ids as the tokenizer produced them ([CLS] ... [SEP]). Initialise it by
 *  field name ({.input_ids = ids, .length = n}): fields are added at its end. */
typedef struct vkbert_sequence {
    const int32_t *input_ids;
    const int32_t *token_type_ids;  /* NULL: all 0 */
    uint32_t length;                /* tokens; at most the session's max_seq */
    uint32_t pool_skip;             /* VKBERT_TASK_EMBED: leading tokens mean/max pooling leave
                                       out (a prompt when the model's include_prompt is false) */
} vkbert_sequence;

/** One prediction of the MLM head. */
typedef struct vkbert_prediction {
    int32_t id;
    float probability;              /* softmax over the whole vocabulary */
} vkbert_prediction;

VKBERT_API vkbert_status vkbert_session_create(vkbert_model *model,
                                               const vkbert_session_desc *desc,
                                               vkbert_session **out);
VKBERT_API void vkbert_session_destroy(vkbert_session *session);

/**
 * Runs the encoder (and the MLM head) on `count` sequences, padded to the session's
 * shape, and waits (bounded by the context's timeout) for the results. Errors:
 * VKBERT_ERROR_TOO_LONG (a sequence longer than max_seq, more sequences than max_batch,
 * or more head rows than max_head_rows), VKBERT_ERROR_INVALID_ARGUMENT (an empty
 * sequence, an id outside the vocabulary or token types), VKBERT_ERROR_TIMEOUT,
 * VKBERT_ERROR_DEVICE_LOST. A fill-mask caller checks for [MASK] itself (the CLI reports
 * VKBERT_ERROR_NO_MASK).
 */
VKBERT_API vkbert_status vkbert_session_encode(vkbert_session *session,
                                               const vkbert_sequence *sequences,
                                               uint32_t count);

/**
 * Asynchronous encode: checks the batch and submits it, returning at once (unless the
 * session's previous submit is still running: that one is waited for first, bounded by the
 * context's timeout). Then vkbert_session_wait. The read functions need a finished encode.
 */
VKBERT_API vkbert_status vkbert_session_submit(vkbert_session *session, const vkbert_sequence *sequences,
                                               uint32_t count);
/**
 * Waits at most timeout_ms for the last submit. timeout_ms 0 polls: VKBERT_NOT_READY while
 * it runs (no error message), VKBERT_OK once done. VKBERT_ERROR_TIMEOUT when the time ran
 * out; waiting again later is fine. vkbert_session_encode is submit + wait.
 */
VKBERT_API vkbert_status vkbert_session_wait(vkbert_session *session, uint32_t timeout_ms);
/**
 * For hosts that wait on an encode in their own queue submissions (a frame that consumes
 * its results on the GPU) or with vkWaitSemaphores: after vkbert_session_submit, writes
 * the session's timeline semaphore to *(VkSemaphore *)vk_semaphore and the value the last
 * submit signals when it completes to *value. The semaphore belongs to the session (do
 * not destroy it); values only grow. Only on a host's device (vkbert_external_device) whose
 * host says it enabled timelineSemaphore: elsewhere VKBERT_ERROR_UNSUPPORTED (a semaphore
 * cannot be waited on from another VkDevice); vkbert_session_wait always works.
 */
VKBERT_API vkbert_status vkbert_session_timeline(const vkbert_session *session, void *vk_semaphore,
                                                 uint64_t *value);

/** Final hidden states of sequence `seq` of the last encode: [length, hidden] floats. */
VKBERT_API vkbert_status vkbert_session_read_hidden(const vkbert_session *session, uint32_t seq,
                                                    float *dst, size_t capacity,
                                                    size_t *needed);
/** Number of MLM head rows of the last encode, in (sequence, position) order. */
VKBERT_API uint32_t vkbert_session_head_row_count(const vkbert_session *session);
/** Which token head row `row` is. */
VKBERT_API vkbert_status vkbert_session_head_row(const vkbert_session *session, uint32_t row,
                                                 uint32_t *seq, uint32_t *position);
/** The top-k predictions of head row `row`, best first. */
VKBERT_API vkbert_status vkbert_session_read_topk(const vkbert_session *session, uint32_t row,
                                                  vkbert_prediction *dst, size_t capacity,
                                                  size_t *count);
/** Vocabulary logits of head row `row` ([vocab_size] floats; needs keep_logits). */
VKBERT_API vkbert_status vkbert_session_read_logits(const vkbert_session *session, uint32_t row,
                                                    float *dst, size_t capacity,
                                                    size_t *needed);

/**
 * The attention probabilities of layer desc.attention_layer, head `head`, sequence `seq` of the
 * last encode (sessions created with keep_attention): [length, length] floats, row i for the
 * query at position i, column j its weight on key j (a row sums to 1; padding gets none). They
 * come from the model's own attention kernel in a variant that also writes them (the
 * probabilities are otherwise never stored); the session's max_batch x heads x max_seq^2 floats
 * must fit one buffer binding, else vkbert_session_create says so. BUFFER_TOO_SMALL reports the
 * count in *needed.
 */
VKBERT_API vkbert_status vkbert_session_read_attention(const vkbert_session *session, uint32_t seq, uint32_t head,
                                                       float *dst, size_t capacity, size_t *needed);
/** The embedding of sequence `seq` of the last encode (VKBERT_TASK_EMBED): `dimension` floats
 *  (vkbert_embedding_info). BUFFER_TOO_SMALL reports the count in *needed. */
VKBERT_API vkbert_status vkbert_session_read_embedding(const vkbert_session *session, uint32_t seq, float *dst,
                                                       size_t capacity, size_t *needed);
/** The class logits of sequence `seq` of the last encode (VKBERT_TASK_CLASSIFY): one float per
 *  label. */
VKBERT_API vkbert_status vkbert_session_read_class_logits(const vkbert_session *session, uint32_t seq, float *dst,
                                                          size_t capacity, size_t *needed);

/**
 * The per-token logits of sequence `seq` of the last encode (VKBERT_TASK_TOKEN_CLASSIFY or
 * VKBERT_TASK_QA): [length, n] floats in position order ([CLS] is position 0), n the label count
 * (vkbert_model_label_count) for token classification, 2 (start logit, end logit) for question
 * answering. BUFFER_TOO_SMALL reports the float count in *needed; another task's session is
 * VKBERT_ERROR_INVALID_ARGUMENT.
 */
VKBERT_API vkbert_status vkbert_session_read_token_logits(const vkbert_session *session, uint32_t seq, float *dst,
                                                          size_t capacity, size_t *needed);

/** GPU time of one kernel dispatch of the last encode (sessions created with profile). */
typedef struct vkbert_kernel_time {
    const char *kind;     /* what it computes: "embeddings", "matmul_qkv", "attention",
                             "matmul_attn_out", "layernorm", "matmul_ffn_up", "matmul_ffn_down",
                             "head_gather", "head_dense", "head_layernorm", "head_decoder", "topk";
                             embeddings and classifiers: "pool", "head_dense" (a Dense module, the
                             pooler, pre_classifier), "l2norm", "classifier" (also the token
                             classifier and qa_outputs, after "head_gather") */
    const char *kernel;   /* which shader ran it: "matmul", "matmul_texel", ... */
    int32_t layer;        /* encoder layer, -1 for the embeddings and the MLM head */
    double ms;            /* from timestamps: end of the previous dispatch to end of this one */
    double flops;         /* counted analytically (multiply-add = 2), see docs/benchmarks.md */
} vkbert_kernel_time;

/** One entry per dispatch, in execution order; BUFFER_TOO_SMALL reports the count needed. */
VKBERT_API vkbert_status vkbert_session_profile(const vkbert_session *session, vkbert_kernel_time *out,
                                                size_t capacity, size_t *count);
/** Bytes of device memory the session's activations, inputs and outputs occupy. */
VKBERT_API uint64_t vkbert_session_device_bytes(const vkbert_session *session);

/* ------------------------------------------------------------------------------- */
/* Many texts: embeddings, reranking, classification                               */
/* ------------------------------------------------------------------------------- */

/** Where an over-long input is cut (TEI's truncation_direction). */
typedef enum vkbert_truncation {
    VKBERT_TRUNCATE_RIGHT = 0,   /* keep the start: [CLS] first tokens [SEP] */
    VKBERT_TRUNCATE_LEFT,        /* keep the end: [CLS] last tokens [SEP] */
    VKBERT_TRUNCATE_NONE         /* an over-long input is VKBERT_ERROR_TOO_LONG */
} vkbert_truncation;

/**
 * Defaults (all-zero):
 *   task              VKBERT_TASK_EMBED (vkbert_runner_embed), VKBERT_TASK_CLASSIFY
 *                     (vkbert_runner_classify, vkbert_runner_rerank), VKBERT_TASK_SCORE
 *                     (vkbert_runner_score; the model needs an MLM head), VKBERT_TASK_TOKEN_CLASSIFY
 *                     (vkbert_runner_ner) or VKBERT_TASK_QA (vkbert_runner_qa); MLM (0) means EMBED.
 *                     A model without the task's head is VKBERT_ERROR_UNSUPPORTED.
 *   max_batch_tokens  16384: padded tokens per encode (sequences x the batch's padded length)
 *   max_batch         128 sequences per encode
 *   max_seq           the model's max_seq_length (vkbert_embedding_info; a number above it is
 *                     lowered to it): inputs longer than this are truncated, or refused
 *   truncation        VKBERT_TRUNCATE_RIGHT. A pair is cut longest first (a token off the
 *                     longer segment at a time, as Hugging Face's longest_first).
 *   pooling, normalize  VKBERT_TASK_EMBED: DEFAULT is the model's
 *   prompt_name       VKBERT_TASK_EMBED: a prompt of config_sentence_transformers.json put
 *                     before every text; NULL: its default_prompt_name, if any. An unknown
 *                     name is VKBERT_ERROR_INVALID_ARGUMENT.
 *   prompt            a prompt's text instead (takes precedence over prompt_name)
 *   dimensions        VKBERT_TASK_EMBED: 0 the model's width; N (1 .. that width): a Matryoshka
 *                     embedding by nomic-embed's recipe: LayerNorm without weights (eps 1e-5) over
 *                     the pooled vector, its first N values, then L2 normalisation (left out only
 *                     with normalize VKBERT_NORMALIZE_OFF). vkbert_runner_width gives N.
 *   raw_scores        VKBERT_TASK_CLASSIFY: logits instead of softmax/sigmoid scores
 *   progress          called after every encode with the inputs done so far and the total
 *   tokenizer         NULL: the model's. Another tokenizer whose vocabulary fits the model (a
 *                     random-weight model has none: benchmarks)
 * Inputs are sorted by length, batched under max_batch_tokens, padded per batch, encoded,
 * and written in input order; a runner keeps the sessions of the shapes it last used.
 */
typedef struct vkbert_runner_desc {
    vkbert_task task;
    uint32_t max_batch_tokens;
    uint32_t max_batch;
    uint32_t max_seq;
    vkbert_truncation truncation;
    vkbert_pooling pooling;
    vkbert_normalize normalize;
    const char *prompt_name;
    const char *prompt;
    bool raw_scores;
    uint32_t dimensions;
    void (*progress)(size_t done, size_t total, void *user);
    void *progress_user;
    const vkbert_tokenizer *tokenizer;
} vkbert_runner_desc;

/** What one runner call did. */
typedef struct vkbert_run_stats {
    size_t inputs;            /* texts (or pairs) given */
    size_t truncated;         /* inputs cut to max_seq */
    size_t encodes;           /* batches run */
    uint64_t tokens;          /* real tokens encoded */
    uint64_t padded_tokens;   /* tokens computed: every encode's sequences x positions */
    size_t failed_index;      /* the input an error was about; SIZE_MAX when none */
} vkbert_run_stats;

typedef struct vkbert_runner vkbert_runner;

/** A runner for many texts on `model` (which must outlive it). Used by one thread at a time. */
VKBERT_API vkbert_status vkbert_runner_create(vkbert_model *model, const vkbert_runner_desc *desc,
                                              vkbert_runner **out);
VKBERT_API void vkbert_runner_destroy(vkbert_runner *runner);
/** Floats per output of the runner: the embedding dimension (EMBED) or the label count
 *  (CLASSIFY, TOKEN_CLASSIFY: per token); 2 for QA (start, end per token). */
VKBERT_API uint32_t vkbert_runner_width(const vkbert_runner *runner);

/**
 * Embeds `count` UTF-8 texts into out[i * width ...] (capacity: floats of `out`, at least
 * count * vkbert_runner_width). Errors: VKBERT_ERROR_INVALID_TEXT (not UTF-8, or empty),
 * VKBERT_ERROR_TOO_LONG (with VKBERT_TRUNCATE_NONE), VKBERT_ERROR_BUFFER_TOO_SMALL; the
 * message names the input and stats->failed_index says which (stats may be NULL). On an
 * error `out` may hold some embeddings; use none of them.
 */
VKBERT_API vkbert_status vkbert_runner_embed(vkbert_runner *runner, const char *const *texts, size_t count,
                                             float *out, size_t capacity, vkbert_run_stats *stats);
/**
 * Classifies `count` texts, each with its second segment pairs[i] (token type 1) when `pairs`
 * and pairs[i] are not NULL: out[i * labels + id] is label id's score (softmax over the labels;
 * sigmoid for vkbert_model_sigmoid_scores models; logits with raw_scores).
 */
VKBERT_API vkbert_status vkbert_runner_classify(vkbert_runner *runner, const char *const *texts,
                                                const char *const *pairs, size_t count, float *out,
                                                size_t capacity, vkbert_run_stats *stats);
/**
 * Scores each of `count` texts against `query` with a cross-encoder (a classification head of
 * one label): scores[i] for texts[i], in input order, from the pair (query, text) as TEI's
 * /rerank does: sigmoid(logit), or the logit with raw_scores. A model of more labels is
 * VKBERT_ERROR_UNSUPPORTED.
 */
VKBERT_API vkbert_status vkbert_runner_rerank(vkbert_runner *runner, const char *query, const char *const *texts,
                                              size_t count, float *scores, vkbert_run_stats *stats);

/** One text's masked-LM score (vkbert_runner_score). */
typedef struct vkbert_pll_score {
    double pll;        /* pseudo-log-likelihood: the sum over scored tokens of ln p(token | the text
                          with that token masked), natural log */
    double pppl;       /* pseudo-perplexity: exp(-pll / tokens) */
    uint32_t tokens;   /* tokens scored: every token of the text but the tokenizer's special ones
                          ([CLS], [SEP], [PAD], [UNK], [MASK], <s>, </s>, ...; vkbert_tokenizer_is_special) */
} vkbert_pll_score;

/**
 * Scores `count` texts with the model's MLM head (a runner created with VKBERT_TASK_SCORE):
 * for each text, every non-special token in turn is replaced by the mask token and the
 * log-probability of the true token there (log-softmax over the whole vocabulary) is summed
 * (Salazar et al., "Masked Language Model Scoring", 2020). A text of n scored tokens is n masked
 * copies of it, batched with other texts' copies under the runner's max_batch_tokens and
 * max_batch (and at most 64 MiB of logits read back per encode) — not n encodes of its own.
 * out[i] for texts[i], in input order. Inputs longer than max_seq are cut as the runner's
 * truncation says (stats->truncated counts them). Errors as vkbert_runner_embed's; a text with
 * no token to score (only special tokens) is VKBERT_ERROR_INVALID_TEXT naming it.
 */
VKBERT_API vkbert_status vkbert_runner_score(vkbert_runner *runner, const char *const *texts, size_t count,
                                             vkbert_pll_score *out, vkbert_run_stats *stats);

/* ------------------------------------------------------------------------------- */
/* Named entities and answer spans: Hugging Face's pipelines                       */
/* ------------------------------------------------------------------------------- */

/* A runner created with VKBERT_TASK_TOKEN_CLASSIFY (vkbert_runner_ner) or VKBERT_TASK_QA
 * (vkbert_runner_qa) runs the head and then the post-processing of transformers'
 * token-classification or question-answering pipeline, field for field. Both need a
 * tokenizer with offsets (every vkbert tokenizer has them). Results are objects the caller
 * destroys; their strings belong to them. Offsets are given twice: in bytes into the UTF-8
 * text, and in code points (the pipelines' Python string indices). */

/** How token-classification results are grouped (the pipeline's aggregation_strategy). */
typedef enum vkbert_aggregation {
    VKBERT_AGGREGATION_NONE = 0, /* one entity per token whose label is not ignored */
    VKBERT_AGGREGATION_SIMPLE,   /* tokens grouped by B-/I- tags (a label without B-/I- continues a group) */
    VKBERT_AGGREGATION_FIRST,    /* words first (a word's subwords take its first token's label), then grouped */
    VKBERT_AGGREGATION_AVERAGE,  /* words take the label of their tokens' mean scores, then grouped */
    VKBERT_AGGREGATION_MAX       /* words take the label of their highest-scoring token, then grouped */
} vkbert_aggregation;

/**
 * Defaults (all-zero):
 *   aggregation    VKBERT_AGGREGATION_NONE
 *   ignore_labels  NULL: {"O"}. Otherwise ignore_count labels (0: ignore none) whose entities
 *                  (NONE: the token's label; else the group's label) are left out.
 */
typedef struct vkbert_ner_options {
    vkbert_aggregation aggregation;
    const char *const *ignore_labels;
    size_t ignore_count;
} vkbert_ner_options;

/** One entity: a token (VKBERT_AGGREGATION_NONE) or a group of tokens (the others). */
typedef struct vkbert_entity {
    const char *label;        /* NONE: the token's label ("entity"); else the group's ("entity_group"): its
                                 first token's label after the first '-' ("B-PER" -> "PER") */
    float score;              /* NONE: the label's softmax probability; else the pipeline's combined score */
    int32_t index;            /* NONE: the token's position in the encoded sequence ([CLS] = 0); -1 for a group */
    const char *word;         /* NONE: the token (the text's own slice for an unknown token); else the
                                 group's tokens through the tokenizer's decoder (lower-cased for an
                                 uncased model, as the pipeline gives it) */
    uint32_t start, end;      /* bytes [start, end) into the text */
    uint32_t start_char, end_char;  /* the same in code points */
} vkbert_entity;

typedef struct vkbert_entities vkbert_entities;

/**
 * Named entities (any token classification) of UTF-8 `text` (options may be NULL), as
 * transformers' TokenClassificationPipeline gives them: softmax over the labels per token, the
 * tokens the tokenizer did not add, words from the offsets (a token is a subword when its text
 * differs in length from its vocabulary entry, for tokenizers with a continuing-subword prefix
 * such as "##"; otherwise when the character before it is not a space), then the aggregation.
 * A text longer than the runner's max_seq is cut (stats->truncated is 1). Writes a new result to
 * *out (destroy it with vkbert_entities_destroy). Errors: VKBERT_ERROR_INVALID_ARGUMENT (not a
 * VKBERT_TASK_TOKEN_CLASSIFY runner, an unknown aggregation), VKBERT_ERROR_INVALID_TEXT (empty or
 * not UTF-8), and the encode's. stats may be NULL.
 */
VKBERT_API vkbert_status vkbert_runner_ner(vkbert_runner *runner, const char *text, const vkbert_ner_options *options,
                                           vkbert_entities **out, vkbert_run_stats *stats);
VKBERT_API size_t vkbert_entities_count(const vkbert_entities *entities);
/** Entity `index` (< count) in text order, or NULL. Valid until the result is destroyed. */
VKBERT_API const vkbert_entity *vkbert_entities_get(const vkbert_entities *entities, size_t index);
VKBERT_API void vkbert_entities_destroy(vkbert_entities *entities);

/** vkbert_qa_options.doc_stride for windows that do not overlap. */
#define VKBERT_QA_NO_STRIDE UINT32_MAX

/**
 * Defaults (all-zero), the pipeline's:
 *   top_k          1 answer
 *   max_answer_len 15 tokens at most in an answer
 *   max_seq_len    min(384, the runner's max_seq): tokens of one window, question and special
 *                  tokens included
 *   doc_stride     min(max_seq_len / 2, 128): context tokens two neighbouring windows share
 *                  (VKBERT_QA_NO_STRIDE: none); it must be below the context tokens one window
 *                  holds when the context needs several windows, and at most max_seq_len
 *   handle_impossible_answer  false: true also lists the empty answer ("" at [0, 0)) with the
 *                  lowest [CLS] start x end probability over the windows
 */
typedef struct vkbert_qa_options {
    uint32_t top_k;
    uint32_t max_answer_len;
    uint32_t max_seq_len;
    uint32_t doc_stride;
    bool handle_impossible_answer;
} vkbert_qa_options;

/** One answer: a span of the context. */
typedef struct vkbert_answer {
    const char *answer;       /* context[start, end) */
    float score;              /* start probability x end probability within its window (summed over the
                                 windows and spans that gave the same text) */
    uint32_t start, end;      /* bytes into the context */
    uint32_t start_char, end_char;  /* the same in code points */
} vkbert_answer;

typedef struct vkbert_answers vkbert_answers;

/**
 * Extractive question answering, as transformers' QuestionAnsweringPipeline: the pair (question,
 * context), the context cut into windows of max_seq_len tokens overlapping by doc_stride (the
 * question in every one) and encoded together; per window a softmax over the context's start and
 * end logits ([CLS] kept, every other token outside the context masked), the spans start <= end
 * of at most max_answer_len tokens scored start x end, its best top_k; a span's character range
 * widened to the words (pre-tokens) its first and last tokens belong to; an answer whose text
 * equals an earlier one's (ignoring case, Python's str.lower()) adds its score to that one; then
 * all answers best first (a tie in window order), top_k of them. Writes a new result to *out (destroy it
 * with vkbert_answers_destroy). Errors: VKBERT_ERROR_INVALID_ARGUMENT (not a VKBERT_TASK_QA runner,
 * options out of range), VKBERT_ERROR_INVALID_TEXT (an empty or non-UTF-8 question or context),
 * VKBERT_ERROR_TOO_LONG (a question that leaves no room for the context in max_seq_len, or
 * max_seq_len over the model's), and the encode's. stats may be NULL.
 */
VKBERT_API vkbert_status vkbert_runner_qa(vkbert_runner *runner, const char *question, const char *context,
                                          const vkbert_qa_options *options, vkbert_answers **out,
                                          vkbert_run_stats *stats);
VKBERT_API size_t vkbert_answers_count(const vkbert_answers *answers);
/** Answer `index` (< count), best first, or NULL. Valid until the result is destroyed. */
VKBERT_API const vkbert_answer *vkbert_answers_get(const vkbert_answers *answers, size_t index);
VKBERT_API void vkbert_answers_destroy(vkbert_answers *answers);

#ifdef __cplusplus
}
#endif
#endif /* VKBERT_H */
