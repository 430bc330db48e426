package dev.vplat.vfio.iommufd;

import dev.vplat.vfio.iommu.PagingDomain;
import dev.vplat.vfio.kernel.Errno;
import dev.vplat.vfio.kernel.ErrnoException;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static dev.vplat.vfio.iommufd.Errors.fail;

/**
 * The IOVA space of one IOAS (drivers/iommu/iommufd/io_pagetable.c): areas, reserved ranges
 * with their owners, the user's allowed list, the attached domains and in-kernel accesses, and
 * the alignment they impose. Areas live in an unsigned-ordered tree and the free space is kept
 * as a set of holes, so lookups, inserts and removals stay logarithmic with a million areas and
 * first-fit allocation walks holes, not areas.
 */
public final class IoPagetable {
    static final long PAGE_SIZE = IoPages.PAGE_SIZE;
    /** HPAGE_SIZE on x86-64 with THP: the cap on automatic IOVA alignment. */
    static final long HPAGE_SIZE = 2L << 20;

    /** A reserved IOVA range and who reserved it (a domain, a device, or null for ADD_RESERVED). */
    record Reserved(long start, long last, Object owner) { }

    /** A slice of a pages object, what iopt_get_pages hands from a COPY source to its destination. */
    record Slice(IoPages pages, long startByte, long length) { }

    private final TreeMap<Long, Area> areas = new TreeMap<>(Long::compareUnsigned);
    private final List<Reserved> reserved = new ArrayList<>();
    private final IntervalSet reservedSpans = new IntervalSet();
    private final IntervalSet allowed = new IntervalSet();
    private final IntervalSet holes = new IntervalSet();
    private final List<PagingDomain> domains = new ArrayList<>();
    private final List<IommufdAccess> accesses = new ArrayList<>();
    private long alignment = 1;
    private boolean disableLargePages;

    public IoPagetable() {
        holes.add(0, U64.MAX);
    }

    public long alignment() {
        return alignment;
    }

    public int areaCount() {
        return areas.size();
    }

    /** One area as a user sees it: what one MAP or COPY created ({@code prot}: PagingDomain.PROT_*). */
    public record Mapping(long iova, long length, int prot, boolean pinnedForDomains) { }

    /** Every area in IOVA order (state snapshots and diagnostics). */
    public List<Mapping> mappings() {
        List<Mapping> out = new ArrayList<>(areas.size());
        for (Area a : areas.values()) {
            out.add(new Mapping(a.iova, a.length, a.prot, a.domainPinned));
        }
        return out;
    }

    public List<PagingDomain> domains() {
        return List.copyOf(domains);
    }

    boolean largePagesDisabled() {
        return disableLargePages;
    }

    /** The area containing {@code iova}, or null. */
    Area areaAt(long iova) {
        Map.Entry<Long, Area> e = areas.floorEntry(iova);
        return e != null && U64.le(iova, e.getValue().last()) ? e.getValue() : null;
    }

    private Area firstAreaIntersecting(long start, long last) {
        Area a = areaAt(start);
        if (a != null) {
            return a;
        }
        Map.Entry<Long, Area> e = areas.ceilingEntry(start);
        return e != null && U64.le(e.getKey(), last) ? e.getValue() : null;
    }

    /**
     * Maps {@code slices} (one for MAP, one or more for COPY) back to back at one IOVA range
     * (iopt_map_pages): length alignment, then placement (automatic or fixed), then per-area
     * checks, then filling every attached domain. Returns the IOVA.
     */
    long map(List<Slice> slices, long length, long iova, boolean allocIova, int prot) {
        if ((length & (alignment - 1)) != 0 || length == 0) {
            throw fail(Errno.EINVAL, "length 0x" + Long.toHexString(length) + " not a multiple of the IOVA alignment "
                    + alignment);
        }
        Slice first = slices.get(0);
        long at = allocIova ? allocIova(first.pages().uptr() + first.startByte(), length) : iova;
        if (!allocIova) {
            checkIova(at, length);
        }
        List<Area> created = new ArrayList<>();
        long cursor = at;
        for (Slice s : slices) {
            if ((prot & PagingDomain.PROT_WRITE) != 0 && !s.pages().writable()) {
                throw fail(Errno.EPERM, "writable mapping of read-only pages");
            }
            Area a = new Area(cursor, s.length(), s.pages(), s.startByte(), prot);
            if ((a.pageOffset() & (alignment - 1)) != 0) {
                throw fail(Errno.EINVAL, "user address page offset not aligned to " + alignment);
            }
            created.add(a);
            cursor += s.length();
        }
        int filled = 0;
        try {
            for (Area a : created) {
                fillDomains(a);
                filled++;
            }
        } catch (ErrnoException e) {
            for (int i = 0; i < filled; i++) {
                unfillDomains(created.get(i));
            }
            throw e;
        }
        for (Area a : created) {
            areas.put(a.iova, a);
            holes.carve(a.iova, a.last());
            a.pages.addAreaRef();
        }
        return at;
    }

