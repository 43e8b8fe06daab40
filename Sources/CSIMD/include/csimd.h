#ifndef CSIMD_H
#define CSIMD_H
#include <stddef.h>
#include <stdint.h>

/// 1 when the CPU supports AVX2 and FMA (the fast kernels), 0 otherwise.
int csimd_has_avx2_fma(void);

#endif
