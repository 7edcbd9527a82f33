import MemTrace

/// The slab objects behind the kernel objects the model creates, so each is freed to the slab it
/// came from: a vm_area_struct per VMA, task_struct, mm_struct and friends per process, a
/// task_struct and pid per extra thread, a dentry and inode per file.
public struct KernelObjects: Sendable {
    public var vmas: [VMAID: SlabObject] = [:]
    public var processes: [ProcessID: [SlabObject]] = [:]
    public var threads: [ThreadID: [SlabObject]] = [:]
    public var files: [FileID: [SlabObject]] = [:]
    public init() {}
}
