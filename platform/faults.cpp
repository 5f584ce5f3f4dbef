#include "faults.h"

#include <random>

#include "bus/bus.h"
#include "config_text.h"
#include "core/hex.h"
#include "core/params.h"
#include "platform.h"

namespace minipc {

using sc_core::sc_time;
using sc_core::SC_ZERO_TIME;

namespace {

// FNV-1a: a name's hash that is the same on every host and run.
uint64_t stable_hash(const std::string& s) {
  uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) h = (h ^ c) * 1099511628211ull;
  return h;
}

const std::vector<std::string> kBusKinds = {"error", "memory_error", "wait"};
const std::vector<std::string> kNetKinds = {"stuck_high", "stuck_low", "glitch", "lost_edge"};

bool is_block(const Platform& pc, const std::string& name) {
  for (const auto& b : pc.blocks())
    if (b.name == name) return true;
  return false;
}

bool one_of(const std::string& s, const std::vector<std::string>& v) {
  for (const auto& x : v)
    if (x == s) return true;
  return false;
}

}  // namespace

// ---- FaultLine --------------------------------------------------------------------

FaultLine::FaultLine(const sc_core::sc_module_name& nm, IrqLine& from_driver, IrqLine& to_readers)
    : sc_core::sc_module(nm) {
  in_(from_driver);
  out_(to_readers);
  SC_METHOD(update);
  sensitive << in_ << changed_;
}

void FaultLine::set_stuck(int level) {
  stuck_ = level;
  changed_.notify(SC_ZERO_TIME);
}

void FaultLine::set_pulse(bool on) {
  pulse_ = on;
  changed_.notify(SC_ZERO_TIME);
}

void FaultLine::lose_edges(unsigned n) {
  lose_ += n;
  changed_.notify(SC_ZERO_TIME);
}

void FaultLine::update() {
  const bool raw = in_.read();
  if (raw && !prev_ && lose_ > 0) {
    // The driver's rising edge never reaches the readers: the line stays
    // low until the driver lets go.
    --lose_;
    ++lost_;
    masking_ = true;
    if (lose_args_) lose_args_->record("rising edge lost");
  }
  if (!raw) masking_ = false;
  prev_ = raw;
  bool v = masking_ ? false : raw;
  if (pulse_) v = true;
  if (stuck_ >= 0) v = stuck_ != 0;
  drive(out_, v);
}

// ---- the faults -------------------------------------------------------------------

struct FaultInjector::Fault {
  std::string name;
  Param<std::string> target, kind;
  Param<sc_time> at, duration, every;
  Param<uint64_t> times, seed;
  std::unique_ptr<FaultArgs> args;
  FaultAction action;
  std::unique_ptr<sc_core::sc_signal<uint32_t, sc_core::SC_MANY_WRITERS>> fired;
  std::mt19937_64 rng;
  sc_time length;       // how long each firing lasts (0: an instant, or forever for stuck_*)
  uint64_t firings = 1; // 0: unlimited
  bool records_itself = false;  // the action records its firings (lost_edge, some block kinds)
  // bus faults
  uint64_t nth = 1, seen = 0, hits = 0, max_hits = 1;
  double probability = -1;

  explicit Fault(const std::string& n)
      : name(n),
        target{"faults." + n + ".target", "", "what the fault acts on: bus, a net, or a block"},
        kind{"faults." + n + ".kind", "", "the kind of fault (docs/faults.md)"},
        at{"faults." + n + ".at", SC_ZERO_TIME, "when it fires (bus faults: from when they are armed)"},
        duration{"faults." + n + ".duration", SC_ZERO_TIME, "how long it lasts (0: the kind's default)"},
        every{"faults." + n + ".every", SC_ZERO_TIME, "repeat period (0: once)"},
        times{"faults." + n + ".times", 1, "how many times it fires (0: unlimited)"},
        seed{"faults." + n + ".seed", 1, "random seed"} {}
};

