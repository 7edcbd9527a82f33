/// Encodes records into the raw (uncompressed) payload of one block.
///
/// Keeps the per-thread delta state of docs/trace-format.md: it writes a context record before the
/// first event of the block and whenever the acting (pid, tid) changes, a time record before an
/// access whose time differs from its thread's current time, and delta-codes access addresses
/// (separately for instruction fetches and data) and heap pointers per thread.
///
/// The payload goes into a `RawBlock` through a pointer: room for the largest event is made once
/// per event (`eventRoom` bytes), then every byte and varint is stored unchecked. `take` hands the
/// finished block over (to a compressing thread) and continues in another, without copying.
struct BlockEncoder: ~Copyable {
    /// Room made before each event: more than the largest event with its context and time
    /// records (a memory call: tag, time, bitmap and nine fields of at most 10 bytes each).
    static let eventRoom = 256

    /// The block being written, and its bytes' pointer, capacity and length cached here.
    private var block: RawBlock
    private var base: UnsafeMutablePointer<UInt8>
    private var capacity: Int
    /// Bytes of payload so far.
    private(set) var byteCount = 0
    /// Events (not codec records) in the payload.
    private(set) var eventCount = 0

    private var current = ThreadCodecState()
    private var currentKey: UInt64 = 0
    private var hasContext = false
    /// The other threads' states in this block, and their (pid, tid) keys: a switch swaps the
    /// current state with the parked one (a move, no copy of its tables, no hashing).
    private var parkedKeys: [UInt64] = []
    private var parked: [ThreadCodecState] = []

    init(capacity: Int = 1 << 19) {
        block = RawBlock(capacity: capacity)
        base = block.base
        self.capacity = block.capacity
    }

    /// The raw payload so far (a copy; for tests and checks).
    var bytes: [UInt8] { Array(UnsafeBufferPointer(start: base, count: byteCount)) }

