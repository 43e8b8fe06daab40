import Foundation

/// URL slugs: lower-case ASCII letters and digits in runs joined by single hyphens.
public enum Slug {
    /// What a slug looks like: `intro-to-swift`, `course-2`; 1…100 characters.
    public static let pattern = "^[a-z0-9]+(-[a-z0-9]+)*$"
    public static let maxLength = 100

    /// The platform's slug base: lower case, every run of characters other than `a-z0-9` becomes one `-`,
    /// hyphens trimmed from both ends, at most `limit` characters (trimmed again, so it never ends in `-`).
    /// Empty when the text has no ASCII letter or digit (a Cyrillic title, say).
    public static func base(of text: String, limit: Int) -> String {
        var slug = ""
        var pendingHyphen = false
        for scalar in text.lowercased().unicodeScalars {
            if (0x61...0x7A).contains(scalar.value) || (0x30...0x39).contains(scalar.value) {  // a-z, 0-9
                if pendingHyphen && !slug.isEmpty { slug.append("-") }
                pendingHyphen = false
                slug.unicodeScalars.append(scalar)
            } else {
                pendingHyphen = true
            }
        }
        var limited = String(slug.prefix(limit))
        while limited.hasSuffix("-") { limited.removeLast() }
        return limited
    }

    /// `admin.createOrganization`'s slug: the name's base (≤ 50 characters, `org` when empty) and `-` the
    /// creation time in base-36 milliseconds, e.g. `acme-corp-m5x2k1ab`.
    public static func organization(name: String, createdAt: Date) -> String {
        let base = Self.base(of: name, limit: 50)
        return "\(base.isEmpty ? "org" : base)-\(String(max(0, createdAt.millisecondsSince1970), radix: 36))"
    }

    /// A course slug from its title: the base (≤ 80 characters, leaving room for a `-n` suffix), `course` when empty.
    public static func course(title: String) -> String {
        let base = Self.base(of: title, limit: 80)
        return base.isEmpty ? "course" : base
    }

    /// Whether `text` is a valid slug (`pattern`, at most `maxLength` characters).
    public static func isValid(_ text: String) -> Bool {
        guard !text.isEmpty, text.utf8.count <= maxLength else { return false }
        var previousWasHyphen = true  // so a leading hyphen is refused
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                previousWasHyphen = false
            case UInt8(ascii: "-") where !previousWasHyphen:
                previousWasHyphen = true
            default:
                return false
            }
        }
        return !previousWasHyphen
    }
}
