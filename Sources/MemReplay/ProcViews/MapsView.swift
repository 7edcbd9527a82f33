import MemTrace
import MemModel

/// /proc/PID/maps (`show_map_vma` and `show_vma_header_prefix`, fs/proc/task_mmu.c, Linux 6.1),
/// byte for byte: `%08lx-%08lx %c%c%c%c %08llx %02x:%02x %lu ` then, when the VMA has a name,
/// spaces up to 72 bytes (`seq_setwidth(m, 25 + sizeof(void *) * 6 - 1)`, `seq_pad`) and one
/// more, so the name starts at byte 73 of the line (later when the numbers are wider).
///
/// Names and numbers, as the kernel chooses them:
/// - a file mapping prints the file's path (`\n` escaped as `\012`, ` (deleted)` once unlinked),
///   `vm_pgoff << PAGE_SHIFT`, and the device and inode the trace declared for the file (initial
///   regions carry them; files opened later carry them in their `open` event, see
///   docs/trace-format.md). A file whose identity the trace does not give (synthesized traces)
///   prints `00:00 0`, the device and inode of no file.
/// - shared anonymous memory is a shmem file: `/dev/zero (deleted)` on device `00:01` (the
///   internal shm mount, the first anonymous device), offset `vm_pgoff`; its inode is the one the
///   recorder read from /proc/self/maps after the mmap (carried in the mmap event's offset), else the model's
///   shmem object number, as the real one (`get_next_ino`) is not in any trace.
/// - anonymous memory prints offset 0 and `00:00 0`; `[heap]` when the VMA overlaps
///   [start_brk, brk] (`vma->vm_start <= mm->brk && vma->vm_end >= mm->start_brk`), `[stack]` for
///   the initial stack, special mappings (`[vdso]`, `[vvar]`, `[vvar_vclock]`) by the name their
///   initial region had, others nothing (the line ends with the inode and one space).
/// - the x86_64 vsyscall gate page comes last, as `m_next` appends `get_gate_vma` (vsyscall=xonly,
///   the default: `--xp`).
public struct MapsView: ProcView {
    public init() {}
    public var name: String { "maps" }
    public var summary: String { "one process's VMAs: range, permissions, offset, device, inode, name" }
    public var needsPID: Bool { true }
    public func render(_ c: ProcViewContext) throws -> String {
        let p = try ProcViewContext.process(c)
        var out = ""
        for v in p.space.areas { out += MapsLine.header(v, process: p, kernel: c.kernel) }
        out += MapsLine.gateLine
        return out
    }
}

/// Formatting shared by maps and smaps.
enum MapsLine {
    /// The width `seq_pad` pads to (`seq_setwidth(m, 25 + sizeof(void *) * 6 - 1)`); a space follows.
    static let nameColumn = 25 + 8 * 6 - 1
    /// The device a shared anonymous mapping's shmem file lives on (`shm_mnt`).
    static let shmemDevice = "00:01"

    /// `seq_put_hex_ll(m, …, v, width)`: lower-case hex, zero-padded to `width`.
    static func hex(_ v: UInt64, _ width: Int) -> String {
        let s = String(v, radix: 16)
        return s.count >= width ? s : String(repeating: "0", count: width - s.count) + s
    }

    /// One maps line, newline included.
    static func line(start: UInt64, end: UInt64, perms: String, offset: UInt64, device: String, inode: UInt64, name: String?) -> String {
        var s = hex(start, 8) + "-" + hex(end, 8) + " " + perms + " " + hex(offset, 8) + " " + device + " " + String(inode) + " "
        if let name {
            if s.utf8.count < nameColumn { s += String(repeating: " ", count: nameColumn - s.utf8.count) }
            s += " " + name
        }
        return s + "\n"
    }

    /// The vsyscall gate VMA (`gate_vma` in arch/x86/entry/vsyscall/vsyscall_64.c, xonly mode).
    static let gateLine = line(start: 0xffff_ffff_ff60_0000, end: 0xffff_ffff_ff60_1000, perms: "--xp", offset: 0,
                               device: "00:00", inode: 0, name: "[vsyscall]")

    /// `seq_file_path(m, file, "\n")`: newlines in a path print as `\012`.
    static func escapePath(_ path: String) -> String {
        path.contains("\n") ? path.replacingOccurrences(of: "\n", with: "\\012") : path
    }

    /// The maps line of `v` in `p`.
    static func header(_ v: VirtualMemoryArea, process p: ProcessState, kernel k: LinuxKernel) -> String {
        let perms = (v.prot.contains(.read) ? "r" : "-") + (v.prot.contains(.write) ? "w" : "-")
            + (v.prot.contains(.execute) ? "x" : "-") + (v.isShared ? "s" : "p")
        switch v.backing {
        case .file(let id):
            let f = k.cache.files[id]
            var name = escapePath(f?.path ?? v.name)
            if f?.unlinked == true { name += " (deleted)" }
            let identity = f?.identity
            return line(start: v.start, end: v.end, perms: perms, offset: v.offset, device: identity?.deviceName ?? "00:00",
                        inode: identity?.inode ?? 0, name: name)
        case .shmem(let object):
            return line(start: v.start, end: v.end, perms: perms, offset: v.offset, device: shmemDevice,
                        inode: k.cache.shmemInode(object),
                        name: v.name.isEmpty ? "/dev/zero (deleted)" : v.name)
        case .anonymous:
            return line(start: v.start, end: v.end, perms: perms, offset: 0, device: "00:00", inode: 0, name: anonymousName(v, p))
        }
    }

    /// The name `show_map_vma` gives an anonymous VMA: a special mapping's own name, then
    /// `[heap]` by the break, then `[stack]`, then a name the trace gave it; nil for none.
    static func anonymousName(_ v: VirtualMemoryArea, _ p: ProcessState) -> String? {
        if v.name.hasPrefix("[") && v.name != "[heap]" && v.name != "[stack]" && !v.name.hasPrefix("[anon:") { return v.name }
        if p.startBrk != 0 {
            if v.start <= p.brk && v.end >= p.startBrk { return "[heap]" }
        } else if v.name == "[heap]" {
            return "[heap]"
        }
        if v.name == "[stack]" { return "[stack]" }
        return v.name.isEmpty || v.name == "[heap]" ? nil : escapePath(v.name)
    }
}

/// Why a per-process view could not be rendered.
public struct ProcViewError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

extension ProcViewContext {
    /// The live process a per-process view shows, or an error naming the processes there are.
    static func process(_ c: ProcViewContext) throws -> ProcessState {
        guard let pid = c.pid else { throw ProcViewError("this view needs --pid") }
        guard let p = c.kernel.processes[pid], p.alive else {
            let alive = c.kernel.processes.keys.sorted().map { String($0.rawValue) }.joined(separator: ", ")
            let state = c.kernel.deadProcesses.contains(pid) ? "has ended by this point of the run (give --at an event before its exit)"
                : "does not exist at this point of the run"
            throw ProcViewError("process \(pid.rawValue) \(state); live processes: \(alive.isEmpty ? "none" : alive)")
        }
        return p
    }
}
