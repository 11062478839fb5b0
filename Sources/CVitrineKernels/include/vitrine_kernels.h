#ifndef VITRINE_KERNELS_H
#define VITRINE_KERNELS_H
// Vectorized CPU kernels (AVX-512 / AVX2+FMA / portable), chosen at run time.
int vitrine_kernels_version(void);
#endif
