/* Vulkan entry points, loaded at run time (no link-time dependency on the loader): every
 * vkX used in runtime/src resolves to the pointer vkb_fn_vkX filled by loader.c. */
#ifndef VKB_VULKAN_H
#define VKB_VULKAN_H
#ifndef VK_NO_PROTOTYPES
#  define VK_NO_PROTOTYPES
#endif
#include <vulkan/vulkan.h>

/* VK_KHR_cooperative_matrix (Vulkan headers 1.3.255 and later), for older headers such as
 * Debian 12's 1.3.239: the enum values and structures of the extension's specification. */
#ifndef VK_KHR_cooperative_matrix
#define VK_KHR_cooperative_matrix 1
#define VK_KHR_COOPERATIVE_MATRIX_EXTENSION_NAME "VK_KHR_cooperative_matrix"
#define VK_STRUCTURE_TYPE_PHYSICAL_DEVICE_COOPERATIVE_MATRIX_FEATURES_KHR ((VkStructureType)1000506000)
#define VK_STRUCTURE_TYPE_COOPERATIVE_MATRIX_PROPERTIES_KHR ((VkStructureType)1000506001)
typedef enum VkComponentTypeKHR {
    VK_COMPONENT_TYPE_FLOAT16_KHR = 0,
    VK_COMPONENT_TYPE_FLOAT32_KHR = 1,
    VK_COMPONENT_TYPE_MAX_ENUM_KHR = 0x7FFFFFFF
} VkComponentTypeKHR;
typedef enum VkScopeKHR {
    VK_SCOPE_DEVICE_KHR = 1,
    VK_SCOPE_WORKGROUP_KHR = 2,
    VK_SCOPE_SUBGROUP_KHR = 3,
    VK_SCOPE_QUEUE_FAMILY_KHR = 5,
    VK_SCOPE_MAX_ENUM_KHR = 0x7FFFFFFF
} VkScopeKHR;
typedef struct VkCooperativeMatrixPropertiesKHR {
    VkStructureType sType;
    void *pNext;
    uint32_t MSize, NSize, KSize;
    VkComponentTypeKHR AType, BType, CType, ResultType;
    VkBool32 saturatingAccumulation;
    VkScopeKHR scope;
} VkCooperativeMatrixPropertiesKHR;
typedef struct VkPhysicalDeviceCooperativeMatrixFeaturesKHR {
    VkStructureType sType;
    void *pNext;
    VkBool32 cooperativeMatrix;
    VkBool32 cooperativeMatrixRobustBufferAccess;
} VkPhysicalDeviceCooperativeMatrixFeaturesKHR;
typedef VkResult(VKAPI_PTR *PFN_vkGetPhysicalDeviceCooperativeMatrixPropertiesKHR)(
    VkPhysicalDevice physicalDevice, uint32_t *pPropertyCount, VkCooperativeMatrixPropertiesKHR *pProperties);
#endif

/* Portability (MoltenVK on macOS behind a current loader), for headers older than 1.3.216
 * (VK_KHR_portability_enumeration) and without the provisional vulkan_beta.h
 * (VK_KHR_portability_subset, whose features vkbert does not read: see device.c). */
#ifndef VK_KHR_portability_enumeration
#define VK_KHR_portability_enumeration 1
#define VK_KHR_PORTABILITY_ENUMERATION_EXTENSION_NAME "VK_KHR_portability_enumeration"
#define VK_INSTANCE_CREATE_ENUMERATE_PORTABILITY_BIT_KHR ((VkInstanceCreateFlagBits)0x00000001)
#endif
#ifndef VK_KHR_PORTABILITY_SUBSET_EXTENSION_NAME
#define VK_KHR_PORTABILITY_SUBSET_EXTENSION_NAME "VK_KHR_portability_subset"
#endif

#define VKB_VULKAN_GLOBAL_FUNCS(X) \
    X(vkCreateInstance) \
    X(vkEnumerateInstanceExtensionProperties) \
    X(vkEnumerateInstanceLayerProperties) \
    X(vkEnumerateInstanceVersion) \

