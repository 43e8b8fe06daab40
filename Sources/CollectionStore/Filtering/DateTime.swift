import JSON

/// RFC 3339 datetimes as Qdrant accepts them in payloads, ranges and `order_by`:
/// `2024-03-01`, `2024-03-01T10:20:30`, `2024-03-01 10:20:30.123`, with an optional `Z` or `±HH:MM`
/// (none means UTC). Values are microseconds since the Unix epoch (Qdrant's order value for datetimes).
public enum DateTime {
    public static func microseconds(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        var i = 0
        func digits(_ n: Int) -> Int? {
            guard i + n <= b.count else { return nil }
            var v = 0
            for k in 0..<n {
                let c = b[i + k]
                guard c >= 48, c <= 57 else { return nil }
                v = v * 10 + Int(c - 48)
            }
            i += n
            return v
        }
        func expect(_ c: UInt8) -> Bool {
            guard i < b.count, b[i] == c else { return false }
            i += 1
            return true
        }
        guard let year = digits(4), expect(45), let month = digits(2), expect(45), let day = digits(2) else { return nil }
        guard (1...12).contains(month), (1...Int(CivilDate.daysIn(month: Int64(month), year: Int64(year)))).contains(day) else { return nil }
        var hour = 0, minute = 0, second = 0, micros = 0, offsetMinutes = 0
        if i < b.count {
            guard b[i] == 84 || b[i] == 116 || b[i] == 32 else { return nil }  // T, t, space
            i += 1
            guard let h = digits(2), expect(58), let m = digits(2) else { return nil }
            hour = h
            minute = m
            if expect(58) {
                guard let s = digits(2) else { return nil }
                second = s
                if expect(46) {
                    var scale = 100_000
                    let start = i
                    while i < b.count, b[i] >= 48, b[i] <= 57 {
                        micros += Int(b[i] - 48) * scale
                        scale /= 10
                        i += 1
                    }
                    guard i > start else { return nil }
                }
            }
            guard hour < 24, minute < 60, second < 61 else { return nil }
            if i < b.count {
                if b[i] == 90 || b[i] == 122 {  // Z, z
                    i += 1
                } else if b[i] == 43 || b[i] == 45 {  // + -
                    let sign = b[i] == 43 ? 1 : -1
                    i += 1
                    guard let oh = digits(2) else { return nil }
                    _ = expect(58)
                    guard let om = digits(2), oh < 24, om < 60 else { return nil }
                    offsetMinutes = sign * (oh * 60 + om)
                } else {
                    return nil
                }
            }
            guard i == b.count else { return nil }
        }
        let days = CivilDate.days(year: Int64(year), month: Int64(month), day: Int64(day))
        let seconds = Int64(days) * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetMinutes * 60)
        return seconds * 1_000_000 + Int64(micros)
    }

    /// `2024-03-01T10:20:30.000123Z` (UTC; the fraction only when not zero).
    public static func rfc3339(micros: Int64) -> String {
        let (secondsTotal, fraction) = micros.quotientAndRemainder(dividingBy: 1_000_000)
        var seconds = secondsTotal
        var frac = fraction
        if frac < 0 { frac += 1_000_000; seconds -= 1 }
        var days = seconds / 86_400
        var rest = seconds % 86_400
        if rest < 0 { rest += 86_400; days -= 1 }
        let (y, m, d) = CivilDate.date(daysSince1970: days)
        func pad(_ value: Int64, _ width: Int) -> String { CivilDate.zeroPadded(value, width: width) }
        var out = "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(rest / 3600, 2)):\(pad(rest % 3600 / 60, 2)):\(pad(rest % 60, 2))"
        if frac != 0 { out += "." + pad(frac, 6) }
        return out + "Z"
    }
}
