import Documents
import Foundation
import Testing

/// The measurement the task asks for: extraction + chunking of the 10-page, ~5,000-word PDF (printed; speed is
/// asserted in benchmarks, not unit tests).
@Suite struct PipelineTimingTests {
    @Test("extract and chunk report.pdf, printing the time of each step (median of 5 runs)")
    func reportPDF() throws {
        let data = try TestSupport.fixture("report.pdf")
        let chunker = try TestSupport.chunker()
        let clock = ContinuousClock()
        var extraction: [Duration] = []
        var chunking: [Duration] = []
        var chunks: [Chunk] = []
        for _ in 0..<5 {
            var document = ExtractedDocument(blocks: [])
            extraction.append(try clock.measure {
                document = try DocumentExtractor().extract(data, mimeType: "application/pdf", filename: "report.pdf")
            })
            chunking.append(clock.measure { chunks = chunker.chunk(document, fileID: UUID()) })
        }
        let median = { (times: [Duration]) in times.sorted()[times.count / 2] }
        let children = chunks.filter { $0.level == .child }.count
        print("report.pdf (10 pages, ~5,000 words): extraction \(median(extraction)), chunking \(median(chunking)), "
            + "\(chunks.count - children) parents + \(children) children")
        #expect(children > 0)
    }
}
