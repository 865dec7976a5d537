import Foundation
import OverheadModel
import OverheadSystem

/// The facts about one PCI function that decide how a guest reaches it.
public struct PCIFunctionFacts: Sendable, Equatable {
    /// `vendor:device` in lower-case hex without `0x`: `1af4:1041`.
    public var id: String
    /// The `class` attribute, `0x020000`.
    public var classCode: String?
    /// The driver bound to the device (`virtio_net`, `ixgbevf`, `nvme`), nil when none.
    public var driver: String?
    /// A `physfn` link exists: a virtual function seen from the host that owns its PF.
    public var hasPhysfn: Bool
    /// `sriov_totalvfs` when above zero: a physical function able to create VFs.
    public var totalVFs: Int?

    /// Facts as read from sysfs (or made up in a test).
    public init(id: String, classCode: String?, driver: String?, hasPhysfn: Bool, totalVFs: Int?) {
        self.id = id
        self.classCode = classCode
        self.driver = driver
        self.hasPhysfn = hasPhysfn
        self.totalVFs = totalVFs
    }
}

// PCI ids of SR-IOV virtual functions. Inside a guest a VF has no `physfn` link; its id gives it away.
private let virtualFunctionIDs: [String: String] = [
    "8086:10ed": "Intel 82599 VF (ixgbevf)",
    "8086:1515": "Intel X540 VF (ixgbevf)",
    "8086:1565": "Intel X550 VF (ixgbevf)",
    "8086:15a8": "Intel X552 VF (ixgbevf)",
    "8086:154c": "Intel X710/XL710 VF (iavf)",
    "8086:1889": "Intel E810 adaptive VF (iavf)",
    "8086:10ca": "Intel 82576 VF (igbvf)",
    "8086:1520": "Intel I350 VF (igbvf)",
    "15b3:1014": "Mellanox ConnectX-4 VF (mlx5)",
    "15b3:1016": "Mellanox ConnectX-4 Lx VF (mlx5)",
    "15b3:1018": "Mellanox ConnectX-5 VF (mlx5)",
    "15b3:101a": "Mellanox ConnectX-5 Ex VF (mlx5)",
    "15b3:101c": "Mellanox ConnectX-6 VF (mlx5)",
    "15b3:101e": "Mellanox ConnectX family VF (mlx5)",
    "14e4:16dc": "Broadcom NetXtreme-E VF (bnxt_en)",
    "14e4:16c1": "Broadcom NetXtreme-E VF (bnxt_en)",
    "14e4:16d3": "Broadcom NetXtreme-E VF (bnxt_en)",
    "14e4:1606": "Broadcom NetXtreme-E VF (bnxt_en)",
    "14e4:1609": "Broadcom NetXtreme-E VF (bnxt_en)",
    "14e4:1614": "Broadcom NetXtreme-E VF (bnxt_en)",
    "1d0f:ec20": "AWS ENA on the Nitro card",
    "1d0f:ec21": "AWS ENA on the Nitro card",
    "1414:00ba": "Azure MANA VF",
]

// Drivers that only ever bind virtual functions.
private let virtualFunctionDrivers: Set<String> = ["ixgbevf", "iavf", "i40evf", "igbvf", "ice_vf"]

// Paravirtual devices other than virtio: a hypervisor-specific interface, no hardware behind it.
private let paravirtualIDs: [String: String] = [
    "15ad:07b0": "VMware vmxnet3",
    "15ad:07c0": "VMware PVSCSI",
    "15ad:0405": "VMware SVGA II",
    "1b36:0100": "QEMU QXL display",
    "1ae0:0042": "Google gVNIC",
    "5853:0001": "Xen platform device",
]

// Devices a hypervisor emulates in software. Several are also real chips (an 82540EM e1000, an
// ICH9 AHCI), so they count as emulated only when a hypervisor is present.
private let emulatedIDs: [String: String] = [
    "8086:100e": "Intel 82540EM e1000 (emulated by QEMU, VirtualBox)",
    "8086:100f": "Intel 82545EM e1000 (emulated by VMware)",
    "8086:10d3": "Intel 82574L e1000e (emulated)",
    "10ec:8139": "Realtek RTL8139 (emulated)",
    "1b36:0010": "QEMU NVMe controller (emulated)",
    "8086:2922": "ICH9 AHCI controller (emulated by QEMU q35)",
    "8086:7010": "PIIX3 IDE controller (emulated)",
    "8086:7111": "PIIX4 IDE controller (emulated)",
    "1000:0030": "LSI Logic 53c1030 SCSI (emulated by VMware)",
    "1000:0054": "LSI Logic SAS1068 (emulated by VMware)",
    "1234:1111": "QEMU/Bochs standard VGA (emulated)",
    "1013:00b8": "Cirrus CL-GD5446 VGA (emulated)",
    "1414:5353": "Hyper-V legacy VGA (emulated)",
    "80ee:beef": "VirtualBox VGA (emulated)",
    "1d0f:1111": "AWS EC2 VGA (emulated)",
]

