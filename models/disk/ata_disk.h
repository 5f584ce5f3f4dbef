// The primary ATA channel of a PC with one drive (device 0), PIO and
// SFF-8038i bus-master IDE DMA (docs/disk.md).
//
// Three register blocks, each its own target socket:
//   regs - command block, I/O 0x1F0-0x1F7 (8 bytes): Data (16-bit PIO port),
//          Error/Features, Sector Count, LBA Low/Mid/High, Device, Status/Command;
//   ctrl - control block, I/O 0x3F6 (1 byte): Alternate Status / Device Control;
//   bmi  - bus-master IDE registers of the primary channel (8 bytes, BAR4 + 0):
//          BMICOM, BMISTA, BMIDTP.
// The bus-master engine reads the PRD table and moves the data through
// `master` (the kit of core/bus_master.h: b_transport only). IRQ 14 is `irq`.
//
// Timing is computed, not ticked (ATA-6 status protocol): a command written at
// local time t keeps BSY until its data or its completion is due; Status is
// evaluated at each access's local time. A read or write transfer costs
// command_time, plus seek_time when it does not start where the previous one
// ended, plus one sector_time (512 / bytes_per_second) per sector as the
// medium streams; the host draining or filling the buffer late delays the
// next sector.
//
// Faults (docs/faults_disk_nmi.md; hooks from unreadable_fault_hook() and
// busy_fault_hook(), offered by the ata_disk block):
//   unreadable  sectors [lba, lba+count) cannot be read while the fault is on.
//               READ SECTORS, READ DMA and READ VERIFY SECTORS that reach one
//               end there with an unrecoverable error (ATA-6): Status DRDY DSC
//               ERR (BSY 0, DRQ 0), Error UNC, and the task file (LBA Low/Mid/
//               High and Device bits 3:0, or cylinder/head/sector in CHS
//               mode) holding the address of that first bad sector. The
//               sectors before it are transferred as a drive does: each of
//               them in its own DRQ block in PIO, by the bus-master engine in
//               DMA. The bad sector itself is not transferred (no DRQ for it;
//               ATA-6 lets a drive transfer the block in error, this one does
//               not). INTRQ rises with the error. In DMA the engine stops
//               there: BMISTA Interrupt 1, Active still 1 (the PRD table was
//               not used up), Error 0 (a drive error is not a bus-master
//               error, SFF-8038i). Writes to the sectors are accepted and
//               stored; the sectors stay unreadable until the fault ends.
//   busy        the drive stops answering: from the firing until the fault
//               ends (for ever without a duration) Status and Alternate Status
//               read BSY (0x80), the command block ignores writes (commands
//               included), SRST has no effect, INTRQ is released and a
//               running command is dropped (a DMA stops where it is; BMISTA
//               and the bus-master registers, which belong to the PCI IDE
//               function, still answer). When it ends the drive reads DRDY
//               DSC again; if a command was dropped, with ERR and Error ABRT.
#pragma once

#include <tlm_utils/simple_target_socket.h>

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <systemc>
#include <tlm>

#include "core/bus_master.h"
#include "core/fault.h"
#include "core/irq.h"
#include "core/params.h"
#include "core/register_bank.h"
#include "core/stats.h"
#include "disk/disk_image.h"

namespace minipc {

class AtaDisk : public sc_core::sc_module {
 public:
  SC_HAS_PROCESS(AtaDisk);
  explicit AtaDisk(const sc_core::sc_module_name& nm);

  tlm_utils::simple_target_socket<AtaDisk> regs{"regs"};  // command block (8 bytes)
  tlm_utils::simple_target_socket<AtaDisk> ctrl{"ctrl"};  // control block (1 byte)
  tlm_utils::simple_target_socket<AtaDisk> bmi{"bmi"};    // bus-master IDE (8 bytes)
  // The bus-master engine: connect with bus.connect_master(disk.master,
  // "disk0", prio). Quiet while BMICOM.start is clear (docs/bus.md, "Quiet
  // masters").
  BusMaster master{"master"};
  IrqOut irq{"irq"};  // INTRQ (IRQ 14), released while nIEN is set

