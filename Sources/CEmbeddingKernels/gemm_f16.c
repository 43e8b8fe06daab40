// C += A · Wᵀ with W held as fp16 panels: the few-rows (one short query) product of the encoder's
// dense layers. See cembedding.h for the panel layout and the contract every variant keeps.
//
// Why fp16 panels: for a short query the six layers' f32 weights (~42 MB) do not fit the L3 cache,
// so every query streams them from DRAM; fp16 halves the bytes (~21 MB, which fits). Storing each
// panel k-major also removes the horizontal sums of the W[n, k]-row form: output columns lie along
// the vector lanes, and each k is one broadcast of A[m, k] times one panel row.

#include "cembedding.h"
#include <math.h>
#include <string.h>

#if defined(__x86_64__)
#include <immintrin.h>
#define CEMB_F16_X86 1
#endif

#define PANEL CEMBEDDING_F16_PANEL

/// Panel rows (64 bytes each) the SIMD kernels prefetch ahead: 4 KB, enough to hide L3 latency
/// behind the FMAs of one row block (measured on Zen 4: +30% on weights from L3, flat from 32 to 128).
/// Near a panel's end this reaches into the next panel, which is read next anyway; past the last one it
/// is a hint on an address never loaded (prefetches do not fault).
#define PREFETCH_ROWS 64

// MARK: - Portable conversion

uint16_t cembedding_f32_to_f16_portable(float value) {
    uint32_t x;
    memcpy(&x, &value, sizeof x);
    const uint16_t sign = (uint16_t)((x >> 16) & 0x8000u);
    const uint32_t magnitude = x & 0x7fffffffu;
    if (magnitude >= 0x7f800000u) {
        // Inf stays inf; NaN keeps its top payload bits and is made quiet (as vcvtps2ph does).
        return magnitude == 0x7f800000u ? (uint16_t)(sign | 0x7c00u)
                                        : (uint16_t)(sign | 0x7e00u | ((magnitude >> 13) & 0x3ffu));
    }
    // 0x477ff000 is halfway between 65504 (largest half, odd mantissa) and 65536: ties go to even = inf.
    if (magnitude >= 0x477ff000u) return (uint16_t)(sign | 0x7c00u);
    if (magnitude < 0x38800000u) {
        // Below 2^-14 the half is subnormal (or zero) with unit 2^-24: |value| · 2^24 is exact in f32
        // (< 2^10), and rintf rounds it to nearest even. 1024 correctly becomes the smallest normal.
        float scaled;
        const uint32_t bits = magnitude;
        memcpy(&scaled, &bits, sizeof scaled);
        return (uint16_t)(sign | (uint16_t)rintf(scaled * 0x1p24f));
    }
    // Normal: rebias the exponent (127 → 15), then round the 13 dropped mantissa bits to nearest even;
    // a mantissa carry correctly bumps the exponent.
    const uint32_t rebiased = magnitude - 0x38000000u;
    return (uint16_t)(sign | ((rebiased + 0xfffu + ((rebiased >> 13) & 1u)) >> 13));
}

float cembedding_f16_to_f32_portable(uint16_t value) {
    const uint32_t sign = (uint32_t)(value & 0x8000u) << 16;
    const uint32_t exponent = (value >> 10) & 0x1fu, mantissa = value & 0x3ffu;
    uint32_t bits;
    if (exponent == 0x1f) {
        bits = sign | 0x7f800000u | (mantissa << 13);
    } else if (exponent == 0) {
        const float subnormal = (float)mantissa * 0x1p-24f; // exact: mantissa < 2^10
        return sign ? -subnormal : subnormal;
    } else {
        bits = sign | ((exponent + 112u) << 23) | (mantissa << 13);
    }
    float result;
    memcpy(&result, &bits, sizeof result);
    return result;
}

// MARK: - Kernels

