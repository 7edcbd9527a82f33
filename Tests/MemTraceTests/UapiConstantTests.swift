#if canImport(Glibc)
import Glibc
#endif
import Testing
import MemTrace

/// The typed constants against the numbers in the Linux uapi headers (copied here from
/// include/uapi/asm-generic/errno-base.h, errno.h, mman-common.h, mman.h and
/// include/uapi/linux/mman.h) and, where the C library exports them, against its macros.
@Suite struct UapiConstantTests {
    /// (errno, number, name) as the headers define them.
    static let errnos: [(Errno, Int32, String)] = [
        (.eperm, 1, "EPERM"), (.enoent, 2, "ENOENT"), (.esrch, 3, "ESRCH"), (.eintr, 4, "EINTR"), (.eio, 5, "EIO"),
        (.enxio, 6, "ENXIO"), (.e2big, 7, "E2BIG"), (.enoexec, 8, "ENOEXEC"), (.ebadf, 9, "EBADF"),
        (.echild, 10, "ECHILD"), (.eagain, 11, "EAGAIN"), (.enomem, 12, "ENOMEM"), (.eacces, 13, "EACCES"),
        (.efault, 14, "EFAULT"), (.enotblk, 15, "ENOTBLK"), (.ebusy, 16, "EBUSY"), (.eexist, 17, "EEXIST"),
        (.exdev, 18, "EXDEV"), (.enodev, 19, "ENODEV"), (.enotdir, 20, "ENOTDIR"), (.eisdir, 21, "EISDIR"),
        (.einval, 22, "EINVAL"), (.enfile, 23, "ENFILE"), (.emfile, 24, "EMFILE"), (.enotty, 25, "ENOTTY"),
        (.etxtbsy, 26, "ETXTBSY"), (.efbig, 27, "EFBIG"), (.enospc, 28, "ENOSPC"), (.espipe, 29, "ESPIPE"),
        (.erofs, 30, "EROFS"), (.emlink, 31, "EMLINK"), (.epipe, 32, "EPIPE"), (.edom, 33, "EDOM"),
        (.erange, 34, "ERANGE"), (.edeadlk, 35, "EDEADLK"), (.enametoolong, 36, "ENAMETOOLONG"),
        (.enolck, 37, "ENOLCK"), (.enosys, 38, "ENOSYS"), (.enotempty, 39, "ENOTEMPTY"), (.eloop, 40, "ELOOP"),
        (.enodata, 61, "ENODATA"), (.eoverflow, 75, "EOVERFLOW"), (.eopnotsupp, 95, "EOPNOTSUPP"),
        (.etimedout, 110, "ETIMEDOUT"), (.edquot, 122, "EDQUOT"), (.ehwpoison, 133, "EHWPOISON"),
    ]

    @Test func errnosHaveTheirHeaderNumbersAndNames() {
        for (e, number, name) in UapiConstantTests.errnos {
            #expect(e.rawValue == number, "\(name)")
            #expect(e.name == name && e.description == name)
        }
        #expect(Errno.all.map(\.errno) == UapiConstantTests.errnos.map(\.0))
        #expect(Errno.all.map(\.name) == UapiConstantTests.errnos.map(\.2))
        #expect(zip(Errno.all, Errno.all.dropFirst()).allSatisfy { $0.errno < $1.errno })
        #expect(Errno(rawValue: 200).name == nil && Errno(rawValue: 200).description == "errno 200")
    }

