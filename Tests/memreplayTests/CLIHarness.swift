import Foundation
import TestSupport
import Testing

/// Runs the built `memreplay` binary and captures its output and exit status.
struct CLI {
    struct Result { var status: Int32; var stdout: String; var stderr: String }

    /// The memreplay executable next to the test bundle (SwiftPM builds it as a dependency).
    static let binary: URL = {
        let here = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for dir in [here, here.deletingLastPathComponent(), here.deletingLastPathComponent().deletingLastPathComponent()] {
            let candidate = dir.appendingPathComponent("memreplay")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/memreplay")
    }()

    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Runs memreplay with `args` (through `Subprocess`: output in files, killed after `timeout` s).
    @discardableResult
    static func run(_ args: [String], cwd: URL? = nil, environment: [String: String] = [:], input: String? = nil,
                    timeout: Double = 600) throws -> Result {
        let r = try Subprocess.run(binary.path, args, cwd: cwd?.path, addingEnvironment: environment, input: input, timeout: timeout)
        return Result(status: r.status, stdout: r.stdout, stderr: r.stderr)
    }

    /// The first row of `sql` on run database `db` (`query --format csv`, header dropped).
    static func firstRow(_ db: String, _ sql: String) throws -> String {
        let r = try run(["query", db, sql, "--format", "csv"])
        try #require(r.status == 0, "\(r.stderr)")
        return try #require(r.stdout.split(separator: "\n").dropFirst().first.map(String.init), "no row for \(sql)")
    }

    /// The single number `sql` returns from run database `db`.
    static func value(_ db: String, _ sql: String) throws -> Double {
        let row = try firstRow(db, sql)
        return try #require(Double(row), "\(sql): \(row)")
    }

    /// A fresh temporary directory.
    static func tempDir() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("memreplay-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }
}
