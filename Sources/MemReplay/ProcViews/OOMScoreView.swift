import MemTrace
import MemModel

/// /proc/PID/oom_score (`proc_oom_score`, fs/proc/base.c): the OOM killer's badness of the process
/// scaled to 0…1333 (6.1; 0…1000 before 5.9), "%lu\n".
public struct OOMScoreView: ProcView {
    public init() {}
    public var name: String { "oom_score" }
    public var summary: String { "one process's OOM badness as the kernel scales it (0…1333; idle 666)" }
    public var needsPID: Bool { true }
    public func render(_ c: ProcViewContext) throws -> String {
        let p = try ProcViewContext.process(c)
        return "\(c.kernel.oomScore(of: p.pid) ?? 0)\n"
    }
}

/// /proc/PID/oom_score_adj (`oom_score_adj_read`, fs/proc/base.c): "%hd\n".
public struct OOMScoreAdjView: ProcView {
    public init() {}
    public var name: String { "oom_score_adj" }
    public var summary: String { "one process's oom_score_adj (−1000…1000)" }
    public var needsPID: Bool { true }
    public func render(_ c: ProcViewContext) throws -> String {
        "\(try ProcViewContext.process(c).oomScoreAdj)\n"
    }
}
