/// Where the pages of a table B-tree written bottom-up go: the leaves and the interior levels below
/// the top appended after the database's last page (skipping the lock-byte page), the top node
/// written into the table's root page.
///
/// Interior nodes split each level as evenly as `fanout` allows, so every interior page has two
/// children at least and all leaves are at one depth. A tree of one leaf is that leaf, in the root
/// page, with nothing appended.
struct TreeLayout: Equatable {
    /// The page of each leaf, in rowid order.
    var leafPages: [UInt32]
    /// The interior levels, bottom-up: each node's children, as a range of the level below.
    var levels: [[Range<Int>]]
    /// The page of each node of each interior level (the top level's one node: the root).
    var levelPages: [[UInt32]]
    /// The database's page count once the pages are appended.
    var pageCount: UInt32

    /// Lays out a tree of `leaves` leaves (at least 1) rooted at page `root` of a database of
    /// `pageCount` pages whose lock-byte page is `lockPage`, `fanout` children per interior page at most.
    init(leaves: Int, root: UInt32, pageCount: UInt32, lockPage: UInt32, fanout: Int) {
        precondition(leaves >= 1 && fanout >= 3, "a tree needs a leaf and a fanout of 3 at least")
        var next = pageCount
        func allocate() -> UInt32 {
            next += 1
            if next == lockPage { next += 1 }
            return next
        }
        levels = []
        levelPages = []
        guard leaves > 1 else {
            leafPages = [root]
            self.pageCount = pageCount
            return
        }
        leafPages = (0..<leaves).map { _ in allocate() }
        var count = leaves
        while count > 1 {
            let nodes = (count + fanout - 1) / fanout
            levels.append((0..<nodes).map { j in (j * count / nodes)..<((j + 1) * count / nodes) })
            levelPages.append(nodes == 1 ? [root] : (0..<nodes).map { _ in allocate() })
            count = nodes
        }
        self.pageCount = next
    }

    /// Children per interior page whatever their keys: a 12-byte header, then per child but the
    /// right-most a 2-byte pointer and a cell of a 4-byte page number and a key of 9 bytes at most.
    static func fanout(pageSize: Int) -> Int { (pageSize - 12) / 15 + 1 }

    /// The lock-byte page of a database of `pageSize`-byte pages: the page holding byte 2^30,
    /// which SQLite never uses.
    static func lockPage(pageSize: Int) -> UInt32 { UInt32(1_073_741_824 / pageSize + 1) }

    /// Every broken rule, as sentences; empty when the layout is sound: pages distinct, none the
    /// lock page or beyond `pageCount`, each level covering the one below in order, every interior
    /// node with two children at least and a fanout of `fanout` at most, one node at the top.
    func invariantViolations(root: UInt32, lockPage: UInt32, fanout: Int) -> [String] {
        var problems: [String] = []
        let pages = leafPages + levelPages.flatMap { $0 }
        if Set(pages).count != pages.count { problems.append("a page is used twice") }
        if pages.contains(lockPage) { problems.append("the lock-byte page \(lockPage) is used") }
        if let beyond = pages.first(where: { $0 > pageCount && $0 != root }) {
            problems.append("page \(beyond) is beyond the page count \(pageCount)")
        }
        var below = leafPages.count
        for (l, level) in levels.enumerated() {
            if level.first?.lowerBound != 0 || level.last?.upperBound != below
                || zip(level, level.dropFirst()).contains(where: { $0.upperBound != $1.lowerBound }) {
                problems.append("level \(l + 1) does not cover the \(below) nodes below in order")
            }
            if let bad = level.first(where: { $0.count < 2 || $0.count > fanout }) {
                problems.append("level \(l + 1) has a node of \(bad.count) children")
            }
            if levelPages[l].count != level.count { problems.append("level \(l + 1) has \(levelPages[l].count) pages for \(level.count) nodes") }
            below = level.count
        }
        if below != 1 { problems.append("the top level has \(below) nodes") }
        let top = levelPages.last?.first ?? leafPages.first
        if top != root { problems.append("the top node is on page \(top.map(String.init) ?? "none"), not the root \(root)") }
        return problems
    }
}
