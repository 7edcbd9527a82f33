/// Decodes the records of one raw (decompressed) block payload, one event at a time.
///
/// The payload must be followed in memory by at least `BlockDecoder.padding` bytes of 0xFF: varint
/// reads then need no per-byte bounds check, because a varint running past the payload end meets
/// only continuation bytes and fails as overlong within ten bytes. Every record start is checked
/// against the end, and every failure becomes a `RecordFault` rather than a trap.
struct BlockDecoder {
    /// Bytes of 0xFF the payload buffer must carry after its end.
    static let padding = 32

    /// Read position and end of the payload.
    var pos = 0
    var end = 0
    /// Events the block header promised that are not yet decoded.
    var eventsLeft = 0
    /// Encoded size of the last event returned (its tag to its last field).
    var lastRecordSize = 0
    /// Strings defined so far (across blocks).
    var strings = StringTable()
    /// Objects and stack nodes defined so far (across blocks).
    var stacks = StackTable()

    private var current = ThreadCodecState()
    private var pid = ProcessID.none
    private var tid = ThreadID.none
    private var currentKey: UInt64 = 0
    private var hasContext = false
    private var others: [UInt64: ThreadCodecState] = [:]

    /// Starts decoding a payload of `length` bytes that holds `events` events.
    mutating func begin(length: Int, events: Int) {
        pos = 0
        end = length
        eventsLeft = events
        current = ThreadCodecState()
        hasContext = false
        others.removeAll(keepingCapacity: true)
    }

    /// True while payload bytes remain.
    @inline(__always) var hasBytes: Bool { pos < end }