FaultInjector::FaultInjector(const sc_core::sc_module_name& nm) : sc_core::sc_module(nm) {
  FaultLog::instance().clear();
  auto& cfg = ConfigStore::instance();
  // The names: every key faults.<name>.<param> (in key order, deterministic).
  std::vector<std::string> names;
  for (const auto& e : cfg.unused()) {
    if (e.key.rfind("faults.", 0) != 0) continue;
    const std::string rest = e.key.substr(7);
    const size_t dot = rest.find('.');
    if (dot == std::string::npos || dot == 0)
      throw ConfigError(e.key + " (" + e.source + "): a fault is a mapping: faults.<name>.target, .kind, ...");
    const std::string n = rest.substr(0, dot);
    if (names.empty() || names.back() != n) names.push_back(n);
  }
  for (const auto& n : names) {
    auto f = std::make_unique<Fault>(n);
    if (f->target.get().empty())
      throw ConfigError(f->target.key() + ": missing (fault '" + n + "' needs a target: bus, a net or a block)");
    if (f->kind.get().empty()) throw ConfigError(f->kind.key() + ": missing (fault '" + n + "' needs a kind)");
    if (f->target.get() != "bus" && one_of(f->kind.get(), kNetKinds)) faulted_nets_.insert(f->target.get());
    const int index = FaultLog::instance().add(n);
    f->args = std::make_unique<FaultArgs>(n, index, stable_hash(n) ^ (f->seed.get() * 0x9E3779B97F4A7C15ull));
    f->rng.seed(f->args->seed());
    f->fired = std::make_unique<sc_core::sc_signal<uint32_t, sc_core::SC_MANY_WRITERS>>(("fault_" + n).c_str(), 0u);
    faults_.push_back(std::move(f));
  }
  FaultLog::instance().on_record([this](int index, const std::string&, const std::string&) {
    auto& sig = *faults_.at(static_cast<size_t>(index - 1))->fired;
    sig.write(static_cast<uint32_t>(FaultLog::instance().fired(index)));
  });
}

FaultInjector::~FaultInjector() = default;

void FaultInjector::trace(sc_core::sc_trace_file* f) const {
  for (const auto& x : faults_) sc_core::sc_trace(f, *x->fired, "faults." + x->name);
}