/// The reference: every output column of every panel, k in order from 0, then added to C.
static void gemm_f16_portable(int M, int N, int K, const float *A, int lda, const uint16_t *packed,
                              float *C, int ldc) {
    for (int n0 = 0; n0 < N; n0 += PANEL) {
        const uint16_t *panel = packed + (long)(n0 / PANEL) * K * PANEL;
        const int columns = N - n0 < PANEL ? N - n0 : PANEL;
        for (int m = 0; m < M; m++) {
            const float *a = A + (long)m * lda;
            for (int j = 0; j < columns; j++) {
                float sum = 0;
                for (int k = 0; k < K; k++) sum += a[k] * cembedding_f16_to_f32_portable(panel[(long)k * PANEL + j]);
                C[(long)m * ldc + n0 + j] += sum;
            }
        }
    }
}

/// Row blocks for `rows` rows with at most `limit` per block, as even as possible (13 rows with
/// limit 12 are 7 + 6, not 12 + 1: a 1-row block would waste most of a pass over the panel).
/// Writes the block count to *blocks and the largest block's size to *size; returns how many
/// (leading) blocks have `*size` rows, the rest having `*size - 1`.
static inline int row_blocks(int rows, int limit, int *size, int *blocks) {
    *blocks = (rows + limit - 1) / limit;
    *size = (rows + *blocks - 1) / *blocks;
    return rows - (*size - 1) * *blocks; // blocks of full size
}

#ifdef CEMB_F16_X86

/// R rows × one 32-column panel on AVX-512: 2R accumulators (R <= 12, so 24 + 2 weight registers
/// + 1 broadcast fit the 32 zmm registers). `columns` < 32 only in the last panel (masked store).
__attribute__((target("avx512f"), always_inline))
static inline void block_avx512(const int R, int K, const float *A, int lda, const uint16_t *panel,
                                float *C, int ldc, int columns) {
    __m512 acc[12][2];
    for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm512_setzero_ps();
    for (int k = 0; k < K; k++) {
        const uint16_t *row = panel + (long)k * PANEL;
        _mm_prefetch((const char *)(row + PREFETCH_ROWS * PANEL), _MM_HINT_T0);
        const __m512 w0 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)row));
        const __m512 w1 = _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)(row + 16)));
        for (int r = 0; r < R; r++) {
            const __m512 a = _mm512_set1_ps(A[(long)r * lda + k]);
            acc[r][0] = _mm512_fmadd_ps(a, w0, acc[r][0]);
            acc[r][1] = _mm512_fmadd_ps(a, w1, acc[r][1]);
        }
    }
    const __mmask16 low = columns >= 16 ? 0xffff : (__mmask16)((1u << columns) - 1);
    const __mmask16 high = columns >= 32 ? 0xffff : columns <= 16 ? 0 : (__mmask16)((1u << (columns - 16)) - 1);
    for (int r = 0; r < R; r++) {
        float *c = C + (long)r * ldc;
        _mm512_mask_storeu_ps(c, low, _mm512_add_ps(_mm512_maskz_loadu_ps(low, c), acc[r][0]));
        _mm512_mask_storeu_ps(c + 16, high, _mm512_add_ps(_mm512_maskz_loadu_ps(high, c + 16), acc[r][1]));
    }
}

/// Dispatches a block of 1...12 rows to `block_avx512` with R a constant (so the accumulators stay
/// in registers).
__attribute__((target("avx512f")))
static void rows_avx512(int R, int K, const float *A, int lda, const uint16_t *panel, float *C, int ldc, int columns) {
    switch (R) {
#define CASE(r) case r: block_avx512(r, K, A, lda, panel, C, ldc, columns); break;
    CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6) CASE(7) CASE(8) CASE(9) CASE(10) CASE(11) CASE(12)
#undef CASE
    }
}

