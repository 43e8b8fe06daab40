import CLibXML2
import Foundation

/// libxml2 set-up shared by the HTML and Office extractors.
enum LibXML {
    /// `xmlInitParser` must run once before parsers are used from several threads; Swift runs this once.
    static let ready: Bool = {
        xmlInitParser()
        return true
    }()
}

/// One event of a forward-only walk over an XML part.
enum XMLEvent {
    /// An element opens (an empty element `<a/>` opens and then closes).
    case start(XMLName)
    case end(XMLName)
    /// Character data, CDATA or significant whitespace, entities resolved.
    case text(String)
}

/// An element's namespace URI and local name.
struct XMLName: Equatable {
    let namespace: String
    let local: String
}

/// The attributes of the element just started, readable only during its `start` event.
struct XMLAttributes {
    fileprivate let reader: xmlTextReaderPtr?

    /// The value of the attribute `local` in `namespace` (nil: no namespace).
    func value(_ local: String, namespace: String?) -> String? {
        guard let reader else { return nil }
        let found = namespace.map { xmlTextReaderMoveToAttributeNs(reader, local, $0) }
            ?? xmlTextReaderMoveToAttribute(reader, local)
        guard found == 1 else { return nil }
        defer { xmlTextReaderMoveToElement(reader) }
        return xmlTextReaderConstValue(reader).map { String(cString: $0) }
    }
}

/// Walks an XML part (docx/pptx) with libxml2's streaming reader: no network, no DTD loading, no entity
/// expansion beyond XML's own five, errors kept per reader (no global handler).
///
/// Invariants: the walk never goes deeper than `maxNestingDepth` elements (libxml2 itself stops XML at 256
/// levels, reported the same way); a part with a document type declaration is refused, since Office parts never
/// have one and entity tricks need one.
enum XMLPartWalker {
    static func walk(_ data: Data, part: String, format: DocumentFormat, limits: ExtractionLimits,
                     _ handle: (XMLEvent, XMLAttributes) throws(DocumentError) -> Void) throws(DocumentError) {
        guard LibXML.ready else { throw .damaged(format, reason: "the XML parser could not start") }
        guard data.count < Int32.max else { throw .limitExceeded(.zipEntryBytes, limit: limits.maxZipEntryBytes) }
        let failure: DocumentError? = data.withUnsafeBytes { raw -> DocumentError? in
            let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
            let base = raw.baseAddress?.assumingMemoryBound(to: CChar.self)
            guard let reader = xmlReaderForMemory(base, Int32(raw.count), part, nil, options) else {
                return .damaged(format, reason: "its part \(part) is not XML")
            }
            defer { xmlFreeTextReader(reader) }
            let errors = XMLErrorRecorder()
            xmlTextReaderSetStructuredErrorHandler(reader, { context, error in
                guard let context, let error else { return }
                let recorder = Unmanaged<XMLErrorRecorder>.fromOpaque(context).takeUnretainedValue()
                if recorder.first == nil {
                    let message = error.pointee.message.map { String(cString: $0) } ?? "unknown error"
                    recorder.first = (message.trimmingCharacters(in: .whitespacesAndNewlines), Int(error.pointee.line))
                }
            }, Unmanaged.passUnretained(errors).toOpaque())
            var names = NameCache()
            do throws(DocumentError) {
                while true {
                    let status = xmlTextReaderRead(reader)
                    if status == 0 { return nil }
                    guard status == 1 else { return errors.failure(part: part, format: format, limits: limits) }
                    switch xmlTextReaderNodeType(reader) {
                    case 1:  // element
                        if Int(xmlTextReaderDepth(reader)) >= limits.maxNestingDepth {
                            return .limitExceeded(.nestingDepth, limit: limits.maxNestingDepth)
                        }
                        let name = names.name(reader)
                        let isEmpty = xmlTextReaderIsEmptyElement(reader) == 1
                        try handle(.start(name), XMLAttributes(reader: reader))
                        if isEmpty { try handle(.end(name), XMLAttributes(reader: nil)) }
                    case 15:  // end of element
                        try handle(.end(names.name(reader)), XMLAttributes(reader: nil))
                    case 3, 4, 14:  // text, CDATA, significant whitespace
                        if let value = xmlTextReaderConstValue(reader) {
                            try handle(.text(String(cString: value)), XMLAttributes(reader: nil))
                        }
                    case 10:  // document type declaration
                        return .damaged(format, reason: "its part \(part) declares a DTD, which Office files never do")
                    default:
                        break
                    }
                }
            } catch {
                return error
            }
        }
        if let failure { throw failure }
    }

    /// Element names as Swift strings, made once per distinct name (libxml2 interns them per reader).
    private struct NameCache {
        private struct Key: Hashable {
            let local: UnsafePointer<xmlChar>?
            let namespace: UnsafePointer<xmlChar>?
        }
        private var cache: [Key: XMLName] = [:]

        mutating func name(_ reader: xmlTextReaderPtr) -> XMLName {
            let key = Key(local: xmlTextReaderConstLocalName(reader), namespace: xmlTextReaderConstNamespaceUri(reader))
            if let known = cache[key] { return known }
            let name = XMLName(namespace: key.namespace.map { String(cString: $0) } ?? "",
                               local: key.local.map { String(cString: $0) } ?? "")
            if cache.count < 4096 { cache[key] = name }
            return name
        }
    }
}

/// The first error libxml2 reported for one reader.
private final class XMLErrorRecorder {
    var first: (message: String, line: Int)?

    func failure(part: String, format: DocumentFormat, limits: ExtractionLimits) -> DocumentError {
        guard let first else { return .damaged(format, reason: "its part \(part) is not well-formed XML") }
        if first.message.hasPrefix("Excessive depth") {
            return .limitExceeded(.nestingDepth, limit: min(limits.maxNestingDepth, 256))
        }
        return .damaged(format, reason: "its part \(part) is not well-formed XML: \(first.message) on line \(first.line)")
    }
}
