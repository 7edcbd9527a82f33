import CPerf

/// Decodes one record of a `PerfFaultCollector` ring buffer into what it tells: a fault sample, a
/// mapping (PERF_RECORD_MMAP2), an exec (PERF_RECORD_COMM with the exec flag), or lost samples.
///
/// The layouts are those the collector's events ask for (`sample_id_all`, so the non-sample
/// records end with the sample's time): a tracepoint sample is pid, tid, time, [callchain], the
/// raw size and the tracepoint's fields; a `page-faults` software sample is ip, pid, tid, time,
/// address, [callchain]. A record too short for its fields decodes as `.ignored`, never read past.
struct PerfSampleParser: Sendable {
    /// Which event the samples come from.
    var source: PerfFaultCollector.Source
    /// The `common_type` of `exceptions:page_fault_user` (a kernel-tracepoint sample has another).
    var userTracepoint: UInt16 = 0
    /// Offsets of `address` and `error_code` within the tracepoint's fields.
    var fieldOffsets = (address: 8, errorCode: 24)
    /// Whether samples carry a callchain (`record --stacks fp`).
    var callchain = false

    /// What one record says.
    enum Record {
        /// A fault sample; its callchain starts at `chainAt`, the fields after it (user registers
        /// and stack) at `tailAt`.
        case sample(FaultSample, chainAt: Int, tailAt: Int)
        /// A fault sample at a kernel address (left out).
        case kernelAddress
        /// A mapping made by a traced process, at `time`.
        case mapping(PerfMapping, time: UInt64, pid: UInt32, tid: UInt32)
        /// An exec of a traced process, at `time`.
        case exec(time: UInt64, pid: UInt32, tid: UInt32)
        /// Samples the kernel dropped.
        case lost(UInt64)
        /// Anything else, or a record too short to decode.
        case ignored
    }

    /// Decodes the record of `type` and `size` bytes at `p` (its 8-byte header included).
    func parse(type: UInt32, _ p: UnsafeRawPointer, _ size: Int) -> Record {
        switch type {
        case MEMREPLAY_PERF_RECORD_MMAP2: return mapping(p, size)
        case MEMREPLAY_PERF_RECORD_COMM:
            // An exec (PERF_RECORD_MISC_COMM_EXEC): pid, tid, comm; the sample_id's time ends it.
            let misc = p.loadUnaligned(fromByteOffset: 4, as: UInt16.self)
            guard misc & MEMREPLAY_PERF_MISC_COMM_EXEC != 0, size >= 24 else { return .ignored }
            return .exec(time: p.loadUnaligned(fromByteOffset: size - 8, as: UInt64.self),
                         pid: p.loadUnaligned(fromByteOffset: 8, as: UInt32.self),
                         tid: p.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
        case MEMREPLAY_PERF_RECORD_LOST:
            guard size >= 24 else { return .ignored }
            return .lost(p.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        case MEMREPLAY_PERF_RECORD_LOST_SAMPLES:
            guard size >= 16 else { return .ignored }
            return .lost(p.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        case MEMREPLAY_PERF_RECORD_SAMPLE: return sample(p, size)
        default: return .ignored
        }
    }

    /// PERF_RECORD_MMAP2: pid, tid, addr, len, pgoff, maj, min, ino, ino_generation, prot, flags,
    /// filename; the sample_id's time ends it. Build-id records and kernel mappings are ignored.
    private func mapping(_ p: UnsafeRawPointer, _ size: Int) -> Record {
        let misc = p.loadUnaligned(fromByteOffset: 4, as: UInt16.self)
        guard size >= 88, misc & MEMREPLAY_PERF_MISC_MMAP_BUILD_ID == 0 else { return .ignored }
        let nameBytes = UnsafeRawBufferPointer(start: p + 72, count: size - 72 - 16)
        let name = String(decoding: nameBytes.prefix { $0 != 0 }, as: UTF8.self)
        let m = PerfMapping(start: p.loadUnaligned(fromByteOffset: 16, as: UInt64.self),
                            length: p.loadUnaligned(fromByteOffset: 24, as: UInt64.self),
                            offset: p.loadUnaligned(fromByteOffset: 32, as: UInt64.self),
                            major: p.loadUnaligned(fromByteOffset: 40, as: UInt32.self),
                            minor: p.loadUnaligned(fromByteOffset: 44, as: UInt32.self),
                            inode: p.loadUnaligned(fromByteOffset: 48, as: UInt64.self),
                            prot: p.loadUnaligned(fromByteOffset: 64, as: UInt32.self),
                            flags: p.loadUnaligned(fromByteOffset: 68, as: UInt32.self), path: name)
        guard m.start < 1 << 47 else { return .ignored }
        return .mapping(m, time: p.loadUnaligned(fromByteOffset: size - 8, as: UInt64.self),
                        pid: p.loadUnaligned(fromByteOffset: 8, as: UInt32.self),
                        tid: p.loadUnaligned(fromByteOffset: 12, as: UInt32.self))
    }

    /// PERF_RECORD_SAMPLE of either source.
    private func sample(_ p: UnsafeRawPointer, _ size: Int) -> Record {
        let sample: FaultSample
        // With `--stacks fp` a callchain (nr, then nr words) follows the fixed fields.
        let fixed = source == .tracepoint ? 24 : 40
        let chainBytes = callchain ? PerfFaultCollector.callchainBytes(p, size, at: fixed) : 0
        guard chainBytes >= 0 else { return .ignored }
        var tailAt = fixed + chainBytes
        if source == .tracepoint {
            // pid, tid, time, [callchain], raw size, raw data (the tracepoint's fields).
            guard size >= tailAt + 4 + fieldOffsets.errorCode + 8 else { return .ignored }
            let pid = p.loadUnaligned(fromByteOffset: 8, as: UInt32.self)
            let tid = p.loadUnaligned(fromByteOffset: 12, as: UInt32.self)
            let time = p.loadUnaligned(fromByteOffset: 16, as: UInt64.self)
            let raw = p + tailAt + 4
            tailAt += 4 + Int(p.loadUnaligned(fromByteOffset: tailAt, as: UInt32.self))
            let type = raw.loadUnaligned(as: UInt16.self)
            let address = raw.loadUnaligned(fromByteOffset: fieldOffsets.address, as: UInt64.self)
            let code = raw.loadUnaligned(fromByteOffset: fieldOffsets.errorCode, as: UInt64.self)
            sample = FaultSample(time: time, address: address, pid: pid, tid: tid,
                                 direction: FaultSample.direction(x86ErrorCode: code), inKernel: type != userTracepoint)
        } else {
            // ip, pid, tid, time, addr.
            guard size >= 8 + 32 else { return .ignored }
            let ip = p.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            let pid = p.loadUnaligned(fromByteOffset: 16, as: UInt32.self)
            let tid = p.loadUnaligned(fromByteOffset: 20, as: UInt32.self)
            let time = p.loadUnaligned(fromByteOffset: 24, as: UInt64.self)
            let address = p.loadUnaligned(fromByteOffset: 32, as: UInt64.self)
            // An instruction fetch faults at its own ip's page; otherwise the direction is unknown.
            let direction: FaultSample.Direction = Page.number(of: ip) == Page.number(of: address) ? .fetch : .unknown
            sample = FaultSample(time: time, address: address, pid: pid, tid: tid, direction: direction, inKernel: ip >= 1 << 47)
        }
        guard sample.address < 1 << 47 else { return .kernelAddress }
        return .sample(sample, chainAt: fixed, tailAt: tailAt)
    }
}
