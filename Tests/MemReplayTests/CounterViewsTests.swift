import Testing
import MemTrace
import MemModel
@testable import MemReplay

/// The registry's counters after a workload equal what the /proc views print: meminfo, vmstat,
/// free, zoneinfo and buddyinfo; zoneinfo's per-node and per-zone counters sum to vmstat's.
@Suite struct CounterViewsTests {
    static let pid = ProcessID(300)
    static let base: UInt64 = 0x4000_0000      // 2 MiB aligned

    /// A two-node machine with THP always, after anonymous (THP and small), shared anonymous and
    /// file work, a fork with copy-on-write, and an munmap.
    static func workload() -> LinuxKernel {
        var c = MachineConfiguration(name: "test", memoryBytes: 3584 << 20, kernelReservedBytes: 64 << 20)
        var p = PhysicalConfiguration()
        p.nodeCount = 2
        c.physical = p
        try! c.set("thp.enabled", "always")
        var k = LinuxKernel(configuration: c)
        _ = k.process(ProcessEvent(op: .spawn), pid: pid, tid: ThreadID(300), image: "/bin/work")
        func mmap(_ at: UInt64, _ pages: UInt64, _ flags: MapFlags, file: FileID = .anonymous) {
            let r = k.memory(MemoryCall(op: .mmap, address: VirtualAddress(at), length: pages << 12, prot: [.read, .write],
                                        flags: flags.union(.fixed).rawValue, file: file), pid: pid, name: "")
            precondition(r.result == Int64(at), "mmap failed: \(r.result)")
        }
        func touch(_ a: UInt64, store: Bool = true, _ who: ProcessID = pid) {
            _ = k.access(MemoryAccess(kind: store ? .store : .load, address: VirtualAddress(a), size: 8), pid: who)
        }
        mmap(base, 1024, [.private, .anonymous])                      // two THPs
        touch(base); touch(base + (2 << 20) + 4096)
        mmap(base + (8 << 20), 24, [.private, .anonymous])            // too small for a THP
        for i in 0..<24 { touch(base + (8 << 20) + UInt64(i) << 12) }
        mmap(base + (16 << 20), 8, [.shared, .anonymous])             // shmem
        for i in 0..<8 { touch(base + (16 << 20) + UInt64(i) << 12) }
        _ = k.file(FileCall(op: .open, file: FileID(3), size: 256 << 10), pid: pid, path: "/data/f")
        _ = k.file(FileCall(op: .write, file: FileID(3), offset: 0, length: 3 * 4096, result: 3 * 4096), pid: pid, path: "")
        _ = k.file(FileCall(op: .read, file: FileID(3), offset: 0, length: 128 << 10, result: 128 << 10), pid: pid, path: "")
        mmap(base + (24 << 20), 32, .shared, file: FileID(3))
        for i in 0..<16 { touch(base + (24 << 20) + UInt64(i) << 12, store: false) }
        _ = k.process(ProcessEvent(op: .fork, process: ProcessID(301), thread: ThreadID(301)), pid: pid, tid: ThreadID(300), image: "")
        for i in 0..<4 { touch(base + (8 << 20) + UInt64(i) << 12, ProcessID(301)) }
        _ = k.memory(MemoryCall(op: .munmap, address: VirtualAddress(base + (8 << 20) + (20 << 12)), length: 4 << 12), pid: pid, name: "")
        _ = k.takeChanges()
        precondition(k.invariantViolations().isEmpty)
        return k
    }

