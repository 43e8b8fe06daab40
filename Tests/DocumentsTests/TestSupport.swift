import Documents
import Embedding
import Foundation
import ZIPFoundation

/// Paths and shared objects for the Documents tests.
enum TestSupport {
    /// The package root, found from this file's path (Tests/DocumentsTests/TestSupport.swift).
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    static let fixtures = packageRoot.appendingPathComponent("Tests/DocumentsTests/Fixtures")

    /// The bytes of a committed fixture (made by scripts/make_document_fixtures.py).
    static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: fixtures.appendingPathComponent(name))
    }

    /// all-MiniLM-L6-v2's WordPiece tokenizer, from the model `scripts/setup.sh` unpacks.
    static let tokenizer: Result<WordPieceTokenizer, any Error> = Result {
        try WordPieceTokenizer(vocabularyURL: packageRoot.appendingPathComponent("data/models/all-MiniLM-L6-v2/vocab.txt"))
    }

    static func chunker(_ configuration: ChunkingConfiguration = .init()) throws -> HierarchicalChunker {
        try HierarchicalChunker(tokenizer: tokenizer.get(), configuration: configuration)
    }

    /// Word pieces of `text` without [CLS]/[SEP].
    static func pieces(_ text: String) throws -> Int {
        try tokenizer.get().encode(text, maxLength: Int.max).count - 2
    }

    /// Runs `body` and returns the error it threw, as a DocumentError (nil when it threw nothing).
    static func documentError(_ body: () throws(DocumentError) -> Void) -> DocumentError? {
        do {
            try body()
            return nil
        } catch {
            return error
        }
    }
}

/// Office packages built in memory for the hostile-input tests.
enum ZipBuilder {
    static let wordContentTypes = """
        <?xml version="1.0" encoding="UTF-8"?>
        <Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">\
        <Override PartName="/word/document.xml" \
        ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>
        """

    /// A document.xml whose body holds `paragraphs` (already-escaped XML text).
    static func wordDocument(_ paragraphs: [String]) -> String {
        "<?xml version=\"1.0\"?><w:document xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\">"
            + "<w:body>" + paragraphs.map { "<w:p><w:r><w:t>\($0)</w:t></w:r></w:p>" }.joined() + "</w:body></w:document>"
    }

    /// A zip of `entries`, deflated.
    static func zip(_ entries: [(path: String, data: Data)]) throws -> Data {
        let archive = try Archive(accessMode: .create)
        for entry in entries {
            try archive.addEntry(with: entry.path, type: .file, uncompressedSize: Int64(entry.data.count),
                                 compressionMethod: .deflate) { position, size in
                entry.data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard let data = archive.data else { throw CocoaError(.fileWriteUnknown) }
        return data
    }

    /// A docx whose document part inflates to `size` bytes of spaces inside one `w:t` (a zip bomb: about 1,000:1).
    static func bombDocx(size: Int) throws -> Data {
        let archive = try Archive(accessMode: .create)
        let types = Data(wordContentTypes.utf8)
        try archive.addEntry(with: "[Content_Types].xml", type: .file, uncompressedSize: Int64(types.count),
                             compressionMethod: .deflate) { position, count in
            types.subdata(in: Int(position)..<Int(position) + count)
        }
        let head = Data(#"<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>"#.utf8)
        let spaces = Data(repeating: 0x20, count: 1 << 20)
        try archive.addEntry(with: "word/document.xml", type: .file, uncompressedSize: Int64(size),
                             compressionMethod: .deflate, bufferSize: 1 << 20) { position, count in
            if position == 0 { return head + spaces.prefix(count - head.count) }
            return spaces.prefix(count)
        }
        guard let data = archive.data else { throw CocoaError(.fileWriteUnknown) }
        return data
    }
}
