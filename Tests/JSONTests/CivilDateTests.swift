import Foundation
import JSON
import Testing

@Suite("CivilDate")
struct CivilDateTests {
    @Test("known dates: the epoch, leap days, before 1970, the year 9999")
    func knownDates() {
        #expect(CivilDate.days(year: 1970, month: 1, day: 1) == 0)
        #expect(CivilDate.days(year: 2000, month: 2, day: 29) == 11_016)
        #expect(CivilDate.days(year: 1969, month: 12, day: 31) == -1)
        #expect(CivilDate.days(year: 1900, month: 3, day: 1) == -25_508)
        #expect(CivilDate.date(daysSince1970: 11_016) == (2000, 2, 29))
        #expect(CivilDate.date(daysSince1970: -1) == (1969, 12, 31))
        #expect(CivilDate.date(daysSince1970: CivilDate.days(year: 9999, month: 12, day: 31)) == (9999, 12, 31))
        #expect(CivilDate.date(daysSince1970: CivilDate.days(year: 0, month: 1, day: 1)) == (0, 1, 1))
    }

    @Test("days and date are inverse over four centuries, and agree with Foundation's Gregorian calendar after 1582")
    func roundTrip() throws {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = try #require(TimeZone(identifier: "UTC"))
        for days in stride(from: Int64(-146_097), through: 146_097, by: 1) {
            let (year, month, day) = CivilDate.date(daysSince1970: days)
            #expect(CivilDate.days(year: year, month: month, day: day) == days)
            #expect((1...12).contains(month) && day >= 1 && day <= CivilDate.daysIn(month: month, year: year))
            // Foundation switches to the Julian calendar before October 1582; CivilDate stays proleptic Gregorian.
            if days % 997 == 0, year >= 1583 {
                let parts = calendar.dateComponents([.year, .month, .day], from: Date(timeIntervalSince1970: Double(days) * 86_400))
                #expect(parts.year.map(Int64.init) == year && parts.month.map(Int64.init) == month && parts.day.map(Int64.init) == day)
            }
        }
    }

    @Test("month lengths and zero padding")
    func lengthsAndPadding() {
        #expect(CivilDate.daysIn(month: 2, year: 1900) == 28 && CivilDate.daysIn(month: 2, year: 2000) == 29)
        #expect(CivilDate.daysIn(month: 2, year: 2024) == 29 && CivilDate.daysIn(month: 4, year: 2023) == 30)
        #expect(CivilDate.zeroPadded(7, width: 3) == "007" && CivilDate.zeroPadded(1234, width: 2) == "1234")
        #expect(CivilDate.zeroPadded(-5, width: 4) == "-0005")
    }
}
