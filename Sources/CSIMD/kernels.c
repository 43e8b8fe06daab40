// Distance kernels: portable scalar references and AVX2+FMA versions picked at run time.
//
// The AVX2 code keeps several independent accumulators so the FMA latency (4 cycles) is hidden,
// handles any length with a scalar tail, and uses unaligned loads throughout.
#include "csimd.h"
#include <math.h>
#include <sched.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CSIMD_X86 1
#else
#define CSIMD_X86 0
#endif

/// 1 when the AVX2 kernels are used; set once before main() runs.
static int csimd_use_avx2 = 0;

__attribute__((constructor)) static void csimd_init(void) { csimd_use_avx2 = csimd_has_avx2_fma(); }

/* ----------------------------------------------------------------------------------------------
 * Scalar references
 * ---------------------------------------------------------------------------------------------- */

float csimd_dot_f32_scalar(const float *a, const float *b, size_t n) {
    float s = 0;
    for (size_t i = 0; i < n; i++) s += a[i] * b[i];
    return s;
}

float csimd_l2sq_f32_scalar(const float *a, const float *b, size_t n) {
    float s = 0;
    for (size_t i = 0; i < n; i++) {
        float d = a[i] - b[i];
        s += d * d;
    }
    return s;
}

float csimd_cosine_f32_scalar(const float *a, const float *b, size_t n) {
    float ab = 0, aa = 0, bb = 0;
    for (size_t i = 0; i < n; i++) {
        ab += a[i] * b[i];
        aa += a[i] * a[i];
        bb += b[i] * b[i];
    }
    if (aa == 0 || bb == 0) return 0;
    return ab / (sqrtf(aa) * sqrtf(bb));
}

void csimd_dot4_f32_scalar(const float *q, const float *r0, const float *r1, const float *r2,
                           const float *r3, size_t n, float out[4]) {
    out[0] = csimd_dot_f32_scalar(q, r0, n);
    out[1] = csimd_dot_f32_scalar(q, r1, n);
    out[2] = csimd_dot_f32_scalar(q, r2, n);
    out[3] = csimd_dot_f32_scalar(q, r3, n);
}

void csimd_l2sq4_f32_scalar(const float *q, const float *r0, const float *r1, const float *r2,
                            const float *r3, size_t n, float out[4]) {
    out[0] = csimd_l2sq_f32_scalar(q, r0, n);
    out[1] = csimd_l2sq_f32_scalar(q, r1, n);
    out[2] = csimd_l2sq_f32_scalar(q, r2, n);
    out[3] = csimd_l2sq_f32_scalar(q, r3, n);
}

int32_t csimd_dot_i8_scalar(const int8_t *a, const int8_t *b, size_t n) {
    int32_t s = 0;
    for (size_t i = 0; i < n; i++) s += (int32_t)a[i] * (int32_t)b[i];
    return s;
}

int32_t csimd_l2sq_i8_scalar(const int8_t *a, const int8_t *b, size_t n) {
    int32_t s = 0;
    for (size_t i = 0; i < n; i++) {
        int32_t d = (int32_t)a[i] - (int32_t)b[i];
        s += d * d;
    }
    return s;
}

/* ----------------------------------------------------------------------------------------------
 * AVX2 + FMA
 * ---------------------------------------------------------------------------------------------- */
#if CSIMD_X86
#define AVX2 __attribute__((target("avx2,fma")))

AVX2 static inline float hsum256(__m256 v) {
    __m128 lo = _mm256_castps256_ps128(v);
    __m128 hi = _mm256_extractf128_ps(v, 1);
    lo = _mm_add_ps(lo, hi);
    __m128 sh = _mm_movehdup_ps(lo);
    lo = _mm_add_ps(lo, sh);
    sh = _mm_movehl_ps(sh, lo);
    lo = _mm_add_ss(lo, sh);
    return _mm_cvtss_f32(lo);
}

AVX2 static inline int32_t hsum256i(__m256i v) {
    __m128i lo = _mm256_castsi256_si128(v);
    __m128i hi = _mm256_extracti128_si256(v, 1);
    lo = _mm_add_epi32(lo, hi);
    lo = _mm_add_epi32(lo, _mm_shuffle_epi32(lo, _MM_SHUFFLE(1, 0, 3, 2)));
    lo = _mm_add_epi32(lo, _mm_shuffle_epi32(lo, _MM_SHUFFLE(2, 3, 0, 1)));
    return _mm_cvtsi128_si32(lo);
}

