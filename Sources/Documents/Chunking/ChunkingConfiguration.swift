/// Sizes for `HierarchicalChunker`, in word pieces of the embedding model's own WordPiece tokenizer
/// (all-MiniLM-L6-v2's vocabulary), counted without `[CLS]`/`[SEP]`.
///
/// Every key, its type and its default:
/// - `childMaxTokens` (Int, default 254): the most word pieces in a child, so that a child with `[CLS]` and
///   `[SEP]` fits the model's 256-position window (`modelWindow`) and is embedded whole. Range 16…254.
/// - `childOverlapTokens` (Int, default 32): word pieces of running text a child repeats from the end of the
///   previous child of the same parent (whole words, at most this many). Range 0…`childMaxTokens` / 2.
/// - `parentMaxTokens` (Int, default 1024): the most word pieces in a parent, the context a search hit expands
///   to. Range `childMaxTokens`…1,000,000.
public struct ChunkingConfiguration: Sendable, Equatable {
    /// all-MiniLM-L6-v2's maximum sequence length, `[CLS]` and `[SEP]` included.
    public static let modelWindow = 256

    public var childMaxTokens: Int = 254
    public var childOverlapTokens: Int = 32
    public var parentMaxTokens: Int = 1024

    public init() {}

    /// A setting out of its range, with the range.
    public struct InvalidValue: Error, Equatable, CustomStringConvertible {
        public let key: String
        public let value: Int
        public let expected: String
        public var description: String { "invalid \(key)=\(value): expected \(expected)" }
    }

    public func validate() throws(InvalidValue) {
        let childLimit = Self.modelWindow - 2
        guard (16...childLimit).contains(childMaxTokens) else {
            throw InvalidValue(key: "childMaxTokens", value: childMaxTokens,
                               expected: "16...\(childLimit) (the model window less [CLS] and [SEP])")
        }
        guard (0...childMaxTokens / 2).contains(childOverlapTokens) else {
            throw InvalidValue(key: "childOverlapTokens", value: childOverlapTokens,
                               expected: "0...\(childMaxTokens / 2) (at most half a child)")
        }
        guard (childMaxTokens...1_000_000).contains(parentMaxTokens) else {
            throw InvalidValue(key: "parentMaxTokens", value: parentMaxTokens,
                               expected: "\(childMaxTokens)...1000000 (at least a child)")
        }
    }
}
