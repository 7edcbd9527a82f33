import Foundation
import Testing
import MemTrace
@testable import MemModel

/// `CommitAccounting` on its own: `vm_commit_limit`, `__vm_enough_memory` in each mode, the boot
/// reserves, the pre-5.2 heuristic, the sysctl handlers and the settings.
@Suite struct CommitAccountingTests {
    /// 1 GiB of RAM (262,144 pages), 1 GiB free at boot.
    static func accounting(_ configure: (inout OvercommitPolicy) -> Void = { _ in },
                           version: KernelVersion = .default61) -> CommitAccounting {
        var policy = OvercommitPolicy()
        configure(&policy)
        return CommitAccounting(policy: policy, totalRAMPages: 262_144, freePagesAtBoot: 262_144, version: version)
    }

    @Test func commitLimitFollowsRatioOrKbytesPlusSwap() {
        #expect(CommitAccountingTests.accounting().commitLimit(totalSwapPages: 0) == 131_072)          // 50%
        #expect(CommitAccountingTests.accounting { $0.ratio = 80 }.commitLimit(totalSwapPages: 0) == 209_715)
        #expect(CommitAccountingTests.accounting { $0.ratio = 50 }.commitLimit(totalSwapPages: 1000) == 132_072)
        // overcommit_kbytes wins when non-zero: 400 MiB = 102,400 pages.
        #expect(CommitAccountingTests.accounting { $0.kbytes = 400 << 10 }.commitLimit(totalSwapPages: 0) == 102_400)
        #expect(CommitAccountingTests.accounting { $0.kbytes = 400 << 10 }.commitLimit(totalSwapPages: 5) == 102_405)
    }

    @Test func reservesDefaultToTheBootComputation() {
        // init_admin_reserve / init_user_reserve: min(free kB / 32, 8 MiB) and min(free kB / 32, 128 MiB).
        let small = CommitAccounting(policy: OvercommitPolicy(), totalRAMPages: 65_536, freePagesAtBoot: 60_000, version: .default61)
        #expect(small.policy.adminReserveKbytes == 7500 && small.policy.userReserveKbytes == 7500)
        let big = CommitAccounting(policy: OvercommitPolicy(), totalRAMPages: 1 << 22, freePagesAtBoot: 4_000_000, version: .default61)
        #expect(big.policy.adminReserveKbytes == 8192 && big.policy.userReserveKbytes == 131_072)
        #expect(big.adminReservePages == 2048 && big.userReservePages == 32_768)
        var set = OvercommitPolicy()
        set.adminReserveKbytes = 100; set.userReserveKbytes = 0
        let given = CommitAccounting(policy: set, totalRAMPages: 1 << 22, freePagesAtBoot: 4_000_000, version: .default61)
        #expect(given.policy.adminReserveKbytes == 100 && given.userReservePages == 0)
    }

    @Test func modeOneAlwaysChargesAndAllows() {
        var c = CommitAccountingTests.accounting { $0.mode = .always }
        #expect(c.enoughMemory(10_000_000, totalVM: 0, capSysAdmin: false, memory: .init()) == true)
        #expect(c.committed == 10_000_000 && c.refusals == 0)
    }

    @Test func modeZeroRefusesOnlyOneRequestLargerThanRAMPlusSwap() {
        var c = CommitAccountingTests.accounting()
        #expect(c.enoughMemory(262_144, totalVM: 0, capSysAdmin: true, memory: .init()) == true)
        #expect(c.enoughMemory(262_144, totalVM: 0, capSysAdmin: true, memory: .init()) == true)   // the sum may pass RAM
        #expect(c.enoughMemory(262_145, totalVM: 0, capSysAdmin: true, memory: .init()) == false)
        #expect(c.committed == 2 * 262_144 && c.refusals == 1)
        var swap = CommitAccounting.Memory()
        swap.totalSwapPages = 1
        #expect(c.enoughMemory(262_145, totalVM: 0, capSysAdmin: true, memory: swap) == true)
    }

