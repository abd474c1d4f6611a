/* Internals shared between runtime/src files. Prefix: vkb_. Not installed. */
#ifndef VKB_INTERNAL_H
#define VKB_INTERNAL_H

#include "vkbert.h"

#include <stdarg.h>

#include "vk/vulkan.h"

#include "vkb_push.h"
#include "base/fs.h"
#include "base/lock.h"

/* mingw: the checks of the C99 printf that __USE_MINGW_ANSI_STDIO=1 (set by the build) gives,
 * not of Microsoft's */
#if defined(__MINGW32__)
#  define VKB_PRINTF(a, b) __attribute__((format(gnu_printf, a, b)))
#elif defined(__GNUC__)
#  define VKB_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#  define VKB_PRINTF(a, b)
#endif

/* ---- loader.c -------------------------------------------------------------------- */
/* Opens the Vulkan loader once; NO_DEVICE with a clear message when there is none. */
vkbert_status vkb_loader_init(void);
/* Fills the instance- and device-level entry points from the first instance. */
vkbert_status vkb_loader_load_instance(VkInstance instance);

/* ---- fault.c -------------------------------------------------------------------- */
void *vkb_malloc(size_t n);
void *vkb_calloc(size_t count, size_t size);
void *vkb_realloc(void *p, size_t n);
char *vkb_strdup(const char *s);
void vkb_free(void *p);

/* Test hooks: a countdown fails the Nth call (1 = the next one); 0 disables. */
typedef struct vkb_fault_plan {
    long host_fail_at;      /* vkb_malloc/calloc/realloc/strdup return NULL */
    long vk_fail_at;        /* a Vulkan object creation or allocation fails */
    long submit_fail_at;    /* vkQueueSubmit returns submit_result */
    VkResult submit_result;
    long wait_fail_at;      /* vkWaitForFences returns wait_result */
    VkResult wait_result;
} vkb_fault_plan;
extern vkb_fault_plan vkb_faults;
bool vkb_fault_vk(void);
/* True when the countdown reaches zero with this call. */
bool vkb_fault_take(long *countdown);
long vkb_fault_live_allocations(void);
/* Wrap every Vulkan call that creates or allocates something. */
#define VKB_VK(call) (vkb_fault_vk() ? VK_ERROR_OUT_OF_HOST_MEMORY : (call))
#define VKB_VK_MEM(call) (vkb_fault_vk() ? VK_ERROR_OUT_OF_DEVICE_MEMORY : (call))

/* ---- error.c -------------------------------------------------------------------- */
/* Records `status` with a message for this thread (and `ctx` when not NULL); returns
 * `status` so that call sites read `return vkb_fail(ctx, VKBERT_ERROR_IO, "...")`. */
vkbert_status vkb_fail(vkbert_context *ctx, vkbert_status status, const char *fmt, ...)
    VKB_PRINTF(3, 4);
/* Records the message of an error that a context-free call already set on this thread
 * in `ctx` too. */
vkbert_status vkb_propagate(vkbert_context *ctx, vkbert_status status);
void vkb_log(const vkbert_context *ctx, vkbert_log_level level, const char *fmt, ...)
    VKB_PRINTF(3, 4);
/* Maps a failed VkResult to a status with a message naming `what`. Marks the context
 * lost on VK_ERROR_DEVICE_LOST. */
vkbert_status vkb_vk_fail(vkbert_context *ctx, VkResult r, const char *what);
const char *vkb_vk_result_string(VkResult r);
/* Overflow-checked arithmetic on sizes: return false on overflow. */
bool vkb_mul_size(size_t a, size_t b, size_t *out);
bool vkb_add_size(size_t a, size_t b, size_t *out);

/* ---- vk/: instance.c, device.c, options.c, policy.c, context.c, submit.c ---------------- */
/* What a Vulkan 1.3 device offers the cooperative-matrix matmul and subgroup size control
 * (device.c reads it with the device's info). */
