/// A Linux error number, as a system call returns it negated (include/uapi/asm-generic/errno-base.h
/// for 1–34, include/uapi/asm-generic/errno.h above; x86_64 uses the generic numbering).
///
/// `Errno.all` is the one list of numbers with their names: the kernel model returns these, and
/// the store's `errnos` table is filled from it.
public struct Errno: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
    public let rawValue: Int32
    @inlinable public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let eperm = Errno(rawValue: 1)
    public static let enoent = Errno(rawValue: 2)
    public static let esrch = Errno(rawValue: 3)
    public static let eintr = Errno(rawValue: 4)
    public static let eio = Errno(rawValue: 5)
    public static let enxio = Errno(rawValue: 6)
    public static let e2big = Errno(rawValue: 7)
    public static let enoexec = Errno(rawValue: 8)
    public static let ebadf = Errno(rawValue: 9)
    public static let echild = Errno(rawValue: 10)
    public static let eagain = Errno(rawValue: 11)
    public static let enomem = Errno(rawValue: 12)
    public static let eacces = Errno(rawValue: 13)
    public static let efault = Errno(rawValue: 14)
    public static let enotblk = Errno(rawValue: 15)
    public static let ebusy = Errno(rawValue: 16)
    public static let eexist = Errno(rawValue: 17)
    public static let exdev = Errno(rawValue: 18)
    public static let enodev = Errno(rawValue: 19)
    public static let enotdir = Errno(rawValue: 20)
    public static let eisdir = Errno(rawValue: 21)
    public static let einval = Errno(rawValue: 22)
    public static let enfile = Errno(rawValue: 23)
    public static let emfile = Errno(rawValue: 24)
    public static let enotty = Errno(rawValue: 25)
    public static let etxtbsy = Errno(rawValue: 26)
    public static let efbig = Errno(rawValue: 27)
    public static let enospc = Errno(rawValue: 28)
    public static let espipe = Errno(rawValue: 29)
    public static let erofs = Errno(rawValue: 30)
    public static let emlink = Errno(rawValue: 31)
    public static let epipe = Errno(rawValue: 32)
    public static let edom = Errno(rawValue: 33)
    public static let erange = Errno(rawValue: 34)
    public static let edeadlk = Errno(rawValue: 35)
    public static let enametoolong = Errno(rawValue: 36)
    public static let enolck = Errno(rawValue: 37)
    public static let enosys = Errno(rawValue: 38)
    public static let enotempty = Errno(rawValue: 39)
    public static let eloop = Errno(rawValue: 40)
    public static let enodata = Errno(rawValue: 61)
    public static let eoverflow = Errno(rawValue: 75)
    public static let eopnotsupp = Errno(rawValue: 95)
    public static let etimedout = Errno(rawValue: 110)
    public static let edquot = Errno(rawValue: 122)
    public static let ehwpoison = Errno(rawValue: 133)

    /// Every named errno with its `#define` name, in number order.
    public static let all: [(errno: Errno, name: String)] = [
        (.eperm, "EPERM"), (.enoent, "ENOENT"), (.esrch, "ESRCH"), (.eintr, "EINTR"), (.eio, "EIO"),
        (.enxio, "ENXIO"), (.e2big, "E2BIG"), (.enoexec, "ENOEXEC"), (.ebadf, "EBADF"), (.echild, "ECHILD"),
        (.eagain, "EAGAIN"), (.enomem, "ENOMEM"), (.eacces, "EACCES"), (.efault, "EFAULT"), (.enotblk, "ENOTBLK"),
        (.ebusy, "EBUSY"), (.eexist, "EEXIST"), (.exdev, "EXDEV"), (.enodev, "ENODEV"), (.enotdir, "ENOTDIR"),
        (.eisdir, "EISDIR"), (.einval, "EINVAL"), (.enfile, "ENFILE"), (.emfile, "EMFILE"), (.enotty, "ENOTTY"),
        (.etxtbsy, "ETXTBSY"), (.efbig, "EFBIG"), (.enospc, "ENOSPC"), (.espipe, "ESPIPE"), (.erofs, "EROFS"),
        (.emlink, "EMLINK"), (.epipe, "EPIPE"), (.edom, "EDOM"), (.erange, "ERANGE"), (.edeadlk, "EDEADLK"),
        (.enametoolong, "ENAMETOOLONG"), (.enolck, "ENOLCK"), (.enosys, "ENOSYS"), (.enotempty, "ENOTEMPTY"),
        (.eloop, "ELOOP"), (.enodata, "ENODATA"), (.eoverflow, "EOVERFLOW"), (.eopnotsupp, "EOPNOTSUPP"),
        (.etimedout, "ETIMEDOUT"), (.edquot, "EDQUOT"), (.ehwpoison, "EHWPOISON"),
    ]

    /// The largest errno a system call can return (`MAX_ERRNO`, include/linux/err.h): a result in
    /// −4095…−1 is −errno, anything else a value.
    public static let maxNumber: Int32 = 4095

    /// The errno a system call result carries, or nil when `result` is not in −`maxNumber`…−1.
    @inlinable public init?(result: Int64) {
        guard result < 0 && result >= -Int64(Errno.maxNumber) else { return nil }
        rawValue = Int32(-result)
    }

    /// The system call result that reports this errno: −errno.
    @inlinable public var negated: Int64 { -Int64(rawValue) }

    /// The `#define` name (`ENOMEM`), or nil when the number is not in `all`.
    public var name: String? { Errno.all.first { $0.errno == self }?.name }

    public var description: String { name ?? "errno \(rawValue)" }

    @inlinable public static func < (a: Errno, b: Errno) -> Bool { a.rawValue < b.rawValue }
}
