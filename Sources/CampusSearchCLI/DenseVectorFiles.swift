import Foundation

/// A set of equal-length f32 vectors stored flat: vector `i` is `values[i*dimension ..< (i+1)*dimension]`.
struct VectorSet: Sendable {
    var dimension: Int
    var values: [Float]
    var count: Int { dimension == 0 ? 0 : values.count / dimension }

    subscript(i: Int) -> [Float] { Array(values[i * dimension ..< (i + 1) * dimension]) }
}

/// Readers for the usual ANN benchmark formats: `.fvecs`/`.ivecs` (each row: Int32 length, then the
/// values, little-endian) and NumPy `.npy` (version 1–3, C order, 2-D, f4/f8/i4/i8 little-endian).
enum VectorFiles {
    /// Reads f32 vectors from `.fvecs` or `.npy` (f8 is converted to f32).
    static func readFloats(_ path: String) throws -> VectorSet {
        let data = try readData(path)
        if path.hasSuffix(".npy") {
            let array = try NpyArray(data: data, path: path)
            return VectorSet(dimension: array.columns, values: try array.floats())
        }
        if path.hasSuffix(".fvecs") {
            let (dim, rows) = try vecsShape(data, path: path)
            var values = [Float](repeating: 0, count: rows * dim)
            data.withUnsafeBytes { raw in
                values.withUnsafeMutableBytes { out in
                    for r in 0..<rows {
                        let src = raw.baseAddress! + r * (4 + 4 * dim) + 4
                        (out.baseAddress! + r * 4 * dim).copyMemory(from: src, byteCount: 4 * dim)
                    }
                }
            }
            return VectorSet(dimension: dim, values: values)
        }
        throw CLIError("\(path): expected a .fvecs or .npy file")
    }

    /// Reads integer rows (ground-truth neighbour ids) from `.ivecs` or `.npy`.
    static func readInts(_ path: String) throws -> [[Int]] {
        let data = try readData(path)
        if path.hasSuffix(".npy") {
            let array = try NpyArray(data: data, path: path)
            let flat = try array.ints()
            return (0..<array.rows).map { Array(flat[$0 * array.columns ..< ($0 + 1) * array.columns]) }
        }
        if path.hasSuffix(".ivecs") {
            let (dim, rows) = try vecsShape(data, path: path)
            return data.withUnsafeBytes { raw in
                (0..<rows).map { r in
                    (0..<dim).map { Int(raw.loadUnaligned(fromByteOffset: r * (4 + 4 * dim) + 4 + 4 * $0, as: Int32.self)) }
                }
            }
        }
        throw CLIError("\(path): expected an .ivecs or .npy file")
    }

    /// Writes `.fvecs`.
    static func writeFvecs(_ set: VectorSet, to path: String) throws {
        var data = Data(capacity: set.count * (4 + 4 * set.dimension))
        var dim = Int32(set.dimension)
        for i in 0..<set.count {
            withUnsafeBytes(of: &dim) { data.append(contentsOf: $0) }
            set.values[i * set.dimension ..< (i + 1) * set.dimension].withUnsafeBytes { data.append(contentsOf: $0) }
        }
        try data.write(to: URL(fileURLWithPath: path))
    }

    private static func readData(_ path: String) throws -> Data {
        guard FileManager.default.fileExists(atPath: path) else { throw CLIError("\(path): no such file") }
        do { return try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw CLIError("\(path): cannot read (\(error.localizedDescription))")
        }
    }

    /// (dimension, rows) of a .fvecs/.ivecs file; every row must declare the same dimension.
    private static func vecsShape(_ data: Data, path: String) throws -> (Int, Int) {
        guard data.count >= 4 else { throw CLIError("\(path): empty or truncated file") }
        let dim = Int(data.withUnsafeBytes { $0.loadUnaligned(as: Int32.self) })
        guard dim > 0, data.count % (4 + 4 * dim) == 0 else {
            throw CLIError("\(path): not a vecs file (first row declares \(dim) components; size \(data.count) bytes does not fit)")
        }
        let rows = data.count / (4 + 4 * dim)
        let consistent = data.withUnsafeBytes { raw in
            (0..<rows).allSatisfy { Int(raw.loadUnaligned(fromByteOffset: $0 * (4 + 4 * dim), as: Int32.self)) == dim }
        }
        guard consistent else { throw CLIError("\(path): rows have different dimensions") }
        return (dim, rows)
    }
}

