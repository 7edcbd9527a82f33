// Symbolizer fixture: C++ namespaces, templates, a class with methods and an inlined member,
// so demangled names with parameters and template arguments can be compared with addr2line -C.
#include <cstdio>
#include <vector>
#include <string>

namespace store {
namespace detail {

template <typename T>
struct Box {
    T value;
    __attribute__((noinline)) T twice() const { return value + value; }
    inline T get() const { return value; }
};

template <typename T>
__attribute__((noinline)) T combine(const std::vector<T> &items)
{
    T out{};
    for (const auto &i : items)
        out = out + Box<T>{i}.get();
    return out;
}

}  // namespace detail

class Counter {
public:
    explicit Counter(int start) : n(start) {}
    __attribute__((noinline)) int bump(int by);
    static __attribute__((noinline)) Counter make(int n) { return Counter(n); }
private:
    int n;
};

int Counter::bump(int by)
{
    for (int i = 0; i < by; i++)
        n += detail::Box<int>{i}.twice();
    return n;
}

}  // namespace store

int main(int argc, char **)
{
    std::vector<int> xs{1, 2, 3, argc};
    std::vector<std::string> ss{"a", "b"};
    auto c = store::Counter::make(argc);
    std::printf("%d %d %s\n", store::detail::combine(xs), c.bump(argc + 2), store::detail::combine(ss).c_str());
    return 0;
}
