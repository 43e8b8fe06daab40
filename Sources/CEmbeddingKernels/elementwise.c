#include "cembedding.h"
#include <math.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

void cembedding_layer_norm(float *x, const float *add, const float *gamma, const float *beta, int n, float eps) {
    double sum = 0;
    if (add) {
        for (int i = 0; i < n; i++) { x[i] += add[i]; sum += x[i]; }
    } else {
        for (int i = 0; i < n; i++) sum += x[i];
    }
    const float mean = (float)(sum / n);
    double squares = 0;
    for (int i = 0; i < n; i++) { const float d = x[i] - mean; squares += (double)d * d; }
    const float inverse = 1.0f / sqrtf((float)(squares / n) + eps);
    for (int i = 0; i < n; i++) x[i] = (x[i] - mean) * inverse * gamma[i] + beta[i];
}

static void softmax_rows_portable(float *x, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        float *row = x + (long)r * cols;
        float maximum = -INFINITY;
        for (int i = 0; i < cols; i++) maximum = row[i] > maximum ? row[i] : maximum;
        float sum = 0;
        for (int i = 0; i < cols; i++) { row[i] = expf(row[i] - maximum); sum += row[i]; }
        const float scale = 1.0f / sum;
        for (int i = 0; i < cols; i++) row[i] *= scale;
    }
}

#if defined(__x86_64__)
/// e^x for 8 lanes: x = n·ln2 + r with |r| ≤ ln2/2, e^r by Cephes' expf polynomial (≈ 1 ulp), times 2^n built
/// in the exponent bits. Inputs are clamped to [-87.3, 88.7], where 2^n stays a normal float, and below -87.3
/// the result is 0 (where expf would give a denormal: nothing beside the row's largest term, which is 1).
__attribute__((target("avx2,fma")))
static inline __m256 exp8(__m256 input) {
    const __m256 representable = _mm256_cmp_ps(input, _mm256_set1_ps(-87.3f), _CMP_GE_OQ);
    const __m256 x = _mm256_max_ps(_mm256_min_ps(input, _mm256_set1_ps(88.7f)), _mm256_set1_ps(-87.3f));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(x, _mm256_set1_ps(1.44269504088896341f)), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693359375f), x);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(-2.12194440e-4f), r);
    __m256 p = _mm256_set1_ps(1.9875691500e-4f);
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.3981999507e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(8.3334519073e-3f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(4.1665795894e-2f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(1.6666665459e-1f));
    p = _mm256_fmadd_ps(p, r, _mm256_set1_ps(5.0000001201e-1f));
    const __m256 y = _mm256_add_ps(_mm256_fmadd_ps(_mm256_mul_ps(p, r), r, r), _mm256_set1_ps(1.0f));
    const __m256i exponent = _mm256_slli_epi32(_mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127)), 23);
    return _mm256_and_ps(_mm256_mul_ps(y, _mm256_castsi256_ps(exponent)), representable);
}

__attribute__((target("avx2,fma")))
static inline float horizontal_max8(__m256 v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
}

__attribute__((target("avx2,fma")))
static inline float horizontal_sum8(__m256 v) {
    __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    s = _mm_add_ps(s, _mm_movehl_ps(s, s));
    s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
    return _mm_cvtss_f32(s);
}

/// The attention softmax, 8 lanes at a time: libm's scalar expf was a fifth of a long text's forward pass.
__attribute__((target("avx2,fma")))
static void softmax_rows_avx2(float *x, int rows, int cols) {
    for (int r = 0; r < rows; r++) {
        float *row = x + (long)r * cols;
        int i = 0;
        __m256 maxima = _mm256_set1_ps(-INFINITY);
        for (; i + 8 <= cols; i += 8) maxima = _mm256_max_ps(maxima, _mm256_loadu_ps(row + i));
        float maximum = horizontal_max8(maxima);
        for (; i < cols; i++) maximum = row[i] > maximum ? row[i] : maximum;
        const __m256 shift = _mm256_set1_ps(maximum);
        __m256 sums = _mm256_setzero_ps();
        for (i = 0; i + 8 <= cols; i += 8) {
            const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(row + i), shift));
            _mm256_storeu_ps(row + i, e);
            sums = _mm256_add_ps(sums, e);
        }
        float sum = horizontal_sum8(sums);
        for (; i < cols; i++) { row[i] = expf(row[i] - maximum); sum += row[i]; }
        const float inverse = 1.0f / sum;
        const __m256 scale = _mm256_set1_ps(inverse);
        for (i = 0; i + 8 <= cols; i += 8) _mm256_storeu_ps(row + i, _mm256_mul_ps(_mm256_loadu_ps(row + i), scale));
        for (; i < cols; i++) row[i] *= inverse;
    }
}
#endif

void cembedding_softmax_rows(float *x, int rows, int cols) {
#if defined(__x86_64__)
    if (cembedding_uses_avx2()) { softmax_rows_avx2(x, rows, cols); return; }
#endif
    softmax_rows_portable(x, rows, cols);
}

#if defined(__x86_64__)
/// erf(x) ≈ x·P(x²)/Q(x²) on |x| ≤ 4 (saturated beyond); coefficients from Benchmarks/tools/fit_erf.py.
__attribute__((target("avx2,fma")))
static inline __m256 erf8(__m256 v) {
    const __m256 x = _mm256_max_ps(_mm256_min_ps(v, _mm256_set1_ps(4.0f)), _mm256_set1_ps(-4.0f));
    const __m256 x2 = _mm256_mul_ps(x, x);
    __m256 p = _mm256_set1_ps(-1.3687745722e-08f);
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(4.7858295885e-06f));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(3.8285176773e-04f));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(3.8377296693e-03f));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(5.4329368979e-02f));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(1.8465007292e-01f));
    p = _mm256_fmadd_ps(p, x2, _mm256_set1_ps(1.1283791824e+00f));
    __m256 q = _mm256_set1_ps(6.4060897307e-05f);
    q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(1.3094369589e-03f));
    q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(1.5450411353e-02f));
    q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(1.1380561951e-01f));
    q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(4.9697541754e-01f));
    q = _mm256_fmadd_ps(q, x2, _mm256_set1_ps(1.0f));
    return _mm256_div_ps(_mm256_mul_ps(x, p), q);
}

__attribute__((target("avx2,fma")))
static void gelu_avx2(float *x, long n) {
    const __m256 half = _mm256_set1_ps(0.5f), one = _mm256_set1_ps(1.0f);
    const __m256 rsqrt2 = _mm256_set1_ps(0.70710678118654752f);
    long i = 0;
    for (; i + 8 <= n; i += 8) {
        const __m256 v = _mm256_loadu_ps(x + i);
        const __m256 e = erf8(_mm256_mul_ps(v, rsqrt2));
        _mm256_storeu_ps(x + i, _mm256_mul_ps(_mm256_mul_ps(v, half), _mm256_add_ps(one, e)));
    }
    for (; i < n; i++) x[i] = x[i] * 0.5f * (1.0f + erff(x[i] * 0.70710678118654752f));
}
#endif

void cembedding_gelu(float *x, long n) {
#if defined(__x86_64__)
    if (cembedding_uses_avx2()) { gelu_avx2(x, n); return; }
#endif
    for (long i = 0; i < n; i++) x[i] = x[i] * 0.5f * (1.0f + erff(x[i] * 0.70710678118654752f));
}
