import MemTrace

extension ProcessTable {
    /// The table's own invariants: each live process under its own pid and alive, no ended pid
    /// among the live ones, every address space and page table sound, VMA numbers unique across
    /// processes and below the next to give, anon_vma numbers below the next to give, and held
    /// touches within their patience and capacity. (RSS and mapcounts against frames are the
    /// kernel's check, which sees the frames.)
    public func invariantViolations() -> [String] {
        var problems: [String] = []
        var vmaIDs: Set<VMAID> = []
        for pid in live.keys.sorted() {
            let p = live[pid]!
            if p.pid != pid { problems.append("process \(p.pid) filed under pid \(pid)") }
            if !p.alive { problems.append("pid \(pid) is live but marked dead") }
            if ended.contains(pid) { problems.append("pid \(pid) ended but is live") }
            if unborn.contains(pid) { problems.append("pid \(pid) was never created (failed fork) but is live") }
            problems += p.space.invariantViolations().map { "pid \(pid): \($0)" }
            problems += p.table.invariantViolations().map { "pid \(pid): \($0)" }
            for v in p.space.areas {
                if !vmaIDs.insert(v.id).inserted { problems.append("pid \(pid): VMA number \(v.id.rawValue) used twice") }
                if v.id.rawValue >= nextVMA { problems.append("pid \(pid): VMA number \(v.id.rawValue) not yet given out") }
                if v.anonVMA >= nextAnonVMA { problems.append("pid \(pid): anon_vma \(v.anonVMA) not yet given out") }
            }
        }
        if order.count != live.count || Set(order) != Set(live.keys) {
            problems.append("task list holds \(order.count) pids for \(live.count) live processes")
        }
        if inOrder.count != order.count || zip(inOrder, order).contains(where: { $0.pid != $1 || live[$1] !== $0 }) {
            problems.append("the task array does not hold the live processes in task-list order")
        }
        for pid in held.keys.sorted() {
            let list = held[pid]!
            if list.isEmpty { problems.append("pid \(pid): an empty list of held touches") }
            if list.count > PendingTouch.capacity { problems.append("pid \(pid): \(list.count) held touches, more than \(PendingTouch.capacity)") }
            if list.contains(where: { $0.age > PendingTouch.patience }) { problems.append("pid \(pid): a held touch past its patience") }
        }
        return problems
    }
}
