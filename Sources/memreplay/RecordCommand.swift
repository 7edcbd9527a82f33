import ArgumentParser
import Foundation
import MemTrace
import MemReplay

/// `memreplay record`: runs a program with the LD_PRELOAD interposer and merges what every process
/// of it recorded into one trace.
struct RecordCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Run a program and record its allocations, memory system calls, file I/O and processes.",
        discussion: """
            The interposer (libmemreplay-recorder.so, plain C, libc + libzstd only) is found in this
            order: --interposer, $MEMREPLAY_INTERPOSER, a copy built from this checkout's
            Sources/CRecorder into ~/.cache/memreplay (built with cc on first use), or the copy
            `make recorder` puts next to the memreplay binary.

            Example:
              memreplay record -o ls.mrt -- ls -l /tmp
              memreplay replay ls.mrt
            """)

    @Option(name: .shortAndLong, help: "Trace file to write.")
    var output: String = "recording.mrt"
    @Option(help: """
        Memory accesses: faults (default: every page fault of every process and thread, captured with \
        perf_event_open, merged as fault-derived touches), lackey (every access, under valgrind's lackey), or none.
        """)
    var accesses: String = "faults"
    @Flag(help: """
        With --accesses lackey: also run the program under valgrind cachegrind, in the same environment \
        with an inert copy of the interposer preloaded, and compare its Dr/Dw with the trace's loads and stores.
        """)
    var compareCachegrind = false
    @Flag(help: "Record only the started process, not the children it forks.")
    var noFollowForks = false
    @Option(help: "Round event times down to a multiple of this many nanoseconds (1 keeps them exact).")
    var timeResolution: UInt64 = 1000
    @Option(help: "The interposer shared object to use.")
    var interposer: String?
    @Option(help: "Keep the raw per-process segments in this directory instead of deleting them.")
    var keepRaw: String?
    @Option(help: "zstd compression level of the trace (1–19; 3 keeps a malloc/free churn at 1.3 bytes/event, 6 at 1.25 for 1.7x the CPU).")
    var level: Int = 3
    @Option(help: """
        When to convert the raw segments into a trace: later (default: the output is a raw recording, packed \
        in about the time of a copy and converted by its first reader or `memreplay convert`) or now (merged \
        into a trace before record returns, while the program runs with --accesses none).
        """)
    var convert: ConvertWhen = .later
    @Option(help: """
        Call stacks of malloc-family calls: dwarf (the default: .eh_frame unwinding in the interposer, \
        whole stacks through code without frame pointers, each walk memoised), fp (frame-pointer walk: \
        one frame on Debian's binaries) or none (no stacks, no stack tables in the recorded process: the \
        cheapest).
        """)
    var stacks: String = "dwarf"
    @Option(help: """
        Call stacks of page faults (--accesses faults): auto (the default: callchain with --stacks dwarf \
        or fp, none with none), callchain (the kernel's frame-pointer walk, PERF_SAMPLE_CALLCHAIN: the \
        faulting function and its callers as far as frame pointers go; no sample lost), dwarf (registers \
        and 8 KiB of user stack per fault sample, unwound with .eh_frame at conversion: whole stacks, but \
        a program faulting fast loses samples, see the summary's LOST count) or none. Any mode but none \
        needs --stacks fp or dwarf (their object table names the frames).
        """)
    var faultStacks: String = "auto"
    @Option(help: "Most frames kept per call stack (1–256).")
    var stackDepth: Int = 64
    @Option(help: .hidden)
    var mergeRaw: String?
    @Flag(name: .shortAndLong, help: "Print nothing but errors.")
    var quiet = false
    @Flag(help: "Report progress on stderr (captured while the program runs, converted with rate and ETA after) even when stderr is not a terminal; on a terminal it shows unless -q.")
    var progress = false
    @Argument(parsing: .postTerminator, help: "The command to run, after --.")
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("expected the command to record after --, for example: memreplay record -- ls") }
        guard ["none", "faults", "lackey"].contains(accesses) else {
            throw ValidationError("--accesses \(accesses): expected faults, lackey or none")
        }
        guard !compareCachegrind || accesses == "lackey" else { throw ValidationError("--compare-cachegrind needs --accesses lackey") }
        guard (1...19).contains(level) else { throw ValidationError("--level must be between 1 and 19, got \(level)") }
        guard timeResolution >= 1 else { throw ValidationError("--time-resolution must be at least 1") }
        guard ["none", "fp", "dwarf"].contains(stacks) else { throw ValidationError("--stacks \(stacks): expected dwarf, fp or none") }
        guard ["auto", "none", "callchain", "dwarf"].contains(faultStacks) else {
            throw ValidationError("--fault-stacks \(faultStacks): expected auto, dwarf, callchain or none")
        }
        guard stacks != "none" || ["auto", "none"].contains(faultStacks) else {
            throw ValidationError("--fault-stacks \(faultStacks) needs --stacks fp or dwarf (the interposer's object table names the frames)")
        }
        guard (1...256).contains(stackDepth) else { throw ValidationError("--stack-depth must be between 1 and 256, got \(stackDepth)") }
    }

    /// The fault-stack mode `--fault-stacks` and `--stacks` give. `auto` is `callchain` whenever
    /// allocation stacks are on: `dwarf`'s 8 KiB per sample overflowed the ring buffers on java
    /// (21,205 of 45,954 samples lost) and python3 (docs/recording.md, "Call stacks of page faults").
    var faultStackMode: String {
        guard faultStacks == "auto" else { return faultStacks }
        return stacks == "none" ? "none" : "callchain"
    }

    /// `--convert`.
    enum ConvertWhen: String, ExpressibleByArgument, CaseIterable { case now, later }

    /// True when the trace is merged before `record` returns: `--convert now`, and
    /// `--compare-cachegrind` (its comparison needs the trace's counts).
    var convertsNow: Bool { convert == .now || compareCachegrind }

    func run() throws {
        let reporter = ProgressReporter.make(label: "record", forced: progress, quiet: quiet)
        do {
            try record(reporter: reporter)
        } catch {
            reporter?.clear()
            throw error
        }
    }

    /// Runs the program (or takes `--merge-raw`'s segments) and merges the trace, with progress on `reporter`.
    func record(reporter: ProgressReporter?) throws {
        if let mergeRaw { return try merge(directory: mergeRaw, library: interposer ?? "", run: nil, reporter: reporter) }
        // The fault tracepoints register with perf while the interposer is located and the clock read.
        if accesses == "faults" { PerfTracepointWarmUp.start() }
        let library = try RecorderLibrary.locate(explicit: interposer, flavor: accesses == "lackey" ? .lackey : .normal)
        // The interposer reads these at start-up in every process image (RecorderProcess passes our environment on).
        setenv("MEMREPLAY_STACKS", stacks, 1)
        setenv("MEMREPLAY_STACK_DEPTH", String(stackDepth), 1)
        let directory: String
        if let keepRaw {
            try FileManager.default.createDirectory(atPath: keepRaw, withIntermediateDirectories: true)
            // Absolute: a recorded process that changes directory (pyenv's shims do) still finds it.
            directory = keepRaw.hasPrefix("/") ? keepRaw : FileManager.default.currentDirectoryPath + "/" + keepRaw
        } else {
            var template = Array((NSTemporaryDirectory() + "/memreplay-rec-XXXXXX").utf8CString)
            guard template.withUnsafeMutableBufferPointer({ mkdtemp($0.baseAddress!) }) != nil else {
                throw UsageFailure("cannot create a recording directory in \(NSTemporaryDirectory())")
            }
            directory = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        }
        defer {
            if keepRaw == nil && !RawRecording.removeDirectory(directory) { try? FileManager.default.removeItem(atPath: directory) }
        }
        let spool = accesses == "lackey" ? directory + "/lackey.spool" : nil
        let faultSpool = accesses == "faults" ? directory + "/faults.spool" : nil
        let run: RecorderProcess.Outcome
        var capture: RecorderProcess.FaultCapture?
        var following: FollowingMerge?
        defer { following?.follower.abandon() }
        let cacheDirectory = RecorderLibrary.cacheDirectory()
        let rate = TickCalibration.cachedRate(cacheDirectory: cacheDirectory, environment: ProcessInfo.processInfo.environment)
        let calibrationBefore = TickCalibration.now()
        let monitor = RecordingMonitor.make(reporter: reporter, directory: directory, program: command[0], faults: faultSpool != nil)
        monitor?.start()
        defer { monitor?.stop() }
        // A raw recording's segments are compressed by our thread while the program runs (the
        // interposer writes them uncompressed), so the pack is ready at its exit.
        let compressor = convertsNow ? nil : RecordingCompressor(directory: directory)
        compressor?.start()
        defer { _ = compressor?.finish() }
        if let faultSpool {
            (run, capture) = try RecorderProcess.runCapturingFaults(command: command, library: library, directory: directory,
                                                                   followForks: !noFollowForks, spool: faultSpool,
                                                                   stacks: FaultStackMode.named(faultStackMode))
            if let warning = capture?.warning { FileHandle.standardError.write(Data("memreplay: warning: \(warning)\n".utf8)) }
        } else {
            // --convert now, --accesses none with a fixed rate: the merge follows the program.
            let follow = convertsNow && accesses == "none" && rate != nil && ProcessInfo.processInfo.environment["MEMREPLAY_NO_FOLLOW"] == nil
            run = try RecorderProcess.run(command: command, library: library, directory: directory,
                                          followForks: !noFollowForks, accessSpool: spool, flushStarts: follow) { pid in
                guard follow, let rate, let follower = try? RecordingFollower(
                        directory: directory, rootPid: pid, followForks: !noFollowForks,
                        clock: RecordingClock(rate: rate, start: calibrationBefore, bound: RecordingClock.bound(timeResolution: timeResolution)),
                        timeResolution: timeResolution, outputPath: output, compressionLevel: level) else { return }
                following = FollowingMerge(follower: follower)
                following?.start()
            }
        }
        let calibrationAfter = TickCalibration.now()
        following?.stop()
        let eventsAtExit = following?.follower.eventsWritten ?? 0
        monitor?.stop()
        var clock: RecordingClock?
        if let rate {
            let c = RecordingClock(rate: rate, start: calibrationBefore, end: calibrationAfter,
                                   bound: RecordingClock.bound(timeResolution: timeResolution))
            try c.write(directory: directory)
            // A rate that no longer agrees is measured again from this run when it was long
            // enough to be better than the 100 ms calibration (unless it was forced).
            if !c.agrees, ProcessInfo.processInfo.environment["MEMREPLAY_TICK_RATE"] == nil,
               calibrationAfter.nanoseconds > calibrationBefore.nanoseconds + 1_000_000_000, let measured = c.measuredRate {
                TickCalibration.storeRate(measured, cacheDirectory: cacheDirectory)
            }
            clock = c
        }
        let calibrations = [calibrationBefore, calibrationAfter]
        if let compressor {
            return try pack(directory: directory, library: library, run: run, capture: capture, calibrations: calibrations,
                            sources: compressor.finish())
        }
        if let following, let clock, clock.agrees, following.failure == nil {
            let header = makeHeader(library: library, run: run, capture: capture)
            if let (bytes, summary) = try following.follower.finish(header: header, clockAttributes: clock.attributes,
                                                                    rootStatus: run.status) {
                report(summary: summary, bytes: bytes, run: run, capture: capture, comparison: nil, followed: eventsAtExit)
                return
            }
        }
        if let following, !quiet {
            let why = following.follower.violation ?? following.failure.map { "\($0)" }
                ?? (clock?.agrees == false ? "the tick rate disagreed with CLOCK_MONOTONIC at the end" : nil)
            if let why { FileHandle.standardError.write(Data("memreplay: note: merging after the exit (\(why))\n".utf8)) }
        }
        following?.follower.abandon()
        following = nil
        try merge(directory: directory, library: library, run: run, capture: capture,
                  calibrations: calibrations, reporter: reporter)
    }

    /// The trace header before the merge completes it.
    func makeHeader(library: String, run: RecorderProcess.Outcome, capture: RecorderProcess.FaultCapture?) -> TraceHeader {
        var header = TraceHeader(producer: "memreplay-record", producerVersion: MemReplayVersionInfo.version,
                                 commandLine: command, host: RecorderProcess.host(),
                                 attributes: ["recorder.interposer": library, "recorder.follow_forks": noFollowForks ? "0" : "1",
                                              "recorder.stacks": mergeRaw == nil ? stacks : "(see the raw recording)",
                                              "recorder.fault_stacks": mergeRaw == nil ? (accesses == "faults" ? faultStackMode : "none")
                                                  : "(see the raw recording)",
                                              RecordingConversion.stackDepthAttribute: mergeRaw == nil ? String(stackDepth) : "(see the raw recording)",
                                              "recorder.accesses": accesses,
                                              "recorder.exit_status": String(run.status)])
        for (k, v) in capture?.attributes ?? [:] { header.attributes[k] = v }
        return header
    }

    /// Merges the segments in `directory` into the trace. `run` is the recorded process; without it
    /// (`--merge-raw DIR`, segments kept earlier with --keep-raw: for timing the merge and comparing
    /// builds' output) the root is the first spawned image whose parent recorded nothing, and its
    /// status comes from its own exit record. The fault spool, when there is one, is merged too;
    /// the clock is the directory's `clock` file, as `record` wrote it.
    func merge(directory: String, library: String, run: RecorderProcess.Outcome?,
               capture: RecorderProcess.FaultCapture? = nil, calibrations: [TickCalibration] = [],
               reporter: ProgressReporter? = nil) throws {
        reporter?.show(force: true) { r in
            let captured = RecordingMonitor.captured(directory: directory)
            return "\(r.meter.label): reading \(ProgressMeter.bytes(captured.rawBytes)) of segments"
        }
        let segments = try RecordingMerger.loadSegments(directory: directory)
        guard !segments.isEmpty else { throw nothingRecorded() }
        var conversion = RecordingConversion(header: TraceHeader(producer: "", producerVersion: "", commandLine: []),
                                             rootPid: run?.pid, rootStatus: mergeRaw == nil ? run?.status : nil,
                                             timeResolution: timeResolution, compressionLevel: level, accesses: accesses,
                                             calibrations: calibrations)
        let run = run ?? RecorderProcess.Outcome(pid: conversion.root(of: segments), status: 0)
        conversion.header = makeHeader(library: library, run: run, capture: capture)
        var comparison: String?
        if compareCachegrind {
            reporter?.clear()  // the program runs again and shares the terminal
            let baseline = try RecorderLibrary.locate(explicit: nil, flavor: .inert)
            let out = directory + "/cachegrind.out"
            _ = try RecorderProcess.run(command: command, library: baseline, directory: directory,
                                        followForks: !noFollowForks, cachegrindOut: out)
            let (dr, dw) = try RecordCachegrindBaseline.readsAndWrites(out)
            conversion.header.attributes["recorder.cachegrind_dr"] = String(dr)
            conversion.header.attributes["recorder.cachegrind_dw"] = String(dw)
            comparison = "cachegrind (inert interposer preloaded, same environment): Dr \(dr), Dw \(dw)"
        }
        let converting = DispatchTime.now().uptimeNanoseconds
        func since() -> Double { Double(DispatchTime.now().uptimeNanoseconds - converting) / 1e9 }
        var inputTotal: UInt64 = 0
        let (summary, bytes) = try conversion.convert(segments: segments, directory: directory, output: output) { merger in
            guard let reporter else { return }
            merger.progress = { p in
                inputTotal = p.inputTotal
                reporter.show { $0.meter.converting(events: p.events, inputDone: p.inputDone, inputTotal: p.inputTotal, elapsed: since()) }
            }
        }
        if let reporter {
            reporter.finish(line: reporter.meter.converted(events: summary.events, inputTotal: inputTotal, elapsed: since()))
        }
        report(summary: summary, bytes: bytes, run: run, capture: capture, comparison: comparison)
    }

    /// `--convert later`: packs `directory` with what converting it needs into a raw recording at
    /// `output` (`RawRecording`); its first reader converts it.
    /// `sources`: the compressed segments (`RecordingCompressor.finish()`).
    func pack(directory: String, library: String, run: RecorderProcess.Outcome, capture: RecorderProcess.FaultCapture?,
              calibrations: [TickCalibration], sources: [String: String]) throws {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        guard names.contains(where: { $0.hasPrefix("p") && $0.hasSuffix(".mrr") }) else { throw nothingRecorded() }
        let conversion = RecordingConversion(header: makeHeader(library: library, run: run, capture: capture),
                                             rootPid: run.pid, rootStatus: run.status, timeResolution: timeResolution,
                                             compressionLevel: level, accesses: accesses, calibrations: calibrations)
        let packed = try RawRecording.pack(directory: directory, conversion: conversion, to: output, sources: sources)
        reportPacked(packed, run: run, capture: capture)
    }

    /// The error for a run that left no segment.
    func nothingRecorded() -> UsageFailure {
        UsageFailure("\(command[0]): nothing was recorded (is it a static binary, or setuid? LD_PRELOAD does not reach those)")
    }
}
