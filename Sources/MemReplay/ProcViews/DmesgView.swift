import MemTrace
import MemModel

/// The kernel log as `dmesg -t` prints it (no timestamps): the model's OOM kills so far, each as
/// `dump_header`, `dump_tasks`, the `oom-kill:` summary and the "Killed process" line (without the
/// stack and Mem-Info dumps, which the model does not hold).
public struct DmesgView: ProcView {
    public init() {}
    public var name: String { "dmesg" }
    public var summary: String { "the kernel's OOM-killer lines so far (dmesg -t)" }
    public func render(_ c: ProcViewContext) throws -> String {
        c.kernel.oomKills.flatMap { $0.logLines() }.map { $0 + "\n" }.joined()
    }
}
