import CEmbeddingKernels
@testable import Embedding
import Foundation
import Testing

/// The fp16 weight panels and their few-rows product (`cembedding_gemm_f16_accumulate`).
@Suite struct HalfPrecisionKernelTests {
    /// Every variant this CPU can run (the portable one always).
    static let variants: [Int32] = [
        Int32(CEMBEDDING_VARIANT_PORTABLE), Int32(CEMBEDDING_VARIANT_AVX2), Int32(CEMBEDDING_VARIANT_AVX512),
    ]

    @Test func portableConversionRoundsToNearestEvenLikeIEEE() {
        let cases: [(Float, UInt16)] = [
            (0, 0x0000), (-0.0, 0x8000), (1, 0x3c00), (-2, 0xc000), (65504, 0x7bff),
            (65519.99, 0x7bff), (65520, 0x7c00), (1e6, 0x7c00), (-.infinity, 0xfc00),
            (0x1p-14, 0x0400), (0x1p-24, 0x0001), (0x1p-25, 0x0000), (0x1.8p-25, 0x0001), (0x1.8p-24, 0x0002),
            (1 + 0x1p-11, 0x3c00), (1 + 0x1.8p-11, 0x3c01), (1 + 0x1p-10 + 0x1p-11, 0x3c02),
            (0.1, 0x2e66), (1.0 / 3.0, 0x3555),
        ]
        for (value, expected) in cases {
            let got = cembedding_f32_to_f16_portable(value)
            #expect(got == expected, "\(value): got \(String(got, radix: 16)), expected \(String(expected, radix: 16))")
        }
        #expect(cembedding_f16_to_f32_portable(cembedding_f32_to_f16_portable(.nan)).isNaN)
    }

    /// The dispatched converter (F16C on x86) and the portable one agree bit for bit on a sweep of
    /// float bit patterns through every binade (normals, subnormals, ties, overflow, inf).
    @Test func dispatchedConversionMatchesPortable() {
        var values: [Float] = []
        var bits: UInt32 = 0
        while bits < 0x7f80_0000 {
            values.append(Float(bitPattern: bits))
            values.append(-Float(bitPattern: bits | 0x1000)) // an exact tie of the 13 dropped bits
            bits &+= 0x0000_1f3b
        }
        values += [.infinity, -.infinity, 65504, 65520, 0x1p-24, 0x1p-25]
        var converted = [UInt16](repeating: 0, count: values.count)
        cembedding_f32_to_f16(values, &converted, values.count)
        var mismatches = 0
        for (value, half) in zip(values, converted) where half != cembedding_f32_to_f16_portable(value) { mismatches += 1 }
        #expect(mismatches == 0)
        // Widening is exact: rounding a half's value again gives the same half.
        let unstable = converted.filter { $0 & 0x7c00 != 0x7c00 && cembedding_f32_to_f16_portable(cembedding_f16_to_f32_portable($0)) != $0 }
        #expect(unstable.isEmpty)
    }

    /// Deterministic weights in roughly MiniLM's range (|w| < 0.5), inputs in (-2, 2).
    static func matrices(m: Int, n: Int, k: Int) -> (a: [Float], w: [Float]) {
        let a = (0..<(m * k)).map { 2 * sin(Float($0) * 0.37 + 0.1) }
        let w = (0..<(n * k)).map { 0.5 * cos(Float($0) * 0.113) * sin(Float($0 % 97) * 0.7) }
        return (a, w)
    }

    /// The product in Double over the fp16-rounded weights, added to `start`.
    static func reference(_ a: [Float], _ w: [Float], start: [Float], m: Int, n: Int, k: Int) -> [Double] {
        let rounded = w.map { Double(cembedding_f16_to_f32_portable(cembedding_f32_to_f16_portable($0))) }
        return (0..<(m * n)).map { index in
            let (i, j) = (index / n, index % n)
            var dot = 0.0
            for x in 0..<k { dot += Double(a[i * k + x]) * rounded[j * k + x] }
            return Double(start[index]) + dot
        }
    }

    /// Runs one variant; nil when this CPU lacks it.
    static func run(variant: Int32, a: [Float], panels: [UInt16], start: [Float], m: Int, n: Int, k: Int) -> [Float]? {
        var c = start
        let ran = c.withUnsafeMutableBufferPointer { cp in
            cembedding_gemm_f16_accumulate_variant(variant, Int32(m), Int32(n), Int32(k), a, Int32(k), panels,
                                                   cp.baseAddress!, Int32(n))
        }
        return ran == 1 ? c : nil
    }

