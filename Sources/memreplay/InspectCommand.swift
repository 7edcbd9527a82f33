import ArgumentParser
import Foundation
import MemTrace

/// `memreplay inspect`: the header, event counts per kind, and bytes per event.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a trace's header, event counts per kind and bytes per event.",
        discussion: """
            Bytes per event: the file's size over its events (everything counted), and per kind the
            raw encoded bytes before compression, with each kind's share of the compressed size.

            Example:
              memreplay inspect mappings.mrt
              memreplay inspect --salvage damaged.mrt
              memreplay inspect --stacks 5 --stacks-by bytes recording.mrt
            """)
    @Argument(help: "The trace file (.mrt).")
    var trace: String
    @Flag(help: "Read the blocks before a damaged or truncated block and report the damage instead of failing.")
    var salvage = false
    @Option(help: "Output format: text or json.")
    var format: InspectFormat = .text
    @Option(help: "Also print the N call stacks with the most allocation calls (or bytes: --stacks-by), and the N with the most page faults, as object+offset frames.")
    var stacks: Int = 0
    @Option(help: "Rank --stacks by calls or bytes.")
    var stacksBy: String = "calls"

    func validate() throws {
        guard stacks >= 0 else { throw ValidationError("--stacks must be 0 or more, got \(stacks)") }
        guard StackCensus.Ranking(rawValue: stacksBy) != nil else { throw ValidationError("--stacks-by \(stacksBy): expected calls or bytes") }
    }

    enum InspectFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

    func run() throws {
        // JSON output is for programs: a raw recording is converted without the stderr line.
        if format == .json { RawRecording.announcesConversion = false }
        let reader = try TraceReader(path: trace, salvage: salvage)
        var counts = [UInt64](repeating: 0, count: 256)
        var raw = [UInt64](repeating: 0, count: 256)
        var threads = Set<UInt32>(), processes = Set<UInt32>()
        var firstTime: UInt64?, lastTime: UInt64 = 0
        var total: UInt64 = 0
        var lastTid: UInt32 = .max
        var census = StackCensus()
        while let r = try reader.next() {
            census.add(r.event)
            let k = Int(r.event.kind.rawValue)
            counts[k] += 1
            raw[k] += UInt64(reader.lastRecordSize)
            total += 1
            if r.tid.rawValue != lastTid { lastTid = r.tid.rawValue; threads.insert(r.tid.rawValue); processes.insert(r.pid.rawValue) }
            if firstTime == nil { firstTime = r.time }
            lastTime = r.time
        }
        let h = reader.header
        let rawTotal = raw.reduce(0, +)
        let compressed = Double(reader.compressedBytes)
        let perEvent = total > 0 ? Double(reader.fileSize) / Double(total) : 0
        struct KindRow: Encodable { var kind: String; var family: String; var events: UInt64; var rawBytesPerEvent: Double; var compressedBytesPerEvent: Double }
        let rows: [KindRow] = EventKind.allCases.compactMap { k in
            let n = counts[Int(k.rawValue)]
            guard n > 0 else { return nil }
            let share = rawTotal > 0 ? Double(raw[Int(k.rawValue)]) / Double(rawTotal) : 0
            return KindRow(kind: k.name, family: k.family, events: n, rawBytesPerEvent: Double(raw[Int(k.rawValue)]) / Double(n),
                           compressedBytesPerEvent: compressed * share / Double(n))
        }
        if format == .json {
            struct StackRow: Encodable {
                var nodes: Int; var objects: Int; var callsWithStack: UInt64; var meanDepth: Double; var maxDepth: Int
                var touches: UInt64; var touchesWithStack: UInt64; var faultMeanDepth: Double
            }
            struct Report: Encodable {
                var file: String; var fileBytes: UInt64; var header: TraceHeader; var events: UInt64; var blocks: Int
                var processes: Int; var threads: Int; var bytesPerEvent: Double; var compressedBytes: UInt64; var rawBytes: UInt64
                var kinds: [KindRow]; var damage: String?; var stacks: StackRow
            }
            let table = reader.stacks
            let enc = JSONEncoder(); enc.outputFormatting = [.prettyPrinted, .sortedKeys]
            let report = Report(file: trace, fileBytes: reader.fileSize, header: h, events: total, blocks: reader.blocks,
                                processes: processes.count, threads: threads.count, bytesPerEvent: perEvent,
                                compressedBytes: reader.compressedBytes, rawBytes: reader.rawBytes, kinds: rows,
                                damage: reader.damage.map { String(describing: $0) },
                                stacks: StackRow(nodes: table.nodes.count, objects: table.objects.count, callsWithStack: census.callsWithStack,
                                                 meanDepth: census.meanDepth(table), maxDepth: census.maxDepth(table),
                                                 touches: census.touches, touchesWithStack: census.touchesWithStack,
                                                 faultMeanDepth: census.meanFaultDepth(table)))
            print(String(decoding: try enc.encode(report), as: UTF8.self))
            return
        }
        print("trace:        \(trace) (\(reader.fileSize) bytes, format \(h.formatVersion), \(reader.blocks) blocks)")
        print("producer:     \(h.producer) \(h.producerVersion)")
        print("command:      \(h.commandLine.joined(separator: " "))")
        if !h.host.hostname.isEmpty || h.host.cpus > 0 {
            print("host:         \(h.host.hostname) \(h.host.kernelRelease) \(h.host.architecture), \(h.host.cpus) CPUs, \(h.host.memoryBytes >> 20) MiB")
        }
        for p in h.processes {
            print("process:      \(p.pid) \(p.executable) (parent \(p.parent), \(p.regions.count) regions)")
        }
        for (k, v) in h.attributes.sorted(by: { $0.key < $1.key }) { print("attribute:    \(k) = \(v)") }
        print("events:       \(total) from \(processes.count) process(es), \(threads.count) thread(s), time \(firstTime ?? 0)…\(lastTime) ns")
        print(String(format: "bytes/event:  %.3f overall (file size / events); %.3f compressed payload; %.3f raw",
                     perEvent, total > 0 ? compressed / Double(total) : 0, total > 0 ? Double(reader.rawBytes) / Double(total) : 0))
        print("")
        print(pad("kind", 16) + pad("family", 9) + lpad("events", 12) + lpad("raw B/ev", 10) + lpad("zstd B/ev", 11))
        for r in rows {
            print(pad(r.kind, 16) + pad(r.family, 9) + lpad(String(r.events), 12)
                  + lpad(String(format: "%.2f", r.rawBytesPerEvent), 10) + lpad(String(format: "%.3f", r.compressedBytesPerEvent), 11))
        }
        printStacks(census, reader.stacks)
        if let d = reader.damage {
            print("")
            print("damage:       \(d) (salvaged the \(total) events before it)")
        }
    }
}