typedef struct vkb_caps13 {
    bool api13;                 /* the device's apiVersion >= 1.3 */
    bool coopmat_ext;           /* VK_KHR_cooperative_matrix listed */
    bool coopmat;               /* ... and its cooperativeMatrix feature */
    bool float16, storage16, memory_model, maintenance4;
    bool size_control;          /* subgroupSizeControl + computeFullSubgroups, compute stage */
    uint32_t sub_min, sub_max;  /* requirable subgroup sizes (size_control) */
    uint32_t cm, cn, ck;        /* the largest float16 x float16 + float32 subgroup shape; 0: none */
} vkb_caps13;
/* The instance vkbert creates (validation: enable the Khronos layer when installed), for
 * Vulkan 1.3 where the loader has it and `want13` (the cooperative-matrix kernels are built,
 * or only devices are listed), else 1.1; *api says which. */
vkbert_status vkb_instance_create(vkbert_context *ctx, bool validation, bool want13, VkInstance *out, uint32_t *api);
/* Picks a physical device by `sel` (index, part of a name, or NULL) and creates nothing. */
vkbert_status vkb_device_choose(vkbert_context *ctx, const char *sel);
/* Reads what vkbert needs of the host's instance, device and queue. */
vkbert_status vkb_device_adopt(vkbert_context *ctx, const vkbert_external_device *e);
/* ctx->options: `desc` with the environment applied where it left fields at their defaults,
 * validated; the only place a VKBERT_* variable is read (but VKBERT_VULKAN_LIBRARY). */
vkbert_status vkb_options_resolve(vkbert_context *ctx, const vkbert_context_desc *desc);
/* Decides the binding limit, quirks, matmul variant and precision from the device's
 * properties and ctx->options. */
vkbert_status vkb_policy_apply(vkbert_context *ctx);
#define VKB_MIN_FORCED_BINDING (64u << 10)

/* VKB_KERNEL_<NAME>, one per line of shaders/kernels.cmake, and VKB_KERNEL_COUNT (generated). */
#include "vkb_kernels.h"

#define VKB_MAX_SPEC 8
#define VKB_MAX_BINDINGS 4

typedef struct vkb_pipeline {
    uint32_t kernel;
    uint32_t spec[VKB_MAX_SPEC];
    VkPipeline pipeline;
} vkb_pipeline;

struct vkbert_context {
    /* Serialises what Vulkan requires to be externally synchronised and the context's
     * shared state: queue submission, the command pool (and recording from it), the upload
     * fence, the pipeline list, last_error. Recursive. */
    vkb_mutex lock;
    VkInstance instance;
    VkPhysicalDevice physical;
    VkDevice device;
    VkQueue queue;
    uint32_t queue_family, queue_index;
    bool borrowed;                      /* instance and device belong to the host */
    vkbert_external_device external;    /* the host's objects and queue lock, when borrowed */
    VkDebugUtilsMessengerEXT messenger;
    PFN_vkDestroyDebugUtilsMessengerEXT destroy_messenger;
    VkPhysicalDeviceProperties props;
    VkPhysicalDeviceMemoryProperties memory;
    vkbert_device_info info;
    VkCommandPool pool;   /* for one-shot work: uploads, kernel tests */
    VkFence fence;
    uint64_t timeout_ns;
    uint32_t max_dispatches_per_submit;  /* 0: a whole encode in one submission */
    bool force_staging;
    /* the most bytes one storage-buffer binding (and so one part of a split tensor) holds:
     * maxStorageBufferRange, maxMemoryAllocationSize and desc.max_buffer_bytes */
    VkDeviceSize max_binding;
    bool min_limits;      /* only kernels within Vulkan 1.1's guaranteed minimums */
    bool matmul_texel;    /* linear weights repacked for matmul_texel.comp (CPU class) */
    bool matmul_tiled;    /* matmul_tiled.comp (GPU class) */
    bool rows_per_lane;   /* row kernels (layernorm) one row per invocation (CPU class) */
    uint32_t tile[4];     /* matmul_tiled: workgroup x, y, rows and columns per invocation */
    uint32_t texel_rg;    /* matmul_texel: at most this many row groups of 8 per subgroup (1-4) */
    bool fp16_weights;    /* linear weights stored as float16 */
    bool fp16_arith;      /* ... and multiplied in float16 (tiled matmul, shaderFloat16) */
    bool storage16;       /* storageBuffer16BitAccess enabled */
    bool timeline;        /* the host enabled timelineSemaphore: sessions signal one per submit */
    bool timestamps;      /* the compute queue family has timestamps */
    uint32_t timestamp_bits;
    bool lost;
    vkbert_context_desc options;         /* resolved by vkb_options_resolve; strings below */
    vkbert_context_desc public_options;  /* what vkbert_context_options returns */
    char *option_device, *option_cache_path;
    uint64_t validation_messages;
    vkbert_log_fn log;
    void *log_user;
    char last_error[1024];

