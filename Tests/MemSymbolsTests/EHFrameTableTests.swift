import Foundation
import Testing
import TestSupport
@testable import MemSymbols

/// The `.eh_frame` rules and the unwinder of page-fault stacks (`EHFrameTable`, `CFIUnwinder`) on
/// Tests/Fixtures/recorder/faultstacks.c compiled at -O2 without frame pointers: the rules at
/// known places, a stack laid out by those rules unwound back to its return addresses, and
/// damaged `.eh_frame` bytes that must give failures, never a crash.
@Suite struct EHFrameTableTests {
    static let fixture = SymbolFixtures.source.deletingLastPathComponent().appendingPathComponent("recorder/faultstacks.c").path

    /// The compiled fixture, its symbols' addresses, and the return addresses after its calls
    /// (caller → [address after each `call <callee>`]), from nm and objdump.
    static func build() throws -> (path: String, symbols: [String: UInt64], returns: [String: [String: UInt64]]) {
        let out = SymbolFixtures.directory + "/faultstacks-nofp"
        let cc = try Subprocess.run(SymbolFixtures.tool("gcc")!, ["-O2", "-fomit-frame-pointer", "-o", out, fixture, "-lpthread"], timeout: 300)
        try #require(cc.status == 0, "\(cc)")
        var symbols: [String: UInt64] = [:]
        for line in try Subprocess.run(SymbolFixtures.tool("nm")!, [out]).stdout.split(separator: "\n") {
            let p = line.split(separator: " ")
            if p.count == 3, let a = UInt64(p[0], radix: 16) { symbols[String(p[2])] = a }
        }
        var returns: [String: [String: UInt64]] = [:]
        var function = "", pendingCallee: String?
        for line in try Subprocess.run(SymbolFixtures.tool("objdump")!, ["-d", "--no-show-raw-insn", out]).stdout.split(separator: "\n") {
            if line.hasSuffix(">:"), let open = line.firstIndex(of: "<") {
                function = String(line[line.index(after: open)..<line.index(line.endIndex, offsetBy: -2)]); continue
            }
            let t = line.trimmingCharacters(in: .whitespaces)
            guard let colon = t.firstIndex(of: ":"), let address = UInt64(t[..<colon], radix: 16) else { continue }
            if let callee = pendingCallee { returns[function, default: [:]][callee] = address; pendingCallee = nil }
            if t.contains("call"), let open = t.lastIndex(of: "<"), let close = t.lastIndex(of: ">") {
                pendingCallee = String(t[t.index(after: open)..<close])
            }
        }
        return (out, symbols, returns)
    }

    @Test(.enabled(if: SymbolFixtures.tool("gcc") != nil && SymbolFixtures.tool("objdump") != nil))
    func rulesAtKnownPlaces() throws {
        let b = try Self.build()
        let table = try #require(EHFrameTable(file: try ELFFile(path: b.path)))
        let touch = try #require(b.symbols["touch_pages"])
        // A leaf without a frame: the CFA is rsp + 8, the return address just below it, rbp kept.
        let leaf = try table.rule(at: touch + 2).get()
        #expect(leaf == EHFrameTable.Rule(cfaRegister: 7, cfaOffset: 8, rbpOffset: nil, returnAddressOffset: -8))
        // Below any code: no FDE.
        #expect(table.rule(at: 0x10) == .failure(.noFDE))
        // _start marks its return address undefined (the outermost frame), or has no FDE at all.
        let start = try #require(b.symbols["_start"])
        let outer = table.rule(at: start + 4)
        #expect(outer == .failure(.outermost) || outer == .failure(.noFDE), "\(outer)")
    }

