import Foundation
import Testing
@testable import MemSymbols

/// Separate debuginfo: by build-id under a debug root, by .gnu_debuglink, mismatches ignored
/// and counted; objects whose build-id differs from the recorded one.
@Suite(.enabled(if: SymbolFixtures.haveCompilers && SymbolFixtures.tool("objcopy") != nil && SymbolFixtures.tool("strip") != nil))
struct DebugInfoLocatorTests {
    /// A stripped binary with a debuglink to `split.debug` next to it.
    func split() throws -> (exe: String, debug: String) {
        let exe = try SymbolFixtures.build("split", "inline.c", ["-O2", "-g", "-Wl,--build-id"], post: """
            objcopy --only-keep-debug "$OUT" "$OUT.debug" && strip --strip-debug --strip-unneeded "$OUT" && \
            objcopy --add-gnu-debuglink="$OUT.debug" "$OUT"
            """)
        return (exe, exe + ".debug")
    }

    func root(_ name: String) throws -> String {
        let d = "\(SymbolFixtures.directory)/\(name)-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }

    @Test func debugLinkNextToTheFile() throws {
        let (exe, debug) = try split()
        let elf = try ELFFile(path: exe)
        #expect(elf.section(named: ".debug_info") == nil)
        #expect(elf.debugLink?.name == URL(fileURLWithPath: debug).lastPathComponent)
        #expect(try ELFFile(path: debug).crc32OfFile() == elf.debugLink?.crc)
        let r = try SymbolFixtures.compare(exe, try SymbolFixtures.addresses(in: debug, count: 200), locator: DebugInfoLocator(roots: []))
        #expect(r.mismatches.isEmpty, "\(r.mismatches)")
        #expect(r.inlined > 0)
        #expect(r.symbolizer.statistics.debugFilesUsed == 1)
    }

    @Test func byBuildIDUnderADebugRoot() throws {
        let (exe, debug) = try split()
        let id = try #require(try ELFFile(path: exe).buildID)
        let dir = try root("debugroot")
        let locator = DebugInfoLocator(roots: [dir])
        let target = try #require(locator.buildIDPaths(id).first)
        #expect(target == "\(dir)/.build-id/\(id.hex.prefix(2))/\(id.hex.dropFirst(2)).debug")
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: debug, toPath: target)
        // A copy of the stripped binary elsewhere: its debuglink finds nothing there.
        let moved = try root("moved") + "/prog"
        try FileManager.default.copyItem(atPath: exe, toPath: moved)
        let found = locator.locate(for: try ELFFile(path: moved))
        #expect(found.file?.path == target && found.mismatched.isEmpty)

        let s = Symbolizer(locator: locator)
        let main = try #require(try ELFSymbolTable(try ELFFile(path: debug)).symbols.first { $0.name == "main" })
        let f = s.frames(object: ObjectRef(path: moved, buildID: id), offset: main.address)
        #expect(f.last?.function == "main" && f.last?.file?.hasSuffix("inline.c") == true && f.last!.line > 0, "\(f)")
        #expect(s.statistics.debugFilesUsed == 1)
        #expect(s.invariantViolations().isEmpty)
    }

    @Test func mismatchingDebugFileIgnoredAndCounted() throws {
        let (exe, _) = try split()
        let other = try SymbolFixtures.build("inline4", "inline.c", ["-O2", "-g", "-gdwarf-4"])
        let id = try #require(try ELFFile(path: exe).buildID)
        let dir = try root("wrongroot")
        let locator = DebugInfoLocator(roots: [dir])
        let target = locator.buildIDPaths(id)[0]
        try FileManager.default.createDirectory(atPath: (target as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: other, toPath: target)
        let moved = try root("moved2") + "/prog"
        try FileManager.default.copyItem(atPath: exe, toPath: moved)
        // A wrong file under the debuglink name next to it too: CRC mismatch.
        try FileManager.default.copyItem(atPath: other, toPath: (moved as NSString).deletingLastPathComponent + "/split.debug")
        let s = Symbolizer(locator: locator)
        let o = try #require(s.object(ObjectRef(path: moved)))
        #expect(o.debugFile == nil)
        #expect(s.statistics.debugFilesMismatched == 2, "\(o.mismatchedDebugFiles)")
        #expect(s.statistics.debugFilesUsed == 0)
    }

    @Test func recordedBuildIDMustMatchTheFile() throws {
        let (exe, _) = try split()
        let wrong = BuildID(hex: "00112233445566778899aabbccddeeff00112233")!
        let s = Symbolizer(locator: DebugInfoLocator(roots: []))
        let ref = ObjectRef(path: exe, buildID: wrong)
        let f = s.frames(object: ref, offset: 0x1139)
        #expect(f == [SymbolFrame(object: ref, offset: 0x1139)])
        #expect(f[0].addr2lineText == "??\n??:0")
        #expect(s.statistics.objectsMismatched == 1 && s.statistics.objectsUnavailable == 1 && s.statistics.framesUnresolved == 1)
        #expect(s.errors.first?.section == ".note.gnu.build-id")
        #expect(s.invariantViolations().isEmpty)
    }

    @Test func loadBiasFromProgramHeaders() throws {
        let (exe, _) = try split()
        let elf = try ELFFile(path: exe)
        #expect(elf.type == 3, "a PIE")
        let text = try #require(elf.loadSegments.first { $0.flags & 1 != 0 })
        let start: UInt64 = 0x5555_5555_0000 + text.fileOffset
        #expect(elf.loadBias(mappedAt: start, fileOffset: text.fileOffset) == start - text.virtualAddress)
        #expect(elf.loadBias(mappedAt: start, fileOffset: 1 << 40) == nil)
        #expect(BuildID(hex: elf.buildID!.hex) == elf.buildID)
        #expect(BuildID(hex: "abc") == nil && BuildID(hex: "zz") == nil)
    }
}
