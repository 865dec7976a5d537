import OverheadModel

/// Decides `bare-metal`, `vm`, `vm-sriov` or `passthrough` from the hypervisor and the devices,
/// giving every piece of evidence that decided it.
///
/// Without a hypervisor the machine is bare metal. Under one, a network device that is an SR-IOV
/// virtual function makes it `vm-sriov`; otherwise a physical device (network, storage or GPU)
/// makes it `passthrough`; otherwise it is a plain `vm` with paravirtual or emulated devices.
///
/// Xen's control domain (dom0) is its own case, `xen-dom0`: it runs under Xen but owns and drives
/// the physical devices, so they are not "passed through" to it.
public func detectConfiguration(hypervisor: Hypervisor, devices: [Device]) -> Configuration {
    let conflicts = hypervisor.evidence.filter { $0.hasPrefix("conflict:") || $0.hasPrefix("dmi:") }
    guard hypervisor.present else {
        var reasons = ["CPUID leaf 1 ECX bit 31 (hypervisor present) is clear"]
        if hypervisor.signatures.isEmpty {
            reasons.append("no hypervisor signature in CPUID leaves 0x40000000-0x40010000")
        }
        reasons.append(
            !conflicts.contains(where: { $0.hasPrefix("conflict:") })
                ? "no hypervisor flag in /proc/cpuinfo, no /sys/hypervisor/type, DMI does not name a virtual machine"
                : "no hypervisor flag in /proc/cpuinfo, no /sys/hypervisor/type")
        reasons.append(contentsOf: conflicts)
        return Configuration(detected: MachineLayer.bareMetal.rawValue, reasons: reasons)
    }
    if hypervisor.xenControlDomain == true {
        var reasons = ["Xen control domain (dom0): it runs under the Xen hypervisor but drives the physical devices itself"]
        reasons.append(contentsOf: hypervisor.evidence)
        for device in devices where ["network", "storage", "gpu"].contains(device.kind) {
            reasons.append("\(device.name) is owned by dom0 (not passthrough): \(device.reason)")
        }
        return Configuration(detected: MachineLayer.xenDom0.rawValue, reasons: reasons)
    }
    var reasons: [String] = []
    let who = hypervisor.vendor.map { "hypervisor \($0)" } ?? "a hypervisor of unknown vendor"
    reasons.append("running under \(who)")
    reasons.append(contentsOf: hypervisor.evidence)

    let vfs = devices.filter { $0.kind == "network" && $0.path == "sriov-vf" }
    let passthrough = devices.filter { ["network", "storage", "gpu"].contains($0.kind) && ["physical", "sriov-pf"].contains($0.path) }
    let detected: MachineLayer
    if !vfs.isEmpty {
        detected = .vmSRIOV
        for device in vfs { reasons.append("\(device.name) is an SR-IOV virtual function: \(device.reason)") }
        if !passthrough.isEmpty {
            reasons.append("passed-through devices are present as well; vm-sriov wins because the network path decides it")
            for device in passthrough { reasons.append("\(device.name) is passed through: \(device.reason)") }
        }
    } else if !passthrough.isEmpty {
        detected = .passthrough
        for device in passthrough { reasons.append("\(device.name) is passed through: \(device.reason)") }
    } else {
        detected = .vm
        let io = devices.filter { $0.kind == "network" || $0.kind == "storage" }
        if io.isEmpty {
            reasons.append("no network or storage device found; no SR-IOV VF and no passed-through device")
        } else {
            for device in io { reasons.append("\(device.name) is \(device.path): \(device.reason)") }
            reasons.append("no SR-IOV VF and no passed-through device")
        }
    }
    return Configuration(detected: detected.rawValue, reasons: reasons)
}
