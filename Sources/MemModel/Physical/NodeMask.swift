import Foundation

/// A set of NUMA nodes (`nodemask_t`, include/linux/nodemask.h), the first 64 nodes as bits.
///
/// The model's machines have at most 64 nodes (`PhysicalConfiguration.set("nodes")` allows 1…64),
/// so one word holds every mask the kernel would keep in a `nodemask_t`.
public struct NodeMask: Hashable, Sendable, CustomStringConvertible {
    public var bits: UInt64

    @inlinable public init(bits: UInt64) { self.bits = bits }
    /// The mask holding exactly `nodes`.
    public init(_ nodes: [Int]) {
        var b: UInt64 = 0
        for n in nodes where n >= 0 && n < 64 { b |= 1 << UInt64(n) }
        bits = b
    }
    /// Nodes 0…count−1 (`node_states[N_MEMORY]` of a machine whose nodes all have memory).
    public static func first(_ count: Int) -> NodeMask {
        NodeMask(bits: count >= 64 ? .max : (1 << UInt64(max(count, 0))) - 1)
    }

    @inlinable public var isEmpty: Bool { bits == 0 }
    /// `nodes_weight`.
    @inlinable public var count: Int { bits.nonzeroBitCount }
    /// `node_isset`.
    @inlinable public func contains(_ node: Int) -> Bool { node >= 0 && node < 64 && bits & (1 << UInt64(node)) != 0 }
    /// `first_node`: the lowest node, nil for an empty mask (the kernel's MAX_NUMNODES).
    @inlinable public var firstNode: Int? { bits == 0 ? nil : bits.trailingZeroBitCount }
    /// `nodes_and`.
    @inlinable public func intersection(_ o: NodeMask) -> NodeMask { NodeMask(bits: bits & o.bits) }
    /// `nodes_intersects`.
    @inlinable public func intersects(_ o: NodeMask) -> Bool { bits & o.bits != 0 }
    /// `nodes_subset(self, o)`.
    @inlinable public func isSubset(of o: NodeMask) -> Bool { bits & ~o.bits == 0 }
    /// The nodes in increasing order (`for_each_node_mask`).
    public var nodes: [Int] { (0..<64).filter { contains($0) } }

    /// `next_node_in(node, mask)`: the next node after `node`, wrapping to the first; nil when empty.
    public func nextNode(after node: Int) -> Int? {
        guard bits != 0 else { return nil }
        let from = node + 1
        if from < 64 {
            let above = bits & ~((UInt64(1) << UInt64(from)) &- 1)
            if above != 0 { return above.trailingZeroBitCount }
        }
        return bits.trailingZeroBitCount
    }

    /// The `n`th node of the mask counting from 0 (`offset_il_node`'s walk of `next_node`).
    public func nth(_ n: Int) -> Int? {
        let list = nodes
        return list.isEmpty ? nil : list[n % list.count]
    }

    /// The mask as `%*pbl` prints it (`bitmap_print_to_pagebuf` list form): ranges such as "0-1,3";
    /// empty for an empty mask.
    public var description: String {
        var parts: [String] = []
        var n = 0
        while n < 64 {
            guard contains(n) else { n += 1; continue }
            var end = n
            while end + 1 < 64 && contains(end + 1) { end += 1 }
            parts.append(end == n ? "\(n)" : "\(n)-\(end)")
            n = end + 1
        }
        return parts.joined(separator: ",")
    }

    /// Parses a node list as cpuset.mems takes it ("0", "0-1", "0,2-3"); nil when malformed or a
    /// node is beyond 63.
    public init?(list text: String) {
        var b: UInt64 = 0
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.isEmpty { self.bits = 0; return }
        for part in trimmed.split(separator: ",", omittingEmptySubsequences: false) {
            let ends = part.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count == 1 || ends.count == 2, let lo = Int(ends[0]), let hi = Int(ends.last!),
                  lo >= 0, hi < 64, lo <= hi else { return nil }
            for n in lo...hi { b |= 1 << UInt64(n) }
        }
        bits = b
    }
}
