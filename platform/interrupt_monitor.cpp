#include "interrupt_monitor.h"

#include <cstdio>

#include "apic/io_apic.h"
#include "apic/local_apic.h"
#include "core/sim_control.h"

namespace minipc {

namespace {
// Bucket bounds in ns: 100 ns .. 10 ms, roughly 1-2-5.
const std::vector<double> kBucketsNs = {100,   200,   500,    1e3,   2e3,   5e3, 1e4,
                                        2e4,   5e4,   1e5,    2e5,   5e5,   1e6, 1e7};
double ns(const sc_core::sc_time& t) { return t.to_seconds() * 1e9; }
}  // namespace

InterruptMonitor::InterruptMonitor(const sc_core::sc_module_name& nm)
    : sc_core::sc_module(nm),
      nested_(StatsRegistry::instance().counter("irq.nested", "interrupts")),
      accepted_count_(StatsRegistry::instance().counter("irq.accepted", "interrupts")) {
  SC_METHOD(on_lines);
  for (auto& l : lines) sensitive << l;
  dont_initialize();
  SC_METHOD(on_intr);
  sensitive << intr.pos();
  dont_initialize();
}

void InterruptMonitor::on_lines() {
  const sc_core::sc_time now = sc_core::sc_time_stamp();
  for (unsigned i = 0; i < 16; ++i) {
    const bool level = lines[i].read();
    // Latency counts from the most recent rising edge before acceptance: an
    // edge on a masked IOAPIC pin is lost, and a level line rises only once.
    if (level && !level_[i]) asserted_at_[i] = now;
    level_[i] = level;
  }
}

void InterruptMonitor::on_intr() { intr_rose_at_ = sc_core::sc_time_stamp(); }

void InterruptMonitor::wire(BlockBuilder& b) {
  for (unsigned i = 0; i < 16; ++i) lines[i].bind(b.read("irq" + std::to_string(i), "irq_monitor"));
  IrqLine* cpu_intr = b.find<IrqLine>("cpu.intr");
  intr.bind(cpu_intr ? *cpu_intr : b.read("irq_monitor.no_cpu", "irq_monitor"));
  Pic8259View* master = b.find<Pic8259View>("pic.master.view");
  Pic8259View* slave = b.find<Pic8259View>("pic.slave.view");
  if (master && slave) use_pics(*master, *slave);
  lapic_ = b.find<LocalApic>("apic.lapic");
  if (b.apic_mode()) {
    IoApic* ioapic = b.find<IoApic>("apic.ioapic");
    LocalApic* lapic = lapic_;
    if (ioapic && lapic) use_apic(*ioapic, *lapic);
  }
}

void InterruptMonitor::use_pics(const Pic8259View& master, const Pic8259View& slave) {
  master_ = master;
  slave_ = slave;
  master.on_eoi([this](unsigned level, const sc_core::sc_time& at) {
    if (level == 2) return;  // IR2 is the cascade: the slave's EOI names the line
    eoi(level, at);
  });
  slave.on_eoi([this](unsigned level, const sc_core::sc_time& at) { eoi(8 + level, at); });
}

void InterruptMonitor::use_apic(IoApic& ioapic, LocalApic& lapic) {
  ioapic_ = &ioapic;
  lapic.on_eoi = [this](uint8_t vector, const sc_core::sc_time& at) {
    if (const auto line = line_of(vector)) eoi(*line, at);
  };
}

std::optional<unsigned> InterruptMonitor::line_of(int vector) const {
  if (ioapic_) {
    for (unsigned pin = 1; pin < 16; ++pin) {
      const uint64_t rte = ioapic_->IOREDTBL[pin]->get();
      if ((rte & IoApic::RTE_VECTOR) == static_cast<uint64_t>(vector) && !(rte & IoApic::RTE_MASKED))
        return pin == 2 ? 0u : pin;
    }
    return std::nullopt;
  }
  if (!master_.vector_base) return std::nullopt;
  const int mbase = master_.vector_base(), sbase = slave_.vector_base();
  if (vector >= mbase && vector < mbase + 8 && vector - mbase != 2) return static_cast<unsigned>(vector - mbase);
  if (vector >= sbase && vector < sbase + 8) return static_cast<unsigned>(8 + vector - sbase);
  return std::nullopt;
}

InterruptMonitor::Vector& InterruptMonitor::stats_for(int vector) {
  auto it = vectors_.find(vector);
  if (it != vectors_.end()) return it->second;
  char name[32];
  std::snprintf(name, sizeof name, "irq.vector_0x%02x.", vector);
  auto& reg = StatsRegistry::instance();
  Vector v{&reg.histogram(std::string(name) + "assert_to_intr_ns", kBucketsNs, "ns"),
           &reg.histogram(std::string(name) + "intr_to_isr_ns", kBucketsNs, "ns"),
           &reg.histogram(std::string(name) + "isr_to_eoi_ns", kBucketsNs, "ns"),
           &reg.histogram(std::string(name) + "total_ns", kBucketsNs, "ns")};
  return vectors_.emplace(vector, v).first->second;
}

void InterruptMonitor::accepted(int vector, const sc_core::sc_time& at, bool back_to_back) {
  accepted_count_.add();
  if (storm_time.get() != sc_core::SC_ZERO_TIME) check_storm(vector, at, back_to_back);
  const auto line = line_of(vector);
  if (!line || !asserted_at_[*line]) return;  // spurious, or not from a line we watch
  if (in_service_ > 0) nested_.add();
  ++in_service_;
  const sc_core::sc_time asserted = *asserted_at_[*line];
  const sc_core::sc_time intr = intr_rose_at_ > asserted ? intr_rose_at_ : asserted;
  Vector& v = stats_for(vector);
  v.assert_to_intr->sample(ns(intr - asserted));
  v.intr_to_isr->sample(at > intr ? ns(at - intr) : 0.0);
  in_service_line_[*line] = InService{vector, asserted, at};
  inta_vector.post(at, static_cast<uint32_t>(vector));
  in_service.post(at, in_service_);
  // A new assertion while the ISR runs starts the next measurement; a
  // level-triggered line still high counts from the acceptance.
  asserted_at_[*line].reset();
}

void InterruptMonitor::eoi(unsigned line, const sc_core::sc_time& at) {
  if (!in_service_line_[line]) return;
  const InService s = *in_service_line_[line];
  Vector& v = stats_for(s.vector);
  v.isr_to_eoi->sample(at > s.accepted ? ns(at - s.accepted) : 0.0);
  v.total->sample(at > s.asserted ? ns(at - s.asserted) : 0.0);
  in_service_line_[line].reset();
  // A level-triggered line (ELCR) still high after the EOI requests again
  // from now; an edge-triggered one waits for its next rising edge.
  const bool level_triggered =
      master_.elcr && (line < 8 ? (master_.elcr() >> line) & 1 : (slave_.elcr() >> (line - 8)) & 1);
  if (level_triggered && level_[line] && !asserted_at_[line]) asserted_at_[line] = at;
  if (in_service_ > 0) --in_service_;
  in_service.post(at, in_service_);
  // Show the vector still in service underneath (nesting), or none.
  uint32_t below = 0;
  sc_core::sc_time latest = sc_core::SC_ZERO_TIME;
  for (const auto& l : in_service_line_)
    if (l && l->accepted >= latest) {
      latest = l->accepted;
      below = static_cast<uint32_t>(l->vector);
    }
  inta_vector.post(at, below);
}

// An acceptance that follows some progress (not back to back) starts a new
// span; a span of back-to-back acceptances that lasts storm_time is a storm.
void InterruptMonitor::check_storm(int vector, const sc_core::sc_time& at, bool back_to_back) {
  if (!back_to_back || !storm_open_) {
    storm_open_ = true;
    storm_start_ = at;
    storm_counts_.clear();
    storm_total_ = 0;
  }
  ++storm_counts_[vector];
  ++storm_total_;
  if (at - storm_start_ < storm_time.get() || storm_total_ < kStormMinInterrupts) return;
  auto top = storm_counts_.begin();
  const uint64_t total = storm_total_;
  for (auto it = storm_counts_.begin(); it != storm_counts_.end(); ++it)
    if (it->second > top->second) top = it;
  char msg[400];
  std::snprintf(msg, sizeof msg,
                "interrupt storm: from %.6f ms to %.6f ms of simulated time every interrupt came right after the "
                "previous one's IRET (%llu interrupts, no instruction outside interrupt handlers); vector 0x%02X "
                "%llu times",
                storm_start_.to_seconds() * 1e3, at.to_seconds() * 1e3, static_cast<unsigned long long>(total),
                top->first, static_cast<unsigned long long>(top->second));
  request_stop(StopReason::interrupt_storm, exit_status::interrupt_storm,
               std::string(msg) + ", from " + source_of(top->first) + " (" + storm_time.key() +
                   " sets the span; 0s turns the check off)");
}

// Where a vector comes from, as far as the monitor can tell.
std::string InterruptMonitor::source_of(int vector) const {
  if (const auto line = line_of(vector)) return "IRQ " + std::to_string(*line) + (ioapic_ ? " (through the I/O APIC)" : " (8259A)");
  if (lapic_) {
    const uint32_t lvt = static_cast<uint32_t>(lapic_->LVT_TIMER.get());
    if ((lvt & 0xFF) == static_cast<uint32_t>(vector) && !(lvt & LocalApic::LVT_MASKED)) {
      char buf[160];
      std::snprintf(buf, sizeof buf, "the local APIC timer (LVT timer vector 0x%02X, initial count %u, divide "
                    "configuration 0x%X)", vector, static_cast<unsigned>(lapic_->TIMER_ICR.get()),
                    static_cast<unsigned>(lapic_->TIMER_DCR.get()));
      return buf;
    }
  }
  return "not an ISA line nor the local APIC timer (another local APIC source or an IPI)";
}

}  // namespace minipc
