/// The objects one process image registered over its whole recording, with when, and when it
/// unmapped or replaced address ranges: what names the frames of faults taken before the
/// interposer registered the objects they lie in (its own start-up, ld.so relocating the
/// libraries), for `FaultStackResolver`.
///
/// A frame at `pc` taken at tick `t` in no object known at `t` lies in the first object registered
/// at or after `t` whose extent holds `pc`, provided no `munmap`, moving `mremap` or `mmap` of the
/// process touched `pc`'s address between `t` and that registration (then the range may have held
/// something else when the fault was taken).
struct LaterObjects {
    /// One `object` record: its tick and the object as `RecordingStacks.take` reads it.
    struct Entry: Equatable {
        var tick: UInt64
        var record: RecordingStacks.ObjectRecord
    }

    /// A range unmapped or mapped over at `tick`: `start..<end`.
    struct Change: Equatable {
        var tick: UInt64
        var start: UInt64
        var end: UInt64
    }

    /// Registrations, in tick order.
    private(set) var entries: [Entry]
    /// Address-space changes, in tick order.
    private(set) var changes: [Change]

    init(entries: [Entry], changes: [Change]) {
        self.entries = entries.sorted { $0.tick < $1.tick }
        self.changes = changes.sorted { $0.tick < $1.tick }
    }

    /// Scans every thread of segment `s` (a damaged stream ends its thread's scan where it breaks).
    init(segment s: RecorderSegment) {
        var entries: [Entry] = [], changes: [Change] = []
        for thread in s.threads.indices {
            var cursor = RecorderCursor(segment: s, thread: thread)
            while let e = try? cursor.next() {
                switch e.op {
                case .object:
                    entries.append(Entry(tick: e.tick, record: RecordingStacks.ObjectRecord(e, segment: s)))
                case .munmap:
                    changes.append(Change(tick: e.tick, start: e[0], end: e[0] &+ e[1]))
                case .mremap:
                    changes.append(Change(tick: e.tick, start: e[0], end: e[0] &+ e[1]))
                case .mmap where e.signed(6) >= 0:
                    changes.append(Change(tick: e.tick, start: e[6], end: e[6] &+ e[1]))
                default:
                    break
                }
            }
        }
        self.init(entries: entries, changes: changes)
    }

    /// The first object registered at or after `tick` holding return address `pc` (like
    /// `RecordingStacks.object(containing:from:)`, `pc − 1` inside the extent), unless the
    /// address changed hands in between.
    func object(containing pc: UInt64, at tick: UInt64) -> RecordingStacks.ObjectRecord? {
        guard pc > 0 else { return nil }
        let address = pc - 1
        guard let entry = entries.first(where: { $0.tick >= tick && $0.record.holds(address) }) else { return nil }
        let changed = changes.contains { $0.tick >= tick && $0.tick <= entry.tick && $0.start <= address && address < $0.end }
        return changed ? nil : entry.record
    }
}
