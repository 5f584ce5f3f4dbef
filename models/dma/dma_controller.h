// minipc DMAC: minipc's own four-channel DMA controller (docs/dma.md).
//
// A register target (one socket `regs`, a 0x100-byte window the platform maps
// in the memory space, the I/O space or both) and a bus master (`master`, the
// kit of core/bus_master.h: b_transport only, never DMI, never host pointers). Each channel moves
// COUNT units of 1, 2 or 4 bytes memory->memory, device->memory or
// memory->device; a device side is a fixed port or MMIO address (increment
// off) paced by the channel's DREQ/DACK handshake.
//
// How a channel holds the bus (DESIGN.md §2), given that the DMAC is connected
// to the bus with a higher priority (a smaller number) than the CPUs, as HOLD
// wins over the CPU on a PC:
//   burst        - the whole block as back-to-back transactions with no gap:
//                  the DMAC re-requests at the instant the bus frees and wins
//                  the arbitration, so a CPU waits behind the whole block
//                  (device channels: as long as DREQ stays high);
//   cycle steal  - one unit per grant, then HOLD is dropped for one bus cycle,
//                  in which a waiting CPU is granted: a CPU waits at most one
//                  unit;
//   transparent  - a unit only inside a bus-free window the other masters
//                  announced (core/bus_host.h; the CPU in accurate mode) and
//                  only when the whole unit fits in what is left of it, so the
//                  CPU is never delayed by a transparent unit. A channel that
//                  finds no window big enough starves (`starved_ns`); after
//                  `transparent_timeout` without a unit it stops with error 5
//                  (STATUS.TIMEOUT). When an active master announces nothing
//                  (a fast-mode CPU, a NIC), the old rule applies: a unit after
//                  the bus has been idle (`bus_owner` == -1) for
//                  `transparent_idle_cycles` bus cycles, and a CPU request that
//                  arrives during the unit waits for it.
// Burst and cycle-stealing holds begin with the HOLD/HLDA handshake:
// `hold_latency_cycles` bus cycles with HOLD raised before the first unit
// (transparent units need none: they go where the CPU is not on the bus).
// One engine thread serves the channels (lowest number first), because one
// master socket carries one transaction at a time.
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/bus_master.h"
#include "core/irq.h"
#include "core/peripheral.h"
#include "core/stats.h"

namespace minipc {

class DmaController : public Peripheral {
 public:
  static constexpr unsigned kChannels = 4;
  static constexpr uint64_t kWindowBytes = 0x100;
  static constexpr uint32_t kId = 0xD3AC0104;  // magic 0xD3AC, version 1, 4 channels

  SC_HAS_PROCESS(DmaController);
  explicit DmaController(const sc_core::sc_module_name& nm);

  // The bus master: connect with bus.connect_master(dma.master, "dma", prio). The
  // DMAC declares itself quiet while no channel is busy (docs/bus.md, "Quiet
  // masters"), so an idle DMAC costs the CPU nothing.
  BusMaster master{"master"};
  // Level interrupt: any bit of IRQ_STATUS & IRQ_ENABLE.
  IrqOut irq{"irq"};
  // Per channel: the device requests a unit (DREQ), the DMAC acknowledges the
  // unit it moves (DACK). Bind unused channels to a low signal.
  sc_core::sc_vector<IrqIn> dreq{"dreq", kChannels};
  sc_core::sc_vector<IrqOut> dack{"dack", kChannels};
  // The bus's `owner` signal (-1 = idle): transparent mode's idea of "idle".
  sc_core::sc_in<int> bus_owner{"bus_owner"};
  // Asks the bus to keep bus_owner up to date (it does not while nobody
  // watches) and returns the owner now: called before the idle-bus rule
  // first reads it.
  std::function<int()> watch_bus_owner;