    VkPipelineCache cache;
    char *pipeline_cache_path;   /* NULL: not persisted */
    bool pipeline_cache_loaded;  /* initial data came from the file and was valid */
    uint32_t pipelines_created;
    uint32_t pipelines_saved;    /* pipelines_created when the file was last written */
    double pipeline_ms;
    bool float16;         /* shaderFloat16 enabled on the device */
    uint32_t instance_api;   /* the apiVersion vkbert's (or the host's) instance was created with */
    vkb_caps13 caps13;       /* the device's, read at creation */
    bool features13;         /* created with Vulkan 1.3 features: maintenance4, vulkanMemoryModel,
                                subgroupSizeControl, computeFullSubgroups */
    bool size_control;       /* pipelines may require a subgroup size (features13 and caps13.size_control) */
    bool coopmat_enabled;    /* VK_KHR_cooperative_matrix enabled on the device */
    bool matmul_coopmat;     /* the matmul runs matmul_coopmat (policy) */
    uint32_t coop[4];        /* CM, CN, CK and subgroup size of the coopmat kernels; all 0 when not usable */
    char coopmat_why[256];   /* why the cooperative-matrix matmul is not usable here; "" when it is */
    VkShaderModule modules[VKB_KERNEL_COUNT];
    VkDescriptorSetLayout set_layouts[VKB_KERNEL_COUNT];
    VkPipelineLayout layouts[VKB_KERNEL_COUNT];
    vkb_pipeline *pipelines;
    uint32_t pipeline_count, pipeline_capacity;
};

/* Waits on `fence` at most the context's timeout; TIMEOUT or DEVICE_LOST otherwise. */
vkbert_status vkb_wait_fence(vkbert_context *ctx, VkFence fence, const char *what);
vkbert_status vkb_wait_fence_ns(vkbert_context *ctx, VkFence fence, const char *what, uint64_t timeout_ns);
/* Submits command buffers (one batch each) and signals `fence` (may be VK_NULL_HANDLE) and,
 * when `timeline` is not VK_NULL_HANDLE, that timeline semaphore to `value` after the last. */
vkbert_status vkb_submit(vkbert_context *ctx, const VkCommandBuffer *cmds, uint32_t count, VkFence fence,
                         VkSemaphore timeline, uint64_t value);
/* The one helper every barrier goes through; `reason` documents the hazard it covers. */
void vkb_barrier(VkCommandBuffer cmd, VkPipelineStageFlags src_stage, VkAccessFlags src_access,
                 VkPipelineStageFlags dst_stage, VkAccessFlags dst_access, const char *reason);

/* ---- memory.c ------------------------------------------------------------------- */
typedef enum vkb_memory_kind {
    VKB_MEM_DEVICE,    /* weights and activations */
    VKB_MEM_UPLOAD,    /* host-written every call: inputs (persistently mapped) */
    VKB_MEM_READBACK   /* results copied here for the host (persistently mapped) */
} vkb_memory_kind;

