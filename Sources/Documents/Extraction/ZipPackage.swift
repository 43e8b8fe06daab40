import Foundation
import ZIPFoundation

/// An Office Open XML package (docx, pptx) read with ZIPFoundation under `ExtractionLimits`.
///
/// Invariants: at most `maxZipEntries` entries are ever looked at; the bytes inflated from one entry never exceed
/// `maxZipEntryBytes`, and from all entries together `maxZipTotalBytes`, counted as they are produced (declared
/// sizes are not trusted); an entry whose CRC-32 does not match is an error, not data.
struct ZipPackage {
    private let archive: Archive
    private let format: DocumentFormat
    private let limits: ExtractionLimits
    /// Entries by part name (without a leading `/`), and by lower-cased name: OPC part names ignore case.
    private let entries: [String: Entry]
    private let entriesByLowercasedName: [String: Entry]
    private var totalBytes = 0

    /// ZIPFoundation's in-memory archives trap on a corrupt offset past the end of the data (its memory file
    /// computes a negative length), while a file behind a `FILE*` just reads short. So the bytes are written to a
    /// temporary file, opened, and unlinked at once (the open file keeps them until the archive is released).
    init(_ bytes: Data, format: DocumentFormat, limits: ExtractionLimits) throws(DocumentError) {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("campus-search-\(UUID().uuidString).\(format.rawValue)")
        do {
            try bytes.write(to: url)
        } catch {
            throw .unavailable("cannot write a temporary copy to \(url.deletingLastPathComponent().path): \(error)")
        }
        defer { try? FileManager.default.removeItem(at: url) }
        do {
            archive = try Archive(url: url, accessMode: .read)
        } catch {
            throw .damaged(format, reason: "its ZIP archive cannot be opened")
        }
        var entries: [String: Entry] = [:]
        var lowercased: [String: Entry] = [:]
        var count = 0
        for entry in archive {
            count += 1
            guard count <= limits.maxZipEntries else { throw .limitExceeded(.zipEntries, limit: limits.maxZipEntries) }
            let name = entry.path.hasPrefix("/") ? String(entry.path.dropFirst()) : entry.path
            if entries[name] == nil { entries[name] = entry }
            if lowercased[name.lowercased()] == nil { lowercased[name.lowercased()] = entry }
        }
        self.format = format
        self.limits = limits
        self.entries = entries
        self.entriesByLowercasedName = lowercased
    }

    func contains(_ part: String) -> Bool { entry(part) != nil }

    /// The bytes of a part, or nil when the package has no such part.
    mutating func read(_ part: String) throws(DocumentError) -> Data? {
        guard let entry = entry(part) else { return nil }
        var data = Data()
        var entryBytes = 0
        let limits = self.limits
        let alreadyRead = totalBytes
        let checksum: CRC32
        do {
            checksum = try archive.extract(entry, bufferSize: 64 << 10, skipCRC32: false) { chunk in
                entryBytes += chunk.count
                if entryBytes > limits.maxZipEntryBytes {
                    throw DocumentError.limitExceeded(.zipEntryBytes, limit: limits.maxZipEntryBytes)
                }
                if alreadyRead + entryBytes > limits.maxZipTotalBytes {
                    throw DocumentError.limitExceeded(.zipTotalBytes, limit: limits.maxZipTotalBytes)
                }
                data.append(chunk)
            }
        } catch let error as DocumentError {
            throw error
        } catch {
            throw .damaged(format, reason: "its part \(part) cannot be unpacked")
        }
        guard checksum == entry.checksum else { throw .damaged(format, reason: "its part \(part) fails its checksum") }
        totalBytes += entryBytes
        return data
    }

    /// Whether `[Content_Types].xml` names a Word document or a presentation as the main part.
    mutating func officeKind() throws(DocumentError) -> DetectedContent {
        guard let data = try read("[Content_Types].xml") else { return .otherZip }
        let types = String(decoding: data, as: UTF8.self)
        let word = ["wordprocessingml.document.main+xml", "wordprocessingml.template.main+xml",
                    "ms-word.document.macroEnabled.main+xml", "ms-word.template.macroEnabledTemplate.main+xml"]
        let presentation = ["presentationml.presentation.main+xml", "presentationml.slideshow.main+xml",
                            "presentationml.template.main+xml", "ms-powerpoint.presentation.macroEnabled.main+xml",
                            "ms-powerpoint.slideshow.macroEnabled.main+xml"]
        if word.contains(where: { types.contains($0) }) { return .docx }
        if presentation.contains(where: { types.contains($0) }) { return .pptx }
        return .otherZip
    }

    private func entry(_ part: String) -> Entry? {
        let name = part.hasPrefix("/") ? String(part.dropFirst()) : part
        return entries[name] ?? entriesByLowercasedName[name.lowercased()]
    }
}
