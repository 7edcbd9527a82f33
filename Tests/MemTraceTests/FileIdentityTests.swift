import Testing
@testable import MemTrace

/// A file's device and inode in its `open` event: the st_dev encoding and the codec round trip.
@Suite struct FileIdentityTests {
    @Test func deviceEncodingMatchesGlibcMakedev() {
        // makedev(0xfe, 0) = 0xfe00; makedev(8, 1) = 0x801; wide numbers use the high bits.
        #expect(FileIdentity(major: 0xfe, minor: 0, inode: 1).encodedDevice == 0xfe00)
        #expect(FileIdentity(major: 8, minor: 1, inode: 1).encodedDevice == 0x801)
        let wide = FileIdentity(major: 0x12345, minor: 0x6789a, inode: 7)
        #expect(wide.encodedDevice == 0x0001_2000_6783_459a)   // (0x12000 << 32) | (0x67800 << 12) | (0x345 << 8) | 0x9a
        #expect(FileIdentity(encodedDevice: wide.encodedDevice, inode: 7) == wide)
        #expect(FileIdentity(device: "fe:01", inode: 9) == FileIdentity(major: 0xfe, minor: 1, inode: 9))
        #expect(FileIdentity(device: "fe:01", inode: 9)?.deviceName == "fe:01")
        #expect(FileIdentity(major: 0x103, minor: 0xa, inode: 1).deviceName == "103:0a")
        #expect(FileIdentity(device: "xyz", inode: 1) == nil)
    }

    @Test func openEventsCarryTheIdentityThroughTheCodec() throws {
        let output = MemoryTraceOutput()
        let writer = try TraceWriter(output: output, header: testHeader())
        let path = writer.defineString("/data/f")
        let ids = [FileIdentity(major: 0xfe, minor: 0, inode: 16_327_282), FileIdentity(major: 0xfff_ffff, minor: 0xffff_ffff, inode: .max)]
        var expected: [TraceRecord] = []
        for (i, id) in ids.enumerated() {
            let call = FileCall(op: .open, file: FileID(UInt32(i + 1)), path: path, size: 65536).with(identity: id)
            #expect(call.identity == id)
            expected.append(TraceRecord(time: UInt64(i), pid: ProcessID(1), tid: ThreadID(1), event: .file(call)))
        }
        // No identity: the fields stay zero and decode as unknown.
        let plain = FileCall(op: .open, file: FileID(9), path: path, size: 1).with(identity: nil)
        #expect(plain.identity == nil && plain.offset == 0 && plain.length == 0)
        expected.append(TraceRecord(time: 5, pid: ProcessID(1), tid: ThreadID(1), event: .file(plain)))
        for r in expected { try writer.append(r) }
        try writer.close()
        let (records, _) = try decodeAll(output.bytes)
        #expect(records == expected)
        let decoded = records.compactMap { r -> FileIdentity? in if case .file(let f) = r.event { return f.identity }; return nil }
        #expect(decoded == ids)
        // Only open events carry one.
        #expect(FileCall(op: .read, file: FileID(1), offset: 5, length: 5).identity == nil)
    }
}