  // HOLD (the channel requests or keeps the bus) and HLDA (the bus is granted
  // to it), per channel, for the VCD. Written by the engine thread only.
  sc_core::sc_vector<sc_core::sc_signal<bool>> hold_trace{"hold", kChannels};
  sc_core::sc_vector<sc_core::sc_signal<bool>> hlda_trace{"hlda", kChannels};

  Param<double> bus_clock_hz{this, "bus_clock_hz", 100e6,
                             "clock of the bus the DMAC masters (cycle-steal gap, transparent idle window)"};
  Param<uint64_t> transparent_idle_cycles{this, "transparent_idle_cycles", 1,
                                          "bus cycles the bus must be idle before a transparent unit (when the "
                                          "other masters announce no bus-free windows)"};
  Param<uint64_t> hold_latency_cycles{this, "hold_latency_cycles", 2,
                                      "bus cycles from HOLD (HRQ) to HLDA before the first unit of each hold, "
                                      "burst and cycle stealing (docs/dma.md)"};
  Param<sc_core::sc_time> transparent_timeout{this, "transparent_timeout", sc_core::SC_ZERO_TIME,
                                              "a transparent channel that moves no unit for this long stops with "
                                              "error 5 (STATUS.TIMEOUT); 0 s: it waits for ever"};

  // Optional: lets the DMAC measure the stall it causes from the bus's
  // per-master wait figures of these masters (the CPUs). Takes effect once
  // `master` is connected with connect_master().
  void observe_bus(std::vector<int> cpu_masters) { master.observe(std::move(cpu_masters)); }

  // ---- register map (offsets) -------------------------------------------
  enum : uint64_t {
    DMA_ID = 0x00, DMA_BUSY = 0x04, IRQ_STATUS = 0x08, IRQ_ENABLE = 0x0C,
    CH_BASE = 0x20, CH_STRIDE = 0x20,
    CH_SRC = 0x00, CH_DST = 0x04, CH_COUNT = 0x08, CH_CTRL = 0x0C, CH_REMAIN = 0x10, CH_STATUS = 0x14,
  };
  static constexpr uint64_t channel_reg(unsigned ch, uint64_t reg) { return CH_BASE + CH_STRIDE * ch + reg; }

  // CHn_CTRL fields.
  enum : uint32_t {
    CTRL_EN = 1u << 0,
    CTRL_DIR_SHIFT = 1, CTRL_DIR_MASK = 3u << 1,     // 0 mem->mem, 1 dev->mem, 2 mem->dev
    CTRL_SIZE_SHIFT = 3, CTRL_SIZE_MASK = 3u << 3,   // 0: 1 byte, 1: 2 bytes, 2: 4 bytes
    CTRL_MODE_SHIFT = 5, CTRL_MODE_MASK = 3u << 5,   // 0 burst, 1 cycle steal, 2 transparent
    CTRL_SRC_INC = 1u << 7, CTRL_DST_INC = 1u << 8,
    CTRL_SRC_IO = 1u << 9, CTRL_DST_IO = 1u << 10,   // address in the I/O space
    CTRL_IE_DONE = 1u << 11, CTRL_IE_ERR = 1u << 12,
    CTRL_ABORT = 1u << 31,                           // write 1 while busy: stop
  };
  enum Direction : uint32_t { mem_to_mem = 0, dev_to_mem = 1, mem_to_dev = 2 };
  enum Mode : uint32_t { burst = 0, cycle_steal = 1, transparent = 2 };
  // CHn_STATUS fields.
  enum : uint32_t {
    STATUS_BUSY = 1u << 0, STATUS_DONE = 1u << 1, STATUS_ERROR = 1u << 2,
    STATUS_TIMEOUT = 1u << 3,  // RO: the error is err_timeout
    STATUS_CODE_SHIFT = 8, STATUS_CODE_MASK = 0xFu << 8,
  };
  enum ErrorCode : uint32_t {
    err_none = 0, err_read_bus = 1, err_write_bus = 2, err_bad_config = 3, err_aborted = 4,
    err_timeout = 5,  // transparent: no bus-free window big enough for transparent_timeout
  };