    /// Decodes records until the next event and returns it; nil when the payload is used up.
    @inline(__always)
    mutating func next(_ p: UnsafePointer<UInt8>) throws(RecordFault) -> TraceRecord? {
        while pos < end {
            let start = pos
            let tag = p[pos]
            pos += 1
            if tag < 0x80 {
                guard hasContext, eventsLeft > 0 else { throw misplacedEvent(start) }
                let access = try decodeAccess(tag, p, start)
                try finishEvent(start)
                return TraceRecord(time: current.time, pid: pid, tid: tid, event: .access(access))
            }
            switch tag {
            case RecordTag.context:
                let newPid = try u32(p, start)
                let newTid = try u32(p, start)
                try checkEnd(start)
                let key = UInt64(newPid) << 32 | UInt64(newTid)
                if hasContext { others[currentKey] = current }
                current = others.removeValue(forKey: key) ?? ThreadCodecState()
                currentKey = key
                pid = ProcessID(newPid)
                tid = ThreadID(newTid)
                hasContext = true
            case RecordTag.time:
                guard hasContext else { throw misplacedEvent(start) }
                let delta = try varint(p, start)
                try checkEnd(start)
                current.time &+= UInt64(bitPattern: Varint.unzigzag(delta))
            case RecordTag.string:
                try decodeString(p, start)
            case RecordTag.stack:
                current.stack = try movedStack(current.stack, p, start, "stack id")
            case RecordTag.touchStack:
                current.touchStack = try movedStack(current.touchStack, p, start, "touch stack id")
            case RecordTag.object:
                try decodeObject(p, start)
            case RecordTag.stackNode:
                let node = StackNode(id: StackID(try u32(p, start)), parent: StackID(try u32(p, start)),
                                     object: ObjectID(try u32(p, start)), offset: try varint(p, start))
                try checkEnd(start)
                if let problem = stacks.problem(defining: node) {
                    throw RecordFault(detail: problem + " at block offset \(start)")
                }
                stacks.append(node)
            case RecordTag.touch ... RecordTag.touch + 3, RecordTag.touchRepeat ... RecordTag.touchRepeat + 3:
                guard hasContext, eventsLeft > 0 else { throw misplacedEvent(start) }
                current.time &+= try varint(p, start)
                if tag >= RecordTag.touchRepeat {
                    current.touchLast &+= current.touchDelta
                } else {
                    current.touchDelta = UInt64(bitPattern: Varint.unzigzag(try varint(p, start)))
                    current.touchLast &+= current.touchDelta
                }
                try finishEvent(start)
                let kind = AccessKind(rawValue: AccessKind.touchLoad.rawValue + (tag & 3))!
                return TraceRecord(time: current.time, pid: pid, tid: tid,
                                   event: .access(MemoryAccess(kind: kind, address: VirtualAddress(current.touchLast), size: 1,
                                                               stack: StackID(current.touchStack))))
            case RecordTag.freeRepeat ... RecordTag.freeNull:
                guard hasContext, eventsLeft > 0 else { throw misplacedEvent(start) }
                current.time &+= try varint(p, start)
                let pointer: UInt64
                switch tag {
                case RecordTag.freeRepeat:
                    guard let q = current.heap.decodePointer(distance: current.heap.lastDistance) else {
                        throw badOperand(start)
                    }
                    pointer = q
                case RecordTag.freeOperand: pointer = try pointerOperand(p, start)
                default: pointer = 0
                }
                try finishEvent(start)
                return TraceRecord(time: current.time, pid: pid, tid: tid,
                                   event: .alloc(AllocationCall(op: .free, pointer: VirtualAddress(pointer), stack: StackID(current.stack))))
            case RecordTag.mallocCandidate ... RecordTag.mallocOperand:
                guard hasContext, eventsLeft > 0 else { throw misplacedEvent(start) }
                current.time &+= try varint(p, start)
                let size = try varint(p, start)
                let decoded: UInt64?
                switch tag {
                case RecordTag.mallocOperand: decoded = try resultOperand(p, start, bytes: size, old: 0)
                case RecordTag.mallocFresh: decoded = current.heap.decodeResult(fresh: 0, bytes: size)
                default:
                    decoded = current.heap.decodeResult(candidate: UInt64(tag - RecordTag.mallocCandidate), bytes: size, old: 0)
                }
                guard let result = decoded else { throw badOperand(start) }
                try finishEvent(start)
                return TraceRecord(time: current.time, pid: pid, tid: tid,
                                   event: .alloc(AllocationCall(op: .malloc, size: size, result: VirtualAddress(result),
                                                                stack: StackID(current.stack))))
            case RecordTag.compactAlloc ... RecordTag.compactAlloc + 9:
                guard hasContext, eventsLeft > 0 else { throw misplacedEvent(start) }
                current.time &+= try varint(p, start)
                guard let op = AllocOp(rawValue: tag - RecordTag.compactAlloc) else { throw badTag(tag, start) }
                let event = try decodeAlloc(op, RecordTag.compactAllocFields(op), p, start)
                try finishEvent(start)
                return TraceRecord(time: current.time, pid: pid, tid: tid, event: event)
            case 0x80 | EventKind.processBase ... 0x80 | (EventKind.processBase + 6),
                 0x80 | EventKind.allocBase ... 0x80 | (EventKind.allocBase + 9),
                 0x80 | EventKind.memoryBase ... 0x80 | (EventKind.memoryBase + 13),
                 0x80 | EventKind.fileBase ... 0x80 | (EventKind.fileBase + 6),
                 0x80 | EventKind.controlBase ... 0x80 | (EventKind.controlBase + 3):
                guard hasContext, eventsLeft > 0 else { throw misplacedEvent(start) }
                current.time &+= UInt64(bitPattern: Varint.unzigzag(try varint(p, start)))
                let event = try decodeEvent(tag & 0x7F, p, start)
                try finishEvent(start)
                return TraceRecord(time: current.time, pid: pid, tid: tid, event: event)
            default:
                throw badTag(tag, start)
            }
        }
        return nil
    }

    // MARK: Accesses

    @inline(__always)
    private mutating func decodeAccess(_ tag: UInt8, _ p: UnsafePointer<UInt8>, _ start: Int) throws(RecordFault)
        -> MemoryAccess
    {
        let kind: AccessKind
        switch tag >> 5 {
        case 0: kind = .load
        case 1: kind = .store
        case 2: kind = .modify
        default: kind = .instruction
        }
        let code = (tag >> 2) & 7
        let size: UInt32
        if code == RecordTag.sizeExplicit {
            size = try u32(p, start)
        } else {
            size = 1 << UInt32(code)
        }
        let mode = tag & 3
        if kind == .instruction {
            var last = current.instructionLast, delta = current.instructionDelta
            try step(mode, &last, &delta, p, start, tag)
            current.instructionLast = last
            current.instructionDelta = delta
            return MemoryAccess(kind: kind, address: VirtualAddress(last), size: size)
        } else {
            var last = current.dataLast, delta = current.dataDelta
            try step(mode, &last, &delta, p, start, tag)
            current.dataLast = last
            current.dataDelta = delta
            return MemoryAccess(kind: kind, address: VirtualAddress(last), size: size)
        }
    }