AVX2 float csimd_dot_f32_avx2(const float *a, const float *b, size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    __m256 s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
        s1 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8), s1);
        s2 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16), s2);
        s3 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24), s3);
    }
    for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i), s0);
    float s = hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; i < n; i++) s += a[i] * b[i];
    return s;
}

AVX2 float csimd_l2sq_f32_avx2(const float *a, const float *b, size_t n) {
    __m256 s0 = _mm256_setzero_ps(), s1 = _mm256_setzero_ps();
    __m256 s2 = _mm256_setzero_ps(), s3 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256 d0 = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        __m256 d1 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 8), _mm256_loadu_ps(b + i + 8));
        __m256 d2 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 16), _mm256_loadu_ps(b + i + 16));
        __m256 d3 = _mm256_sub_ps(_mm256_loadu_ps(a + i + 24), _mm256_loadu_ps(b + i + 24));
        s0 = _mm256_fmadd_ps(d0, d0, s0);
        s1 = _mm256_fmadd_ps(d1, d1, s1);
        s2 = _mm256_fmadd_ps(d2, d2, s2);
        s3 = _mm256_fmadd_ps(d3, d3, s3);
    }
    for (; i + 8 <= n; i += 8) {
        __m256 d = _mm256_sub_ps(_mm256_loadu_ps(a + i), _mm256_loadu_ps(b + i));
        s0 = _mm256_fmadd_ps(d, d, s0);
    }
    float s = hsum256(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3)));
    for (; i < n; i++) {
        float d = a[i] - b[i];
        s += d * d;
    }
    return s;
}

AVX2 float csimd_cosine_f32_avx2(const float *a, const float *b, size_t n) {
    __m256 ab0 = _mm256_setzero_ps(), ab1 = _mm256_setzero_ps();
    __m256 aa0 = _mm256_setzero_ps(), aa1 = _mm256_setzero_ps();
    __m256 bb0 = _mm256_setzero_ps(), bb1 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 x0 = _mm256_loadu_ps(a + i), y0 = _mm256_loadu_ps(b + i);
        __m256 x1 = _mm256_loadu_ps(a + i + 8), y1 = _mm256_loadu_ps(b + i + 8);
        ab0 = _mm256_fmadd_ps(x0, y0, ab0);
        ab1 = _mm256_fmadd_ps(x1, y1, ab1);
        aa0 = _mm256_fmadd_ps(x0, x0, aa0);
        aa1 = _mm256_fmadd_ps(x1, x1, aa1);
        bb0 = _mm256_fmadd_ps(y0, y0, bb0);
        bb1 = _mm256_fmadd_ps(y1, y1, bb1);
    }
    for (; i + 8 <= n; i += 8) {
        __m256 x = _mm256_loadu_ps(a + i), y = _mm256_loadu_ps(b + i);
        ab0 = _mm256_fmadd_ps(x, y, ab0);
        aa0 = _mm256_fmadd_ps(x, x, aa0);
        bb0 = _mm256_fmadd_ps(y, y, bb0);
    }
    float ab = hsum256(_mm256_add_ps(ab0, ab1));
    float aa = hsum256(_mm256_add_ps(aa0, aa1));
    float bb = hsum256(_mm256_add_ps(bb0, bb1));
    for (; i < n; i++) {
        ab += a[i] * b[i];
        aa += a[i] * a[i];
        bb += b[i] * b[i];
    }
    if (aa == 0 || bb == 0) return 0;
    return ab / (sqrtf(aa) * sqrtf(bb));
}

