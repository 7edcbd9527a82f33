import MemTrace
import MemModel

/// A /proc file rendered from the model's state, in the kernel's exact text format.
///
/// Views are looked up by name in `ProcViews.all`; a view that concerns one process (maps, smaps,
/// status — later layers) says so with `needsPID` and reads `context.pid`.
public protocol ProcView: Sendable {
    /// The name after `memreplay proc` (buddyinfo, zoneinfo, …).
    var name: String { get }
    /// One line for `--help`.
    var summary: String { get }
    /// True when the view needs `--pid`.
    var needsPID: Bool { get }
    func render(_ context: ProcViewContext) throws -> String
}

extension ProcView {
    public var needsPID: Bool { false }
}

/// What a view renders: the kernel model at some point of a replay, and the process asked for.
public struct ProcViewContext {
    public var kernel: LinuxKernel
    public var pid: ProcessID?
    /// The memory cgroup, for the cgroup views (`--cgroup`).
    public var cgroup: String?
    public init(kernel: LinuxKernel, pid: ProcessID? = nil, cgroup: String? = nil) { self.kernel = kernel; self.pid = pid; self.cgroup = cgroup }
}

/// The registry of views. Later layers append theirs to `all`.
public enum ProcViews {
    public static let all: [any ProcView] = [
        BuddyinfoView(), PagetypeinfoView(), ZoneinfoView(), SlabinfoView(), MeminfoView(), VmstatView(),
        MapsView(), SmapsView(), SmapsRollupView(), StatusView(), OOMScoreView(), OOMScoreAdjView(), DmesgView(),
        FreeView(.procps4), FreeView(.procps33), PressureView(.memory), PressureView(.io), SwapsView(),
    ] + MemcgView.File.allCases.map { MemcgView($0) }

    public static func named(_ name: String) -> (any ProcView)? { all.first { $0.name == name } }
}

/// printf-style padding helpers for the /proc formats.
enum Pad {
    /// `%Nlu` / `%Ns`: right-aligned in `width`.
    static func right(_ s: String, _ width: Int) -> String { s.count >= width ? s : String(repeating: " ", count: width - s.count) + s }
    static func right(_ v: UInt64, _ width: Int) -> String { right(String(v), width) }
    static func right(_ v: Int, _ width: Int) -> String { right(String(v), width) }
    /// `%-Ns`: left-aligned in `width`.
    static func left(_ s: String, _ width: Int) -> String { s.count >= width ? s : s + String(repeating: " ", count: width - s.count) }
}
