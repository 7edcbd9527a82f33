extension JVMHeap {
    /// Every broken rule of the region table: the per-kind counts against a recount, the
    /// committed count, used and live bytes within a region (humongous objects may span several),
    /// nothing allocated in free or uncommitted regions, permanent regions only among old ones.
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        var recount = Array(repeating: 0, count: JVMRegionKind.allCases.count)
        for i in 0..<kind.count {
            recount[Int(kind[i].rawValue)] += 1
            if live[i] > used[i] { problems.append("region \(i): live \(live[i]) > used \(used[i])") }
            if kind[i] != .humongous && used[i] > regionSize { problems.append("region \(i): used \(used[i]) > region size \(regionSize)") }
            if (kind[i] == .free || kind[i] == .uncommitted) && used[i] != 0 {
                problems.append("region \(i): \(kind[i]) with \(used[i]) bytes used")
            }
            if permanent[i] && kind[i] != .old { problems.append("region \(i): permanent but \(kind[i])") }
        }
        if recount != count { problems.append("kind counts \(count) != recount \(recount)") }
        let committedRecount = kind.count - recount[Int(JVMRegionKind.uncommitted.rawValue)]
        if committed != committedRecount { problems.append("committed \(committed) != recount \(committedRecount)") }
        return problems
    }
}
