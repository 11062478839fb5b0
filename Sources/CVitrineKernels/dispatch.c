// Variant selection: cpuid + xgetbv once, overridable by VITRINE_KERNELS or vk_set_variant.
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include "kernels_internal.h"
#if defined(__x86_64__)
#include <cpuid.h>
#endif

static _Atomic int chosen_variant = -1;
static _Atomic int thread_setting = -1;

#if defined(__x86_64__)
static unsigned long long read_xcr0(void) {
    unsigned int lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((unsigned long long)hi << 32) | lo;
}
#endif

int vk_variant_supported(int variant) {
    if (variant == VK_VARIANT_PORTABLE) return 1;
#if defined(__x86_64__)
    unsigned int a, b, c, d;
    if (!__get_cpuid(1, &a, &b, &c, &d)) return 0;
    int osxsave = (c >> 27) & 1, fma = (c >> 12) & 1, avx = (c >> 28) & 1, f16c = (c >> 29) & 1;
    if (!osxsave || !avx || !fma || !f16c) return 0;
    unsigned long long xcr0 = read_xcr0();
    if ((xcr0 & 0x6) != 0x6) return 0; // SSE and AVX state saved by the OS
    if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return 0;
    int avx2 = (b >> 5) & 1;
    if (variant == VK_VARIANT_AVX2) return avx2;
    if (variant == VK_VARIANT_AVX512) {
        int f = (b >> 16) & 1, dq = (b >> 17) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
        return avx2 && f && dq && bw && vl && (xcr0 & 0xe6) == 0xe6; // opmask + zmm state too
    }
#endif
    return 0;
}

static int best_variant(void) {
    const char *forced = getenv("VITRINE_KERNELS");
    if (forced) {
        int want = strcmp(forced, "avx512") == 0 ? VK_VARIANT_AVX512
                 : strcmp(forced, "avx2") == 0   ? VK_VARIANT_AVX2
                 : strcmp(forced, "portable") == 0 ? VK_VARIANT_PORTABLE : -1;
        if (want >= 0 && vk_variant_supported(want)) return want;
    }
    if (vk_variant_supported(VK_VARIANT_AVX512)) return VK_VARIANT_AVX512;
    if (vk_variant_supported(VK_VARIANT_AVX2)) return VK_VARIANT_AVX2;
    return VK_VARIANT_PORTABLE;
}

int vk_variant(void) {
    int v = atomic_load(&chosen_variant);
    if (v < 0) {
        v = best_variant();
        int expected = -1;
        if (!atomic_compare_exchange_strong(&chosen_variant, &expected, v)) v = expected;
    }
    return v;
}

int vk_set_variant(int variant) {
    if (variant < 0 || variant > VK_VARIANT_AVX512 || !vk_variant_supported(variant)) return 0;
    atomic_store(&chosen_variant, variant);
    return 1;
}

const char *vk_variant_name(int variant) {
    switch (variant) {
    case VK_VARIANT_AVX512: return "avx512";
    case VK_VARIANT_AVX2: return "avx2";
    case VK_VARIANT_PORTABLE: return "portable";
    default: return "unknown";
    }
}

const vk_ops *vk_ops_for(int variant) {
    switch (variant) {
    case VK_VARIANT_AVX512: return &vk_ops_avx512;
    case VK_VARIANT_AVX2: return &vk_ops_avx2;
    default: return &vk_ops_portable;
    }
}

const vk_ops *vk_ops_current(void) { return vk_ops_for(vk_variant()); }

int vk_threads(void) {
    int t = atomic_load(&thread_setting);
    if (t >= 0) return t;
    const char *env = getenv("VITRINE_THREADS");
    int parsed = env ? atoi(env) : 0;
    return parsed > 0 ? parsed : 0;
}

void vk_set_threads(int threads) { atomic_store(&thread_setting, threads < 0 ? -1 : threads); }

float vk_activate_scalar(float x, int act) {
    switch (act) {
    case VK_ACT_RELU: return x > 0 ? x : 0;
    case VK_ACT_RELU6: return x > 0 ? (x < 6 ? x : 6) : 0;
    case VK_ACT_GELU: return 0.5f * x * erfcf(-x * 0.70710678118654752f);
    default: return x;
    }
}

int vitrine_kernels_version(void) { return 2; }