// AWS Nitro NVMe: neither virtio nor a passed-through drive; recorded as what it is.
private let nitroIDs: [String: String] = [
    "1d0f:8061": "AWS Nitro NVMe for EBS volumes",
    "1d0f:cd01": "AWS Nitro NVMe for local instance storage",
    "1d0f:0061": "AWS Nitro NVMe for EBS volumes",
]

/// How a guest reaches a PCI function: `virtio`, `paravirtual`, `emulated`, `sriov-vf`,
/// `sriov-pf`, `cloud-nitro` or `physical`, and the reason in words.
///
/// - Parameter hypervisorPresent: whether this system runs under a hypervisor; ids that are both
///   real chips and common emulations are called `emulated` only then.
public func classifyPCIFunction(_ facts: PCIFunctionFacts, hypervisorPresent: Bool) -> (path: String, reason: String) {
    let driverText = facts.driver.map { " driver \($0)" } ?? " (no driver bound)"
    let prefix = "PCI \(facts.id)\(driverText)"
    let vendorID = facts.id.split(separator: ":").first.map(String.init) ?? ""
    if facts.hasPhysfn {
        return ("sriov-vf", "\(prefix): SR-IOV virtual function (its physfn link names the physical function)")
    }
    if let what = virtualFunctionIDs[facts.id] {
        return ("sriov-vf", "\(prefix): SR-IOV virtual function (\(what))")
    }
    if let driver = facts.driver, virtualFunctionDrivers.contains(driver) {
        return ("sriov-vf", "\(prefix): \(driver) drives only SR-IOV virtual functions")
    }
    if vendorID == "1af4" || facts.driver?.hasPrefix("virtio") == true {
        return ("virtio", "\(prefix): virtio paravirtual device")
    }
    if let what = paravirtualIDs[facts.id] {
        return ("paravirtual", "\(prefix): \(what), a paravirtual device")
    }
    if let what = nitroIDs[facts.id] {
        return ("cloud-nitro", "\(prefix): \(what), offloaded to the Nitro card (not virtio, not passthrough)")
    }
    if hypervisorPresent, let what = emulatedIDs[facts.id] {
        return ("emulated", "\(prefix): \(what), a device model in the hypervisor")
    }
    if let vfs = facts.totalVFs {
        let place = hypervisorPresent ? " passed through to this guest" : ""
        return ("sriov-pf", "\(prefix): physical function\(place), able to create \(vfs) SR-IOV VFs (sriov_totalvfs)")
    }
    if hypervisorPresent {
        return ("physical", "\(prefix): a physical device's id under a hypervisor, so passed through (PCI passthrough / VFIO)")
    }
    let bound = facts.driver == "vfio-pci" ? ", bound to vfio-pci (reserved for a guest)" : ""
    return ("physical", "\(prefix): physical device\(bound)")
}

/// Reads `vendor`, `device`, `class`, `driver`, `physfn` and `sriov_totalvfs` of a PCI function
/// directory (absolute path below the root).
func readPCIFunction(_ root: SystemRoot, at dir: String) -> PCIFunctionFacts? {
    guard let vendor = root.attribute("\(dir)/vendor"), let device = root.attribute("\(dir)/device") else { return nil }
    let id = "\(hexID(vendor)):\(hexID(device))"
    let totalVFs = root.attribute("\(dir)/sriov_totalvfs").flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
    return PCIFunctionFacts(
        id: id, classCode: root.attribute("\(dir)/class"), driver: root.linkName("\(dir)/driver"),
        hasPhysfn: root.exists("\(dir)/physfn"), totalVFs: totalVFs)
}

/// `0x1AF4` → `1af4`.
private func hexID(_ text: String) -> String {
    let lower = text.lowercased()
    return lower.hasPrefix("0x") ? String(lower.dropFirst(2)) : lower
}

// Drivers of the SCSI upper layer: they bind a disk, not the adapter that decides the I/O path.
private let genericDrivers: Set<String> = ["sd", "sr", "sd_mod", "sr_mod", "ch", "st"]

// Block devices that are not on an I/O path to hardware: loop files, RAM disks, device mapper,
// software RAID, network block devices, floppies and optical drives.
private let skippedBlockPrefixes = ["loop", "ram", "zram", "dm-", "md", "nbd", "fd", "sr"]

/// Where one device sits, found by walking up from its `device` link.
private struct DevicePlacement {
    var bus: String
    var pciFunction: String?
    var driver: String?
}