/// A 2-D NumPy array parsed from `.npy` bytes (the payload is kept as the mapped Data).
struct NpyArray {
    let rows: Int
    let columns: Int
    let descr: String
    let payload: Data

    init(data: Data, path: String) throws {
        let magic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]
        guard data.count >= 10, Array(data.prefix(6)) == magic else { throw CLIError("\(path): not a .npy file") }
        let major = data[data.startIndex + 6]
        let headerLength: Int
        let headerStart: Int
        if major == 1 {
            headerLength = Int(data[data.startIndex + 8]) | Int(data[data.startIndex + 9]) << 8
            headerStart = 10
        } else {
            guard data.count >= 12 else { throw CLIError("\(path): truncated .npy header") }
            headerLength = data.withUnsafeBytes { Int($0.loadUnaligned(fromByteOffset: 8, as: UInt32.self)) }
            headerStart = 12
        }
        guard data.count >= headerStart + headerLength,
              let header = String(data: data.subdata(in: headerStart ..< headerStart + headerLength), encoding: .isoLatin1)
        else { throw CLIError("\(path): truncated .npy header") }
        func field(_ key: String) -> String? {
            guard let range = header.range(of: "'\(key)':") else { return nil }
            return String(header[range.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        guard let descrField = field("descr"), let quote = descrField.dropFirst().firstIndex(of: "'") else {
            throw CLIError("\(path): .npy header has no descr")
        }
        descr = String(descrField[descrField.index(after: descrField.startIndex) ..< quote])
        if let fortran = field("fortran_order"), fortran.hasPrefix("True") {
            throw CLIError("\(path): Fortran-order .npy arrays are not supported; save with C order")
        }
        guard let shapeField = field("shape"), let open = shapeField.firstIndex(of: "("),
              let close = shapeField.firstIndex(of: ")") else { throw CLIError("\(path): .npy header has no shape") }
        let dims = shapeField[shapeField.index(after: open) ..< close].split(separator: ",")
            .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        guard dims.count == 2 || dims.count == 1 else { throw CLIError("\(path): expected a 2-D array, shape \(dims)") }
        rows = dims[0]
        columns = dims.count == 2 ? dims[1] : 1
        payload = data.subdata(in: headerStart + headerLength ..< data.count)
        guard payload.count >= rows * columns * elementSize else { throw CLIError("\(path): .npy data is truncated") }
    }

    private var elementSize: Int { descr.hasSuffix("8") ? 8 : 4 }

    func floats() throws -> [Float] {
        let n = rows * columns
        return try payload.withUnsafeBytes { raw in
            switch descr {
            case "<f4": return (0..<n).map { raw.loadUnaligned(fromByteOffset: 4 * $0, as: Float.self) }
            case "<f8": return (0..<n).map { Float(raw.loadUnaligned(fromByteOffset: 8 * $0, as: Double.self)) }
            default: throw CLIError(".npy dtype \(descr) is not float32/float64")
            }
        }
    }

    func ints() throws -> [Int] {
        let n = rows * columns
        return try payload.withUnsafeBytes { raw in
            switch descr {
            case "<i4": return (0..<n).map { Int(raw.loadUnaligned(fromByteOffset: 4 * $0, as: Int32.self)) }
            case "<i8": return (0..<n).map { Int(raw.loadUnaligned(fromByteOffset: 8 * $0, as: Int64.self)) }
            case "<u4": return (0..<n).map { Int(raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)) }
            default: throw CLIError(".npy dtype \(descr) is not int32/int64/uint32")
            }
        }
    }
}
