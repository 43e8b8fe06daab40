import Foundation
import JSON

/// Record times are whole milliseconds since 1970 (as Postgres keeps `timestamptz` to the microsecond and the
/// platform's clients print milliseconds), so a stored date reads back identical and orders the indexes exactly.
extension Date {
    /// The date of `milliseconds` since 1970-01-01T00:00:00Z.
    public init(millisecondsSince1970 milliseconds: Int64) {
        self.init(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// Whole milliseconds since 1970, rounded down; dates too far out for Int64 are clamped.
    ///
    /// The nearest whole millisecond is stepped back when that date lies after this one, so that
    /// `Date(millisecondsSince1970: m).millisecondsSince1970 == m` for every m (a `Date` keeps seconds since
    /// 2001, so a plain floor of `timeIntervalSince1970 × 1000` can land one below: −0.001 s gave −2 ms).
    public var millisecondsSince1970: Int64 {
        let nearest = (timeIntervalSince1970 * 1000).rounded()
        guard nearest.isFinite, let milliseconds = Int64(exactly: nearest) else { return nearest > 0 ? .max : .min }
        return Date(millisecondsSince1970: milliseconds) > self && milliseconds > .min ? milliseconds - 1 : milliseconds
    }

    /// This date truncated to whole milliseconds (what a record stores).
    var wholeMilliseconds: Date { Date(millisecondsSince1970: millisecondsSince1970) }

    /// ISO 8601 in UTC with milliseconds and `Z`, as the admin outputs print dates: `2026-01-03T09:05:07.042Z`.
    public var iso8601Milliseconds: String {
        let milliseconds = millisecondsSince1970
        let (days, millisOfDay) = milliseconds.floorDivided(by: 86_400_000)
        let (year, month, day) = CivilDate.date(daysSince1970: days)
        let hour = millisOfDay / 3_600_000, minute = millisOfDay / 60_000 % 60
        let second = millisOfDay / 1000 % 60, millisecond = millisOfDay % 1000
        guard (0...9999).contains(year) else {
            func pad(_ value: Int64, _ width: Int) -> String { CivilDate.zeroPadded(value, width: width) }
            return "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2)).\(pad(millisecond, 3))Z"
        }
        // Four-digit years (every date a record holds): the 24 bytes written in place, no String per field.
        return String(unsafeUninitializedCapacity: 24) { out in
            var position = 0
            func digits(_ value: Int64, _ width: Int, then separator: UInt8) {
                var value = value
                for offset in stride(from: width - 1, through: 0, by: -1) {
                    out[position + offset] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: value % 10)
                    value /= 10
                }
                out[position + width] = separator
                position += width + 1
            }
            digits(year, 4, then: UInt8(ascii: "-"))
            digits(month, 2, then: UInt8(ascii: "-"))
            digits(day, 2, then: UInt8(ascii: "T"))
            digits(hour, 2, then: UInt8(ascii: ":"))
            digits(minute, 2, then: UInt8(ascii: ":"))
            digits(second, 2, then: UInt8(ascii: "."))
            digits(millisecond, 3, then: UInt8(ascii: "Z"))
            return position
        }
    }
}

extension Int64 {
    /// Quotient rounded towards −∞ and the matching non-negative remainder.
    fileprivate func floorDivided(by divisor: Int64) -> (Int64, Int64) {
        let quotient = self / divisor, remainder = self % divisor
        return remainder < 0 ? (quotient - 1, remainder + divisor) : (quotient, remainder)
    }
}
