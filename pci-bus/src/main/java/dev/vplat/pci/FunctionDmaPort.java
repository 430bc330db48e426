package dev.vplat.pci;

import dev.vplat.pci.dma.DmaDirection;
import dev.vplat.pci.dma.DmaResult;
import dev.vplat.pci.dma.DmaStatus;
import dev.vplat.pci.dma.DmaTranslator;
import dev.vplat.pci.dma.Translation;
import dev.vplat.pci.sdk.DmaPort;
import dev.vplat.platform.irq.MsiMessage;
import dev.vplat.platform.memory.AddressSpace;
import dev.vplat.platform.trace.Trace;
import dev.vplat.platform.trace.TraceCategory;

import java.util.Arrays;
import java.util.Locale;

/**
 * The bus-master path of one function: Command.BME gating, the requester ID seen at the root
 * complex, the IOMMU that claims it (identity otherwise), per-translation chunking onto system
 * memory, and the interrupt window. On x86 hosts a write to 0xFEEx_xxxx is an interrupt request
 * delivered to the interrupt controller with the requester ID, never translated nor written to
 * memory (VT-d spec §3.14: the interrupt address range is handled by interrupt remapping), and a
 * read there is an unsupported request. On other hosts a write that lands, after translation, in
 * the host's MSI doorbell (e.g. a GIC ITS translater) is delivered as an MSI too.
 */
final class FunctionDmaPort implements DmaPort {
    private final PciFunction function;
    private final PciHost host;
    private final Trace trace;

    FunctionDmaPort(PciFunction function, PciHost host) {
        this.function = function;
        this.host = host;
        this.trace = host.machine().trace();
    }

    @Override
    public DmaResult read(long iova, int pasid, byte[] dst, int offset, int length) {
        return transfer(DmaDirection.READ, iova, pasid, dst, offset, length);
    }

    @Override
    public DmaResult write(long iova, int pasid, byte[] src, int offset, int length) {
        return transfer(DmaDirection.WRITE, iova, pasid, src, offset, length);
    }

    private DmaResult transfer(DmaDirection dir, long iova, int pasid, byte[] buf, int offset, int length) {
        if (offset < 0 || length < 0 || offset > buf.length - length) {
            throw new IndexOutOfBoundsException("DMA buffer range outside the array");
        }
        if (!function.busMasterEnabled()) {
            if (dir == DmaDirection.READ) {
                Arrays.fill(buf, offset, offset + length, (byte) 0);
            }
            trace.log(TraceCategory.DMA, function.id(), String.format(Locale.ROOT,
                    "DMA %s iova=0x%x len=%d blocked: Command.BME=0 (bus mastering disabled)", dir, iova, length));
            return DmaResult.failed(DmaStatus.BUS_MASTER_DISABLED, iova, 0);
        }
        RequesterId rid = function.upstreamRequesterId();
        int effectivePasid = effectivePasid(pasid);
        DmaTranslator translator = host.dmaRouting().translatorFor(rid);
        AddressSpace memory = host.machine().system();
        long done = 0;
        while (done < length) {
            long at = iova + done;
            int remaining = (int) (length - done);
            if (host.options().x86() && MsiMessage.inX86Window(at)) {
                if (dir == DmaDirection.READ) {
                    return fail(dir, DmaStatus.DECODE_ERROR, at, done, buf, offset, length, "read of the interrupt window");
                }
                int chunk = (int) Math.min(remaining, MsiMessage.X86_WINDOW_BASE + MsiMessage.X86_WINDOW_SIZE - at);
                interruptWrites(at, buf, offset + (int) done, chunk, rid);
                done += chunk;
                continue;
            }
            Translation t = translator == null ? Translation.identity(at) : translator.translate(rid, effectivePasid, at, dir);
            if (!t.ok()) {
                return fail(dir, t.status(), at, done, buf, offset, length, "IOMMU: " + t.status());
            }
            long contiguous = t.contiguous() > 0 ? t.contiguous() : 4096 - (at & 4095);
            int chunk = (int) Math.min(remaining, contiguous);
            if (host.options().x86() && Long.compareUnsigned(at, MsiMessage.X86_WINDOW_BASE) < 0) {
                chunk = (int) Math.min(chunk, MsiMessage.X86_WINDOW_BASE - at);
            }
            boolean decoded;
            if (dir == DmaDirection.READ) {
                decoded = memory.read(t.address(), buf, offset + (int) done, chunk);
            } else if (host.inMsiDoorbell(t.address())) {
                interruptWrites(t.address(), buf, offset + (int) done, chunk, rid);
                decoded = true;
            } else {
                decoded = memory.write(t.address(), buf, offset + (int) done, chunk);
            }
            if (!decoded) {
                return fail(dir, DmaStatus.DECODE_ERROR, at, done, buf, offset, length,
                        String.format(Locale.ROOT, "no memory at 0x%x", t.address()));
            }
            if (trace.on(TraceCategory.DMA)) {
                trace.line(TraceCategory.DMA, function.id(), String.format(Locale.ROOT, "DMA %s rid=%s iova=0x%x -> 0x%x len=%d",
                        dir, rid, at, t.address(), chunk));
            }
            done += chunk;
        }
        return DmaResult.ok(length);
    }

    private int effectivePasid(int pasid) {
        if (pasid != DmaTranslator.NO_PASID && !function.pasidEnabled()) {
            trace.log(TraceCategory.DMA, function.id(), "PASID " + pasid
                    + " requested but the PASID capability is not enabled: request sent without PASID");
            return DmaTranslator.NO_PASID;
        }
        return pasid;
    }

    private DmaResult fail(DmaDirection dir, DmaStatus status, long at, long done, byte[] buf, int offset, int length,
                           String why) {
        if (dir == DmaDirection.READ) {
            Arrays.fill(buf, offset + (int) done, offset + length, (byte) 0);
        }
        trace.log(TraceCategory.DMA, function.id(), String.format(Locale.ROOT, "DMA %s aborted at iova=0x%x after %d bytes: %s",
                dir, at, done, why));
        return DmaResult.failed(status, at, done);
    }

    /** Each dword written to an interrupt address is one MSI; partial dwords are dropped. */
    private void interruptWrites(long address, byte[] buf, int offset, int length, RequesterId rid) {
        for (int i = 0; i + 4 <= length; i += 4) {
            int data = (buf[offset + i] & 0xFF) | (buf[offset + i + 1] & 0xFF) << 8 | (buf[offset + i + 2] & 0xFF) << 16
                    | (buf[offset + i + 3] & 0xFF) << 24;
            host.machine().interrupts().deliverMsi(new MsiMessage(address + i, data, rid.value()));
        }
    }

    /** An MSI/MSI-X message: a 4-byte DMA write of {@code data} to {@code address} (PCI spec §6.8). */
    void sendMessage(long address, int data) {
        byte[] bytes = {(byte) data, (byte) (data >>> 8), (byte) (data >>> 16), (byte) (data >>> 24)};
        DmaResult r = write(address, NO_PASID, bytes, 0, 4);
        if (!r.ok()) {
            trace.log(TraceCategory.IRQ, function.id(), String.format(Locale.ROOT,
                    "MSI addr=0x%x data=0x%x dropped: %s", address, data, r.status()));
        }
    }
}
