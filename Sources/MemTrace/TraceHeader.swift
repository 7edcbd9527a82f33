/// The header of a trace: what produced it, from which command, on which host, and the address
/// space of each process present at the start.
///
/// Stored as JSON after the file magic (see docs/trace-format.md), so it stays readable and can
/// grow fields without a format change.
public struct TraceHeader: Codable, Hashable, Sendable {
    /// The trace format version this header was written with.
    public var formatVersion: Int
    /// What wrote the trace: `memreplay-record`, `memreplay-synth`, `memreplay-import-lackey`.
    public var producer: String
    /// The producer's version.
    public var producerVersion: String
    /// The recorded command line, or the synthesizer and its options.
    public var commandLine: [String]
    /// The machine the trace was recorded on (empty for synthesized traces).
    public var host: HostDescription
    /// Processes present at the start, each with its initial address space.
    public var processes: [InitialProcess]
    /// Free-form key/value facts (synthesizer options, recorder settings).
    public var attributes: [String: String]

    public init(formatVersion: Int = TraceFormat.version, producer: String, producerVersion: String,
                commandLine: [String], host: HostDescription = HostDescription(),
                processes: [InitialProcess] = [], attributes: [String: String] = [:]) {
        self.formatVersion = formatVersion; self.producer = producer; self.producerVersion = producerVersion
        self.commandLine = commandLine; self.host = host; self.processes = processes; self.attributes = attributes
    }
}

/// The host a trace was recorded on.
public struct HostDescription: Codable, Hashable, Sendable {
    public var hostname: String
    public var kernelRelease: String
    public var architecture: String
    public var cpus: Int
    public var memoryBytes: UInt64
    public var pageSize: Int

    public init(hostname: String = "", kernelRelease: String = "", architecture: String = "",
                cpus: Int = 0, memoryBytes: UInt64 = 0, pageSize: Int = Int(Page.size)) {
        self.hostname = hostname; self.kernelRelease = kernelRelease; self.architecture = architecture
        self.cpus = cpus; self.memoryBytes = memoryBytes; self.pageSize = pageSize
    }
}

/// A process present when the trace starts, with its address space as /proc/PID/maps showed it.
public struct InitialProcess: Codable, Hashable, Sendable {
    public var pid: UInt32
    public var parent: UInt32
    public var executable: String
    public var regions: [MappedRegion]

    public init(pid: UInt32, parent: UInt32 = 0, executable: String, regions: [MappedRegion] = []) {
        self.pid = pid; self.parent = parent; self.executable = executable; self.regions = regions
    }
}

/// One line of /proc/PID/maps.
public struct MappedRegion: Codable, Hashable, Sendable {
    public var start: UInt64
    public var end: UInt64
    /// The four permission characters, for example `r-xp` or `rw-s`.
    public var permissions: String
    public var offset: UInt64
    /// `MM:mm` device numbers in hex, as maps prints them.
    public var device: String
    public var inode: UInt64
    /// File path, `[heap]`, `[stack]`, `[vdso]`, … or empty for anonymous memory.
    public var path: String

    public init(start: UInt64, end: UInt64, permissions: String, offset: UInt64 = 0, device: String = "00:00",
                inode: UInt64 = 0, path: String = "") {
        self.start = start; self.end = end; self.permissions = permissions; self.offset = offset
        self.device = device; self.inode = inode; self.path = path
    }

    /// The protection the permission characters give.
    public var protection: Protection {
        var p: Protection = []
        let c = Array(permissions)
        if c.count > 0 && c[0] == "r" { p.insert(.read) }
        if c.count > 1 && c[1] == "w" { p.insert(.write) }
        if c.count > 2 && c[2] == "x" { p.insert(.execute) }
        return p
    }
    /// True for a shared mapping (`s` as the fourth permission character).
    public var isShared: Bool { permissions.count >= 4 && Array(permissions)[3] == "s" }
}
