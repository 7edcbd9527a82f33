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

    @Test func sizes() {
        #expect(ProgressMeter.bytes(0) == "0 B")
        #expect(ProgressMeter.bytes(1023) == "1023 B")
        #expect(ProgressMeter.bytes(1024) == "1.00 KiB")
        #expect(ProgressMeter.bytes(12_700) == "12.4 KiB")
        #expect(ProgressMeter.bytes(100_663_296) == "96.0 MiB")
        #expect(ProgressMeter.bytes(1_342_177_280) == "1.25 GiB")
    }

    @Test func bytesOfAFile() {
        let meter = ProgressMeter(label: "import")
        #expect(meter.bytesLine(done: 1 << 20, total: 4 << 20, elapsed: 0.5, yielded: 75_000, what: "accesses")
            == "import: 1.00 MiB / 4.00 MiB (25.0%), 75,000 accesses, 2.00 MiB/s, ETA 1.5 s")
        #expect(meter.bytesLine(done: 4 << 20, total: 4 << 20, elapsed: 2, yielded: 300_000, what: "accesses")
            == "import: 4.00 MiB / 4.00 MiB (100.0%), 300,000 accesses, 2.00 MiB/s")
        #expect(meter.bytesFinished(done: 4 << 20, elapsed: 2, yielded: 300_000, what: "accesses")
            == "import: 4.00 MiB in 2.0 s, 2.00 MiB/s, 300,000 accesses")
    }

    @Test func recordingLines() {
        let meter = ProgressMeter(label: "record")
        #expect(meter.running(program: "./prog", rawBytes: 3_271_557, faults: 32_768, elapsed: 2.4)
            == "record: running ./prog, 3.12 MiB of segments, 32,768 page faults spooled, 2.4 s")
        #expect(meter.running(program: "ls", rawBytes: 0, faults: nil, elapsed: 0) == "record: running ls, 0 B of segments, 0.0 s")
        // 25% of the input in 1 s: three more seconds.
        #expect(meter.converting(events: 1_000_000, inputDone: 1 << 20, inputTotal: 4 << 20, elapsed: 1)
            == "record: converting 1,000,000 events (25.0% of 4.00 MiB of records), 1.00 M events/s, ETA 3.0 s")
        #expect(meter.converting(events: 4_000_000, inputDone: 4 << 20, inputTotal: 4 << 20, elapsed: 4)
            == "record: converting 4,000,000 events (100.0% of 4.00 MiB of records), 1.00 M events/s")
        #expect(meter.converted(events: 4_000_000, inputTotal: 4 << 20, elapsed: 4)
            == "record: 4,000,000 events from 4.00 MiB of records in 4.0 s, 1.00 M events/s")
    }

    @Test func steps() {
        #expect(ProgressMeter(label: "report").step("reading run.db: counters", index: 4, of: 17, detail: "1,200 rows", elapsed: 0.25)
            == "report: reading run.db: counters (4 of 17), 1,200 rows, 0.3 s")
        #expect(ProgressMeter(label: "report").step("rendering the page", index: 17, of: 17, detail: nil, elapsed: 12)
            == "report: rendering the page (17 of 17), 12 s")
    }
}
