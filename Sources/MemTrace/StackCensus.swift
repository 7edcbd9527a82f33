/// Counts a trace's allocation calls and fault-derived touches per call stack: how many calls,
/// bytes and faults each stack made, and how deep the stacks are (`memreplay inspect`).
public struct StackCensus: Sendable {
    /// Per stack id: calls and bytes requested (frees count as calls with 0 bytes).
    public private(set) var calls: [StackID: UInt64] = [:]
    public private(set) var bytes: [StackID: UInt64] = [:]
    /// Allocation calls seen, and those with a stack.
    public private(set) var allocationCalls: UInt64 = 0
    public private(set) var callsWithStack: UInt64 = 0
    /// Per stack id: fault-derived touches (page faults) taken there; touches seen, and those with a stack.
    public private(set) var faults: [StackID: UInt64] = [:]
    public private(set) var touches: UInt64 = 0
    public private(set) var touchesWithStack: UInt64 = 0

    public init() {}

    /// Counts one event (allocation calls and fault-derived touches count).
    public mutating func add(_ event: Event) {
        if case .access(let t) = event, t.kind.isTouch {
            touches += 1
            guard t.stack != .none else { return }
            touchesWithStack += 1
            faults[t.stack, default: 0] += 1
            return
        }
        guard case .alloc(let a) = event else { return }
        allocationCalls += 1
        guard a.stack != .none else { return }
        callsWithStack += 1
        calls[a.stack, default: 0] += 1
        if a.op != .free { bytes[a.stack, default: 0] &+= a.requestedBytes }
    }

    /// Mean frames per allocation call with a stack (0 when none has one).
    public func meanDepth(_ table: StackTable) -> Double {
        guard callsWithStack > 0 else { return 0 }
        var frames: UInt64 = 0
        for (id, n) in calls { frames += UInt64(table.depth(of: id)) * n }
        return Double(frames) / Double(callsWithStack)
    }

    /// Mean frames per fault-derived touch with a stack (0 when none has one).
    public func meanFaultDepth(_ table: StackTable) -> Double {
        guard touchesWithStack > 0 else { return 0 }
        var frames: UInt64 = 0
        for (id, n) in faults { frames += UInt64(table.depth(of: id)) * n }
        return Double(frames) / Double(touchesWithStack)
    }

    /// The deepest stack used.
    public func maxDepth(_ table: StackTable) -> Int { calls.keys.map { table.depth(of: $0) }.max() ?? 0 }

    /// What `top` ranks stacks by.
    public enum Ranking: String, Sendable, CaseIterable { case calls, bytes }

    /// The `n` stacks with the most calls (or bytes), most first; ties by stack id.
    public func top(_ n: Int, by ranking: Ranking) -> [(stack: StackID, calls: UInt64, bytes: UInt64)] {
        let rows = calls.map { (stack: $0.key, calls: $0.value, bytes: bytes[$0.key] ?? 0) }
        return Array(rows.sorted { a, b in
            let (x, y) = ranking == .calls ? (a.calls, b.calls) : (a.bytes, b.bytes)
            return x != y ? x > y : a.stack < b.stack
        }.prefix(max(0, n)))
    }

    /// The `n` stacks with the most fault-derived touches, most first; ties by stack id.
    public func topFaults(_ n: Int) -> [(stack: StackID, faults: UInt64)] {
        Array(faults.map { (stack: $0.key, faults: $0.value) }
            .sorted { $0.faults != $1.faults ? $0.faults > $1.faults : $0.stack < $1.stack }.prefix(max(0, n)))
    }

    /// A frame as `object+0xoffset` (the object's file name; `0x…` alone when in no object).
    public static func describe(_ frame: StackNode, in table: StackTable) -> String {
        guard let o = table.object(frame.object) else { return "0x" + String(frame.offset, radix: 16) }
        let name = o.path.split(separator: "/").last.map(String.init) ?? o.path
        return (name.isEmpty ? "?" : name) + "+0x" + String(frame.offset, radix: 16)
    }
}
