#include "cembedding.h"

#if defined(__x86_64__)
#include <immintrin.h>
#define CEMB_X86 1
#endif

static void gemm_nt_portable(int M, int N, int K, const float *A, int lda, const float *W, int ldw,
                             float *C, int ldc) {
    for (int n = 0; n < N; n++) {
        const float *w = W + (long)n * ldw;
        for (int m = 0; m < M; m++) {
            const float *a = A + (long)m * lda;
            float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
            int k = 0;
            for (; k + 4 <= K; k += 4) {
                s0 += a[k] * w[k];
                s1 += a[k + 1] * w[k + 1];
                s2 += a[k + 2] * w[k + 2];
                s3 += a[k + 3] * w[k + 3];
            }
            for (; k < K; k++) s0 += a[k] * w[k];
            C[(long)m * ldc + n] += (s0 + s1) + (s2 + s3);
        }
    }
}

#ifdef CEMB_X86
__attribute__((target("avx2,fma")))
static inline float hsum256(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v), hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    lo = _mm_add_ps(lo, _mm_movehl_ps(lo, lo));
    lo = _mm_add_ss(lo, _mm_movehdup_ps(lo));
    return _mm_cvtss_f32(lo);
}

/// 4 rows of W against 2 rows of A per step (8 accumulators); K must be a multiple of 8.
__attribute__((target("avx2,fma")))
static void gemm_nt_avx2(int M, int N, int K, const float *A, int lda, const float *W, int ldw,
                         float *C, int ldc) {
    int n = 0;
    for (; n + 4 <= N; n += 4) {
        const float *w0 = W + (long)n * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        int m = 0;
        for (; m + 2 <= M; m += 2) {
            const float *a0 = A + (long)m * lda, *a1 = a0 + lda;
            __m256 c00 = _mm256_setzero_ps(), c01 = _mm256_setzero_ps(), c02 = _mm256_setzero_ps(), c03 = _mm256_setzero_ps();
            __m256 c10 = _mm256_setzero_ps(), c11 = _mm256_setzero_ps(), c12 = _mm256_setzero_ps(), c13 = _mm256_setzero_ps();
            for (int k = 0; k < K; k += 8) {
                __m256 x0 = _mm256_loadu_ps(a0 + k), x1 = _mm256_loadu_ps(a1 + k);
                __m256 v0 = _mm256_loadu_ps(w0 + k);
                c00 = _mm256_fmadd_ps(x0, v0, c00); c10 = _mm256_fmadd_ps(x1, v0, c10);
                __m256 v1 = _mm256_loadu_ps(w1 + k);
                c01 = _mm256_fmadd_ps(x0, v1, c01); c11 = _mm256_fmadd_ps(x1, v1, c11);
                __m256 v2 = _mm256_loadu_ps(w2 + k);
                c02 = _mm256_fmadd_ps(x0, v2, c02); c12 = _mm256_fmadd_ps(x1, v2, c12);
                __m256 v3 = _mm256_loadu_ps(w3 + k);
                c03 = _mm256_fmadd_ps(x0, v3, c03); c13 = _mm256_fmadd_ps(x1, v3, c13);
            }
            float *r0 = C + (long)m * ldc + n, *r1 = r0 + ldc;
            r0[0] += hsum256(c00); r0[1] += hsum256(c01); r0[2] += hsum256(c02); r0[3] += hsum256(c03);
            r1[0] += hsum256(c10); r1[1] += hsum256(c11); r1[2] += hsum256(c12); r1[3] += hsum256(c13);
        }
        for (; m < M; m++) {
            const float *a0 = A + (long)m * lda;
            __m256 c0 = _mm256_setzero_ps(), c1 = _mm256_setzero_ps(), c2 = _mm256_setzero_ps(), c3 = _mm256_setzero_ps();
            for (int k = 0; k < K; k += 8) {
                __m256 x0 = _mm256_loadu_ps(a0 + k);
                c0 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w0 + k), c0);
                c1 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w1 + k), c1);
                c2 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w2 + k), c2);
                c3 = _mm256_fmadd_ps(x0, _mm256_loadu_ps(w3 + k), c3);
            }
            float *r0 = C + (long)m * ldc + n;
            r0[0] += hsum256(c0); r0[1] += hsum256(c1); r0[2] += hsum256(c2); r0[3] += hsum256(c3);
        }
    }
    if (n < N) gemm_nt_portable(M, N - n, K, A, lda, W + (long)n * ldw, ldw, C + n, ldc);
}