extension InspectCommand {
    /// The stack counts, and with `--stacks N` the top stacks frame by frame.
    func printStacks(_ census: StackCensus, _ table: StackTable) {
        guard !table.nodes.isEmpty || census.callsWithStack > 0 || census.touchesWithStack > 0 else { return }
        print("")
        print("stacks:       \(table.nodes.count) nodes, \(table.objects.count) objects; \(census.callsWithStack) of "
              + "\(census.allocationCalls) allocation calls with a stack, " + String(format: "mean depth %.2f", census.meanDepth(table))
              + ", deepest \(census.maxDepth(table))")
        let ranking = StackCensus.Ranking(rawValue: stacksBy) ?? .calls
        for (rank, row) in census.top(stacks, by: ranking).enumerated() {
            print("")
            print("#\(rank + 1) \(row.stack): \(row.calls) calls, \(row.bytes) bytes")
            for frame in table.frames(of: row.stack) { print("    " + StackCensus.describe(frame, in: table)) }
        }
        guard census.touchesWithStack > 0 else { return }
        print("")
        print("fault stacks: \(census.touchesWithStack) of \(census.touches) fault-derived touches with a stack, \(census.faults.count) distinct stacks, "
              + String(format: "mean depth %.2f", census.meanFaultDepth(table)))
        for (rank, row) in census.topFaults(stacks).enumerated() {
            print("")
            print("#\(rank + 1) \(row.stack): \(row.faults) faults")
            for frame in table.frames(of: row.stack) { print("    " + StackCensus.describe(frame, in: table)) }
        }
    }
}

func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? " " + s : String(repeating: " ", count: n - s.count) + s }
