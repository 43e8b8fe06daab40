@testable import Embedding
import Foundation
import Testing

@Suite struct KernelTests {
    @Test func vectorErfMatchesLibmErf() {
        var worst: Double = 0
        var x: Float = -7
        while x <= 7 {
            let lanes = SIMD8<Float>((0..<8).map { x + Float($0) * 0.000_25 })
            let approx = Kernels.erf8(lanes)
            for lane in 0..<8 {
                worst = max(worst, abs(Double(approx[lane]) - erf(Double(lanes[lane]))))
            }
            x += 0.002
        }
        #expect(worst < 5e-7)
        #expect(Kernels.erf8(SIMD8(repeating: 0)) == SIMD8(repeating: 0))
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
}