    /** iopt_check_iova: the checks a FIXED_IOVA placement must pass. */
    private void checkIova(long iova, long length) {
        if ((iova & (alignment - 1)) != 0) {
            throw fail(Errno.EINVAL, "IOVA 0x" + Long.toHexString(iova) + " not aligned to " + alignment);
        }
        if (U64.addOverflows(iova, length - 1)) {
            throw fail(Errno.EOVERFLOW, "IOVA range wraps");
        }
        long last = iova + length - 1;
        if (reservedSpans.intersects(iova, last)) {
            throw fail(Errno.EINVAL, "IOVA range intersects a reserved range");
        }
        if (firstAreaIntersecting(iova, last) != null) {
            throw fail(Errno.EEXIST, "IOVA range intersects an existing mapping");
        }
    }

    /** iopt_alloc_iova: first fit, lowest address, inside the allowed list, never IOVA 0. */
    private long allocIova(long addr, long length) {
        if (length == 0 || U64.cmp(length, U64.MAX >>> 1) >= 0) {
            throw fail(Errno.EOVERFLOW, "length too large to place");
        }
        long align = U64.roundUpPow2(length);
        if (addr != 0) {
            align = Math.min(align, Long.lowestOneBit(addr));
        }
        if (align >= HPAGE_SIZE) {
            align = HPAGE_SIZE;
        }
        if (align < alignment) {
            throw fail(Errno.EINVAL, "natural alignment " + align + " below the IOVA alignment " + alignment);
        }
        long pageOffset = addr % PAGE_SIZE;
        List<IntervalSet.Span> spans = new ArrayList<>();
        if (allowed.isEmpty()) {
            spans.add(new IntervalSet.Span(PAGE_SIZE, U64.MAX - PAGE_SIZE));
        } else {
            for (IntervalSet.Span s : allowed.intersecting(PAGE_SIZE, U64.MAX - PAGE_SIZE)) {
                spans.add(new IntervalSet.Span(U64.max(s.start(), PAGE_SIZE), U64.min(s.last(), U64.MAX - PAGE_SIZE)));
            }
        }
        for (IntervalSet.Span span : spans) {
            if (fit(span.start(), span.last(), length, align, pageOffset) < 0) {
                continue;
            }
            for (IntervalSet.Span h : holes.intersecting(span.start(), span.last())) {
                long start = fit(U64.max(h.start(), span.start()), U64.min(h.last(), span.last()), length, align,
                        pageOffset);
                if (start != -1) {
                    return start;
                }
            }
        }
        throw fail(Errno.ENOSPC, "no free IOVA range of 0x" + Long.toHexString(length) + " bytes");
    }

    /**
     * __alloc_iova_check_hole: the aligned start if [start, last] can hold {@code length} bytes,
     * else -1 (never a valid answer: the search space ends a page below 2^64).
     */
    private static long fit(long start, long last, long length, long align, long pageOffset) {
        if (U64.lt(last - start, length - 1)) {
            return -1;
        }
        long aligned = ((start + align - 1) & -align) | pageOffset;
        if (U64.lt(aligned, start) || U64.lt(last, aligned) || U64.lt(last - aligned, length - 1)) {
            return -1;
        }
        return aligned;
    }

    /**
     * iopt_get_pages: the slices backing [iova, iova+length), which must be covered by areas
     * that follow each other without a gap (ENOENT otherwise). Any sub-range is accepted.
     */
    List<Slice> slices(long iova, long length) {
        if (length == 0) {
            throw fail(Errno.EINVAL, "zero length");
        }
        if (U64.addOverflows(iova, length - 1)) {
            throw fail(Errno.EOVERFLOW, "IOVA range wraps");
        }
        long last = iova + length - 1;
        List<Slice> out = new ArrayList<>();
        forEachContiguous(iova, last, (a, from, to) ->
                out.add(new Slice(a.pages, a.startByteAt(from), to - from + 1)), Errno.ENOENT);
        return out;
    }

