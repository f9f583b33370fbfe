// File: backends/vulkan/lsan_suppressions.cc
// LeakSanitizer suppressions, through the sanitizer's __lsan_default_suppressions hook (a
// suppressions file passed in LSAN_OPTIONS would need an absolute path, which Bazel 4's
// --test_env cannot name); the hook is one per process, so it lives here, in every binary with
// the Vulkan backend. They list frames of third-party libraries only:
// - Mesa's lavapipe driver and the LLVM it compiles shaders with: the process-wide Vulkan
//   backend is never destroyed (arrays may outlive main), and lavapipe keeps a few allocations
//   reachable only from memory LeakSanitizer does not scan (JIT code, driver threads), so at
//   exit they look leaked. A frame matches only while its library is mapped at exit:
//   Device::Create keeps the driver loaded (KeepLibraryLoaded in loader.h).
// - Open MPI, for the MPI tests that run under ASan: MPI_Init_thread's components (the `mca_`
//   modules), its runtime layers (libopen-rte, libopen-pal, libpmix, libhwloc) and a string
//   formatted inside them (__vasprintf_internal, which Cotangent does not call) keep
//   allocations that MPI_Finalize does not free. Those binaries keep every library mapped to
//   the end (tests/distributed/keep_libraries.cc), so the frames match.
// Cotangent's own allocations, and every backend a test creates and destroys, stay fully
// checked. Without a sanitizer this function is never called.

extern "C" const char* __lsan_default_suppressions() {
  return "leak:libvulkan_lvp.so\n"
         "leak:libLLVM-15.so\n"
         "leak:libmpi.so\n"
         "leak:libopen-rte.so\n"
         "leak:libopen-pal.so\n"
         "leak:libpmix.so\n"
         "leak:libhwloc.so\n"
         "leak:mca_\n"
         "leak:__vasprintf_internal\n";
}
