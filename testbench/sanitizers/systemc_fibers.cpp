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
// A thread that ends (its function returns) leaves by sc_cor_pkg_qt::abort(),
// which tells ASan nothing: ASan would go on believing it runs on the dead
// thread's stack, with the same effect at the next throw. Its QuickThreads
// helper sc_cor_qt_aborthelp (a no-op that returns 0, run on the new stack
// right after the switch; exported, so this definition interposes it too)
// announces the switch here: the new stack is the coroutine stack holding
// the stack pointer, or else the thread's own.
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
#include <map>
#include <mutex>

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

using FinishSwitch = void (*)(void*, const void**, size_t*);

FinishSwitch real_finish_switch() {
  static const FinishSwitch real = reinterpret_cast<FinishSwitch>(dlsym(RTLD_NEXT, "__sanitizer_finish_switch_fiber"));
  return real;
}

std::mutex stacks_mutex;
std::map<const char*, size_t>& coroutine_stacks() {  // bottom -> size
  static auto* m = new std::map<const char*, size_t>;  // never freed: lives to the leak check
  return *m;
}

void note_coroutine_stack(const void* bottom, size_t size) {
  std::lock_guard<std::mutex> g(stacks_mutex);
  if (coroutine_stacks().emplace(static_cast<const char*>(bottom), size).second) __lsan_register_root_region(bottom, size);
}

Stack stack_holding(const void* sp) {
  {
    std::lock_guard<std::mutex> g(stacks_mutex);
    const auto& m = coroutine_stacks();
    auto it = m.upper_bound(static_cast<const char*>(sp));
    if (it != m.begin()) {
      --it;
      if (static_cast<const char*>(sp) < it->first + it->second) return {it->first, it->second};
    }
  }
  return this_thread_stack();
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

// SystemC's own sc_cor_qt_aborthelp only returns 0 (QuickThreads ignores it).
extern "C" void* sc_cor_qt_aborthelp(void*, void*, void*) {
  char here;
  const Stack s = stack_holding(&here);
  StartSwitch start = real_start_switch();
  FinishSwitch finish = real_finish_switch();
  if (start && finish) {
    start(nullptr, s.bottom, s.size);
    finish(nullptr, nullptr, nullptr);
  }
  return nullptr;
}