    /// Advances an address stream by one access in address mode `mode`.
    @inline(__always)
    private mutating func step(_ mode: UInt8, _ last: inout UInt64, _ delta: inout UInt64,
                               _ p: UnsafePointer<UInt8>, _ start: Int, _ tag: UInt8) throws(RecordFault) {
        switch mode {
        case RecordTag.modeRepeat:
            last &+= delta
        case RecordTag.modeDelta:
            delta = UInt64(bitPattern: Varint.unzigzag(try varint(p, start)))
            last &+= delta
        case RecordTag.modeAbsolute:
            let a = try varint(p, start)
            delta = a &- last
            last = a
        default:
            throw badTag(tag, start)
        }
    }

    // MARK: Other events

    private mutating func decodeEvent(_ kind: UInt8, _ p: UnsafePointer<UInt8>, _ start: Int) throws(RecordFault)
        -> Event
    {
        switch kind {
        case EventKind.processBase ..< EventKind.allocBase:
            let present = try bitmap(RecordTag.processFields, p, start)
            var e = ProcessEvent(op: try op(ProcessOp(rawValue: kind - EventKind.processBase), start))
            if present & 1 != 0 { e.process = ProcessID(try u32(p, start)) }
            if present & 2 != 0 { e.thread = ThreadID(try u32(p, start)) }
            if present & 4 != 0 { e.image = StringID(try u32(p, start)) }
            if present & 8 != 0 { e.status = try i32(p, start) }
            return .process(e)
        case EventKind.allocBase ..< EventKind.memoryBase:
            let present = try bitmap(RecordTag.allocFields, p, start)
            return try decodeAlloc(try op(AllocOp(rawValue: kind - EventKind.allocBase), start), present, p, start)
        case EventKind.memoryBase ..< EventKind.fileBase:
            let present = try bitmap(RecordTag.memoryFields, p, start)
            var e = MemoryCall(op: try op(MemoryOp(rawValue: kind - EventKind.memoryBase), start))
            if present & 1 != 0 { e.address = VirtualAddress(try varint(p, start)) }
            if present & 2 != 0 { e.length = try varint(p, start) }
            if present & 4 != 0 { e.newLength = try varint(p, start) }
            if present & 8 != 0 { e.prot = Protection(rawValue: try u32(p, start)) }
            if present & 16 != 0 { e.flags = try u32(p, start) }
            if present & 32 != 0 { e.file = FileID(try u32(p, start)) }
            if present & 64 != 0 { e.offset = try varint(p, start) }
            if present & 128 != 0 { e.name = StringID(try u32(p, start)) }
            if present & 256 != 0 { e.result = Varint.unzigzag(try varint(p, start)) }
            return .memory(e)
        case EventKind.fileBase ..< EventKind.controlBase:
            let present = try bitmap(RecordTag.fileFields, p, start)
            var e = FileCall(op: try op(FileOp(rawValue: kind - EventKind.fileBase), start), file: .anonymous)
            if present & 1 != 0 { e.file = FileID(try u32(p, start)) }
            if present & 2 != 0 { e.path = StringID(try u32(p, start)) }
            if present & 4 != 0 { e.offset = try varint(p, start) }
            if present & 8 != 0 { e.length = try varint(p, start) }
            if present & 16 != 0 { e.size = try varint(p, start) }
            if present & 32 != 0 { e.flags = try u32(p, start) }
            if present & 64 != 0 { e.result = Varint.unzigzag(try varint(p, start)) }
            return .file(e)
        default:
            let present = try bitmap(RecordTag.controlFields, p, start)
            var e = ControlEvent(op: try op(ControlOp(rawValue: kind - EventKind.controlBase), start))
            if present & 1 != 0 { e.name = StringID(try u32(p, start)) }
            if present & 2 != 0 { e.key = StringID(try u32(p, start)) }
            if present & 4 != 0 { e.value = Varint.unzigzag(try varint(p, start)) }
            if present & 8 != 0 { e.target = ProcessID(try u32(p, start)) }
            return .control(e)
        }
    }

