import Foundation

/// Small vector kernels for the encoder. Reductions run over `SIMD8<Float>` with several
/// accumulators (a plain Swift loop keeps strict float order and is not vectorised).
enum Kernels {
    @inline(__always)
    static func load8(_ p: UnsafePointer<Float>) -> SIMD8<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD8<Float>.self)
    }

    @inline(__always)
    static func store8(_ v: SIMD8<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: SIMD8<Float>.self)
    }

    /// `x ← LayerNorm(x + add) · weight + bias` over `count` values (biased variance, like PyTorch).
    /// `add` may be nil. `count` must be a multiple of 8.
    static func layerNorm(
        _ x: UnsafeMutablePointer<Float>, adding add: UnsafePointer<Float>?,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, count: Int, eps: Float
    ) {
        var s0 = SIMD8<Float>(), s1 = SIMD8<Float>()
        var i = 0
        while i < count {
            var v = load8(x + i)
            if let add { v += load8(add + i) }
            store8(v, x + i)
            if i & 8 == 0 { s0 += v } else { s1 += v }
            i += 8
        }
        let mean = (s0 + s1).sum() / Float(count)
        var q0 = SIMD8<Float>(), q1 = SIMD8<Float>()
        i = 0
        while i < count {
            let d = load8(x + i) - mean
            if i & 8 == 0 { q0 += d * d } else { q1 += d * d }
            i += 8
        }
        let variance = (q0 + q1).sum() / Float(count)
        let inverse = 1 / (variance + eps).squareRoot()
        i = 0
        while i < count {
            let v = (load8(x + i) - mean) * inverse
            store8(v * load8(weight + i) + load8(bias + i), x + i)
            i += 8
        }
    }

    /// Copies `row` into each of `rows` rows of `matrix` (a bias broadcast before `sgemm(beta: 1)`).
    static func broadcastRows(_ row: UnsafePointer<Float>, count: Int, into matrix: UnsafeMutablePointer<Float>, rows: Int) {
        for r in 0..<rows { (matrix + r * count).update(from: row, count: count) }
    }

    /// In-place softmax of one row.
    static func softmax(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var maximum = -Float.infinity
        for i in 0..<count { maximum = max(maximum, x[i]) }
        var sum: Float = 0
        for i in 0..<count {
            let e = expf(x[i] - maximum)
            x[i] = e
            sum += e
        }
        let scale = 1 / sum
        for i in 0..<count { x[i] *= scale }
    }

    /// In-place GELU with the exact error function: `x · ½ · (1 + erf(x / √2))`.
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        var i = 0
        while i + 8 <= count {
            let v = load8(x + i)
            store8(v * 0.5 * (1 + erf8(v * 0.70710678118654752)), x + i)
            i += 8
        }
        while i < count {
            x[i] = x[i] * 0.5 * (1 + erff(x[i] * 0.70710678118654752))
            i += 1
        }
    }

    /// erf on 8 lanes, max abs error 4.1e-7 over all float inputs (about 7 ulp near 1; float `erff`
    /// is within 1 ulp; the tests compare the two). An odd rational function `x·P(x²)/Q(x²)` on |x| ≤ 4, saturated past it
    /// (erf(4) rounds to 1 in float). The coefficients are a least-squares fit made for this project
    /// (Benchmarks/tools/fit_erf.py).
    @inline(__always)
    static func erf8(_ value: SIMD8<Float>) -> SIMD8<Float> {
        let x = value.clamped(lowerBound: SIMD8(repeating: -4), upperBound: SIMD8(repeating: 4))
        let x2 = x * x
        // Horner over the coefficients of `ErfFit`, written out so the loop body stays in registers.
        var p = SIMD8<Float>(repeating: -1.3687745722e-08)
        p = p * x2 + 4.7858295885e-06
        p = p * x2 + 3.8285176773e-04
        p = p * x2 + 3.8377296693e-03
        p = p * x2 + 5.4329368979e-02
        p = p * x2 + 1.8465007292e-01
        p = p * x2 + 1.1283791824e+00
        var q = SIMD8<Float>(repeating: 6.4060897307e-05)
        q = q * x2 + 1.3094369589e-03
        q = q * x2 + 1.5450411353e-02
        q = q * x2 + 1.1380561951e-01
        q = q * x2 + 4.9697541754e-01
        q = q * x2 + 1.0
        return x * p / q
    }
}

/// Coefficients of `Kernels.erf8`: erf(x) ≈ x·P(x²)/Q(x²), lowest degree first, fitted on [0, 4].
enum ErfFit {
    static let p: [Float] = [1.1283791824e+00, 1.8465007292e-01, 5.4329368979e-02, 3.8377296693e-03,
                             3.8285176773e-04, 4.7858295885e-06, -1.3687745722e-08]
    static let q: [Float] = [1.0000000000e+00, 4.9697541754e-01, 1.1380561951e-01, 1.5450411353e-02,
                             1.3094369589e-03, 6.4060897307e-05]
}
