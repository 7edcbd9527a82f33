import MemTrace
import MemModel

/// /proc/PID/status (`proc_pid_status`, fs/proc/array.c, with `task_mem`, fs/proc/task_mmu.c,
/// Linux 6.1): `Name`, `State`, `Tgid`, `Ngid`, `Pid`, `PPid`, `TracerPid`, then `task_mem`'s
/// lines exactly (`Label:\t%8lu kB`, numbers from `LinuxKernel.status(of:)`), `CoreDumping`,
/// `THP_enabled` and `Threads`.
///
/// Lines whose values the model does not hold are left out: Umask, Uid, Gid, FDSize, Groups,
/// NStgid/NSpid/NSpgid/NSsid, the signal lines (SigQ … SigCgt), capabilities, NoNewPrivs, Seccomp,
/// Speculation_Store_Bypass, Cpus_allowed, Mems_allowed and the context-switch counts. A process
/// at a point of a replay is shown as `S (sleeping)`; Ngid and TracerPid are 0 (no NUMA
/// balancing, no tracer), CoreDumping 0, THP_enabled 1 (no PR_SET_THP_DISABLE).
public struct StatusView: ProcView {
    public init() {}
    public var name: String { "status" }
    public var summary: String { "one process's status: Name, Pid, PPid, VmPeak … VmPTE, RssAnon/File/Shmem, Threads" }
    public var needsPID: Bool { true }
    public func render(_ c: ProcViewContext) throws -> String {
        let p = try ProcViewContext.process(c)
        guard let s = c.kernel.status(of: p.pid) else { throw ProcViewError("process \(p.pid.rawValue) has no mm") }
        var out = "Name:\t" + StatusView.escape(s.name) + "\n"
        out += "State:\tS (sleeping)\n"
        out += "Tgid:\t\(s.pid.rawValue)\nNgid:\t0\nPid:\t\(s.pid.rawValue)\nPPid:\t\(s.parent.rawValue)\nTracerPid:\t0\n"
        for (label, kb) in s.memoryFields { out += label + ":\t" + Pad.right(kb, 8) + " kB\n" }
        out += "CoreDumping:\t0\nTHP_enabled:\t1\n"
        out += "Threads:\t\(s.threads)\n"
        return out
    }

    /// `proc_task_name(m, task, true)`: `seq_escape_str(…, ESCAPE_SPACE | ESCAPE_SPECIAL, "\n\\")`.
    static func escape(_ name: String) -> String {
        var out = ""
        for ch in name.unicodeScalars {
            switch ch {
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\t": out += "\\t"
            case "\r": out += "\\r"
            case "\u{0B}": out += "\\v"
            case "\u{0C}": out += "\\f"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}
