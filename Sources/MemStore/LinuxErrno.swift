/// The common Linux errno numbers and names (x86_64), stored in the `errnos` enum table.
public enum LinuxErrno {
    /// (number, name) pairs in number order.
    public static let all: [(Int32, String)] = [
        (1, "EPERM"), (2, "ENOENT"), (3, "ESRCH"), (4, "EINTR"), (5, "EIO"), (6, "ENXIO"), (7, "E2BIG"),
        (8, "ENOEXEC"), (9, "EBADF"), (10, "ECHILD"), (11, "EAGAIN"), (12, "ENOMEM"), (13, "EACCES"),
        (14, "EFAULT"), (15, "ENOTBLK"), (16, "EBUSY"), (17, "EEXIST"), (18, "EXDEV"), (19, "ENODEV"),
        (20, "ENOTDIR"), (21, "EISDIR"), (22, "EINVAL"), (23, "ENFILE"), (24, "EMFILE"), (25, "ENOTTY"),
        (26, "ETXTBSY"), (27, "EFBIG"), (28, "ENOSPC"), (29, "ESPIPE"), (30, "EROFS"), (31, "EMLINK"),
        (32, "EPIPE"), (33, "EDOM"), (34, "ERANGE"), (35, "EDEADLK"), (36, "ENAMETOOLONG"), (37, "ENOLCK"),
        (38, "ENOSYS"), (39, "ENOTEMPTY"), (40, "ELOOP"), (61, "ENODATA"), (75, "EOVERFLOW"),
        (95, "EOPNOTSUPP"), (110, "ETIMEDOUT"), (122, "EDQUOT"), (133, "EHWPOISON"),
    ]

    /// The name of `number`, or nil when it is not in the table.
    public static func name(_ number: Int32) -> String? {
        all.first { $0.0 == number }?.1
    }
}
