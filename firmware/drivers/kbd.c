// 8042 keyboard controller and set-1 keyboard driver.
#include "drivers/kbd.h"

#include "kernel/dev.h"
#include "kernel/irq.h"
#include "kernel/softirq.h"
#include "kernel/syscall.h"
#include "kernel/task.h"
#include "kernel/x86.h"
#include "lib/trace.h"

#define KBD_DATA 0x60
#define KBD_STATUS 0x64   // read
#define KBD_COMMAND 0x64  // write

#define STATUS_OBF 0x01   // output buffer full: a byte waits at 0x60
#define STATUS_IBF 0x02   // input buffer full: the controller has not taken our byte
#define STATUS_AUX 0x20   // the waiting byte is from the mouse

#define CMD_READ_CONFIG 0x20
#define CMD_WRITE_CONFIG 0x60
#define CMD_WRITE_KBD_OUTPUT 0xD2
#define CONFIG_KBD_INT 0x01  // IRQ 1 on keyboard output

// Set 1.
#define SC_RELEASE 0x80
#define SC_EXTENDED 0xE0
#define SC_LSHIFT 0x2A
#define SC_RSHIFT 0x36

#define SCAN_RING 64   // power of two
#define CHAR_RING 64

volatile uint32_t kbd_scancodes;
volatile uint32_t kbd_keys;
volatile uint32_t kbd_irqs;

static uint8_t scan_ring[SCAN_RING];
static volatile uint32_t scan_head, scan_tail;
static char char_ring[CHAR_RING];
static volatile uint32_t char_head, char_tail;
static int shift;
static int extended;

// Blocked readers, oldest first; each waits for its own request id.
struct kbd_request {
  uint32_t id;
  char c;
  volatile int done;
  struct kbd_request* next;
};
static struct kbd_request* requests;
static uint32_t next_request_id = 1;
static struct waitq kbd_wq;

static const char keymap[0x3A] = {
    0,   27,  '1', '2', '3', '4', '5', '6', '7', '8', '9', '0', '-', '=', '\b', '\t',
    'q', 'w', 'e', 'r', 't', 'y', 'u', 'i', 'o', 'p', '[', ']', '\n', 0,  'a',  's',
    'd', 'f', 'g', 'h', 'j', 'k', 'l', ';', '\'', '`', 0,  '\\', 'z', 'x', 'c', 'v',
    'b', 'n', 'm', ',', '.', '/', 0,   '*', 0,   ' ',
};
static const char keymap_shift[0x3A] = {
    0,   27,  '!', '@', '#', '$', '%', '^', '&', '*', '(', ')', '_', '+', '\b', '\t',
    'Q', 'W', 'E', 'R', 'T', 'Y', 'U', 'I', 'O', 'P', '{', '}', '\n', 0,  'A',  'S',
    'D', 'F', 'G', 'H', 'J', 'K', 'L', ':', '"', '~', 0,  '|', 'Z', 'X', 'C', 'V',
    'B', 'N', 'M', '<', '>', '?', 0,   '*', 0,   ' ',
};

static void wait_input_empty(void) {
  while (inb(KBD_STATUS) & STATUS_IBF)
    ;
}

int kbd_output_empty(void) {
  return !(inb(KBD_STATUS) & STATUS_OBF);
}

void kbd_inject(uint8_t scancode) {
  wait_input_empty();
  outb(KBD_COMMAND, CMD_WRITE_KBD_OUTPUT);
  wait_input_empty();
  outb(KBD_DATA, scancode);
}

// A character for the readers: the oldest blocked request gets it;
// otherwise it waits in the ring.
static void deliver(char c) {
  uint32_t flags = irq_save();
  kbd_keys++;
  trace_mark(TRACE_KBD_KEY, (uint8_t)c);
  if (requests) {
    struct kbd_request* r = requests;
    requests = r->next;
    r->c = c;
    r->done = 1;
    wake_up_req(&kbd_wq, r->id);
  } else if (char_head - char_tail < CHAR_RING) {
    char_ring[char_head++ % CHAR_RING] = c;
  }
  irq_restore(flags);
}

