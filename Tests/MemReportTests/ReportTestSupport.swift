import Foundation

/// The package root, for the committed sample traces and the built binary.
enum ReportTestSupport {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}
