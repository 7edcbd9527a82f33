import Foundation
import MemTrace

extension RecordCommand {
    /// The summary lines of a trace just merged (unless -q).
    /// `followed`: the merge followed the program (`RecordingFollower`) and had written this many
    /// events when it exited.
    func report(summary: RecordingSummary, bytes: UInt64, run: RecorderProcess.Outcome, capture: RecorderProcess.FaultCapture?,
                comparison: String?, followed: UInt64? = nil) {
        if !quiet {
            let perEvent = summary.events > 0 ? Double(bytes) / Double(summary.events) : 0
            print("\(output): \(summary.events) events, \(summary.processes.count) processes, \(summary.threads.count) threads, "
                  + "\(bytes) bytes (\(String(format: "%.2f", perEvent)) bytes/event); \(command[0]) exited with \(run.status)"
                  + (followed.map { "; merged while it ran (\($0) events by its exit)" } ?? ""))
            if let comparison {
                let (reads, writes) = RecordCachegrindBaseline.traceCounts(summary)
                print("\(comparison); trace: loads+modifies \(reads), stores \(writes)")
            }
            if let capture {
                var line = "page faults (\(capture.source)): \(summary.touches) touches merged"
                if summary.recorderMappings > 0 { line += " (\(summary.recorderMappings) of the recorder's own mappings included)" }
                if summary.touchesDropped > 0 { line += ", \(summary.touchesDropped) after their process exited or of processes not followed left out" }
                if let minor = capture.minorFaults, let major = capture.majorFaults { line += "; the kernel counted \(minor) minor, \(major) major" }
                if capture.lost > 0 { line += "; \(capture.lost) samples LOST (ring buffer full)" }
                print(line)
            }
            if summary.stackNodes > 0 || summary.unwind.frames > 0 {
                let u = summary.unwind
                var line = "stacks: \(summary.stackNodes) nodes, \(summary.stackObjects) objects; unwinder: \(u.frames) frames"
                line += ", stops: \(u.noFDE) no FDE, \(u.unsupported) unsupported rule, \(u.badRead) off the stack, \(u.truncated) at the depth limit"
                if u.memoised > 0 { line += "; \(u.reused) calls reused one of \(u.memoised) memoised walks" }
                if summary.unresolvedStacks > 0 { line += "; \(summary.unresolvedStacks) stack ids unresolved" }
                print(line)
            }
            if summary.faultStacks.touches > 0 { print(RecordCommand.faultStacksLine(summary.faultStacks)) }
            if !summary.incompleteSegments.isEmpty {
                print("note: \(summary.incompleteSegments.count) process image(s) did not finish their stream (killed or still running); their last unflushed buffer is lost")
            }
        }
    }

    /// The `fault stacks:` summary line: touches with a stack, distinct stacks and frames, and how
    /// the `.eh_frame` walks ended (`--stacks dwarf`).
    static func faultStacksLine(_ f: FaultStackCounters) -> String {
        var line = "fault stacks: \(f.touches) touches with a stack, \(f.stacks) distinct, \(f.frames) frames"
        if !f.ends.isEmpty { line += "; walks ended: " + f.ends.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ") }
        return line
    }

    /// The summary lines of `--convert later` (unless -q): the raw recording's size, the capture's
    /// counts and losses, and the process images that did not finish their stream.
    func reportPacked(_ packed: RawRecording.Packed, run: RecorderProcess.Outcome, capture: RecorderProcess.FaultCapture?) {
        guard !quiet else { return }
        let segments = packed.manifest.members.filter { $0.name.hasSuffix(".mrr") }.count
        print("\(output): raw recording, \(segments) segment\(segments == 1 ? "" : "s"), \(packed.bytes) bytes "
              + "(converted by its first reader, or now by `memreplay convert \(output)`); \(command[0]) exited with \(run.status)")
        if let capture {
            var line = "page faults (\(capture.source)): \(capture.samples) samples captured"
            if let minor = capture.minorFaults, let major = capture.majorFaults { line += "; the kernel counted \(minor) minor, \(major) major" }
            if capture.lost > 0 { line += "; \(capture.lost) samples LOST (ring buffer full)" }
            print(line)
        }
        if !packed.incompleteSegments.isEmpty {
            print("note: \(packed.incompleteSegments.count) process image(s) did not finish their stream (killed or still running); their last unflushed buffer is lost")
        }
    }
}
