// ATA disk driver: the primary channel, device 0 (docs/disk.md, "Firmware
// driver").
//
// Register and bit names follow ATA/ATAPI-6 (command block 0x1F0-0x1F7,
// control block 0x3F6) and SFF-8038i for the bus-master IDE registers
// (BMICOM, BMISTA, BMIDTP), which the driver reaches by port I/O (BAR4 of the
// PCI IDE function, found at ata_init(), which also sets its Bus Master
// Enable; 0xC000 without one) or through their memory-mapped window
// (0xFEB01000), chosen at ata_init().
//
// Transfers: PIO (READ/WRITE SECTORS, REP INSW/OUTSW per 512-byte sector)
// and bus-master DMA (READ/WRITE DMA through a PRD table built from the
// buffer). Completion: polling (nIEN set; the driver polls Alternate Status
// and never sleeps, calling an optional idle hook between polls) or
// interrupts (nIEN clear; IRQ 14 via request_irq, the caller sleeps on the
// driver's wait queue until the handler completes the command).
//
// Every wait is bounded (ATA_TIMEOUT_MS of jiffies, or ata_set_timeout_ms(),
// and a poll-count cap so that a poll with interrupts off ends too); errors
// come back as negative ATA_E* codes, after which the next command works
// (the driver stops the bus master and clears BMISTA's error and interrupt
// bits).
//
// Faults (docs/faults_disk_nmi.md): a read that ends with Error UNC returns
// ATA_EUNC with the bad sector's LBA (from the task file) in
// ata_last_error_lba; ata_read_sectors() retries it ATA_READ_TRIES times in
// all, then reports the sector by LBA and goes on with the rest. A drive
// that stays BSY past the timeout, and again after a soft reset, is
// reported dead (a console line) and every later command fails at once with
// ATA_EDEAD, without waiting, until ata_init() finds it again.
#ifndef MINIPC_FW_DRIVERS_ATA_H
#define MINIPC_FW_DRIVERS_ATA_H

#include <stdint.h>

#define ATA_IRQ 14
#define ATA_SECTOR_SIZE 512
#define ATA_MAX_SECTORS 256  // per command (Sector Count 0 = 256)

// Command block (ATA-6 names).
#define ATA_REG_DATA 0x1F0
#define ATA_REG_ERROR 0x1F1     // read
#define ATA_REG_FEATURES 0x1F1  // write
#define ATA_REG_SECCOUNT 0x1F2
#define ATA_REG_LBA_LOW 0x1F3
#define ATA_REG_LBA_MID 0x1F4
#define ATA_REG_LBA_HIGH 0x1F5
#define ATA_REG_DEVICE 0x1F6
#define ATA_REG_STATUS 0x1F7   // read (clears a pending interrupt)
#define ATA_REG_COMMAND 0x1F7  // write
#define ATA_REG_ALTSTATUS 0x3F6  // read (does not clear the interrupt)
#define ATA_REG_DEVCTL 0x3F6     // write

#define ATA_SR_BSY 0x80
#define ATA_SR_DRDY 0x40
#define ATA_SR_DF 0x20
#define ATA_SR_DSC 0x10
#define ATA_SR_DRQ 0x08
#define ATA_SR_ERR 0x01

#define ATA_ER_UNC 0x40
#define ATA_ER_IDNF 0x10
#define ATA_ER_ABRT 0x04

#define ATA_DEV_LBA 0x40
#define ATA_DEV_OBS 0xA0  // obsolete bits 7 and 5, set by convention
#define ATA_DC_NIEN 0x02
#define ATA_DC_SRST 0x04

#define ATA_CMD_READ_SECTORS 0x20
#define ATA_CMD_WRITE_SECTORS 0x30
#define ATA_CMD_READ_DMA 0xC8
#define ATA_CMD_WRITE_DMA 0xCA
#define ATA_CMD_IDENTIFY 0xEC

// Bus-master IDE registers (SFF-8038i), offsets into the window.
#define ATA_BM_IO_BASE 0xC000  // without a PCI IDE function
#define ATA_BM_MMIO_BASE 0xFEB01000u
#define ATA_BMICOM 0
#define ATA_BMISTA 2
#define ATA_BMIDTP 4
#define ATA_BMICOM_START 0x01
#define ATA_BMICOM_READ 0x08  // the engine writes memory (READ DMA)
#define ATA_BMISTA_ACTIVE 0x01
#define ATA_BMISTA_ERROR 0x02
#define ATA_BMISTA_INTR 0x04
#define ATA_BMISTA_DRV0_DMA 0x20
#define ATA_BMISTA_DRV1_DMA 0x40

// Physical Region Descriptor: base, byte count (0 = 64 KiB), EOT in bit 31.
struct ata_prd {
  uint32_t base;
  uint32_t count;  // bits 15:0 byte count, bit 31 end of table
};
#define ATA_PRD_EOT 0x80000000u

