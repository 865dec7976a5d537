import Foundation

/// CPUID values written down as text, for fixture trees (`env --root DIR` reads `DIR/cpuid.txt`):
/// lines `leaf subleaf eax ebx ecx edx` in hex, `#` starts a comment. Leaves not listed read as
/// zeros, which is what KVM answers for an unused leaf.
public struct CPUIDTable: CPUIDSource {
    private var table: [UInt64: CPUIDRegisters] = [:]

    /// Parses the text; lines that are not six hex fields are ignored.
    public init(text: String) {
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)[0]
                .split(separator: " ").compactMap { UInt32($0, radix: 16) }
            guard fields.count == 6 else { continue }
            table[Self.key(fields[0], fields[1])] = CPUIDRegisters(eax: fields[2], ebx: fields[3], ecx: fields[4], edx: fields[5])
        }
    }

    private static func key(_ leaf: UInt32, _ subleaf: UInt32) -> UInt64 { UInt64(leaf) << 32 | UInt64(subleaf) }

    /// The listed registers, zeros for a leaf not listed.
    public func cpuid(leaf: UInt32, subleaf: UInt32) -> CPUIDRegisters? {
        table[Self.key(leaf, subleaf)] ?? CPUIDRegisters(eax: 0, ebx: 0, ecx: 0, edx: 0)
    }
}