    @Test func modeTwoAllowsWhileCommittedStaysBelowTheLimitLessReserves() {
        // CommitLimit 131,072; admin reserve 8 MiB = 2048 pages; user reserve 1 GiB / 32 = 8192 pages.
        var c = CommitAccountingTests.accounting { $0.mode = .never }
        #expect(c.adminReservePages == 2048 && c.userReservePages == 8192)
        // Root, no mm: committed after the charge must stay below 131,072.
        #expect(c.enoughMemory(131_071, totalVM: nil, capSysAdmin: true, memory: .init()) == true)
        #expect(c.enoughMemory(1, totalVM: nil, capSysAdmin: true, memory: .init()) == false)
        #expect(c.committed == 131_071 && c.refusals == 1)
        c.uncharge(131_071)
        // Without CAP_SYS_ADMIN the admin reserve is kept back: below 129,024.
        #expect(c.enoughMemory(129_024, totalVM: nil, capSysAdmin: false, memory: .init()) == false)
        #expect(c.enoughMemory(129_023, totalVM: nil, capSysAdmin: false, memory: .init()) == true)
        c.uncharge(129_023)
        // With an mm: min(total_vm / 32, user reserve) is kept back too.
        #expect(c.enoughMemory(131_072 - 100, totalVM: 3200, capSysAdmin: true, memory: .init()) == false)
        #expect(c.enoughMemory(131_072 - 101, totalVM: 3200, capSysAdmin: true, memory: .init()) == true)
        c.uncharge(131_072 - 101)
        #expect(c.enoughMemory(131_072 - 8192, totalVM: 10_000_000, capSysAdmin: true, memory: .init()) == false)
        #expect(c.enoughMemory(131_072 - 8193, totalVM: 10_000_000, capSysAdmin: true, memory: .init()) == true)
        c.uncharge(131_072 - 8193)
        #expect(c.committed == 0)
        // Pages shmem_acct_block charged count against the limit.
        var blocks = CommitAccounting.Memory()
        blocks.shmemBlocks = 131_000
        #expect(c.enoughMemory(72, totalVM: nil, capSysAdmin: true, memory: blocks) == false)
        #expect(c.enoughMemory(71, totalVM: nil, capSysAdmin: true, memory: blocks) == true)
    }

    @Test func theHeuristicBeforeFiveTwoCountsFreeMemory() {
        var m = CommitAccounting.Memory()
        m.freePages = 10_000; m.filePages = 3000; m.shmemPages = 500; m.freeSwapPages = 200
        m.reclaimableSlabPages = 300; m.totalReservePages = 1000
        // free = 10,000 + 3000 − 500 + 200 + 300 − 1000 = 12,000 (root): allowed iff 12,000 > pages.
        var c = CommitAccountingTests.accounting(version: KernelVersion(major: 4, minor: 19))
        #expect(c.legacyHeuristic)
        #expect(c.enoughMemory(11_999, totalVM: 0, capSysAdmin: true, memory: m) == true)
        #expect(c.enoughMemory(12_000, totalVM: 0, capSysAdmin: true, memory: m) == false)
        // Without CAP_SYS_ADMIN, less the admin reserve (2048 pages).
        #expect(c.enoughMemory(9952, totalVM: 0, capSysAdmin: false, memory: m) == false)
        #expect(c.enoughMemory(9951, totalVM: 0, capSysAdmin: false, memory: m) == true)
        // Nothing left when the free terms do not exceed totalreserve_pages.
        m.totalReservePages = 13_000
        #expect(c.enoughMemory(1, totalVM: 0, capSysAdmin: true, memory: m) == false)
        #expect(c.committed == 11_999 + 9951 && c.refusals == 3)
        // From 5.2 on, mode 0 ignores free memory.
        var new = CommitAccountingTests.accounting(version: KernelVersion(major: 5, minor: 2))
        #expect(!new.legacyHeuristic && (new.enoughMemory(100_000, totalVM: 0, capSysAdmin: true, memory: m) == true))
    }

