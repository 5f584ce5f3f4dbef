// machine_check: an uncorrectable memory error reported through the CPU's
// machine-check architecture (Intel SDM vol. 3B ch. 15), and a kernel that
// copes with it.
//
// The platform's fault config makes the first read of 0x00300000 fail with
// a memory error (platform/configs/machine_check.yaml: a bus fault of kind
// memory_error; tests in testbench/scenarios/machine_check.cmake). The kernel initialises the MCA as SDM §15.8 says (every
// IA32_MCi_CTL all ones, every IA32_MCi_STATUS cleared, then CR4.MCE) and
// installs a #MC handler (vector 18). main() reads the word:
//
//   #MC  the handler reads IA32_MCG_STATUS and bank 0 (STATUS, ADDR) and
//        checks them: EIPV=1, MCIP=1, RIPV=0 (the read cannot be restarted),
//        VAL UC EN ADDRV PCC with the MCA error code of a memory read error
//        (0x009F), the address, and the frame (no error code, EIP at the
//        load). It clears the bank and MCIP and ends the run through the
//        exit port: with RIPV=0 it must not IRET.
//
// Command line mce=0: CR4.MCE stays clear, so the same error must put the
// processor into shutdown (minipc: exit status 90, "machine check ...
// shutdown"); reaching the code after the read is a failure.
//
// Without the fault config the read simply succeeds: the scenario then
// prints the word and fails (check 3).
#include <stdint.h>

#include "kernel/check.h"
#include "kernel/kernel.h"
#include "kernel/trap.h"
#include "kernel/x86.h"
#include "lib/cmdline.h"
#include "lib/console.h"
#include "lib/printf.h"

#define FAULTY_WORD 0x00300000u  // well inside RAM, far above the image

#define CPUID_1_EDX_MCE (1u << 7)
#define CPUID_1_EDX_MCA (1u << 14)
#define CR4_MCE (1u << 6)

#define IA32_MCG_CAP 0x179u
#define IA32_MCG_STATUS 0x17Au
#define IA32_MCi_CTL(i) (0x400u + 4 * (i))
#define IA32_MCi_STATUS(i) (0x401u + 4 * (i))
#define IA32_MCi_ADDR(i) (0x402u + 4 * (i))
#define MCG_CAP_COUNT 0xFFu
#define MCG_CTL_P (1u << 8)
#define MCG_STATUS_RIPV (1u << 0)
#define MCG_STATUS_EIPV (1u << 1)
#define MCG_STATUS_MCIP (1u << 2)
#define MCi_STATUS_VAL (1ull << 63)
#define MCi_STATUS_OVER (1ull << 62)
#define MCi_STATUS_UC (1ull << 61)
#define MCi_STATUS_EN (1ull << 60)
#define MCi_STATUS_ADDRV (1ull << 58)
#define MCi_STATUS_PCC (1ull << 57)
#define MCA_ERROR_CODE(s) ((uint32_t)(s) & 0xFFFFu)
// Compound error code of a memory controller error: 0000 0000 1MMM CCCC,
// MMM = 001 memory read, CCCC = 1111 channel not specified.
#define MCA_MEMORY_READ_ERROR 0x009Fu

// The load that meets the error, at a known address (the #MC frame's EIP).
extern const char faulty_load_ip[];
uint32_t read_faulty_word(void);
__asm__(
    ".text\n"
    ".globl read_faulty_word\n"
    "read_faulty_word:\n"
    ".globl faulty_load_ip\n"
    "faulty_load_ip:\n"
    "  movl 0x00300000, %eax\n"
    "  ret\n");

static unsigned banks;

// SDM §15.8 "Machine-check initialization", for a processor without
// IA32_MCG_CTL: enable every error of every bank, clear what power-up left.
static void mca_init(void) {
  uint64_t cap = rdmsr(IA32_MCG_CAP);
  banks = (unsigned)(cap & MCG_CAP_COUNT);
  for (unsigned i = 0; i < banks; i++) {
    wrmsr(IA32_MCi_CTL(i), ~0ull);
    wrmsr(IA32_MCi_STATUS(i), 0);
  }
}

static int machine_check_handler(struct trapframe* tf) {
  uint64_t mcg = rdmsr(IA32_MCG_STATUS);
  uint64_t status = rdmsr(IA32_MCi_STATUS(0));
  uint64_t addr = (status & MCi_STATUS_ADDRV) ? rdmsr(IA32_MCi_ADDR(0)) : 0;

  printf("machine_check: #MC taken, IA32_MCG_STATUS=0x%llx\n", (unsigned long long)mcg);
  check(4, mcg == (MCG_STATUS_EIPV | MCG_STATUS_MCIP),
        "machine_check: MCIP and EIPV set, RIPV clear (the read cannot be restarted)");
  check(5, tf->err == 0 && tf->eip == (uint32_t)faulty_load_ip,
        "machine_check: no error code, EIP at the load");
  printf("machine_check: bank 0 IA32_MC0_STATUS=0x%016llx IA32_MC0_ADDR=0x%08llx\n",
         (unsigned long long)status, (unsigned long long)addr);
  uint64_t flags = MCi_STATUS_VAL | MCi_STATUS_UC | MCi_STATUS_EN | MCi_STATUS_ADDRV | MCi_STATUS_PCC;
  check(6, (status & (flags | MCi_STATUS_OVER)) == flags,
        "machine_check: bank 0 VAL UC EN ADDRV PCC, no overflow");
  check(7, MCA_ERROR_CODE(status) == MCA_MEMORY_READ_ERROR,
        "machine_check: MCA error code 0x%04x: memory controller, read, channel not specified",
        MCA_ERROR_CODE(status));
  check(8, addr == FAULTY_WORD, "machine_check: IA32_MC0_ADDR is the faulty word 0x%08x", FAULTY_WORD);

  // The error is handled: clear the bank, then MCIP (a machine check while
  // MCIP is set would shut the processor down).
  wrmsr(IA32_MCi_STATUS(0), 0);
  wrmsr(IA32_MCG_STATUS, 0);
  check(9, rdmsr(IA32_MCi_STATUS(0)) == 0 && rdmsr(IA32_MCG_STATUS) == 0,
        "machine_check: bank 0 and MCIP cleared");
  // RIPV=0: returning would re-run a read whose data is lost. A kernel
  // would kill the task that owns the context (or panic); this one ends
  // the run.
  check_exit("machine_check");
}

int main(void) {
  console_init();
  kernel_init(KERNEL_PIC);
  int mce = cmdline_uint("mce", 1) != 0;

  uint32_t r[4];
  cpuid(1, r);
  check(1, (r[3] & CPUID_1_EDX_MCE) && (r[3] & CPUID_1_EDX_MCA), "machine_check: CPUID reports MCE and MCA");
  mca_init();
  check(2, banks >= 1 && !(rdmsr(IA32_MCG_CAP) & MCG_CTL_P) && rdmsr(IA32_MCi_STATUS(0)) == 0,
        "machine_check: IA32_MCG_CAP has banks, bank 0 initialised");

  exception_set_handler(T_MC, machine_check_handler);
  if (mce) {
    write_cr4(read_cr4() | CR4_MCE);
    printf("machine_check: CR4.MCE set, reading 0x%08x\n", FAULTY_WORD);
  } else {
    printf("machine_check: CR4.MCE clear, reading 0x%08x: the error must shut the processor down\n", FAULTY_WORD);
  }
  uint32_t v = read_faulty_word();
  printf("machine_check: read 0x%08x = 0x%08x\n", FAULTY_WORD, v);
  check(3, 0, "machine_check: the read met a machine check");
  check_exit("machine_check");
}