    /// Every variant against the portable one and against a Double reference, for M = 1...24 (all row
    /// blockings of both SIMD kernels) and N, K that are and are not multiples of the panel (32) and
    /// vector widths (8, 16): N = 7 and 45 end inside a panel, N = 40 inside a 16-column half.
    @Test(arguments: [(7, 5), (45, 13), (40, 384), (64, 33), (96, 1536)])
    func everyVariantMatchesTheReferenceForEveryRowCount(shape: (Int, Int)) {
        let (n, k) = shape
        #expect(Self.variants.contains(Int32(cembedding_f16_best_variant())))
        for m in 1...24 {
            let (a, w) = Self.matrices(m: m, n: n, k: k)
            let panels = DenseWeight(values: w, outputs: n, inputs: k, halfPrecision: true).halfPanels!
            #expect(panels.count == cembedding_f16_panels_count(Int32(n), Int32(k)))
            let start = (0..<(m * n)).map { Float($0 % 11) - 5 }
            let expected = Self.reference(a, w, start: start, m: m, n: n, k: k)
            let portable = Self.run(variant: Int32(CEMBEDDING_VARIANT_PORTABLE), a: a, panels: panels, start: start, m: m, n: n, k: k)!
            // Bound on f32 rounding of a k-term sum of products |a·w| ≤ 2 · 0.5.
            let tolerance = Double(k) * 2e-7 + 1e-6
            for variant in Self.variants {
                guard let c = Self.run(variant: variant, a: a, panels: panels, start: start, m: m, n: n, k: k) else {
                    #expect(variant > cembedding_f16_best_variant(), "the dispatched variant \(variant) must run")
                    continue
                }
                let worstReference = zip(c, expected).map { abs(Double($0) - $1) }.max()!
                let worstPortable = zip(c, portable).map { abs(Double($0) - Double($1)) }.max()!
                #expect(worstReference <= tolerance, "variant \(variant) M=\(m) N=\(n) K=\(k): \(worstReference) from Double")
                #expect(worstPortable <= tolerance, "variant \(variant) M=\(m) N=\(n) K=\(k): \(worstPortable) from portable")
            }
        }
    }

    /// Columns past N in the last panel are zero padding and must never be written.
    @Test func partialPanelLeavesNeighbouringColumnsAlone() {
        let (m, n, k, ldc) = (3, 5, 16, 9)
        let (a, w) = Self.matrices(m: m, n: n, k: k)
        let panels = DenseWeight(values: w, outputs: n, inputs: k, halfPrecision: true).halfPanels!
        for variant in Self.variants {
            var c = [Float](repeating: 7, count: m * ldc)
            let ran = c.withUnsafeMutableBufferPointer { cp in
                cembedding_gemm_f16_accumulate_variant(variant, Int32(m), Int32(n), Int32(k), a, Int32(k), panels,
                                                       cp.baseAddress!, Int32(ldc))
            }
            guard ran == 1 else { continue }
            for row in 0..<m { #expect(c[(row * ldc + n)..<(row * ldc + ldc)].allSatisfy { $0 == 7 }, "variant \(variant)") }
        }
    }

    @Test func accumulateLinearUsesTheHalfPanelsForFewRowsOnly() {
        let (n, k) = (40, 24)
        for m in [1, BertEncoder.skinnyRowLimit, BertEncoder.skinnyRowLimit + 1] {
            let (a, w) = Self.matrices(m: m, n: n, k: k)
            let weight = DenseWeight(values: w, outputs: n, inputs: k, halfPrecision: true)
            var c = [Float](repeating: 1, count: m * n)
            c.withUnsafeMutableBufferPointer { BertEncoder.accumulateLinear(a, rows: m, weight: weight, into: $0.baseAddress!) }
            // fp16 weights ⇒ the result matches the rounded-weights reference; f32 ⇒ the exact one.
            let half = Self.reference(a, w, start: .init(repeating: 1, count: m * n), m: m, n: n, k: k)
            let exact = (0..<(m * n)).map { index in
                1 + (0..<k).reduce(0.0) { $0 + Double(a[index / n * k + $1]) * Double(w[index % n * k + $1]) }
            }
            let expected = m <= BertEncoder.skinnyRowLimit ? half : exact
            let worst = zip(c, expected).map { abs(Double($0) - $1) }.max()!
            #expect(worst < 1e-5, "M=\(m): \(worst)")
        }
    }

    @Test func weightsBeyondHalfRangeKeepF32() {
        let weight = DenseWeight(values: [1, 70000, 0, 2], outputs: 2, inputs: 2, halfPrecision: true)
        #expect(weight.halfPanels == nil)
        #expect(DenseWeight(values: [1, 2, 3, 4], outputs: 2, inputs: 2, halfPrecision: false).halfPanels == nil)
    }
}

/// The fp16 weights on the real model: one text per forward pass (so every dense layer runs the
/// fp16 panels) against the f32 weights and against sentence-transformers.
///
/// The bar is the fidelity requirement, cosine ≥ 0.9999 for every text (measured: ≥ 0.999999). The
/// per-component bound is looser than the f32 path's 5e-5 (MiniLMReferenceTests): rounding the
/// weights to fp16 (relative 2⁻¹¹) moves components of the unit vector by up to ~1.7e-4 (measured),
/// so it is 3e-4 here, a guard against a broken kernel rather than a fidelity claim.
@Suite struct HalfPrecisionModelTests {
    static let maxAbsGuard: Float = 3e-4

