import Foundation
import OverheadModel
import OverheadSystem

// Inode numbers the kernel gives the initial namespaces (include/linux/proc_ns.h): a process in
// the initial PID namespace is not in a container's own PID namespace.
private let initialPIDNamespace = "pid:[4026531836]"
private let initialCgroupNamespace = "cgroup:[4026531835]"

// gVisor's Sentry reports this fixed kernel build string in /proc/version (runsc, all platforms).
private let gVisorVersionMark = "#1 SMP Sun Jan 10 15:06:54 PST 2016"

/// Cgroup path fragments container runtimes and Kubernetes use, and whom they name.
private let cgroupRuntimeMarks: [(fragment: String, runtime: String)] = [
    ("/libpod-", "podman"), ("libpod_parent", "podman"), ("/docker/", "docker"), ("/docker-", "docker"),
    ("cri-containerd-", "containerd"), ("/containerd/", "containerd"), ("/crio-", "cri-o"), ("crio-conmon-", "cri-o"),
    ("/lxc.payload", "lxc"), ("/lxc/", "lxc"), ("/machine.slice/machine-", "systemd-nspawn"),
]

/// The container layer: whether this process runs in a container, which runtime, a Kubernetes
/// pod, a sandboxed runtime (gVisor, Kata). Strong evidence (a runtime's own marker file, the
/// `container=` variable, a runtime's cgroup, a Kubernetes service account, gVisor's kernel) decides
/// alone; weak evidence (`/.dockerenv`, an overlay root, a PID namespace of its own) decides only
/// together, because images converted into VMs keep `/.dockerenv` and an overlay root.
///
/// - Parameters:
///   - hypervisor: a Kata pod is a VM per pod; its guest kernel names the Kata agent.
///   - cgroupPath: the process's cgroup path (/proc/self/cgroup), nil when unknown.
public func detectContainer(_ root: SystemRoot, hypervisor: Hypervisor, cgroupPath: String?) -> ContainerLayer {
    var strong: [String] = []
    var weak: [String] = []
    var against: [String] = []
    var runtime: String?
    var sandbox: String?
    var kubernetes = false
    func name(_ r: String) { if runtime == nil { runtime = r } }

    if let text = root.read("/run/.containerenv") {
        let engine = text.split(separator: "\n").first { $0.hasPrefix("engine=") }
            .map { $0.dropFirst("engine=".count).trimmingCharacters(in: CharacterSet(charactersIn: "\"")) }
        strong.append("/run/.containerenv exists (written by podman\(engine.map { ", engine \($0)" } ?? ""))")
        name("podman")
    }
    if let text = root.attribute("/run/systemd/container") {
        strong.append("/run/systemd/container says \(text)")
        name(text == "oci" ? "oci" : text)
    }
    let environ = [root.read("/proc/self/environ"), root.read("/proc/1/environ")].compactMap { $0 }
        .flatMap { $0.split(separator: "\0").map(String.init) }
    if let value = environ.first(where: { $0.hasPrefix("container=") })?.dropFirst("container=".count), !value.isEmpty {
        strong.append("the environment says container=\(value)")
        name(String(value))
    }
    if let path = cgroupPath, !path.isEmpty, path != "/" {
        for mark in cgroupRuntimeMarks where path.contains(mark.fragment) {
            strong.append("cgroup \(path) is a \(mark.runtime) container's")
            name(mark.runtime)
            break
        }
        if path.contains("kubepods") {
            strong.append("cgroup \(path) is under kubepods (a Kubernetes pod)")
            kubernetes = true
        }
    }
    for dir in ["/var/run/secrets/kubernetes.io/serviceaccount", "/run/secrets/kubernetes.io/serviceaccount"] where root.exists(dir) {
        strong.append("\(dir) is mounted (a Kubernetes pod's service account)")
        kubernetes = true
        break
    }
    if environ.contains(where: { $0.hasPrefix("KUBERNETES_SERVICE_HOST=") }) {
        strong.append("KUBERNETES_SERVICE_HOST is set (a Kubernetes pod)")
        kubernetes = true
    }
    if let version = root.attribute("/proc/version"), version.contains(gVisorVersionMark) {
        strong.append("/proc/version is gVisor's (\"\(gVisorVersionMark)\"): system calls go to gVisor's user-space kernel")
        sandbox = "gvisor"
        if !root.exists("/proc/kallsyms") && !root.exists("/proc/modules") {
            strong.append("no /proc/kallsyms or /proc/modules (gVisor does not provide them)")
        }
    }
    let mounts = root.read("/proc/self/mountinfo") ?? ""
    let cmdline = root.attribute("/proc/cmdline") ?? ""
    if hypervisor.present {
        if mounts.contains("kataShared") {
            strong.append("a kataShared mount is present: the pod runs in a Kata Containers VM")
            sandbox = sandbox ?? "kata"
        } else if cmdline.split(separator: " ").contains(where: { $0.hasPrefix("agent.") }) {
            strong.append("/proc/cmdline passes agent.* options: the Kata Containers agent's guest kernel")
            sandbox = sandbox ?? "kata"
        }
    }
    if root.exists("/.dockerenv") {
        weak.append("/.dockerenv exists")
        if runtime == nil && !strong.isEmpty { name("docker") }
    }
    for line in mounts.split(separator: "\n") {
        let f = line.split(separator: " ")
        guard let dash = f.firstIndex(of: "-"), dash >= 5, f.count > dash + 1, f[4] == "/" else { continue }
        if f[dash + 1] == "overlay" { weak.append("the root file system is an overlay (a container image's layers)") }
        if f[dash + 1] == "9p" && sandbox == "gvisor" { strong.append("the root file system is served over 9p (gVisor's gofer)") }
    }
    if mounts.contains(" - fuse.lxcfs ") { weak.append("lxcfs is mounted over /proc (LXC or a container with lxcfs)") }
    if let ns = root.linkTarget("/proc/self/ns/pid") {
        if ns == initialPIDNamespace {
            against.append("the process is in the initial PID namespace (\(ns))")
        } else {
            weak.append("the process has a PID namespace of its own (\(ns))")
        }
    }
    if let ns = root.linkTarget("/proc/self/ns/cgroup"), ns != initialCgroupNamespace {
        weak.append("the process has a cgroup namespace of its own (\(ns))")
    }

    let isContainer = !strong.isEmpty || (weak.count >= 2 && against.isEmpty)
    if isContainer && runtime == nil && weak.contains("/.dockerenv exists") { runtime = "docker" }
    let reasons: [String]
    if isContainer {
        reasons = strong + weak + against.map { "but \($0)" }
    } else if weak.isEmpty {
        reasons = ["no container runtime marker, no container= variable, no runtime cgroup, no Kubernetes service account"] + against
    } else {
        reasons = weak.map { "\($0), but that alone is no container (images turned into VMs keep it)" }
            + against + ["no container runtime marker, no container= variable, no runtime cgroup"]
    }
    let detected: ContainerKind = !isContainer ? .none : (kubernetes ? .pod : .container)
    return ContainerLayer(detected: detected.rawValue, runtime: isContainer ? runtime : nil, sandbox: isContainer ? sandbox : nil, kubernetes: kubernetes, reasons: reasons)
}

