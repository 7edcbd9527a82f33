import Testing
import MemTrace
@testable import MemModel

/// The `--set memcg.…` / `--set cpuset.…` key syntax shared by both controllers.
@Suite struct GroupConfigurationTests {
    @Test func unnamedKeysConfigureTheCatchAllGroup() throws {
        var m = MemcgConfiguration()
        #expect(try m.set("memcg.max", "128M"))
        #expect(try m.set("memcg.oom_group", "1"))
        #expect(m.groups.count == 1)
        #expect(m.groups[0].path == "/memreplay" && m.groups[0].everyProcess)
        #expect(m.groups[0].settings["max"] == 128 << 20 && m.groups[0].settings["oom_group"] == 1)
        #expect(m.path(for: ProcessID(77), image: "/bin/anything") == "/memreplay")
        #expect(try !m.set("vm.swappiness", "10"))
    }

    @Test func namedGroupsClaimProcessesByPidThenImage() throws {
        var m = MemcgConfiguration()
        #expect(try m.set("memcg.A/B.max", "max"))
        #expect(try m.set("memcg.A/B.images", "redis-server,bash"))
        #expect(try m.set("memcg.C.pids", "1234,1240"))
        #expect(try m.set("memcg.C.swap.max", "0"))
        #expect(m.groups.map(\.path) == ["/A/B", "/C"])
        #expect(m.groups[0].settings["max"] == .max && m.groups[1].settings["swap.max"] == 0)
        #expect(m.path(for: ProcessID(1240), image: "/usr/bin/redis-server") == "/C")    // pid first
        #expect(m.path(for: ProcessID(9), image: "/usr/bin/redis-server") == "/A/B")
        #expect(m.path(for: ProcessID(9), image: "/usr/bin/python3") == nil)           // no catch-all
        #expect(try m.set("memcg.recursive_prot", "yes") && m.recursiveProtection)
    }

    @Test func cpusetsShareTheSyntax() throws {
        var c = CpusetConfiguration()
        #expect(try c.set("cpuset.ltp.mems", "0-1"))
        #expect(try c.set("cpuset.ltp.images", "oom04"))
        #expect(try c.set("cpuset.mems", "1"))
        #expect(c.groups.map(\.path) == ["/ltp", "/memreplay"])
        #expect(c.groups[0].mems == 0b11 && c.groups[1].mems == 0b10 && c.groups[1].everyProcess)
        #expect(c.path(for: ProcessID(5), image: "oom04") == "/ltp")
        #expect(c.path(for: ProcessID(5), image: "sh") == "/memreplay")
    }

    @Test func malformedKeysAndValuesNameTheKey() {
        func message(_ body: () throws -> Void) -> String {
            do { try body(); return "" } catch { return "\(error)" }
        }
        var m = MemcgConfiguration()
        #expect(message { _ = try m.set("memcg.a..b.max", "1M") }.contains("expected a cgroup path such as A/B between 'memcg.' and '.max'"))
        #expect(message { _ = try m.set("memcg.A.colour", "red") }.contains("expected memcg.[<path>.]<max|high|low|min|swap.max|oom_group|pids|images>"))
        #expect(message { _ = try m.set("memcg.A.pids", "12,x") }.contains("memcg.A.pids=12,x: expected pids such as 1234,1240"))
        #expect(message { _ = try m.set("memcg.A.max", "lots") }.contains("expected a size such as 128M, or max"))
        #expect(message { _ = try m.set("memcg.A.oom_group", "2") }.contains("expected 0 or 1"))
        var c = CpusetConfiguration()
        #expect(message { _ = try c.set("cpuset.x y.mems", "0") }.contains("expected a cpuset path such as ltp or A/B"))
        #expect(message { _ = try c.set("cpuset.A.images", "") }.contains("expected executable names such as oom04,bash"))
        #expect(message { _ = try c.set("cpuset.A.mems", "") }.contains("expected a node list"))
        #expect(message { _ = try c.set("cpuset.A.cpus", "0") }.contains("expected cpuset.[<path>.]<mems|pids|images>"))
    }
}
