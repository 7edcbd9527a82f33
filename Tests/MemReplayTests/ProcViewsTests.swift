import Foundation
import TestSupport
import Testing
import MemTrace
import MemModel
@testable import MemReplay

/// The per-process /proc views (maps, smaps, status) on states built directly with the kernel
/// model, and free's arithmetic and layout.
@Suite struct ProcViewsTests {
    static let pid = ProcessID(300)

    /// A kernel on a 64 MiB machine.
    static func kernel() -> LinuxKernel {
        LinuxKernel(configuration: MachineConfiguration(name: "test", memoryBytes: 64 << 20, kernelReservedBytes: 1 << 20))
    }

    /// A process as an ELF program starts: its image, libc, [heap], [vvar], [vdso], [stack].
    static func crafted() -> LinuxKernel {
        var k = kernel()
        let exe = "/usr/bin/crafted"
        let process = InitialProcess(pid: 300, parent: 1, executable: exe, regions: [
            MappedRegion(start: 0x5555_5555_4000, end: 0x5555_5555_5000, permissions: "r--p", offset: 0, device: "fe:00", inode: 1234, path: exe),
            MappedRegion(start: 0x5555_5555_5000, end: 0x5555_5555_7000, permissions: "r-xp", offset: 0x1000, device: "fe:00", inode: 1234, path: exe),
            MappedRegion(start: 0x5555_5555_7000, end: 0x5555_5555_8000, permissions: "rw-p", offset: 0x3000, device: "fe:00", inode: 1234, path: exe),
            MappedRegion(start: 0x5555_5555_8000, end: 0x5555_5555_a000, permissions: "rw-p"),
            MappedRegion(start: 0x5555_5555_b000, end: 0x5555_5557_c000, permissions: "rw-p", path: "[heap]"),
            MappedRegion(start: 0x7fff_f7dd_0000, end: 0x7fff_f7f6_5000, permissions: "r-xp", offset: 0x26000, device: "fe:00",
                         inode: 2_097_411, path: "/usr/lib/x86_64-linux-gnu/libc.so.6"),
            MappedRegion(start: 0x7fff_f7fc_9000, end: 0x7fff_f7fc_d000, permissions: "r--p", path: "[vvar]"),
            MappedRegion(start: 0x7fff_f7fc_d000, end: 0x7fff_f7fc_f000, permissions: "r-xp", path: "[vdso]"),
            MappedRegion(start: 0x7fff_fffd_e000, end: 0x7fff_ffff_f000, permissions: "rw-p", path: "[stack]"),
        ])
        var files: [String: FileID] = [:]
        k.seed(process, files: &files)
        return k
    }

    static func mmap(_ k: inout LinuxKernel, at: UInt64, pages: UInt64, flags: MapFlags, file: FileID = .anonymous, offset: UInt64 = 0,
                     pid: ProcessID = pid) {
        let r = k.memory(MemoryCall(op: .mmap, address: VirtualAddress(at), length: pages << 12, prot: [.read, .write],
                                    flags: flags.union(.fixed).rawValue, file: file, offset: offset), pid: pid, name: "")
        #expect(r.result == Int64(at))
    }

    static func store(_ k: inout LinuxKernel, _ a: UInt64, pid: ProcessID = pid) {
        _ = k.access(MemoryAccess(kind: .store, address: VirtualAddress(a), size: 8), pid: pid)
    }

    static func fork(_ k: inout LinuxKernel, child: UInt32) {
        _ = k.process(ProcessEvent(op: .fork, process: ProcessID(child), thread: ThreadID(child)), pid: pid, tid: ThreadID(300), image: "")
    }

