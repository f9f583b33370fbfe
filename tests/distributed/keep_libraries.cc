// File: tests/distributed/keep_libraries.cc
// Linked into the MPI test binaries so that they run under AddressSanitizer's leak check: this
// definition interposes glibc's dlclose for every library of the process, so nothing loaded
// is ever unloaded. Open MPI loads its components (mca_*.so, and transports it probes and
// drops inside MPI_Init) with dlopen and closes them again; the few allocations they keep
// until exit then have frames in no mapped module, which no suppression can name. With every
// library still mapped at exit, the suppressions of Open MPI's own libraries (the one
// __lsan_default_suppressions hook, backends/vulkan/lsan_suppressions.cc) match, and every
// allocation of Cotangent's stays checked. Test binaries only: a user's program unloads as it
// pleases (the data-parallel example and the benchmark run plainly).

extern "C" int dlclose(void*) { return 0; }