typedef struct vkb_buffer {
    VkBuffer buffer;
    VkDeviceMemory memory;
    VkDeviceSize size;     /* bytes */
    void *mapped;          /* non-NULL when host-visible */
    VkBufferView view;     /* a texel view of the whole buffer, when one was made */
    bool f16;              /* holds float16 values */
} vkb_buffer;

vkbert_status vkb_buffer_create(vkbert_context *ctx, VkDeviceSize size, vkb_memory_kind kind,
                                const char *what, vkb_buffer *out);
void vkb_buffer_destroy(vkbert_context *ctx, vkb_buffer *b);
/* A matrix of `rows` rows stored in parts: each part is its own buffer of whole rows,
 * small enough to be one storage binding (and one texel view, when it has one). Tensors
 * that may outgrow a binding (embedding tables, linear weights, logits, activations)
 * are kept so; a tensor within the limits is one part. */
typedef struct vkb_split {
    vkb_buffer *part;
    uint32_t count;
    uint32_t rows;        /* in all */
    uint32_t part_rows;   /* in every part but the last, a multiple of the row unit */
    bool rows8;           /* repacked in groups of 8 rows for matmul_texel (else row-major) */
} vkb_split;
/* The rows per part for rows of `row_bytes` (a multiple of `unit` rows, at most `rows`), at
 * most `max_bytes` per part (0: the context's max_binding); 0 when not even `unit` rows fit. */
uint32_t vkb_split_rows(const vkbert_context *ctx, uint64_t rows, uint64_t row_bytes, uint32_t unit,
                        VkDeviceSize max_bytes);
/* Creates the parts (part_rows from vkb_split_rows; UNSUPPORTED with a message naming
 * `what` when no part fits). A part holds its rows rounded up to `unit` (room for the
 * padding of packed layouts). */
vkbert_status vkb_split_create(vkbert_context *ctx, uint64_t rows, uint64_t row_bytes, uint32_t unit,
                               VkDeviceSize max_bytes, vkb_memory_kind kind, const char *what, vkb_split *out);
/* Rows held by part i. */
uint32_t vkb_split_part_count(const vkb_split *s, uint32_t i);
uint64_t vkb_split_bytes(const vkb_split *s);
void vkb_split_destroy(vkbert_context *ctx, vkb_split *s);
/* The texel view limit in bytes for views of `texel_bytes` texels. */
VkDeviceSize vkb_texel_view_max_bytes(const vkbert_context *ctx, VkDeviceSize texel_bytes);

/* Repacks a [n, k] row-major matrix (k a multiple of 4) for matmul_texel: texel
 * ((row / 8) * k/4 + k4) * 8 + row % 8 holds row's elements 4*k4 .. 4*k4+3; rows past n
 * are zero. `out` holds ceil(n / 8) * 8 * k floats. */
void vkb_repack_rows8(const float *w, uint32_t n, uint32_t k, float *out);
/* Makes b->view, a texel view of the whole buffer in `format` (RGBA32F or RGBA16F). */
vkbert_status vkb_buffer_make_view(vkbert_context *ctx, vkb_buffer *b, VkFormat format);
/* Produces `bytes` bytes of the destination starting at byte `offset` into `dst`. */
typedef vkbert_status (*vkb_fill_fn)(void *dst, size_t offset, size_t bytes, void *user);
/* Fills `b` with data from `fill`: directly when the buffer is mapped, otherwise through
 * the bounded staging buffer in chunks. */
vkbert_status vkb_buffer_upload(vkbert_context *ctx, vkb_buffer *b, vkb_fill_fn fill, void *user);
vkbert_status vkb_buffer_upload_bytes(vkbert_context *ctx, vkb_buffer *b, const void *data,
                                      size_t bytes);
