import Foundation
import MemTrace

extension RecorderProcess {
    /// How the page faults of a `--accesses faults` recording were captured.
    struct FaultCapture {
        /// `perf:exceptions:page_fault_user+kernel`, `perf:page-faults` or `pagemap`.
        var source: String
        var samples: UInt64
        var lost: UInt64
        var execs: UInt64 = 0
        /// The kernel's own counts for the tree (perf counting events); nil without perf.
        var minorFaults: UInt64?
        var majorFaults: UInt64?
        /// The largest peak RSS (VmHWM at exit) of any process of the tree, in kB: wait4's
        /// `ru_maxrss`, which the kernel folds up from every waited-for descendant and every
        /// image an exec replaced.
        var maxRSSKB: Int?
        /// Set when perf was refused and the pagemap scanner stood in.
        var warning: String?
        /// `--stacks fp|dwarf`: stack records written with the samples, and how many of them
        /// repeated their thread's previous one (`FaultStackSpoolWriter`).
        var stackRecords: UInt64 = 0
        var stackRepeats: UInt64 = 0

        /// The header attributes that say how touches were captured.
        var attributes: [String: String] {
            var a = ["recorder.fault_source": source, "recorder.fault_samples": String(samples),
                     "recorder.fault_samples_lost": String(lost)]
            if let minorFaults { a["recorder.real_minor_faults"] = String(minorFaults) }
            if let majorFaults { a["recorder.real_major_faults"] = String(majorFaults) }
            if let maxRSSKB { a["recorder.real_max_rss_kb"] = String(maxRSSKB) }
            if stackRecords > 0 {
                a["recorder.fault_stack_records"] = String(stackRecords)
                a["recorder.fault_stack_repeats"] = String(stackRepeats)
            }
            return a
        }
    }

    /// Runs `command` with the interposer preloaded and every page fault of it, its threads and
    /// its children captured into `spool` (`record --accesses faults`).
    ///
    /// The child is forked and waits on a pipe until the perf events are open on it with
    /// `enable_on_exec`, so counting starts exactly at its exec. When perf is refused the child
    /// runs at once and `PagemapTouchScanner` scans its pages on a timer instead.
    static func runCapturingFaults(command: [String], library: String, directory: String, followForks: Bool,
                                   spool: String, stacks: FaultStackMode = .none) throws -> (Outcome, FaultCapture) {
        guard let exe = resolveExecutable(command[0]) else { throw UsageFailure("\(command[0]): not found in PATH") }
        let env = environment(library: library, directory: directory, followForks: followForks)
        let cArgs = command.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup($0) } + [nil]
        let cPath = strdup(exe)
        defer { for p in cArgs { free(p) }; for p in cEnv { free(p) }; free(cPath) }
        var go: [Int32] = [-1, -1], report: [Int32] = [-1, -1]
        guard pipe(&go) == 0, pipe(&report) == 0 else { throw UsageFailure("cannot create a pipe: \(String(cString: strerror(errno)))") }
        _ = fcntl(report[1], F_SETFD, FD_CLOEXEC)
        _ = fcntl(report[0], F_SETFD, FD_CLOEXEC)
        _ = fcntl(go[1], F_SETFD, FD_CLOEXEC)
        let pid = fork()
        if pid == 0 {
            // The child: only async-signal-safe calls on memory prepared before the fork.
            close(go[1]); close(report[0])
            var byte: UInt8 = 0
            while read(go[0], &byte, 1) < 0 && errno == EINTR {}
            close(go[0])
            execve(cPath!, cArgs, cEnv)
            var e = errno
            _ = write(report[1], &e, 4)
            _exit(127)
        }
        close(go[0]); close(report[1])
        guard pid > 0 else {
            close(go[1]); close(report[0])
            throw UsageFailure("\(command[0]): cannot fork: \(String(cString: strerror(errno)))")
        }
        var collector: PerfFaultCollector?
        var warning: String?
        do {
            collector = try PerfFaultCollector(pid: pid, spoolPath: spool, stacks: stacks)
        } catch let e as PerfFaultCollector.Unavailable {
            warning = "\(e.description); falling back to scanning /proc/PID/pagemap present bits on a timer "
                + "(coarser: touches carry the scan's time, direction unknown"
                + (stacks == .none ? "" : "; page faults get no call stacks, only allocation calls do") + "). As root: sysctl kernel.perf_event_paranoid=2"
        }
        var byte: UInt8 = 1
        _ = write(go[1], &byte, 1)
        close(go[1])
        var execErrno: Int32 = 0
        var n = 0
        repeat { n = read(report[0], &execErrno, 4) } while n < 0 && errno == EINTR
        close(report[0])
        var scanner: PagemapTouchScanner?
        if n != 4 && collector == nil { scanner = try? PagemapTouchScanner(root: pid, spoolPath: spool) }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            if errno != EINTR { throw UsageFailure("\(command[0]): waitpid failed: \(String(cString: strerror(errno)))") }
        }
        if n == 4 {
            _ = try? collector?.finish()
            throw UsageFailure("\(command[0]): cannot start: \(String(cString: strerror(execErrno)))")
        }
        let exited = status & 0x7f == 0
        let outcome = Outcome(pid: UInt32(pid), status: exited ? (status >> 8) & 0xff : -(status & 0x7f))
        if let collector {
            let s = try collector.finish()
            var capture = FaultCapture(source: collector.source.rawValue, samples: s.samples, lost: s.lost, execs: s.execs,
                                       minorFaults: s.minorFaults, majorFaults: s.majorFaults, maxRSSKB: usage.ru_maxrss)
            (capture.stackRecords, capture.stackRepeats) = collector.stackRecords
            return (outcome, capture)
        }
        let s = try scanner?.finish() ?? PagemapTouchScanner.Statistics()
        if scanner == nil { FileManager.default.createFile(atPath: spool, contents: nil) }
        return (outcome, FaultCapture(source: "pagemap", samples: s.touches, lost: 0, maxRSSKB: usage.ru_maxrss, warning: warning))
    }
}
