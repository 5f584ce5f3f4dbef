// The one way into the kernel: every vector stub jumps to alltraps.
//
// On entry the stack holds (from the top) vector, error code, EIP, CS,
// EFLAGS and, when the CPU came from ring 3, ESP and SS: the CPU switched
// to TSS.SS0:ESP0 before pushing them. alltraps completes the trap frame
// (struct trapframe in trap.h), switches to the kernel data segments and
// calls trap(tf). trapret undoes it all and IRETs, which returns to ring 3
// (popping SS:ESP) if the frame's CS says so.
#include "kernel/gdt.h"

        .text
        .globl  alltraps
alltraps:
        pushl   %ds
        pushl   %es
        pushl   %fs
        pushl   %gs
        pushal

        movw    $KERNEL_DS, %ax
        movw    %ax, %ds
        movw    %ax, %es
        movw    %ax, %fs
        movw    %ax, %gs

        pushl   %esp                    // struct trapframe *tf
        call    trap
        addl    $4, %esp

        // A new task's first return also starts here (task.c).
        .globl  trapret
trapret:
        popal
        popl    %gs
        popl    %fs
        popl    %es
        popl    %ds
        addl    $8, %esp                // vector and error code
        iret

        .section .note.GNU-stack, "", @progbits
