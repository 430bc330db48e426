/**
 * Test-only fault injection for the host kernel (Linux's fail-nth): {@link dev.vplat.vfio.kernel.failnth.FailNth}
 * and the {@link dev.vplat.vfio.kernel.failnth.FaultPoint}s the host stack passes.
 */
package dev.vplat.vfio.kernel.failnth;
