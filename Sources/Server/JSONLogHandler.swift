import Foundation
import Logging

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How `serve` writes its log: swift-log's text lines, or one JSON object per line.
public enum LogFormat: String, Sendable, Equatable, CaseIterable {
    case text, json
}

/// A swift-log handler writing one JSON object per line:
/// `{"time":"2026-12-02T08:10:51.123Z","level":"info","message":"…","label":"campus-search","request_id":"…",…}`.
///
/// Metadata (the handler's, the logger's and the call's, later ones winning) become top-level keys, after
/// `time`, `level`, `message` and `label`; nested metadata become JSON objects and arrays, and a key that would
/// shadow one of the four fixed ones is written with a `meta_` prefix. Writes go through `sink` (stderr by
/// default) one whole line at a time, so lines from concurrent requests never interleave.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    public var metadataProvider: Logger.MetadataProvider?
    let label: String
    let sink: @Sendable (String) -> Void

    public init(label: String, metadataProvider: Logger.MetadataProvider? = nil, sink: @escaping @Sendable (String) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.metadataProvider = metadataProvider
        self.sink = sink
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(
        level: Logger.Level, message: Logger.Message, metadata explicit: Logger.Metadata?, source: String,
        file: String, function: String, line: UInt
    ) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { $1 } }
        if let explicit { merged.merge(explicit) { $1 } }
        var out = "{\"time\":"
        Self.appendString(Self.timestamp(Date()), to: &out)
        out += ",\"level\":"
        Self.appendString(level.rawValue, to: &out)
        out += ",\"message\":"
        Self.appendString(message.description, to: &out)
        out += ",\"label\":"
        Self.appendString(label, to: &out)
        for key in merged.keys.sorted() {
            guard let value = merged[key] else { continue }
            out += ","
            Self.appendString(["time", "level", "message", "label"].contains(key) ? "meta_" + key : key, to: &out)
            out += ":"
            Self.append(value, to: &out)
        }
        out += "}\n"
        sink(out)
    }

    public static let standardError: @Sendable (String) -> Void = { line in
        var bytes = Array(line.utf8)
        bytes.withUnsafeMutableBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(2, buffer.baseAddress.map { $0 + offset }, buffer.count - offset)
                if written <= 0 { break }
                offset += written
            }
        }
    }

    static func append(_ value: Logger.Metadata.Value, to out: inout String) {
        switch value {
        case .string(let text): appendString(text, to: &out)
        case .stringConvertible(let convertible):
            // Numbers and booleans stay JSON numbers and booleans.
            if let number = convertible as? any BinaryInteger { out += "\(number)" }
            else if let double = convertible as? Double, double.isFinite { out += "\(double)" }
            else if let flag = convertible as? Bool { out += flag ? "true" : "false" }
            else { appendString(convertible.description, to: &out) }
        case .array(let values):
            out += "["
            for (index, element) in values.enumerated() {
                if index > 0 { out += "," }
                append(element, to: &out)
            }
            out += "]"
        case .dictionary(let dictionary):
            out += "{"
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { out += "," }
                appendString(key, to: &out)
                out += ":"
                if let element = dictionary[key] { append(element, to: &out) }
            }
            out += "}"
        }
    }

    static func appendString(_ text: String, to out: inout String) {
        out += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 || scalar.value == 0x7F || scalar.value == 0x2028 || scalar.value == 0x2029 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        out += "\""
    }

    /// RFC 3339 in UTC with milliseconds.
    static func timestamp(_ date: Date) -> String {
        let seconds = date.timeIntervalSince1970
        var whole = time_t(seconds.rounded(.down))
        let millis = Int((seconds - Double(whole)) * 1000)
        var parts = tm()
        gmtime_r(&whole, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))T"
            + "\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2)).\(pad(Int32(min(999, max(0, millis))), 3))Z"
    }
}
