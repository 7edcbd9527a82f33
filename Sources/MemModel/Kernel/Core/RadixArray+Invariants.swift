extension RadixArray {
    /// Checks the tree's shape; returns a description of each violation.
    ///
    /// Every node is reachable from the root exactly once or (a leaf) is on the free list, and
    /// free leaves hold nothing; every child number names an existing node; each leaf's count
    /// matches its non-empty slots and `count` their sum; no linked leaf is empty; the empty tree
    /// has no root.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        let innerNodes = inner.count >> shift, leafNodes = leafCounts.count
        if inner.count != innerNodes << shift { problems.append("inner slots \(inner.count) not a multiple of \(fanout)") }
        if leaves.count != leafNodes << shift { problems.append("\(leaves.count) leaf slots for \(leafNodes) leaves") }
        guard height > 0 else {
            if root != -1 || count != 0 || !inner.isEmpty || !leaves.isEmpty { problems.append("an empty tree with nodes or entries (count \(count))") }
            return problems
        }
        var seenInner = [Bool](repeating: false, count: innerNodes), seenLeaf = [Bool](repeating: false, count: leafNodes)
        var total = 0
        func visit(_ node: Int32, _ level: Int) {
            if level == 0 {
                guard node >= 0, Int(node) < leafNodes else { problems.append("leaf \(node) does not exist"); return }
                if seenLeaf[Int(node)] { problems.append("leaf \(node) linked twice"); return }
                seenLeaf[Int(node)] = true
                let present = (0..<fanout).filter { leaves[Int(node) << shift | $0] != nil }.count
                if present != Int(leafCounts[Int(node)]) { problems.append("leaf \(node) counts \(leafCounts[Int(node)]) entries but holds \(present)") }
                if present == 0 && count > 0 { problems.append("leaf \(node) is linked but empty") }
                total += present
                return
            }
            guard node >= 0, Int(node) < innerNodes else { problems.append("inner node \(node) does not exist"); return }
            if seenInner[Int(node)] { problems.append("inner node \(node) linked twice"); return }
            seenInner[Int(node)] = true
            for s in 0..<fanout where inner[Int(node) << shift | s] >= 0 { visit(inner[Int(node) << shift | s], level - 1) }
        }
        visit(root, height - 1)
        if total != count { problems.append("count is \(count) but \(total) entries are present") }
        for l in freeLeaves {
            guard l >= 0, Int(l) < leafNodes else { problems.append("free leaf \(l) does not exist"); continue }
            if seenLeaf[Int(l)] { problems.append("free leaf \(l) is also linked") }
            if leafCounts[Int(l)] != 0 { problems.append("free leaf \(l) holds \(leafCounts[Int(l)]) entries") }
            seenLeaf[Int(l)] = true
        }
        let lost = seenLeaf.filter { !$0 }.count
        if lost > 0 { problems.append("\(lost) leaves neither linked nor free") }
        let lostInner = seenInner.filter { !$0 }.count
        if lostInner > 0 { problems.append("\(lostInner) inner nodes not linked") }
        return problems
    }

    /// Test hook: miscounts the leaf holding `key` by `delta`, so tests can show the checker catches it.
    mutating func miscountLeaf(of key: UInt64, by delta: Int) {
        let l = leaf(of: key)
        guard l >= 0 else { return }
        leafCounts[Int(l)] = UInt16(truncatingIfNeeded: Int(leafCounts[Int(l)]) + delta)
    }
}