AVX2 void csimd_dot4_f32_avx2(const float *q, const float *r0, const float *r1, const float *r2,
                              const float *r3, size_t n, float out[4]) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    __m256 b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps(), b2 = _mm256_setzero_ps(), b3 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256 x = _mm256_loadu_ps(q + i), y = _mm256_loadu_ps(q + i + 8);
        a0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(r0 + i), a0);
        a1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(r1 + i), a1);
        a2 = _mm256_fmadd_ps(x, _mm256_loadu_ps(r2 + i), a2);
        a3 = _mm256_fmadd_ps(x, _mm256_loadu_ps(r3 + i), a3);
        b0 = _mm256_fmadd_ps(y, _mm256_loadu_ps(r0 + i + 8), b0);
        b1 = _mm256_fmadd_ps(y, _mm256_loadu_ps(r1 + i + 8), b1);
        b2 = _mm256_fmadd_ps(y, _mm256_loadu_ps(r2 + i + 8), b2);
        b3 = _mm256_fmadd_ps(y, _mm256_loadu_ps(r3 + i + 8), b3);
    }
    for (; i + 8 <= n; i += 8) {
        __m256 x = _mm256_loadu_ps(q + i);
        a0 = _mm256_fmadd_ps(x, _mm256_loadu_ps(r0 + i), a0);
        a1 = _mm256_fmadd_ps(x, _mm256_loadu_ps(r1 + i), a1);
        a2 = _mm256_fmadd_ps(x, _mm256_loadu_ps(r2 + i), a2);
        a3 = _mm256_fmadd_ps(x, _mm256_loadu_ps(r3 + i), a3);
    }
    float s0 = hsum256(_mm256_add_ps(a0, b0)), s1 = hsum256(_mm256_add_ps(a1, b1));
    float s2 = hsum256(_mm256_add_ps(a2, b2)), s3 = hsum256(_mm256_add_ps(a3, b3));
    for (; i < n; i++) {
        s0 += q[i] * r0[i];
        s1 += q[i] * r1[i];
        s2 += q[i] * r2[i];
        s3 += q[i] * r3[i];
    }
    out[0] = s0; out[1] = s1; out[2] = s2; out[3] = s3;
}

AVX2 void csimd_l2sq4_f32_avx2(const float *q, const float *r0, const float *r1, const float *r2,
                               const float *r3, size_t n, float out[4]) {
    __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(), a3 = _mm256_setzero_ps();
    size_t i = 0;
    for (; i + 8 <= n; i += 8) {
        __m256 x = _mm256_loadu_ps(q + i);
        __m256 d0 = _mm256_sub_ps(x, _mm256_loadu_ps(r0 + i));
        __m256 d1 = _mm256_sub_ps(x, _mm256_loadu_ps(r1 + i));
        __m256 d2 = _mm256_sub_ps(x, _mm256_loadu_ps(r2 + i));
        __m256 d3 = _mm256_sub_ps(x, _mm256_loadu_ps(r3 + i));
        a0 = _mm256_fmadd_ps(d0, d0, a0);
        a1 = _mm256_fmadd_ps(d1, d1, a1);
        a2 = _mm256_fmadd_ps(d2, d2, a2);
        a3 = _mm256_fmadd_ps(d3, d3, a3);
    }
    float s0 = hsum256(a0), s1 = hsum256(a1), s2 = hsum256(a2), s3 = hsum256(a3);
    for (; i < n; i++) {
        float d0 = q[i] - r0[i], d1 = q[i] - r1[i], d2 = q[i] - r2[i], d3 = q[i] - r3[i];
        s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3;
    }
    out[0] = s0; out[1] = s1; out[2] = s2; out[3] = s3;
}

/// Sign-extends 16 int8 codes at p to 16 int16 lanes.
AVX2 static inline __m256i load16_i8(const int8_t *p) {
    return _mm256_cvtepi8_epi16(_mm_loadu_si128((const __m128i *)p));
}

AVX2 int32_t csimd_dot_i8_avx2(const int8_t *a, const int8_t *b, size_t n) {
    __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(load16_i8(a + i), load16_i8(b + i)));
        s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(load16_i8(a + i + 16), load16_i8(b + i + 16)));
    }
    for (; i + 16 <= n; i += 16) s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(load16_i8(a + i), load16_i8(b + i)));
    int32_t s = hsum256i(_mm256_add_epi32(s0, s1));
    for (; i < n; i++) s += (int32_t)a[i] * (int32_t)b[i];
    return s;
}

AVX2 int32_t csimd_l2sq_i8_avx2(const int8_t *a, const int8_t *b, size_t n) {
    __m256i s0 = _mm256_setzero_si256(), s1 = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 32 <= n; i += 32) {
        __m256i d0 = _mm256_sub_epi16(load16_i8(a + i), load16_i8(b + i));
        __m256i d1 = _mm256_sub_epi16(load16_i8(a + i + 16), load16_i8(b + i + 16));
        s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(d0, d0));
        s1 = _mm256_add_epi32(s1, _mm256_madd_epi16(d1, d1));
    }
    for (; i + 16 <= n; i += 16) {
        __m256i d = _mm256_sub_epi16(load16_i8(a + i), load16_i8(b + i));
        s0 = _mm256_add_epi32(s0, _mm256_madd_epi16(d, d));
    }
    int32_t s = hsum256i(_mm256_add_epi32(s0, s1));
    for (; i < n; i++) {
        int32_t d = (int32_t)a[i] - (int32_t)b[i];
        s += d * d;
    }
    return s;
}

