import ArgumentParser
import Foundation
import MemSymbols

/// `memreplay symbolize`: functions, source lines and inlined calls of addresses in an ELF file,
/// printed as `addr2line -f -i -C -e FILE ADDR...` prints them.
struct SymbolizeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "symbolize",
        abstract: "Print the function, file:line and inlined calls of addresses in an ELF file (like addr2line -f -i -C).",
        discussion: """
            Addresses are in the file's own address space (a recorded pc minus the object's load bias),
            in hex with or without 0x; without any, they are read from stdin one a line. Each address
            prints two lines per frame, innermost first: the function, then file:line ("??" and "?"
            when unknown). Debuginfo is found by build-id under --debug-root (default /usr/lib/debug),
            then by .gnu_debuglink. Problems reading the file's tables go to stderr and the exit status is 2.

            Example:
              memreplay symbolize /lib/x86_64-linux-gnu/libc.so.6 0x9a0f0
              memreplay symbolize --build-id 93ac61ec5a8eb1396f9fbd350e3169a558528a40 ./prog 1139 1150
            """)
    @Argument(help: "The ELF file (executable, shared library or debuginfo file).")
    var file: String
    @Argument(help: "Addresses in hex (0x optional).")
    var addresses: [String] = []
    @Option(name: .customLong("build-id"), help: "The build-id the trace recorded: a file with another one is not used.")
    var buildID: String?
    @Option(name: .customLong("debug-root"), help: "A directory holding .build-id/ debuginfo files (repeatable).")
    var debugRoots: [String] = []
    @Flag(help: "Print names as stored (no demangling).")
    var mangled = false
    @Flag(name: .customLong("no-inlines"), help: "Print only the innermost frame of each address.")
    var noInlines = false
    @Flag(help: "Print the addresses before their frames (as addr2line -a does).")
    var addressesShown = false

    func run() throws {
        var id: BuildID?
        if let buildID {
            guard let parsed = BuildID(hex: buildID) else { throw UsageFailure("--build-id: expected hex digits, got \(buildID)") }
            id = parsed
        }
        var texts = addresses
        if texts.isEmpty {
            while let line = readLine() {
                let t = line.trimmingCharacters(in: .whitespaces)
                if !t.isEmpty { texts.append(t) }
            }
        }
        var offsets: [UInt64] = []
        for (i, t) in texts.enumerated() {
            let digits = t.hasPrefix("0x") || t.hasPrefix("0X") ? String(t.dropFirst(2)) : t
            guard let v = UInt64(digits, radix: 16) else {
                throw UsageFailure("address \(i + 1) (\(t)): expected a hexadecimal number")
            }
            offsets.append(v)
        }
        let symbolizer = Symbolizer(locator: DebugInfoLocator(roots: debugRoots.isEmpty ? ["/usr/lib/debug"] : debugRoots))
        let ref = ObjectRef(path: file, buildID: id)
        guard symbolizer.object(ref) != nil else {
            throw UsageFailure(symbolizer.errors.first.map(String.init(describing:)) ?? "\(file): cannot be read")
        }
        let results = symbolizer.frames(object: ref, offsets: offsets)
        var out = ""
        for (i, frames) in results.enumerated() {
            if addressesShown { out += "0x" + String(repeating: "0", count: max(0, 16 - String(offsets[i], radix: 16).count)) + String(offsets[i], radix: 16) + "\n" }
            for f in noInlines ? Array(frames.prefix(1)) : frames {
                var shown = f
                if mangled { shown.function = f.rawFunction }
                out += shown.addr2lineText + "\n"
            }
        }
        FileHandle.standardOutput.write(Data(out.utf8))
        let errors = symbolizer.errors
        if !errors.isEmpty {
            for e in errors.prefix(20) { FileHandle.standardError.write(Data("memreplay: \(e)\n".utf8)) }
            throw ExitStatus(code: 2)
        }
    }
}
