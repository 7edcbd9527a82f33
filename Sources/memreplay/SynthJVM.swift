import ArgumentParser
import Foundation
import MemTrace
import MemModel
import MemReplay

/// `memreplay synth jvm`: a HotSpot 17 (G1) process's memory life.
struct SynthJVM: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jvm",
        abstract: "A HotSpot 17 JVM with G1: heap regions, TLABs, young/mixed/full collections, metaspace, code cache, stacks.",
        discussion: """
        Sizes take K, M, G or T suffixes. Heap options left out take HotSpot's ergonomic values
        for --ram (MaxHeapSize = RAM/4, InitialHeapSize = RAM/64, region size MaxHeap/2048 as a
        power of two in 1M-32M); the resolved values are in the trace header.
        Example:
          memreplay synth jvm --xmx 256M --threads 4 --alloc-rate 500 --duration 4 -o jvm.mrt
        """)
    @Option(help: "Machine memory the JVM sizes itself for, bytes or with suffix (default: this machine's MemTotal).")
    var ram: String?
    @Option(help: "Active processors, sizing the GC thread pools (default: this machine's).")
    var cpus: Int?
    @Option(help: "-Xmx: maximum heap (default: RAM/4 rounded up to the region size).")
    var xmx: String?
    @Option(help: "-Xms: initial heap (default: RAM/64 rounded up to the region size, at most -Xmx).")
    var xms: String?
    @Option(help: "-XX:G1HeapRegionSize: a power of two from 1M to 32M (default: ergonomic).")
    var regionSize: String?
    @Option(help: "Application threads allocating in parallel.")
    var threads: Int = 4
    @Option(help: "Allocation rate of all application threads, MB/s (10^6 bytes per second).")
    var allocRate: Double = 200
    @Option(help: "Seconds of allocation (virtual time).")
    var duration: Double = 10
    @Option(help: "Long-lived data built at start-up and kept, bytes or with suffix.")
    var live: String = "32M"
    @Option(help: "Percent of eden bytes still alive at their first young collection.")
    var survival: Double = 5
    @Option(help: "Percent of surviving (survivor or old) bytes still alive at each later collection.")
    var aging: Double = 50
    @Option(help: "Percent of allocated bytes in large arrays outside TLABs.")
    var large: Double = 5
    @Option(help: "Percent of allocated bytes in humongous objects (half a region or more).")
    var humongous: Double = 1
    @Option(help: "Application classes loaded (metaspace, class space).")
    var classes: Int = 3000
    @Option(help: "JIT-compiled code by the end of the run, bytes or with suffix.")
    var jitCode: String = "8M"
    @Option(help: "-XX:G1PeriodicGCInterval in milliseconds; 0 = off.")
    var periodicGc: UInt64 = 0
    @Option(help: "Seconds without allocation after the run.")
    var idle: Double = 0
    @Flag(help: "-XX:+UseTransparentHugePages: madvise(MADV_HUGEPAGE) on the heap.")
    var thp = false
    @Option(help: "Random seed.")
    var seed: UInt64 = 1
    @OptionGroup var out: SynthOutput

    /// The options, each size parsed; a bad one is a ValidationError naming it (exit 2).
    func options() throws -> JVMOptions {
        func size(_ name: String, _ text: String?) throws -> UInt64? {
            guard let text else { return nil }
            guard let v = MachineConfiguration.parseSize(text) else {
                throw ValidationError("\(name) \(text): expected a size such as 256M or 4G")
            }
            return v
        }
        let memory = try size("--ram", ram) ?? SynthJVM.hostMemory()
        var o = JVMOptions(ram: memory, cpus: cpus ?? ProcessInfo.processInfo.activeProcessorCount)
        o.maxHeap = try size("--xmx", xmx)
        o.initialHeap = try size("--xms", xms)
        o.regionSize = try size("--region-size", regionSize)
        o.threads = threads; o.allocationRate = allocRate; o.duration = duration
        o.liveSet = try size("--live", live)!
        o.survival = survival; o.aging = aging; o.largeObjects = large; o.humongousObjects = humongous
        o.classes = classes; o.jitCode = try size("--jit-code", jitCode)!
        o.periodicGCInterval = periodicGc; o.idle = idle; o.transparentHugePages = thp; o.seed = seed
        do { try o.validate() } catch let invalid as JVMOptions.Invalid { throw ValidationError(invalid.description) }
        return o
    }

    /// MemTotal of this machine (what `os::physical_memory` reports), bytes.
    static func hostMemory() throws -> UInt64 {
        let text = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
        for line in text.split(separator: "\n") where line.hasPrefix("MemTotal:") {
            if let kb = UInt64(line.split(separator: " ").dropFirst().first ?? "") { return kb * 1024 }
        }
        throw ValidationError("--ram: /proc/meminfo has no MemTotal line; give --ram")
    }

    func run() throws {
        let synthesizer = JVMSynthesizer(options: try options())
        let writer = try TraceWriter(path: out.output, header: synthesizer.header, compressionLevel: out.level, inBackground: true)
        let summary: JVMSummary
        do {
            summary = try synthesizer.generate(to: writer)
            try writer.close()
        } catch {
            writer.abandon()
            throw error
        }
        print("\(out.output): \(writer.eventCount) events, \(writer.bytesWritten) bytes")
        for line in summary.lines { print("  " + line) }
    }
}
