#!/usr/bin/env bash
# --iommu: the built-in guest finds the VT-d unit in the DMAR table and drives
# it as an OS would: virtio-blk I/O through remapped IOVAs, a fault (recorded
# and signalled) for an unmapped IOVA, revocation with invalidation, queued
# invalidation, and a buffer above 4 GiB reached through an IOVA below it.
. "$(dirname "$0")/lib.sh"
require_kvm

truncate -s 16M "$WORK/disk.img"
vm run --iommu --memory 4200M --disk "$WORK/disk.img" --cmdline vessel.disktest
expect_status 0
expect_line 'acpi: rsdp .*tables: .*DMAR'
expect_line 'iommu: blk I/O through IOVA 0x4000000 \(buffer at 0x[0-9a-f]+\): ok'
expect_line 'iommu: DMA to unmapped IOVA 0x4005000: status 1, fault reason 0x5 at 0x4005000, [1-9][0-9]* fault interrupt'
expect_line 'iommu: revoked mapping \+ IOTLB invalidation: DMA refused'
expect_line 'iommu: queued invalidation with wait descriptor: ok'
expect_line 'iommu: buffer above 4 GiB through IOVA 0x4002000: ok'
expect_line 'iommu: MSI-X through IRTE 5: [1-9][0-9]* interrupt\(s\) at vector 43'
expect_line 'iommu: blocked IRTE: fault reason 0x22, index 5, 0 interrupt\(s\)'
# The split irqchip: the UART's interrupt goes through vessel's own IOAPIC.
expect_line 'uart: 16550A at 0x3f8, irq 4 -> vector 36: delivered'
expect_line 'all checks passed'

vm run --iommu --pit
expect_status 2
expect_line 'pit and --iommu'

# Without --iommu there is no DMAR table, and the disk works as before.
vm run --disk "$WORK/disk.img" --cmdline vessel.disktest
expect_status 0
expect_no_line 'DMAR'
expect_no_line 'iommu:'
echo "PASS"