void FaultInjector::wire(Platform& pc, Bus& bus) {
  for (auto& fp : faults_) {
    Fault& f = *fp;
    const std::string& target = f.target.get();
    const std::string& kind = f.kind.get();
    const std::string where = f.kind.key() + source_of(f.kind.key());
    const FaultArgs& args = *f.args;
    f.length = f.duration.get();
    f.firings = f.times.get();
    if (f.every.get() != SC_ZERO_TIME && !ConfigStore::instance().peek(f.times.key())) f.firings = 0;

    if (target == "bus") {
      if (!one_of(kind, kBusKinds))
        throw ConfigError(where + ": '" + kind + "' is not a bus fault (" + join(kBusKinds) + ")");
      Param<std::string> range{args.key("range"), "", "BASE+SIZE or FIRST-LAST"};
      Param<std::string> space{args.key("space"), "memory", "memory or io"};
      Param<std::string> master{args.key("master"), "", "a bus master's name ('' for all)"};
      Param<std::string> access{args.key("access"), kind == "memory_error" ? "read" : "any", "read, write or any"};
      Param<uint64_t> nth{args.key("nth"), 1, "the Nth matching access fires"};
      Param<double> probability{args.key("probability"), -1, "each matching access fires with this probability"};
      Param<uint64_t> cycles{args.key("cycles"), 0, "wait: extra bus cycles"};
      Param<sc_time> wait{args.key("wait"), SC_ZERO_TIME, "wait: extra time"};
      Bus::FaultRule r;
      if (space.get() == "io")
        r.space = AddressSpace::io;
      else if (space.get() != "memory")
        throw ConfigError(space.key() + source_of(space.key()) + ": '" + space.get() + "' is not a space (memory, io)");
      // The range.
      const std::string& text = range.get();
      const size_t plus = text.find('+'), dash = text.find('-');
      if (text.empty() || (plus == std::string::npos && dash == std::string::npos))
        throw ConfigError(range.key() + source_of(range.key()) + ": '" + text +
                          "' is not a range (BASE+SIZE, e.g. 0x300000+0x1000, or FIRST-LAST)");
      const size_t cut = plus != std::string::npos ? plus : dash;
      const ConfigEntry a{range.key(), text.substr(0, cut), "range"}, b{range.key(), text.substr(cut + 1), "range"};
      const uint64_t first = config_parse::to_u64(a), second = config_parse::to_u64(b);
      r.lo = first;
      r.hi = plus != std::string::npos ? first + second - 1 : second;
      const uint64_t limit = r.space == AddressSpace::io ? 0xFFFF : 0xFFFFFFFFull;
      if ((plus != std::string::npos && second == 0) || r.hi < r.lo || r.hi > limit)
        throw ConfigError(range.key() + source_of(range.key()) + ": '" + text + "' is empty or outside the " +
                          (r.space == AddressSpace::io ? "64 KiB I/O space" : "4 GiB memory space"));
      if (!master.get().empty()) {
        r.master = bus.master_index(master.get());
        if (r.master < 0) {
          std::vector<std::string> known;
          for (size_t i = 0; i < bus.initiator_count(); ++i) known.push_back(bus.initiator_name(static_cast<int>(i)));
          throw ConfigError(master.key() + source_of(master.key()) + ": no bus master '" + master.get() +
                            "' (masters: " + join(known) + ")");
        }
      }
      if (access.get() == "read")
        r.access = 1;
      else if (access.get() == "write")
        r.access = 2;
      else if (access.get() != "any")
        throw ConfigError(access.key() + source_of(access.key()) + ": '" + access.get() +
                          "' is not an access (read, write, any)");
      if (kind == "memory_error" && r.access != 1)
        throw ConfigError(access.key() + source_of(access.key()) + ": a memory error is met by reads (access: read)");
      if (probability.get() != -1 && !(probability.get() > 0 && probability.get() <= 1))
        throw ConfigError(probability.key() + source_of(probability.key()) + ": must be in (0, 1]");
      if (nth.get() == 0) throw ConfigError(nth.key() + source_of(nth.key()) + ": counts from 1");
      if (ConfigStore::instance().peek(nth.key()) && probability.get() != -1)
        throw ConfigError(nth.key() + " and " + probability.key() + ": give one trigger, not both");
      Bus::FaultEffect effect;
      effect.kind = kind == "error"          ? Bus::FaultEffect::error
                    : kind == "memory_error" ? Bus::FaultEffect::memory_error
                                             : Bus::FaultEffect::wait;
      if (kind == "wait") {
        effect.extra = bus.cycle() * static_cast<double>(cycles.get()) + wait.get();
        if (effect.extra == SC_ZERO_TIME)
          throw ConfigError(args.key("cycles") + source_of(args.key("cycles")) +
                            ": a wait fault needs cycles (extra bus cycles) or wait (a time)");
      } else if (cycles.get() || wait.get() != SC_ZERO_TIME) {
        throw ConfigError(args.key("cycles") + ": only a wait fault takes cycles or wait");
      }
      f.nth = nth.get();
      f.probability = probability.get();
      f.max_hits = f.times.get();
      const std::string what = kind == "error" ? "bus error" : kind == "memory_error" ? "memory error" : "wait states";
      r.fire = [&f, &bus, effect, what](const tlm::tlm_generic_payload& p, int m, const sc_time& t) -> Bus::FaultEffect {
        if (t < f.at.get()) return {};
        if (f.max_hits && f.hits >= f.max_hits) return {};
        ++f.seen;
        bool hit;
        if (f.probability > 0)
          hit = std::uniform_real_distribution<double>(0.0, 1.0)(f.rng) < f.probability;
        else
          hit = f.seen >= f.nth;
        if (!hit) return {};
        ++f.hits;
        f.args->record(what + " on a " + std::to_string(p.get_data_length()) + "-byte " +
                       (p.is_read() ? "read" : "write") + " of " + hex(p.get_address()) + " by " +
                       bus.initiator_name(m));
        return effect;
      };
      bus.add_fault(std::move(r));
      continue;
    }

    if (one_of(kind, kNetKinds)) {
      if (!pc.has_net(target)) {
        std::vector<std::string> driven;
        for (const auto* n : pc.nets())
          for (const auto& d : n->drivers)
            if (d.rfind(target + ".", 0) == 0) driven.push_back(n->name);
        throw ConfigError(f.target.key() + source_of(f.target.key()) + ": " +
                          (is_block(pc, target) ? "'" + target + "' is a block; " + kind + " is a fault of a net" +
                                          (driven.empty() ? "" : " (" + target + " drives " + join(driven) + ")")
                                    : "no net '" + target + "' on this platform (`minipc describe` lists the nets)"));
      }
      FaultLine& line = pc.fault_line(target);
      if (kind == "stuck_high" || kind == "stuck_low") {
        const int level = kind == "stuck_high" ? 1 : 0;
        f.action = [&line, level](bool begin) { line.set_stuck(begin ? level : -1); };
      } else if (kind == "glitch") {
        if (f.length == SC_ZERO_TIME) f.length = sc_time(100, sc_core::SC_NS);
        f.action = [&line](bool begin) { line.set_pulse(begin); };
      } else {  // lost_edge: the action arms the line; it records when an edge is lost
        line.set_lose_args(&args);
        f.action = [&line](bool begin) {
          if (begin) line.lose_edges(1);
        };
      }
      schedule(f);
      continue;
    }

    // A block's own kind.
    const std::string service = fault_service(target, kind);
    FaultHook* hook = pc.service<FaultHook>(service);
    if (!hook) {
      std::vector<std::string> offered;
      const std::string prefix = "fault:" + target + ":";
      for (const auto& s : pc.service_names())
        if (s.rfind(prefix, 0) == 0) offered.push_back(s.substr(prefix.size()));
      if (!is_block(pc, target) && !pc.has_net(target))
        throw ConfigError(f.target.key() + source_of(f.target.key()) + ": '" + target +
                          "' is not the bus, a net or a block of this platform");
      if (!is_block(pc, target))
        throw ConfigError(where + ": '" + kind + "' is not a fault of a net (" + join(kNetKinds) + ")");
      throw ConfigError(where + ": " + target + " offers no fault '" + kind + "'" +
                        (offered.empty() ? " (it offers none)" : " (it offers: " + join(offered) + ")"));
    }
    f.action = hook->prepare(args);
    f.records_itself = hook->records_itself;
    schedule(f);
  }
}