    /** Visits the areas covering [iova, last] with the covered sub-range; {@code gap} if not contiguous. */
    void forEachContiguous(long iova, long last, ContigVisitor visitor, Errno gap) {
        List<Area> run = contiguous(iova, last);
        if (run == null) {
            throw fail(gap, "IOVA range is not fully mapped");
        }
        long cur = iova;
        for (Area a : run) {
            long to = U64.min(last, a.last());
            visitor.visit(a, cur, to);
            cur = to + 1;
        }
    }

    /** A visit of one area over [from, to]. */
    interface ContigVisitor {
        void visit(Area area, long from, long to);
    }

    /** iopt_area_contig_*: the areas covering [iova, last] without gaps, or null. */
    List<Area> contiguous(long iova, long last) {
        List<Area> run = new ArrayList<>();
        Area a = areaAt(iova);
        while (a != null) {
            run.add(a);
            if (U64.le(last, a.last())) {
                return run;
            }
            Area next = areas.get(a.last() + 1);
            a = next;
        }
        return null;
    }

    /**
     * iopt_unmap_iova_range: removes every area inside [start, last] in ascending order; an
     * area sticking out is ENOENT, with the areas before it already gone. Accesses holding
     * pins on an area are told to drop them first. Returns the bytes removed; none is ENOENT.
     */
    long unmap(long start, long last) {
        long unmapped = 0;
        int retries = 0;
        Area a;
        while ((a = firstAreaIntersecting(start, last)) != null) {
            if (U64.lt(a.iova, start) || U64.lt(last, a.last())) {
                throw new PartialUnmap(unmapped);
            }
            if (a.numAccesses > 0) {
                if (++retries > 100) {
                    throw fail(Errno.EDEADLK, "in-kernel access keeps IOVA 0x" + Long.toHexString(a.iova) + " pinned");
                }
                notifyAccessesOfUnmap(a.iova, a.length);
                continue;
            }
            removeArea(a);
            unmapped += a.length;
        }
        if (unmapped == 0) {
            throw fail(Errno.ENOENT, "no mapping in the range");
        }
        return unmapped;
    }

    /** ENOENT from a straddling area, carrying what was removed before it. */
    static final class PartialUnmap extends ErrnoException {
        final long unmapped;

        PartialUnmap(long unmapped) {
            super(Errno.ENOENT, "an area straddles the end of the unmap range");
            this.unmapped = unmapped;
        }
    }

    /**
     * iopt_cut_iova / iopt_area_split, used only by VFIO TYPE1 compatibility: splits the area
     * containing {@code iova} so that {@code iova} is the last byte of one piece. Nothing to do
     * when no area holds it or it already ends there. The new start must be aligned to the IOVA
     * alignment in IOVA and in the pages (EINVAL); an area pinned by an in-kernel access cannot
     * be split (EINVAL). The pieces share the pages and keep the domains' mappings as they are.
     */
    void cut(long iova) {
        Area a = areaAt(iova);
        if (a == null || iova == a.last()) {
            return;
        }
        long newStart = iova + 1;
        if ((newStart & (alignment - 1)) != 0 || (a.startByteAt(newStart) & (alignment - 1)) != 0) {
            throw fail(Errno.EINVAL, "cannot cut the area at 0x" + Long.toHexString(a.iova) + " at unaligned 0x"
                    + Long.toHexString(newStart));
        }
        if (a.numAccesses > 0) {
            throw fail(Errno.EINVAL, "cannot cut an area an in-kernel access has pinned");
        }
        Area lhs = new Area(a.iova, newStart - a.iova, a.pages, a.startByte, a.prot);
        Area rhs = new Area(newStart, a.last() - iova, a.pages, a.startByteAt(newStart), a.prot);
        if (a.domainPinned) {
            if (lhs.lastPage() == rhs.firstPage()) {
                a.pages.addUsers(rhs.firstPage(), rhs.firstPage());
            }
            lhs.domainPinned = true;
            rhs.domainPinned = true;
        }
        areas.remove(a.iova);
        areas.put(lhs.iova, lhs);
        areas.put(rhs.iova, rhs);
        a.pages.addAreaRef();
    }

    /** iopt_unmap_all: always succeeds, returns the bytes removed. */
    long unmapAll() {
        try {
            return unmap(0, U64.MAX);
        } catch (ErrnoException e) {
            if (e.errno() == Errno.ENOENT) {
                return 0;
            }
            throw e;
        }
    }

    private void notifyAccessesOfUnmap(long iova, long length) {
        for (IommufdAccess acc : List.copyOf(accesses)) {
            acc.notifyUnmap(iova, length);
        }
    }