    private mutating func decodeAlloc(_ op: AllocOp, _ present: UInt64, _ p: UnsafePointer<UInt8>,
                                      _ start: Int) throws(RecordFault) -> Event {
        var e = AllocationCall(op: op, stack: StackID(current.stack))
        if present & 1 != 0 { e.pointer = VirtualAddress(try pointerOperand(p, start)) }
        if present & 2 != 0 { e.size = try varint(p, start) }
        if present & 4 != 0 { e.count = try varint(p, start) }
        if present & 8 != 0 { e.alignment = try varint(p, start) }
        if present & 16 != 0 {
            let old = op == .realloc || op == .reallocarray ? e.pointer.rawValue : 0
            guard let result = try resultOperand(p, start, bytes: e.requestedBytes, old: old) else {
                throw badOperand(start)
            }
            e.result = VirtualAddress(result)
        }
        if present & 32 != 0 { e.error = try i32(p, start) }
        return .alloc(e)
    }

    /// Reads a pointer operand: 0 null, 1 absolute (follows), 2d distance d, 3 + 2zz delta (see
    /// `HeapPointerCoder`).
    private mutating func pointerOperand(_ p: UnsafePointer<UInt8>, _ start: Int) throws(RecordFault) -> UInt64 {
        let u = try varint(p, start)
        switch u {
        case 0: return 0
        case 1: return current.heap.decodePointer(absolute: try varint(p, start))
        default:
            if u & 1 != 0 { return current.heap.decodePointer(delta: (u - 3) / 2) }
            guard let pointer = current.heap.decodePointer(distance: u / 2) else { throw badOperand(start) }
            return pointer
        }
    }

    /// Reads a result operand: 0 null, 1 absolute (follows), 2 + 2k candidate k, 3 + 2zz fresh;
    /// nil when it names no pointer.
    private mutating func resultOperand(_ p: UnsafePointer<UInt8>, _ start: Int, bytes: UInt64, old: UInt64)
        throws(RecordFault) -> UInt64?
    {
        let u = try varint(p, start)
        switch u {
        case 0: return 0
        case 1: return current.heap.decodeResult(absolute: try varint(p, start), bytes: bytes)
        default:
            if u & 1 != 0 { return current.heap.decodeResult(fresh: (u - 3) / 2, bytes: bytes) }
            return current.heap.decodeResult(candidate: u / 2 - 1, bytes: bytes, old: old)
        }
    }

    private mutating func decodeObject(_ p: UnsafePointer<UInt8>, _ start: Int) throws(RecordFault) {
        let id = try u32(p, start)
        let low = try varint(p, start), high = try varint(p, start)
        let idLength = try varint(p, start)
        guard pos <= end, idLength <= 64, idLength <= UInt64(end - pos) else {
            throw RecordFault(detail: "object definition's build-id runs past the end of the block (or over 64 bytes) at block offset \(start)")
        }
        let buildID = Array(UnsafeBufferPointer(start: p + pos, count: Int(idLength)))
        pos += Int(idLength)
        let length = try varint(p, start)
        guard pos <= end, length <= UInt64(end - pos) else {
            throw RecordFault(detail: "object definition's path runs past the end of the block at block offset \(start)")
        }
        guard let path = String(validating: UnsafeBufferPointer(start: p + pos, count: Int(length)), as: UTF8.self) else {
            throw RecordFault(detail: "object \(id)'s path is not valid UTF-8 at block offset \(start)")
        }
        pos += Int(length)
        let object = StackObject(id: ObjectID(id), path: path, buildID: buildID, low: low, high: high)
        if let problem = stacks.problem(defining: object) {
            throw RecordFault(detail: problem + " at block offset \(start)")
        }
        stacks.append(object)
    }

