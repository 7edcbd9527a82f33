import MemStore
import Testing

@Suite struct ThresholdTests {
    @Test func parsesEveryForm() throws {
        let cases: [(String, String, Threshold.Direction, Double, Bool)] = [
            ("vmstat.pgfault=+5%", "vmstat.pgfault", .increase, 5, true),
            ("a=-5%", "a", .decrease, 5, true),
            ("a=5%", "a", .either, 5, true),
            ("a=±2.5%", "a", .either, 2.5, true),
            ("a=+100", "a", .increase, 100, false),
            ("a=-3", "a", .decrease, 3, false),
            ("a=100", "a", .either, 100, false),
            ("vmstat.*=+10%", "vmstat.*", .increase, 10, true),
        ]
        for (text, pattern, direction, amount, isPercent) in cases {
            let t = try Threshold(parsing: text)
            #expect(t == Threshold(pattern: pattern, direction: direction, amount: amount, isPercent: isPercent), "\(text)")
        }
        #expect(try Threshold(parsing: "a=+5%").description == "a=+5%")
        #expect(try Threshold(parsing: "a=5").amountText == "±5")
    }

    @Test(arguments: [
        ("noequals", "no '='"),
        ("=5%", "the metric name is empty"),
        ("a=", "the amount is missing"),
        ("a=+%", "the amount is missing"),
        ("a=five%", "'five' is not a number"),
        ("a=+5%%", "'5%' is not a number"),
        ("a*b=5%", "'*' may only end the name (a prefix glob)"),
    ])
    func rejectsBadText(_ text: String, _ why: String) {
        let error = #expect(throws: StoreError.self) { try Threshold(parsing: text) }
        #expect(error?.description == "--threshold: bad threshold '\(text)': \(why); "
            + "expected NAME=[+|-|±]NUMBER[%], for example vmstat.pgfault=+5% or 'vmstat.*=10%'")
    }

    @Test func percentThresholds() throws {
        let up = try Threshold(parsing: "m=+5%")
        #expect(!up.isExceeded(base: 100, head: 105))
        #expect(up.isExceeded(base: 100, head: 105.5))
        #expect(!up.isExceeded(base: 100, head: 50))
        #expect(up.isExceeded(base: 0, head: 1))
        #expect(up.isExceeded(base: -100, head: -90))
        let down = try Threshold(parsing: "m=-5%")
        #expect(down.isExceeded(base: 100, head: 94))
        #expect(!down.isExceeded(base: 100, head: 95))
        #expect(!down.isExceeded(base: 100, head: 200))
        let either = try Threshold(parsing: "m=5%")
        #expect(either.isExceeded(base: 100, head: 94) && either.isExceeded(base: 100, head: 106))
        #expect(!either.isExceeded(base: 100, head: 104))
    }

    @Test func absoluteThresholds() throws {
        let up = try Threshold(parsing: "m=+100")
        #expect(!up.isExceeded(base: 1000, head: 1100))
        #expect(up.isExceeded(base: 1000, head: 1101))
        let down = try Threshold(parsing: "m=-3")
        #expect(down.isExceeded(base: 10, head: 6) && !down.isExceeded(base: 10, head: 7))
        let either = try Threshold(parsing: "m=100")
        #expect(either.isExceeded(base: 0, head: -101) && either.isExceeded(base: 0, head: 101))
        #expect(!either.isExceeded(base: 0, head: 100))
    }

    @Test func prefixGlobs() throws {
        let t = try Threshold(parsing: "vmstat.*=+10%")
        #expect(t.matches("vmstat.pgfault") && t.matches("vmstat."))
        #expect(!t.matches("meminfo.MemFree") && !t.matches("vmstat"))
        let exact = try Threshold(parsing: "vmstat.pgfault=1")
        #expect(exact.matches("vmstat.pgfault") && !exact.matches("vmstat.pgfaults"))
    }
}
