#ifndef CBLAS_SHIM_H
#define CBLAS_SHIM_H
/* OpenBLAS's cblas.h also declares openblas_set_num_threads / openblas_get_num_threads / openblas_get_corename. */
#include <cblas.h>
#include <stdlib.h>
#include <string.h>

/* OpenBLAS's DYNAMIC_ARCH builds (Debian's) export these from driver/others/dynamic.c without declaring them:
   quit forgets the kernel table, init chooses one again, honouring OPENBLAS_CORETYPE. Weak, so a build without
   them still links and campus_blas_select_kernels then changes nothing. */
extern void gotoblas_dynamic_init(void) __attribute__((weak));
extern void gotoblas_dynamic_quit(void) __attribute__((weak));

/// 1 when OpenBLAS's kernel set `core` (its corename) uses AVX2 or better.
static inline int campus_blas_core_has_avx2(const char *core) {
    static const char *const modern[] = {"Haswell", "Zen", "SkylakeX", "Cooperlake", "SapphireRapids", "Excavator"};
    for (size_t i = 0; i < sizeof modern / sizeof modern[0]; i++)
        if (strcmp(core, modern[i]) == 0) return 1;
    return 0;
}

/// OpenBLAS picks its kernels by the CPU's vendor, family and model numbers. A CPU newer than the library, or
/// a virtual machine that reports a generic model ("Intel(R) Xeon(R) Processor"), gets the SSE3 fallback
/// "Prescott": on an AVX-512 machine its sgemm is ~3.7× slower than "SkylakeX". When OPENBLAS_CORETYPE is not
/// set (an explicit choice always wins) and the chosen kernels lack AVX2 although the CPU and OS have it, this
/// chooses again through OpenBLAS's own OPENBLAS_CORETYPE path (which checks the OS saves the AVX-512 state):
/// "SkylakeX" with AVX-512 F/CD/BW/DQ/VL, else "Haswell" with AVX2+FMA.
///
/// Call it once at start-up, before any thread uses BLAS: between quit and init no kernel table is set.
/// Returns the kernels' new name when it changed them (OPENBLAS_CORETYPE is then set, so child processes
/// start with them), NULL when it left them alone.
static inline const char *campus_blas_select_kernels(void) {
#if defined(__x86_64__)
    if (!gotoblas_dynamic_init || !gotoblas_dynamic_quit || getenv("OPENBLAS_CORETYPE")) return NULL;
    const char *current = openblas_get_corename();
    if (current == NULL || campus_blas_core_has_avx2(current)) return NULL;
    __builtin_cpu_init();
    const char *wanted = NULL;
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") && __builtin_cpu_supports("avx512bw")
        && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        wanted = "SkylakeX";
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        wanted = "Haswell";
    if (wanted == NULL) return NULL;
    setenv("OPENBLAS_CORETYPE", wanted, 1);
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
    const char *now = openblas_get_corename();
    return (now != NULL && strcmp(now, current) != 0) ? now : NULL;
#else
    return NULL;
#endif
}
#endif
