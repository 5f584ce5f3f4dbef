// void swtch(struct context **save, struct context *load)
//
// Saves the callee-saved registers and EFLAGS on the current stack, stores
// that stack pointer in *save, switches to `load` and restores the same
// set from there. The return address on the new stack says where the
// other task continues: where it called swtch(), or, for a new task,
// its start routine (task.c).
        .text
        .globl  swtch
swtch:
        movl    4(%esp), %eax           // save
        movl    8(%esp), %edx           // load
        pushl   %ebp
        pushl   %ebx
        pushl   %esi
        pushl   %edi
        pushfl
        movl    %esp, (%eax)
        movl    %edx, %esp
        popfl
        popl    %edi
        popl    %esi
        popl    %ebx
        popl    %ebp
        ret

        .section .note.GNU-stack, "", @progbits
