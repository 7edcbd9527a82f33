/// Encodes records into the raw (uncompressed) payload of one block.
///
/// Keeps the per-thread delta state of docs/trace-format.md: it writes a context record before the
/// first event of the block and whenever the acting (pid, tid) changes, a time record before an
/// access whose time differs from its thread's current time, and delta-codes access addresses
/// (separately for instruction fetches and data) and heap pointers per thread.
struct BlockEncoder {
    /// The raw payload so far.
    private(set) var bytes: [UInt8] = []
    /// Events (not codec records) in the payload.
    private(set) var eventCount = 0

    private var current = ThreadCodecState()
    private var currentKey: UInt64 = 0
    private var hasContext = false
    private var others: [UInt64: ThreadCodecState] = [:]

    init(capacity: Int = 1 << 18) { bytes.reserveCapacity(capacity) }

    /// Starts a new block: empties the payload and forgets all delta state.
    mutating func reset() {
        bytes.removeAll(keepingCapacity: true)
        eventCount = 0
        current = ThreadCodecState()
        hasContext = false
        others.removeAll(keepingCapacity: true)
    }

    /// Appends a string definition record.
    mutating func defineString(_ id: StringID, _ text: String) {
        bytes.append(RecordTag.string)
        Varint.append(UInt64(id.rawValue), to: &bytes)
        let utf8 = Array(text.utf8)
        Varint.append(UInt64(utf8.count), to: &bytes)
        bytes.append(contentsOf: utf8)
    }

