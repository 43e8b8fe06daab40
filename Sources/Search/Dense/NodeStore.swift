import CSIMD

/// The state of one node slot.
enum NodeState: UInt8 {
    /// Never used, or reclaimed by vacuum: not linked from anywhere that matters, never returned.
    case empty = 0
    /// A stored point: traversed and returned.
    case live = 1
    /// Removed: still traversable (so stale links keep the graph navigable) but never returned;
    /// vacuum unlinks it and turns it back to `.empty`.
    case deleted = 2
}

/// The fixed byte layout of one node record in the arena.
///
/// A record is `[level-0 link count: UInt32][level-0 links: UInt32 × maxLinks0][pad to 64]`
/// followed by the walk data (what the graph walk reads): the f32 vector (`dim × 4` bytes), or with int8
/// quantization the codes (`dim` bytes) and a Float correction term. Records are `stride` bytes
/// apart, `stride` a multiple of 64, so the walk data starts on a cache line.
struct NodeLayout: Sendable {
    let dimension: Int
    let maxLinks0: Int
    let maxLinksUpper: Int
    let quantized: Bool
    let walkDataOffset: Int
    let walkDataBytes: Int
    let stride: Int
    /// UInt32 words per upper level: a count and `maxLinksUpper` links.
    var upperWordsPerLevel: Int { maxLinksUpper + 1 }

    init(dimension: Int, m: Int, quantized: Bool) {
        self.dimension = dimension
        self.maxLinks0 = 2 * m
        self.maxLinksUpper = m
        self.quantized = quantized
        self.walkDataOffset = (4 + 4 * maxLinks0 + 63) & ~63
        self.walkDataBytes = quantized ? ((dimension + 3) & ~3) + 4 : dimension * 4
        self.stride = (walkDataOffset + walkDataBytes + 63) & ~63
    }
}

/// Chunked storage for node records that never moves once written, so searches can read while
/// inserts grow it. Ids map to chunk `id >> chunkShift`, slot `id & chunkMask`.
///
/// A chunk is one 64-byte aligned allocation holding, in order: `chunkSize` node records; with
/// quantization the f32 vectors (`chunkSize × dim` floats, contiguous, for rescoring and exact
/// search); the node states (`chunkSize` bytes); the node levels (`chunkSize` bytes); and the
/// upper-level link buffers (`chunkSize` pointers, nil for level-0 nodes).
///
/// Thread safety: chunk allocation is serialised by the owner; reads of an allocated chunk need no lock.
final class NodeStore: @unchecked Sendable {
    static let chunkShift = 12
    static let chunkSize = 1 << chunkShift
    static let chunkMask = UInt32(chunkSize - 1)
    static let maxChunks = (1 << 32) >> chunkShift

    let layout: NodeLayout
    /// The chunk directory: `maxChunks` pointers (8 MB), in zero pages that become resident only as
    /// chunks are added, so an empty index costs one page, not 8 MB.
    let chunks: UnsafeMutablePointer<UnsafeMutableRawPointer?>
    private let directory: ZeroedPages
    let floatsOffset: Int
    let statesOffset: Int
    let levelsOffset: Int
    let upperOffset: Int
    let chunkBytes: Int
    /// Number of chunks allocated (they are allocated in order 0, 1, 2, …).
    private(set) var chunkCount = 0

    init(layout: NodeLayout) {
        self.layout = layout
        let n = NodeStore.chunkSize
        var offset = n * layout.stride
        floatsOffset = offset
        if layout.quantized { offset += n * layout.dimension * 4 }
        statesOffset = offset
        offset += n
        levelsOffset = offset
        offset += n
        offset = (offset + 63) & ~63
        upperOffset = offset
        offset += n * MemoryLayout<UnsafeMutablePointer<UInt32>?>.stride
        chunkBytes = (offset + 63) & ~63
        directory = ZeroedPages(byteCount: NodeStore.maxChunks * MemoryLayout<UnsafeMutableRawPointer?>.stride)
        // Zero bytes are `nil` pointers: the directory starts empty without being written.
        chunks = directory.base.bindMemory(to: UnsafeMutableRawPointer?.self, capacity: NodeStore.maxChunks)
    }

    deinit {
        for c in 0..<chunkCount {
            guard let base = chunks[c] else { continue }
            let upper = (base + upperOffset).assumingMemoryBound(to: UnsafeMutablePointer<UInt32>?.self)
            for i in 0..<NodeStore.chunkSize { upper[i]?.deallocate() }
            base.deallocate()
        }
        directory.deallocate()
    }

