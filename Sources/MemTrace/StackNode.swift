/// One node of the stack trie: the frame `offset` in `object`, called from `parent`.
///
/// `offset` is the return address minus the object's load base, i.e. an ELF virtual address of
/// the object (for object `.none`, the absolute return address).
public struct StackNode: Hashable, Sendable {
    public var id: StackID
    public var parent: StackID
    public var object: ObjectID
    public var offset: UInt64

    public init(id: StackID, parent: StackID, object: ObjectID, offset: UInt64) {
        self.id = id; self.parent = parent; self.object = object; self.offset = offset
    }
}