    #if canImport(Glibc)
    @Test func errnosMatchTheCLibrary() {
        let libc: [(Errno, Int32)] = [
            (.eperm, EPERM), (.enoent, ENOENT), (.ebadf, EBADF), (.eagain, EAGAIN), (.enomem, ENOMEM),
            (.eacces, EACCES), (.efault, EFAULT), (.ebusy, EBUSY), (.eexist, EEXIST), (.enodev, ENODEV),
            (.einval, EINVAL), (.efbig, EFBIG), (.enospc, ENOSPC), (.erange, ERANGE), (.enosys, ENOSYS),
            (.enodata, ENODATA), (.eoverflow, EOVERFLOW), (.eopnotsupp, EOPNOTSUPP), (.etimedout, ETIMEDOUT),
            (.edquot, EDQUOT), (.ehwpoison, EHWPOISON),
        ]
        for (e, c) in libc { #expect(e.rawValue == c, "\(e)") }
        #expect(MsyncFlags.async.rawValue == UInt32(MS_ASYNC) && MsyncFlags.invalidate.rawValue == UInt32(MS_INVALIDATE)
                && MsyncFlags.sync.rawValue == UInt32(MS_SYNC))
        #expect(MlockallFlags.current.rawValue == UInt32(MCL_CURRENT) && MlockallFlags.future.rawValue == UInt32(MCL_FUTURE))
        #expect(Advice.dontNeed.rawValue == UInt32(MADV_DONTNEED) && Advice.willNeed.rawValue == UInt32(MADV_WILLNEED))
        #expect(MapFlags.fixed.rawValue == UInt32(MAP_FIXED) && MapFlags.anonymous.rawValue == UInt32(MAP_ANONYMOUS)
                && MapFlags.shared.rawValue == UInt32(MAP_SHARED) && MapFlags.private.rawValue == UInt32(MAP_PRIVATE))
        #expect(Protection.read.rawValue == UInt32(PROT_READ) && Protection.write.rawValue == UInt32(PROT_WRITE)
                && Protection.execute.rawValue == UInt32(PROT_EXEC))
        #expect(Page.size == UInt64(sysconf(Int32(_SC_PAGESIZE))))
    }
    #endif

    @Test func errnoResultsCoverMinusMaxErrnoToMinusOne() {
        #expect(Errno.maxNumber == 4095)
        #expect(Errno(result: 0) == nil && Errno(result: 1) == nil && Errno(result: Int64.max) == nil)
        #expect(Errno(result: -1) == .eperm && Errno(result: -12) == .enomem)
        #expect(Errno(result: -4095)?.rawValue == 4095)
        #expect(Errno(result: -4096) == nil && Errno(result: Int64.min) == nil)
        for (e, number, _) in UapiConstantTests.errnos {
            #expect(e.negated == -Int64(number) && Errno(result: e.negated) == e)
        }
    }

    @Test func syscallFlagBitsHaveTheirHeaderValues() {
        // include/uapi/asm-generic/mman-common.h
        #expect(MsyncFlags.async.rawValue == 1 && MsyncFlags.invalidate.rawValue == 2 && MsyncFlags.sync.rawValue == 4)
        // include/uapi/linux/mman.h
        #expect(MremapFlags.mayMove.rawValue == 1 && MremapFlags.fixed.rawValue == 2 && MremapFlags.dontUnmap.rawValue == 4)
        // include/uapi/asm-generic/mman.h
        #expect(MlockallFlags.current.rawValue == 1 && MlockallFlags.future.rawValue == 2 && MlockallFlags.onFault.rawValue == 4)
        // include/uapi/asm-generic/mman-common.h
        let advice: [(Advice, UInt32, String)] = [
            (.normal, 0, "MADV_NORMAL"), (.random, 1, "MADV_RANDOM"), (.sequential, 2, "MADV_SEQUENTIAL"),
            (.willNeed, 3, "MADV_WILLNEED"), (.dontNeed, 4, "MADV_DONTNEED"), (.free, 8, "MADV_FREE"),
            (.remove, 9, "MADV_REMOVE"), (.dontFork, 10, "MADV_DONTFORK"), (.doFork, 11, "MADV_DOFORK"),
            (.mergeable, 12, "MADV_MERGEABLE"), (.unmergeable, 13, "MADV_UNMERGEABLE"), (.hugePage, 14, "MADV_HUGEPAGE"),
            (.noHugePage, 15, "MADV_NOHUGEPAGE"), (.cold, 20, "MADV_COLD"), (.pageOut, 21, "MADV_PAGEOUT"),
        ]
        for (a, v, name) in advice { #expect(a.rawValue == v && a.description == name, "\(name)") }
        #expect(Advice.all.map(\.advice) == advice.map(\.0))
        #expect(Advice(rawValue: 25).description == "MADV_25")
        // include/uapi/linux/mman.h (type), asm-generic/mman-common.h and asm-generic/mman.h
        let map: [(MapFlags, UInt32)] = [
            (.shared, 0x01), (.private, 0x02), (.fixed, 0x10), (.anonymous, 0x20), (.growsDown, 0x0100),
            (.locked, 0x2000), (.noReserve, 0x4000), (.populate, 0x8000), (.stack, 0x20000), (.hugeTLB, 0x40000),
            (.fixedNoReplace, 0x100000),
        ]
        for (f, v) in map { #expect(f.rawValue == v) }
        #expect(Protection.read.rawValue == 1 && Protection.write.rawValue == 2 && Protection.execute.rawValue == 4)
    }

    @Test func memoryCallsReadTheirFlagsByCall() {
        let mremap = MemoryCall(op: .mremap, flags: 1)
        #expect(mremap.mremapFlags == .mayMove && !mremap.mremapFlags.contains(.fixed))
        let mlockall = MemoryCall(op: .mlockall, flags: 3)
        #expect(mlockall.mlockallFlags == [.current, .future])
        #expect(MemoryCall(op: .msync, flags: 4).msyncFlags == .sync)
        #expect(MemoryCall(op: .madvise, flags: 4).advice == .dontNeed)
    }
}
