import Foundation
import Testing
@testable import MemModel

/// `--machine host`: the model rebuilt from this host's /proc/zoneinfo computes the host's own
/// watermarks, lowmem reserves and min_free_kbytes.
@Suite struct PhysicalHostTests {
    static let readable = FileManager.default.isReadableFile(atPath: "/proc/zoneinfo")
        && FileManager.default.isReadableFile(atPath: "/proc/sys/vm/min_free_kbytes")

    /// min, low, high and protection per "Node N, zone NAME", from zoneinfo text.
    static func marks(_ text: String) -> [String: [String]] {
        var out: [String: [String]] = [:]
        var key = ""
        for raw in text.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("Node ") { key = line.split(separator: " ").filter { !$0.isEmpty }.joined(separator: " "); continue }
            for f in ["min ", "low ", "high ", "spanned ", "present ", "managed ", "protection:"] where line.hasPrefix(f) {
                out[key, default: []].append(line.split(separator: " ").filter { !$0.isEmpty }.joined(separator: " "))
            }
        }
        return out
    }

    @Test(.enabled(if: readable)) func hostZonesWatermarksAndMinFreeKbytes() throws {
        // Read once: the host's managed pages can change (memory hot-plug, balloons).
        let text = try String(contentsOfFile: "/proc/zoneinfo", encoding: .utf8)
        var c = try PhysicalConfiguration.host()
        c.nodes = try PhysicalConfiguration.parseZoneinfo(text)
        c.minFreeKbytes = nil
        let m = PhysicalMemory(configuration: c, memoryBytes: 0, kernelReservedBytes: 0)
        let actual = try String(contentsOfFile: "/proc/sys/vm/min_free_kbytes", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(String(m.computedMinFreeKbytes) == actual)
        let host = PhysicalHostTests.marks(text)
        var checked = 0
        for z in m.zones where z.isPopulated {
            let key = "Node \(z.node), zone \(z.type.name)"
            let mine = ["min \(z.minMark)", "low \(z.lowMark)", "high \(z.highMark)", "spanned \(z.layout.spanned)",
                        "present \(z.layout.present)", "managed \(z.layout.managed)",
                        "protection: (" + z.lowmemReserve.map(String.init).joined(separator: ", ") + ")"]
            #expect(host[key] == mine, "\(key)")
            checked += 1
        }
        #expect(checked > 0)
    }

    @Test func zoneinfoParserNamesTheLineOfBadInput() {
        #expect(throws: ConfigurationError.self) { try PhysicalConfiguration.parseZoneinfo("Node x, zone DMA\n", path: "zi") }
        do { _ = try PhysicalConfiguration.parseZoneinfo("Node 0, zone DMA\n  spanned  abc\n", path: "zi") } catch {
            #expect("\(error)".contains("zi: line 2"))
        }
    }
}
