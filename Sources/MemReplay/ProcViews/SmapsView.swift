import MemTrace
import MemModel

/// /proc/PID/smaps (`show_smap`, `__show_smap`, `show_smap_vma_flags`, fs/proc/task_mmu.c,
/// Linux 6.1): each VMA's maps line, then `Label:` padded to 16 and `%8lu kB` per field
/// (`Private_Hugetlb: %7lu kB`), `THPeligible:    %d` and `VmFlags:` with a two-letter mnemonic
/// and a space per flag.
///
/// The page counts follow `smaps_pte_entry` / `smaps_pmd_entry` and `smaps_account` (see
/// `SmapsStats`). Conventions where the model holds less than the kernel:
/// - every resident page counts as Referenced (faults install young PTEs; nothing here ages them);
/// - VmFlags: mr mw me on every VMA (`do_mmap` adds VM_MAYREAD|VM_MAYWRITE|VM_MAYEXEC; a shared
///   mapping of a file opened read-only would lose mw and sh, which the trace does not say), sh and
///   ms for shared mappings, `sd` on every VMA (Debian 12 builds with CONFIG_MEM_SOFT_DIRTY, and
///   mmap, brk, the stack and special mappings all start soft-dirty), `de` on [vdso], and
///   `rd mr pf io de dd sd` for [vvar];
/// - no `ProtectionKey:` line (printed only on CPUs with protection keys);
/// - LazyFree and the hugetlb fields are 0: the model has no MADV_FREE and no hugetlbfs yet.
public struct SmapsView: ProcView {
    public init() {}
    public var name: String { "smaps" }
    public var summary: String { "one process's VMAs with Rss, Pss, clean/dirty, anonymous, THP, locked, VmFlags" }
    public var needsPID: Bool { true }
    /// VM_SOFTDIRTY on every VMA (CONFIG_MEM_SOFT_DIRTY=y, as Debian 12's kernel).
    public static let softDirty = true

    public func render(_ c: ProcViewContext) throws -> String {
        let p = try ProcViewContext.process(c)
        var out = ""
        for v in p.space.areas {
            out += MapsLine.header(v, process: p, kernel: c.kernel)
            out += SmapsView.block(size: v.length, stats: SmapsStats(v, process: p, kernel: c.kernel),
                                   thpEligible: c.kernel.thpEligible(v), flags: SmapsView.flags(v))
        }
        out += MapsLine.gateLine
        out += SmapsView.block(size: Page.size, stats: SmapsStats(), thpEligible: false, flags: "ex ")
        return out
    }

    /// `SEQ_PUT_DEC`: the label, then bytes >> 10 right-aligned in 8, then ` kB`.
    static func field(_ label: String, _ bytes: UInt64, width: Int = 8) -> String {
        label + Pad.right(bytes >> 10, width) + " kB\n"
    }

    /// The lines after the maps line.
    static func block(size: UInt64, stats s: SmapsStats, thpEligible: Bool, flags: String) -> String {
        var out = field("Size:           ", size)
        out += field("KernelPageSize: ", Page.size)
        out += field("MMUPageSize:    ", Page.size)
        out += common(s, rollup: false)
        out += "THPeligible:    " + (thpEligible ? "1" : "0") + "\n"
        out += "VmFlags: " + flags + "\n"
        return out
    }

