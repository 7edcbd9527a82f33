import Foundation
import Testing
import MemTrace
@testable import MemModel

/// `--machine host` has the memory MemTotal says, also where zoneinfo's managed pages lag
/// behind (deferred struct-page initialisation done on demand).
@Suite struct MachineHostTests {
    static let readable = FileManager.default.isReadableFile(atPath: "/proc/meminfo")
        && FileManager.default.isReadableFile(atPath: "/proc/zoneinfo")

    @Test func deferredPagesGrowTheHighestZonesUpToTheirPresentPages() {
        let zones = [ZoneLayout(type: .dma, startPFN: 1, spanned: 4095, present: 3998, managed: 3840),
                     ZoneLayout(type: .dma32, startPFN: 4096, spanned: 1_044_480, present: 782_336, managed: 772_848),
                     ZoneLayout(type: .normal, startPFN: 1 << 20, spanned: 5_505_024, present: 5_505_024, managed: 1_638_400)]
        // This host at boot: MemTotal 24,683,784 kB = 6,170,946 pages.
        let grown = MachineConfiguration.grownZones([NodeLayout(zones: zones)], totalPages: 6_170_946)
        #expect(grown[0].zones.map(\.managed) == [3840, 772_848, 6_170_946 - 3840 - 772_848])
        // Nothing deferred: unchanged; more than present: capped at present.
        #expect(MachineConfiguration.grownZones([NodeLayout(zones: zones)], totalPages: 2_415_088) == [NodeLayout(zones: zones)])
        let capped = MachineConfiguration.grownZones([NodeLayout(zones: zones)], totalPages: 7_000_000)
        #expect(capped[0].zones[2].managed == 5_505_024)
    }

    @Test(.enabled(if: readable)) func hostMemTotalIsTheKernels() throws {
        let text = try String(contentsOfFile: "/proc/meminfo", encoding: .utf8)
        let memTotal = try #require(text.split(separator: "\n").first { $0.hasPrefix("MemTotal:") }
            .flatMap { $0.split(separator: " ").dropFirst().first }.flatMap { UInt64($0) })
        let kernel = LinuxKernel(configuration: try MachineConfiguration.host())
        let modelled = try #require(kernel.meminfoFields().first { $0.0 == "MemTotal" }?.1)
        #expect(modelled == memTotal)
    }
}
