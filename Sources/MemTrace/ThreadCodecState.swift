/// The per-thread delta state of the record encoding, reset at every block start.
struct ThreadCodecState {
    /// The thread's current time (ns); accesses inherit it.
    var time: UInt64 = 0
    /// Last instruction-fetch address and the step that led to it.
    var instructionLast: UInt64 = 0
    var instructionDelta: UInt64 = 0
    /// Last data (load/store/modify) address and the step that led to it.
    var dataLast: UInt64 = 0
    var dataDelta: UInt64 = 0
    /// Last address of a fault-derived touch and the step that led to it.
    var touchLast: UInt64 = 0
    var touchDelta: UInt64 = 0
    /// The stack id allocation events take (version 4 `0xF3` records move it).
    var stack: UInt32 = 0
    /// The stack id fault-derived touches take (version 5 `0xFE` records move it).
    var touchStack: UInt32 = 0
    /// Predictors for the heap pointers of allocation events.
    var heap = HeapPointerCoder()
}
