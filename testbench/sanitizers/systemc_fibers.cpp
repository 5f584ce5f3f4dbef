// Linked into every executable of a MINIPC_SANITIZE build (CMakeLists.txt):
// corrects what SystemC 2.3.4 (Debian's libsystemc) tells AddressSanitizer
// about its QuickThreads coroutines. Not minipc code under test; never built
// otherwise.
//
// SystemC announces each coroutine switch with
// __sanitizer_start_switch_fiber(fake_stack, bottom, size). For a switch back
// to the main coroutine (sc_main's own stack) it passes bottom = 0, size = 0,
// so from then on ASan believes the main stack is [0, 0): every throw on it
// (a machine check, a config error, an unwritable stats file) makes
// __asan_handle_no_return give up ("ASan is ignoring requested
// __asan_handle_no_return"), leaves the unwound frames' redzones poisoned,
// and a later access there is a false stack-buffer-overflow. This definition
// interposes the runtime's (an executable's symbols come first in the
// dynamic lookup): it puts the calling thread's real stack in place of the
// empty one and calls the runtime.
//
// It also registers every coroutine stack as a LeakSanitizer root region:
// LSan scans thread stacks, globals and the heap, not SystemC's coroutine
// stacks, so what a thread still suspended at the end of the simulation
// holds in its frames (a thread waiting forever after a machine check, say)
// would otherwise be reported as leaked.
#include <dlfcn.h>
#include <pthread.h>
#include <sanitizer/lsan_interface.h>

#include <cstddef>
#include <mutex>
#include <set>

namespace {

using StartSwitch = void (*)(void**, const void*, size_t);

StartSwitch real_start_switch() {
  static const StartSwitch real = reinterpret_cast<StartSwitch>(dlsym(RTLD_NEXT, "__sanitizer_start_switch_fiber"));
  return real;
}

struct Stack {
  const void* bottom = nullptr;
  size_t size = 0;
};

Stack this_thread_stack() {
  thread_local Stack s = [] {
    Stack r;
    pthread_attr_t a;
    if (pthread_getattr_np(pthread_self(), &a) == 0) {
      void* addr = nullptr;
      size_t size = 0;
      if (pthread_attr_getstack(&a, &addr, &size) == 0) r = {addr, size};
      pthread_attr_destroy(&a);
    }
    return r;
  }();
  return s;
}

void note_coroutine_stack(const void* bottom, size_t size) {
  static std::mutex m;
  static std::set<const void*>* known = new std::set<const void*>;  // never freed: lives to the leak check
  std::lock_guard<std::mutex> g(m);
  if (known->insert(bottom).second) __lsan_register_root_region(bottom, size);
}

}  // namespace

extern "C" void __sanitizer_start_switch_fiber(void** fake_stack_save, const void* bottom, size_t size) {
  if (bottom == nullptr || size == 0) {
    const Stack s = this_thread_stack();  // the main coroutine runs on the thread's own stack
    bottom = s.bottom;
    size = s.size;
  } else {
    note_coroutine_stack(bottom, size);
  }
  if (StartSwitch real = real_start_switch()) real(fake_stack_save, bottom, size);
}