    /// `__show_smap`: the lines smaps and smaps_rollup share (rollup adds Pss_Anon/File/Shmem).
    static func common(_ s: SmapsStats, rollup: Bool) -> String {
        var out = field("Rss:            ", s.resident)
        out += field("Pss:            ", s.pss >> SmapsStats.pssShift)
        out += field("Pss_Dirty:      ", s.pssDirty >> SmapsStats.pssShift)
        if rollup {
            out += field("Pss_Anon:       ", s.pssAnon >> SmapsStats.pssShift)
            out += field("Pss_File:       ", s.pssFile >> SmapsStats.pssShift)
            out += field("Pss_Shmem:      ", s.pssShmem >> SmapsStats.pssShift)
        }
        out += field("Shared_Clean:   ", s.sharedClean)
        out += field("Shared_Dirty:   ", s.sharedDirty)
        out += field("Private_Clean:  ", s.privateClean)
        out += field("Private_Dirty:  ", s.privateDirty)
        out += field("Referenced:     ", s.referenced)
        out += field("Anonymous:      ", s.anonymous)
        out += field("LazyFree:       ", 0)
        out += field("AnonHugePages:  ", s.anonymousTHP)
        out += field("ShmemPmdMapped: ", s.shmemTHP)
        out += field("FilePmdMapped:  ", s.fileTHP)
        out += field("Shared_Hugetlb: ", 0)
        out += field("Private_Hugetlb: ", 0, width: 7)
        out += field("Swap:           ", s.swap)
        out += field("SwapPss:        ", s.swapPss >> SmapsStats.pssShift)
        out += field("Locked:         ", s.pssLocked >> SmapsStats.pssShift)
        return out
    }

    /// `show_smap_vma_flags`: the mnemonics of the VMA's flags in bit order, each followed by a space.
    static func flags(_ v: VirtualMemoryArea) -> String {
        if v.name == "[vvar]" || v.name == "[vvar_vclock]" {
            return "rd mr pf io de dd " + (softDirty ? "sd " : "")
        }
        var m: [String] = []
        if v.prot.contains(.read) { m.append("rd") }                 // VM_READ
        if v.prot.contains(.write) { m.append("wr") }                // VM_WRITE
        if v.prot.contains(.execute) { m.append("ex") }              // VM_EXEC
        if v.isShared { m.append("sh") }                             // VM_SHARED
        m += ["mr", "mw", "me"]                                      // VM_MAYREAD, VM_MAYWRITE, VM_MAYEXEC
        if v.isShared { m.append("ms") }                             // VM_MAYSHARE
        if v.flags.contains(.growsDown) { m.append("gd") }           // VM_GROWSDOWN
        if v.flags.contains(.locked) { m.append("lo") }              // VM_LOCKED
        if v.flags.contains(.sequentialRead) { m.append("sr") }      // VM_SEQ_READ
        if v.flags.contains(.randomRead) { m.append("rr") }          // VM_RAND_READ
        if v.flags.contains(.dontFork) { m.append("dc") }            // VM_DONTCOPY
        if v.name == "[vdso]" { m.append("de") }                     // VM_DONTEXPAND
        if v.flags.contains(.account) { m.append("ac") }             // VM_ACCOUNT
        if v.flags.contains(.noReserve) { m.append("nr") }           // VM_NORESERVE
        if softDirty { m.append("sd") }                              // VM_SOFTDIRTY
        if v.flags.contains(.hugePage) { m.append("hg") }            // VM_HUGEPAGE
        if v.flags.contains(.noHugePage) { m.append("nh") }          // VM_NOHUGEPAGE
        return m.map { $0 + " " }.joined()
    }
}

/// /proc/PID/smaps_rollup (`show_smaps_rollup`, fs/proc/task_mmu.c, Linux 6.1): one header
/// `first-start-last-end ---p 00000000 00:00 0` padded, `[rollup]`, then `__show_smap` in rollup
/// mode over every VMA of the mm (the vsyscall gate page is not one): the smaps fields summed,
/// plus Pss_Anon, Pss_File and Pss_Shmem, Pss summed in fixed point before the shift.
public struct SmapsRollupView: ProcView {
    public init() {}
    public var name: String { "smaps_rollup" }
    public var summary: String { "one process's smaps summed: Rss, Pss (anon/file/shmem), clean/dirty, THP, locked" }
    public var needsPID: Bool { true }
    public func render(_ c: ProcViewContext) throws -> String {
        let p = try ProcViewContext.process(c)
        var total = SmapsStats()
        for v in p.space.areas { total.add(SmapsStats(v, process: p, kernel: c.kernel)) }
        let start = p.space.areas.first?.start ?? 0, end = p.space.areas.last?.end ?? 0
        return MapsLine.line(start: start, end: end, perms: "---p", offset: 0, device: "00:00", inode: 0, name: "[rollup]")
            + SmapsView.common(total, rollup: true)
    }
}
