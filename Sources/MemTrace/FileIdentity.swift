/// A file's identity as /proc/PID/maps prints it: the device's major and minor numbers and the
/// inode number (`show_vma_header_prefix` in fs/proc/task_mmu.c prints `%02x:%02x %lu`).
///
/// In a trace the identity of a file declared by an `open` event travels in that event's
/// otherwise unused fields: `FileCall.offset` holds the device as stat(2) returns `st_dev`
/// (glibc's `makedev` encoding, the kernel's `new_encode_dev`/`huge_encode_dev`) and
/// `FileCall.length` the inode number; an inode of 0 means "not known".
public struct FileIdentity: Hashable, Sendable {
    public var major: UInt32
    public var minor: UInt32
    public var inode: UInt64

    public init(major: UInt32, minor: UInt32, inode: UInt64) {
        self.major = major; self.minor = minor; self.inode = inode
    }

    /// From `st_dev` (glibc `makedev` encoding: major bits 8–19 and 32–43, minor bits 0–7 and 12–31).
    public init(encodedDevice dev: UInt64, inode: UInt64) {
        self.major = UInt32(truncatingIfNeeded: ((dev >> 8) & 0xfff) | ((dev >> 32) & ~UInt64(0xfff)))
        self.minor = UInt32(truncatingIfNeeded: (dev & 0xff) | ((dev >> 12) & ~UInt64(0xff)))
        self.inode = inode
    }

    /// From the `MM:mm` text maps prints (hex); nil when it is not two hex numbers.
    public init?(device: String, inode: UInt64) {
        let parts = device.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = UInt32(parts[0], radix: 16), let minor = UInt32(parts[1], radix: 16) else { return nil }
        self.init(major: major, minor: minor, inode: inode)
    }

    /// `st_dev` as glibc's `makedev` builds it.
    public var encodedDevice: UInt64 {
        let ma = UInt64(major), mi = UInt64(minor)
        return ((ma & 0xffff_f000) << 32) | ((ma & 0xfff) << 8) | ((mi & 0xffff_ff00) << 12) | (mi & 0xff)
    }

    /// `MM:mm`, each at least two lower-case hex digits (`seq_put_hex_ll(m, …, 2)`).
    public var deviceName: String {
        func hex(_ v: UInt32) -> String { let s = String(v, radix: 16); return s.count < 2 ? "0" + s : s }
        return hex(major) + ":" + hex(minor)
    }
}

extension FileCall {
    /// For an `open` event, the file's identity carried in `offset` (st_dev) and `length`
    /// (inode); nil for other events and when the inode is 0.
    @inlinable public var identity: FileIdentity? {
        guard op == .open, length != 0 else { return nil }
        return FileIdentity(encodedDevice: offset, inode: length)
    }

    /// This `open` event carrying `identity` (unchanged when it is nil or the event is not an open).
    public func with(identity: FileIdentity?) -> FileCall {
        guard op == .open, let identity, identity.inode != 0 else { return self }
        var c = self
        c.offset = identity.encodedDevice
        c.length = identity.inode
        return c
    }
}
