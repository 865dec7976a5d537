/// A category's heading and what published work says its overhead looks like (the ranges of
/// docs/references.md, with their sources), so a reader can tell an expected figure from a
/// surprising one.
struct CategoryNote {
    var title: String
    var expected: String?
}

/// The note for a category id (`cpu`, `mem`, ...); unknown categories get their id as title.
func categoryNote(_ category: String) -> CategoryNote {
    switch category {
    case "cpu":
        return CategoryNote(
            title: "CPU",
            expected: "Dense compute never exits: 0.98 of native tuned and pinned, 0.45 untuned (topology-blind, unpinned guest) (Felter et al., IBM RC25482, 2014). CPUID always exits: ~1,000–1,100 cycles on KVM, 1,600+ with mitigations, ~13–15k nested (KVM list; kvm-unit-tests vmexit), so cpu.cpuid shows overheads of several hundred percent in any guest.")
    case "timer":
        return CategoryNote(
            title: "Timers",
            expected: "clock_gettime is ≈ native through the vDSO when the clocksource is tsc or a stable kvm-clock, µs-scale when it falls back to a real syscall (xen, unstable kvm-clock, hpet) (Linux kvmclock.c; packagecloud 2017). RDTSC/RDTSCP are native unless the hypervisor traps them.")
    case "mem":
        return CategoryNote(
            title: "Memory",
            expected: "STREAM bandwidth: 0.97–0.99 of native, i.e. +1–3% (Felter et al. 2014). TLB-heavy random access: 0.99 two-socket interleaved, 0.86 on one socket without huge pages (Felter et al.; VMware EPT paper 2009) — expect mem.lat with 4k pages to rise past the TLB reach and 2m pages to hide most of it.")
    case "numa":
        return CategoryNote(
            title: "NUMA",
            expected: "A hypervisor can be 5–8% faster than a badly placed bare-metal OS (VMware, vSphere 6.5 / Project Pacific, 2019); a guest that hides the host topology loses locality.")
    case "ctx":
        return CategoryNote(
            title: "Context switches",
            expected: "Cross-CPU wake-ups send IPIs, each an exit of ~2,500–5,800 cycles unless posted interrupts are used (KVM list; ELI, ASPLOS 2012); same-core switches need no exit.")
    case "proc":
        return CategoryNote(
            title: "Processes and threads",
            expected: "fork and thread creation fault in fresh memory and build page tables: expect the page-fault and TLB costs of the mem category, more without huge pages or pre-faulted guest memory.")
    case "sys":
        return CategoryNote(
            title: "System calls",
            expected: "A syscall does not exit: ≈ native; page-table isolation (Meltdown) adds ~40% on host and guest alike (FreeBSD D13985), so compare mitigations before blaming the hypervisor.")
    case "io":
        return CategoryNote(
            title: "Storage I/O",
            expected: "4k random IOPS at QD128: 0.49–0.60 of native with virtio-blk, ≈1.0 with vhost or passthrough; sequential 0.98–0.99 (Felter et al.; vhost-blk RFC 2022).")
    case "net":
        return CategoryNote(
            title: "Network",
            expected: "TCP_RR round trips 1.8× native with virtio (+30 µs over 37.6 µs); SR-IOV with latency tuning 20 µs vs 18 µs native; bulk throughput within 1% or at line rate (Felter et al.; VMware vSphere 5.5 latency paper; Dong et al., HPCA 2010).")
    default:
        return CategoryNote(title: category, expected: nil)
    }
}
