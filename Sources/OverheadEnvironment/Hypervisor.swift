import Foundation
import OverheadModel
import OverheadSystem

/// One hypervisor signature found in the CPUID 0x40000000 range.
public struct HypervisorSignature: Sendable, Equatable {
    /// The CPUID leaf it came from (0x40000000, 0x40000100, ...).
    public var leaf: UInt32
    /// EBX, ECX, EDX as 12 ASCII bytes, NULs trimmed: `KVMKVMKVM`, `Microsoft Hv`.
    public var raw: String
    /// The human name for `raw` (`KVM`, `Microsoft Hv`, ...), or `raw` itself when unknown.
    public var vendor: String

    /// A signature as found at `leaf`.
    public init(leaf: UInt32, raw: String, vendor: String) {
        self.leaf = leaf
        self.raw = raw
        self.vendor = vendor
    }
}

/// What CPUID says about a hypervisor.
public struct CPUIDHypervisorScan: Sendable, Equatable {
    /// CPUID leaf 1 ECX bit 31, the "hypervisor present" bit; nil without CPUID.
    public var hypervisorBit: Bool?
    /// Signatures in leaf order; more than one under nested or enlightened setups.
    public var signatures: [HypervisorSignature]

    /// A scan result.
    public init(hypervisorBit: Bool?, signatures: [HypervisorSignature]) {
        self.hypervisorBit = hypervisorBit
        self.signatures = signatures
    }
}

// Known signatures of CPUID leaf 0x4000xx00 (EBX, ECX, EDX), and the names users know them by.
private let knownHypervisorSignatures: [String: String] = [
    "KVMKVMKVM": "KVM",
    "VMwareVMware": "VMware",
    "Microsoft Hv": "Microsoft Hv",
    "XenVMMXenVMM": "Xen",
    "TCGTCGTCGTCG": "QEMU TCG",
    "VBoxVBoxVBox": "VirtualBox",
    "bhyve bhyve ": "bhyve",
    "ACRNACRNACRN": "ACRN",
    " lrpepyh  vr": "Parallels",
    "QNXQVMBSQG": "QNX",
    "Jailhouse": "Jailhouse",
]

/// The human name for a CPUID hypervisor signature: `KVMKVMKVM` → `KVM`; unknown ones unchanged.
public func hypervisorVendorName(signature: String) -> String {
    if let name = knownHypervisorSignatures[signature] { return name }
    // Some hypervisors pad with spaces instead of NULs.
    let trimmed = signature.trimmingCharacters(in: .whitespaces)
    return knownHypervisorSignatures[trimmed] ?? signature
}

/// Whether a signature is one of the known hypervisors' (`Microsoft Hv` is known and named as is).
public func isKnownHypervisorSignature(_ signature: String) -> Bool {
    knownHypervisorSignatures[signature] != nil || knownHypervisorSignatures[signature.trimmingCharacters(in: .whitespaces)] != nil
}

/// The 12-byte signature EBX, ECX, EDX spell (little-endian), NULs trimmed from both ends; nil
/// when it is empty or holds bytes that are not printable ASCII (a leaf with no hypervisor data).
public func decodeHypervisorSignature(ebx: UInt32, ecx: UInt32, edx: UInt32) -> String? {
    var bytes: [UInt8] = []
    for register in [ebx, ecx, edx] {
        for shift in stride(from: 0, to: 32, by: 8) { bytes.append(UInt8((register >> UInt32(shift)) & 0xff)) }
    }
    while bytes.last == 0 { bytes.removeLast() }
    while bytes.first == 0 { bytes.removeFirst() }
    guard !bytes.isEmpty, bytes.allSatisfy({ $0 >= 0x20 && $0 < 0x7f }) else { return nil }
    // A signature has letters; twelve spaces or punctuation is noise.
    guard bytes.contains(where: { ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a) }) else { return nil }
    return String(decoding: bytes, as: UTF8.self)
}

/// Reads CPUID leaf 1 and the hypervisor range 0x40000000, 0x40000100, ... 0x40010000.
///
/// The whole range is read, not only its first leaf: a hypervisor that offers another one's
/// interface (KVM with Hyper-V enlightenments, Hyper-V nested) shows one signature per block.
/// Leaves without a signature are skipped, the scan goes on. When leaf 1 ECX bit 31 is clear only
/// known signatures count, because bare-metal Intel answers out-of-range leaves with the highest
/// basic leaf's data.
public func scanHypervisorCPUID(_ cpuid: any CPUIDSource) -> CPUIDHypervisorScan {
    guard let leaf1 = cpuid.cpuid(leaf: 1, subleaf: 0) else {
        return CPUIDHypervisorScan(hypervisorBit: nil, signatures: [])
    }
    let bit = leaf1.ecx & (1 << 31) != 0
    var signatures: [HypervisorSignature] = []
    var seen: Set<String> = []
    for leaf in stride(from: UInt32(0x4000_0000), through: 0x4001_0000, by: 0x100) {
        guard let regs = cpuid.cpuid(leaf: leaf, subleaf: 0),
            let raw = decodeHypervisorSignature(ebx: regs.ebx, ecx: regs.ecx, edx: regs.edx)
        else { continue }
        let vendor = hypervisorVendorName(signature: raw)
        let known = isKnownHypervisorSignature(raw)
        guard bit || known, !seen.contains(raw) else { continue }
        seen.insert(raw)
        signatures.append(HypervisorSignature(leaf: leaf, raw: raw, vendor: vendor))
    }
    return CPUIDHypervisorScan(hypervisorBit: bit, signatures: signatures)
}

