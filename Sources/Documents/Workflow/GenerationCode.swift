/// The platform's human-readable generation code: three letters of `ABCDEFGHJKMNPQRSTUVWXYZ` (no I, L, O,
/// easily confused), a dash, four digits (`KQX-0427`).
public enum GenerationCode {
    static let letters = Array("ABCDEFGHJKMNPQRSTUVWXYZ")

    public static func make<R: RandomNumberGenerator>(using random: inout R) -> String {
        let prefix = String((0..<3).map { _ in letters[Int.random(in: 0..<letters.count, using: &random)] })
        let number = Int.random(in: 0...9999, using: &random)
        return prefix + "-" + String(repeating: "0", count: 4 - String(number).count) + String(number)
    }

    public static func make() -> String {
        var random = SystemRandomNumberGenerator()
        return make(using: &random)
    }
}