// Errors (negative return values).
#define ATA_ETIMEDOUT (-1)  // BSY or DRQ did not come in time
#define ATA_EABRT (-2)      // command aborted (Error ABRT)
#define ATA_EIDNF (-3)      // address out of range (Error IDNF)
#define ATA_EDEV (-4)       // ERR or DF with other Error bits
#define ATA_EDMA (-5)       // bus-master error (BMISTA error: PRD or buffer outside RAM)
#define ATA_EINVAL (-6)     // bad argument (count, alignment, 64 KiB crossing)
#define ATA_ENODEV (-7)     // no device answers (Status 0x00 or 0xFF)
#define ATA_EUNC (-8)       // unrecoverable read error (Error UNC): the sector is ata_last_error_lba
#define ATA_EDEAD (-9)      // the drive stopped answering (BSY past the timeout, also after SRST)

enum ata_wait { ATA_POLL, ATA_INTERRUPT };
enum ata_bm_access { ATA_BM_PORT, ATA_BM_MMIO };

#define ATA_TIMEOUT_MS 1000
#define ATA_READ_TRIES 3  // ata_read_sectors(): commands per unreadable sector before it is given up
#define ATA_MAX_BAD 16    // unreadable sectors an ata_read_report lists

// Device 0 reset to the chosen modes. Interrupt mode requests IRQ 14 (once).
// Returns 0, or ATA_ENODEV / ATA_ETIMEDOUT.
int ata_init(enum ata_wait wait, enum ata_bm_access bm);
// Switches polling/interrupts or port/MMIO later (between commands).
void ata_set_wait(enum ata_wait wait);
void ata_set_bm_access(enum ata_bm_access bm);

// Called between two polls in polling mode (background work); 0 = spin.
void ata_set_idle_hook(void (*hook)(void));

// The bound on every wait for the drive (default ATA_TIMEOUT_MS), in ms.
void ata_set_timeout_ms(uint32_t ms);

// IDENTIFY DEVICE: 256 words into id; *sectors = LBA28 capacity (words
// 60-61) if sectors is not 0. 0 or an ATA_E* code.
int ata_identify(uint16_t id[256], uint32_t* sectors);

// PIO: count 1..256 sectors at lba (LBA28). 0 or an ATA_E* code.
int ata_read_pio(uint32_t lba, uint32_t count, void* buf);
int ata_write_pio(uint32_t lba, uint32_t count, const void* buf);

// DMA: buf dword aligned; the driver builds the PRD table (entries split at
// 64 KiB boundaries). 0 or an ATA_E* code.
int ata_read_dma(uint32_t lba, uint32_t count, void* buf);
int ata_write_dma(uint32_t lba, uint32_t count, const void* buf);

// Reads count (1..256) sectors at lba by PIO or DMA (in the current wait
// mode), coping with media errors: a command that ends with UNC is issued
// again from the bad sector, ATA_READ_TRIES commands in all; then the
// sector is reported ("ata: LBA <n> unreadable ..." on the console, and in
// rep), its 512 bytes in buf are zeroed, and the read goes on after it.
// Sectors before the bad one are kept from the failed command in PIO (each
// came in its own DRQ block) and read again by a separate command in DMA
// (ATA-6 leaves the data of a DMA command that failed undefined).
// Returns 0 (all read), ATA_EUNC (the others read: rep lists the bad ones)
// or another ATA_E* code (ATA_EDEAD: the drive is dead; the buffer is then
// partly filled). rep may be 0.
enum ata_xfer { ATA_XFER_PIO, ATA_XFER_DMA };
struct ata_read_report {
  uint32_t bad[ATA_MAX_BAD];  // unreadable sectors, in order (the first ATA_MAX_BAD)
  uint32_t nbad;              // how many there were
  uint32_t retries;           // commands issued again after an UNC
};
int ata_read_sectors(uint32_t lba, uint32_t count, void* buf, enum ata_xfer xfer, struct ata_read_report* rep);

// READ DMA with a caller's PRD table (tests: a table pointing outside RAM).
int ata_read_dma_prd(uint32_t lba, uint32_t count, const struct ata_prd* table);

// Bus-master register access in the selected window (tests, diagnostics).
uint8_t ata_bm_read8(uint32_t off);

// "IDNF", "timeout", ... for an ATA_E* code.
const char* ata_strerror(int err);

// Statistics since ata_init.
extern volatile uint32_t ata_irqs;      // IRQ 14 handler runs that found the drive interrupting
extern uint32_t ata_polls;              // Alternate Status / BMISTA reads in poll loops
extern uint8_t ata_last_status, ata_last_error, ata_last_bmista;  // of the last failed command
extern uint32_t ata_last_error_lba;  // the task file's LBA after the last UNC
extern int ata_dead;                 // the drive was reported dead (ATA_EDEAD)

#endif  // MINIPC_FW_DRIVERS_ATA_H