/// The same blocking on 16 lanes; K must be a multiple of 16.
__attribute__((target("avx512f")))
static void gemm_nt_avx512(int M, int N, int K, const float *A, int lda, const float *W, int ldw,
                           float *C, int ldc) {
    int n = 0;
    for (; n + 4 <= N; n += 4) {
        const float *w0 = W + (long)n * ldw, *w1 = w0 + ldw, *w2 = w1 + ldw, *w3 = w2 + ldw;
        int m = 0;
        for (; m + 2 <= M; m += 2) {
            const float *a0 = A + (long)m * lda, *a1 = a0 + lda;
            __m512 c00 = _mm512_setzero_ps(), c01 = _mm512_setzero_ps(), c02 = _mm512_setzero_ps(), c03 = _mm512_setzero_ps();
            __m512 c10 = _mm512_setzero_ps(), c11 = _mm512_setzero_ps(), c12 = _mm512_setzero_ps(), c13 = _mm512_setzero_ps();
            for (int k = 0; k < K; k += 16) {
                __m512 x0 = _mm512_loadu_ps(a0 + k), x1 = _mm512_loadu_ps(a1 + k);
                __m512 v0 = _mm512_loadu_ps(w0 + k);
                c00 = _mm512_fmadd_ps(x0, v0, c00); c10 = _mm512_fmadd_ps(x1, v0, c10);
                __m512 v1 = _mm512_loadu_ps(w1 + k);
                c01 = _mm512_fmadd_ps(x0, v1, c01); c11 = _mm512_fmadd_ps(x1, v1, c11);
                __m512 v2 = _mm512_loadu_ps(w2 + k);
                c02 = _mm512_fmadd_ps(x0, v2, c02); c12 = _mm512_fmadd_ps(x1, v2, c12);
                __m512 v3 = _mm512_loadu_ps(w3 + k);
                c03 = _mm512_fmadd_ps(x0, v3, c03); c13 = _mm512_fmadd_ps(x1, v3, c13);
            }
            float *r0 = C + (long)m * ldc + n, *r1 = r0 + ldc;
            r0[0] += _mm512_reduce_add_ps(c00); r0[1] += _mm512_reduce_add_ps(c01);
            r0[2] += _mm512_reduce_add_ps(c02); r0[3] += _mm512_reduce_add_ps(c03);
            r1[0] += _mm512_reduce_add_ps(c10); r1[1] += _mm512_reduce_add_ps(c11);
            r1[2] += _mm512_reduce_add_ps(c12); r1[3] += _mm512_reduce_add_ps(c13);
        }
        for (; m < M; m++) {
            const float *a0 = A + (long)m * lda;
            __m512 c0 = _mm512_setzero_ps(), c1 = _mm512_setzero_ps(), c2 = _mm512_setzero_ps(), c3 = _mm512_setzero_ps();
            for (int k = 0; k < K; k += 16) {
                __m512 x0 = _mm512_loadu_ps(a0 + k);
                c0 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(w0 + k), c0);
                c1 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(w1 + k), c1);
                c2 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(w2 + k), c2);
                c3 = _mm512_fmadd_ps(x0, _mm512_loadu_ps(w3 + k), c3);
            }
            float *r0 = C + (long)m * ldc + n;
            r0[0] += _mm512_reduce_add_ps(c0); r0[1] += _mm512_reduce_add_ps(c1);
            r0[2] += _mm512_reduce_add_ps(c2); r0[3] += _mm512_reduce_add_ps(c3);
        }
    }
    if (n < N) gemm_nt_portable(M, N - n, K, A, lda, W + (long)n * ldw, ldw, C + n, ldc);
}
#endif

static int cemb_avx2 = 0;
static int cemb_avx512 = 0;

/// Decided once at load time, before any thread can call in.
__attribute__((constructor)) static void cemb_detect(void) {
#ifdef CEMB_X86
    __builtin_cpu_init();
    cemb_avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    cemb_avx512 = __builtin_cpu_supports("avx512f");
#endif
}

int cembedding_uses_avx2(void) { return cemb_avx2; }

void cembedding_gemm_nt_accumulate(int M, int N, int K, const float *A, int lda, const float *W, int ldw,
                                   float *C, int ldc) {
#ifdef CEMB_X86
    if (K % 16 == 0 && cemb_avx512) {
        gemm_nt_avx512(M, N, K, A, lda, W, ldw, C, ldc);
        return;
    }
    if (K % 8 == 0 && cembedding_uses_avx2()) {
        gemm_nt_avx2(M, N, K, A, lda, W, ldw, C, ldc);
        return;
    }
#endif
    gemm_nt_portable(M, N, K, A, lda, W, ldw, C, ldc);
}
