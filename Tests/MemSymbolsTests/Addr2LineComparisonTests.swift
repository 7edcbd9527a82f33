import Foundation
import Testing
@testable import MemSymbols

/// Every fixture's addresses symbolized by `Symbolizer` and by `addr2line -f -i -C`: the same
/// functions (demangled), files, lines and inline chains.
@Suite(.enabled(if: SymbolFixtures.haveCompilers, "needs gcc, g++ and addr2line"))
struct Addr2LineComparisonTests {
    static let inlineC = "inline.c", templates = "templates.cpp"

    func check(_ path: String, count: Int = 400, minimumInlined: Int = 1, minimumWithLine: Int = 1) throws {
        let addresses = try SymbolFixtures.addresses(in: path, count: count)
        #expect(addresses.count >= min(count, 20), "too few addresses sampled in \(path)")
        let r = try SymbolFixtures.compare(path, addresses)
        #expect(r.mismatches.isEmpty, "\(path):\n\(r.mismatches.joined(separator: "\n"))")
        #expect(r.inlined >= minimumInlined, "\(path): \(r.inlined) addresses with inlined frames")
        #expect(r.resolvedWithLine >= minimumWithLine, "\(path): \(r.resolvedWithLine) addresses with a line")
        #expect(r.symbolizer.invariantViolations().isEmpty, "\(r.symbolizer.invariantViolations())")
        #expect(r.symbolizer.errors.isEmpty, "\(r.symbolizer.errors)")
        // The known binutils quirks stay rare: most answers are identical.
        #expect(r.fileZeroQuirk + r.firstQuerySymbolQuirk <= addresses.count / 10, "\(r.fileZeroQuirk) file-0, \(r.firstQuerySymbolQuirk) first-query")
    }

    @Test func cAtO2WithDWARF5() throws {
        let exe = try SymbolFixtures.build("inline5", Self.inlineC, ["-O2", "-g", "-gdwarf-5"])
        try check(exe, minimumInlined: 5, minimumWithLine: 20)
        // The two-deep inline chain: square inside sum_squares inside accumulate.
        let s = Symbolizer()
        let elf = try ELFFile(path: exe)
        let accumulate = try #require(try ELFSymbolTable(elf).symbols.first { $0.name.hasPrefix("accumulate") })
        let chains = (accumulate.address..<accumulate.address + accumulate.size).map { s.frames(object: ObjectRef(path: exe), offset: $0) }
        let deepest = try #require(chains.max { $0.count < $1.count })
        #expect(deepest.map(\.function) == ["square", "sum_squares", "accumulate"])
        #expect(deepest.map(\.isInlined) == [true, true, false])
        #expect(deepest[1].line == 15 && deepest[2].line == 32, "call sites: \(deepest)")
        #expect(deepest.allSatisfy { $0.file?.hasSuffix("Fixtures/symbols/inline.c") == true })
    }

    @Test func cWithDWARF4() throws {
        let exe = try SymbolFixtures.build("inline4", Self.inlineC, ["-O2", "-g", "-gdwarf-4"])
        try check(exe, minimumInlined: 5, minimumWithLine: 20)
    }

    @Test func cWithDWARF3AtO1() throws {
        let exe = try SymbolFixtures.build("inline3", Self.inlineC, ["-O1", "-g", "-gdwarf-3"])
        try check(exe, minimumInlined: 1, minimumWithLine: 20)
    }

    @Test func zlibCompressedDebugSections() throws {
        let exe = try SymbolFixtures.build("inlinez", Self.inlineC, ["-O2", "-g", "-gz=zlib"])
        let info = try #require(try ELFFile(path: exe).section(named: ".debug_info"))
        #expect(info.isCompressed)
        try check(exe, minimumInlined: 5, minimumWithLine: 20)
    }

    @Test(.enabled(if: SymbolFixtures.tool("objcopy") != nil))
    func zstdCompressedDebugSections() throws {
        let exe = try SymbolFixtures.build("inlinezstd", Self.inlineC, ["-O2", "-g"], post: "objcopy --compress-debug-sections=zstd \"$OUT\"")
        let elf = try ELFFile(path: exe)
        let info = try #require(elf.section(named: ".debug_info"))
        #expect(info.isCompressed)
        var c = ByteCursor(try elf.rawContents(info), file: exe, section: ".debug_info")
        #expect(try c.u32() == 2, "ELFCOMPRESS_ZSTD")
        try check(exe, minimumInlined: 5, minimumWithLine: 20)
    }

    @Test func cxxNamespacesAndTemplatesDemangled() throws {
        let exe = try SymbolFixtures.build("templates", Self.templates, ["-O2", "-g"])
        try check(exe, count: 600, minimumInlined: 5, minimumWithLine: 50)
        let s = Symbolizer()
        let table = try ELFSymbolTable(try ELFFile(path: exe))
        let bump = try #require(table.symbols.first { $0.name == "_ZN5store7Counter4bumpEi" })
        let frames = s.frames(object: ObjectRef(path: exe), offset: bump.address)
        #expect(frames.last?.function == "store::Counter::bump(int)")
        #expect(frames.last?.rawFunction == "_ZN5store7Counter4bumpEi")
        let combine = try #require(table.symbols.first { $0.name.hasPrefix("_ZN5store6detail7combineIiEET_RKSt6vector") })
        #expect(s.frames(object: ObjectRef(path: exe), offset: combine.address).last?.function
                == "int store::detail::combine<int>(std::vector<int, std::allocator<int> > const&)")
    }

    @Test func strippedBinaryWithOnlyDynsym() throws {
        let exe = try SymbolFixtures.build("dynsym", Self.inlineC, ["-O2", "-g", "-rdynamic"], post: "strip \"$OUT\"")
        let elf = try ELFFile(path: exe)
        #expect(elf.section(named: ".symtab") == nil && elf.section(named: ".debug_info") == nil)
        #expect(try ELFSymbolTable(elf).source == ".dynsym")
        try check(exe, minimumInlined: 0, minimumWithLine: 0)
        let main = try #require(try ELFSymbolTable(elf).symbols.first { $0.name == "main" })
        let f = Symbolizer().frames(object: ObjectRef(path: exe), offset: main.address + 1)
        #expect(f == [SymbolFrame(object: ObjectRef(path: exe), offset: main.address + 1, function: "main", rawFunction: "main")])
        #expect(f[0].addr2lineText == "main\n??:?")
    }

    @Test func systemLibraryWithDebugInfoWhenInstalled() throws {
        let libc = "/lib/x86_64-linux-gnu/libc.so.6"
        try #require(FileManager.default.fileExists(atPath: libc))
        let elf = try ELFFile(path: libc)
        let debug = DebugInfoLocator().locate(for: elf).file
        // Without libc6-dbg: dynsym names only; with it: lines and inlined frames too.
        try check(libc, count: 1500, minimumInlined: debug == nil ? 0 : 20, minimumWithLine: debug == nil ? 0 : 500)
        let s = Symbolizer()
        let malloc = try #require(try ELFSymbolTable(elf).symbols.first { $0.name == "malloc" } ?? ELFSymbolTable(debug ?? elf).symbols.first { $0.name == "malloc" || $0.name == "__libc_malloc" })
        let frames = s.frames(object: ObjectRef(path: libc, buildID: elf.buildID), offset: malloc.address)
        #expect(["malloc", "__libc_malloc", "__GI___libc_malloc"].contains(frames.last?.function ?? ""), "\(frames)")
        #expect(s.statistics.debugFilesUsed == (debug == nil ? 0 : 1))
    }
}
