import Foundation
import JSON

/// One chunk of a document: a parent (a large piece of one section, the context a hit expands to) or a child
/// (a piece of one parent small enough to embed whole). Its `content` is Markdown.
///
/// Invariants: a child's `tokenCount` ≤ `ChunkingConfiguration.childMaxTokens`, a parent's ≤ `parentMaxTokens`;
/// a child's `parentID` is the id of a parent that comes before it in the chunk order, a parent's is nil; ids are
/// `Chunk.id(fileID:level:position:)`, so the same file and chunk position always give the same id.
public struct Chunk: Sendable, Equatable, Identifiable {
    public enum Level: String, Sendable, Equatable {
        case parent, child
    }

    public let id: UUID
    public let parentID: UUID?
    public let level: Level
    /// Position in the document's chunk order: each parent, then its children, then the next parent.
    public let index: Int
    /// The parent's position among the document's parents (a parent's own, a child's parent's).
    public let parentIndex: Int
    /// A child's position among the document's children; nil for parents.
    public let childIndex: Int?
    public let content: String
    /// The headings above the chunk's section, outermost first (e.g. ["Chapter 2", "2.1 Setup"]); empty before
    /// the first heading.
    public let headingPath: [String]
    /// First and last page (or slide) the chunk's text comes from, when the format has pages.
    public let pageStart: Int?
    public let pageEnd: Int?
    /// Word pieces of `content` (the model's tokenizer, without `[CLS]`/`[SEP]`).
    public let tokenCount: Int
    /// Characters (extended grapheme clusters) of `content`.
    public let charCount: Int
    /// The chunk holds a code block.
    public let hasCode: Bool
    /// The chunk holds math: `$…$`, `$$`, `\(`, `\[`, a LaTeX command such as `\frac`, or a symbol of Unicode's
    /// Mathematical Operators block (∑, √, ≤, ∈ …).
    public let hasFormulas: Bool
    /// The chunk holds a table (or a piece of one).
    public let hasTables: Bool
    /// The chunk holds an image reference `![alt](source)`.
    public let hasImages: Bool
    /// For a child, the other children of its parent in order; empty for a parent.
    public let siblingIDs: [UUID]

    /// The namespace of chunk ids: UUID v5 of the URL `https://campus-search.invalid/chunk` in RFC 9562's URL
    /// namespace, i.e. 6d63d7f4-50a7-5f4b-b398-45fb80782edf. Fixed forever: changing it changes every point id.
    public static let idNamespace = UUID(version5Name: "https://campus-search.invalid/chunk", namespace: .urlNamespace)

    /// The id of the chunk at `position` (its `parentIndex` for a parent, its `childIndex` for a child) of file
    /// `fileID`: UUID v5 in `idNamespace` of `"<file id, lower case>/<level>/<position>"`.
    public static func id(fileID: UUID, level: Level, position: Int) -> UUID {
        UUID(version5Name: "\(fileID.lowercasedString)/\(level.rawValue)/\(position)", namespace: idNamespace)
    }

    init(id: UUID, parentID: UUID?, level: Level, index: Int, parentIndex: Int, childIndex: Int?, content: String,
         headingPath: [String], pageStart: Int?, pageEnd: Int?, tokenCount: Int, features: ChunkFeatures,
         siblingIDs: [UUID]) {
        self.id = id
        self.parentID = parentID
        self.level = level
        self.index = index
        self.parentIndex = parentIndex
        self.childIndex = childIndex
        self.content = content
        self.headingPath = headingPath
        self.pageStart = pageStart
        self.pageEnd = pageEnd
        self.tokenCount = tokenCount
        self.charCount = content.count
        self.hasCode = features.hasCode
        self.hasFormulas = features.hasFormulas
        self.hasTables = features.hasTables
        self.hasImages = features.hasImages
        self.siblingIDs = siblingIDs
    }
}

/// The content flags of a chunk.
struct ChunkFeatures {
    var hasCode = false
    var hasFormulas = false
    var hasTables = false
    var hasImages = false

    /// Flags of `content`; code and tables come from the blocks the chunk was cut from.
    init(content: String, hasCode: Bool, hasTables: Bool) {
        self.hasCode = hasCode
        self.hasTables = hasTables
        hasImages = Self.containsImage(content)
        hasFormulas = Self.containsFormula(content)
    }

    /// `![alt](source)` with a non-empty source.
    static func containsImage(_ text: String) -> Bool {
        var search = text[...]
        while let start = search.range(of: "![") {
            let rest = search[start.upperBound...]
            if let close = rest.range(of: "]("), !rest[..<close.lowerBound].contains("\n"),
               let end = rest[close.upperBound...].firstIndex(of: ")"), end > close.upperBound {
                return true
            }
            search = rest
        }
        return false
    }

    static let latexCommands = ["\\frac", "\\sum", "\\int", "\\sqrt", "\\alpha", "\\beta", "\\lambda", "\\cdot",
                                "\\begin{equation", "\\mathbb"]

    static func containsFormula(_ text: String) -> Bool {
        if text.contains("$$") || text.contains("\\(") || text.contains("\\[") { return true }
        if latexCommands.contains(where: text.contains) { return true }
        if text.unicodeScalars.contains(where: { (0x2200...0x22FF).contains($0.value) }) { return true }
        return containsInlineDollarMath(text)
    }

    /// `$x$`: a `$` followed by a non-space, a closing `$` on the same line preceded by a non-space and not
    /// followed by a digit (so "$5 and $10" is money, not math).
    static func containsInlineDollarMath(_ text: String) -> Bool {
        let characters = Array(text)
        var open: Int?
        for (i, character) in characters.enumerated() {
            if character == "\n" { open = nil; continue }
            guard character == "$" else { continue }
            if let start = open, i > start + 1, !characters[i - 1].isWhitespace,
               i + 1 >= characters.count || !characters[i + 1].isNumber {
                return true
            }
            if i + 1 < characters.count, !characters[i + 1].isWhitespace { open = i } else { open = nil }
        }
        return false
    }
}
