#ifndef CEMBEDDING_H
#define CEMBEDDING_H

/// C[m, n] += sum_k A[m, k] * W[n, k] for 0 <= m < M, 0 <= n < N ("C += A·Wᵀ", row-major, strides
/// in floats). Meant for few rows of A (M <= ~32, e.g. one short query): W is streamed once and
/// every one of its rows is used for all M rows of A, with no packing copy (BLAS packs W on every call,
/// which dominates when M is small). AVX-512F (K % 16 == 0) or AVX2+FMA (K % 8 == 0) when the CPU has
/// them (checked once at load time), portable C otherwise.
void cembedding_gemm_nt_accumulate(int M, int N, int K,
                                   const float *A, int lda,
                                   const float *W, int ldw,
                                   float *C, int ldc);

/// 1 when the CPU has AVX2+FMA (the GELU and A·Wᵀ fast paths).
int cembedding_uses_avx2(void);

/// x ← LayerNorm(x + add) · gamma + beta over n values (biased variance, like PyTorch); add may be NULL.
void cembedding_layer_norm(float *x, const float *add, const float *gamma, const float *beta, int n, float eps);

/// x ← x · ½ · (1 + erf(x / √2)) in place. The AVX2 path uses a rational erf with max abs error
/// 4.1e-7 (Benchmarks/tools/fit_erf.py); the portable path uses libm's erff.
void cembedding_gelu(float *x, long n);

/// Softmax of each of `rows` rows of `cols` values (row stride `cols`), in place.
void cembedding_softmax_rows(float *x, int rows, int cols);

// MARK: fp16 weight panels (the few-rows product, issue 6)

#include <stdint.h>

/// Columns of W per packed fp16 panel (two 16-lane vectors).
#define CEMBEDDING_F16_PANEL 32

/// The kernel variants of `cembedding_gemm_f16_accumulate_variant` (the tests run each one).
enum {
    CEMBEDDING_VARIANT_PORTABLE = 0, ///< plain C, any CPU
    CEMBEDDING_VARIANT_AVX2 = 1,     ///< AVX2 + FMA + F16C
    CEMBEDDING_VARIANT_AVX512 = 2,   ///< AVX-512F (its vcvtph2ps covers F16C)
};

/// The variant `cembedding_gemm_f16_accumulate` runs on this CPU (decided once at load time).
int cembedding_f16_best_variant(void);

/// dst[i] = IEEE binary16 of src[i], rounded to nearest even (overflow → ±inf, NaN stays NaN).
/// F16C when the CPU has it, a bit-exact portable converter otherwise.
void cembedding_f32_to_f16(const float *src, uint16_t *dst, long n);

/// The portable converters (the reference the F16C path is tested against).
uint16_t cembedding_f32_to_f16_portable(float value);
float cembedding_f16_to_f32_portable(uint16_t value);

/// uint16 values `cembedding_pack_f16_panels` writes for an [N, K] matrix:
/// ceil(N / 32) panels of K × 32.
long cembedding_f16_panels_count(int N, int K);

/// Packs W[N, K] (row-major, row stride ldw floats; PyTorch's [out, in]) as fp16 *panels*:
/// panel p holds output columns 32p..<32p+32, stored k-major, so
/// packed[(p · K + k) · 32 + j] = fp16(W[32p + j, k]); columns past N are 0.
/// Transposed this way the product needs no horizontal sums (each k is one broadcast of A times
/// one 32-wide row of the panel), and each panel is one sequential stream of K · 64 bytes.
void cembedding_pack_f16_panels(int N, int K, const float *W, int ldw, uint16_t *packed);

/// C[m, n] += sum_k A[m, k] · W[n, k] for 0 <= m < M, 0 <= n < N, with W given as fp16 panels
/// (`cembedding_pack_f16_panels`) and every product and sum in f32 (the fp16 values widen exactly).
/// Any M, N, K >= 1 (N need not fill the last panel). Meant for few rows (M <= ~32, one short query):
/// each panel is read from memory once and reused from cache for every block of rows, so a query
/// streams half the bytes of the f32 weights. Sums run in k order from 0, then add to C, in every
/// variant: variants differ only by FMA contraction.
void cembedding_gemm_f16_accumulate(int M, int N, int K, const float *A, int lda,
                                    const uint16_t *packed, float *C, int ldc);

/// `cembedding_gemm_f16_accumulate` on one chosen variant; returns 0 (and does nothing) when this
/// CPU lacks it, 1 when it ran. For tests.
int cembedding_gemm_f16_accumulate_variant(int variant, int M, int N, int K, const float *A, int lda,
                                           const uint16_t *packed, float *C, int ldc);

#endif
