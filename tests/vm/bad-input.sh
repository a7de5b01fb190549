#!/usr/bin/env bash
# Bad input that only shows once the VM is being built: one clear line, status 1.
. "$(dirname "$0")/lib.sh"
require_kvm

"$VESSEL" run --help >/dev/null
head -c 40M /dev/zero >"$WORK/big.img"

vm run --kernel "${GUEST_ELF:?GUEST_ELF must name the built-in guest ELF}" --initrd "$WORK/big.img" --memory 16M
expect_status 1
expect_line 'big.img \(40 MiB\) does not fit in guest memory'
[ "$(wc -l <"$WORK/out")" -eq 1 ] || fail "expected a single error line"
echo "PASS"
