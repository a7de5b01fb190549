# check_image_file IMAGE: the file the guest's blk test wrote is in the image,
# read by the host's own ext2 reader (debugfs), with the checksum the guest printed.
check_image_file() {
	local want got
	want=$(sed -n 's/^data-sha256: //p' "$WORK/out")
	[ -n "$want" ] || fail "the guest printed no checksum"
	got=$(debugfs -R "cat /data" "$1" 2>/dev/null | sha256sum | cut -d' ' -f1)
	[ "$got" = "$want" ] || fail "the image holds a different /data (sha256 $got, guest said $want)"
	echo "host: /data in $1 has the guest's sha256"
}