#define VKB_VULKAN_INSTANCE_FUNCS(X) \
    X(vkAllocateCommandBuffers) \
    X(vkAllocateDescriptorSets) \
    X(vkAllocateMemory) \
    X(vkBeginCommandBuffer) \
    X(vkBindBufferMemory) \
    X(vkCmdBindDescriptorSets) \
    X(vkCmdBindPipeline) \
    X(vkCmdCopyBuffer) \
    X(vkCmdDispatch) \
    X(vkCmdDispatchIndirect) \
    X(vkCmdPipelineBarrier) \
    X(vkCmdPushConstants) \
    X(vkCmdResetQueryPool) \
    X(vkCmdWriteTimestamp) \
    X(vkCreateBuffer) \
    X(vkCreateBufferView) \
    X(vkCreateCommandPool) \
    X(vkCreateComputePipelines) \
    X(vkCreateDescriptorPool) \
    X(vkCreateDescriptorSetLayout) \
    X(vkCreateDevice) \
    X(vkCreateFence) \
    X(vkCreatePipelineCache) \
    X(vkCreatePipelineLayout) \
    X(vkCreateQueryPool) \
    X(vkCreateSemaphore) \
    X(vkCreateShaderModule) \
    X(vkDestroyBuffer) \
    X(vkDestroyBufferView) \
    X(vkDestroyCommandPool) \
    X(vkDestroyDescriptorPool) \
    X(vkDestroyDescriptorSetLayout) \
    X(vkDestroyDevice) \
    X(vkDestroyFence) \
    X(vkDestroyInstance) \
    X(vkDestroyPipeline) \
    X(vkDestroyPipelineCache) \
    X(vkDestroyPipelineLayout) \
    X(vkDestroyQueryPool) \
    X(vkDestroySemaphore) \
    X(vkDestroyShaderModule) \
    X(vkEndCommandBuffer) \
    X(vkEnumerateDeviceExtensionProperties) \
    X(vkEnumeratePhysicalDevices) \
    X(vkFreeCommandBuffers) \
    X(vkFreeMemory) \
    X(vkGetBufferMemoryRequirements) \
    X(vkGetDeviceQueue) \
    X(vkGetFenceStatus) \
    X(vkGetPhysicalDeviceFeatures2) \
    X(vkGetPhysicalDeviceFormatProperties) \
    X(vkGetPhysicalDeviceMemoryProperties) \
    X(vkGetPhysicalDeviceProperties) \
    X(vkGetPhysicalDeviceProperties2) \
    X(vkGetPhysicalDeviceQueueFamilyProperties) \
    X(vkGetPipelineCacheData) \
    X(vkGetQueryPoolResults) \
    X(vkMapMemory) \
    X(vkQueueSubmit) \
    X(vkResetFences) \
    X(vkUpdateDescriptorSets) \
    X(vkWaitForFences) \

#define VKB_DECLARE_FN(name) extern PFN_##name vkb_fn_##name;
extern PFN_vkGetInstanceProcAddr vkb_fn_vkGetInstanceProcAddr;
VKB_VULKAN_GLOBAL_FUNCS(VKB_DECLARE_FN)
VKB_VULKAN_INSTANCE_FUNCS(VKB_DECLARE_FN)
#undef VKB_DECLARE_FN