    /// A stack made by the rules themselves (touch_pages called from both, both from main) unwinds
    /// to exactly its return addresses, and ends where the copied bytes end.
    @Test(.enabled(if: SymbolFixtures.tool("gcc") != nil && SymbolFixtures.tool("objdump") != nil))
    func unwindsAStackLaidOutByTheRules() throws {
        let b = try Self.build()
        let table = try #require(EHFrameTable(file: try ELFFile(path: b.path)))
        let touch = try #require(b.symbols["touch_pages"])
        let intoBoth = try #require(b.returns["both"]?["touch_pages"], "\(b.returns)")
        let intoMain = try #require(b.returns["main"]?["both"], "\(b.returns)")
        let sp: UInt64 = 0x7ffd_0000_0000, bp: UInt64 = 0x1111
        var stack = [UInt8](repeating: 0, count: 4096)
        func put(_ value: UInt64, at address: UInt64) {
            let at = Int(address - sp)
            for i in 0..<8 { stack[at + i] = UInt8(truncatingIfNeeded: value >> (8 * UInt64(i))) }
        }
        // Frame 0 (touch_pages), frame 1 (both, at the return address), frame 2 (main).
        var cfa = sp
        var frameSP = sp
        for (pc, ret) in [(touch + 1, intoBoth), (intoBoth, intoMain), (intoMain, UInt64(0))] {
            let r = try table.rule(at: pc - 1).get()
            #expect(r.cfaRegister == 7, "rule at \(String(pc, radix: 16)) uses rbp")
            cfa = frameSP + UInt64(bitPattern: r.cfaOffset)
            put(ret, at: cfa &+ UInt64(bitPattern: r.returnAddressOffset))
            if let o = r.rbpOffset { put(bp, at: cfa &+ UInt64(bitPattern: o)) }
            frameSP = cfa
        }
        let rule: (UInt64) -> Result<EHFrameTable.Rule, EHFrameTable.Stop>? = { table.rule(at: $0) }
        let walk = CFIUnwinder.unwind(leaf: touch + 1, sp: sp, bp: bp, stack: stack, maxFrames: 64, rule: rule)
        #expect(walk.pcs == [touch + 1, intoBoth, intoMain])
        #expect(walk.end == .outermost)
        // The depth limit, and a copy too short for the second frame's return address.
        #expect(CFIUnwinder.unwind(leaf: touch + 1, sp: sp, bp: bp, stack: stack, maxFrames: 2, rule: rule) == ([touch + 1, intoBoth], .depth))
        let short = CFIUnwinder.unwind(leaf: touch + 1, sp: sp, bp: bp, stack: Array(stack.prefix(12)), maxFrames: 64, rule: rule)
        #expect(short.pcs == [touch + 1, intoBoth] && short.end == .badRead)
        // A pc in no object.
        #expect(CFIUnwinder.unwind(leaf: touch + 1, sp: sp, bp: bp, stack: stack, maxFrames: 64) { _ in nil } == ([touch + 1], .noObject))
    }

    /// Garbage in `.eh_frame` and `.eh_frame_hdr` (seeded): every lookup returns a rule or a stop.
    @Test(.enabled(if: SymbolFixtures.tool("gcc") != nil && SymbolFixtures.tool("objdump") != nil))
    func damagedFrameInformationNeverCrashes() throws {
        let b = try Self.build()
        let elf = try ELFFile(path: b.path)
        let sections = [try #require(elf.section(named: ".eh_frame")), try #require(elf.section(named: ".eh_frame_hdr"))]
        let original = try #require(FileManager.default.contents(atPath: b.path)).map { $0 }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 33 }
        for round in 0..<40 {
            var bytes = original
            for s in sections where round % 2 == 0 || s.name == ".eh_frame" {
                for _ in 0..<8 { bytes[Int(s.fileOffset) + Int(next() % s.size)] = UInt8(truncatingIfNeeded: next()) }
            }
            let path = SymbolFixtures.directory + "/faultstacks-damaged"
            try #require(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
            guard let table = EHFrameTable(file: try ELFFile(path: path)) else { continue }
            // Every answer is a rule or a stop; a rule's CFA register is one the walk can use.
            for address in stride(from: UInt64(0x1000), to: 0x1600, by: 3) {
                if case .success(let r) = table.rule(at: address) { #expect(r.cfaRegister == 7 || r.cfaRegister == 6) }
            }
        }
    }
}
