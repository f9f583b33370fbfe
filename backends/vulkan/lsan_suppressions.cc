// File: backends/vulkan/lsan_suppressions.cc
// LeakSanitizer suppressions for binaries with the Vulkan backend, through the sanitizer's
// __lsan_default_suppressions hook (a suppressions file passed in LSAN_OPTIONS would need an
// absolute path, which Bazel 4's --test_env cannot name). They list only frames of Mesa's
// lavapipe driver and of the LLVM it compiles shaders with: the process-wide Vulkan backend is
// never destroyed (arrays may outlive main), and lavapipe keeps a few allocations reachable
// only from memory LeakSanitizer does not scan (JIT code, driver threads), so at exit they
// look leaked. A frame matches only while its library is mapped at exit: Device::Create keeps
// the driver loaded (KeepLibraryLoaded in loader.h). Cotangent's own allocations, and every
// backend a test creates and destroys, stay fully checked. Without a sanitizer this function
// is never called.

extern "C" const char* __lsan_default_suppressions() {
  return "leak:libvulkan_lvp.so\n"
         "leak:libLLVM-15.so\n";
}