    @Test func sysctlsFollowTheKernelsHandlers() {
        var c = CommitAccountingTests.accounting()
        #expect(c.applySysctl("vm.overcommit_memory", 2) == true && c.policy.mode == .never)
        #expect(c.applySysctl("vm.overcommit_memory", 3) == false && c.policy.mode == .never)
        // overcommit_kbytes_handler zeroes the ratio; overcommit_ratio_handler zeroes kbytes.
        #expect(c.applySysctl("vm.overcommit_kbytes", 4096) == true && c.policy.ratio == 0 && c.commitLimit(totalSwapPages: 0) == 1024)
        #expect(c.applySysctl("vm.overcommit_ratio", 25) == true && c.policy.kbytes == 0 && c.commitLimit(totalSwapPages: 0) == 65_536)
        #expect(c.applySysctl("vm.admin_reserve_kbytes", 0) == true && c.adminReservePages == 0)
        #expect(c.applySysctl("vm.user_reserve_kbytes", 400) == true && c.userReservePages == 100)
        #expect(c.applySysctl("vm.user_reserve_kbytes", -1) == false && c.userReservePages == 100)
        #expect(c.applySysctl("vm.swappiness", 10) == false)
    }

    @Test func settingsAreMachineKeysAndDecodeFromOlderJSON() throws {
        var m = MachineConfiguration.presets["small-8g"]!
        try m.set("vm.overcommit_memory", "2")
        try m.set("vm.overcommit_ratio", "80")
        try m.set("vm.admin_reserve_kbytes", "0")
        try m.set("cap_sys_admin", "0")
        #expect(m.vm.overcommit.mode == .never && m.vm.overcommit.ratio == 80 && m.vm.overcommit.adminReserveKbytes == 0)
        #expect(!m.vm.overcommit.capSysAdmin)
        #expect(throws: ConfigurationError.self) { try m.set("vm.overcommit_memory", "3") }
        #expect(throws: ConfigurationError.self) { try m.set("vm.overcommit_ratio", "half") }
        let k = LinuxKernel(configuration: m)
        #expect(k.commit.policy.mode == .never && k.commitLimitPages == k.frames.totalPages * 80 / 100)
        // Round trip, and a virtualMemory object written before overcommit existed.
        let back = try JSONDecoder().decode(MachineConfiguration.self, from: Data(m.json().utf8))
        #expect(back == m)
        let older = #"{"thpEnabled":"madvise","thpDefrag":"madvise","thpUseZeroPage":true,"thpAlignAnonymous":false,"#
            + #""maxMapCount":65530,"rlimitMemlock":8388608,"rlimitData":18446744073709551615,"#
            + #""rlimitAS":18446744073709551615,"rlimitStack":8388608}"#
        #expect(try JSONDecoder().decode(VirtualMemoryConfiguration.self, from: Data(older.utf8)) == VirtualMemoryConfiguration())
        #expect(MachineConfiguration.settableKeys.contains { $0.key == "vm.overcommit_kbytes" })
    }

    @Test func hostPolicyIsReadFromProcSysVm() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("commit-host-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        for (name, value) in [("overcommit_memory", "2\n"), ("overcommit_ratio", "60\n"), ("overcommit_kbytes", "0\n"),
                              ("admin_reserve_kbytes", "258378\n"), ("user_reserve_kbytes", "100425\n")] {
            try value.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let p = OvercommitPolicy.host(directory: dir.path)
        #expect(p.mode == .never && p.ratio == 60 && p.kbytes == 0)
        #expect(p.adminReserveKbytes == 258_378 && p.userReserveKbytes == 100_425 && p.capSysAdmin)
    }
}
