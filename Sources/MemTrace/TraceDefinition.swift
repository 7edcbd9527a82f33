/// A definition written into the trace stream between events: a string, an object or a stack
/// node (the codec records `0xF1`, `0xFC` and `0xFD`).
enum TraceDefinition {
    case string(StringID, String)
    case object(StackObject)
    case stackNode(StackNode)
}
