import Foundation

/// A `.safetensors` file: an 8-byte little-endian header length, a JSON header mapping each tensor
/// name to `{"dtype", "shape", "data_offsets": [begin, end]}` (offsets relative to the end of the
/// header), then the raw little-endian tensor bytes. Only what the model needs is supported: reading
/// F32 tensors by name into `[Float]`.
struct SafeTensorsFile {
    struct TensorInfo {
        var dtype: String
        var shape: [Int]
        /// Byte range in `bytes` (absolute, header included).
        var range: Range<Int>
    }

    let path: String
    private let bytes: Data
    let tensors: [String: TensorInfo]

    init(path: String) throws {
        self.path = path
        do {
            bytes = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped)
        } catch {
            throw EmbeddingError.invalidModel("cannot read \(path): \(error.localizedDescription)")
        }
        guard bytes.count >= 8 else { throw EmbeddingError.invalidModel("\(path) is too short for a safetensors file") }
        let headerLength = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw EmbeddingError.invalidModel("\(path): header length \(headerLength) exceeds the file size")
        }
        let dataStart = 8 + Int(headerLength)
        let header = bytes.subdata(in: 8..<dataStart)
        guard let object = try? JSONSerialization.jsonObject(with: header) as? [String: Any] else {
            throw EmbeddingError.invalidModel("\(path): the header is not a JSON object")
        }
        var tensors: [String: TensorInfo] = [:]
        for (name, value) in object where name != "__metadata__" {
            guard let entry = value as? [String: Any],
                  let dtype = entry["dtype"] as? String,
                  let shape = (entry["shape"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  let offsets = (entry["data_offsets"] as? [Any])?.compactMap({ ($0 as? NSNumber)?.intValue }),
                  offsets.count == 2, offsets[0] >= 0, offsets[0] <= offsets[1],
                  dataStart + offsets[1] <= bytes.count
            else {
                throw EmbeddingError.invalidModel("\(path): bad header entry for tensor \(name)")
            }
            tensors[name] = TensorInfo(dtype: dtype, shape: shape, range: (dataStart + offsets[0])..<(dataStart + offsets[1]))
        }
        self.tensors = tensors
    }

    /// The F32 tensor `name` as a flat row-major array; checks its shape when `shape` is given.
    func floats(_ name: String, shape expected: [Int]? = nil) throws -> [Float] {
        guard let info = tensors[name] else { throw EmbeddingError.invalidModel("\(path) has no tensor \(name)") }
        guard info.dtype == "F32" else {
            throw EmbeddingError.invalidModel("\(path): tensor \(name) is \(info.dtype), only F32 is supported")
        }
        if let expected, expected != info.shape {
            throw EmbeddingError.invalidModel("\(path): tensor \(name) has shape \(info.shape), expected \(expected)")
        }
        let count = info.shape.reduce(1, *)
        guard count * 4 == info.range.count else {
            throw EmbeddingError.invalidModel("\(path): tensor \(name) holds \(info.range.count) bytes for \(count) floats")
        }
        return bytes.withUnsafeBytes { raw in
            [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
                // The tensor data has no alignment promise: copy bytes.
                UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: raw[info.range]))
                #if !_endian(little)
                for i in 0..<count { buffer[i] = Float(bitPattern: UInt32(littleEndian: buffer[i].bitPattern)) }
                #endif
                initialized = count
            }
        }
    }
}
