// Entry of every firmware image: the Multiboot header and _start.
//
// A Multiboot loader enters _start in flat 32-bit protected mode, paging
// and interrupts off, EAX = 0x2BADB002, EBX = physical address of the info
// block, ESP undefined. _start sets up the boot stack, clears .bss, calls
// main(magic, mbi) and reports main's return value on the exit port.
#include "lib/multiboot.h"

#define MB_FLAGS (MULTIBOOT_PAGE_ALIGN | MULTIBOOT_MEMORY_INFO)

        .section .multiboot, "a"
        .balign 4
multiboot_header:
        .long   MULTIBOOT_HEADER_MAGIC
        .long   MB_FLAGS
        .long   -(MULTIBOOT_HEADER_MAGIC + MB_FLAGS)

        .section .text.entry, "ax"
        .globl  _start
        .type   _start, @function
_start:
        cli
        cld
        movl    $__stack_top, %esp
        movl    %eax, %esi              // magic: rep stosb clobbers EAX

        // The loader zeroes .bss too, but a loader is not obliged to zero
        // the boot stack or anything the linker placed after the file data.
        movl    $__bss_start, %edi
        movl    $__bss_end, %ecx
        subl    %edi, %ecx
        xorl    %eax, %eax
        rep stosb

        cmpl    $MULTIBOOT_BOOTLOADER_MAGIC, %esi
        jne     1f
        movl    %ebx, multiboot_info_ptr // for lib/cmdline.c
1:
        xorl    %ebp, %ebp              // end of the frame-pointer chain
        subl    $8, %esp                // keep ESP 16-byte aligned at the call
        pushl   %ebx                    // const struct multiboot_info *mbi
        pushl   %esi                    // uint32_t magic
        call    main

        outb    %al, $0xF4              // exit port: main's return value
halt:
        cli
        hlt
        jmp     halt
        .size   _start, . - _start

        .section .note.GNU-stack, "", @progbits