  Param<double> clock_hz{this, "clock_hz", 8.333333e6, "register access clock (ISA bus, Hz)"};
  Param<uint64_t> access_cycles{this, "access_cycles", 1, "clocks per register access"};
  Param<std::string> image{this, "image", "", "raw disk image file (empty: a blank disk of `sectors`)"};
  Param<bool> writeback{this, "writeback", false, "write through to the image file (default: copy-on-write overlay)"};
  Param<uint64_t> sectors{this, "sectors", 65536, "capacity of the blank disk when no image is given (512-byte sectors)"};
  Param<sc_core::sc_time> command_time{this, "command_time", sc_core::sc_time(2, sc_core::SC_US),
                                       "command decode/overhead time"};
  Param<sc_core::sc_time> seek_time{this, "seek_time", sc_core::sc_time(100, sc_core::SC_US),
                                    "head positioning when a transfer does not continue the previous one"};
  Param<double> bytes_per_second{this, "bytes_per_second", 50e6, "media transfer rate"};
  Param<sc_core::sc_time> reset_time{this, "reset_time", sc_core::sc_time(2, sc_core::SC_US),
                                     "BSY after SRST is cleared"};
  Param<std::string> model{this, "model", "MINIPC VIRTUAL ATA DISK", "IDENTIFY model string (40 chars max)"};
  Param<std::string> serial{this, "serial", "MP0001", "IDENTIFY serial number (20 chars max)"};

  uint64_t capacity() const { return image_->sectors(); }
  sc_core::sc_time sector_time() const;

  // ---- faults (see the top of this file) ------------------------------------
  // Marks [lba, lba+count) unreadable; remove_unreadable() undoes one such
  // call (ranges of several faults may overlap).
  void add_unreadable(uint64_t lba, uint64_t count);
  void remove_unreadable(uint64_t lba, uint64_t count);
  bool unreadable(uint64_t lba) const;
  // The first unreadable sector of [lba, lba+count), or lba+count.
  uint64_t first_unreadable(uint64_t lba, uint64_t count) const;
  // The drive stops answering (BSY) / answers again. Called at the current
  // SystemC time.
  void set_hung(bool hung);
  bool hung() const { return hung_; }

  // ---- command block (offsets into `regs`) ---------------------------------
  enum : uint64_t { DATA = 0, ERROR = 1, FEATURES = 1, SECTOR_COUNT = 2, LBA_LOW = 3, LBA_MID = 4, LBA_HIGH = 5,
                    DEVICE = 6, STATUS = 7, COMMAND = 7 };
  // ---- bus-master IDE (offsets into `bmi`) ---------------------------------
  enum : uint64_t { BMICOM = 0, BMISTA = 2, BMIDTP = 4 };
  enum : uint8_t {
    // Status (ATA-6)
    ST_ERR = 0x01, ST_DRQ = 0x08, ST_DSC = 0x10, ST_DF = 0x20, ST_DRDY = 0x40, ST_BSY = 0x80,
    // Error
    ER_ABRT = 0x04, ER_IDNF = 0x10, ER_UNC = 0x40,
    // Device
    DEV_DRV = 0x10, DEV_LBA = 0x40,
    // Device Control
    DC_NIEN = 0x02, DC_SRST = 0x04,
    // BMICOM / BMISTA (SFF-8038i)
    BMICOM_START = 0x01, BMICOM_READ = 0x08,  // READ: the engine writes memory (device -> memory)
    BMISTA_ACTIVE = 0x01, BMISTA_ERROR = 0x02, BMISTA_INTR = 0x04, BMISTA_DRV0_DMA = 0x20,
    BMISTA_DRV1_DMA = 0x40, BMISTA_SIMPLEX = 0x80,
  };
  enum : uint8_t {
    CMD_RECALIBRATE = 0x10, CMD_READ_SECTORS = 0x20, CMD_READ_SECTORS_NR = 0x21, CMD_WRITE_SECTORS = 0x30,
    CMD_WRITE_SECTORS_NR = 0x31, CMD_READ_VERIFY = 0x40, CMD_DIAGNOSTIC = 0x90, CMD_INIT_PARAMS = 0x91,
    CMD_READ_DMA = 0xC8, CMD_READ_DMA_NR = 0xC9, CMD_WRITE_DMA = 0xCA, CMD_WRITE_DMA_NR = 0xCB,
    CMD_STANDBY_IMMEDIATE = 0xE0, CMD_IDLE_IMMEDIATE = 0xE1, CMD_STANDBY = 0xE2, CMD_IDLE = 0xE3,
    CMD_CHECK_POWER = 0xE5, CMD_FLUSH_CACHE = 0xE7, CMD_IDENTIFY = 0xEC, CMD_SET_FEATURES = 0xEF,
  };

