/*
 * Entering and leaving CPL3. user_call() saves the kernel's callee-saved
 * registers and stack, and irets to @fn on the user stack with a return
 * address of user_exit, whose ud2 traps back to ring 0; user.c then calls
 * user_return(), which resumes user_call()'s caller.
 */
#define SEL_DATA	0x18
#define SEL_UCODE	0x2b	/* 0x28 | RPL 3 */
#define SEL_UDATA	0x23	/* 0x20 | RPL 3 */
#define USER_RFLAGS	0x2	/* IF clear: user code here polls, it takes no interrupts */

	.text
	.code64
	/* void user_call(void (*fn)(void *), void *arg, void *stack_top) */
	.global user_call
user_call:
	push %rbx
	push %rbp
	push %r12
	push %r13
	push %r14
	push %r15
	mov %rsp, kernel_rsp(%rip)
	lea -8(%rdx), %rax		/* as after a call: 16-byte aligned + 8 */
	lea user_exit(%rip), %rcx
	mov %rcx, (%rax)
	push $SEL_UDATA
	push %rax
	push $USER_RFLAGS
	push $SEL_UCODE
	push %rdi
	mov %rsi, %rdi
	iretq

	.global user_exit
user_exit:
	ud2

	.global user_return
user_return:
	mov $SEL_DATA, %eax
	mov %eax, %ss
	mov kernel_rsp(%rip), %rsp
	pop %r15
	pop %r14
	pop %r13
	pop %r12
	pop %rbp
	pop %rbx
	ret

	.bss
	.balign 8
kernel_rsp:
	.quad 0

	.section .note.GNU-stack, "", @progbits