    /// Slots available without growing.
    var capacity: Int { chunkCount << NodeStore.chunkShift }

    /// Bytes held by the chunks (upper link buffers are counted by the index).
    var allocatedBytes: Int { chunkCount * chunkBytes }

    /// Allocates chunks until `id` has a slot. The caller serialises calls.
    func ensureCapacity(for id: UInt32) {
        let needed = Int(id >> UInt32(NodeStore.chunkShift)) + 1
        while chunkCount < needed {
            let base = UnsafeMutableRawPointer.allocate(byteCount: chunkBytes, alignment: 64)
            // Records, states and levels must start zeroed (count 0, .empty, level 0, no upper links).
            base.initializeMemory(as: UInt8.self, repeating: 0, count: chunkBytes)
            chunks[chunkCount] = base
            chunkCount += 1
        }
    }

    @inline(__always) func chunk(_ id: UInt32) -> UnsafeMutableRawPointer {
        chunks[Int(id &>> UInt32(NodeStore.chunkShift))].unsafelyUnwrapped
    }

    @inline(__always) func hasSlot(_ id: UInt32) -> Bool {
        Int(id &>> UInt32(NodeStore.chunkShift)) < chunkCount
    }

    /// The node record of `id`.
    @inline(__always) func record(_ id: UInt32) -> UnsafeMutableRawPointer {
        chunk(id) + Int(id & NodeStore.chunkMask) &* layout.stride
    }

    /// Level-0 link count (the first word of the record).
    @inline(__always) func links0(_ id: UInt32) -> UnsafeMutablePointer<UInt32> {
        record(id).assumingMemoryBound(to: UInt32.self)
    }

    /// The walk data: f32 vector, or int8 codes + Float correction.
    @inline(__always) func walkData(_ id: UInt32) -> UnsafeMutableRawPointer {
        record(id) + layout.walkDataOffset
    }

    /// The stored f32 vector of `id` (normalised for cosine).
    @inline(__always) func vector(_ id: UInt32) -> UnsafeMutablePointer<Float> {
        if layout.quantized {
            return (chunk(id) + floatsOffset).assumingMemoryBound(to: Float.self)
                + Int(id & NodeStore.chunkMask) &* layout.dimension
        }
        return walkData(id).assumingMemoryBound(to: Float.self)
    }

    @inline(__always) func statePointer(_ id: UInt32) -> UnsafeMutablePointer<UInt8> {
        (chunk(id) + statesOffset).assumingMemoryBound(to: UInt8.self) + Int(id & NodeStore.chunkMask)
    }

    @inline(__always) func state(_ id: UInt32) -> NodeState {
        NodeState(rawValue: statePointer(id).pointee) ?? .empty
    }

    @inline(__always) func isLive(_ id: UInt32) -> Bool {
        statePointer(id).pointee == NodeState.live.rawValue
    }

    @inline(__always) func setState(_ id: UInt32, _ state: NodeState) {
        statePointer(id).pointee = state.rawValue
    }

    @inline(__always) func level(_ id: UInt32) -> Int {
        Int((chunk(id) + levelsOffset).load(fromByteOffset: Int(id & NodeStore.chunkMask), as: UInt8.self))
    }

    @inline(__always) func setLevel(_ id: UInt32, _ level: Int) {
        (chunk(id) + levelsOffset).storeBytes(of: UInt8(level), toByteOffset: Int(id & NodeStore.chunkMask), as: UInt8.self)
    }

    @inline(__always) func upperSlot(_ id: UInt32) -> UnsafeMutablePointer<UnsafeMutablePointer<UInt32>?> {
        (chunk(id) + upperOffset).assumingMemoryBound(to: UnsafeMutablePointer<UInt32>?.self) + Int(id & NodeStore.chunkMask)
    }

    /// Links of `id` at `level` as `[count, link0, link1, …]`; level 0 uses the record.
    /// Precondition: `level ≤ self.level(id)` and the upper buffer exists.
    @inline(__always) func links(_ id: UInt32, level: Int) -> UnsafeMutablePointer<UInt32> {
        if level == 0 { return links0(id) }
        return upperSlot(id).pointee.unsafelyUnwrapped + (level - 1) * layout.upperWordsPerLevel
    }

    /// The maximum number of links at `level`.
    @inline(__always) func maxLinks(level: Int) -> Int { level == 0 ? layout.maxLinks0 : layout.maxLinksUpper }
}
