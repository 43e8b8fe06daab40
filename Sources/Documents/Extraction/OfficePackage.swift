import Foundation

/// What docx and pptx share: namespaces (transitional and strict OOXML), relationships, core properties.
enum OOXML {
    static let wordprocessing: Set<String> = ["http://schemas.openxmlformats.org/wordprocessingml/2006/main",
                                              "http://purl.oclc.org/ooxml/wordprocessingml/main"]
    static let presentation: Set<String> = ["http://schemas.openxmlformats.org/presentationml/2006/main",
                                            "http://purl.oclc.org/ooxml/presentationml/main"]
    static let drawing: Set<String> = ["http://schemas.openxmlformats.org/drawingml/2006/main",
                                       "http://purl.oclc.org/ooxml/drawingml/main"]
    static let relationships: [String] = ["http://schemas.openxmlformats.org/officeDocument/2006/relationships",
                                          "http://purl.oclc.org/ooxml/officeDocument/relationships"]
    static let markupCompatibility = "http://schemas.openxmlformats.org/markup-compatibility/2006"
    static let dublinCore = "http://purl.org/dc/elements/1.1/"

    /// One `<Relationship>` of a `.rels` part, its target resolved to a part name.
    struct Relationship {
        let id: String
        /// The relationship type's last path segment (`officeDocument`, `slide`, `styles`, ...).
        let kind: String
        let target: String
    }

    /// The relationships of `part` (read from `<dir>/_rels/<name>.rels`), internal targets only.
    static func relationships(of part: String, in package: inout ZipPackage, format: DocumentFormat,
                              limits: ExtractionLimits) throws(DocumentError) -> [Relationship] {
        let directory = (part as NSString).deletingLastPathComponent
        let name = (part as NSString).lastPathComponent
        let relsPart = (directory.isEmpty ? "" : directory + "/") + "_rels/" + name + ".rels"
        guard let data = try package.read(relsPart) else { return [] }
        var found: [Relationship] = []
        try XMLPartWalker.walk(data, part: relsPart, format: format, limits: limits) { event, attributes throws(DocumentError) in
            guard case .start(let element) = event, element.local == "Relationship",
                  attributes.value("TargetMode", namespace: nil) != "External",
                  let id = attributes.value("Id", namespace: nil),
                  let type = attributes.value("Type", namespace: nil),
                  let target = attributes.value("Target", namespace: nil)
            else { return }
            found.append(Relationship(id: id, kind: String(type.split(separator: "/").last ?? ""),
                                      target: resolve(target, from: directory)))
        }
        return found
    }

    /// A relationship target as a part name: absolute (`/ppt/slides/slide1.xml`) or relative to the source
    /// part's directory, with `.` and `..` segments applied (never above the package root).
    static func resolve(_ target: String, from directory: String) -> String {
        var segments: [Substring] = target.hasPrefix("/") ? [] : directory.split(separator: "/")
        for segment in target.split(separator: "/") {
            switch segment {
            case ".": continue
            case "..": _ = segments.popLast()
            default: segments.append(segment)
            }
        }
        return segments.joined(separator: "/")
    }

    /// The main part the package's root relationships point to, else `fallback`.
    static func mainPart(in package: inout ZipPackage, format: DocumentFormat, limits: ExtractionLimits,
                         fallback: String) throws(DocumentError) -> String {
        let root = try relationships(of: "", in: &package, format: format, limits: limits)
        return root.first { $0.kind == "officeDocument" && package.contains($0.target) }?.target ?? fallback
    }

    /// `dc:title` from `docProps/core.xml`, when present and not blank.
    static func title(in package: inout ZipPackage, format: DocumentFormat,
                      limits: ExtractionLimits) throws(DocumentError) -> String? {
        guard let data = try package.read("docProps/core.xml") else { return nil }
        var inTitle = false
        var title = ""
        try XMLPartWalker.walk(data, part: "docProps/core.xml", format: format, limits: limits) { event, _ throws(DocumentError) in
            switch event {
            case .start(let name): inTitle = name.local == "title" && name.namespace == dublinCore
            case .end: inTitle = false
            case .text(let text): if inTitle { title += text }
            }
        }
        let collapsed = BlockCollector.collapsingWhitespace(title)
        return collapsed.isEmpty ? nil : collapsed
    }
}