/// What the firmware tables (DMI) say about the machine, when they name a virtual one.
struct DMIVerdict {
    var vendor: String?
    var isVirtual: Bool
    var text: String
    /// Why a cloud vendor's name is not a VM here (EC2 bare-metal instances).
    var bareMetalNote: String?
}

/// Reads `/sys/class/dmi/id/sys_vendor` and `product_name`; nil when there is no DMI.
func readDMI(_ root: SystemRoot) -> DMIVerdict? {
    let sysVendor = root.attribute("/sys/class/dmi/id/sys_vendor")
    let product = root.attribute("/sys/class/dmi/id/product_name")
    guard sysVendor != nil || product != nil else { return nil }
    let v = sysVendor ?? ""
    let p = product ?? ""
    let text = "sys_vendor \"\(v)\", product_name \"\(p)\""
    // Only names that are virtual for sure: "Amazon EC2" also labels bare-metal instances in
    // every size (`c5.metal`, `m7i.metal-24xl`), and "Microsoft Corporation" also sells Surface laptops.
    let vendor: String?
    switch true {
    case v == "QEMU" || p.hasPrefix("QEMU") || p.hasPrefix("Standard PC ("): vendor = "QEMU"
    case v.hasPrefix("VMware") || p.hasPrefix("VMware"): vendor = "VMware"
    case v == "Microsoft Corporation" && p == "Virtual Machine": vendor = "Microsoft Hv"
    case v == "Xen" || p.hasPrefix("HVM domU"): vendor = "Xen"
    case v == "innotek GmbH" || p == "VirtualBox": vendor = "VirtualBox"
    case v.hasPrefix("Parallels") || p.hasPrefix("Parallels"): vendor = "Parallels"
    case v == "Amazon EC2" && !p.contains(".metal") && !p.hasSuffix("metal"): vendor = "KVM"
    case v == "Google" && p == "Google Compute Engine": vendor = "KVM"
    case p == "OpenStack Nova" || p == "OpenStack Compute": vendor = "KVM"
    case p.hasPrefix("Firecracker") || v.hasPrefix("Firecracker"): vendor = "KVM"
    case v == "BHYVE" || p == "BHYVE": vendor = "bhyve"
    default: vendor = nil
    }
    let metal = v == "Amazon EC2" && (p.contains(".metal") || p.hasSuffix("metal"))
    return DMIVerdict(
        vendor: vendor, isVirtual: vendor != nil, text: text,
        bareMetalNote: metal ? "dmi: \(text) is an EC2 bare-metal instance (\".metal\" in the product name): no hypervisor below it" : nil)
}

