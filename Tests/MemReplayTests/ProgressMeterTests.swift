import MemReplay
import Testing

@Suite struct ProgressMeterTests {
    @Test func lineWithAKnownTotal() {
        let meter = ProgressMeter(label: "replay", total: 10_000_000)
        #expect(meter.line(done: 1_310_720, elapsed: 0.5) == "replay: 1,310,720 / 10,000,000 events (13.1%), 2.62 M events/s, ETA 3.3 s")
        #expect(meter.line(done: 5_000_000, elapsed: 100) == "replay: 5,000,000 / 10,000,000 events (50.0%), 50.0 k events/s, ETA 1 min 40 s")
        #expect(meter.line(done: 10_000_000, elapsed: 4) == "replay: 10,000,000 / 10,000,000 events (100.0%), 2.50 M events/s")
    }

    @Test func lineWithoutATotal() {
        let meter = ProgressMeter(label: "replay")
        #expect(meter.line(done: 65_536, elapsed: 0.25) == "replay: 65,536 events, 262 k events/s")
        #expect(meter.line(done: 0, elapsed: 0) == "replay: 0 events, 0 events/s")
    }

    @Test func closingLine() {
        #expect(ProgressMeter(label: "replay", total: 200_005).finished(done: 200_005, elapsed: 0.73)
            == "replay: 200,005 events in 0.7 s, 274 k events/s")
    }

    @Test func units() {
        #expect(ProgressMeter.grouped(0) == "0")
        #expect(ProgressMeter.grouped(999) == "999")
        #expect(ProgressMeter.grouped(1000) == "1,000")
        #expect(ProgressMeter.grouped(123_456_789) == "123,456,789")
        #expect(ProgressMeter.rate(950) == "950")
        #expect(ProgressMeter.rate(1_234_567_890) == "1.23 G")
        #expect(ProgressMeter.duration(59.6) == "1 min 00 s")
        #expect(ProgressMeter.duration(7_620) == "2 h 07 min")
        #expect(ProgressMeter.duration(.infinity) == "?")
    }
}
