import Foundation
import TestSupport
import Testing

/// `memreplay proc maps|smaps|status|free|free-3.3` on runs: /proc/PID/maps of a recorded C
/// program compared byte for byte with what the kernel printed for it, and free(1) across the
/// steps of seed 000's experiment.
@Suite(.serialized) struct ProcViewsCLITests {
    static let cc = ["/usr/bin/cc", "/usr/bin/gcc"].first { FileManager.default.isExecutableFile(atPath: $0) }

    /// One value of a query's CSV output (the first column of its first row).
    static func scalar(_ db: String, _ sql: String) throws -> String {
        let r = try CLI.run(["query", db, sql, "--format", "csv"])
        #expect(r.status == 0, "\(r.stderr)")
        return r.stdout.split(separator: "\n").dropFirst().first.map(String.init) ?? ""
    }

    /// The fields of a maps line: range, permissions, offset, device, inode, name (nil when none),
    /// and the byte offset the name starts at.
    static func fields(_ line: Substring) -> (head: [Substring], name: Substring?, nameAt: Int?) {
        let head = line.split(separator: " ", maxSplits: 5, omittingEmptySubsequences: true)
        guard head.count == 6 else { return (head, nil, nil) }
        let name = head[5].drop { $0 == " " }
        return (Array(head.prefix(5)), name, line.utf8.count - name.utf8.count)
    }

