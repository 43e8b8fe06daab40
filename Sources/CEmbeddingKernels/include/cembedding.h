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

#endif
