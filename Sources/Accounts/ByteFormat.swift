/// The two ways the contract prints byte counts (base 1024, the unit chosen by the largest power that fits).
///
/// - `billing`: `billing.*`'s form, always two decimals: `0 B`, `512.00 B`, `1.50 KB`, `100.00 MB`.
/// - `compact`: the quota message's form, at most two decimals and no trailing zeros: `0 Bytes`, `512 Bytes`,
///   `1.5 MB`, `10 GB`.
///
/// Both round half up on the exact value, as JavaScript's `toFixed(2)` does (the quotient of an integer by a
/// power of two is exact), with integer arithmetic only. Units stop at TB: 2 PiB prints as `2048 TB` (the
/// platform would print `2 undefined`). Negative counts print with a leading `-`.
public enum ByteFormat {
    public static func billing(_ bytes: Int64) -> String {
        if bytes == 0 { return "0 B" }
        let (hundredths, unit) = scaled(bytes.magnitude)
        let fraction = hundredths % 100
        let digits = fraction < 10 ? "0\(fraction)" : "\(fraction)"
        return "\(bytes < 0 ? "-" : "")\(hundredths / 100).\(digits) \(["B", "KB", "MB", "GB", "TB"][unit])"
    }

    public static func compact(_ bytes: Int64) -> String {
        if bytes == 0 { return "0 Bytes" }
        let (hundredths, unit) = scaled(bytes.magnitude)
        let whole = hundredths / 100, fraction = hundredths % 100
        let number: String
        if fraction == 0 {
            number = "\(whole)"
        } else if fraction % 10 == 0 {
            number = "\(whole).\(fraction / 10)"
        } else {
            number = "\(whole).\(fraction < 10 ? "0" : "")\(fraction)"
        }
        return "\(bytes < 0 ? "-" : "")\(number) \(["Bytes", "KB", "MB", "GB", "TB"][unit])"
    }

    /// `bytes / 1024^unit` in hundredths, rounded half up, with `unit` = ⌊log₁₀₂₄ bytes⌋ capped at 4 (TB).
    private static func scaled(_ bytes: UInt64) -> (hundredths: UInt64, unit: Int) {
        var unit = 0
        while unit < 4 && bytes >> (10 * (unit + 1)) > 0 { unit += 1 }
        let shift = UInt64(10 * unit)
        guard shift > 0 else { return (bytes * 100, 0) }  // bytes < 1024 here
        let whole = bytes >> shift
        let remainder = bytes & ((1 << shift) - 1)      // < 2^40, so remainder * 100 cannot overflow
        let rounded = (remainder * 100 + (1 << (shift - 1))) >> shift
        return (whole * 100 + rounded, unit)           // whole < 2^24 (bytes < 2^64, shift ≥ 40 at TB)
    }
}
