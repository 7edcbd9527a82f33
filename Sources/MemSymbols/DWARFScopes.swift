/// The functions of one unit and the calls inlined into them, as a tree, for address lookups.
struct DWARFScopes {
    /// A function (DW_TAG_subprogram) or an inlined call (DW_TAG_inlined_subroutine) with code.
    struct Scope {
        /// Offset of its entry in `.debug_info` (names are resolved from it on demand).
        var entry: Int
        var parent: Int32
        var isInlined: Bool
        var callFile: UInt64
        var callLine: UInt64
        var ranges: [AddressRange]
        var children: [Int32] = []
    }

    var scopes: [Scope] = []
    /// The ranges of the top-level functions, sorted by low address.
    var roots: [(range: AddressRange, scope: Int32)] = []

    /// The chain from the outermost function to the innermost inlined call holding `address`.
    func chain(containing address: UInt64) -> [Int32] {
        var lo = 0, hi = roots.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if roots[mid].range.low <= address { lo = mid + 1 } else { hi = mid }
        }
        // The smallest root range holding the address among the nearest ones below it.
        var best: Int32 = -1, bestSize = UInt64.max
        var i = lo - 1, steps = 0
        while i >= 0 && steps < 32 {
            let r = roots[i].range
            if r.contains(address) && r.high - r.low < bestSize { best = roots[i].scope; bestSize = r.high - r.low }
            i -= 1
            steps += 1
        }
        guard best >= 0 else { return [] }
        var out: [Int32] = [best]
        var current = best
        while true {
            var next: Int32 = -1, nextSize = UInt64.max
            for child in scopes[Int(current)].children {
                for r in scopes[Int(child)].ranges where r.contains(address) && r.high - r.low < nextSize {
                    next = child
                    nextSize = r.high - r.low
                }
            }
            guard next >= 0, out.count < 256 else { return out }
            out.append(next)
            current = next
        }
    }

    /// Problems with the tree (empty when consistent); used by tests.
    func invariantViolations() -> [String] {
        var out: [String] = []
        for i in roots.indices.dropFirst() where roots[i - 1].range.low > roots[i].range.low {
            out.append("root \(i) sorts before its predecessor")
        }
        for (i, s) in scopes.enumerated() {
            if s.parent >= 0 {
                if !scopes[Int(s.parent)].children.contains(Int32(i)) { out.append("scope \(i) missing from its parent's children") }
                if !s.isInlined { out.append("scope \(i) has a parent but is not inlined") }
            } else if s.isInlined {
                out.append("inlined scope \(i) has no parent")
            }
            for c in s.children where scopes[Int(c)].parent != Int32(i) { out.append("child \(c) of \(i) names another parent") }
            if s.ranges.isEmpty { out.append("scope \(i) has no ranges") }
        }
        return out
    }
}

extension DWARFUnit {
    /// Walks every entry of the unit once and records functions and inlined calls with code.
    func buildScopes() throws(SymbolError) -> DWARFScopes {
        var result = DWARFScopes()
        guard firstEntry < end else { return result }
        var c = sections.cursor(sections.info, ".debug_info", at: firstEntry)
        var enclosing: [Int32] = [-1]
        while c.offset < end {
            guard let e = try readEntry(&c) else {
                enclosing.removeLast()
                if enclosing.isEmpty { break }
                continue
            }
            var here = enclosing[enclosing.count - 1]
            if e.tag == DWARFTag.subprogram || e.tag == DWARFTag.inlinedSubroutine {
                let r = try ranges(of: e)
                let inlined = e.tag == DWARFTag.inlinedSubroutine && here >= 0
                if !r.isEmpty {
                    let index = Int32(result.scopes.count)
                    result.scopes.append(.init(entry: e.offset, parent: inlined ? here : -1, isInlined: inlined,
                                               callFile: e.callFile, callLine: e.callLine, ranges: r))
                    if inlined {
                        result.scopes[Int(here)].children.append(index)
                    } else {
                        for range in r { result.roots.append((range, index)) }
                    }
                    here = index
                }
            }
            if e.hasChildren { enclosing.append(here) }
            if enclosing.count > 4096 { throw c.error("entries nested deeper than 4096 levels") }
        }
        result.roots.sort { $0.range.low < $1.range.low }
        return result
    }
}
