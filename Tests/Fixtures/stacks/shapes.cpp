// C++ allocation sites in a namespace, a class template and a lambda, for demangled names in the
// stack tables (StackStoreCLITests). Built with -O0 -g so each is a real frame.
#include <cstdlib>
#include <vector>

void *volatile keep;

namespace shapes {
template <typename T> struct Pool {
    T *make(std::size_t n) { return static_cast<T *>(std::malloc(n * sizeof(T))); }
};
}  // namespace shapes

int main() {
    shapes::Pool<double> pool;
    keep = pool.make(10);
    auto grow = [](int n) { return new int[n]; };
    keep = grow(5);
    std::vector<long> v(100);
    keep = v.data();
    return 0;
}
