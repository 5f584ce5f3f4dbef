#include "bus/bus.h"
#include "core/hex.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <ostream>
#include <sstream>

#include "core/machine_check.h"
#include "core/sim_control.h"
#include "core/stats.h"
#include "core/timed_signal.h"

namespace minipc {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

Bus::Bus(const sc_core::sc_module_name& nm) : sc_core::sc_module(nm) {
  if (arbitration.get() == "round_robin")
    round_robin_ = true;
  else if (arbitration.get() != "fixed_priority")
    throw ConfigError(arbitration.key() + ": '" + arbitration.get() +
                      "' is not an arbitration policy (fixed_priority, round_robin)");
  if (clock_hz.get() <= 0) throw ConfigError(clock_hz.key() + ": must be positive");
  if (width_bytes.get() == 0 || width_bytes.get() > 4096)
    throw ConfigError(width_bytes.key() + ": " + std::to_string(width_bytes.get()) + " is not a bus width (1..4096 bytes)");
  if (address_cycles.get() > 1000)
    throw ConfigError(address_cycles.key() + ": " + std::to_string(address_cycles.get()) +
                      " bus cycles for an address phase is not a bus (at most 1000)");
  if (unmapped.get() == "error")
    strict_ = true;
  else if (unmapped.get() != "ones")
    throw ConfigError(unmapped.key() + ": '" + unmapped.get() + "' is not an unmapped-access policy (ones, error)");

  targ_socket.register_b_transport(this, &Bus::b_transport);
  targ_socket.register_transport_dbg(this, &Bus::transport_dbg);
  targ_socket.register_get_direct_mem_ptr(this, &Bus::get_direct_mem_ptr);
  init_socket.register_invalidate_direct_mem_ptr(this, &Bus::invalidate_direct_mem_ptr);

  SC_HAS_PROCESS(Bus);
  SC_METHOD(arbiter);
  sensitive << arbitrate_;
  dont_initialize();
  SC_METHOD(owner_writer);
  sensitive << owner_event_;
  dont_initialize();
}

void Bus::map(AddressSpace space, uint64_t base, uint64_t size, int target, uint64_t offset) {
  std::string why;
  if (!try_map(space, base, size, target, offset, &why)) throw ConfigError(std::string(name()) + ": " + why);
}

bool Bus::check_window(AddressSpace space, uint64_t base, uint64_t size, int target, const Mapping* ignore,
                       std::string* why) const {
  auto fail = [why](std::string text) {
    if (why) *why = std::move(text);
    return false;
  };
  if (target < 0 || static_cast<size_t>(target) >= targets_.size())
    return fail("map to unknown target " + std::to_string(target));
  if (size == 0) return fail("empty mapping for " + target_name(target));
  if (base + size < base)
    return fail(std::string(to_string(space)) + " window at " + hex(base) + " of " + target_name(target) +
                " runs past the end of the address space");
  for (const Mapping& m : maps_) {
    if (m.space != space || &m == ignore) continue;
    if (base < m.base + m.size && m.base < base + size)
      return fail(std::string(to_string(space)) + " window [" + hex(base) + ", " + hex(base + size) + ") of " +
                  target_name(target) + " overlaps [" + hex(m.base) + ", " + hex(m.base + m.size) + ") of " +
                  target_name(m.target));
  }
  return true;
}

bool Bus::try_map(AddressSpace space, uint64_t base, uint64_t size, int target, uint64_t offset, std::string* why) {
  if (!check_window(space, base, size, target, nullptr, why)) return false;
  maps_.push_back({space, base, size, target, offset});
  std::sort(maps_.begin(), maps_.end(), [](const Mapping& a, const Mapping& b) {
    return a.space != b.space ? a.space < b.space : a.base < b.base;
  });
  changed(space, base, size);
  return true;
}

bool Bus::unmap(AddressSpace space, uint64_t base, std::string* why) {
  auto it = std::find_if(maps_.begin(), maps_.end(),
                         [&](const Mapping& m) { return m.space == space && m.base == base; });
  if (it == maps_.end()) {
    if (why) *why = std::string("no ") + to_string(space) + " window starts at " + hex(base);
    return false;
  }
  const uint64_t size = it->size;
  maps_.erase(it);
  changed(space, base, size);
  return true;
}

size_t Bus::unmap_target(int target, AddressSpace space) {
  size_t n = 0;
  for (size_t i = 0; i < maps_.size();) {
    const Mapping m = maps_[i];
    if (m.target == target && m.space == space) {
      maps_.erase(maps_.begin() + static_cast<std::ptrdiff_t>(i));
      changed(space, m.base, m.size);
      ++n;
    } else {
      ++i;
    }
  }
  return n;
}

bool Bus::remap(AddressSpace space, uint64_t old_base, uint64_t new_base, std::string* why) {
  auto it = std::find_if(maps_.begin(), maps_.end(),
                         [&](const Mapping& m) { return m.space == space && m.base == old_base; });
  if (it == maps_.end()) {
    if (why) *why = std::string("no ") + to_string(space) + " window starts at " + hex(old_base);
    return false;
  }
  const Mapping moved = *it;
  if (!check_window(space, new_base, moved.size, moved.target, &*it, why)) return false;
  it->base = new_base;
  std::sort(maps_.begin(), maps_.end(), [](const Mapping& a, const Mapping& b) {
    return a.space != b.space ? a.space < b.space : a.base < b.base;
  });
  changed(space, old_base, moved.size);
  changed(space, new_base, moved.size);
  return true;
}

// A DMI region a master holds may cover the old range (it must stop using
// it) or the new one (a master that asked there before and was refused
// remembers that: the CPU classifies pages by DMI grants).
void Bus::changed(AddressSpace space, uint64_t base, uint64_t size) {
  last_hit_ = 0;
  if (!elaborated_) return;  // no master has asked for anything yet
  ++map_generation_;
  if (space != AddressSpace::memory) return;  // DMI is for memory only
  for (unsigned i = 0; i < targ_socket.size(); ++i)
    targ_socket[static_cast<int>(i)]->invalidate_direct_mem_ptr(base, base + size - 1);
}

void Bus::print_map(std::ostream& os) const {
  for (const Mapping& m : maps_) {
    const int digits = m.space == AddressSpace::io ? 4 : 8;
    char range[64];
    std::snprintf(range, sizeof range, "0x%0*llx-0x%0*llx", digits, static_cast<unsigned long long>(m.base), digits,
                  static_cast<unsigned long long>(m.base + m.size - 1));
    os << "  " << (m.space == AddressSpace::io ? "io    " : "memory") << " " << range << "  " << target_name(m.target);
    if (m.offset) os << " + " << hex(m.offset);
    os << "\n";
  }
}

const Bus::Mapping* Bus::decode(AddressSpace space, uint64_t addr, unsigned len) const {
  auto fits = [&](const Mapping& m) {
    return m.space == space && addr >= m.base && addr - m.base < m.size && len <= m.size - (addr - m.base);
  };
  if (last_hit_ < maps_.size() && fits(maps_[last_hit_])) return &maps_[last_hit_];
  for (size_t i = 0; i < maps_.size(); ++i)
    if (fits(maps_[i])) {
      last_hit_ = i;
      return &maps_[i];
    }
  return nullptr;
}

void Bus::end_of_elaboration() {
  elaborated_ = true;
  auto& stats = StatsRegistry::instance();
  const std::string me = name();
  for (auto& in : initiators_) {
    const std::string base = me + ".initiator." + in->name;
    Initiator* i = in.get();
    stats.probe(base + ".transactions", [i] { return static_cast<double>(i->transactions); });
    stats.probe(base + ".wait_ns", [i] { return i->wait.to_seconds() * 1e9; }, "ns");
    stats.probe(base + ".wait_cycles", [this, i] { return i->wait / cycle(); }, "bus cycles");
    stats.probe(base + ".busy_ns", [i] { return i->busy.to_seconds() * 1e9; }, "ns");
    stats.probe(base + ".utilisation", [i] {
      const double now = sc_core::sc_time_stamp().to_seconds();
      return now > 0 ? i->busy.to_seconds() / now : 0.0;
    });
  }
  for (auto& tg : targets_) {
    const std::string base = me + ".target." + tg->name;
    Target* t = tg.get();
    stats.probe(base + ".transactions", [t] { return static_cast<double>(t->transactions); });
    stats.probe(base + ".busy_ns", [t] { return t->busy.to_seconds() * 1e9; }, "ns");
  }
  stats.probe(me + ".unmapped_accesses", [this] { return static_cast<double>(unmapped_); });
}

sc_time Bus::own_occupancy(unsigned len) const {
  // Every transaction asks: the usual lengths are computed once (the same
  // expression, so the same sc_time to the last unit).
  if (len < occupancy_.size() && occupancy_[len] != SC_ZERO_TIME) return occupancy_[len];
  const uint64_t w = width_bytes.get();
  const uint64_t beats = std::max<uint64_t>(1, (len + w - 1) / w);
  const sc_time t = cycle() * static_cast<double>(address_cycles.get() + beats);
  if (len < occupancy_.size()) occupancy_[len] = t;
  return t;
}

void Bus::account(int id, const Mapping& m, const tlm::tlm_generic_payload& p, const sc_time& wait,
                  const sc_time& busy) {
  Initiator& in = *initiators_[static_cast<size_t>(id)];
  ++in.transactions;
  in.wait += wait;
  in.busy += busy;
  Target& tg = *targets_[static_cast<size_t>(m.target)];
  ++tg.transactions;
  tg.busy += busy;
  if (p.is_read() || p.is_write()) {
    const int k = p.is_write() ? 1 : 0;
    const sc_time own = own_occupancy(p);
    const sc_time latency = busy > own ? busy - own : SC_ZERO_TIME;
    if (!tg.latency_seen[k] || latency > tg.latency[k]) tg.latency[k] = latency;
    tg.latency_seen[k] = true;
  }
}

void Bus::want_windows(int master, bool on) {
  Initiator& in = *initiators_.at(static_cast<size_t>(master));
  if (in.wants_windows == on) return;
  in.wants_windows = on;
  window_wanters_ += on ? 1 : -1;
}

void Bus::announce_free(int master, const sc_time& start, const sc_time& end) {
  Initiator& in = *initiators_.at(static_cast<size_t>(master));
  in.free_start = start;
  in.free_end = end;
  window_changed_.notify(SC_ZERO_TIME);
}

BusMasterHost::FreeWindow Bus::free_window(int master) const {
  FreeWindow w;
  w.known = true;
  w.start = busy_until_;  // the transaction on the bus now, if any
  w.end = sc_core::sc_max_time();
  for (size_t i = 0; i < initiators_.size(); ++i) {
    const Initiator& in = *initiators_[i];
    if (static_cast<int>(i) == master || !in.active) continue;
    if (!in.announcer) {
      w.known = false;
      return w;
    }
    w.start = std::max(w.start, in.free_start);
    w.end = std::min(w.end, in.free_end);
  }
  return w;
}

bool Bus::transaction_time(tlm::tlm_command cmd, AddressSpace space, uint64_t addr, unsigned len, sc_time& t) const {
  const Mapping* m = decode(space, addr, len);
  if (!m || (cmd != tlm::TLM_READ_COMMAND && cmd != tlm::TLM_WRITE_COMMAND)) return false;
  const Target& tg = *targets_[static_cast<size_t>(m->target)];
  const int k = cmd == tlm::TLM_WRITE_COMMAND ? 1 : 0;
  if (!tg.latency_seen[k]) return false;
  t = own_occupancy(len) + tg.latency[k];
  return true;
}

void Bus::b_transport(int socket_id, tlm::tlm_generic_payload& p, sc_time& delay) {
  const int id = socket_master_[static_cast<size_t>(socket_id)];
  const AddressSpace space = address_space_of(p);
  const uint64_t addr = p.get_address();
  const Mapping* found = decode(space, addr, p.get_data_length());
  if (!found) {
    unmapped_access(id, p, delay);
    return;
  }
  // A copy: the target may change the maps (a BAR write) while it answers.
  Mapping m = *found;
  sc_time extra = SC_ZERO_TIME;  // a wait-state fault
  if (!faults_.empty()) [[unlikely]] {
    const FaultEffect e = apply_faults(id, p, sc_core::sc_time_stamp() + delay);
    if (e.kind == FaultEffect::wait)
      extra = e.extra;
    else if (e.kind != FaultEffect::none) {
      fault_response(p, e, delay);
      return;
    }
  }
  auto forward = [&](sc_time& d) {
    p.set_address(addr - m.base + m.offset);
    init_socket[m.target]->b_transport(p, d);
    p.set_address(addr);
    d += extra;
  };

  const bool snooped = !snoopers_.empty() && space == AddressSpace::memory;
  const sc_time now = sc_core::sc_time_stamp();
  const int others_active = active_count_ - (initiators_[static_cast<size_t>(id)]->active ? 1 : 0);
  if (!contention.get() || others_active == 0) {
    // No other master active: the timeline alone gives the wait, no
    // synchronisation.
    const sc_time t = now + delay;
    const sc_time start = contention.get() ? std::max(t, busy_until_) : t;
    sc_time d = (start - now) + own_occupancy(p);
    if (snooped) snoop(id, p, addr);
    forward(d);
    const sc_time end = now + d;
    if (contention.get()) busy_until_ = end;
    account(id, m, p, start - t, end - start);
    post_owner(start, id);
    post_owner(end, -1);
    delay = d;
    return;
  }

  // Several initiators: meet in time order, then arbitrate.
  if (delay != SC_ZERO_TIME) {
    wait(delay);
    delay = SC_ZERO_TIME;
  }
  Initiator& in = *initiators_[static_cast<size_t>(id)];
  const uint64_t generation = map_generation_;
  in.requesting = true;
  in.granted = false;
  in.requested_at = sc_core::sc_time_stamp();
  arbitrate_.notify(SC_ZERO_TIME);
  while (!in.granted) wait(in.grant);
  in.granted = false;
  if (generation != map_generation_) {
    // The maps changed while this request waited: decode it again.
    found = decode(space, addr, p.get_data_length());
    if (!found) {
      held_ = false;
      arbitrate_.notify(SC_ZERO_TIME);
      unmapped_access(id, p, delay);
      return;
    }
    m = *found;
  }
  const sc_time start = sc_core::sc_time_stamp();
  post_owner(start, id);
  sc_time d = own_occupancy(p);
  if (snooped) snoop(id, p, addr);
  forward(d);
  busy_until_ = start + d;
  held_ = false;
  arbitrate_.notify(d);
  post_owner(busy_until_, -1);
  account(id, m, p, start - in.requested_at, d);
  delay = d;
}

void Bus::unmapped_access(int master, tlm::tlm_generic_payload& p, sc_time& delay) {
  ++unmapped_;
  p.set_response_status(tlm::TLM_ADDRESS_ERROR_RESPONSE);
  delay += cycle() * static_cast<double>(address_cycles.get());
  if (!strict_) return;
  const Initiator& in = *initiators_[static_cast<size_t>(master)];
  const AddressSpace space = address_space_of(p);
  std::string msg = std::string(name()) + ": machine check: " + std::to_string(p.get_data_length()) + "-byte " +
                    (p.is_write() ? "write" : "read") + " by " + in.name;
  if (in.context) msg += " (" + in.context() + ")";
  msg += std::string(" at unmapped ") + (space == AddressSpace::io ? "io port " : "memory address ") +
         hex(p.get_address()) + " (" + unmapped.key() + "=error)";
  request_stop(StopReason::bus_fatal, exit_status::bus_fatal, msg);
  // The master stops here, before it sees the answer (as a machine check
  // aborts the access): the simulation ends at the end of this delta cycle.
  // A method cannot wait; it gets the address error.
  const auto kind = sc_core::sc_get_current_process_handle().proc_kind();
  if (kind == sc_core::SC_THREAD_PROC_ || kind == sc_core::SC_CTHREAD_PROC_) wait(halt_);
}

void Bus::add_fault(FaultRule rule) {
  if (rule.hi < rule.lo) throw ConfigError(std::string(name()) + ": a fault rule with an empty range");
  faults_.push_back(std::move(rule));
}

int Bus::master_index(const std::string& master) const {
  for (size_t i = 0; i < initiators_.size(); ++i)
    if (initiators_[i]->name == master) return static_cast<int>(i);
  return -1;
}

Bus::FaultEffect Bus::apply_faults(int master, tlm::tlm_generic_payload& p, const sc_time& at) {
  const AddressSpace space = address_space_of(p);
  const uint64_t lo = p.get_address(), hi = lo + (p.get_data_length() ? p.get_data_length() - 1 : 0);
  const int access = p.is_read() ? 1 : p.is_write() ? 2 : 0;
  if (!access) return {};
  FaultEffect out;
  for (FaultRule& r : faults_) {
    if (r.space != space || hi < r.lo || lo > r.hi) continue;
    if (r.master >= 0 && r.master != master) continue;
    if (r.access && r.access != access) continue;
    const FaultEffect e = r.fire(p, master, at);
    if (e.kind == FaultEffect::none) continue;
    if (e.kind == FaultEffect::wait) {
      if (out.kind == FaultEffect::none || out.kind == FaultEffect::wait) {
        out.kind = FaultEffect::wait;
        out.extra += e.extra;
      }
      continue;
    }
    if (out.kind == FaultEffect::none || out.kind == FaultEffect::wait) out = e;
  }
  return out;
}

void Bus::fault_response(tlm::tlm_generic_payload& p, const FaultEffect& e, sc_time& delay) {
  // The target never sees the access; a read returns all ones (what a PC's
  // bus gives when nobody drives it), a write is lost.
  if (p.is_read() && p.get_data_ptr()) std::memset(p.get_data_ptr(), 0xFF, p.get_data_length());
  p.set_response_status(tlm::TLM_GENERIC_ERROR_RESPONSE);
  if (e.kind == FaultEffect::memory_error) {
    // The payload owns the extension (freed with it, or replaced here).
    auto* mc = new MachineCheckExtension;
    mc->address = p.get_address();
    if (auto* old = p.set_extension(mc)) delete old;
  }
  delay += cycle() * static_cast<double>(address_cycles.get());
}

void Bus::snoop(int master, const tlm::tlm_generic_payload& p, uint64_t addr) const {
  if (!p.is_read() && !p.is_write()) return;
  for (const auto& [own, fn] : snoopers_)
    if (own != master) fn(p.is_write(), addr, p.get_data_ptr(), p.get_data_length());
}

void Bus::set_active(int master, bool active) {
  Initiator& in = *initiators_.at(static_cast<size_t>(master));
  if (in.active == active) return;
  in.active = active;
  active_count_ += active ? 1 : -1;
}

int Bus::choose() const {
  const int n = static_cast<int>(initiators_.size());
  int best = -1;
  if (round_robin_) {
    for (int k = 1; k <= n; ++k) {
      const int i = (last_granted_ + k + n) % n;
      if (initiators_[static_cast<size_t>(i)]->requesting) return i;
    }
    return -1;
  }
  for (int i = 0; i < n; ++i) {
    const Initiator& in = *initiators_[static_cast<size_t>(i)];
    if (!in.requesting) continue;
    if (best < 0 || in.priority < initiators_[static_cast<size_t>(best)]->priority) best = i;
  }
  return best;
}

void Bus::arbiter() {
  const sc_time now = sc_core::sc_time_stamp();
  if (held_) return;  // the holder notifies again on release
  if (busy_until_ > now) {
    arbitrate_.notify(busy_until_ - now);
    return;
  }
  // Decide one delta after the first wake-up at this time, so that every
  // request made at this instant is seen.
  if (!decide_armed_ || decide_at_ != now) {
    decide_armed_ = true;
    decide_at_ = now;
    arbitrate_.notify(SC_ZERO_TIME);
    return;
  }
  decide_armed_ = false;
  const int winner = choose();
  if (winner < 0) return;
  Initiator& in = *initiators_[static_cast<size_t>(winner)];
  in.requesting = false;
  in.granted = true;
  held_ = true;
  last_granted_ = winner;
  in.grant.notify();
}

void Bus::post_owner(const sc_time& at, int who) {
  auto& q = owner_changes_;
  if (!q.empty() && q.back().first == at) {
    q.back().second = who;  // release and re-grant at one instant: one change
  } else if (!q.empty() && q.back().first > at) {
    auto it = std::upper_bound(q.begin(), q.end(), at,
                               [](const sc_time& t, const std::pair<sc_time, int>& c) { return t < c.first; });
    q.insert(it, {at, who});
  } else {
    q.emplace_back(at, who);
  }
  if (owner_watched_) owner_event_.notify(at - sc_core::sc_time_stamp());
  else if (q.size() > 64) drop_past_owner_changes();
}

void Bus::drop_past_owner_changes() {
  const sc_time now = sc_core::sc_time_stamp();
  while (!owner_changes_.empty() && owner_changes_.front().first <= now) {
    owner_value_ = owner_changes_.front().second;
    owner_changes_.pop_front();
  }
}

// The waveform watches the owner from the start when a VCD is recorded.
void Bus::start_of_simulation() {
  if (timed_signals_recorded()) watch_owner();
}

// From now on the signal follows the changes: the value due now is written
// by owner_writer() in the next delta, the rest at their times. Returns the
// owner now (the signal may show it only after that delta).
int Bus::watch_owner() {
  if (owner_watched_) return owner.read();
  drop_past_owner_changes();
  owner_watched_ = true;
  const int now_value = owner_value_;
  owner_changes_.emplace_front(sc_core::sc_time_stamp(), now_value);
  owner_event_.notify(sc_core::SC_ZERO_TIME);
  return now_value;
}

void Bus::owner_writer() {
  const sc_time now = sc_core::sc_time_stamp();
  int value = owner.read();
  bool changed = false;
  while (!owner_changes_.empty() && owner_changes_.front().first <= now) {
    value = owner_changes_.front().second;
    owner_changes_.pop_front();
    changed = true;
  }
  if (changed && value != owner.read()) owner.write(value);
  if (!owner_changes_.empty()) owner_event_.notify(owner_changes_.front().first - now);
}

unsigned int Bus::transport_dbg(int socket_id, tlm::tlm_generic_payload& p) {
  const int master = socket_master_[static_cast<size_t>(socket_id)];
  if (auto* reg = p.get_extension<SnoopRegistration>()) {
    add_snooper(master, reg->snooper);
    reg->accepted = true;
    return 0;
  }
  if (auto* reg = p.get_extension<FreeWindowRegistration>()) {
    initiators_.at(static_cast<size_t>(master))->announcer = true;
    reg->bus = this;
    reg->master = master;
    reg->accepted = true;
    return 0;
  }
  if (auto* reg = p.get_extension<MasterContextRegistration>()) {
    describe_master(master, reg->context);
    reg->accepted = true;
    return 0;
  }
  const uint64_t addr = p.get_address();
  const AddressSpace space = address_space_of(p);
  const Mapping* m = decode(space, addr, 1);
  if (!m) return 0;
  const uint64_t room = m->size - (addr - m->base);
  if (p.get_data_length() > room) p.set_data_length(static_cast<unsigned>(room));
  if (!snoopers_.empty() && space == AddressSpace::memory) snoop(master, p, addr);
  p.set_address(addr - m->base + m->offset);
  const unsigned n = init_socket[m->target]->transport_dbg(p);
  p.set_address(addr);
  return n;
}

bool Bus::get_direct_mem_ptr(int, tlm::tlm_generic_payload& p, tlm::tlm_dmi& dmi) {
  const uint64_t addr = p.get_address();
  if (address_space_of(p) != AddressSpace::memory) return false;
  for (const FaultRule& r : faults_)
    if (r.space == AddressSpace::memory && addr >= r.lo && addr <= r.hi) {
      // Every access of a fault's range crosses the bus.
      dmi.set_start_address(r.lo);
      dmi.set_end_address(r.hi);
      dmi.set_granted_access(tlm::tlm_dmi::DMI_ACCESS_NONE);
      return false;
    }
  const Mapping* m = decode(AddressSpace::memory, addr, 1);
  if (!m) return false;
  p.set_address(addr - m->base + m->offset);
  const bool ok = init_socket[m->target]->get_direct_mem_ptr(p, dmi);
  p.set_address(addr);
  if (!ok) return false;
  // Target offsets back to bus addresses, clamped to this mapping's window.
  const uint64_t start = dmi.get_start_address(), end = dmi.get_end_address();
  const uint64_t lo = std::max<uint64_t>(start, m->offset);
  const uint64_t hi = std::min<uint64_t>(end, m->offset + m->size - 1);
  if (lo > hi) return false;
  dmi.set_dmi_ptr(dmi.get_dmi_ptr() + (lo - start));
  uint64_t bus_lo = lo - m->offset + m->base, bus_hi = hi - m->offset + m->base;
  // Not over a fault's range: the region shrinks to the side of addr.
  for (const FaultRule& r : faults_) {
    if (r.space != AddressSpace::memory || r.hi < bus_lo || r.lo > bus_hi) continue;
    if (r.lo > addr)
      bus_hi = r.lo - 1;
    else {
      dmi.set_dmi_ptr(dmi.get_dmi_ptr() + (r.hi + 1 - bus_lo));
      bus_lo = r.hi + 1;
    }
  }
  dmi.set_start_address(bus_lo);
  dmi.set_end_address(bus_hi);
  return true;
}

void Bus::invalidate_direct_mem_ptr(int target, sc_dt::uint64 start, sc_dt::uint64 end) {
  for (const Mapping& m : maps_) {
    if (m.target != target || m.space != AddressSpace::memory) continue;
    const uint64_t lo = std::max<uint64_t>(start, m.offset);
    const uint64_t hi = std::min<uint64_t>(end, m.offset + m.size - 1);
    if (lo > hi) continue;
    for (unsigned i = 0; i < targ_socket.size(); ++i)
      targ_socket[static_cast<int>(i)]->invalidate_direct_mem_ptr(lo - m.offset + m.base, hi - m.offset + m.base);
  }
}

}  // namespace minipc