private func place(_ root: SystemRoot, deviceDir: String) -> DevicePlacement {
    var driver: String?
    var pciFunction: String?
    var virtioOverMMIO = false
    var sawVMBus = false
    var sawXen = false
    var dir = deviceDir
    // Walk up to the PCI function (or the top); the first specific driver on the way is the one
    // that matters: virtio_net on virtioN, vmw_pvscsi on the adapter, hv_netvsc on the VMBus device.
    while dir != "/" && dir != "/sys/devices" && dir != "/sys" {
        let name = lastComponent(dir)
        if driver == nil, let d = root.linkName("\(dir)/driver"), !genericDrivers.contains(d) { driver = d }
        if isPCIAddress(name) {
            pciFunction = dir
            break
        }
        if name.hasPrefix("virtio-mmio") || name.hasPrefix("LNRO0005") { virtioOverMMIO = true }
        if name.hasPrefix("VMBUS") || root.linkName("\(dir)/subsystem") == "vmbus" { sawVMBus = true }
        if name.hasPrefix("vif-") || name.hasPrefix("vbd-") || root.linkName("\(dir)/subsystem") == "xen" { sawXen = true }
        dir = parentPath(dir)
    }
    let bus: String
    if pciFunction != nil {
        bus = "pci"
    } else if virtioOverMMIO {
        bus = "virtio-mmio"
    } else if sawVMBus {
        bus = "vmbus"
    } else if sawXen {
        bus = "xen"
    } else if deviceDir.hasPrefix("/sys/devices/virtual") {
        bus = "virtual"
    } else if deviceDir.hasPrefix("/sys/devices/platform") {
        bus = "platform"
    } else {
        bus = "unknown"
    }
    return DevicePlacement(bus: bus, pciFunction: pciFunction, driver: driver)
}

/// Builds one `Device` from the directory its `device` link resolves to.
private func describe(
    _ root: SystemRoot, name: String, kind: String, deviceDir: String, hypervisorPresent: Bool
) -> Device {
    let placement = place(root, deviceDir: deviceDir)
    if let pci = placement.pciFunction, var facts = readPCIFunction(root, at: pci) {
        // Report the driver that serves this device (virtio_net), not the transport (virtio-pci).
        if let driver = placement.driver { facts.driver = driver }
        let (path, reason) = classifyPCIFunction(facts, hypervisorPresent: hypervisorPresent)
        return Device(
            name: name, kind: kind, bus: "pci", pciAddress: lastComponent(pci), pciID: facts.id,
            driver: facts.driver, path: path, reason: reason)
    }
    let driver = placement.driver
    let (path, reason): (String, String)
    switch (placement.bus, driver) {
    case ("virtio-mmio", _):
        (path, reason) = ("virtio", "virtio-mmio device\(driver.map { " driver \($0)" } ?? ""): virtio paravirtual device")
    case ("vmbus", _), (_, "hv_netvsc"?), (_, "hv_storvsc"?):
        (path, reason) = ("paravirtual", "VMBus device\(driver.map { " driver \($0)" } ?? ""): Hyper-V synthetic (paravirtual) device")
    case ("xen", _), (_, "vif"?), (_, "vbd"?):
        (path, reason) = ("paravirtual", "Xen device\(driver.map { " driver \($0)" } ?? ""): xen-netfront/xen-blkfront paravirtual device")
    default:
        (path, reason) = ("unknown", "not on PCI, virtio, VMBus or Xen (\(deviceDir))")
    }
    return Device(name: name, kind: kind, bus: placement.bus, pciAddress: nil, pciID: nil, driver: driver, path: path, reason: reason)
}

/// Network interfaces with a device behind them, block devices on a hardware path, and PCI
/// display controllers (GPUs).
func collectDevices(_ root: SystemRoot, hypervisorPresent: Bool, notes: inout [String]) -> [Device] {
    var devices: [Device] = []
    for name in root.list("/sys/class/net") {
        let dir = root.canonicalPath("/sys/class/net/\(name)")
        // lo, veth, bridges, bonds, ifb, tunnels: no `device` link, nothing underneath.
        guard root.exists("\(dir)/device") else { continue }
        let deviceDir = root.canonicalPath("\(dir)/device")
        devices.append(describe(root, name: name, kind: "network", deviceDir: deviceDir, hypervisorPresent: hypervisorPresent))
    }
    for name in root.list("/sys/block") where !skippedBlockPrefixes.contains(where: { name.hasPrefix($0) }) {
        let dir = root.canonicalPath("/sys/block/\(name)")
        guard root.exists("\(dir)/device") else { continue }
        let deviceDir = root.canonicalPath("\(dir)/device")
        devices.append(describe(root, name: name, kind: "storage", deviceDir: deviceDir, hypervisorPresent: hypervisorPresent))
    }
    for address in root.list("/sys/bus/pci/devices") {
        let dir = root.canonicalPath("/sys/bus/pci/devices/\(address)")
        // PCI base class 0x03: display controllers (VGA, 3D, other).
        guard let facts = readPCIFunction(root, at: dir), facts.classCode?.lowercased().hasPrefix("0x03") == true else { continue }
        let (path, reason) = classifyPCIFunction(facts, hypervisorPresent: hypervisorPresent)
        devices.append(Device(
            name: address, kind: "gpu", bus: "pci", pciAddress: address, pciID: facts.id,
            driver: facts.driver, path: path, reason: reason))
    }
    if root.list("/sys/class/net").isEmpty && root.list("/sys/block").isEmpty {
        notes.append("/sys/class/net and /sys/block are empty or unreadable: the I/O path is unknown")
    }
    return devices
}
