// Entry points for the row-wise kernels of the active variant.
#include "kernels_internal.h"

void vk_activate(float *x, long n, float bias, int activation) {
    if (activation == VK_ACT_NONE && bias == 0) return;
    vk_ops_current()->epilogue_row(x, n, bias, NULL, activation);
}

void vk_add(const float *x, const float *y, float *out, long n) { vk_ops_current()->add(x, y, out, n); }

void vk_scale(float *x, long n, float s) { vk_ops_current()->scale(x, n, s); }

float vk_sum(const float *x, long n) { return vk_ops_current()->sum(x, n); }

void vk_softmax_row(float *x, long n, float scale, const float *mask) {
    vk_ops_current()->softmax_row(x, n, scale, mask);
}

void vk_layer_norm_row(const float *x, float *y, long n, const float *gamma, const float *beta, float eps) {
    vk_ops_current()->layer_norm_row(x, y, n, gamma, beta, eps);
}