/* Copies device buffer contents to host memory (through a staging buffer if needed). */
vkbert_status vkb_buffer_download(vkbert_context *ctx, vkb_buffer *b, void *dst, size_t bytes);

/* ---- pipeline.c ----------------------------------------------------------------- */
typedef struct vkb_kernel_desc {
    const char *name;
    const uint32_t *code;
    const size_t *code_bytes;
    uint32_t bindings;     /* storage buffers, binding 0..n-1 */
    uint32_t push_bytes;
    uint32_t spec_count;
    uint32_t texel_mask;   /* bit i: binding i is a uniform texel buffer, not a storage buffer */
    bool vulkan13;         /* SPIR-V for Vulkan 1.3 (cooperative matrix): *code_bytes 0 when not built */
} vkb_kernel_desc;
const vkb_kernel_desc *vkb_kernel(uint32_t kernel);
vkbert_status vkb_pipeline_get(vkbert_context *ctx, uint32_t kernel, const uint32_t *spec,
                               VkPipeline *out);
void vkb_pipelines_destroy(vkbert_context *ctx);

/* ---- pipeline_cache.c ------------------------------------------------------------- */
/* The cache file: `requested` (desc), else $VKBERT_PIPELINE_CACHE, else the user's cache
 * directory; *out stays NULL when disabled ("") or when there is nowhere to keep it. */
vkbert_status vkb_pipeline_cache_path(vkbert_context *ctx, const char *requested, char **out);
/* Creates ctx->cache from `data` if given, else from the file at `path` when it is valid. */
vkbert_status vkb_pipeline_cache_create(vkbert_context *ctx, const void *data, size_t size, const char *path);
/* Writes the file when pipelines were created since it was last written; 0 or an errno. */
int vkb_pipeline_cache_save(vkbert_context *ctx);

/* ---- graph.c -------------------------------------------------------------------- */
/* One recorded dispatch: which kernel, which buffers, push constants, grid. */
typedef struct vkb_binding {
    VkBuffer buffer;
    VkDeviceSize offset, range;   /* bytes */
    VkBufferView view;            /* texel-buffer bindings only */
} vkb_binding;

/* What an op computes, for profiles (names in graph.c). */
enum { VKB_OP_OTHER, VKB_OP_EMBED, VKB_OP_QKV, VKB_OP_ATTENTION, VKB_OP_ATTN_OUT, VKB_OP_LAYERNORM, VKB_OP_FFN_UP,
       VKB_OP_FFN_DOWN, VKB_OP_HEAD_GATHER, VKB_OP_HEAD_DENSE, VKB_OP_HEAD_LAYERNORM, VKB_OP_HEAD_DECODER,
       VKB_OP_TOPK, VKB_OP_POOL, VKB_OP_L2NORM, VKB_OP_CLASSIFIER, VKB_OP_GLU, VKB_OP_KIND_COUNT };
const char *vkb_op_kind_name(uint32_t kind);

typedef struct vkb_op {
    uint32_t kernel;
    uint8_t kind;                 /* VKB_OP_* */
    int16_t layer;                /* encoder layer, -1 outside the layers */
    double flops;                 /* analytic; indirect ops: per row they run on */
    uint32_t spec[VKB_MAX_SPEC];
    vkb_binding bind[VKB_MAX_BINDINGS];
    uint8_t writes;               /* bit i: binding i is written */
    uint8_t push[VKB_PUSH_MAX_BYTES];
    uint32_t groups[3];
    int32_t indirect;             /* >= 0: workgroup counts come from slot `indirect` of
                                     the program's indirect buffer, written per run */
} vkb_op;

