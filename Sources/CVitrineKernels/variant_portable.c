// Portable instantiation of simd_template.h: 4-lane vector extensions, baseline ISA
// (SSE2 on x86-64, NEON on arm64). No FMA is assumed, so a*b+c stays two operations.
#define VK_W 4
#define VK_NAME(x) vk_##x##_portable
#define VK_FMA(a, b, c) ((a) * (b) + (c))
#define VK_OPS vk_ops_portable
#include "simd_template.h"