#define vkGetInstanceProcAddr vkb_fn_vkGetInstanceProcAddr
#define vkCreateInstance vkb_fn_vkCreateInstance
#define vkEnumerateInstanceExtensionProperties vkb_fn_vkEnumerateInstanceExtensionProperties
#define vkEnumerateInstanceLayerProperties vkb_fn_vkEnumerateInstanceLayerProperties
#define vkEnumerateInstanceVersion vkb_fn_vkEnumerateInstanceVersion
#define vkAllocateCommandBuffers vkb_fn_vkAllocateCommandBuffers
#define vkAllocateDescriptorSets vkb_fn_vkAllocateDescriptorSets
#define vkAllocateMemory vkb_fn_vkAllocateMemory
#define vkBeginCommandBuffer vkb_fn_vkBeginCommandBuffer
#define vkBindBufferMemory vkb_fn_vkBindBufferMemory
#define vkCmdBindDescriptorSets vkb_fn_vkCmdBindDescriptorSets
#define vkCmdBindPipeline vkb_fn_vkCmdBindPipeline
#define vkCmdCopyBuffer vkb_fn_vkCmdCopyBuffer
#define vkCmdDispatch vkb_fn_vkCmdDispatch
#define vkCmdDispatchIndirect vkb_fn_vkCmdDispatchIndirect
#define vkCmdPipelineBarrier vkb_fn_vkCmdPipelineBarrier
#define vkCmdPushConstants vkb_fn_vkCmdPushConstants
#define vkCmdResetQueryPool vkb_fn_vkCmdResetQueryPool
#define vkCmdWriteTimestamp vkb_fn_vkCmdWriteTimestamp
#define vkCreateBuffer vkb_fn_vkCreateBuffer
#define vkCreateBufferView vkb_fn_vkCreateBufferView
#define vkCreateCommandPool vkb_fn_vkCreateCommandPool
#define vkCreateComputePipelines vkb_fn_vkCreateComputePipelines
#define vkCreateDescriptorPool vkb_fn_vkCreateDescriptorPool
#define vkCreateDescriptorSetLayout vkb_fn_vkCreateDescriptorSetLayout
#define vkCreateDevice vkb_fn_vkCreateDevice
#define vkCreateFence vkb_fn_vkCreateFence
#define vkCreatePipelineCache vkb_fn_vkCreatePipelineCache
#define vkCreatePipelineLayout vkb_fn_vkCreatePipelineLayout
#define vkCreateQueryPool vkb_fn_vkCreateQueryPool
#define vkCreateSemaphore vkb_fn_vkCreateSemaphore
#define vkCreateShaderModule vkb_fn_vkCreateShaderModule
#define vkDestroyBuffer vkb_fn_vkDestroyBuffer
#define vkDestroyBufferView vkb_fn_vkDestroyBufferView
#define vkDestroyCommandPool vkb_fn_vkDestroyCommandPool
#define vkDestroyDescriptorPool vkb_fn_vkDestroyDescriptorPool
#define vkDestroyDescriptorSetLayout vkb_fn_vkDestroyDescriptorSetLayout
#define vkDestroyDevice vkb_fn_vkDestroyDevice
#define vkDestroyFence vkb_fn_vkDestroyFence
#define vkDestroyInstance vkb_fn_vkDestroyInstance
#define vkDestroyPipeline vkb_fn_vkDestroyPipeline
#define vkDestroyPipelineCache vkb_fn_vkDestroyPipelineCache
#define vkDestroyPipelineLayout vkb_fn_vkDestroyPipelineLayout
#define vkDestroyQueryPool vkb_fn_vkDestroyQueryPool
#define vkDestroySemaphore vkb_fn_vkDestroySemaphore
#define vkDestroyShaderModule vkb_fn_vkDestroyShaderModule
#define vkEndCommandBuffer vkb_fn_vkEndCommandBuffer
#define vkEnumerateDeviceExtensionProperties vkb_fn_vkEnumerateDeviceExtensionProperties
#define vkEnumeratePhysicalDevices vkb_fn_vkEnumeratePhysicalDevices
#define vkFreeCommandBuffers vkb_fn_vkFreeCommandBuffers
#define vkFreeMemory vkb_fn_vkFreeMemory
#define vkGetBufferMemoryRequirements vkb_fn_vkGetBufferMemoryRequirements
#define vkGetDeviceQueue vkb_fn_vkGetDeviceQueue
#define vkGetFenceStatus vkb_fn_vkGetFenceStatus
#define vkGetPhysicalDeviceFeatures2 vkb_fn_vkGetPhysicalDeviceFeatures2
#define vkGetPhysicalDeviceFormatProperties vkb_fn_vkGetPhysicalDeviceFormatProperties
#define vkGetPhysicalDeviceMemoryProperties vkb_fn_vkGetPhysicalDeviceMemoryProperties
#define vkGetPhysicalDeviceProperties vkb_fn_vkGetPhysicalDeviceProperties
#define vkGetPhysicalDeviceProperties2 vkb_fn_vkGetPhysicalDeviceProperties2
#define vkGetPhysicalDeviceQueueFamilyProperties vkb_fn_vkGetPhysicalDeviceQueueFamilyProperties
#define vkGetPipelineCacheData vkb_fn_vkGetPipelineCacheData
#define vkGetQueryPoolResults vkb_fn_vkGetQueryPoolResults
#define vkMapMemory vkb_fn_vkMapMemory
#define vkQueueSubmit vkb_fn_vkQueueSubmit
#define vkResetFences vkb_fn_vkResetFences
#define vkUpdateDescriptorSets vkb_fn_vkUpdateDescriptorSets
#define vkWaitForFences vkb_fn_vkWaitForFences

#endif