    /// Appends one event record (and whatever context or time record it needs first).
    mutating func encode(_ record: TraceRecord) {
        let key = UInt64(record.pid.rawValue) << 32 | UInt64(record.tid.rawValue)
        if !hasContext || key != currentKey { switchContext(key, record.pid, record.tid) }
        eventCount += 1
        switch record.event {
        case .access(let a) where a.kind.isTouch:
            if record.time < current.time {
                bytes.append(RecordTag.time)
                Varint.appendSigned(Int64(bitPattern: record.time &- current.time), to: &bytes)
                current.time = record.time
            }
            encodeTouch(a, time: record.time)
        case .access(let a):
            if record.time != current.time {
                bytes.append(RecordTag.time)
                Varint.appendSigned(Int64(bitPattern: record.time &- current.time), to: &bytes)
                current.time = record.time
            }
            encodeAccess(a)
        case .process(let e):
            beginEvent(EventKind.processBase + e.op.rawValue, time: record.time)
            var present: UInt64 = 0
            if e.process != .none { present |= 1 }
            if e.thread != .none { present |= 2 }
            if e.image != .none { present |= 4 }
            if e.status != 0 { present |= 8 }
            Varint.append(present, to: &bytes)
            if present & 1 != 0 { Varint.append(UInt64(e.process.rawValue), to: &bytes) }
            if present & 2 != 0 { Varint.append(UInt64(e.thread.rawValue), to: &bytes) }
            if present & 4 != 0 { Varint.append(UInt64(e.image.rawValue), to: &bytes) }
            if present & 8 != 0 { Varint.appendSigned(Int64(e.status), to: &bytes) }
        case .alloc(let e):
            var present: UInt64 = 0
            if e.pointer != .null { present |= 1 }
            if e.size != 0 { present |= 2 }
            if e.count != 0 { present |= 4 }
            if e.alignment != 0 { present |= 8 }
            if e.result != .null { present |= 16 }
            if e.error != 0 { present |= 32 }
            let compact = RecordTag.compactAllocFields(e.op)
            if present & ~compact == 0 && record.time >= current.time {
                let timeDelta = record.time - current.time
                current.time = record.time
                switch e.op {
                case .free:
                    let repeated = current.heap.lastDistance
                    let code = current.heap.encodePointer(e.pointer.rawValue)
                    if code == .distance(repeated) {
                        bytes.append(RecordTag.freeRepeat)
                        Varint.append(timeDelta, to: &bytes)
                    } else if code == .null {
                        bytes.append(RecordTag.freeNull)
                        Varint.append(timeDelta, to: &bytes)
                    } else {
                        bytes.append(RecordTag.freeOperand)
                        Varint.append(timeDelta, to: &bytes)
                        appendPointerCode(code)
                    }
                    return
                case .malloc:
                    let code = current.heap.encodeResult(e.result.rawValue, bytes: e.size, old: 0)
                    let tag: UInt8
                    switch code {
                    case .candidate(let k) where k < RecordTag.tagCandidates: tag = RecordTag.mallocCandidate + UInt8(k)
                    case .fresh(0): tag = RecordTag.mallocFresh
                    default: tag = RecordTag.mallocOperand
                    }
                    bytes.append(tag)
                    Varint.append(timeDelta, to: &bytes)
                    Varint.append(e.size, to: &bytes)
                    if tag == RecordTag.mallocOperand { appendResultCode(code) }
                    return
                default:
                    // The op's usual fields, always written, no bitmap.
                    bytes.append(RecordTag.compactAlloc | e.op.rawValue)
                    Varint.append(timeDelta, to: &bytes)
                    present = compact
                }
            } else {
                beginEvent(EventKind.allocBase + e.op.rawValue, time: record.time)
                Varint.append(present, to: &bytes)
            }
            if present & 1 != 0 { appendPointerCode(current.heap.encodePointer(e.pointer.rawValue)) }
            if present & 2 != 0 { Varint.append(e.size, to: &bytes) }
            if present & 4 != 0 { Varint.append(e.count, to: &bytes) }
            if present & 8 != 0 { Varint.append(e.alignment, to: &bytes) }
            if present & 16 != 0 {
                let old = present & 1 != 0 && (e.op == .realloc || e.op == .reallocarray) ? e.pointer.rawValue : 0
                appendResultCode(current.heap.encodeResult(e.result.rawValue, bytes: e.requestedBytes, old: old))
            }
            if present & 32 != 0 { Varint.appendSigned(Int64(e.error), to: &bytes) }
        case .memory(let e):
            beginEvent(EventKind.memoryBase + e.op.rawValue, time: record.time)
            var present: UInt64 = 0
            if e.address != .null { present |= 1 }
            if e.length != 0 { present |= 2 }
            if e.newLength != 0 { present |= 4 }
            if e.prot.rawValue != 0 { present |= 8 }
            if e.flags != 0 { present |= 16 }
            if e.file != .anonymous { present |= 32 }
            if e.offset != 0 { present |= 64 }
            if e.name != .none { present |= 128 }
            if e.result != 0 { present |= 256 }
            Varint.append(present, to: &bytes)
            if present & 1 != 0 { Varint.append(e.address.rawValue, to: &bytes) }
            if present & 2 != 0 { Varint.append(e.length, to: &bytes) }
            if present & 4 != 0 { Varint.append(e.newLength, to: &bytes) }
            if present & 8 != 0 { Varint.append(UInt64(e.prot.rawValue), to: &bytes) }
            if present & 16 != 0 { Varint.append(UInt64(e.flags), to: &bytes) }
            if present & 32 != 0 { Varint.append(UInt64(e.file.rawValue), to: &bytes) }
            if present & 64 != 0 { Varint.append(e.offset, to: &bytes) }
            if present & 128 != 0 { Varint.append(UInt64(e.name.rawValue), to: &bytes) }
            if present & 256 != 0 { Varint.appendSigned(e.result, to: &bytes) }
        case .file(let e):
            beginEvent(EventKind.fileBase + e.op.rawValue, time: record.time)
            var present: UInt64 = 0
            if e.file != .anonymous { present |= 1 }
            if e.path != .none { present |= 2 }
            if e.offset != 0 { present |= 4 }
            if e.length != 0 { present |= 8 }
            if e.size != 0 { present |= 16 }
            if e.flags != 0 { present |= 32 }
            if e.result != 0 { present |= 64 }
            Varint.append(present, to: &bytes)
            if present & 1 != 0 { Varint.append(UInt64(e.file.rawValue), to: &bytes) }
            if present & 2 != 0 { Varint.append(UInt64(e.path.rawValue), to: &bytes) }
            if present & 4 != 0 { Varint.append(e.offset, to: &bytes) }
            if present & 8 != 0 { Varint.append(e.length, to: &bytes) }
            if present & 16 != 0 { Varint.append(e.size, to: &bytes) }
            if present & 32 != 0 { Varint.append(UInt64(e.flags), to: &bytes) }
            if present & 64 != 0 { Varint.appendSigned(e.result, to: &bytes) }
        case .control(let e):
            beginEvent(EventKind.controlBase + e.op.rawValue, time: record.time)
            var present: UInt64 = 0
            if e.name != .none { present |= 1 }
            if e.key != .none { present |= 2 }
            if e.value != 0 { present |= 4 }
            if e.target != .none { present |= 8 }
            Varint.append(present, to: &bytes)
            if present & 1 != 0 { Varint.append(UInt64(e.name.rawValue), to: &bytes) }
            if present & 2 != 0 { Varint.append(UInt64(e.key.rawValue), to: &bytes) }
            if present & 4 != 0 { Varint.appendSigned(e.value, to: &bytes) }
            if present & 8 != 0 { Varint.append(UInt64(e.target.rawValue), to: &bytes) }
        }
    }