static void decode(uint8_t sc) {
  if (sc == SC_EXTENDED) {
    extended = 1;
    return;
  }
  int released = sc & SC_RELEASE;
  uint8_t code = sc & (uint8_t)~SC_RELEASE;
  if (extended) {  // cursor keys and friends: not mapped
    extended = 0;
    return;
  }
  if (code == SC_LSHIFT || code == SC_RSHIFT) {
    shift = !released;
    return;
  }
  if (released || code >= sizeof keymap)
    return;
  char c = shift ? keymap_shift[code] : keymap[code];
  if (c)
    deliver(c);
}

// Bottom half: decode everything queued.
static void kbd_bottom_half(uint32_t data) {
  (void)data;
  for (;;) {
    uint32_t flags = irq_save();
    if (scan_tail == scan_head) {
      irq_restore(flags);
      return;
    }
    uint8_t sc = scan_ring[scan_tail++ % SCAN_RING];
    irq_restore(flags);
    decode(sc);
  }
}

#ifndef KBD_POLL
static struct tasklet kbd_tasklet = TASKLET_INIT(kbd_bottom_half, 0);
#endif

// Top half: empty the controller's output buffer into the scan ring.
// Returns the number of keyboard bytes taken.
static int kbd_drain(void) {
  int taken = 0;
  uint8_t status;
  while ((status = inb(KBD_STATUS)) & STATUS_OBF) {
    uint8_t byte = inb(KBD_DATA);
    if (status & STATUS_AUX)
      continue;  // a mouse byte: not ours
    trace_mark(TRACE_KBD_SCANCODE, byte);
    kbd_scancodes++;
    if (scan_head - scan_tail < SCAN_RING)
      scan_ring[scan_head++ % SCAN_RING] = byte;
    taken++;
  }
  return taken;
}

static void write_config(uint8_t set, uint8_t clear) {
  wait_input_empty();
  outb(KBD_COMMAND, CMD_READ_CONFIG);
  while (!(inb(KBD_STATUS) & STATUS_OBF))
    ;
  uint8_t config = inb(KBD_DATA);
  config = (uint8_t)((config | set) & ~clear);
  wait_input_empty();
  outb(KBD_COMMAND, CMD_WRITE_CONFIG);
  wait_input_empty();
  outb(KBD_DATA, config);
}

#ifdef KBD_POLL
static void kbd_poller(void* arg) {
  (void)arg;
  for (;;) {
    if (kbd_drain())
      kbd_bottom_half(0);
    task_sleep_ticks(1);
  }
}
#else
static int kbd_interrupt(int irq, void* dev) {
  (void)irq;
  (void)dev;
  kbd_irqs++;
  if (!kbd_drain())
    return IRQ_NONE;
  tasklet_schedule(&kbd_tasklet);
  return IRQ_HANDLED;
}
#endif

// What SYS_read on fd 0 reaches (kernel/dev.h).
static const struct dev_ops kbd_dev = {"keyboard", kbd_read};

void kbd_init(void) {
  dev_register(DEV_KEYBOARD, &kbd_dev);
  uint32_t flags = irq_save();
  while (inb(KBD_STATUS) & STATUS_OBF)  // stale bytes from before us
    (void)inb(KBD_DATA);
#ifdef KBD_POLL
  write_config(0, CONFIG_KBD_INT);
  irq_restore(flags);
  task_create_kernel("kbdpoll", kbd_poller, 0);
#else
  write_config(CONFIG_KBD_INT, 0);
  irq_restore(flags);
  request_irq(KBD_IRQ, kbd_interrupt, 0, "keyboard");
#endif
}

int kbd_read(char* buf, uint32_t len, int nonblock) {
  if (len == 0)
    return 0;
  uint32_t flags = irq_save();
  if (char_head != char_tail) {
    uint32_t n = 0;
    while (n < len && char_head != char_tail)
      buf[n++] = char_ring[char_tail++ % CHAR_RING];
    irq_restore(flags);
    return (int)n;
  }
  if (nonblock) {
    irq_restore(flags);
    return -EAGAIN;
  }
  struct kbd_request req = {next_request_id++, 0, 0, 0};
  struct kbd_request** link = &requests;
  while (*link)
    link = &(*link)->next;
  *link = &req;
  while (!req.done)
    sleep_on(&kbd_wq, req.id);
  irq_restore(flags);
  buf[0] = req.c;
  return 1;
}
