import Foundation
import Testing
import TestSupport
@testable import MemSymbols

/// C++, Rust (legacy and v0) and Swift names, against `c++filt` and known answers.
struct DemanglerTests {
    @Test func cxxThroughLibstdcxx() {
        #expect(Demangler.demangle("_ZN5store7Counter4bumpEi") == "store::Counter::bump(int)")
        #expect(Demangler.demangle("_ZNSt6vectorIiSaIiEE9push_backERKi") == "std::vector<int, std::allocator<int> >::push_back(int const&)")
        #expect(Demangler.demangle("_Znwm") == "operator new(unsigned long)")
        #expect(Demangler.demangle("_Z") == nil)
        #expect(Demangler.demangle("main") == nil)
        #expect(Demangler.readable("malloc") == "malloc")
    }

    @Test func rustLegacyDropsTheHash() {
        #expect(Demangler.demangle("_ZN4core3ptr85drop_in_place$LT$std..rt..lang_start$LT$$LP$$RP$$GT$..$u7b$$u7b$closure$u7d$$u7d$$GT$17h0123456789abcdefE")
                == "core::ptr::drop_in_place<std::rt::lang_start<()>::{{closure}}>")
        #expect(Demangler.demangle("_ZN3std2rt10lang_start17h1a2b3c4d5e6f7a8bE") == "std::rt::lang_start")
        #expect(Demangler.demangle("_ZN5alloc5alloc8box_free17h00000000000000zzE") == "alloc::alloc::box_free::h00000000000000zz",
                "not a hash: read as C++, which keeps it")
    }

    /// v0 names as c++filt prints them without its verbose extras (crate hashes, const types).
    @Test func rustV0KnownNames() {
        let cases = [
            ("_RNvCs6GmmlP4bgsG_1r4main", "r::main"),
            ("_RNCINvNtCsjrHSEGnQ3l9_3std2rt10lang_startuE0Cs6GmmlP4bgsG_1r", "std::rt::lang_start::<()>::{closure#0}"),
            ("_RNvXs1g_NtCsgEmfK2I1SDS_4core3fmtRyNtB6_5Debug3fmtB8_", "<&u64 as core::fmt::Debug>::fmt"),
            ("_RINvNtCsgEmfK2I1SDS_4core3ptr13drop_in_placeTjNtNtNtNtCsjrHSEGnQ3l9_3std12backtrace_rs9symbolize5gimli7MappingEEBQ_",
             "core::ptr::drop_in_place::<(usize, std::backtrace_rs::symbolize::gimli::Mapping)>"),
            ("_RNvMNtNtNtNtCsjrHSEGnQ3l9_3std12backtrace_rs9symbolize5gimli3elfNtB4_7Mapping18load_dwarf_package",
             "<std::backtrace_rs::symbolize::gimli::Mapping>::load_dwarf_package"),
            ("_RNCNCNvNtCsjrHSEGnQ3l9_3std2rt19lang_start_internal00", "std::rt::lang_start_internal::{closure#0}::{closure#0}"),
        ]
        for (mangled, want) in cases { #expect(Demangler.demangle(mangled) == want, "\(mangled)") }
        #expect(Demangler.demangle("_RNvCs6GmmlP4bgsG_1r") == nil, "truncated")
        #expect(Demangler.demangle("_RB0_") == nil, "a backreference to itself")
        #expect(Demangler.demangle("_RNvCs6GmmlP4bgsG_u3abc") == nil, "punycode identifiers stay raw")
    }

    static var rustc: String? {
        let home = ProcessInfo.processInfo.environment["HOME"] ?? "/root"
        return ["/usr/bin/rustc", "/usr/local/bin/rustc", "\(home)/.cargo/bin/rustc"].first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Every v0 function symbol of a small Rust program (and the std it links) against c++filt.
    @Test(.enabled(if: rustc != nil && SymbolFixtures.tool("c++filt") != nil, "needs rustc and c++filt"))
    func rustV0AgainstCxxfilt() throws {
        let exe = "\(SymbolFixtures.directory)/rust-v0"
        let r = try Subprocess.run(Self.rustc!, ["-O", "-C", "symbol-mangling-version=v0", "-o", exe,
                                                 SymbolFixtures.source.appendingPathComponent("traits.rs").path], timeout: 300)
        try #require(r.status == 0, "\(r)")
        let names = try ELFSymbolTable(try ELFFile(path: exe)).symbols.map(\.name).filter { $0.hasPrefix("_R") }
        #expect(names.count >= 100)
        let filt = try Subprocess.run(SymbolFixtures.tool("c++filt")!, [], input: names.joined(separator: "\n") + "\n", timeout: 120)
        let expected = filt.stdout.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            // c++filt is verbose: crate disambiguators [hash] and const generic types (": usize").
            String(line).replacingOccurrences(of: #"\[[0-9a-f]+\]"#, with: "", options: .regularExpression)
                .replacingOccurrences(of: #"(?<=[0-9a-z'])\: (u|i)(8|16|32|64|128|size)(?=[>,])"#, with: "", options: .regularExpression)
                .replacingOccurrences(of: #"(?<=true|false)\: bool(?=[>,])"#, with: "", options: .regularExpression)
        }
        var wrong: [String] = []
        for (i, n) in names.enumerated() where Demangler.demangle(n) != expected[i] {
            wrong.append("\(n): ours \(Demangler.demangle(n) ?? "nil"), c++filt \(expected[i])")
        }
        #expect(wrong.isEmpty, "\(wrong.count) of \(names.count):\n\(wrong.prefix(5).joined(separator: "\n"))")
    }

    @Test func swiftThroughTheRuntime() {
        #expect(Demangler.demangle("$sSi1poiyS2i_SitFZ") == "static Swift.Int.+ infix(Swift.Int, Swift.Int) -> Swift.Int")
        #expect(Demangler.demangle("$s10MemSymbols9DemanglerO3cxxySSSgSSFZ") == "static MemSymbols.Demangler.cxx(Swift.String) -> Swift.Optional<Swift.String>")
        #expect(Demangler.demangle("$sNotAName") == nil)
    }
}
