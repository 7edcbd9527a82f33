import Foundation
import TestSupport
import MemTrace
import Testing

/// `record --fault-stacks`, chosen apart from `--stacks`, and the defaults: dwarf for allocation
/// calls, the kernel's callchain for page faults.
extension RecordFaultStacksTests {
    /// Without `--stacks` or `--fault-stacks` (fixture without frame pointers, as Debian builds):
    /// allocation calls get whole `.eh_frame` stacks, page faults the kernel's callchain, whose
    /// innermost frame is the faulting function; the header names both modes, no sample lost.
    @Test(.enabled(if: enabled)) func defaultsAreDwarfCallsAndCallchainFaults() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let got = try Self.record(try Self.compile(framePointers: false, in: dir), stacks: nil, in: dir)
        #expect(got.header.attributes["recorder.stacks"] == "dwarf")
        #expect(got.header.attributes["recorder.fault_stacks"] == "callchain")
        #expect(got.header.attributes["recorder.fault_samples_lost"] == "0")
        #expect(!got.table.objects.isEmpty)
        let touch = try #require(got.functions["touch main"], "\(got.functions.keys)")
        #expect(touch.count == 32)
        for frames in touch { #expect(frames.first == "touch_pages", "\(frames)") }
        for frames in got.functions["read main"] ?? [] { #expect(frames.first?.hasPrefix("libc.so.6+") == true, "\(frames)") }
        // --fault-stacks dwarf on the same program: whole stacks, main among the frames.
        let whole = try Self.record(try Self.compile(framePointers: false, in: dir), stacks: nil, faultStacks: "dwarf", in: dir)
        #expect(whole.header.attributes["recorder.fault_stacks"] == "dwarf")
        for frames in try #require(whole.functions["touch main"]) { #expect(frames.first == "touch_pages" && frames.contains("main"), "\(frames)") }
    }

    /// `--stacks dwarf --fault-stacks callchain` (frame pointers in the fixture): the faults get
    /// the kernel's callchain, named in the header; `--fault-stacks none` leaves every touch
    /// without a stack while the allocation side still records its object table.
    @Test(.enabled(if: enabled)) func faultStacksAreChosenApartFromAllocationStacks() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let program = try Self.compile(framePointers: true, in: dir)
        let chain = try Self.record(program, stacks: "dwarf", faultStacks: "callchain", in: dir)
        #expect(chain.header.attributes["recorder.stacks"] == "dwarf")
        #expect(chain.header.attributes["recorder.fault_stacks"] == "callchain")
        let touch = try #require(chain.functions["touch main"], "\(chain.functions.keys)")
        #expect(touch.count == 32)
        for frames in touch { #expect(frames.first == "touch_pages" && frames.contains("main"), "\(frames)") }
        let none = try Self.record(program, stacks: "dwarf", faultStacks: "none", in: dir)
        #expect(none.header.attributes["recorder.fault_stacks"] == "none")
        #expect(!none.touches.isEmpty && none.touches.allSatisfy { $0.stack == .none })
        #expect(!none.table.objects.isEmpty)
    }

    /// Refusals: an unknown mode, and fault stacks without the interposer's object table.
    @Test func faultStacksRefusals() throws {
        let bad = try CLI.run(["record", "--fault-stacks", "lbr", "--", "true"])
        #expect(bad.status == 2 && bad.stderr.contains("--fault-stacks lbr: expected auto, dwarf, callchain or none"), "\(bad.stderr)")
        let orphan = try CLI.run(["record", "--stacks", "none", "--fault-stacks", "dwarf", "--", "true"])
        #expect(orphan.status == 2 && orphan.stderr.contains("--fault-stacks dwarf needs --stacks fp or dwarf"), "\(orphan.stderr)")
    }
}