    private mutating func decodeString(_ p: UnsafePointer<UInt8>, _ start: Int) throws(RecordFault) {
        let id = try varint(p, start)
        let length = try varint(p, start)
        guard pos <= end, length <= UInt64(end - pos) else {
            throw RecordFault(detail: "string definition runs past the end of the block at block offset \(start)")
        }
        guard id == UInt64(strings.count) + 1 else {
            throw RecordFault(detail: "string id \(id) defined out of order (expected \(strings.count + 1)) "
                + "at block offset \(start)")
        }
        let bytes = UnsafeBufferPointer(start: p + pos, count: Int(length))
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw RecordFault(detail: "string \(id) is not valid UTF-8 at block offset \(start)")
        }
        pos += Int(length)
        strings.append(text)
    }

    // MARK: Field readers

    @inline(__always)
    private mutating func finishEvent(_ start: Int) throws(RecordFault) {
        try checkEnd(start)
        eventsLeft -= 1
        lastRecordSize = pos - start
    }

    @inline(__always)
    /// A stack register (`0xF3` allocation stack, `0xFE` touch stack) moved by the zigzag delta
    /// that follows: throws for a record outside a thread's context or a result out of range.
    private mutating func movedStack(_ from: UInt32, _ p: UnsafePointer<UInt8>, _ start: Int,
                                     _ what: String) throws(RecordFault) -> UInt32 {
        guard hasContext else { throw misplacedEvent(start) }
        let delta = Varint.unzigzag(try varint(p, start))
        try checkEnd(start)
        guard let stack = UInt32(exactly: Int64(from) &+ delta) else {
            throw RecordFault(detail: "\(what) out of range at block offset \(start)")
        }
        return stack
    }

    private func checkEnd(_ start: Int) throws(RecordFault) {
        if pos > end { throw truncated(start) }
    }

    /// Reads one unsigned varint (relies on the 0xFF padding after the payload).
    @inline(__always)
    private mutating func varint(_ p: UnsafePointer<UInt8>, _ start: Int) throws(RecordFault) -> UInt64 {
        let b0 = p[pos]
        if b0 < 0x80 {
            pos += 1
            return UInt64(b0)
        }
        return try varintSlow(p, start)
    }

    private mutating func varintSlow(_ p: UnsafePointer<UInt8>, _ start: Int) throws(RecordFault) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        var i = pos
        while true {
            let b = p[i]
            i += 1
            result |= UInt64(b & 0x7F) << shift
            if b < 0x80 {
                if shift == 63 && b > 1 { throw overflow(start, i) }
                if b == 0 { throw overflow(start, i) }  // a non-final zero group: overlong encoding
                break
            }
            shift += 7
            if shift > 63 { throw overflow(start, i) }
        }
        pos = i
        return result
    }

    private mutating func u32(_ p: UnsafePointer<UInt8>, _ start: Int) throws(RecordFault) -> UInt32 {
        let v = try varint(p, start)
        guard v <= UInt64(UInt32.max) else {
            throw RecordFault(detail: "value \(v) does not fit 32 bits in record at block offset \(start)")
        }
        return UInt32(v)
    }

    private mutating func i32(_ p: UnsafePointer<UInt8>, _ start: Int) throws(RecordFault) -> Int32 {
        let v = Varint.unzigzag(try varint(p, start))
        guard let r = Int32(exactly: v) else {
            throw RecordFault(detail: "value \(v) does not fit 32 bits in record at block offset \(start)")
        }
        return r
    }

    private mutating func bitmap(_ valid: UInt64, _ p: UnsafePointer<UInt8>, _ start: Int) throws(RecordFault)
        -> UInt64
    {
        let v = try varint(p, start)
        guard v & ~valid == 0 else {
            throw RecordFault(detail: "unknown fields \(v & ~valid) in record at block offset \(start)")
        }
        return v
    }

    private func op<T>(_ value: T?, _ start: Int) throws(RecordFault) -> T {
        guard let value else { throw RecordFault(detail: "unknown operation in record at block offset \(start)") }
        return value
    }

    private func badTag(_ tag: UInt8, _ start: Int) -> RecordFault {
        RecordFault(detail: "bad record tag \(hexByte(tag)) at block offset \(start)")
    }

    private func truncated(_ start: Int) -> RecordFault {
        RecordFault(detail: "record at block offset \(start) runs past the end of the block")
    }

    private func overflow(_ start: Int, _ at: Int) -> RecordFault {
        if at > end { return truncated(start) }
        return RecordFault(detail: "overlong or overflowing varint in record at block offset \(start)")
    }

    private func badOperand(_ start: Int) -> RecordFault {
        RecordFault(detail: "heap pointer operand names no allocation or free in record at block offset \(start)")
    }

    private func misplacedEvent(_ start: Int) -> RecordFault {
        RecordFault(detail: hasContext
            ? "more events than the block header declares at block offset \(start)"
            : "event before any thread context at block offset \(start)")
    }
}

/// A record that cannot be decoded; `detail` names the position inside the block.
struct RecordFault: Error {
    var detail: String
}

func hexByte(_ b: UInt8) -> String {
    b < 0x10 ? "0x0" + String(b, radix: 16) : "0x" + String(b, radix: 16)
}
