import CSIMD

/// Maps f32 components to int8 codes over one range for all dimensions (as Qdrant's scalar
/// quantization does): code c ∈ [-127, 127] stands for `offset + c·delta`.
///
/// With x ≈ o + cₓΔ and y ≈ o + c_yΔ over d dimensions:
/// x·y ≈ Δ²·Σcₓc_y + corr(x) + corr(y) with corr(v) = oΔ·Σc_v + d·o²/2, and
/// ‖x − y‖² ≈ Δ²·Σ(cₓ − c_y)². The per-vector `corr` is stored beside the codes.
struct ScalarQuantizer: Sendable, Equatable {
    let lower: Float
    let upper: Float
    let dimension: Int

    var delta: Float { (upper - lower) / 254 }
    var scale: Float { 254 / (upper - lower) }
    var offset: Float { lower + 127 * delta }

    init(lower: Float, upper: Float, dimension: Int) {
        var lo = lower, hi = upper
        if !(hi > lo) { lo -= 1e-3; hi += 1e-3 }
        self.lower = lo
        self.upper = hi
        self.dimension = dimension
    }

    /// Fits the range to the central `quantile` of the component values of `sample`
    /// (a flat array of vectors).
    init(training sample: UnsafeBufferPointer<Float>, dimension: Int, quantile: Float) {
        var values = Array(sample)
        values.sort()
        guard !values.isEmpty else {
            self.init(lower: -1, upper: 1, dimension: dimension)
            return
        }
        let tail = Double(1 - quantile) / 2
        let lo = values[Int((Double(values.count - 1) * tail).rounded(.down))]
        let hi = values[Int((Double(values.count - 1) * (1 - tail)).rounded(.up))]
        self.init(lower: lo, upper: hi, dimension: dimension)
    }

    /// Writes the codes of `vector` to `codes` and returns the dot-product correction term.
    func encode(_ vector: UnsafePointer<Float>, into codes: UnsafeMutablePointer<Int8>) -> Float {
        let sum = csimd_quantize_i8(vector, dimension, lower, scale, codes)
        let o = offset
        return o * delta * Float(sum) + Float(dimension) * o * o / 2
    }
}