    private void removeArea(Area a) {
        unfillDomains(a);
        areas.remove(a.iova);
        holes.release(a.iova, a.last());
        a.pages.dropAreaRef();
    }

    private void fillDomains(Area a) {
        if (domains.isEmpty()) {
            return;
        }
        a.pages.addUsers(a.firstPage(), a.lastPage());
        a.domainPinned = true;
        int mapped = 0;
        try {
            for (PagingDomain d : domains) {
                mapArea(d, a);
                mapped++;
            }
        } catch (ErrnoException e) {
            for (int i = 0; i < mapped; i++) {
                domains.get(i).unmap(a.iova, a.length);
            }
            a.pages.removeUsers(a.firstPage(), a.lastPage());
            a.domainPinned = false;
            throw e;
        }
    }

    private void unfillDomains(Area a) {
        for (PagingDomain d : domains) {
            d.unmap(a.iova, a.length);
        }
        if (a.domainPinned) {
            a.pages.removeUsers(a.firstPage(), a.lastPage());
            a.domainPinned = false;
        }
    }

    /** Maps an area whose pages are pinned into one domain, merging physically contiguous runs. */
    private static void mapArea(PagingDomain d, Area a) {
        long runIova = a.iova;
        long runGpa = -1;
        long runLen = 0;
        long offset = a.startByte;
        long remaining = a.length;
        long iova = a.iova;
        try {
            while (remaining > 0) {
                long inPage = offset % PAGE_SIZE;
                long chunk = Math.min(remaining, PAGE_SIZE - inPage);
                long gpa = a.pages.gpa(offset / PAGE_SIZE) + inPage;
                if (runLen > 0 && runGpa + runLen == gpa) {
                    runLen += chunk;
                } else {
                    if (runLen > 0) {
                        d.map(runIova, runGpa, runLen, a.prot);
                    }
                    runIova = iova;
                    runGpa = gpa;
                    runLen = chunk;
                }
                offset += chunk;
                iova += chunk;
                remaining -= chunk;
            }
            d.map(runIova, runGpa, runLen, a.prot);
        } catch (ErrnoException e) {
            if (runIova != a.iova) {
                d.unmap(a.iova, runIova - a.iova);
            }
            throw e;
        }
    }

    // ---- reserved and allowed ranges ----

    /** iopt_reserve_iova: a reservation may not touch a mapping or an allowed range (EADDRINUSE). */
    void reserve(long start, long last, Object owner) {
        if (firstAreaIntersecting(start, last) != null || allowed.intersects(start, last)) {
            throw fail(Errno.EADDRINUSE, String.format("reserved range [0x%x, 0x%x] is in use", start, last));
        }
        reserved.add(new Reserved(start, last, owner));
        rebuildSpans();
    }

    void removeReserved(Object owner) {
        if (reserved.removeIf(r -> r.owner() == owner)) {
            rebuildSpans();
        }
    }

    /** iopt_set_allow_iova: replaces the list atomically; EADDRINUSE if a range meets a reservation. */
    void setAllowed(List<IntervalSet.Span> ranges) {
        for (IntervalSet.Span r : ranges) {
            if (reservedSpans.intersects(r.start(), r.last())) {
                throw fail(Errno.EADDRINUSE, String.format("allowed range [0x%x, 0x%x] is reserved", r.start(), r.last()));
            }
        }
        allowed.clear();
        for (IntervalSet.Span r : ranges) {
            allowed.add(r.start(), r.last());
        }
    }

    /** The usable IOVA ranges: holes of the reserved set over the whole space (IOAS_IOVA_RANGES). */
    List<IntervalSet.Span> iovaRanges() {
        return reservedSpans.complement();
    }

    private void rebuildSpans() {
        List<Reserved> sorted = new ArrayList<>(reserved);
        sorted.sort((x, y) -> U64.cmp(x.start(), y.start()));
        reservedSpans.clear();
        long s = 0;
        long l = 0;
        boolean open = false;
        for (Reserved r : sorted) {
            if (open && (l == U64.MAX || U64.le(r.start(), l + 1))) {
                l = U64.max(l, r.last());
            } else {
                if (open) {
                    reservedSpans.add(s, l);
                }
                s = r.start();
                l = r.last();
                open = true;
            }
        }
        if (open) {
            reservedSpans.add(s, l);
        }
        holes.clear();
        IntervalSet used = new IntervalSet();
        reservedSpans.all().forEach(sp -> used.add(sp.start(), sp.last()));
        for (Area a : areas.values()) {
            used.add(a.iova, a.last());
        }
        for (IntervalSet.Span h : used.complement()) {
            holes.add(h.start(), h.last());
        }
    }

