// A traced signal written at a model's local time.
//
// Under temporal decoupling a model serves an access at a local time ahead of
// SystemC time, but a signal can only change "now". TimedSignal queues the
// values with their times and one method writes them in time order, so the
// VCD shows the decoupled initiator's own timeline. The method is the one
// writer of the signal, whichever process posted the value.
//
// A TimedSignal exists for the waveform only (nothing reads it back). When
// the run writes no VCD, the platform turns them all off
// (timed_signals_recorded() = false) and post() does nothing: otherwise
// every post is a delta notification, and the CPU lets pending deltas run
// after every OUT (a trace marker, a register write) before it goes on.
#pragma once

#include <algorithm>
#include <deque>
#include <utility>

#include <systemc>

namespace minipc {

// Whether TimedSignals record their values (true unless the platform runs
// without a VCD).
inline bool& timed_signals_recorded() {
  static bool on = true;
  return on;
}

template <typename T>
class TimedSignal : public sc_core::sc_module {
 public:
  sc_core::sc_signal<T> signal;

  SC_HAS_PROCESS(TimedSignal);
  TimedSignal(const sc_core::sc_module_name& nm, const T& initial = T())
      : sc_core::sc_module(nm), signal("value", initial) {
    SC_METHOD(write_due);
    sensitive << due_;
    dont_initialize();
  }

  // Sets the signal to v at time `at` (>= now).
  void post(const sc_core::sc_time& at, const T& v) {
    if (!timed_signals_recorded()) return;
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    const sc_core::sc_time when = at < now ? now : at;
    if (!queue_.empty() && queue_.back().first == when) {
      queue_.back().second = v;
    } else if (!queue_.empty() && queue_.back().first > when) {
      auto it = std::upper_bound(queue_.begin(), queue_.end(), when,
                                 [](const sc_core::sc_time& t, const std::pair<sc_core::sc_time, T>& c) {
                                   return t < c.first;
                                 });
      queue_.insert(it, {when, v});
    } else {
      queue_.emplace_back(when, v);
    }
    due_.notify(when - now);
  }

  // The last value posted (what the signal will show once time catches up).
  T latest() const { return queue_.empty() ? signal.read() : queue_.back().second; }

 private:
  void write_due() {
    const sc_core::sc_time now = sc_core::sc_time_stamp();
    bool changed = false;
    T value = signal.read();
    while (!queue_.empty() && queue_.front().first <= now) {
      value = queue_.front().second;
      queue_.pop_front();
      changed = true;
    }
    if (changed && !(value == signal.read())) signal.write(value);
    if (!queue_.empty()) due_.notify(queue_.front().first - now);
  }

  std::deque<std::pair<sc_core::sc_time, T>> queue_;
  sc_core::sc_event due_;
};

}  // namespace minipc
