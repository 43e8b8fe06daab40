@testable import Embedding
import Foundation
import Testing

@Suite struct KernelTests {
    @Test func geluMatchesTheExactDefinitionEverywhere() {
        // A dense grid through the range where erf changes, plus saturated tails and a ragged tail length.
        let values: [Float] = (0..<40_003).map { Float($0) * 0.0004 - 8 }
        var buffer = values
        buffer.withUnsafeMutableBufferPointer { Kernels.gelu($0.baseAddress!, count: $0.count) }
        var worst = 0.0
        for (x, y) in zip(values, buffer) {
            let exact = Double(x) * 0.5 * (1 + erf(Double(x) / 2.0.squareRoot()))
            worst = max(worst, abs(Double(y) - exact) / max(1, abs(Double(x))))
        }
        #expect(worst < 1e-6)
    }

    @Test func geluMatchesTheScalarDefinition() {
        let values: [Float] = (0..<37).map { Float($0) * 0.37 - 6.5 }
        var buffer = values
        buffer.withUnsafeMutableBufferPointer { Kernels.gelu($0.baseAddress!, count: $0.count) }
        for (x, y) in zip(values, buffer) {
            let exact = Double(x) * 0.5 * (1 + erf(Double(x) / 2.0.squareRoot()))
            #expect(abs(Double(y) - exact) < 3e-6)
        }
    }

    @Test func layerNormMatchesTheScalarDefinition() {
        let n = 24
        var x: [Float] = (0..<n).map { sin(Float($0)) * 3 + 1 }
        let add: [Float] = (0..<n).map { Float($0) * 0.1 }
        let weight: [Float] = (0..<n).map { 1 + Float($0) * 0.01 }
        let bias: [Float] = (0..<n).map { Float($0) * -0.02 }
        let summed = zip(x, add).map { Double($0) + Double($1) }
        let mean = summed.reduce(0, +) / Double(n)
        let variance = summed.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
        let expected = summed.indices.map { (summed[$0] - mean) / (variance + 1e-12).squareRoot() * Double(weight[$0]) + Double(bias[$0]) }
        x.withUnsafeMutableBufferPointer { xs in
            Kernels.layerNorm(xs.baseAddress!, adding: add, weight: weight, bias: bias, count: n, eps: 1e-12)
        }
        for i in 0..<n { #expect(abs(Double(x[i]) - expected[i]) < 1e-5) }
    }

    @Test func softmaxSumsToOneAndIsStable() {
        var row: [Float] = [1000, 999, -1000, 0]
        row.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress!, count: $0.count) }
        #expect(abs(row.reduce(0, +) - 1) < 1e-6)
        #expect(abs(row[0] - 1 / (1 + exp(-1))) < 1e-6)
        #expect(row[2] == 0)
    }

    /// The vector path (rows of 8 and more) against a double-precision softmax, for lengths around its
    /// 8-lane blocking and the attention's usual 128…512, with a spread of -60…+20 as attention scores have.
    @Test(arguments: [8, 9, 15, 16, 31, 128, 256, 300, 512])
    func softmaxMatchesDoubleReference(count: Int) {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20 {
            var row: [Float] = (0..<count).map { _ in Float.random(in: -60...20, using: &generator) }
            let maximum = Double(row.max() ?? 0)
            let exps = row.map { exp(Double($0) - maximum) }
            let total = exps.reduce(0, +)
            row.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress!, count: $0.count) }
            for i in 0..<count {
                let expected = exps[i] / total
                // x − max is rounded in Float (up to 4e-6 absolute at a spread of 80), so ~1e-5 relative is the floor.
                #expect(abs(Double(row[i]) - expected) <= 1e-5 * expected + 1e-30, "element \(i) of \(count)")
            }
        }
        var wide: [Float] = [0, -1, -200, -87.5, -87, -3, -2, -1, 0, -1000]
        wide.withUnsafeMutableBufferPointer { Kernels.softmax($0.baseAddress!, count: $0.count) }
        #expect(wide[2] == 0 && wide[3] == 0 && wide[9] == 0)
        #expect(wide[4] > 0 && abs(wide.reduce(0, +) - 1) < 1e-6)
    }
}

@Suite struct SkinnyGemmTests {
    /// The packing-free kernel against a double-precision reference, for row counts around its
    /// register blocking (2 rows × 4 outputs) and both code paths (K multiple of 8 or not).
    @Test(arguments: [(1, 8, 16), (2, 4, 384), (3, 7, 40), (5, 13, 12), (24, 9, 384)])
    func packingFreeProductMatchesReference(shape: (Int, Int, Int)) {
        let (m, n, k) = shape
        let a: [Float] = (0..<(m * k)).map { sin(Float($0) * 0.37) }
        let w: [Float] = (0..<(n * k)).map { cos(Float($0) * 0.11) }
        var c: [Float] = (0..<(m * n)).map { Float($0) }
        let start = c
        a.withUnsafeBufferPointer { ap in
            c.withUnsafeMutableBufferPointer { cp in
                let weight = DenseWeight(values: w, outputs: n, inputs: k, halfPrecision: false)
                BertEncoder.accumulateLinear(ap.baseAddress!, rows: m, weight: weight, into: cp.baseAddress!)
            }
        }
        for i in 0..<m {
            for j in 0..<n {
                var dot = 0.0
                for x in 0..<k { dot += Double(a[i * k + x]) * Double(w[j * k + x]) }
                #expect(abs(Double(c[i * n + j]) - (Double(start[i * n + j]) + dot)) < 1e-3)
            }
        }
    }
}
