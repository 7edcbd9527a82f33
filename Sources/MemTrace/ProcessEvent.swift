/// Process and thread lifecycle operations.
public enum ProcessOp: UInt8, CaseIterable, Hashable, Sendable {
    /// A process appears with no recorded parent event (the traced root, or a synthesized process).
    case spawn = 0
    /// The acting thread's process forks; `process`/`thread` name the child.
    case fork = 1
    /// The acting process replaces its image with `image`.
    case exec = 2
    /// The acting process exits with `status` (all its threads end).
    case exit = 3
    /// The acting thread creates thread `thread` in the same process.
    case threadStart = 4
    /// Thread `thread` (the acting thread when 0) ends.
    case threadExit = 5
    /// Like fork, but the parent is suspended until the child execs or exits (vfork).
    case vfork = 6

    public var name: String {
        switch self {
        case .spawn: "spawn"; case .fork: "fork"; case .exec: "exec"; case .exit: "exit"
        case .threadStart: "thread_start"; case .threadExit: "thread_exit"; case .vfork: "vfork"
        }
    }
}

/// A process lifecycle event: spawn, fork, exec, exit, thread start or end.
public struct ProcessEvent: Hashable, Sendable {
    public var op: ProcessOp
    /// spawn: the parent (or `.none`); fork/vfork: the child process.
    public var process: ProcessID
    /// fork/vfork: the child's first thread; threadStart/threadExit: the thread concerned.
    public var thread: ThreadID
    /// spawn/exec: the executable path.
    public var image: StringID
    /// exit: the exit status (or the negated signal number when killed by a signal).
    public var status: Int32

    @inlinable public init(op: ProcessOp, process: ProcessID = .none, thread: ThreadID = .none,
                           image: StringID = .none, status: Int32 = 0) {
        self.op = op; self.process = process; self.thread = thread; self.image = image; self.status = status
    }
}