AVX2 static void dot4_i8_avx2(const int8_t *q, const int8_t *r0, const int8_t *r1, const int8_t *r2,
                              const int8_t *r3, size_t n, int32_t out[4]) {
    __m256i a0 = _mm256_setzero_si256(), a1 = _mm256_setzero_si256();
    __m256i a2 = _mm256_setzero_si256(), a3 = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256i x = load16_i8(q + i);
        a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(x, load16_i8(r0 + i)));
        a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(x, load16_i8(r1 + i)));
        a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(x, load16_i8(r2 + i)));
        a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(x, load16_i8(r3 + i)));
    }
    int32_t s0 = hsum256i(a0), s1 = hsum256i(a1), s2 = hsum256i(a2), s3 = hsum256i(a3);
    for (; i < n; i++) {
        int32_t x = q[i];
        s0 += x * r0[i]; s1 += x * r1[i]; s2 += x * r2[i]; s3 += x * r3[i];
    }
    out[0] = s0; out[1] = s1; out[2] = s2; out[3] = s3;
}

AVX2 static void l2sq4_i8_avx2(const int8_t *q, const int8_t *r0, const int8_t *r1, const int8_t *r2,
                               const int8_t *r3, size_t n, int32_t out[4]) {
    __m256i a0 = _mm256_setzero_si256(), a1 = _mm256_setzero_si256();
    __m256i a2 = _mm256_setzero_si256(), a3 = _mm256_setzero_si256();
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        __m256i x = load16_i8(q + i);
        __m256i d0 = _mm256_sub_epi16(x, load16_i8(r0 + i));
        __m256i d1 = _mm256_sub_epi16(x, load16_i8(r1 + i));
        __m256i d2 = _mm256_sub_epi16(x, load16_i8(r2 + i));
        __m256i d3 = _mm256_sub_epi16(x, load16_i8(r3 + i));
        a0 = _mm256_add_epi32(a0, _mm256_madd_epi16(d0, d0));
        a1 = _mm256_add_epi32(a1, _mm256_madd_epi16(d1, d1));
        a2 = _mm256_add_epi32(a2, _mm256_madd_epi16(d2, d2));
        a3 = _mm256_add_epi32(a3, _mm256_madd_epi16(d3, d3));
    }
    int32_t s0 = hsum256i(a0), s1 = hsum256i(a1), s2 = hsum256i(a2), s3 = hsum256i(a3);
    for (; i < n; i++) {
        int32_t d0 = q[i] - r0[i], d1 = q[i] - r1[i], d2 = q[i] - r2[i], d3 = q[i] - r3[i];
        s0 += d0 * d0; s1 += d1 * d1; s2 += d2 * d2; s3 += d3 * d3;
    }
    out[0] = s0; out[1] = s1; out[2] = s2; out[3] = s3;
}
#else
float csimd_dot_f32_avx2(const float *a, const float *b, size_t n) { return csimd_dot_f32_scalar(a, b, n); }
float csimd_l2sq_f32_avx2(const float *a, const float *b, size_t n) { return csimd_l2sq_f32_scalar(a, b, n); }
float csimd_cosine_f32_avx2(const float *a, const float *b, size_t n) { return csimd_cosine_f32_scalar(a, b, n); }
void csimd_dot4_f32_avx2(const float *q, const float *r0, const float *r1, const float *r2,
                         const float *r3, size_t n, float out[4]) { csimd_dot4_f32_scalar(q, r0, r1, r2, r3, n, out); }
void csimd_l2sq4_f32_avx2(const float *q, const float *r0, const float *r1, const float *r2,
                          const float *r3, size_t n, float out[4]) { csimd_l2sq4_f32_scalar(q, r0, r1, r2, r3, n, out); }
int32_t csimd_dot_i8_avx2(const int8_t *a, const int8_t *b, size_t n) { return csimd_dot_i8_scalar(a, b, n); }
int32_t csimd_l2sq_i8_avx2(const int8_t *a, const int8_t *b, size_t n) { return csimd_l2sq_i8_scalar(a, b, n); }
#endif

/* ----------------------------------------------------------------------------------------------
 * Dispatch
 * ---------------------------------------------------------------------------------------------- */

float csimd_dot_f32(const float *a, const float *b, size_t n) {
    return csimd_use_avx2 ? csimd_dot_f32_avx2(a, b, n) : csimd_dot_f32_scalar(a, b, n);
}