/// Panel by panel: each panel comes from memory once, then serves every row block from cache.
__attribute__((target("avx512f")))
static void gemm_f16_avx512(int M, int N, int K, const float *A, int lda, const uint16_t *packed,
                            float *C, int ldc) {
    int size, blocks;
    const int full = row_blocks(M, 12, &size, &blocks);
    for (int n0 = 0; n0 < N; n0 += PANEL) {
        const uint16_t *panel = packed + (long)(n0 / PANEL) * K * PANEL;
        const int columns = N - n0 < PANEL ? N - n0 : PANEL;
        int m = 0;
        for (int b = 0; b < blocks; b++) {
            const int rows = b < full ? size : size - 1;
            rows_avx512(rows, K, A + (long)m * lda, lda, panel, C + (long)m * ldc + n0, ldc, columns);
            m += rows;
        }
    }
}

/// R rows × 16 columns (half a panel) on AVX2: 2R accumulators (R <= 6, so 12 + 2 weight registers
/// + 1 broadcast fit the 16 ymm registers). `columns` < 16 only at the end of the last panel.
__attribute__((target("avx2,fma,f16c"), always_inline))
static inline void block_avx2(const int R, int K, const float *A, int lda, const uint16_t *half,
                              float *C, int ldc, int columns) {
    __m256 acc[6][2];
    for (int r = 0; r < R; r++) acc[r][0] = acc[r][1] = _mm256_setzero_ps();
    for (int k = 0; k < K; k++) {
        const uint16_t *row = half + (long)k * PANEL;
        _mm_prefetch((const char *)(row + PREFETCH_ROWS * PANEL), _MM_HINT_T0);
        const __m256 w0 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)row));
        const __m256 w1 = _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)(row + 8)));
        for (int r = 0; r < R; r++) {
            const __m256 a = _mm256_broadcast_ss(A + (long)r * lda + k);
            acc[r][0] = _mm256_fmadd_ps(a, w0, acc[r][0]);
            acc[r][1] = _mm256_fmadd_ps(a, w1, acc[r][1]);
        }
    }
    for (int r = 0; r < R; r++) {
        float *c = C + (long)r * ldc;
        if (columns >= 16) {
            _mm256_storeu_ps(c, _mm256_add_ps(_mm256_loadu_ps(c), acc[r][0]));
            _mm256_storeu_ps(c + 8, _mm256_add_ps(_mm256_loadu_ps(c + 8), acc[r][1]));
        } else {
            float sums[16];
            _mm256_storeu_ps(sums, acc[r][0]);
            _mm256_storeu_ps(sums + 8, acc[r][1]);
            for (int j = 0; j < columns; j++) c[j] += sums[j];
        }
    }
}

/// Dispatches a block of 1...6 rows to `block_avx2` with R a constant.
__attribute__((target("avx2,fma,f16c")))
static void rows_avx2(int R, int K, const float *A, int lda, const uint16_t *half, float *C, int ldc, int columns) {
    switch (R) {
#define CASE(r) case r: block_avx2(r, K, A, lda, half, C, ldc, columns); break;
    CASE(1) CASE(2) CASE(3) CASE(4) CASE(5) CASE(6)
#undef CASE
    }
}

/// Panel by panel, each in two 16-column halves; the panel stays in cache across its row blocks.
__attribute__((target("avx2,fma,f16c")))
static void gemm_f16_avx2(int M, int N, int K, const float *A, int lda, const uint16_t *packed,
                          float *C, int ldc) {
    int size, blocks;
    const int full = row_blocks(M, 6, &size, &blocks);
    for (int n0 = 0; n0 < N; n0 += PANEL) {
        const uint16_t *panel = packed + (long)(n0 / PANEL) * K * PANEL;
        for (int j0 = 0; j0 < PANEL && n0 + j0 < N; j0 += 16) {
            const int columns = N - n0 - j0 < 16 ? N - n0 - j0 : 16;
            int m = 0;
            for (int b = 0; b < blocks; b++) {
                const int rows = b < full ? size : size - 1;
                rows_avx2(rows, K, A + (long)m * lda, lda, panel + j0, C + (long)m * ldc + n0 + j0, ldc, columns);
                m += rows;
            }
        }
    }
}

