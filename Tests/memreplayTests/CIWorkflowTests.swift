import Foundation
import TestSupport
import Testing

/// docs/ci.md's GitHub Actions workflow is valid YAML with the steps it describes, and its local
/// twin, scripts/ci-local.sh, runs the same commands.
@Suite struct CIWorkflowTests {
    static func workflow() throws -> String {
        let doc = try String(contentsOf: CLI.packageRoot.appendingPathComponent("docs/ci.md"), encoding: .utf8)
        guard let start = doc.range(of: "```yaml\n"), let end = doc.range(of: "\n```", range: start.upperBound..<doc.endIndex) else {
            Issue.record("docs/ci.md has no yaml block"); return ""
        }
        return String(doc[start.upperBound..<end.lowerBound])
    }

    @Test func workflowIsValidYAML() throws {
        let yaml = try Self.workflow()
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("memory.yml")
        try Data(yaml.utf8).write(to: file)
        let script = """
            import sys, yaml
            w = yaml.safe_load(open(sys.argv[1]))
            steps = w["jobs"]["replay"]["steps"]
            print("|".join(s.get("name", s.get("uses", "")) for s in steps))
            print(sorted(w[True].keys()) if True in w else sorted(w["on"].keys()))
            """
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/python3") else {
            print("CIWorkflowTests: skipped: no python3 to parse YAML"); return
        }
        let r = try Subprocess.run("/usr/bin/python3", ["-c", script, file.path])
        let text = r.stdout, error = r.stderr
        if error.contains("No module named 'yaml'") { print("CIWorkflowTests: skipped: python3-yaml is not installed"); return }
        #expect(r.status == 0, "\(error)")
        #expect(text.hasPrefix("actions/checkout@v4|Dependencies|Build the base|Build the head|Replay on both|Diff|actions/upload-artifact@v4|Comment|Gate\n"), "\(text)")
        #expect(text.contains("['pull_request']"))
    }

    /// The workflow's replay and diff commands, run locally: both sides the same build, so it passes.
    @Test func localRunOfTheWorkflowCommands() throws {
        let dir = try CLI.tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let r = try Subprocess.run("/bin/bash", ["scripts/ci-local.sh", CLI.binary.path, CLI.binary.path, "traces/mappings-16m.mrt", dir.path],
                                   cwd: CLI.packageRoot.path)
        let text = r.stdout
        #expect(r.status == 0, "\(r.stderr)")
        #expect(text.hasPrefix("**OK** — all "), "\(text.prefix(300))")
        #expect(text.contains("### By phase"))
        #expect(FileManager.default.fileExists(atPath: dir.appendingPathComponent("memory-report.html").path))
        let yaml = try Self.workflow()
        for command in ["replay \"$TRACE\" -o base.db -q", "report head.db --base base.db -o memory-report.html",
                        "diff base.db head.db $THRESHOLDS --group phase > diff.md"] {
            #expect(yaml.contains(command), "\(command)")
        }
    }
}