    private mutating func switchContext(_ key: UInt64, _ pid: ProcessID, _ tid: ThreadID) {
        if hasContext { others[currentKey] = current }
        current = others.removeValue(forKey: key) ?? ThreadCodecState()
        currentKey = key
        hasContext = true
        bytes.append(RecordTag.context)
        Varint.append(UInt64(pid.rawValue), to: &bytes)
        Varint.append(UInt64(tid.rawValue), to: &bytes)
    }

    /// Writes the tag and time delta of a non-access event.
    private mutating func beginEvent(_ kind: UInt8, time: UInt64) {
        bytes.append(0x80 | kind)
        Varint.appendSigned(Int64(bitPattern: time &- current.time), to: &bytes)
        current.time = time
    }

    /// Writes a pointer operand: 0 null, 1 absolute (follows), 2d distance d, 3 + 2zz delta.
    private mutating func appendPointerCode(_ code: HeapPointerCoder.PointerCode) {
        switch code {
        case .null: bytes.append(0)
        case .distance(let d): Varint.append(2 &* d, to: &bytes)
        case .delta(let zz): Varint.append(3 &+ 2 &* zz, to: &bytes)
        case .absolute(let pointer):
            bytes.append(1)
            Varint.append(pointer, to: &bytes)
        }
    }

    /// Writes a result operand: 0 null, 1 absolute (follows), 2 + 2k candidate k, 3 + 2zz fresh.
    private mutating func appendResultCode(_ code: HeapPointerCoder.ResultCode) {
        switch code {
        case .null: bytes.append(0)
        case .candidate(let k): Varint.append(2 &+ 2 &* UInt64(k), to: &bytes)
        case .fresh(let zz): Varint.append(3 &+ 2 &* zz, to: &bytes)
        case .absolute(let pointer):
            bytes.append(1)
            Varint.append(pointer, to: &bytes)
        }
    }

    /// A fault-derived touch: its own unsigned time delta and the address delta (or the repeat tag).
    private mutating func encodeTouch(_ a: MemoryAccess, time: UInt64) {
        let k = a.kind.rawValue &- AccessKind.touchLoad.rawValue
        let page = a.address.rawValue
        let delta = page &- current.touchLast
        let repeats = delta == current.touchDelta
        bytes.append((repeats ? RecordTag.touchRepeat : RecordTag.touch) + k)
        Varint.append(time &- current.time, to: &bytes)
        if !repeats { Varint.append(Varint.zigzag(Int64(bitPattern: delta)), to: &bytes) }
        current.time = time
        current.touchLast = page
        current.touchDelta = delta
    }

    private mutating func encodeAccess(_ a: MemoryAccess) {
        let code = RecordTag.sizeCode(a.size)
        let tagBase = a.kind.rawValue << 5 | code << 2
        let address = a.address.rawValue
        let last: UInt64, lastDelta: UInt64
        if a.kind == .instruction {
            last = current.instructionLast; lastDelta = current.instructionDelta
        } else {
            last = current.dataLast; lastDelta = current.dataDelta
        }
        let delta = address &- last
        let mode: UInt8
        var operand: UInt64 = 0
        if delta == lastDelta {
            mode = RecordTag.modeRepeat
        } else {
            let zz = Varint.zigzag(Int64(bitPattern: delta))
            if Varint.length(zz) <= Varint.length(address) {
                mode = RecordTag.modeDelta; operand = zz
            } else {
                mode = RecordTag.modeAbsolute; operand = address
            }
        }
        bytes.append(tagBase | mode)
        if code == RecordTag.sizeExplicit { Varint.append(UInt64(a.size), to: &bytes) }
        if mode != RecordTag.modeRepeat { Varint.append(operand, to: &bytes) }
        if a.kind == .instruction {
            current.instructionLast = address; current.instructionDelta = delta
        } else {
            current.dataLast = address; current.dataDelta = delta
        }
    }
}
