#!/bin/sh
# Wrap a file in an assembly source that defines SYMBOL_start and SYMBOL_end
# around its bytes. usage: embed-blob.sh INPUT OUTPUT SYMBOL
set -eu
in=$(readlink -f "$1")
cat > "$2" <<ASM
	.section .rodata
	.balign 16
	.global $3_start
	.global $3_end
$3_start:
	.incbin "$in"
$3_end:
	.section .note.GNU-stack,"",@progbits
ASM