typedef struct vkb_program {
    VkDescriptorPool pool;
    VkCommandBuffer *cmds;   /* one per submission-sized chunk of ops */
    uint32_t cmd_count;
    bool cmds_allocated;
    uint8_t *plan;           /* per op: VKB_PLAN_*, what precedes it */
    VkFence fence;
    VkSemaphore timeline; /* where the device has them: signalled to timeline_value by each run */
    uint64_t timeline_value;
    VkBuffer indirect;    /* VkDispatchIndirectCommand slots, host-written */
    bool profile;         /* write a timestamp after every op */
    VkQueryPool queries;  /* op_count + 1 timestamps */
    bool recorded;
    bool pending;         /* submitted and not yet seen complete */
    vkb_op *ops;
    uint32_t op_count, op_capacity;
} vkb_program;

vkb_binding vkb_bind(const vkb_buffer *b);
vkb_binding vkb_bind_view(const vkb_buffer *b); /* b->view as a uniform texel buffer */
vkb_binding vkb_bind_range(const vkb_buffer *b, VkDeviceSize offset, VkDeviceSize range);
enum { VKB_PLAN_NONE, VKB_PLAN_BARRIER, VKB_PLAN_NEW_CMD };
/* Decides what precedes each op: nothing, a compute barrier (the op reads or writes what
 * an op since the last barrier wrote, or writes what one read), or a new command buffer
 * (every `per_cmd` ops; 0 = one command buffer), which starts with a full barrier. */
void vkb_plan_barriers(const vkb_op *ops, uint32_t n, uint32_t per_cmd, uint8_t *before);
vkbert_status vkb_program_add(vkbert_context *ctx, vkb_program *p, const vkb_op *op);
/* Allocates descriptor sets and records all ops (with a barrier between dependent
 * dispatches), followed by `copies` (buffer to buffer) for readback. */
typedef struct vkb_copy { VkBuffer src, dst; VkDeviceSize src_offset, dst_offset, bytes; } vkb_copy;
vkbert_status vkb_program_record(vkbert_context *ctx, vkb_program *p, const vkb_copy *copies,
                                 uint32_t copy_count);
/* Records if needed and submits (after the previous run finished); returns at once. */
vkbert_status vkb_program_submit(vkbert_context *ctx, vkb_program *p);
/* Waits for the last submit at most timeout_ns; 0 polls (VKBERT_NOT_READY if running). */
vkbert_status vkb_program_wait(vkbert_context *ctx, vkb_program *p, uint64_t timeout_ns);
/* Submits and waits with the context's timeout. */
vkbert_status vkb_program_run(vkbert_context *ctx, vkb_program *p);
void vkb_program_destroy(vkbert_context *ctx, vkb_program *p);
/* GPU milliseconds of each op in the last run of a profiled program (op_count values). */
vkbert_status vkb_program_timings(vkbert_context *ctx, const vkb_program *p, double *ms);
/* Splits a count of workgroups over x and y so each stays inside the device's limit. */
void vkb_grid_rows(const vkbert_context *ctx, uint32_t rows, uint32_t groups[3]);

/* ---- text/lower.c ---------------------------------------------------------------- */
/* The text lowercased as Python's str.lower() (a NUL-terminated copy to free with vkb_free);
 * VKBERT_ERROR_INVALID_TEXT for invalid UTF-8. */
vkbert_status vkb_utf8_lower(const char *s, size_t len, char **out, size_t *out_len);

/* ---- json_util.c ---------------------------------------------------------------- */
struct cJSON;
/* Parses JSON rejecting duplicate keys in any object (cJSON keeps them silently) and
 * nesting deeper than max_depth. On failure writes a message to err. */
struct cJSON *vkb_json_parse(const char *text, size_t len, int max_depth, char *err,
                             size_t errlen);
/* Typed members, so that every reader of a JSON file refuses a wrong type the same way:
 * "PATH: \"KEY\" must be a boolean, not a string" (VKBERT_ERROR_MODEL_FORMAT). An absent
 * member, or null (which Hugging Face writes for "not set"), gives *out NULL (the getters of
 * values: *out left as it was, the caller's default) and VKBERT_OK; so does an `obj` that is
 * not an object. */
