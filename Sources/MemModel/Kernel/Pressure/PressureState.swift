/// Pressure stall information for memory and I/O (/proc/pressure/memory and /proc/pressure/io;
/// kernel/sched/psi.c), fed on the model's virtual clock.
///
/// Each event's stall (`MemoryStall`) is one task's: its memory part is memory SOME time, and
/// FULL time as well when that task is the only live one (every non-idle task stalled, as
/// `test_state` has it for PSI_MEM_FULL; with several processes the model cannot know whether
/// the others were runnable, and counts SOME only). kswapd's reclaim is a kernel thread's
/// memory stall (`balance_pgdat` runs under `psi_memstall_enter`): SOME, never FULL. Dirty
/// throttling is I/O pressure (`balance_dirty_pages` sleeps in `io_schedule_timeout`).
public struct PressureState: Hashable, Sendable {
    public private(set) var memorySome = PressureAverages()
    public private(set) var memoryFull = PressureAverages()
    public private(set) var ioSome = PressureAverages()
    public private(set) var ioFull = PressureAverages()

    public init() {}

    /// Adds one event's stall, and kswapd's reclaim time during it, at virtual time `time`.
    public mutating func record(_ stall: MemoryStall, kswapd: UInt64, at time: UInt64, onlyTask: Bool) {
        let memory = stall.memory
        memorySome.record(stall: memory + kswapd, at: time)
        memoryFull.record(stall: onlyTask ? memory : 0, at: time)
        ioSome.record(stall: stall.dirtyThrottle, at: time)
        ioFull.record(stall: onlyTask ? stall.dirtyThrottle : 0, at: time)
    }

    /// Folds the periods up to `time` into the averages (`psi_avgs_work`).
    public mutating func advance(to time: UInt64) {
        memorySome.advance(to: time); memoryFull.advance(to: time)
        ioSome.advance(to: time); ioFull.advance(to: time)
    }

    /// /proc/pressure/memory (`psi_show`).
    public var memoryText: String { "some \(memorySome.text)\nfull \(memoryFull.text)\n" }
    /// /proc/pressure/io.
    public var ioText: String { "some \(ioSome.text)\nfull \(ioFull.text)\n" }
}