    // ---- domains, accesses, alignment ----

    /**
     * iopt_table_add_domain: the domain's smallest page size raises the alignment (above
     * PAGE_SIZE is EINVAL, existing misaligned areas EADDRINUSE), its aperture complement
     * becomes reserved (EADDRINUSE on conflict), then every area is mapped into it, pinning
     * the pages if it is the first domain. All or nothing.
     */
    void addDomain(PagingDomain domain) {
        long newAlignment = Math.max(Long.lowestOneBit(domain.pageSizeBitmap()), alignment);
        if (newAlignment > PAGE_SIZE) {
            throw fail(Errno.EINVAL, "domain page size " + newAlignment + " above PAGE_SIZE");
        }
        if (newAlignment != alignment) {
            checkAlignment(newAlignment);
        }
        try {
            if (domain.apertureStart() != 0) {
                reserve(0, domain.apertureStart() - 1, domain);
            }
            if (domain.apertureEnd() != U64.MAX) {
                reserve(domain.apertureEnd() + 1, U64.MAX, domain);
            }
            fillDomain(domain);
        } catch (ErrnoException e) {
            removeReserved(domain);
            throw e;
        }
        alignment = newAlignment;
        domains.add(domain);
    }

    private void fillDomain(PagingDomain domain) {
        boolean first = domains.isEmpty();
        List<Area> done = new ArrayList<>();
        try {
            for (Area a : areas.values()) {
                if (first) {
                    a.pages.addUsers(a.firstPage(), a.lastPage());
                    a.domainPinned = true;
                }
                done.add(a);
                mapArea(domain, a);
            }
        } catch (ErrnoException e) {
            for (Area a : done) {
                domain.unmap(a.iova, a.length);
                if (first && a.domainPinned) {
                    a.pages.removeUsers(a.firstPage(), a.lastPage());
                    a.domainPinned = false;
                }
            }
            throw e;
        }
    }

    /** iopt_table_remove_domain: unmaps everything from it; the last domain takes the pins with it. */
    void removeDomain(PagingDomain domain) {
        if (!domains.remove(domain)) {
            throw new IllegalStateException("domain not in this io_pagetable");
        }
        boolean last = domains.isEmpty();
        for (Area a : areas.values()) {
            domain.unmap(a.iova, a.length);
            if (last && a.domainPinned) {
                a.pages.removeUsers(a.firstPage(), a.lastPage());
                a.domainPinned = false;
            }
        }
        removeReserved(domain);
        recalculateAlignment();
    }

    void addAccess(IommufdAccess access) {
        accesses.add(access);
        try {
            recalculateAlignment();
        } catch (ErrnoException e) {
            accesses.remove(access);
            throw e;
        }
    }

    void removeAccess(IommufdAccess access) {
        accesses.remove(access);
        recalculateAlignment();
    }

    /** iopt_disable_large_pages: refused (EINVAL) once domains hold mappings; may raise the alignment. */
    void setLargePages(boolean enable) {
        if (enable) {
            disableLargePages = false;
            recalculateAlignment();
            return;
        }
        if (disableLargePages) {
            return;
        }
        if (!domains.isEmpty() && !areas.isEmpty()) {
            throw fail(Errno.EINVAL, "domains already hold mappings");
        }
        disableLargePages = true;
        try {
            recalculateAlignment();
        } catch (ErrnoException e) {
            disableLargePages = false;
            throw e;
        }
    }

    private void recalculateAlignment() {
        long a = disableLargePages ? PAGE_SIZE : 1;
        for (PagingDomain d : domains) {
            a = Math.max(a, Long.lowestOneBit(d.pageSizeBitmap()));
        }
        for (IommufdAccess acc : accesses) {
            a = Math.max(a, acc.iovaAlignment());
        }
        if (a > alignment) {
            checkAlignment(a);
        }
        alignment = a;
    }

    /** iopt_check_iova_alignment: every area must already conform (EADDRINUSE). */
    private void checkAlignment(long newAlignment) {
        long mask = newAlignment - 1;
        for (Area a : areas.values()) {
            if ((a.iova & mask) != 0 || (a.length & mask) != 0 || (a.pageOffset() & mask) != 0) {
                throw fail(Errno.EADDRINUSE, "existing mapping at 0x" + Long.toHexString(a.iova)
                        + " is not aligned to " + newAlignment);
            }
        }
    }

    /** Releases everything at IOAS destroy: areas, test reservations and the allowed list. */
    void destroy() {
        unmapAll();
        removeReserved(null);
        allowed.clear();
    }
}
