import CPerf

/// The call stacks of page faults (`record --stacks fp|dwarf` with `--accesses faults`): what the
/// perf events are asked for, and how a sample's stack fields go into the stack spool.
extension PerfFaultCollector {
    /// The shim's stack kind and user-stack bytes for `mode`.
    static func perfStacks(_ mode: FaultStackMode) -> (Int32, UInt32) {
        switch mode {
        case .none: (Int32(MEMREPLAY_PERF_STACKS_NONE.rawValue), 0)
        case .callchain: (Int32(MEMREPLAY_PERF_STACKS_CALLCHAIN.rawValue), 0)
        // The kernel wants a multiple of 8 below 64 KiB (perf_event_attr.sample_stack_user).
        case .userStack(let bytes): (Int32(MEMREPLAY_PERF_STACKS_USER.rawValue), UInt32(min(max(bytes, 64), 65_528) & ~7))
        }
    }

    /// Bytes of the callchain field at `at` of a sample of `size` bytes (nr, then nr words), or
    /// -1 when it runs past the sample.
    static func callchainBytes(_ p: UnsafeRawPointer, _ size: Int, at: Int) -> Int {
        guard size >= at + 8 else { return -1 }
        let nr = p.loadUnaligned(fromByteOffset: at, as: UInt64.self)
        guard nr < 4096, at + 8 + Int(nr) * 8 <= size else { return -1 }
        return 8 + Int(nr) * 8
    }

    /// Writes the stack of the sample at `p` to the stack spool: its callchain (at `chainAt`)
    /// without perf's context markers, or its user registers and stack (at `tailAt`). False when
    /// the sample has none (a kernel thread, a damaged record).
    func captureStack(_ p: UnsafeRawPointer, _ size: Int, chainAt: Int, tailAt: Int, tid: UInt32) -> Bool {
        guard let stackSpool else { return false }
        switch stackMode {
        case .none:
            return false
        case .callchain:
            let nr = Int(p.loadUnaligned(fromByteOffset: chainAt, as: UInt64.self))
            var pcs: [UInt64] = []
            pcs.reserveCapacity(nr)
            for i in 0..<nr {
                let pc = p.loadUnaligned(fromByteOffset: chainAt + 8 + 8 * i, as: UInt64.self)
                if pc < MEMREPLAY_PERF_CONTEXT_MAX { pcs.append(pc) }
            }
            guard !pcs.isEmpty else { return false }
            stackSpool.append(kind: 0, tid: tid, words: pcs, bytes: nil, count: 0)
            return true
        case .userStack:
            // regs_user: abi, then bp, sp, ip (mask order) unless abi is NONE; stack_user: size,
            // size bytes, dyn_size (the bytes actually copied) unless size is 0.
            var at = tailAt
            guard size >= at + 8 else { return false }
            let abi = p.loadUnaligned(fromByteOffset: at, as: UInt64.self)
            at += 8
            guard abi != 0, size >= at + 24 else { return false }
            let bp = p.loadUnaligned(fromByteOffset: at, as: UInt64.self)
            let sp = p.loadUnaligned(fromByteOffset: at + 8, as: UInt64.self)
            let ip = p.loadUnaligned(fromByteOffset: at + 16, as: UInt64.self)
            at += 24
            guard size >= at + 8 else { return false }
            let copied = Int(p.loadUnaligned(fromByteOffset: at, as: UInt64.self))
            at += 8
            var dynamic = 0
            if copied > 0 {
                guard size >= at + copied + 8 else { return false }
                dynamic = min(copied, Int(p.loadUnaligned(fromByteOffset: at + copied, as: UInt64.self)))
            }
            stackSpool.append(kind: 1, tid: tid, words: [ip, sp, bp], bytes: p + at, count: dynamic)
            return true
        }
    }

    /// Stack records written to the spool, and how many repeated their thread's previous one.
    public var stackRecords: (written: UInt64, repeats: UInt64) {
        (stackSpool?.records ?? 0, stackSpool?.repeats ?? 0)
    }
}
