#ifndef CSIMD_H
#define CSIMD_H
#include <stddef.h>
#include <stdint.h>

/// 1 when the CPU supports AVX2 and FMA (the fast kernels), 0 otherwise.
int csimd_has_avx2_fma(void);

/* ------------------------------------------------------------------------------------------------
 * f32 kernels. Every public kernel dispatches once per call on a flag computed at load time:
 * AVX2+FMA when the CPU has it, the portable scalar code otherwise. Any length n ≥ 0 is allowed
 * (tails are handled); pointers need no particular alignment.
 * ------------------------------------------------------------------------------------------------ */

/// Σ a[i]·b[i].
float csimd_dot_f32(const float *a, const float *b, size_t n);
/// Σ (a[i] − b[i])².
float csimd_l2sq_f32(const float *a, const float *b, size_t n);
/// a·b / (‖a‖‖b‖); 0 when either vector is zero.
float csimd_cosine_f32(const float *a, const float *b, size_t n);
/// Σ a[i]² (the squared norm).
float csimd_norm2_f32(const float *a, size_t n);

/// Scores one query against four rows at once (four rows in flight hide DRAM latency):
/// out[k] = q · r_k.
void csimd_dot4_f32(const float *q, const float *r0, const float *r1, const float *r2,
                    const float *r3, size_t n, float out[4]);
/// out[k] = ‖q − r_k‖².
void csimd_l2sq4_f32(const float *q, const float *r0, const float *r1, const float *r2,
                     const float *r3, size_t n, float out[4]);

/* The two implementations behind the dispatch, exported so tests can compare them.
 * The _avx2 versions must only be called when csimd_has_avx2_fma() is 1. */
float csimd_dot_f32_scalar(const float *a, const float *b, size_t n);
float csimd_l2sq_f32_scalar(const float *a, const float *b, size_t n);
float csimd_cosine_f32_scalar(const float *a, const float *b, size_t n);
void csimd_dot4_f32_scalar(const float *q, const float *r0, const float *r1, const float *r2,
                           const float *r3, size_t n, float out[4]);
void csimd_l2sq4_f32_scalar(const float *q, const float *r0, const float *r1, const float *r2,
                            const float *r3, size_t n, float out[4]);
float csimd_dot_f32_avx2(const float *a, const float *b, size_t n);
float csimd_l2sq_f32_avx2(const float *a, const float *b, size_t n);
float csimd_cosine_f32_avx2(const float *a, const float *b, size_t n);
void csimd_dot4_f32_avx2(const float *q, const float *r0, const float *r1, const float *r2,
                         const float *r3, size_t n, float out[4]);
void csimd_l2sq4_f32_avx2(const float *q, const float *r0, const float *r1, const float *r2,
                          const float *r3, size_t n, float out[4]);

/* ------------------------------------------------------------------------------------------------
 * int8 kernels for quantized traversal. Codes lie in [-127, 127]; sums are exact in int32 for
 * n ≤ 65,000 (127² · n and 254² · n fit).
 * ------------------------------------------------------------------------------------------------ */

/// Σ a[i]·b[i] over int8 codes.
int32_t csimd_dot_i8(const int8_t *a, const int8_t *b, size_t n);
/// Σ (a[i] − b[i])² over int8 codes.
int32_t csimd_l2sq_i8(const int8_t *a, const int8_t *b, size_t n);
/// Four rows at once: out[k] = q · r_k.
void csimd_dot4_i8(const int8_t *q, const int8_t *r0, const int8_t *r1, const int8_t *r2,
                   const int8_t *r3, size_t n, int32_t out[4]);
/// Four rows at once: out[k] = ‖q − r_k‖².
void csimd_l2sq4_i8(const int8_t *q, const int8_t *r0, const int8_t *r1, const int8_t *r2,
                    const int8_t *r3, size_t n, int32_t out[4]);

int32_t csimd_dot_i8_scalar(const int8_t *a, const int8_t *b, size_t n);
int32_t csimd_l2sq_i8_scalar(const int8_t *a, const int8_t *b, size_t n);
int32_t csimd_dot_i8_avx2(const int8_t *a, const int8_t *b, size_t n);
int32_t csimd_l2sq_i8_avx2(const int8_t *a, const int8_t *b, size_t n);

/// Encodes x[0..<n] as int8: code = clamp(round((x − lo) · scale), 0, 254) − 127.
/// Returns the sum of the codes (used for the dot-product correction term).
int32_t csimd_quantize_i8(const float *x, size_t n, float lo, float scale, int8_t *out);

/* ------------------------------------------------------------------------------------------------
 * Memory helpers.
 * ------------------------------------------------------------------------------------------------ */

/// Asks the CPU to start loading the cache line holding p (read, keep in all cache levels).
static inline void csimd_prefetch(const void *p) { __builtin_prefetch(p, 0, 3); }

/// Prefetches every cache line of [p, p + bytes), capped at `max_lines` lines.
static inline void csimd_prefetch_range(const void *p, size_t bytes, size_t max_lines) {
    const char *c = (const char *)p;
    size_t lines = (bytes + 63) / 64;
    if (lines > max_lines) lines = max_lines;
    for (size_t i = 0; i < lines; i++) __builtin_prefetch(c + i * 64, 0, 3);
}

/* ------------------------------------------------------------------------------------------------
 * A tiny spin lock over a 32-bit word (0 = free, 1 = held), for per-node locks in graph indexes:
 * held for microseconds, never across a call that can block. Spins with a pause and yields the
 * CPU after a while so a preempted holder can run.
 * ------------------------------------------------------------------------------------------------ */
void csimd_spin_lock(uint32_t *word);
void csimd_spin_unlock(uint32_t *word);

/// Atomically adds `delta` and returns the previous value (relaxed; for work counters).
uint64_t csimd_fetch_add_u64(uint64_t *word, uint64_t delta);

#endif