    /// "name value" pairs of lines, with any trailing unit dropped and colons removed.
    static func pairs(_ text: String) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for line in text.split(separator: "\n") {
            let w = line.split(separator: " ")
            guard w.count >= 2, let v = Int64(w[1]) else { continue }
            out[w[0].hasSuffix(":") ? String(w[0].dropLast()) : String(w[0])] = v
        }
        return out
    }

    /// Counters of the registry in `family`, by field.
    static func registry(_ k: LinuxKernel, _ family: String) -> [String: Int64] {
        var out: [String: Int64] = [:]
        for c in k.counters.counters where c.name.hasPrefix(family + ".") { out[c.field] = c.value(k) }
        return out
    }

    @Test func meminfoVmstatAndFreeAreTheRegistrysFigures() throws {
        let k = CounterViewsTests.workload()
        let ctx = ProcViewContext(kernel: k)
        let meminfo = CounterViewsTests.pairs(try MeminfoView().render(ctx))
        #expect(meminfo.count == KernelCounter.meminfo.count)
        for c in KernelCounter.meminfo { #expect(meminfo[c.field] == c.value(k), "\(c.name)") }
        let stored = CounterViewsTests.registry(k, "meminfo")
        #expect(stored.count == 21)       // 14, and the swap and LRU fields of the pressure counters
        for (field, v) in stored { #expect(meminfo[field] == v, "meminfo.\(field)") }
        #expect(meminfo["AnonHugePages"] == 4096 && meminfo["Shmem"] == 32 && meminfo["Dirty"] == 12 && meminfo["Mapped"]! > 0)

        let vmstat = CounterViewsTests.pairs(try VmstatView().render(ctx))
        #expect(vmstat.count == KernelCounter.vmstat.count)
        for c in KernelCounter.vmstat { #expect(vmstat[c.field] == c.value(k), "\(c.name)") }
        for (field, v) in CounterViewsTests.registry(k, "vmstat") { #expect(vmstat[field] == v, "vmstat.\(field)") }
        #expect(vmstat["nr_anon_transparent_hugepages"] == 2 && vmstat["thp_fault_alloc"] == 2 && vmstat["pgreuse"]! + vmstat["pgfault"]! > 0)

        // free-3.3's Mem: line is total used free shared buff/cache available, as free.* records them.
        let mem = try FreeView(.procps33).render(ctx).split(separator: "\n")[1].split(separator: " ").dropFirst().map { Int64($0)! }
        let free = CounterViewsTests.registry(k, "free")
        #expect(free["used"] == mem[1] && free["shared"] == mem[3] && free["buff_cache"] == mem[4])
        #expect(mem[0] == meminfo["MemTotal"] && mem[2] == meminfo["MemFree"])
    }

    @Test func zoneinfoAndBuddyinfoAreTheRegistrysFiguresAndSumToVmstat() throws {
        let k = CounterViewsTests.workload()
        let ctx = ProcViewContext(kernel: k)
        let vmstat = CounterViewsTests.pairs(try VmstatView().render(ctx))
        var nodeSums: [String: Int64] = [:], zoneSums: [String: Int64] = [:], pagesFree: [String: Int64] = [:]
        var zone = "", section = ""
        for line in try ZoneinfoView().render(ctx).split(separator: "\n") {
            let w = line.split(separator: " ")
            if line.hasPrefix("Node ") {
                let node = Int(w[1].dropLast())!
                zone = node == 0 ? String(w[3]) : "n\(node).\(w[3])"
                section = ""
            } else if line == "  per-node stats" {
                section = "node"
            } else if line.hasPrefix("  pages free") {
                pagesFree[zone] = Int64(w[2])!; section = ""
            } else if line.hasPrefix("        protection:") {
                section = "zone"
            } else if line.hasPrefix("  pagesets") {
                section = ""
            } else if line.hasPrefix("      "), w.count == 2, let v = Int64(w[1]) {
                if section == "node" { nodeSums[String(w[0]), default: 0] += v }
                if section == "zone" { zoneSums[String(w[0]), default: 0] += v }
            }
        }
        #expect(nodeSums.count == PageStateCounter.nodeItems.count && zoneSums.count >= PageStateCounter.zoneItems.count)
        for item in PageStateCounter.nodeItems + PageStateCounter.zoneItems {
            if let v = vmstat[item.name] {
                let sum = item.level == .node ? nodeSums[item.name] : zoneSums[item.name]
                #expect(sum == v, "\(item.name)")
            }
        }
        #expect(nodeSums["nr_anon_transparent_hugepages"] == 2 && nodeSums["nr_slab_unreclaimable"]! > 0)
        let zoneinfo = CounterViewsTests.registry(k, "zoneinfo")
        let zones = zoneinfo.keys.filter { $0.hasSuffix(".free") }.map { String($0.dropLast(5)) }.sorted()
        #expect(zones == ["DMA", "DMA32", "Normal", "n1.Normal"])
        for z in zones { #expect(pagesFree[z] == zoneinfo["\(z).free"], "zoneinfo.\(z).free") }

        let buddy = CounterViewsTests.registry(k, "buddyinfo")
        for line in try BuddyinfoView().render(ctx).split(separator: "\n") {
            let w = line.split(separator: " ")
            let node = Int(w[1].dropLast())!
            let z = node == 0 ? String(w[3]) : "n\(node).\(w[3])"
            for o in 0..<PhysicalMemory.orders { #expect(buddy["\(z).\(o)"] == Int64(w[4 + o])!, "buddyinfo.\(z).\(o)") }
        }
    }
}
