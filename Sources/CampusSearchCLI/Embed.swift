import ArgumentParser
import Embedding
import Foundation

/// `campus-search embed`: JSON lines `{"text": "..."}` on stdin → one line
/// `{"input_ids": [...], "embedding": [...]}` per text on stdout, in input order.
struct Embed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Embed texts with the built-in all-MiniLM-L6-v2.",
        discussion: """
        Reads JSON lines {"text": "..."} on standard input (a text may contain escaped newlines) and \
        prints one JSON line {"input_ids": [...], "embedding": [...]} per text, in input order.
        """
    )

    @OptionGroup var options: EmbedOptions

    /// Lines read before a round of embedding (bounds memory on long inputs).
    static let linesPerRound = 4096

    func run() throws {
        let embedder = try options.load()
        var reader = LineReader(handle: .standardInput)
        var lineNumber = 0
        var texts: [String] = []
        while true {
            let line = try reader.nextLine()
            if let line {
                lineNumber += 1
                if let text = try Self.parse(line, lineNumber: lineNumber) { texts.append(text) }
            }
            if texts.count >= Self.linesPerRound || (line == nil && !texts.isEmpty) {
                try Self.emit(texts, with: embedder)
                texts.removeAll(keepingCapacity: true)
            }
            if line == nil { break }
        }
    }

    /// The text of one input line; nil for a blank line.
    static func parse(_ bytes: ArraySlice<UInt8>, lineNumber: Int) throws -> String? {
        guard let line = String(validating: bytes, as: UTF8.self) else {
            throw CLIError("stdin line \(lineNumber) is not valid UTF-8")
        }
        if line.allSatisfy(\.isWhitespace) { return nil }
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
              let text = object["text"] as? String else {
            throw CLIError("stdin line \(lineNumber) is not a JSON object with a \"text\" string")
        }
        return text
    }

    static func emit(_ texts: [String], with embedder: MiniLMEmbedder) throws {
        let ids = texts.map { embedder.tokenizer.encode($0, maxLength: embedder.maxLength) }
        let vectors = embedder.embedSync(tokenIDs: ids)
        var out = ""
        out.reserveCapacity(texts.count * 4200)
        for (tokens, vector) in zip(ids, vectors) {
            out += "{\"input_ids\":["
            out += tokens.map(String.init).joined(separator: ",")
            out += "],\"embedding\":["
            out += vector.map { "\($0)" }.joined(separator: ",")
            out += "]}\n"
        }
        FileHandle.standardOutput.write(Data(out.utf8))
    }
}

/// Options shared by the embedding commands.
/// The embedder options `embed` and `bench embed` share.
struct EmbedOptions: ParsableArguments {
    static let defaultModelDirectory = "data/models/all-MiniLM-L6-v2"

    @Option(help: "Model directory (default: $CAMPUS_SEARCH_MODEL_DIR, else data/models/all-MiniLM-L6-v2).")
    var model: String?

    @Option(help: "Worker threads for the forward pass.")
    var threads: Int = 1

    @Option(help: "Texts per forward pass.")
    var batch: Int = 32

    @Option(help: "Tokens per forward pass at most (a longer text is a pass of its own).")
    var batchTokens: Int = MiniLMEmbedder.Configuration().maxBatchTokens

    /// `--model`, else `$CAMPUS_SEARCH_MODEL_DIR`, else the default directory.
    var modelDirectory: String {
        model ?? ProcessInfo.processInfo.environment["CAMPUS_SEARCH_MODEL_DIR"] ?? Self.defaultModelDirectory
    }

    /// The embedder with these options (`threads` and `batch` overridable, e.g. for single-query latency).
    func load(threads: Int? = nil, batch: Int? = nil) throws -> MiniLMEmbedder {
        let threads = threads ?? self.threads, batch = batch ?? self.batch
        guard (1...256).contains(threads) else { throw CLIError("--threads must be 1...256, got \(threads)") }
        guard (1...4096).contains(batch) else { throw CLIError("--batch must be 1...4096, got \(batch)") }
        guard batchTokens >= 1 else { throw CLIError("--batch-tokens must be ≥ 1, got \(batchTokens)") }
        do {
            return try MiniLMEmbedder(modelDirectory: modelDirectory,
                                      configuration: .init(threads: threads, batchSize: batch, maxBatchTokens: batchTokens))
        } catch let error as EmbeddingError {
            throw CLIError(error.description)
        }
    }
}

/// Splits a file handle's bytes into lines (LF, with an optional CR before it) without decoding them.
struct LineReader {
    let handle: FileHandle
    private var buffer: [UInt8] = []
    private var start = 0
    private var atEnd = false

    init(handle: FileHandle) { self.handle = handle }

    /// The next line without its terminator; nil at the end of input.
    mutating func nextLine() throws -> ArraySlice<UInt8>? {
        while true {
            if let newline = buffer[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var line = buffer[start..<newline]
                if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
                start = newline + 1
                return line
            }
            if atEnd {
                guard start < buffer.count else { return nil }
                let line = buffer[start...]
                start = buffer.count
                return line
            }
            if start > 0 {
                buffer.removeFirst(start)
                start = 0
            }
            let chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            if chunk.isEmpty { atEnd = true } else { buffer.append(contentsOf: chunk) }
        }
    }
}