/// `Seccomp` and `Seccomp_filters` of /proc/self/status: `disabled`, `strict`, `filter`.
public func readSeccomp(_ root: SystemRoot) -> (mode: String?, filters: Int?) {
    guard let status = root.read("/proc/self/status") else { return (nil, nil) }
    var mode: String?
    var filters: Int?
    for line in status.split(separator: "\n") {
        let kv = line.split(separator: ":", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
        guard kv.count == 2 else { continue }
        if kv[0] == "Seccomp" {
            mode = ["0": "disabled", "1": "strict", "2": "filter"][kv[1]] ?? kv[1]
        } else if kv[0] == "Seccomp_filters" {
            filters = Int(kv[1])
        }
    }
    return (mode, filters)
}

/// `Cpus_allowed_list` of /proc/self/status (the affinity mask); nil when absent.
func readAllowedCPUs(_ root: SystemRoot) -> [Int]? {
    guard let status = root.read("/proc/self/status") else { return nil }
    for line in status.split(separator: "\n") where line.hasPrefix("Cpus_allowed_list:") {
        let cpus = parseCPUList(String(line.dropFirst("Cpus_allowed_list:".count)))
        return cpus.isEmpty ? nil : cpus
    }
    return nil
}

/// The limits of the process's cgroup: the tightest CPU quota and memory limit on its path to the
/// root, and the effective cpuset. nil when no cgroup is visible.
public func collectCgroupLimits(_ root: SystemRoot, location: CgroupLocation?) -> CgroupLimits? {
    guard let location else { return nil }
    var notes = location.notes
    // The tightest quota on the path to the root.
    var quota: CgroupQuota?
    for q in location.cpuQuotas(root) where quota == nil || q.cpus < quota!.cpus { quota = q }
    var cpuset: [Int]?
    if let effective = location.effectiveCPUs(root) {
        cpuset = parseCPUList(effective.list)
        if effective.directory != location.directories["cpuset"] {
            notes.append("cpuset read from \(effective.directory), an ancestor of the process's cgroup")
        }
    }
    let memory = location.memoryLimits(root).min()
    return CgroupLimits(
        version: location.version, path: location.path, cpuQuotaUs: quota?.quotaUs, cpuPeriodUs: quota?.periodUs,
        cpuQuotaSetBy: quota?.directory, cpusetEffective: cpuset, memoryLimitBytes: memory, notes: notes)
}

/// What this process may use: allowed CPUs (the live affinity mask, else `Cpus_allowed_list`),
/// seccomp mode and the cgroup's limits.
func collectProcessLimits(_ sources: FingerprintSources, logicalCPUs: Int, location: CgroupLocation?) -> ProcessLimits {
    let root = sources.root
    var allowed = sources.live ? Affinity.allowedCPUs() : []
    if allowed.isEmpty { allowed = readAllowedCPUs(root) ?? Array(0..<max(1, logicalCPUs)) }
    let (mode, filters) = readSeccomp(root)
    return ProcessLimits(allowedCPUs: allowed, seccomp: mode, seccompFilters: filters, cgroup: collectCgroupLimits(root, location: location))
}
