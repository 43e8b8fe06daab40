import CSIMD
import Testing

@Suite("SIMD kernels")
struct KernelTests {
    static let dimensions = [1, 3, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 100, 127, 128, 129, 383, 384, 385, 768, 1000, 1536]

    /// The tolerance of an f32 sum of n products: rounding grows with the sum of magnitudes.
    func close(_ a: Float, _ b: Float, magnitude: Float) -> Bool {
        abs(a - b) <= 1e-5 * (magnitude + 1)
    }

    @Test("dispatched, AVX2 and scalar f32 kernels agree to float rounding", arguments: dimensions)
    func f32Agree(dim: Int) {
        var rng = TestRNG(seed: UInt64(dim))
        let a = rng.vector(dim), b = rng.vector(dim)
        let rows = (0..<4).map { _ in rng.vector(dim) }
        let magnitude = zip(a, b).reduce(Float(0)) { $0 + abs($1.0 * $1.1) }
        let l2Magnitude = zip(a, b).reduce(Float(0)) { $0 + ($1.0 - $1.1) * ($1.0 - $1.1) }
        let dotRef = csimd_dot_f32_scalar(a, b, dim)
        let l2Ref = csimd_l2sq_f32_scalar(a, b, dim)
        let cosRef = csimd_cosine_f32_scalar(a, b, dim)
        // Double-precision truth keeps the scalar reference honest too.
        let truth = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
        #expect(close(dotRef, Float(truth), magnitude: magnitude))
        #expect(close(csimd_dot_f32(a, b, dim), dotRef, magnitude: magnitude))
        #expect(close(csimd_l2sq_f32(a, b, dim), l2Ref, magnitude: l2Magnitude))
        #expect(abs(csimd_cosine_f32(a, b, dim) - cosRef) <= 1e-5)
        if csimd_has_avx2_fma() == 1 {
            #expect(close(csimd_dot_f32_avx2(a, b, dim), dotRef, magnitude: magnitude))
            #expect(close(csimd_l2sq_f32_avx2(a, b, dim), l2Ref, magnitude: l2Magnitude))
            #expect(abs(csimd_cosine_f32_avx2(a, b, dim) - cosRef) <= 1e-5)
        }
        var out4 = [Float](repeating: 0, count: 4)
        var ref4 = [Float](repeating: 0, count: 4)
        csimd_dot4_f32_scalar(a, rows[0], rows[1], rows[2], rows[3], dim, &ref4)
        csimd_dot4_f32(a, rows[0], rows[1], rows[2], rows[3], dim, &out4)
        for k in 0..<4 {
            let mag = zip(a, rows[k]).reduce(Float(0)) { $0 + abs($1.0 * $1.1) }
            #expect(close(out4[k], ref4[k], magnitude: mag))
            #expect(close(ref4[k], csimd_dot_f32_scalar(a, rows[k], dim), magnitude: mag))
        }
        csimd_l2sq4_f32_scalar(a, rows[0], rows[1], rows[2], rows[3], dim, &ref4)
        csimd_l2sq4_f32(a, rows[0], rows[1], rows[2], rows[3], dim, &out4)
        for k in 0..<4 { #expect(close(out4[k], ref4[k], magnitude: ref4[k])) }
        if csimd_has_avx2_fma() == 1 {
            csimd_dot4_f32_avx2(a, rows[0], rows[1], rows[2], rows[3], dim, &out4)
            csimd_dot4_f32_scalar(a, rows[0], rows[1], rows[2], rows[3], dim, &ref4)
            for k in 0..<4 {
                let mag = zip(a, rows[k]).reduce(Float(0)) { $0 + abs($1.0 * $1.1) }
                #expect(close(out4[k], ref4[k], magnitude: mag))
            }
        }
    }

    @Test("int8 kernels are exact and agree with the scalar reference", arguments: dimensions)
    func int8Agree(dim: Int) {
        var rng = TestRNG(seed: 1000 + UInt64(dim))
        func codes() -> [Int8] { (0..<dim).map { _ in Int8(Int(rng.next() % 255) - 127) } }
        let a = codes(), b = codes()
        let rows = (0..<4).map { _ in codes() }
        let dot = zip(a, b).reduce(Int32(0)) { $0 + Int32($1.0) * Int32($1.1) }
        let l2 = zip(a, b).reduce(Int32(0)) { $0 + (Int32($1.0) - Int32($1.1)) * (Int32($1.0) - Int32($1.1)) }
        #expect(csimd_dot_i8_scalar(a, b, dim) == dot)
        #expect(csimd_l2sq_i8_scalar(a, b, dim) == l2)
        #expect(csimd_dot_i8(a, b, dim) == dot)
        #expect(csimd_l2sq_i8(a, b, dim) == l2)
        if csimd_has_avx2_fma() == 1 {
            #expect(csimd_dot_i8_avx2(a, b, dim) == dot)
            #expect(csimd_l2sq_i8_avx2(a, b, dim) == l2)
        }
        var out = [Int32](repeating: 0, count: 4)
        csimd_dot4_i8(a, rows[0], rows[1], rows[2], rows[3], dim, &out)
        for k in 0..<4 { #expect(out[k] == csimd_dot_i8_scalar(a, rows[k], dim)) }
        csimd_l2sq4_i8(a, rows[0], rows[1], rows[2], rows[3], dim, &out)
        for k in 0..<4 { #expect(out[k] == csimd_l2sq_i8_scalar(a, rows[k], dim)) }
    }

    @Test("quantize maps the range onto -127...127 and clips outside it")
    func quantize() {
        let x: [Float] = [-2, -1, 0, 0.25, 1, 3]
        var codes = [Int8](repeating: 0, count: x.count)
        let sum = csimd_quantize_i8(x, x.count, -1, 127, &codes)  // range [-1, 1]
        #expect(codes == [-127, -127, 0, 32, 127, 127])
        #expect(sum == codes.reduce(0) { $0 + Int32($1) })
    }

    @Test("the scalar fallback handles empty input")
    func empty() {
        let a: [Float] = [1]
        #expect(csimd_dot_f32(a, a, 0) == 0)
        #expect(csimd_l2sq_f32(a, a, 0) == 0)
        #expect(csimd_cosine_f32(a, a, 0) == 0)
    }
}
