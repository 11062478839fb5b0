// AVX2 + FMA (+ F16C, which every AVX2 CPU has) instantiation of simd_template.h (8 lanes, ymm registers).
#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma,f16c"))), apply_to = function)
#define VK_W 8
#define VK_NAME(x) vk_##x##_avx2
#define VK_FMA(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#define VK_OPS vk_ops_avx2
#include "simd_template.h"
#pragma clang attribute pop
#else
#include "kernels_internal.h"
const vk_ops vk_ops_avx2 = {0};
#endif
