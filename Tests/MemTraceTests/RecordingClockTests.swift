import Testing
@testable import MemTrace

/// The fixed tick rate of a recording: the end check that decides between it and the fitted
/// line, and its file in a kept recording directory.
struct RecordingClockTests {
    let start = TickCalibration(tick: 1_000_000, nanoseconds: 5_000_000_000)

    @Test func agreesWithinTheBoundAndNotBeyond() {
        // 25 ns per tick; 10,000,000 ticks later CLOCK_MONOTONIC says 250 ms, give or take.
        var clock = RecordingClock(rate: 25, start: start, bound: 1_000)
        #expect(!clock.agrees)  // no end pair yet
        clock.end = TickCalibration(tick: 11_000_000, nanoseconds: 5_250_000_900)
        #expect(clock.agrees)
        #expect(clock.endError == -900)
        clock.end = TickCalibration(tick: 11_000_000, nanoseconds: 5_250_001_100)
        #expect(!clock.agrees)
        #expect(clock.attributes["recorder.clock"] == "fitted")
        #expect(clock.attributes["recorder.clock_end_error_ns"] == "-1100")
        #expect(clock.measuredRate == 25.00011)
        clock.end = TickCalibration(tick: 500, nanoseconds: 1)  // pairs going backwards never agree
        #expect(!clock.agrees)
    }

    @Test func boundIsHalfTheResolutionAtLeastAMicrosecond() {
        #expect(RecordingClock.bound(timeResolution: 1) == 1_000)
        #expect(RecordingClock.bound(timeResolution: 1_000) == 1_000)
        #expect(RecordingClock.bound(timeResolution: 100_000) == 50_000)
    }

    @Test func fixedClockConvertsFromTheStartPair() {
        let clock = RecordingClock(rate: 25, start: start, end: TickCalibration(tick: 2_000_000, nanoseconds: 5_025_000_000), bound: 1_000)
        #expect(clock.agrees)
        #expect(clock.fixed.nanoseconds(1_000_000) == 5_000_000_000)
        #expect(clock.fixed.nanoseconds(1_000_004) == 5_000_000_100)
        #expect(clock.fixed.tick(5_000_000_100) == 1_000_004)
    }

    @Test func fileRoundTripsExactly() throws {
        let clock = RecordingClock(rate: 24.999999873123457, start: start,
                                   end: TickCalibration(tick: 2_000_000, nanoseconds: 5_025_000_000), bound: 500)
        let back = try RecordingClock(fileText: clock.fileText, source: "clock")
        #expect(back == clock)
        #expect(back.agrees == clock.agrees)
    }

    @Test func damagedFileNamesTheLine() {
        do {
            _ = try RecordingClock(fileText: "rate 25\nstart 12 x\nbound 1000\n", source: "dir/clock")
            Issue.record("expected an error")
        } catch let error as TraceError {
            #expect("\(error)".contains("dir/clock"))
            #expect("\(error)".contains("line 2"))
        } catch { Issue.record("unexpected \(error)") }
        #expect(throws: TraceError.self) { try RecordingClock(fileText: "rate 25\n", source: "clock") }
        #expect(throws: TraceError.self) { try RecordingClock(fileText: "rate -1\nstart 1 1\nbound 1\n", source: "clock") }
    }
}
