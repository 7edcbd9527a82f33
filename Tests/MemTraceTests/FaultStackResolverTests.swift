import Testing
@testable import MemTrace

/// The conversion side of page-fault call stacks: the depth `record --stack-depth` sets, and the
/// objects a process registered only after a fault (`LaterObjects`).
@Suite struct FaultStackResolverTests {
    /// A callchain of `count` distinct return addresses, innermost first.
    static func chain(_ count: Int) -> [UInt64] { (0..<UInt64(count)).map { 0x40_1000 + $0 * 0x40 } }

    /// The frames of the stack `resolve` makes for a 40-frame callchain, with `depth` frames kept.
    static func framesKept(depth: Int) throws -> Int {
        let spool = FaultStackSpool(records: [.callchain(chain(40))])
        let resolver = FaultStackResolver(spool: spool, samples: [], maxFrames: depth)
        let writer = try TraceWriter(output: MemoryTraceOutput(), header: testHeader())
        let stack = resolver.resolve(StackID(1), pid: 7, tick: 0, stacks: RecordingStacks(), writer: writer)
        #expect(stack != .none)
        return writer.stackNodeCount
    }

    @Test func depthFollowsTheRecording() throws {
        #expect(try Self.framesKept(depth: 5) == 5)
        #expect(try Self.framesKept(depth: 64) == 40)
        #expect(try Self.framesKept(depth: 1) == 1)
    }

    /// `record` writes `--stack-depth` to the header; a header without it (or with something else)
    /// keeps the old 128.
    @Test func depthComesFromTheHeader() {
        var header = testHeader()
        #expect(RecordingConversion.stackDepth(header) == FaultStackResolver.defaultDepth)
        header.attributes[RecordingConversion.stackDepthAttribute] = "12"
        #expect(RecordingConversion.stackDepth(header) == 12)
        header.attributes[RecordingConversion.stackDepthAttribute] = "(see the raw recording)"
        #expect(RecordingConversion.stackDepth(header) == FaultStackResolver.defaultDepth)
        header.attributes[RecordingConversion.stackDepthAttribute] = "999"
        #expect(RecordingConversion.stackDepth(header) == FaultStackResolver.defaultDepth)
    }

    static let ldso = RecordingStacks.ObjectRecord(raw: 1, path: "/lib64/ld-linux-x86-64.so.2", buildID: [1], low: 0x1000,
                                                   high: 0x30000, base: 0x7f00_0000_0000)
    static let libc = RecordingStacks.ObjectRecord(raw: 2, path: "/lib/x86_64-linux-gnu/libc.so.6", buildID: [2], low: 0x28000,
                                                   high: 0x1a0000, base: 0x7f00_1000_0000)
    static let plugin = RecordingStacks.ObjectRecord(raw: 3, path: "/opt/plugin.so", buildID: [3], low: 0, high: 0x4000,
                                                     base: 0x7f00_2000_0000)

    /// A frame taken before the registration lies in the object registered later, unless the
    /// address was unmapped or mapped over in between; the extent's ends follow return-address rules.
    @Test func laterObjectsNameEarlyFrames() {
        let later = LaterObjects(entries: [.init(tick: 500, record: Self.plugin), .init(tick: 100, record: Self.ldso),
                                           .init(tick: 100, record: Self.libc)],
                                 changes: [.init(tick: 300, start: 0x7f00_2000_0000, end: 0x7f00_2000_1000)])
        #expect(later.entries.map(\.tick) == [100, 100, 500])
        // ld.so's text before the interposer ran (tick 10): found. The return address just past
        // the extent's end still belongs to it (pc − 1 inside), the start itself does not.
        #expect(later.object(containing: 0x7f00_0000_2345, at: 10) == Self.ldso)
        #expect(later.object(containing: 0x7f00_0003_0000, at: 10) == Self.ldso)
        #expect(later.object(containing: 0x7f00_0000_1000, at: 10) == nil)
        #expect(later.object(containing: 0x7f00_1002_9000, at: 99) == Self.libc)
        // Registered before the fault: not a later object (the current table answers for it).
        #expect(later.object(containing: 0x7f00_1002_9000, at: 101) == nil)
        // The plugin's first page was unmapped at tick 300: a fault at 200 there may have been
        // something else; one after the unmap, or in its second page, is the plugin.
        #expect(later.object(containing: 0x7f00_2000_0800, at: 200) == nil)
        #expect(later.object(containing: 0x7f00_2000_0800, at: 301) == Self.plugin)
        #expect(later.object(containing: 0x7f00_2000_2800, at: 200) == Self.plugin)
        #expect(later.object(containing: 0x1234, at: 0) == nil)
        #expect(later.object(containing: 0, at: 0) == nil)
    }
}
