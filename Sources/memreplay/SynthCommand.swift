import ArgumentParser
import MemTrace
import MemModel
import MemReplay

/// `memreplay synth`: writes a synthesized workload trace.
struct SynthCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "synth",
        abstract: "Synthesize a workload trace.",
        discussion: "Example:\n  memreplay synth mappings --size 1G -o mappings.mrt",
        subcommands: [SynthMappings.self, SynthLocality.self, SynthMalloc.self, SynthRedis.self, SynthJVM.self])
}

/// Writes `synthesizer`'s trace to `output` atomically and prints a one-line summary.
func writeSynthesized(_ synthesizer: some Synthesizer, to output: String, level: Int) throws {
    let writer = try TraceWriter(path: output, header: synthesizer.header, compressionLevel: level)
    do {
        try synthesizer.write(to: writer)
        try writer.close()
    } catch {
        writer.abandon()
        throw error
    }
    print("\(output): \(writer.eventCount) events, \(writer.bytesWritten) bytes")
}

struct SynthOutput: ParsableArguments {
    @Option(name: .shortAndLong, help: "Trace file to write.")
    var output: String
    /// Level 2 by default: `synth redis` of 82.6 M events runs at 14 M events/s for 1.128 bytes per
    /// event where level 6 gave 7–8 M events/s for 1.024 (docs/synthesizers.md).
    @Option(help: "zstd compression level (1–19; 2 is fast, 6 and up about 10% smaller and half as fast).")
    var level: Int = 2

    func validate() throws {
        guard (1...19).contains(level) else { throw ValidationError("--level must be between 1 and 19, got \(level)") }
    }
}

struct SynthMappings: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mappings",
        abstract: "The seed 000 experiment: shared file read, private file written, private and shared anonymous written.",
        discussion: "Example:\n  memreplay synth mappings --size 1G -o mappings.mrt")
    @Option(help: "Size of each of the four mappings (for example 1G, 256M).")
    var size: String = "1G"
    @OptionGroup var out: SynthOutput

    func run() throws {
        guard let bytes = MachineConfiguration.parseSize(size), bytes >= Page.size, bytes <= 1 << 40 else {
            throw ValidationError("--size \(size): expected a size between 4K and 1T such as 1G or 256M")
        }
        try writeSynthesized(MappingsSynthesizer(size: bytes), to: out.output, level: out.level)
    }
}

/// The options every seeded, event-counted synthesizer takes.
struct SeededCount: ParsableArguments {
    @Option(help: "Number of events to write.")
    var events: Int = 1_000_000
    @Option(help: "Random seed.")
    var seed: UInt64 = 1

    func validate() throws {
        guard events > 0 else { throw ValidationError("--events must be positive, got \(events)") }
    }
}

struct SynthLocality: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "locality",
        abstract: "An access-heavy workload: loops, sequential scans, strided walks and pointer chasing.",
        discussion: "Example:\n  memreplay synth locality --events 10000000 --seed 7 -o loc.mrt")
    @OptionGroup var count: SeededCount
    @OptionGroup var out: SynthOutput

    func run() throws {
        try writeSynthesized(LocalitySynthesizer(events: count.events, seed: count.seed), to: out.output, level: out.level)
    }
}

struct SynthMalloc: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "malloc",
        abstract: "A malloc/free stream with small-object churn, medium buffers and a few large blocks.",
        discussion: "Example:\n  memreplay synth malloc --events 1000000 -o churn.mrt")
    @OptionGroup var count: SeededCount
    @OptionGroup var out: SynthOutput

    func run() throws {
        try writeSynthesized(MallocSynthesizer(events: count.events, seed: count.seed), to: out.output, level: out.level)
    }
}
