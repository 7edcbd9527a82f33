import Foundation
import Testing
@testable import MemSymbols

/// Truncated and corrupted files: never a crash, errors that name the file, section and offset,
/// and the intact parts still used.
@Suite(.enabled(if: SymbolFixtures.haveCompilers, "needs gcc and addr2line"))
struct DamagedInputTests {
    func fixture() throws -> (path: String, bytes: [UInt8]) {
        let exe = try SymbolFixtures.build("inline5", "inline.c", ["-O2", "-g", "-gdwarf-5"])
        return (exe, Array(try Data(contentsOf: URL(fileURLWithPath: exe))))
    }

    func write(_ bytes: [UInt8], _ name: String) throws -> String {
        let path = "\(SymbolFixtures.directory)/\(name)"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test func notELFOrWrongClass() throws {
        let text = try write(Array("#!/bin/sh\necho hi\n".utf8), "script")
        #expect(throws: SymbolError.self) { try ELFFile(path: text) }
        do { _ = try ELFFile(path: text) } catch { #expect(error.section == "ELF header" && error.offset == 0 && error.file == text) }
        var (_, bytes) = try fixture()
        bytes[4] = 1  // ELFCLASS32
        let c32 = try write(bytes, "class32")
        do { _ = try ELFFile(path: c32); Issue.record("accepted a 32-bit header") } catch {
            #expect(error.description.contains("64-bit little-endian") && error.offset == 4, "\(error)")
        }
        let empty = try write([], "empty")
        #expect(throws: SymbolError.self) { try ELFFile(path: empty) }
        #expect(throws: SymbolError.self) { try ELFFile(path: "\(SymbolFixtures.directory)/does-not-exist") }
    }

    /// Every truncation point of the file: either a clear error or a usable object; frames never crash.
    @Test func truncatedAnywhere() throws {
        let (path, bytes) = try fixture()
        let elf = try ELFFile(path: path)
        let main = try #require(try ELFSymbolTable(elf).symbols.first { $0.name == "main" })
        var errors = 0, opened = 0
        for cut in stride(from: 0, to: bytes.count, by: max(1, bytes.count / 300)) {
            let p = try write(Array(bytes[..<cut]), "truncated")
            let s = Symbolizer()
            let f = s.frames(object: ObjectRef(path: p), offset: main.address + 4)
            #expect(!f.isEmpty)
            if s.object(ObjectRef(path: p)) == nil {
                errors += 1
                let e = try #require(s.errors.first)
                #expect(e.file == p && !e.section.isEmpty && !e.message.isEmpty)
            } else {
                opened += 1
            }
        }
        #expect(errors > 0)
    }

    /// Random bytes written over .debug_info, .debug_line and .debug_abbrev: errors name the
    /// section, lookups go on with the symbol table.
    @Test func corruptedDebugSections() throws {
        let (path, original) = try fixture()
        let elf = try ELFFile(path: path)
        let main = try #require(try ELFSymbolTable(elf).symbols.first { $0.name == "main" })
        var seen = Set<String>()
        var state: UInt64 = 0x1234_5678
        for name in [".debug_info", ".debug_line", ".debug_abbrev", ".debug_rnglists", ".debug_str_offsets"] {
            guard let s = elf.section(named: name) else { continue }
            for round in 0..<40 {
                var bytes = original
                for _ in 0..<(1 + round % 8) {
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    let at = Int(s.fileOffset) + Int((state >> 33) % max(s.size, 1))
                    bytes[at] = UInt8(truncatingIfNeeded: state >> 17)
                }
                let p = try write(bytes, "corrupt")
                let symbolizer = Symbolizer()
                let ref = ObjectRef(path: p)
                for a in stride(from: main.address, to: main.address + main.size, by: 3) {
                    let f = symbolizer.frames(object: ref, offset: a)
                    #expect(!f.isEmpty && f.count < 256)
                }
                for e in symbolizer.errors {
                    seen.insert(e.section)
                    #expect(e.file == p)
                }
            }
        }
        #expect(seen.contains(".debug_info") || seen.contains(".debug_abbrev"), "\(seen)")
    }

    @Test func badSectionHeaderOffsets() throws {
        var (_, bytes) = try fixture()
        // e_shoff far past the end of the file.
        for i in 0..<8 { bytes[0x28 + i] = i == 5 ? 0x7f : 0 }
        let p = try write(bytes, "badshoff")
        do { _ = try ELFFile(path: p); Issue.record("accepted e_shoff outside the file") } catch {
            #expect(error.section == "section headers" || error.section == "ELF header", "\(error)")
        }
    }

    @Test func corruptCompressedSection() throws {
        let exe = try SymbolFixtures.build("inlinez", "inline.c", ["-O2", "-g", "-gz=zlib"])
        var bytes = Array(try Data(contentsOf: URL(fileURLWithPath: exe)))
        let info = try #require(try ELFFile(path: exe).section(named: ".debug_info"))
        for i in 24..<min(Int(info.size), 64) { bytes[Int(info.fileOffset) + i] ^= 0x5a }
        let p = try write(bytes, "badzlib")
        let s = Symbolizer()
        let elf = try ELFFile(path: p)
        let main = try #require(try ELFSymbolTable(elf).symbols.first { $0.name == "main" })
        let f = s.frames(object: ObjectRef(path: p), offset: main.address)
        #expect(f.last?.function == "main", "the symbol table still names it")
        let e = try #require(s.errors.first)
        #expect(e.section == ".debug_info" && e.description.contains("zlib"), "\(e)")
    }
}