typedef enum vkb_json_type { VKB_JSON_BOOL, VKB_JSON_NUMBER, VKB_JSON_STRING, VKB_JSON_ARRAY, VKB_JSON_OBJECT } vkb_json_type;
vkbert_status vkb_json_get(vkbert_context *ctx, const struct cJSON *obj, const char *path, const char *key,
                           vkb_json_type type, const struct cJSON **out);
vkbert_status vkb_json_bool(vkbert_context *ctx, const struct cJSON *obj, const char *path, const char *key,
                            bool *out);
vkbert_status vkb_json_string(vkbert_context *ctx, const struct cJSON *obj, const char *path, const char *key,
                              const char **out);
/* "a string", "a number", "null", ... for messages. */
const char *vkb_json_type_name(const struct cJSON *j);
/* The error above, for a value `j` found not to be of `type`. */
vkbert_status vkb_json_type_error(vkbert_context *ctx, const char *path, const char *key, vkb_json_type type,
                                  const struct cJSON *j);

/* ---- safetensors.c -------------------------------------------------------------- */
typedef enum vkb_dtype { VKB_F32, VKB_F16, VKB_BF16, VKB_OTHER } vkb_dtype;
#define VKB_MAX_RANK 8
typedef struct vkb_tensor_info {
    char *name;
    vkb_dtype dtype;
    char dtype_name[16];
    uint32_t rank;
    uint64_t shape[VKB_MAX_RANK];
    uint64_t count;            /* elements */
    uint64_t begin, end;       /* bytes, relative to the data section */
} vkb_tensor_info;

typedef struct vkb_safetensors {
    char *path;                /* file path, or a name for a memory buffer */
    void *file;                /* FILE *, open while the struct is */
    const uint8_t *memory;     /* or the bytes of a memory buffer (not owned) */
    uint64_t file_size;
    uint64_t data_offset;      /* 8 + header length */
    vkb_tensor_info *tensors;
    uint32_t count;
} vkb_safetensors;

#define VKB_SAFETENSORS_MAX_HEADER (100u * 1024u * 1024u)
vkbert_status vkb_safetensors_open(vkbert_context *ctx, const char *path, vkb_safetensors *out);
vkbert_status vkb_safetensors_open_memory(vkbert_context *ctx, const char *name, const void *data, size_t size,
                                          vkb_safetensors *st);
void vkb_safetensors_close(vkb_safetensors *st);
const vkb_tensor_info *vkb_safetensors_find(const vkb_safetensors *st, const char *name);
/* Reads tensor `t` converted to fp32 into dst (t->count floats). */
vkbert_status vkb_safetensors_read_f32(vkbert_context *ctx, const vkb_safetensors *st,
                                       const vkb_tensor_info *t, float *dst);
float vkb_half_to_float(uint16_t h);
uint16_t vkb_float_to_half(float f);
float vkb_bf16_to_float(uint16_t h);

/* ---- formats/checkpoint.c ------------------------------------------------------- */
/* Opens `dir`'s model.safetensors, or the shards its model.safetensors.index.json lists; the
 * caller closes and frees *shards (also after a failure: *count is what was opened). */
vkbert_status vkb_checkpoint_open(vkbert_context *ctx, const char *dir, vkb_safetensors **shards, uint32_t *count);

/* ---- formats/hf_config.c -------------------------------------------------------- */
/* config.json -> the family its model_type names (cfg->family) -> that family's fields. */
vkbert_status vkb_config_parse(vkbert_context *ctx, const char *json, size_t len,
                               const char *path, vkbert_model_config *cfg);
/* Getters for the family parsers. def 0: the key is required. */
vkbert_status vkb_config_u32(vkbert_context *ctx, const struct cJSON *root, const char *path, const char *key,
                             uint32_t def, uint32_t lo, uint32_t hi, uint32_t *out);