    /// Calls `body` with the raw payload so far.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try body(UnsafeRawBufferPointer(start: base, count: byteCount))
    }

    /// Starts a new block: empties the payload and forgets all delta state.
    mutating func reset() {
        byteCount = 0
        eventCount = 0
        current = ThreadCodecState()
        hasContext = false
        parkedKeys.removeAll(keepingCapacity: true)
        parked.removeAll(keepingCapacity: true)
    }

    /// Hands over the block written so far (its `count` and `events` set) and continues, reset,
    /// in `next` (an empty block, for instance one already compressed and given back).
    mutating func take(continuingIn next: RawBlock) -> RawBlock {
        let done = block
        done.count = byteCount
        done.events = eventCount
        block = next
        base = next.base
        capacity = next.capacity
        reset()
        return done
    }

    /// Makes room for `n` more bytes.
    @inline(__always) private mutating func reserve(_ n: Int) {
        if capacity &- byteCount < n { grow(n) }
    }

    private mutating func grow(_ n: Int) {
        block.grow(toAtLeast: byteCount + n, keeping: byteCount)
        base = block.base
        capacity = block.capacity
    }

    @inline(__always) private mutating func put(_ b: UInt8) {
        base[byteCount] = b
        byteCount &+= 1
    }

    @inline(__always) private mutating func putVarint(_ v: UInt64) {
        byteCount &+= Varint.store(v, at: base + byteCount)
    }

    @inline(__always) private mutating func putSigned(_ v: Int64) {
        putVarint(Varint.zigzag(v))
    }

    /// Appends a string definition record.
    mutating func defineString(_ id: StringID, _ text: String) {
        var text = text
        text.withUTF8 { utf8 in
            reserve(utf8.count + 32)
            put(RecordTag.string)
            putVarint(UInt64(id.rawValue))
            putVarint(UInt64(utf8.count))
            if let source = utf8.baseAddress { (base + byteCount).update(from: source, count: utf8.count) }
            byteCount += utf8.count
        }
    }

    /// Appends a definition record (string, object or stack node).
    mutating func define(_ definition: TraceDefinition) {
        switch definition {
        case .string(let id, let text): defineString(id, text)
        case .object(let o):
            var path = o.path
            path.withUTF8 { utf8 in
                reserve(utf8.count + o.buildID.count + 64)
                put(RecordTag.object)
                putVarint(UInt64(o.id.rawValue))
                putVarint(o.low)
                putVarint(o.high)
                putVarint(UInt64(o.buildID.count))
                for b in o.buildID { put(b) }
                putVarint(UInt64(utf8.count))
                if let source = utf8.baseAddress { (base + byteCount).update(from: source, count: utf8.count) }
                byteCount += utf8.count
            }
        case .stackNode(let n):
            reserve(48)
            put(RecordTag.stackNode)
            putVarint(UInt64(n.id.rawValue))
            putVarint(UInt64(n.parent.rawValue))
            putVarint(UInt64(n.object.rawValue))
            putVarint(n.offset)
        }
    }

    /// Appends one event record (and whatever context or time record it needs first).
    mutating func encode(_ record: TraceRecord) {
        reserve(BlockEncoder.eventRoom)
        let key = UInt64(record.pid.rawValue) << 32 | UInt64(record.tid.rawValue)
        if !hasContext || key != currentKey { switchContext(key, record.pid, record.tid) }
        eventCount += 1
        switch record.event {
        case .access(let a) where a.kind.isTouch:
            if record.time < current.time {
                put(RecordTag.time)
                putSigned(Int64(bitPattern: record.time &- current.time))
                current.time = record.time
            }
            if a.stack.rawValue != current.touchStack {
                put(RecordTag.touchStack)
                putSigned(Int64(a.stack.rawValue) - Int64(current.touchStack))
                current.touchStack = a.stack.rawValue
            }
            encodeTouch(a, time: record.time)
        case .access(let a):
            if record.time != current.time {
                put(RecordTag.time)
                putSigned(Int64(bitPattern: record.time &- current.time))
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
            putVarint(present)
            if present & 1 != 0 { putVarint(UInt64(e.process.rawValue)) }
            if present & 2 != 0 { putVarint(UInt64(e.thread.rawValue)) }
            if present & 4 != 0 { putVarint(UInt64(e.image.rawValue)) }
            if present & 8 != 0 { putSigned(Int64(e.status)) }
        case .alloc(let e):
            if e.stack.rawValue != current.stack {
                put(RecordTag.stack)
                putSigned(Int64(e.stack.rawValue) - Int64(current.stack))
                current.stack = e.stack.rawValue
            }
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
                        put(RecordTag.freeRepeat)
                        putVarint(timeDelta)
                    } else if code == .null {
                        put(RecordTag.freeNull)
                        putVarint(timeDelta)
                    } else {
                        put(RecordTag.freeOperand)
                        putVarint(timeDelta)
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
                    put(tag)
                    putVarint(timeDelta)
                    putVarint(e.size)
                    if tag == RecordTag.mallocOperand { appendResultCode(code) }
                    return
                default:
                    // The op's usual fields, always written, no bitmap.
                    put(RecordTag.compactAlloc | e.op.rawValue)
                    putVarint(timeDelta)
                    present = compact
                }
            } else {
                beginEvent(EventKind.allocBase + e.op.rawValue, time: record.time)
                putVarint(present)
            }
            if present & 1 != 0 { appendPointerCode(current.heap.encodePointer(e.pointer.rawValue)) }
            if present & 2 != 0 { putVarint(e.size) }
            if present & 4 != 0 { putVarint(e.count) }
            if present & 8 != 0 { putVarint(e.alignment) }
            if present & 16 != 0 {
                let old = present & 1 != 0 && (e.op == .realloc || e.op == .reallocarray) ? e.pointer.rawValue : 0
                appendResultCode(current.heap.encodeResult(e.result.rawValue, bytes: e.requestedBytes, old: old))
            }
            if present & 32 != 0 { putSigned(Int64(e.error)) }
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
            putVarint(present)
            if present & 1 != 0 { putVarint(e.address.rawValue) }
            if present & 2 != 0 { putVarint(e.length) }
            if present & 4 != 0 { putVarint(e.newLength) }
            if present & 8 != 0 { putVarint(UInt64(e.prot.rawValue)) }
            if present & 16 != 0 { putVarint(UInt64(e.flags)) }
            if present & 32 != 0 { putVarint(UInt64(e.file.rawValue)) }
            if present & 64 != 0 { putVarint(e.offset) }
            if present & 128 != 0 { putVarint(UInt64(e.name.rawValue)) }
            if present & 256 != 0 { putSigned(e.result) }
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
            putVarint(present)
            if present & 1 != 0 { putVarint(UInt64(e.file.rawValue)) }
            if present & 2 != 0 { putVarint(UInt64(e.path.rawValue)) }
            if present & 4 != 0 { putVarint(e.offset) }
            if present & 8 != 0 { putVarint(e.length) }
            if present & 16 != 0 { putVarint(e.size) }
            if present & 32 != 0 { putVarint(UInt64(e.flags)) }
            if present & 64 != 0 { putSigned(e.result) }
        case .control(let e):
            beginEvent(EventKind.controlBase + e.op.rawValue, time: record.time)
            var present: UInt64 = 0
            if e.name != .none { present |= 1 }
            if e.key != .none { present |= 2 }
            if e.value != 0 { present |= 4 }
            if e.target != .none { present |= 8 }
            putVarint(present)
            if present & 1 != 0 { putVarint(UInt64(e.name.rawValue)) }
            if present & 2 != 0 { putVarint(UInt64(e.key.rawValue)) }
            if present & 4 != 0 { putSigned(e.value) }
            if present & 8 != 0 { putVarint(UInt64(e.target.rawValue)) }
        }
    }

    private mutating func switchContext(_ key: UInt64, _ pid: ProcessID, _ tid: ThreadID) {
        if let i = parkedKeys.firstIndex(of: key) {
            if hasContext {
                swap(&current, &parked[i])
                parkedKeys[i] = currentKey
            } else {
                current = parked[i]
                parked.remove(at: i)
                parkedKeys.remove(at: i)
            }
        } else {
            if hasContext {
                parked.append(current)
                parkedKeys.append(currentKey)
            }
            current = ThreadCodecState()
        }
        currentKey = key
        hasContext = true
        put(RecordTag.context)
        putVarint(UInt64(pid.rawValue))
        putVarint(UInt64(tid.rawValue))
    }

    /// Writes the tag and time delta of a non-access event.
    private mutating func beginEvent(_ kind: UInt8, time: UInt64) {
        put(0x80 | kind)
        putSigned(Int64(bitPattern: time &- current.time))
        current.time = time
    }

    /// Writes a pointer operand: 0 null, 1 absolute (follows), 2d distance d, 3 + 2zz delta.
    private mutating func appendPointerCode(_ code: HeapPointerCoder.PointerCode) {
        switch code {
        case .null: put(0)
        case .distance(let d): putVarint(2 &* d)
        case .delta(let zz): putVarint(3 &+ 2 &* zz)
        case .absolute(let pointer):
            put(1)
            putVarint(pointer)
        }
    }

    /// Writes a result operand: 0 null, 1 absolute (follows), 2 + 2k candidate k, 3 + 2zz fresh.
    private mutating func appendResultCode(_ code: HeapPointerCoder.ResultCode) {
        switch code {
        case .null: put(0)
        case .candidate(let k): putVarint(2 &+ 2 &* UInt64(k))
        case .fresh(let zz): putVarint(3 &+ 2 &* zz)
        case .absolute(let pointer):
            put(1)
            putVarint(pointer)
        }
    }

    /// A fault-derived touch: its own unsigned time delta and the address delta (or the repeat tag).
    private mutating func encodeTouch(_ a: MemoryAccess, time: UInt64) {
        let k = a.kind.rawValue &- AccessKind.touchLoad.rawValue
        let page = a.address.rawValue
        let delta = page &- current.touchLast
        let repeats = delta == current.touchDelta
        put((repeats ? RecordTag.touchRepeat : RecordTag.touch) + k)
        putVarint(time &- current.time)
        if !repeats { putVarint(Varint.zigzag(Int64(bitPattern: delta))) }
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
        put(tagBase | mode)
        if code == RecordTag.sizeExplicit { putVarint(UInt64(a.size)) }
        if mode != RecordTag.modeRepeat { putVarint(operand) }
        if a.kind == .instruction {
            current.instructionLast = address; current.instructionDelta = delta
        } else {
            current.dataLast = address; current.dataDelta = delta
        }
    }
}