void FaultInjector::schedule(Fault& f) {
  const sc_time every = f.every.get();
  if (every == SC_ZERO_TIME && f.firings != 1)
    throw ConfigError(f.times.key() + source_of(f.times.key()) + ": repeated firings need a period (every)");
  const bool lasts = f.length != SC_ZERO_TIME;
  if (every != SC_ZERO_TIME && lasts && f.length >= every)
    throw ConfigError(f.duration.key() + source_of(f.duration.key()) + ": " + f.length.to_string() +
                      " does not end before the next firing (every " + every.to_string() + ")");
  const std::string kind = f.kind.get();
  if (kind == "lost_edge") f.records_itself = true;  // when an edge is lost, not when armed
  sc_core::sc_spawn_options opts;
  sc_core::sc_spawn(
      [&f, every, lasts, kind] {
        sc_core::wait(f.at.get());
        for (uint64_t n = 0; f.firings == 0 || n < f.firings; ++n) {
          if (n) sc_core::wait(every - (lasts ? f.length : SC_ZERO_TIME));
          f.action(true);
          if (!f.records_itself) f.args->record(kind + (lasts ? " for " + f.length.to_string() : ""));
          if (lasts) {
            sc_core::wait(f.length);
            f.action(false);
          }
        }
      },
      ("fault_" + f.name).c_str(), &opts);
}

}  // namespace minipc