    /// The smaps block of the VMA starting at `start`, as label → value with the padding trimmed
    /// ("12 kB", "rd wr mr mw me ac sd").
    static func smapsBlock(_ text: String, start: UInt64) -> [String: String] {
        var out: [String: String] = [:]
        var inside = false
        let head = String(start, radix: 16) + "-"
        for line in text.split(separator: "\n") {
            let first = line.split(separator: " ").first ?? ""
            if first.split(separator: "-").count == 2 && first.split(separator: "-").allSatisfy({ UInt64($0, radix: 16) != nil }) {
                inside = line.hasPrefix(head); continue
            }
            guard inside, let colon = line.firstIndex(of: ":") else { continue }
            out[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return out
    }

    @Test func pssOfPagesSharedWithForkedChildren() throws {
        var k = ProcViewsTests.crafted()
        let a: UInt64 = 0x7fff_f7a0_0000
        ProcViewsTests.mmap(&k, at: a, pages: 3, flags: [.private, .anonymous])
        for i in 0..<UInt64(3) { ProcViewsTests.store(&k, a + i << 12) }
        ProcViewsTests.fork(&k, child: 301)
        let smaps = SmapsView()
        var b = ProcViewsTests.smapsBlock(try smaps.render(ProcViewContext(kernel: k, pid: ProcViewsTests.pid)), start: a)
        // Each page is mapped by the parent and the child: Pss is half of Rss, all shared and dirty.
        #expect(b["Rss"] == "12 kB")
        #expect(b["Pss"] == "6 kB")
        #expect(b["Pss_Dirty"] == "6 kB")
        #expect(b["Shared_Dirty"] == "12 kB")
        #expect(b["Private_Dirty"] == "0 kB")
        #expect(b["Anonymous"] == "12 kB")
        // A second child: each page has mapcount 3, and the kernel's fixed point rounds down:
        // 3 × ⌊(4096 << 12) / 3⌋ >> 12 = 4095 bytes, printed as 3 kB (not 4).
        ProcViewsTests.fork(&k, child: 302)
        b = ProcViewsTests.smapsBlock(try smaps.render(ProcViewContext(kernel: k, pid: ProcViewsTests.pid)), start: a)
        #expect(b["Pss"] == "3 kB")
        // The first child writes page 0: its copy is private to it; the parent's page 0 is now
        // shared by two (2 kB), pages 1 and 2 by three (⌊2 × 1365.33⌋).
        ProcViewsTests.store(&k, a, pid: ProcessID(301))
        let c = ProcViewsTests.smapsBlock(try smaps.render(ProcViewContext(kernel: k, pid: ProcessID(301))), start: a)
        #expect(c["Private_Dirty"] == "4 kB")
        #expect(c["Shared_Dirty"] == "8 kB")
        #expect(c["Pss"] == "6 kB")       // 4096 + 2 × 1365.33 = 6826 bytes → 6 kB
        b = ProcViewsTests.smapsBlock(try smaps.render(ProcViewContext(kernel: k, pid: ProcViewsTests.pid)), start: a)
        #expect(b["Pss"] == "4 kB")       // 2048 + 2 × 1365.33 = 4778 bytes → 4 kB
        #expect(b["THPeligible"] == "0")
        #expect(b["VmFlags"] == "rd wr mr mw me ac sd")
        // smaps_rollup sums in fixed point before shifting: 2048 + 2 × 1365.33 = 4778 bytes of Pss,
        // all anonymous.
        let rollup = try SmapsRollupView().render(ProcViewContext(kernel: k, pid: ProcViewsTests.pid))
        #expect(rollup.hasPrefix("555555554000-7ffffffff000 ---p 00000000 00:00 0                          [rollup]\nRss:              "))
        let r = Dictionary(rollup.split(separator: "\n").dropFirst().map { line -> (String, String) in
            let parts = line.split(separator: ":", maxSplits: 1)
            return (String(parts[0]), parts[1].trimmingCharacters(in: .whitespaces))
        }, uniquingKeysWith: { a, _ in a })
        #expect(r["Rss"] == "12 kB" && r["Pss"] == "4 kB" && r["Pss_Anon"] == "4 kB" && r["Pss_File"] == "0 kB")
        #expect(r["Anonymous"] == "12 kB" && r["Shared_Dirty"] == "12 kB" && r["Private_Dirty"] == "0 kB")
        #expect(r.count == 21)
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func smapsOfTransparentHugePages() throws {
        var config = MachineConfiguration(name: "test", memoryBytes: 64 << 20, kernelReservedBytes: 1 << 20)
        try config.set("thp.enabled", "always")
        var k = LinuxKernel(configuration: config)
        _ = k.process(ProcessEvent(op: .spawn), pid: ProcViewsTests.pid, tid: ThreadID(300), image: "/bin/thp")
        let a: UInt64 = 0x4000_0000                                  // 2 MiB aligned
        ProcViewsTests.mmap(&k, at: a, pages: 1024, flags: [.private, .anonymous])
        ProcViewsTests.store(&k, a + 12345)                          // a THP
        _ = k.access(MemoryAccess(kind: .load, address: VirtualAddress(a + (2 << 20)), size: 8), pid: ProcViewsTests.pid)  // huge zero page
        var b = ProcViewsTests.smapsBlock(try SmapsView().render(ProcViewContext(kernel: k, pid: ProcViewsTests.pid)), start: a)
        #expect(b["Rss"] == "2048 kB" && b["AnonHugePages"] == "2048 kB" && b["Anonymous"] == "2048 kB")
        #expect(b["Private_Dirty"] == "2048 kB" && b["Pss"] == "2048 kB" && b["THPeligible"] == "1")
        // Shared with a forked child, each subpage has mapcount 2: Pss is half.
        ProcViewsTests.fork(&k, child: 301)
        b = ProcViewsTests.smapsBlock(try SmapsView().render(ProcViewContext(kernel: k, pid: ProcViewsTests.pid)), start: a)
        #expect(b["Rss"] == "2048 kB" && b["Pss"] == "1024 kB" && b["Shared_Dirty"] == "2048 kB", "\(b)")
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func smapsOfFileAndSharedMappings() throws {
        var k = ProcViewsTests.crafted()
        _ = k.file(FileCall(op: .open, file: FileID(7), size: 8 << 12).with(identity: FileIdentity(major: 0xfe, minor: 1, inode: 4242)),
                   pid: ProcViewsTests.pid, path: "/data/f")
        let f: UInt64 = 0x7fff_f790_0000, s: UInt64 = 0x7fff_f780_0000
        ProcViewsTests.mmap(&k, at: f, pages: 4, flags: [.shared], file: FileID(7), offset: 0x2000)
        ProcViewsTests.mmap(&k, at: s, pages: 2, flags: [.shared, .anonymous])
        ProcViewsTests.store(&k, f)
        _ = k.access(MemoryAccess(kind: .load, address: VirtualAddress(f + 0x1000), size: 8), pid: ProcViewsTests.pid)
        ProcViewsTests.store(&k, s)
        let text = try SmapsView().render(ProcViewContext(kernel: k, pid: ProcViewsTests.pid))
        let fb = ProcViewsTests.smapsBlock(text, start: f)
        let rss = k.processes[ProcViewsTests.pid]!.rssFile
        // Fault-around maps the cached neighbours clean; the written page is the one dirty page.
        #expect(fb["Rss"] == "\(rss * 4) kB")
        #expect(fb["Private_Dirty"] == "4 kB")
        #expect(fb["Private_Clean"] == "\((rss - 1) * 4) kB")
        #expect(fb["Anonymous"] == "0 kB")
        #expect(fb["VmFlags"] == "rd wr sh mr mw me ms sd")
        let sb = ProcViewsTests.smapsBlock(text, start: s)
        #expect(sb["Rss"] == "4 kB")
        #expect(sb["Anonymous"] == "0 kB")
        // The maps lines of both: the file's identity and offset; shmem on 00:01.
        let maps = try MapsView().render(ProcViewContext(kernel: k, pid: ProcViewsTests.pid))
        #expect(maps.contains("7ffff7900000-7ffff7904000 rw-s 00002000 fe:01 4242                       /data/f\n"))
        #expect(maps.contains("7ffff7800000-7ffff7802000 rw-s 00000000 00:01 1                          /dev/zero (deleted)\n"))
        // A smaps file is the maps lines with 23 lines after each, the gate VMA included.
        let lines = text.split(separator: "\n")
        #expect(lines.count == maps.split(separator: "\n").count * 24)
        #expect(text.hasSuffix("[vsyscall]\nSize:                  4 kB\nKernelPageSize:        4 kB\nMMUPageSize:           4 kB\nRss:                   0 kB\nPss:                   0 kB\nPss_Dirty:             0 kB\nShared_Clean:          0 kB\nShared_Dirty:          0 kB\nPrivate_Clean:         0 kB\nPrivate_Dirty:         0 kB\nReferenced:            0 kB\nAnonymous:             0 kB\nLazyFree:              0 kB\nAnonHugePages:         0 kB\nShmemPmdMapped:        0 kB\nFilePmdMapped:         0 kB\nShared_Hugetlb:        0 kB\nPrivate_Hugetlb:       0 kB\nSwap:                  0 kB\nSwapPss:               0 kB\nLocked:                0 kB\nTHPeligible:    0\nVmFlags: ex \n"))
    }

    @Test func mapsOfACraftedProcess() throws {
        var k = ProcViewsTests.crafted()
        ProcViewsTests.mmap(&k, at: 0x7fff_f7a0_0000, pages: 16, flags: [.private, .anonymous])
        let text = try MapsView().render(ProcViewContext(kernel: k, pid: ProcViewsTests.pid))
        #expect(text == """
            555555554000-555555555000 r--p 00000000 fe:00 1234                       /usr/bin/crafted
            555555555000-555555557000 r-xp 00001000 fe:00 1234                       /usr/bin/crafted
            555555557000-555555558000 rw-p 00003000 fe:00 1234                       /usr/bin/crafted
            555555558000-55555555a000 rw-p 00000000 00:00 0 
            55555555b000-55555557c000 rw-p 00000000 00:00 0                          [heap]
            7ffff7a00000-7ffff7a10000 rw-p 00000000 00:00 0 
            7ffff7dd0000-7ffff7f65000 r-xp 00026000 fe:00 2097411                    /usr/lib/x86_64-linux-gnu/libc.so.6
            7ffff7fc9000-7ffff7fcd000 r--p 00000000 00:00 0                          [vvar]
            7ffff7fcd000-7ffff7fcf000 r-xp 00000000 00:00 0                          [vdso]
            7ffffffde000-7ffffffff000 rw-p 00000000 00:00 0                          [stack]
            ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]

            """)
        // Growing the break past the [heap] region keeps one [heap] VMA (the brk VMA merges).
        let r = k.memory(MemoryCall(op: .brk, address: VirtualAddress(0x5555_5558_0000)), pid: ProcViewsTests.pid, name: "")
        #expect(r.result == 0x5555_5558_0000)
        let after = try MapsView().render(ProcViewContext(kernel: k, pid: ProcViewsTests.pid))
        #expect(after.contains("55555555b000-555555580000 rw-p 00000000 00:00 0                          [heap]\n"))
        // A process that does not exist is an error naming the live ones.
        #expect(throws: ProcViewError.self) { try MapsView().render(ProcViewContext(kernel: k, pid: ProcessID(9))) }
    }

    /// Every maps line of the initial address space stays one VMA, and a RELRO range keeps
    /// VM_ACCOUNT (as ld.so's mprotect leaves it).
    @Test func initialRegionsKeepTheirBoundariesAndRelroAccounting() throws {
        var k = ProcViewsTests.kernel()
        let lib = "/usr/lib/x86_64-linux-gnu/libc.so.6"
        let process = InitialProcess(pid: 300, parent: 1, executable: "/bin/x", regions: [
            MappedRegion(start: 0x7fff_f7f0_0000, end: 0x7fff_f7f0_2000, permissions: "r--p", offset: 0x17c000, device: "fe:00", inode: 5, path: lib),
            MappedRegion(start: 0x7fff_f7f0_2000, end: 0x7fff_f7f0_3000, permissions: "r--p", offset: 0x17e000, device: "fe:00", inode: 5, path: lib),
            MappedRegion(start: 0x7fff_f7f0_3000, end: 0x7fff_f7f0_4000, permissions: "rw-p", offset: 0x17f000, device: "fe:00", inode: 5, path: lib),
            MappedRegion(start: 0x7fff_f7f0_4000, end: 0x7fff_f7f0_6000, permissions: "rw-p"),
        ])
        var files: [String: FileID] = [:]
        k.seed(process, files: &files)
        let maps = try MapsView().render(ProcViewContext(kernel: k, pid: ProcViewsTests.pid))
        #expect(maps.split(separator: "\n").count == 5)
        #expect(maps.hasPrefix("""
            7ffff7f00000-7ffff7f02000 r--p 0017c000 fe:00 5                          \(lib)
            7ffff7f02000-7ffff7f03000 r--p 0017e000 fe:00 5                          \(lib)
            7ffff7f03000-7ffff7f04000 rw-p 0017f000 fe:00 5                          \(lib)
            7ffff7f04000-7ffff7f06000 rw-p 00000000 00:00 0 \n
            """))
        let smaps = try SmapsView().render(ProcViewContext(kernel: k, pid: ProcViewsTests.pid))
        let flags = smaps.split(separator: "\n").filter { $0.hasPrefix("VmFlags:") }
        #expect(flags == ["VmFlags: rd mr mw me sd ", "VmFlags: rd mr mw me ac sd ", "VmFlags: rd wr mr mw me ac sd ",
                          "VmFlags: rd wr mr mw me ac sd ", "VmFlags: ex "])
        #expect(k.invariantViolations().isEmpty)
    }

    @Test func statusOfACraftedProcess() throws {
        var k = ProcViewsTests.crafted()
        let a: UInt64 = 0x7fff_f7a0_0000
        ProcViewsTests.mmap(&k, at: a, pages: 16, flags: [.private, .anonymous])
        let lock = k.memory(MemoryCall(op: .mlock, address: VirtualAddress(a), length: 2 << 12), pid: ProcViewsTests.pid, name: "")
        #expect(lock.result == 0)
        for i in 4..<UInt64(7) { ProcViewsTests.store(&k, a + i << 12) }
        let text = try StatusView().render(ProcViewContext(kernel: k, pid: ProcViewsTests.pid))
        // 499 pages mapped; exec: the image's r-x (2 pages), libc (405) and the vdso (2); data: the
        // image's rw-p, bss, heap and the new mapping (1 + 2 + 33 + 16); stack 33; 2 locked and
        // populated plus 3 written anonymous pages; one PUD, PMD and PTE page map them.
        #expect(text == """
            Name:\tcrafted
            State:\tS (sleeping)
            Tgid:\t300
            Ngid:\t0
            Pid:\t300
            PPid:\t1
            TracerPid:\t0
            VmPeak:\t    1996 kB
            VmSize:\t    1996 kB
            VmLck:\t       8 kB
            VmPin:\t       0 kB
            VmHWM:\t      20 kB
            VmRSS:\t      20 kB
            RssAnon:\t      20 kB
            RssFile:\t       0 kB
            RssShmem:\t       0 kB
            VmData:\t     208 kB
            VmStk:\t     132 kB
            VmExe:\t       8 kB
            VmLib:\t    1628 kB
            VmPTE:\t      12 kB
            VmSwap:\t       0 kB
            HugetlbPages:\t       0 kB
            CoreDumping:\t0
            THP_enabled:\t1
            Threads:\t1

            """)
        // The same numbers are the run's status.<pid>.* metrics.
        let metrics = Dictionary(k.metrics().map { ($0.name, $0.value) }, uniquingKeysWith: { a, _ in a })
        #expect(metrics["status.300.VmData"] == 208 && metrics["status.300.VmLib"] == 1628 && metrics["status.300.VmLck"] == 8)
        #expect(metrics["status.300.VmPTE"] == 12 && metrics["status.300.RssAnon"] == 20 && metrics["status.300.VmPeak"] == 1996)
        // Unmapping lowers VmSize but not VmPeak; VmHWM keeps the high-water mark.
        _ = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(a), length: 16 << 12), pid: ProcViewsTests.pid, name: "")
        let s = try #require(k.status(of: ProcViewsTests.pid))
        #expect(s.vmSize == 1932 && s.vmPeak == 1996 && s.vmRSS == 0 && s.vmHWM == 20 && s.vmLck == 0)
        #expect(ProcessStatus.comm(of: "/opt/a-very-long-program-name") == "a-very-long-pro")
    }

    @Test func freeArithmeticAndLayout() {
        let meminfo: [(String, UInt64)] = [("MemTotal", 8_000_000), ("MemFree", 5_000_000), ("MemAvailable", 6_500_000),
                                           ("Buffers", 100), ("Cached", 1_800_000), ("SwapTotal", 0), ("SwapFree", 0),
                                           ("Shmem", 300_000), ("SReclaimable", 49_900)]
        let v4 = FreeView(.procps4), v3 = FreeView(.procps33)
        let n4 = v4.numbers(meminfo), n3 = v3.numbers(meminfo)
        #expect(n4.used == 1_500_000)                      // total − available
        #expect(n3.used == 1_150_000)                      // total − free − (buffers + cached + SReclaimable)
        #expect(n4.buffCache == 1_850_000 && n3.buffCache == 1_850_000 && n4.shared == 300_000)
        #expect(v4.format(n4) == """
                           total        used        free      shared  buff/cache   available
            Mem:         8000000     1500000     5000000      300000     1850000     6500000
            Swap:              0           0           0

            """)
        #expect(v3.format(n3) == """
                          total        used        free      shared  buff/cache   available
            Mem:        8000000     1150000     5000000      300000     1850000     6500000
            Swap:             0           0           0

            """)
        // procps 3.3 falls back to total − free when buff/cache exceeds what is not free.
        let odd: [(String, UInt64)] = [("MemTotal", 100), ("MemFree", 50), ("Cached", 80), ("MemAvailable", 90)]
        #expect(v3.numbers(odd).used == 50)
    }

    /// True when /usr/bin/free is procps-ng 4.x (Debian 12 ships 4.0.2).
    static let hasProcps4Free: Bool = {
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/free") else { return false }
        guard let r = try? Subprocess.run("/usr/bin/free", ["-V"]) else { return false }
        return r.stdout.contains("procps-ng 4.")
    }()

    /// The layout is procps-ng 4.0.2's own: `free -k`'s numbers, reformatted, give its text back.
    @Test(.enabled(if: hasProcps4Free)) func freeLayoutMatchesTheInstalledFree() throws {
        let text = try Subprocess.run("/usr/bin/free", ["-k"]).stdout
        let rows = text.split(separator: "\n").map { $0.split(separator: " ").compactMap { UInt64($0) } }
        try #require(rows.count == 3 && rows[1].count == 6 && rows[2].count == 3)
        let m = rows[1], s = rows[2]
        let n = FreeView.Numbers(total: m[0], used: m[1], free: m[2], shared: m[3], buffCache: m[4], available: m[5],
                                 swapTotal: s[0], swapUsed: s[1], swapFree: s[2])
        #expect(FreeView(.procps4).format(n) == text)
        #expect(m[1] == m[0] - m[5])                       // procps-ng 4.0.2: used = total − available
    }
}
