#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Zero-filled memory that costs nothing until it is touched: an anonymous private mapping.
///
/// Used for tables sized for the largest index (the chunk directory, 8 MB for 2³² ids; the striped
/// node locks) so that an empty or small index does not pay for them: the kernel backs a page only
/// when it is first written, and reads of untouched pages see zeros. `malloc` plus an explicit zero
/// fill would make every byte resident at once.
///
/// Invariant: `base` is page-aligned, `byteCount` bytes long, zero where never written, and valid
/// until `deallocate()`.
struct ZeroedPages {
    let base: UnsafeMutableRawPointer
    let byteCount: Int

    /// Maps `byteCount` bytes, or falls back to a zero-filled heap allocation if the mapping fails.
    init(byteCount: Int) {
        self.byteCount = max(byteCount, 1)
        let mapped = mmap(nil, self.byteCount, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0)
        if let mapped, mapped != MAP_FAILED {
            base = mapped
            isMapped = true
        } else {
            base = UnsafeMutableRawPointer.allocate(byteCount: self.byteCount, alignment: 64)
            base.initializeMemory(as: UInt8.self, repeating: 0, count: self.byteCount)
            isMapped = false
        }
    }

    private let isMapped: Bool

    func deallocate() {
        if isMapped { munmap(base, byteCount) } else { base.deallocate() }
    }
}
