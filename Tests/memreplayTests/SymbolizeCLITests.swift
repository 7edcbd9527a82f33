import Foundation
import Testing
import TestSupport

/// `memreplay symbolize`: addr2line's output for the same addresses; bad input exits 2.
@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/gcc") && FileManager.default.isExecutableFile(atPath: "/usr/bin/addr2line")))
struct SymbolizeCLITests {
    static func program() throws -> String {
        let dir = try CLI.tempDir()
        let exe = dir.appendingPathComponent("inline").path
        let r = try Subprocess.run("/usr/bin/gcc", ["-O2", "-g", "-o", exe, CLI.packageRoot.appendingPathComponent("Tests/Fixtures/symbols/inline.c").path])
        try #require(r.status == 0, "\(r)")
        return exe
    }

    @Test func sameLinesAsAddr2line() throws {
        let exe = try Self.program()
        let nm = try Subprocess.run("/usr/bin/nm", [exe])
        let starts = nm.stdout.split(separator: "\n").compactMap { line -> UInt64? in
            let p = line.split(separator: " ")
            // _init and _fini have no size: past their few bytes addr2line finds no section at all.
            return p.count == 3 && (p[1] == "T" || p[1] == "t") && p[2] != "_init" && p[2] != "_fini" ? UInt64(p[0], radix: 16) : nil
        }
        let addresses = starts.flatMap { [$0, $0 + 5, $0 + 17] }.map { "0x" + String($0, radix: 16) }
        try #require(addresses.count >= 9)
        let want = try Subprocess.run("/usr/bin/addr2line", ["-f", "-i", "-C", "-e", exe] + addresses)
        let got = try CLI.run(["symbolize", exe] + addresses)
        #expect(got.status == 0, "\(got.stderr)")
        #expect(got.stdout == want.stdout)
        // Addresses from stdin, one a line, as addr2line reads them.
        let piped = try CLI.run(["symbolize", exe], input: addresses.joined(separator: "\n") + "\n")
        #expect(piped.stdout == want.stdout)
    }

    @Test func badInputExitsTwo() throws {
        let exe = try Self.program()
        let notHex = try CLI.run(["symbolize", exe, "0x1000", "zz"])
        #expect(notHex.status == 2 && notHex.stderr.contains("address 2 (zz)") && notHex.stdout.isEmpty, "\(notHex)")
        let missing = try CLI.run(["symbolize", exe + ".missing", "0x1000"])
        #expect(missing.status == 2 && missing.stderr.contains(exe + ".missing") && missing.stdout.isEmpty)
        let notELF = try CLI.run(["symbolize", CLI.packageRoot.appendingPathComponent("README.md").path, "0x10"])
        #expect(notELF.status == 2 && notELF.stderr.contains("ELF header at offset 0"), "\(notELF.stderr)")
        let badID = try CLI.run(["symbolize", "--build-id", "xyz", exe, "0x10"])
        #expect(badID.status == 2 && badID.stderr.contains("--build-id"))
    }
}
