import CEmbeddingKernels

/// The encoder's element-wise kernels. They live in C (`CEmbeddingKernels`, built with -O3 and an
/// AVX2+FMA path chosen at run time): a plain Swift loop keeps strict float order and is not
/// vectorised, and debug builds (the tests) would run them 10-50× slower.
enum Kernels {
    /// `x ← LayerNorm(x + add) · weight + bias` over `count` values (biased variance, like PyTorch).
    @inline(__always)
    static func layerNorm(
        _ x: UnsafeMutablePointer<Float>, adding add: UnsafePointer<Float>?,
        weight: UnsafePointer<Float>, bias: UnsafePointer<Float>, count: Int, eps: Float
    ) {
        cembedding_layer_norm(x, add, weight, bias, Int32(count), eps)
    }

    /// Copies `row` into each of `rows` rows of `matrix` (a bias broadcast before `sgemm(beta: 1)`).
    static func broadcastRows(_ row: UnsafePointer<Float>, count: Int, into matrix: UnsafeMutablePointer<Float>, rows: Int) {
        for r in 0..<rows { (matrix + r * count).update(from: row, count: count) }
    }

    /// In-place softmax of each of `rows` rows of `count` values.
    @inline(__always)
    static func softmax(_ x: UnsafeMutablePointer<Float>, rows: Int = 1, count: Int) {
        cembedding_softmax_rows(x, Int32(rows), Int32(count))
    }

    /// In-place GELU with the error function: `x · ½ · (1 + erf(x / √2))`.
    @inline(__always)
    static func gelu(_ x: UnsafeMutablePointer<Float>, count: Int) {
        cembedding_gelu(x, count)
    }
}
