#if canImport(Glibc)
import Glibc
#endif
import CPerf

/// Registers the page-fault tracepoints with perf ahead of `PerfFaultCollector`, on a thread of
/// its own, while `record` does its other start-up work.
///
/// The first perf event on a tracepoint registers it (`perf_trace_event_init` → the probe's
/// registration, which patches the kernel's jump labels and, after a recent unregistration, waits
/// for an RCU grace period): 0.1–36 ms measured on these VMs, before the recorded program may
/// start. A disabled event on the warm-up thread itself (pid 0, any CPU) registers the tracepoint
/// without sampling anything; the collector's own events then find it registered, and the warm-up
/// events are handed to the collector, which releases them with its own (so closing them never
/// waits for the unregistration). `start()` is called once, early; `take()` by the collector.
public final class PerfTracepointWarmUp: @unchecked Sendable {
    nonisolated(unsafe) private static var pending: PerfTracepointWarmUp?
    private var thread: pthread_t?
    private var fds: [Int32] = []
    private let names: [String]

    private init(names: [String]) { self.names = names }

    /// Starts registering `exceptions:page_fault_user` and `page_fault_kernel` in the background
    /// (nothing when tracefs does not have them or perf refuses: the collector decides then).
    public static func start() {
        guard pending == nil, getenv("MEMREPLAY_DENY_PERF") == nil else { return }
        let warm = PerfTracepointWarmUp(names: ["exceptions/page_fault_user", "exceptions/page_fault_kernel"])
        guard let t = BackgroundThread.start({ warm.register() }) else { return }
        warm.thread = t
        pending = warm
    }

    /// The warm-up started by `start()`, finished (its thread joined), with its event descriptors;
    /// nil when none was started. The caller owns the descriptors.
    static func take() -> [Int32] {
        guard let warm = pending else { return [] }
        pending = nil
        if let t = warm.thread { pthread_join(t, nil); warm.thread = nil }
        return warm.fds
    }

    /// Opens one disabled event per tracepoint on this thread.
    private func register() {
        for name in names {
            guard let id = PerfFaultCollector.tracepointID(name) else { continue }
            let fd = memreplay_perf_open_tracepoint_disabled(id)
            if fd >= 0 { fds.append(fd) }
        }
    }
}