  // Registers, in the ATA-6 table order (Data, offset 0, is the 16-bit PIO
  // port served by data_read()/data_write(), outside the bank).
  RegisterBank cmd_bank_{std::string(name()) + ".cmd"};
  Register ERROR_R{cmd_bank_, "ERROR", ERROR, 1, 0x01, Access::read_only};
  Register FEATURES_R{cmd_bank_, "FEATURES", FEATURES, 1, 0x00, Access::write_only};
  Register SECTOR_COUNT_R{cmd_bank_, "SECTOR_COUNT", SECTOR_COUNT, 1, 0x01};
  Register LBA_LOW_R{cmd_bank_, "LBA_LOW", LBA_LOW, 1, 0x01};
  Register LBA_MID_R{cmd_bank_, "LBA_MID", LBA_MID, 1, 0x00};
  Register LBA_HIGH_R{cmd_bank_, "LBA_HIGH", LBA_HIGH, 1, 0x00};
  Register DEVICE_R{cmd_bank_, "DEVICE", DEVICE, 1, 0x00};
  Register STATUS_R{cmd_bank_, "STATUS", STATUS, 1, 0x50, Access::read_only};
  Register COMMAND_R{cmd_bank_, "COMMAND", COMMAND, 1, 0x00, Access::write_only};

  RegisterBank ctrl_bank_{std::string(name()) + ".ctrl"};
  Register ALT_STATUS_R{ctrl_bank_, "ALT_STATUS", 0, 1, 0x50, Access::read_only};
  Register DEVICE_CONTROL_R{ctrl_bank_, "DEVICE_CONTROL", 0, 1, 0x00, Access::write_only};

  RegisterBank bmi_bank_{std::string(name()) + ".bmi"};
  Register BMICOM_R{bmi_bank_, "BMICOM", BMICOM, 1, 0x00};
  Register BMISTA_R{bmi_bank_, "BMISTA", BMISTA, 1, 0x00};
  Register BMIDTP_R{bmi_bank_, "BMIDTP", BMIDTP, 4, 0x00000000};

 private:
  void update_activity() { master.set_active(BMICOM_R.get() & BMICOM_START); }

  enum class Phase { none, data_in_ready, data_out_ready, complete, reset_done };
  enum class Transfer { none, pio_in, pio_out, dma_in, dma_out };

