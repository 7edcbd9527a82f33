import Foundation
import MemTrace

/// Finds the interposer shared object, building it from this checkout's sources when needed.
///
/// The .so is built with the system C compiler, not SwiftPM, so it links only libc
/// and never loads the Swift runtime into the recorded program:
/// `cc -O2 -fno-omit-frame-pointer -fPIC -shared -o libmemreplay-recorder.so Sources/CRecorder/*.c -ldl -lpthread`.
enum RecorderLibrary {
    static let fileName = "libmemreplay-recorder.so"
    /// The checkout's Sources/CRecorder (the binary is built from it).
    static let sourceDirectory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("CRecorder").path

    /// What the shared object is built for.
    enum Flavor: String {
        /// Recording (`memreplay record`).
        case normal = ""
        /// -DMR_LACKEY=1: marker loads for `--accesses lackey`.
        case lackey = "lackey"
        /// -DMR_LACKEY=1 -DMR_INERT=1 -fvisibility=hidden: loaded like the lackey flavour but
        /// interposing nothing and running no code (the cachegrind baseline). Its name has as many
        /// characters as the lackey flavour's, so LD_PRELOAD is as long.
        case inert = "lknone"

        var flags: [String] {
            switch self {
            case .normal: []
            case .lackey: ["-DMR_LACKEY=1"]
            case .inert: ["-DMR_LACKEY=1", "-DMR_INERT=1", "-fvisibility=hidden"]
            }
        }
    }

    static func locate(explicit: String?, flavor: Flavor = .normal) throws -> String {
        if let path = explicit ?? ProcessInfo.processInfo.environment["MEMREPLAY_INTERPOSER"] {
            guard FileManager.default.fileExists(atPath: path) else { throw UsageFailure("\(path): no such interposer") }
            return path
        }
        if let built = try buildFromSources(flavor: flavor) { return built }
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent(flavor == .normal ? fileName : "libmemreplay-recorder-\(flavor.rawValue).so").path
        if FileManager.default.fileExists(atPath: beside) { return beside }
        throw UsageFailure("cannot find \(fileName): run `make recorder`, or pass --interposer PATH")
    }

    /// The sources' .c and .h files, sorted, with their contents (nil when the checkout is gone).
    static func sources() -> [(name: String, data: Data)]? {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: sourceDirectory) else { return nil }
        let files = names.filter { $0.hasSuffix(".c") || $0.hasSuffix(".h") }.sorted()
        guard files.contains(where: { $0.hasSuffix(".c") }) else { return nil }
        return files.compactMap { n in FileManager.default.contents(atPath: sourceDirectory + "/" + n).map { (n, $0) } }
    }

    /// `~/.cache/memreplay` (or `$XDG_CACHE_HOME/memreplay`): the built interposers and the tick rate.
    static func cacheDirectory() -> String {
        let env = ProcessInfo.processInfo.environment
        return (env["XDG_CACHE_HOME"] ?? ((env["HOME"] ?? NSTemporaryDirectory()) + "/.cache")) + "/memreplay"
    }

    /// Builds (once per source version) into ~/.cache/memreplay and returns the path.
    static func buildFromSources(flavor: Flavor = .normal) throws -> String? {
        guard let files = sources() else { return nil }
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for f in files {
            for b in Array(f.name.utf8) + Array(f.data) { hash = (hash ^ UInt64(b)) &* 0x100_0000_01b3 }
        }
        let env = ProcessInfo.processInfo.environment
        let cache = cacheDirectory()
        let target = cache + "/libmemreplay-recorder-\(flavor == .normal ? "" : flavor.rawValue + "-")\(String(hash, radix: 16)).so"
        if FileManager.default.fileExists(atPath: target) { return target }
        try FileManager.default.createDirectory(atPath: cache, withIntermediateDirectories: true)
        let temporary = target + ".\(getpid()).tmp"
        TemporaryFiles.register(temporary)
        defer { TemporaryFiles.unregister(temporary); unlink(temporary) }
        let compiler = env["CC"] ?? "cc"
        let args = ["-O2", "-fno-omit-frame-pointer", "-fPIC", "-shared"] + flavor.flags + ["-o", temporary] + files.filter { $0.name.hasSuffix(".c") }.map { sourceDirectory + "/" + $0.name }
            + ["-ldl", "-lpthread"]
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [compiler] + args
        let err = Pipe()
        p.standardError = err
        try p.run()
        let message = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw UsageFailure("building the interposer with \(compiler) failed:\n" + String(decoding: message, as: UTF8.self))
        }
        guard rename(temporary, target) == 0 else { throw UsageFailure("cannot move the interposer into \(cache)") }
        return target
    }
}