    /// The VMAs of an smaps text: the maps line (newline included) and label → trimmed value.
    static func smapsBlocks(_ text: String) -> [(header: String, fields: [String: String])] {
        var out: [(header: String, fields: [String: String])] = []
        for line in text.split(separator: "\n") {
            let first = line.split(separator: " ").first ?? ""
            let range = first.split(separator: "-")
            if range.count == 2 && range.allSatisfy({ UInt64($0, radix: 16) != nil }) {
                out.append((String(line) + "\n", [:])); continue
            }
            guard !out.isEmpty, let colon = line.firstIndex(of: ":") else { continue }
            out[out.count - 1].fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return out
    }

    @Test(.enabled(if: cc != nil)) func mapsOfARecordedProgramMatchTheKernel() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let exe = dir.appendingPathComponent("maps").path
        let build = try Subprocess.run(ProcViewsCLITests.cc!, ["-O1", "-o", exe, CLI.packageRoot.appendingPathComponent("Tests/Fixtures/procviews/maps.c").path])
        try #require(build.status == 0, "\(build)")
        let trace = dir.appendingPathComponent("maps.mrt").path, db = dir.appendingPathComponent("maps.db").path
        // The program prints its own /proc/self/maps as its last act before exit. With call
        // stacks (`--stacks dwarf`, the default) the recorder maps its stack arena MAP_NORESERVE;
        // the kernel keeps it apart from an anonymous neighbour (vm_flags differ), and so must
        // the replay, from the flags in the recorder's `.own` list.
        let rec = try CLI.run(["record", "--quiet", "--stacks", "dwarf", "-o", trace, "--", exe, dir.path])
        try #require(rec.status == 0, "\(rec.stderr)")
        let parts = rec.stdout.components(separatedBy: "==== smaps\n")
        try #require(parts.count == 2)
        let rest = parts[1].components(separatedBy: "==== status\n")
        try #require(rest.count == 2)
        let tail = rest[1].components(separatedBy: "==== smaps_rollup\n")
        try #require(tail.count == 2)
        let printed = parts[0], realSmaps = rest[0], realStatus = tail[0], realRollup = tail[1]
        #expect(printed.contains("[heap]\n") && printed.contains("/data.bin\n") && printed.contains("200000000-200002000 rw-p"))
        let replay = try CLI.run(["replay", trace, "-o", db, "-q"])
        try #require(replay.status == 0, "\(replay.stderr)")
        let last = try #require(UInt64(try ProcViewsCLITests.scalar(db, "SELECT MAX(seq) FROM events")))
        let pid = try ProcViewsCLITests.scalar(db, "SELECT pid FROM events ORDER BY seq DESC LIMIT 1")
        // The last event is the exit; the view shows the state right before the recorder's own
        // work at exit (its last flush maps zstd's workspace and faults in it: regions and
        // touches placed before the exit), i.e. when the program printed its maps.
        let programsLast = try ProcViewsCLITests.scalar(db, """
            SELECT MAX(e.seq) FROM events e LEFT JOIN accesses a USING(seq) LEFT JOIN memory_calls m USING(seq)
            WHERE e.seq < \(last) AND NOT (a.seq IS NOT NULL AND a.kind >= 4) AND NOT (m.seq IS NOT NULL AND m.op = 11)
            """)
        let r = try CLI.run(["proc", "maps", db, "--at", programsLast, "--pid", pid])
        try #require(r.status == 0, "\(r.stderr)")
        let kernel = printed.split(separator: "\n", omittingEmptySubsequences: false)
        let model = r.stdout.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(kernel.count == model.count, "kernel:\n\(printed)\nmodel:\n\(r.stdout)")
        // Byte for byte, the shared anonymous mapping's shmem inode included (the recorder reads it
        // from /proc/self/maps after the mmap and passes it in the event's offset).
        var identical = 0
        for (k, m) in zip(kernel, model) {
            #expect(k == m, "kernel: \(k)\nmodel:  \(m)")
            if k == m { identical += 1 }
        }
        #expect(printed.contains("/dev/zero (deleted)"))
        #expect(identical == kernel.count, "kernel:\n\(printed)\nmodel:\n\(r.stdout)")
        #expect(identical > 20)
        // smaps of the same moment: the maps lines with a block each. Without recorded accesses
        // the model has faulted no page in, so Rss and the like are 0 here (ProcViewsTests checks
        // them); what the kernel printed must agree on each VMA's size, THPeligible and VmFlags
        // (the host kernel may build without soft-dirty: `sd` is compared only when it prints it).
        let s = try CLI.run(["proc", "smaps", db, "--at", programsLast, "--pid", pid])
        #expect(s.status == 0, "\(s.stderr)")
        let mine = ProcViewsCLITests.smapsBlocks(s.stdout), theirs = ProcViewsCLITests.smapsBlocks(realSmaps)
        #expect(mine.map(\.header).joined() == r.stdout)
        #expect(mine.count == theirs.count)
        let hostSoftDirty = realSmaps.contains(" sd \n")
        for (a, b) in zip(theirs, mine) {
            #expect(a.fields["Size"] == b.fields["Size"], "\(a.header)")
            #expect(b.fields["KernelPageSize"] == "4 kB" && b.fields["MMUPageSize"] == "4 kB")
            let flags = hostSoftDirty ? b.fields["VmFlags"] : b.fields["VmFlags"]?.replacingOccurrences(of: " sd", with: "")
            #expect(a.fields["VmFlags"] == flags, "\(a.header)")
            #expect(a.fields["THPeligible"] == b.fields["THPeligible"], "\(a.header)")   // no VMA here can take a THP
        }
        // smaps_rollup: the same header line (first VMA's start to last VMA's end) and fields.
        let rollup = try CLI.run(["proc", "smaps_rollup", db, "--at", programsLast, "--pid", pid])
        #expect(rollup.status == 0, "\(rollup.stderr)")
        let realRollupLines = realRollup.split(separator: "\n"), rollupLines = rollup.stdout.split(separator: "\n")
        #expect(rollupLines.first == realRollupLines.first)
        #expect(rollupLines.map { $0.split(separator: ":").first! }.dropFirst().allSatisfy { label in
            realRollupLines.contains { $0.hasPrefix(label + ":") } })
        // status: the lines that follow from the VMAs are the kernel's, byte for byte (RSS and
        // VmPTE need the pages the accesses fault in, which this recording does not have).
        let st = try CLI.run(["proc", "status", db, "--at", programsLast, "--pid", pid])
        #expect(st.status == 0, "\(st.stderr)")
        let realLines = Set(realStatus.split(separator: "\n"))
        for label in ["Name", "VmPeak", "VmSize", "VmLck", "VmPin", "VmData", "VmStk", "VmExe", "VmLib", "VmSwap",
                      "HugetlbPages", "Threads", "Pid", "Tgid"] {
            let line = st.stdout.split(separator: "\n").first { $0.hasPrefix(label + ":\t") }
            #expect(line != nil && realLines.contains(line!), "\(label): model \(line ?? "none")\nkernel:\n\(realStatus)")
        }
    }

    @Test func freeAcrossSeed000Steps() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = dir.appendingPathComponent("m.mrt").path, db = dir.appendingPathComponent("m.db").path
        let size: Int64 = 64 << 10                                  // 64 MiB in kB
        #expect(try CLI.run(["synth", "mappings", "--size", "64M", "-o", trace]).status == 0)
        #expect(try CLI.run(["replay", trace, "-o", db, "-q"]).status == 0)
        let q = try CLI.run(["query", db, "SELECT name, start_seq FROM v_phases ORDER BY start_seq", "--format", "csv"])
        let phases = q.stdout.split(separator: "\n").dropFirst().map { $0.split(separator: ",") }
        #expect(phases.map { String($0[0]) } == ["baseline", "shared-file-read", "private-file-write", "private-anon-write",
                                                  "shared-anon-write", "done"])
        // free -k of procps 3.3 (the seed's) at the start of every phase.
        var rows: [[Int64]] = []
        for p in phases {
            let r = try CLI.run(["proc", "free-3.3", db, "--at", String(p[1])])
            #expect(r.status == 0, "\(r.stderr)")
            let lines = r.stdout.split(separator: "\n")
            #expect(lines.first == "              total        used        free      shared  buff/cache   available")
            rows.append(lines[1].split(separator: " ").dropFirst().compactMap { Int64($0) })
        }
        // Columns: total used free shared buff/cache available. The step of phase i runs from its
        // start to the next phase's start.
        func delta(_ i: Int, _ column: Int) -> Int64 { rows[i + 1][column] - rows[i][column] }
        // At the seed's resolution (it reads "about 1G"): within 1/256 of the size, which holds
        // the page tables the model allocates for the mapped range (2 MiB per GiB with 4 KiB pages).
        func about(_ v: Int64, _ expected: Int64) -> Bool { abs(v - expected) <= size / 256 }
        let (used, shared, buffCache) = (1, 3, 4)
        #expect(about(delta(1, used), 0) && about(delta(1, buffCache), size) && delta(1, shared) == 0, "\(rows)")
        #expect(about(delta(2, used), size) && about(delta(2, buffCache), size) && delta(2, shared) == 0, "\(rows)")
        #expect(about(delta(3, used), size) && about(delta(3, buffCache), 0) && delta(3, shared) == 0, "\(rows)")
        #expect(about(delta(4, used), 0) && about(delta(4, buffCache), size) && delta(4, shared) == size, "\(rows)")
        // The page tables are real pages: used grows by more than nothing when only the cache grows.
        #expect(delta(1, used) > 0)
        // procps-ng 4.0.2's free at the end: used = total − available.
        let f = try CLI.run(["proc", "free", db])
        let mem = f.stdout.split(separator: "\n")[1].split(separator: " ").dropFirst().compactMap { Int64($0) }
        #expect(mem.count == 6 && mem[1] == mem[0] - mem[5])
    }

    @Test func perProcessViewsNeedALiveProcess() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let trace = dir.appendingPathComponent("m.mrt").path, db = dir.appendingPathComponent("m.db").path
        #expect(try CLI.run(["synth", "mappings", "--size", "4M", "-o", trace]).status == 0)
        #expect(try CLI.run(["replay", trace, "-o", db, "-q"]).status == 0)
        let noPID = try CLI.run(["proc", "maps", db])
        #expect(noPID.status == 2 && noPID.stderr.contains("needs --pid"))
        let missing = try CLI.run(["proc", "status", db, "--pid", "77"])
        #expect(missing.status == 2 && missing.stderr.contains("process 77"), "\(missing.stderr)")
        let pid = try ProcViewsCLITests.scalar(db, "SELECT pid FROM events ORDER BY seq LIMIT 1")
        let ok = try CLI.run(["proc", "smaps", db, "--at", "10", "--pid", pid])
        #expect(ok.status == 0 && ok.stdout.contains("VmFlags: "), "\(ok.stderr)")
    }
}
