# The fork server of proc.fork and proc.exec (Sources/COverhead/ctx.c, cob_proc_write_fork_server
# holds these bytes). x86-64 Linux, no libc, no loader; the tool appends its own path as a C string
# right after the code (label `path`). To change it: edit, then
#   as --64 fork-server.s -o /tmp/fs.o && objcopy -O binary -j .text /tmp/fs.o /tmp/fs.bin && xxd -i /tmp/fs.bin
# and paste the array (and its length) into ctx.c. Protocol: see cob_ctx.h.
    .intel_syntax noprefix
    .text
    .globl _start
_start:
    mov rax, [rsp]
    cmp rax, 1
    jg do_exit
    sub rsp, 64
    xor eax, eax
    xor edi, edi
    mov rsi, rsp
    mov edx, 8
    syscall
    cmp rax, 8
    jne do_exit
    mov r12, [rsp]
    test r12, r12
    jz ready
    xor edi, edi
    mov rsi, r12
    mov edx, 3
    mov r10d, 0x22
    mov r8, -1
    xor r9d, r9d
    mov eax, 9
    syscall
    cmp rax, -4096
    ja fail_setup
    mov r13, rax
    mov rdi, r13
    mov rsi, r12
    mov edx, 15
    mov eax, 28
    syscall
    xor ecx, ecx
touch:
    mov byte ptr [r13+rcx], 1
    add rcx, 4096
    cmp rcx, r12
    jb touch
ready:
    xor r15d, r15d
    jmp reply
fail_setup:
    mov r15, rax
    jmp reply
loop_req:
    xor eax, eax
    xor edi, edi
    mov rsi, rsp
    mov edx, 16
    syscall
    cmp rax, 16
    jne do_exit
    mov rbx, [rsp]
    mov r14, [rsp+8]
    xor r15d, r15d
iter:
    test rbx, rbx
    jz reply
    mov eax, 57
    syscall
    test rax, rax
    js failed
    jz child
    mov rdi, rax
    lea rsi, [rsp+16]
    xor edx, edx
    xor r10d, r10d
    mov eax, 61
    syscall
    test rax, rax
    js failed
    mov eax, [rsp+16]
    test eax, eax
    jnz bad_child
    dec rbx
    jmp iter
bad_child:
    mov r15, -10
    test r14, r14
    jz reply
    mov r15, -8
    jmp reply
failed:
    mov r15, rax
reply:
    mov [rsp], r15
    mov eax, 1
    mov edi, 1
    mov rsi, rsp
    mov edx, 8
    syscall
    cmp rax, 8
    jne do_exit
    jmp loop_req
child:
    test r14, r14
    jz do_exit
    lea rdi, [rip+path]
    xor eax, eax
    push rax
    mov rdx, rsp
    push rdi
    push rdi
    mov rsi, rsp
    mov eax, 59
    syscall
    mov edi, 1
    mov eax, 231
    syscall
do_exit:
    xor edi, edi
    mov eax, 231
    syscall
path:
