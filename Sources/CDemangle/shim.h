// libstdc++'s Itanium C++ ABI demangler (cxxabi.h declares it only for C++).
#include <stddef.h>
char *__cxa_demangle(const char *mangled_name, char *output_buffer, size_t *length, int *status);
