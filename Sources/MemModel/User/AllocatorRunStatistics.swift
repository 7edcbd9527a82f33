import MemTrace

/// The run-level figures of an allocator model: system calls, peaks, utilization and
/// fragmentation, summed over processes.
///
/// Utilization is peak payload / peak heap. Fragmentation is measured at the moment the payload
/// peaked: internal = (bytes of allocated chunks − payload) / heap, external = (heap − bytes of
/// allocated chunks) / heap.
public struct AllocatorRunStatistics: Sendable {
    struct PerProcess { var live: UInt64 = 0; var heap: UInt64 = 0; var allocated: UInt64 = 0 }
    var perProcess: [ProcessID: PerProcess] = [:]
    var live: UInt64 = 0
    var heap: UInt64 = 0
    var allocated: UInt64 = 0
    public internal(set) var calls = [UInt64](repeating: 0, count: AllocOp.allCases.count)
    public internal(set) var failures: UInt64 = 0
    public internal(set) var unknownFrees: UInt64 = 0
    public internal(set) var brkCalls: UInt64 = 0
    public internal(set) var mmapCalls: UInt64 = 0
    public internal(set) var munmapCalls: UInt64 = 0
    public internal(set) var mremapCalls: UInt64 = 0
    public internal(set) var mprotectCalls: UInt64 = 0
    public internal(set) var madviseCalls: UInt64 = 0
    /// System calls of the models the kernel refused (−errno, or a break not moved).
    public internal(set) var refusedSyscalls: UInt64 = 0
    /// Calls the trace's allocator served and the model answered with NULL (ENOMEM).
    public internal(set) var enomem: UInt64 = 0
    public internal(set) var peakRequested: UInt64 = 0
    public internal(set) var peakHeap: UInt64 = 0
    public internal(set) var peakBreak: UInt64 = 0
    public internal(set) var heapAtPeakRequested: UInt64 = 0
    public internal(set) var allocatedAtPeakRequested: UInt64 = 0
    public internal(set) var mallocs: UInt64 = 0

    public init() {}

    public var utilization: Double { peakHeap == 0 ? 0 : Double(peakRequested) / Double(peakHeap) }
    public var internalFragmentation: Double {
        heapAtPeakRequested == 0 ? 0 : Double(allocatedAtPeakRequested - min(allocatedAtPeakRequested, peakRequested)) / Double(heapAtPeakRequested)
    }
    public var externalFragmentation: Double {
        heapAtPeakRequested == 0 ? 0 : Double(heapAtPeakRequested - min(heapAtPeakRequested, allocatedAtPeakRequested)) / Double(heapAtPeakRequested)
    }

    mutating func count(_ call: AllocatorSyscall) {
        if call.isRefused { refusedSyscalls += 1 }
        switch call.op {
        case .brk: brkCalls += 1
        case .mmap: mmapCalls += 1
        case .munmap: munmapCalls += 1
        case .mremap: mremapCalls += 1
        case .mprotect: mprotectCalls += 1
        case .madvise: madviseCalls += 1
        default: break
        }
    }

    mutating func observe(pid: ProcessID, live l: UInt64, heap h: UInt64, allocated al: UInt64, breakBytes: UInt64, malloc: Bool) {
        let old = perProcess[pid] ?? PerProcess()
        live = live - old.live + l; heap = heap - old.heap + h; allocated = allocated - old.allocated + al
        perProcess[pid] = PerProcess(live: l, heap: h, allocated: al)
        if malloc { mallocs += 1 }
        peakHeap = max(peakHeap, heap)
        peakBreak = max(peakBreak, breakBytes)
        if live > peakRequested || (live == peakRequested && heap < heapAtPeakRequested) {
            peakRequested = live; heapAtPeakRequested = heap; allocatedAtPeakRequested = allocated
        }
    }

    mutating func forget(_ pid: ProcessID) {
        guard let old = perProcess.removeValue(forKey: pid) else { return }
        live -= old.live; heap -= old.heap; allocated -= old.allocated
    }

    mutating func fork(parent: ProcessID, child: ProcessID) {
        guard let p = perProcess[parent] else { return }
        perProcess[child] = p
        live += p.live; heap += p.heap; allocated += p.allocated
    }

    /// The metrics under `alloc.*` (docs/metrics.md).
    public func metrics(searchSteps: UInt64? = nil) -> [(name: String, value: Double)] {
        var m: [(name: String, value: Double)] = [
            ("alloc.brk_calls", Double(brkCalls)), ("alloc.mmap_calls", Double(mmapCalls)),
            ("alloc.munmap_calls", Double(munmapCalls)), ("alloc.mremap_calls", Double(mremapCalls)),
            ("alloc.mprotect_calls", Double(mprotectCalls)), ("alloc.madvise_calls", Double(madviseCalls)),
            ("alloc.peak_brk_bytes", Double(peakBreak)), ("alloc.peak_heap_bytes", Double(peakHeap)),
            ("alloc.peak_requested_bytes", Double(peakRequested)), ("alloc.utilization", utilization),
            ("alloc.internal_fragmentation", internalFragmentation),
            ("alloc.external_fragmentation", externalFragmentation),
            ("alloc.heap_bytes_at_end", Double(heap)), ("alloc.live_bytes_at_end", Double(live)),
            ("alloc.failures", Double(failures)), ("alloc.unknown_frees", Double(unknownFrees)),
            ("alloc.syscalls_refused", Double(refusedSyscalls)), ("alloc.enomem", Double(enomem)),
        ]
        for op in AllocOp.allCases { m.append(("alloc.calls.\(op.name)", Double(calls[Int(op.rawValue)]))) }
        return m
    }
}