/* A LayerNorm epsilon in (0, 1]; 1e-12 when absent. */
vkbert_status vkb_config_eps(vkbert_context *ctx, const struct cJSON *root, const char *path, const char *key,
                             float *out);
/* The matmul epilogue's activations (spec constant ACT; shaders/common.glsl's vkb_act). */
enum { VKB_ACT_NONE, VKB_ACT_GELU, VKB_ACT_TANH, VKB_ACT_RELU, VKB_ACT_GELU_TANH, VKB_ACT_SILU };
/* The encoder's activation under `key`: "gelu" (also "gelu_python": the exact erf GELU),
 * "gelu_new" (also "gelu_pytorch_tanh": its tanh approximation) or "silu" (also "swish"); *out gets
 * the canonical name, `def` when the key is absent. Any other is VKBERT_ERROR_UNSUPPORTED. */
vkbert_status vkb_config_act(vkbert_context *ctx, const struct cJSON *root, const char *path, const char *key,
                             const char *def, const char **out);
/* The matmul ACT of a config's hidden_act (NULL: the exact GELU). */
uint32_t vkb_act_code(const char *hidden_act);
/* id2label (in id order; NULL/0 without one) and whether problem_type is multi-label. */
vkbert_status vkb_config_labels(vkbert_context *ctx, const char *json, size_t len, const char *path, char ***labels,
                                uint32_t *count, bool *multi_label);
/* Caps well above any published BERT, so that a hostile config cannot ask for absurd
 * allocations before the weights are even looked at. */
#define VKB_MAX_VOCAB (1u << 22)
#define VKB_MAX_HIDDEN 16384u
#define VKB_MAX_LAYERS 256u
#define VKB_MAX_HEADS 1024u
#define VKB_MAX_INTERMEDIATE 65536u
#define VKB_MAX_POSITIONS 65536u
#define VKB_MAX_TYPES 1024u

/* ---- text/tokenizer.c (the stages: text/text_internal.h) ------------------------- */
vkbert_status vkb_tokenizer_from_vocab(const char *vocab, size_t len, const char *path,
                                       bool lowercase, bool strip_accents, bool chinese,
                                       vkbert_tokenizer **out);
int32_t vkb_tokenizer_special(const vkbert_tokenizer *tok, int which); /* 0 PAD 1 UNK 2 CLS 3 SEP 4 MASK */
/* What `tok` was read from ("tokenizer.json", "vocab.json + merges.txt", "vocab.txt", or
 * "memory" for the _memory and _json loaders) and its model ("WordPiece", "BPE", "Unigram"). */
const char *vkb_tokenizer_source(const vkbert_tokenizer *tok);
const char *vkb_tokenizer_model(const vkbert_tokenizer *tok);
/* As vkbert_tokenizer_encode_special, and each token's word in `words` (may be NULL): the index
 * of the pre-token it came from (a special token written in the text is a word of its own), as
 * Hugging Face's word ids but counted across both texts; template tokens get the next index. */
vkbert_status vkb_tokenizer_encode_words(const vkbert_tokenizer *tok, const char *text, size_t text_bytes,
                                         const char *pair, size_t pair_bytes, int32_t *ids, int32_t *type_ids,
                                         vkbert_offset *offsets, uint8_t *special_mask, uint32_t *words,
                                         size_t capacity, size_t *count);
/* Hugging Face's continuing_subword_prefix of the tokenizer's model ("##" for WordPiece and
 * vocab.txt); NULL when it has none (BPE without one, Unigram). */
const char *vkb_tokenizer_subword_prefix(const vkbert_tokenizer *tok);
/* transformers' convert_tokens_to_string: token strings through the tokenizer's decoder into
 * *text (vkb_malloc'd). */
vkbert_status vkb_tokenizer_decode_tokens(const vkbert_tokenizer *tok, const char *const *tokens, size_t n,
                                          char **text);

#endif
