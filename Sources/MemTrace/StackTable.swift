/// The objects and stack nodes a trace defines (ids dense from 1, each defined before use, a
/// node's parent and object before the node).
public struct StackTable: Hashable, Sendable {
    public private(set) var objects: [StackObject] = []
    public private(set) var nodes: [StackNode] = []

    public init() {}

    /// The object `id`, or nil for `.none` and ids not (yet) defined.
    public func object(_ id: ObjectID) -> StackObject? {
        let i = Int(id.rawValue)
        return i >= 1 && i <= objects.count ? objects[i - 1] : nil
    }

    /// The node `id`, or nil for `.none` and ids not (yet) defined.
    public func node(_ id: StackID) -> StackNode? {
        let i = Int(id.rawValue)
        return i >= 1 && i <= nodes.count ? nodes[i - 1] : nil
    }

    /// The frames of stack `id`, innermost first (empty for `.none`).
    public func frames(of id: StackID) -> [StackNode] {
        var out: [StackNode] = []
        var at = id
        while let n = node(at), out.count <= nodes.count {
            out.append(n)
            at = n.parent
        }
        return out
    }

    /// The number of frames of stack `id`.
    public func depth(of id: StackID) -> Int { frames(of: id).count }

    /// Why `object` cannot be the next definition, or nil when it can.
    func problem(defining object: StackObject) -> String? {
        object.id.rawValue == UInt32(objects.count) + 1 ? nil
            : "object id \(object.id.rawValue) defined out of order (expected \(objects.count + 1))"
    }

    /// Why `node` cannot be the next definition, or nil when it can.
    func problem(defining node: StackNode) -> String? {
        if node.id.rawValue != UInt32(nodes.count) + 1 {
            return "stack node id \(node.id.rawValue) defined out of order (expected \(nodes.count + 1))"
        }
        if node.parent.rawValue >= node.id.rawValue { return "stack node \(node.id.rawValue) names parent \(node.parent.rawValue), not defined before it" }
        if node.object.rawValue > UInt32(objects.count) { return "stack node \(node.id.rawValue) names object \(node.object.rawValue), not defined" }
        return nil
    }

    /// Defines the next object (its id must be `objects.count + 1`).
    mutating func append(_ object: StackObject) {
        precondition(problem(defining: object) == nil, "stack object out of order")
        objects.append(object)
    }

    /// Defines the next node (its id must be `nodes.count + 1`, parent and object defined).
    mutating func append(_ node: StackNode) {
        precondition(problem(defining: node) == nil, "stack node out of order")
        nodes.append(node)
    }

    /// True when ids are dense from 1 and every node's parent and object are defined before it
    /// (so every stack ends at the root): the table's invariant, checked by tests.
    public func checkInvariants() -> Bool {
        for (i, o) in objects.enumerated() where o.id.rawValue != UInt32(i + 1) { return false }
        for (i, n) in nodes.enumerated() {
            if n.id.rawValue != UInt32(i + 1) || n.parent.rawValue > UInt32(i) || n.object.rawValue > UInt32(objects.count) { return false }
        }
        return true
    }
}
