import MemTrace

/// The memory lines of /proc/PID/status for one process, in kB, as `task_mem` (fs/proc/task_mmu.c,
/// Linux 6.1) computes them, plus the identity lines the model can state.
///
/// VmData, VmStk and the executable total follow `vm_stat_account` (mm/mmap.c): a VMA counts as
/// exec when it is VM_EXEC and neither writable nor a stack, as stack when VM_GROWSDOWN, as data
/// when writable, private and not a stack. VmExe is `end_code − start_code`, approximated by the
/// executable mappings of the process's own image file (the ELF loader sets start/end_code from
/// its PF_X segment), capped by the exec total as `task_mem` does; VmLib is the rest. VmLck is
/// `locked_vm` (VM_LOCKED VMAs), VmPin is 0 (the model pins nothing), VmPTE is `pgtables_bytes`
/// (PUD, PMD and PTE pages and deposited THP tables; the PGD is not counted, as in the kernel),
/// VmSwap is MM_SWAPENTS (the page table's swap entries) and HugetlbPages 0 (no hugetlbfs).
public struct ProcessStatus: Hashable, Sendable {
    /// comm: the image's last path component, at most 15 bytes (TASK_COMM_LEN − 1).
    public var name: String
    public var pid: ProcessID
    public var parent: ProcessID
    public var threads: Int
    public var vmPeak: UInt64, vmSize: UInt64, vmLck: UInt64, vmPin: UInt64, vmHWM: UInt64, vmRSS: UInt64
    public var rssAnon: UInt64, rssFile: UInt64, rssShmem: UInt64
    public var vmData: UInt64, vmStk: UInt64, vmExe: UInt64, vmLib: UInt64, vmPTE: UInt64, vmSwap: UInt64
    public var hugetlbPages: UInt64

    /// The `task_mem` fields in the order /proc/PID/status prints them (label without the colon, kB).
    public var memoryFields: [(label: String, kB: UInt64)] {
        [("VmPeak", vmPeak), ("VmSize", vmSize), ("VmLck", vmLck), ("VmPin", vmPin), ("VmHWM", vmHWM),
         ("VmRSS", vmRSS), ("RssAnon", rssAnon), ("RssFile", rssFile), ("RssShmem", rssShmem),
         ("VmData", vmData), ("VmStk", vmStk), ("VmExe", vmExe), ("VmLib", vmLib), ("VmPTE", vmPTE),
         ("VmSwap", vmSwap), ("HugetlbPages", hugetlbPages)]
    }

    /// The labels of `memoryFields`, for metric names.
    public static let memoryLabels = ["VmPeak", "VmSize", "VmLck", "VmPin", "VmHWM", "VmRSS", "RssAnon", "RssFile",
                                      "RssShmem", "VmData", "VmStk", "VmExe", "VmLib", "VmPTE", "VmSwap", "HugetlbPages"]

    /// `__get_task_comm`: the basename of the executable, truncated to 15 bytes.
    public static func comm(of image: String) -> String {
        let base = image.split(separator: "/").last.map(String.init) ?? ""
        var bytes = Array(base.utf8.prefix(15))
        while !bytes.isEmpty, String(validating: bytes, as: UTF8.self) == nil { bytes.removeLast() }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension LinuxKernel {
    /// /proc/PID/status's memory lines for a live process, nil when `pid` is not alive.
    public func status(of pid: ProcessID) -> ProcessStatus? {
        guard let p = tasks[pid], p.alive else { return nil }
        var total: UInt64 = 0, exec: UInt64 = 0, stack: UInt64 = 0, text: UInt64 = 0
        for v in p.space.areas {
            let n = v.pages
            total += n
            let write = v.prot.contains(.write), growsDown = v.flags.contains(.growsDown)
            if v.prot.contains(.execute) && !write && !growsDown {                    // is_exec_mapping
                exec += n
                if !p.image.isEmpty, case .file(let f) = v.backing, cache.path(of: f) == p.image { text += n }
            } else if growsDown {                                                      // is_stack_mapping
                stack += n
            }
        }
        let locked = lockedPages(p), data = dataPages(p)                               // locked_vm, is_data_mapping
        text = min(text, exec)
        let rss = p.rss
        // The PGD is allocated with the mm and not counted in pgtables_bytes.
        let tables = UInt64(max(0, p.table.tablePages - 1))
        return ProcessStatus(
            name: ProcessStatus.comm(of: p.image), pid: pid, parent: p.parent, threads: max(1, p.threads.count),
            vmPeak: max(p.hiwaterVM, total) * 4, vmSize: total * 4, vmLck: locked * 4, vmPin: 0,
            vmHWM: max(p.hiwaterRSS, rss) * 4, vmRSS: rss * 4,
            rssAnon: p.rssAnon * 4, rssFile: p.rssFile * 4, rssShmem: p.rssShmem * 4,
            vmData: data * 4, vmStk: stack * 4, vmExe: text * 4, vmLib: (exec - text) * 4, vmPTE: tables * 4,
            vmSwap: p.table.swapEntryCount * 4, hugetlbPages: 0)
    }
}
