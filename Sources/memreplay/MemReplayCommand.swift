import ArgumentParser
import Foundation
import MemTrace

/// The `memreplay` command: record or synthesize memory traces, replay them through the model,
/// and query and compare the results.
struct MemReplayCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "memreplay",
        abstract: "Replay memory traces through a model of allocator, Linux kernel and hardware; store every outcome in SQLite.",
        discussion: """
            Exit status: 0 success; 1 a regression found by `diff`; 2 bad usage or bad input.

            Example:
              memreplay synth mappings --size 256M -o m.mrt
              memreplay replay m.mrt -o m.db
              memreplay query m.db queries/phase-summary.sql
            """,
        version: MemReplayVersionInfo.version,
        subcommands: [RecordCommand.self, ConvertCommand.self, SynthCommand.self, ImportCommand.self, InspectCommand.self, ReplayCommand.self, QueryCommand.self,
                      DiffCommand.self, MetricsCommand.self, ReportCommand.self, StacksCommand.self, ProcCommand.self, SymbolizeCommand.self, DemoCommand.self])
}

enum MemReplayVersionInfo {
    static let version = "0.1.0"
}

/// Ends the program with a specific status after output was printed (for example 1 from `diff`).
struct ExitStatus: Error {
    var code: Int32
}

/// A failure with a message for the user; exits 2.
struct UsageFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

@main
enum Main {
    static func main() {
        TemporaryFiles.installSignalHandlers()
        do {
            var command = try MemReplayCommand.parseAsRoot()
            try command.run()
            fflush(nil)
        } catch let status as ExitStatus {
            fflush(nil)
            exit(status.code)
        } catch {
            fflush(nil)
            let code = MemReplayCommand.exitCode(for: error)
            if code == .success { MemReplayCommand.exit(withError: error) }
            FileHandle.standardError.write(Data(("memreplay: " + MemReplayCommand.fullMessage(for: error) + "\n").utf8))
            exit(2)
        }
    }
}