float csimd_l2sq_f32(const float *a, const float *b, size_t n) {
    return csimd_use_avx2 ? csimd_l2sq_f32_avx2(a, b, n) : csimd_l2sq_f32_scalar(a, b, n);
}

float csimd_cosine_f32(const float *a, const float *b, size_t n) {
    return csimd_use_avx2 ? csimd_cosine_f32_avx2(a, b, n) : csimd_cosine_f32_scalar(a, b, n);
}

float csimd_norm2_f32(const float *a, size_t n) { return csimd_dot_f32(a, a, n); }

void csimd_dot4_f32(const float *q, const float *r0, const float *r1, const float *r2,
                    const float *r3, size_t n, float out[4]) {
    if (csimd_use_avx2) csimd_dot4_f32_avx2(q, r0, r1, r2, r3, n, out);
    else csimd_dot4_f32_scalar(q, r0, r1, r2, r3, n, out);
}

void csimd_l2sq4_f32(const float *q, const float *r0, const float *r1, const float *r2,
                     const float *r3, size_t n, float out[4]) {
    if (csimd_use_avx2) csimd_l2sq4_f32_avx2(q, r0, r1, r2, r3, n, out);
    else csimd_l2sq4_f32_scalar(q, r0, r1, r2, r3, n, out);
}

int32_t csimd_dot_i8(const int8_t *a, const int8_t *b, size_t n) {
    return csimd_use_avx2 ? csimd_dot_i8_avx2(a, b, n) : csimd_dot_i8_scalar(a, b, n);
}

int32_t csimd_l2sq_i8(const int8_t *a, const int8_t *b, size_t n) {
    return csimd_use_avx2 ? csimd_l2sq_i8_avx2(a, b, n) : csimd_l2sq_i8_scalar(a, b, n);
}

void csimd_dot4_i8(const int8_t *q, const int8_t *r0, const int8_t *r1, const int8_t *r2,
                   const int8_t *r3, size_t n, int32_t out[4]) {
#if CSIMD_X86
    if (csimd_use_avx2) { dot4_i8_avx2(q, r0, r1, r2, r3, n, out); return; }
#endif
    out[0] = csimd_dot_i8_scalar(q, r0, n);
    out[1] = csimd_dot_i8_scalar(q, r1, n);
    out[2] = csimd_dot_i8_scalar(q, r2, n);
    out[3] = csimd_dot_i8_scalar(q, r3, n);
}

void csimd_l2sq4_i8(const int8_t *q, const int8_t *r0, const int8_t *r1, const int8_t *r2,
                    const int8_t *r3, size_t n, int32_t out[4]) {
#if CSIMD_X86
    if (csimd_use_avx2) { l2sq4_i8_avx2(q, r0, r1, r2, r3, n, out); return; }
#endif
    out[0] = csimd_l2sq_i8_scalar(q, r0, n);
    out[1] = csimd_l2sq_i8_scalar(q, r1, n);
    out[2] = csimd_l2sq_i8_scalar(q, r2, n);
    out[3] = csimd_l2sq_i8_scalar(q, r3, n);
}

int32_t csimd_quantize_i8(const float *x, size_t n, float lo, float scale, int8_t *out) {
    int32_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        float v = (x[i] - lo) * scale;
        v = v < 0 ? 0 : (v > 254 ? 254 : v);
        int32_t c = (int32_t)lrintf(v) - 127;
        out[i] = (int8_t)c;
        sum += c;
    }
    return sum;
}

/* ----------------------------------------------------------------------------------------------
 * Locks and counters
 * ---------------------------------------------------------------------------------------------- */

void csimd_spin_lock(uint32_t *word) {
    for (unsigned spins = 0;; spins++) {
        uint32_t expected = 0;
        if (__atomic_load_n(word, __ATOMIC_RELAXED) == 0 &&
            __atomic_compare_exchange_n(word, &expected, 1, 0, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED))
            return;
        if (spins < 64) {
#if CSIMD_X86
            __builtin_ia32_pause();
#endif
        } else {
            sched_yield();
        }
    }
}

void csimd_spin_unlock(uint32_t *word) { __atomic_store_n(word, 0, __ATOMIC_RELEASE); }

uint64_t csimd_fetch_add_u64(uint64_t *word, uint64_t delta) {
    return __atomic_fetch_add(word, delta, __ATOMIC_RELAXED);
}
