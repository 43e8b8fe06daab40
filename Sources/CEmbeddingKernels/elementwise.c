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

void cembedding_softmax_rows(float *x, int rows, int cols) {
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