/// Whether a hypervisor is visible, from CPUID, the cpuinfo flag, `/sys/hypervisor` and DMI.
///
/// CPUID leaf 1 saying "no hypervisor" outweighs DMI (firmware strings name cloud vendors on their
/// bare-metal machines too); the conflict is kept in `evidence`. `/sys/hypervisor/type` is the
/// kernel's own word and counts even then (a Xen PV dom0 reads the real CPUID).
func collectHypervisor(_ sources: FingerprintSources, cpuFlags: Set<String>) -> (Hypervisor, CPUIDHypervisorScan?) {
    let root = sources.root
    var evidence: [String] = []
    var vendor: String?
    var present = false

    let scan = sources.cpuid.map(scanHypervisorCPUID)
    if let scan, scan.hypervisorBit != nil {
        if scan.hypervisorBit == true {
            present = true
            evidence.append("cpuid: leaf 1 ECX bit 31 (hypervisor present) is set")
        }
        for signature in scan.signatures {
            present = true
            let leaf = "0x" + String(signature.leaf, radix: 16)
            let name = isKnownHypervisorSignature(signature.raw) ? signature.vendor : "an unknown hypervisor"
            evidence.append("cpuid: leaf \(leaf) signature \"\(signature.raw)\" (\(name))")
        }
        let (chosen, note) = hypervisorVendor(scan.signatures)
        vendor = chosen
        if let note { evidence.append(note) }
    }
    if cpuFlags.contains("hypervisor") {
        present = true
        evidence.append("cpuinfo-flag: /proc/cpuinfo lists the hypervisor flag")
    }
    var controlDomain: Bool?
    if let type = root.attribute("/sys/hypervisor/type") {
        present = true
        evidence.append("sys-hypervisor: /sys/hypervisor/type is \(type)")
        if vendor == nil { vendor = type == "xen" ? "Xen" : type }
        if type == "xen" {
            let capabilities = root.attribute("/proc/xen/capabilities") ?? ""
            controlDomain = capabilities.split(separator: ",").contains("control_d")
            if controlDomain == true {
                evidence.append("sys-hypervisor: /proc/xen/capabilities says control_d: this is Xen's control domain (dom0)")
            }
        }
    }
    let dmi = readDMI(root)
    if let note = dmi?.bareMetalNote { evidence.append(note) }
    if let dmi, dmi.isVirtual {
        let cpuidSaysNone = scan?.hypervisorBit == false && scan?.signatures.isEmpty == true
        if cpuidSaysNone && !present {
            evidence.append("conflict: dmi: \(dmi.text) names a virtual machine (\(dmi.vendor ?? "unknown")), but CPUID leaf 1 ECX bit 31 is clear and no leaf 0x4000xx00 has a signature; CPUID wins")
        } else {
            present = true
            evidence.append("dmi: \(dmi.text) names a virtual machine")
            if vendor == nil { vendor = dmi.vendor }
        }
    }
    // dom0 is not a guest of anyone but Xen; its vmx flag (when Xen shows one) is the host's.
    let nested = present && controlDomain != true ? nestedVirtualizationEvidence(root, cpuid: sources.cpuid, scan: scan, cpuFlags: cpuFlags) : []
    let hypervisor = Hypervisor(
        present: present, vendor: present ? vendor : nil,
        signatures: scan?.signatures.map(\.raw) ?? [], evidence: evidence, xenControlDomain: controlDomain,
        nested: nested.isEmpty ? nil : nested)
    return (hypervisor, scan)
}

/// The hypervisor's name from the signatures of its CPUID blocks, and a note when the choice
/// needed one. A hypervisor that offers Hyper-V's interface (KVM, Xen, QEMU with `hv-*`
/// enlightenments) puts "Microsoft Hv" in the first block and its own signature in a later one
/// (KVM at 0x40000100): the later block names the hypervisor actually running.
public func hypervisorVendor(_ signatures: [HypervisorSignature]) -> (vendor: String?, note: String?) {
    guard let first = signatures.first else { return (nil, nil) }
    guard first.vendor == "Microsoft Hv",
        let own = signatures.dropFirst().first(where: { isKnownHypervisorSignature($0.raw) && $0.vendor != "Microsoft Hv" })
    else { return (first.vendor, nil) }
    let leaf = "0x" + String(own.leaf, radix: 16)
    return (own.vendor, "cpuid: Hyper-V enlightenments: leaf 0x40000000 offers the Hyper-V interface (\"Microsoft Hv\"), leaf \(leaf) names the hypervisor itself (\(own.vendor)); \(own.vendor) is the one running")
}

/// Signs of nested virtualization seen from a guest: the guest may run guests itself (vmx/svm
/// exposed, KVM loaded), or Hyper-V says it is a nested hypervisor.
func nestedVirtualizationEvidence(_ root: SystemRoot, cpuid: (any CPUIDSource)?, scan: CPUIDHypervisorScan?, cpuFlags: Set<String>) -> [String] {
    var found: [String] = []
    for flag in ["vmx", "svm"] where cpuFlags.contains(flag) {
        found.append("the guest's CPU lists \(flag): the hypervisor exposes virtualization, so this guest can run guests of its own (nested)")
    }
    for module in ["kvm_intel", "kvm_amd"] {
        if let value = root.attribute("/sys/module/\(module)/parameters/nested"), ["Y", "1"].contains(value) {
            found.append("\(module) is loaded in this guest with nested=\(value): it can host nested guests")
        }
    }
    if root.exists("/dev/kvm") && !found.isEmpty {
        found.append("/dev/kvm exists inside this guest")
    }
    // Hyper-V's recommendations leaf 0x40000004, EAX bit 12: "running on a nested hypervisor"
    // (Linux's HV_X64_HYPERV_NESTED).
    if let scan, scan.signatures.first?.vendor == "Microsoft Hv", let regs = cpuid?.cpuid(leaf: 0x4000_0004, subleaf: 0),
        regs.eax & (1 << 12) != 0
    {
        found.append("cpuid: Hyper-V leaf 0x40000004 EAX bit 12 is set: running on a nested hypervisor")
    }
    if scan?.signatures.contains(where: { $0.vendor == "QEMU TCG" }) == true, cpuFlags.contains("hypervisor") {
        found.append("QEMU TCG signature: a software-emulated guest, often itself inside a VM (TCG is what nested setups without vmx/svm fall back to)")
    }
    return found
}