    @Test func halfWeightsKeepFidelityOnEveryFixtureText() async throws {
        let half = try MiniLMEmbedder(modelDirectory: TestSupport.modelDirectory,
                                      configuration: .init(threads: 1, batchSize: 1, halfPrecisionWeights: true))
        let full = try MiniLMEmbedder(modelDirectory: TestSupport.modelDirectory,
                                      configuration: .init(threads: 1, batchSize: 1, halfPrecisionWeights: false))
        var minimumToFull = 1.0, minimumToReference = 1.0
        var maxAbsToFull: Float = 0, maxAbsToReference: Float = 0
        var halfPathTexts = 0
        for reference in TestSupport.references {
            let a = try await half.embed([reference.text])[0]
            let b = try await full.embed([reference.text])[0]
            if reference.input_ids.count <= BertEncoder.skinnyRowLimit { halfPathTexts += 1 }
            let toFull = TestSupport.cosine(a, b), toReference = TestSupport.cosine(a, reference.embedding)
            let absReference = TestSupport.maxAbsDifference(a, reference.embedding)
            #expect(toFull >= 0.9999, "text \(reference.id) (\(reference.category)): cosine to f32 \(toFull)")
            #expect(toReference >= 0.9999, "text \(reference.id) (\(reference.category)): cosine to reference \(toReference)")
            #expect(absReference <= Self.maxAbsGuard, "text \(reference.id) (\(reference.category)): max abs \(absReference)")
            minimumToFull = min(minimumToFull, toFull)
            minimumToReference = min(minimumToReference, toReference)
            maxAbsToFull = max(maxAbsToFull, TestSupport.maxAbsDifference(a, b))
            maxAbsToReference = max(maxAbsToReference, absReference)
        }
        #expect(halfPathTexts >= 16, "the fixture should exercise the fp16 path")
        print("fp16 weights on \(TestSupport.references.count) fixture texts (\(halfPathTexts) on the fp16 path):",
              "min cosine to f32 \(minimumToFull), to reference \(minimumToReference);",
              "max abs difference to f32 \(maxAbsToFull), to reference \(maxAbsToReference)")
    }

    /// With fp16 weights (the default), a short text alone (fp16 panels) and in a large batch (sgemm
    /// over f32) differ only by the weights' rounding.
    @Test func batchedAndAloneAgreeWithHalfWeights() async throws {
        let model = try TestSupport.loadModel()
        #expect(model.configuration.halfPrecisionWeights)
        let references = Array(TestSupport.references.prefix(12))
        let together = try await model.embed(references.map(\.text))
        let single = try MiniLMEmbedder(modelDirectory: TestSupport.modelDirectory,
                                        configuration: .init(threads: 1, batchSize: 1))
        for (reference, vector) in zip(references, together) {
            let alone = try await single.embed([reference.text])[0]
            #expect(TestSupport.cosine(alone, vector) >= 0.99999, "text \(reference.id)")
            #expect(TestSupport.maxAbsDifference(alone, vector) <= Self.maxAbsGuard, "text \(reference.id)")
        }
    }
}
