// AVX-512 instantiation of simd_template.h (16 lanes, zmm registers).
#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx512f,avx512vl,avx512bw,avx512dq,fma"))), apply_to = function)
#define VK_W 16
#define VK_NAME(x) vk_##x##_avx512
#define VK_FMA(a, b, c) __builtin_elementwise_fma((a), (b), (c))
#define VK_OPS vk_ops_avx512
#include "simd_template.h"
#pragma clang attribute pop
#else
#include "kernels_internal.h"
const vk_ops vk_ops_avx512 = {0};
#endif