/// 8 floats → 8 halves with vcvtps2ph (round to nearest even), the rest portable.
__attribute__((target("avx,f16c")))
static void convert_f16c(const float *src, uint16_t *dst, long n) {
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        _mm_storeu_si128((__m128i *)(dst + i), _mm256_cvtps_ph(_mm256_loadu_ps(src + i), _MM_FROUND_TO_NEAREST_INT));
    }
    for (; i < n; i++) dst[i] = cembedding_f32_to_f16_portable(src[i]);
}
#endif

// MARK: - Dispatch

static int cemb_f16_variant = CEMBEDDING_VARIANT_PORTABLE;
static int cemb_f16c = 0;
static int cemb_f16_avx2 = 0;

/// Decided once at load time, before any thread can call in.
__attribute__((constructor)) static void cemb_f16_detect(void) {
#ifdef CEMB_F16_X86
    __builtin_cpu_init();
    cemb_f16c = __builtin_cpu_supports("avx") && __builtin_cpu_supports("f16c");
    cemb_f16_avx2 = cemb_f16c && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (__builtin_cpu_supports("avx512f")) {
        cemb_f16_variant = CEMBEDDING_VARIANT_AVX512;
    } else if (cemb_f16_avx2) {
        cemb_f16_variant = CEMBEDDING_VARIANT_AVX2;
    }
#endif
}

int cembedding_f16_best_variant(void) { return cemb_f16_variant; }

void cembedding_f32_to_f16(const float *src, uint16_t *dst, long n) {
#ifdef CEMB_F16_X86
    if (cemb_f16c) {
        convert_f16c(src, dst, n);
        return;
    }
#endif
    for (long i = 0; i < n; i++) dst[i] = cembedding_f32_to_f16_portable(src[i]);
}

long cembedding_f16_panels_count(int N, int K) {
    return (long)((N + PANEL - 1) / PANEL) * K * PANEL;
}

void cembedding_pack_f16_panels(int N, int K, const float *W, int ldw, uint16_t *packed) {
    float column[PANEL];
    for (int n0 = 0; n0 < N; n0 += PANEL) {
        uint16_t *panel = packed + (long)(n0 / PANEL) * K * PANEL;
        for (int k = 0; k < K; k++) {
            for (int j = 0; j < PANEL; j++) column[j] = n0 + j < N ? W[(long)(n0 + j) * ldw + k] : 0.0f;
            cembedding_f32_to_f16(column, panel + (long)k * PANEL, PANEL);
        }
    }
}

int cembedding_gemm_f16_accumulate_variant(int variant, int M, int N, int K, const float *A, int lda,
                                           const uint16_t *packed, float *C, int ldc) {
    if (M <= 0 || N <= 0 || K <= 0) return 1;
    switch (variant) {
    case CEMBEDDING_VARIANT_PORTABLE:
        gemm_f16_portable(M, N, K, A, lda, packed, C, ldc);
        return 1;
#ifdef CEMB_F16_X86
    case CEMBEDDING_VARIANT_AVX2:
        if (!cemb_f16_avx2) return 0;
        gemm_f16_avx2(M, N, K, A, lda, packed, C, ldc);
        return 1;
    case CEMBEDDING_VARIANT_AVX512:
        if (cemb_f16_variant < CEMBEDDING_VARIANT_AVX512) return 0;
        gemm_f16_avx512(M, N, K, A, lda, packed, C, ldc);
        return 1;
#endif
    default:
        return 0;
    }
}

void cembedding_gemm_f16_accumulate(int M, int N, int K, const float *A, int lda, const uint16_t *packed,
                                    float *C, int ldc) {
    cembedding_gemm_f16_accumulate_variant(cemb_f16_variant, M, N, K, A, lda, packed, C, ldc);
}