  // The channel registers, one group per channel, in map order.
  struct ChannelRegs {
    ChannelRegs(RegisterBank& bank, unsigned n);
    Register SRC, DST, COUNT, CTRL, REMAIN, STATUS;
  };

  Register ID{bank_, "DMA_ID", DMA_ID, 4, kId, Access::read_only};
  Register BUSY{bank_, "DMA_BUSY", DMA_BUSY, 4, 0, Access::read_only};  // bit n: channel n busy
  Register ISR{bank_, "IRQ_STATUS", IRQ_STATUS, 4, 0};  // bit n done, bit 8+n error; W1C
  Register IER{bank_, "IRQ_ENABLE", IRQ_ENABLE, 4, 0};
  ChannelRegs ch_[kChannels]{{bank_, 0}, {bank_, 1}, {bank_, 2}, {bank_, 3}};

  // IRQ_STATUS as a read returns it (a debug read of the register shows its
  // stored value, which this view does not keep): for checkers.
  uint32_t irq_status() const;

 private:
  struct Channel {
    bool busy = false, done = false, abort = false;
    uint32_t error = err_none;
    uint32_t ctrl = 0;  // snapshot at enable
    uint64_t src = 0, dst = 0, remaining = 0;
    sc_core::sc_time start_at;  // local time of the enabling write
    Counter* bytes = nullptr;
    Counter* transfers = nullptr;
    Counter* blocks = nullptr;
    Counter* errors = nullptr;
    Histogram* latency = nullptr;
    Counter* timeouts = nullptr;
    sc_core::sc_time bus_busy, hold_time;
    // transparent: waiting for a window big enough since starve_start
    bool starving = false;
    sc_core::sc_time starve_start, starved;
    sc_core::sc_time cpu_stall;
    unsigned unit() const { return 1u << ((ctrl & CTRL_SIZE_MASK) >> CTRL_SIZE_SHIFT); }
    uint32_t dir() const { return (ctrl & CTRL_DIR_MASK) >> CTRL_DIR_SHIFT; }
    uint32_t mode() const { return (ctrl & CTRL_MODE_MASK) >> CTRL_MODE_SHIFT; }
  };

  void reset_state() override;
  void end_of_elaboration() override;

  // register callbacks
  uint64_t read_busy();
  uint64_t read_isr();
  void write_isr(uint64_t v);
  void write_ier(uint64_t v);
  void write_program(unsigned ch, Register& r, uint64_t v);
  void write_ctrl(unsigned ch, uint64_t v);
  uint64_t read_status(unsigned ch);
  void write_status(unsigned ch, uint64_t v);

  // engine
  void engine();
  int pick() const;
  bool ready(unsigned ch) const;
  bool bus_idle_for_window();
  bool window_for_unit(unsigned ch);
  bool unit_time(const Channel& c, sc_core::sc_time& t) const;
  void starve(unsigned ch);
  void fed(unsigned ch);
  void serve(unsigned ch);
  bool move_unit(unsigned ch);
  void granted(const sc_core::sc_time& remaining);
  void finish(unsigned ch, uint32_t error);
  void attribute_stall(int ch);

  void update_irq();
  void update_activity();

  std::array<Channel, kChannels> chan_;
  sc_core::sc_event kick_, irq_update_;
  sc_core::sc_event_or_list wake_;
  sc_core::sc_event_or_list window_wake_;  // wake_ and the bus's window announcements
  sc_core::sc_time bus_cycle_;
  bool owner_watched_ = false;  // watch_bus_owner() called
  sc_core::sc_time hold_latency_;

  sc_core::sc_time stall_snapshot_;
  int stall_channel_ = -1;
  int hold_channel_ = -1;  // the channel whose unit is on the bus
};

}  // namespace minipc