  // sockets
  void b_transport_regs(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  void b_transport_ctrl(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  void b_transport_bmi(tlm::tlm_generic_payload& p, sc_core::sc_time& delay);
  void begin_access(sc_core::sc_time& delay);

  // registers
  uint8_t status_now(bool clear_interrupt);
  void write_taskfile(Register& r, uint64_t v);
  void write_command(uint64_t v);
  void write_device_control(uint64_t v);
  void write_bmicom(uint64_t v);
  void write_bmista(uint64_t v);
  void write_bmidtp(uint64_t v);
  void data_access(tlm::tlm_generic_payload& p);
  uint16_t data_read();
  void data_write(uint16_t w);

  // protocol
  void catch_up(const sc_core::sc_time& t);
  void schedule(Phase phase, const sc_core::sc_time& at);
  void complete_at(const sc_core::sc_time& at, uint8_t error);
  void set_error_address(uint64_t lba);  // the task file after an error at lba
  void media_error(const sc_core::sc_time& at);  // UNC at lba_: ends the command
  bool start_transfer(Transfer kind, const sc_core::sc_time& t);
  void build_identify();
  void raise_intrq(const sc_core::sc_time& at);
  bool selected() const { return !(DEVICE_R.get() & DEV_DRV); }
  void due();  // the one writer of `irq`

  // bus-master engine
  void dma_engine();
  void run_dma(uint64_t generation);
  enum class DmaOutcome { ok, bus_error, prd_error, stopped, media_error };
  DmaOutcome prd_transfer(uint8_t* data, unsigned len, bool to_memory, uint64_t generation);

  std::unique_ptr<DiskImage> image_;
  sc_core::sc_time access_time_;

  uint8_t status_ = ST_DRDY | ST_DSC;
  uint8_t error_ = 0x01;
  bool intrq_ = false;
  sc_core::sc_time intrq_at_;
  bool diagnostic_ = false;
  bool srst_ = false, nien_ = false;
  Phase pending_ = Phase::none;
  sc_core::sc_time busy_until_;
  uint8_t complete_error_ = 0;
  bool complete_has_lba_ = false;  // a READ VERIFY error: the task file gets complete_lba_
  uint64_t complete_lba_ = 0;
  bool chs_ = false;               // the current command addressed the drive in CHS
  bool irq_on_ready_ = true;
  bool load_sector_ = true;

  Transfer xfer_ = Transfer::none;
  uint64_t lba_ = 0, remaining_ = 0, sector_index_ = 0, head_lba_ = 0;
  sc_core::sc_time media_start_, last_done_;
  std::array<uint8_t, DiskImage::kSectorBytes> buf_{};
  unsigned buf_pos_ = 0;
  bool drq_ = false;
  bool warned_data_ = false;
  uint8_t dma_mode_word63_ = 0x04;  // multiword DMA mode 2 selected

  // bus master
  bool dma_busy_ = false;        // a DMA command owns the drive (Status shows BSY)
  uint64_t generation_ = 0;      // bumped by SRST and by stopping the engine
  sc_core::sc_time dma_cmd_at_, dma_start_at_;
  sc_core::sc_event dma_kick_, due_event_;
  uint64_t prd_next_ = 0, prd_table_ = 0, prd_base_ = 0;
  uint32_t prd_left_ = 0;
  bool prd_have_ = false, prd_eot_ = false;

  Counter& sectors_read_;
  Counter& sectors_written_;
  Counter& pio_words_;
  Counter& dma_bytes_;
  Counter& commands_;
  Counter& errors_;
  Counter& media_errors_;

  // faults
  std::vector<std::pair<uint64_t, uint64_t>> unreadable_;  // [first, end) ranges
  bool hung_ = false;
  bool hang_dropped_command_ = false;
  bool warned_hung_ = false;
};

// The disk's fault kinds (docs/faults_disk_nmi.md). prepare() reads
// faults.<name>.lba and .count (unreadable) from the config and throws
// ConfigError naming the key for a missing LBA, a count of 0 or a range
// beyond the disk.
FaultHook unreadable_fault_hook(AtaDisk& disk);
FaultHook busy_fault_hook(AtaDisk& disk);

// The ata_disk block (blocks.cpp) as other blocks see it: a PCI IDE function
// may claim the disk's bus-master engine and its bus-master registers (BAR4);
// unclaimed, the block connects them to the bus itself.
struct AtaDiskBlock {
  AtaDisk* disk = nullptr;
  unsigned bus_priority = 1;
  bool claimed = false;
};


}  // namespace minipc
