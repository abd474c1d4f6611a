# Every compute kernel vkbert embeds, one line each (read by cmake/Shaders.cmake). A line makes
# vkb_spv_<name> (shaders/<source>.comp compiled with -D<each define>), VKB_KERNEL_<NAME> (numbered
# in this order) and its vkb_kernel() entry. A new kernel is a line here, its shader and, if it
# needs a new one, its push struct in vkb_push.h.
#   name        C identifier: the kernel's name in profiles and in the generated symbols
#   source      shaders/<source>.comp; several kernels may compile one source differently
#   defines     -D definitions, ";"-separated and quoted, "" for none
#   bindings    descriptor bindings 0 .. bindings-1 (at most VKB_MAX_BINDINGS)
#   push        the push-constant struct vkb_push_<push> (shaders/vkb_push.h)
#   spec        specialization constants, constant_id 0 .. spec-1 (at most VKB_MAX_SPEC)
#   texel_mask  bit i set: binding i is a uniform texel buffer, not a storage buffer
#   vulkan      the SPIR-V target: 1.1 for every kernel that can run anywhere; 1.3 for those
#               that need it (cooperative matrix), compiled only when the shader tools can
#               (cmake/Dependencies.cmake) and used only on Vulkan 1.3 instances and devices
#
#             name                source           defines                  bindings push       spec texel_mask vulkan
vkbert_kernel(embed_ln            embed_ln         ""                       4        embed      1    0          1.1)
vkbert_kernel(matmul              matmul           ""                       4        matmul     2    0          1.1)
vkbert_kernel(attention           attention        ""                       3        attention  1    0          1.1)
vkbert_kernel(layernorm           layernorm        ""                       3        layernorm  0    0          1.1)
vkbert_kernel(gather              gather           ""                       3        gather     0    0          1.1)
vkbert_kernel(topk                topk             ""                       3        topk       0    0          1.1)
vkbert_kernel(matmul_texel        matmul_texel     ""                       4        matmul     4    0x3        1.1)
vkbert_kernel(attention_texel     attention_texel  ""                       3        attention  1    0x1        1.1)
vkbert_kernel(matmul_f16w         matmul           "W_F16=1"                4        matmul     2    0          1.1)
vkbert_kernel(matmul_tiled        matmul_tiled     ""                       4        matmul     7    0          1.1)
vkbert_kernel(matmul_tiled_f16w   matmul_tiled     "W_F16=1"                4        matmul     7    0          1.1)
vkbert_kernel(matmul_tiled_f16a   matmul_tiled     "W_F16=1;F16_ARITH=1"    4        matmul     7    0          1.1)
vkbert_kernel(peak                peak             ""                       1        peak       0    0          1.1)
vkbert_kernel(peak_fp16           peak_fp16        ""                       1        peak       0    0          1.1)
vkbert_kernel(bandwidth           bandwidth        ""                       2        peak       0    0          1.1)
vkbert_kernel(layernorm_rows      layernorm        "ROWS=1"                 3        layernorm  0    0          1.1)
vkbert_kernel(layernorm_texel     layernorm        "ROWS=1;TEXEL=1"         3        layernorm  0    0x1        1.1)
vkbert_kernel(pool                pool             ""                       3        pool       1    0          1.1)
vkbert_kernel(l2norm              l2norm           ""                       1        l2norm     0    0          1.1)
vkbert_kernel(matmul_coopmat      matmul_coopmat   ""                       4        matmul     7    0          1.3)
vkbert_kernel(matmul_coopmat_f16w matmul_coopmat   "W_F16=1"                4        matmul     7    0          1.3)
vkbert_kernel(peak_coopmat        peak_coopmat     ""                       1        peak       5    0          1.3)
vkbert_kernel(attention_probs       attention        "PROBS=1"             4        attention  1    0          1.1)
vkbert_kernel(attention_texel_probs attention_texel  "PROBS=1"             4        attention  1    0x1        1.1)
vkbert_kernel(glu                   glu              ""                    1        glu        2    0          1.1)
