import COverhead
import Foundation
import Glibc

/// A file descriptor this process owns; `close(2)` runs in deinit, so no path can leak it.
public final class OwnedDescriptor: Sendable {
    /// The raw descriptor.
    public let raw: Int32

    /// Takes ownership of `raw`.
    public init(raw: Int32) {
        self.raw = raw
    }

    deinit { close(raw) }
}

/// Targets of the `sys.*` syscall benchmarks: /dev/zero and /dev/null open, a small file for
/// stat/open held as a C string (so the timed loop converts nothing). The file is removed in deinit.
public final class SyscallTargets: @unchecked Sendable {
    // Immutable after init; the C string is only read. Hence @unchecked Sendable.
    private let zero: OwnedDescriptor
    private let null: OwnedDescriptor
    private let cPath: UnsafeMutablePointer<CChar>
    /// The file `stat` and `openClose` use.
    public let path: String

    /// Opens /dev/zero and /dev/null and creates an empty file in `directory` (`cob_open`).
    public init(directory: String) throws(SystemError) {
        let z = cob_open("/dev/zero", Int32(COB_O_RDONLY), 0)
        guard z >= 0 else { throw SystemError(call: "open(/dev/zero)", errno: -z) }
        zero = OwnedDescriptor(raw: z)
        let n = cob_open("/dev/null", Int32(COB_O_RDWR), 0)
        guard n >= 0 else { throw SystemError(call: "open(/dev/null)", errno: -n) }
        null = OwnedDescriptor(raw: n)
        let file = ScratchPath.unique(in: directory, prefix: "sys")
        let f = cob_open(file, Int32(COB_O_CREATE_EXCL_RDWR), 0)
        guard f >= 0 else { throw SystemError(call: "open(\(file), O_CREAT)", errno: -f) }
        close(f)
        path = file
        cPath = strdup(file)
    }

    deinit {
        unlink(cPath)
        free(cPath)
    }

    /// One `read(2)` of 1 byte from /dev/zero (`cob_sys_read1`); true when a byte arrived.
    @inline(__always) public func read1() -> Bool { cob_sys_read1(zero.raw) == 1 }
    /// One `write(2)` of 1 byte to /dev/null (`cob_sys_write1`).
    @inline(__always) public func write1() -> Bool { cob_sys_write1(null.raw) == 1 }
    /// One `stat(2)` of `path` (`cob_sys_stat`).
    @inline(__always) public func stat() -> Bool { cob_sys_stat(cPath) == 0 }
    /// `open(2)` + `close(2)` of `path` (`cob_sys_open_close`).
    @inline(__always) public func openClose() -> Bool { cob_sys_open_close(cPath) == 0 }
    /// `mmap(2)` of `bytes` anonymous bytes then `munmap(2)`, untouched (`cob_sys_mmap_unmap`).
    @inline(__always) public func mapUnmap(bytes: Int) -> Bool { cob_sys_mmap_unmap(bytes) == 0 }
}

/// Unique file names for scratch files.
public enum ScratchPath {
    /// `directory/.overhead-bench-PREFIX-PID-RANDOM`.
    public static func unique(in directory: String, prefix: String) -> String {
        let dir = directory.hasSuffix("/") ? String(directory.dropLast()) : directory
        return "\(dir)/.overhead-bench-\(prefix)-\(getpid())-\(UInt64.random(in: 0...UInt64.max) & 0xffff_ffff)"
    }
}

/// A 4096-byte aligned buffer (`posix_memalign`), as O_DIRECT needs; freed in deinit.
public final class AlignedBuffer: @unchecked Sendable {
    // Each buffer is used by one thread at a time (one per reader thread); hence @unchecked.
    let base: UnsafeMutableRawPointer
    /// Size in bytes.
    public let bytes: Int

    /// Allocates `bytes` (a multiple of 4096) filled with a non-zero pattern (so no filesystem or
    /// device can store the written data as zeros or holes).
    public init(bytes: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) throws(SystemError) {
        var p: UnsafeMutableRawPointer?
        let rc = posix_memalign(&p, 4096, bytes)
        guard rc == 0, let p else { throw SystemError(call: "posix_memalign(\(bytes))", errno: rc) }
        base = p
        self.bytes = bytes
        var x = seed | 1
        let words = p.bindMemory(to: UInt64.self, capacity: bytes / 8)
        for i in 0..<(bytes / 8) {
            // xorshift64: cheap incompressible filler.
            x ^= x << 13
            x ^= x >> 7
            x ^= x << 17
            words[i] = x
        }
    }

    deinit { free(base) }
}

/// The filesystem holding a file, from `fstatfs`.
public enum FilesystemKind: Sendable, Equatable {
    /// Memory-backed (TMPFS_MAGIC).
    case tmpfs
    /// overlayfs (containers), often without O_DIRECT.
    case overlay
    /// ext2/3/4 (one magic number for all three).
    case ext4
    /// XFS.
    case xfs
    /// Btrfs.
    case btrfs
    /// NFS.
    case nfs
    /// 9p (V9FS_MAGIC): QEMU's virtio-9p share, WSL's and gVisor's host mounts.
    case ninep
    /// FUSE (virtiofs, sshfs, ...).
    case fuse
    /// SMB/CIFS.
    case cifs
    /// Anything else, by its `f_type` magic number (0 when `fstatfs` failed).
    case other(UInt64)

    init(magic: UInt64) {
        switch magic {
        case 0x0102_1994: self = .tmpfs
        case 0x794C_7630: self = .overlay
        case 0xEF53: self = .ext4
        case 0x5846_5342: self = .xfs
        case 0x9123_683E: self = .btrfs
        case 0x6969: self = .nfs
        case 0x0102_1997: self = .ninep
        case 0x6573_5546: self = .fuse
        case 0xFF53_4D42, 0xFE53_4D42: self = .cifs
        default: self = .other(magic)
        }
    }

    /// A short name for details.
    public var name: String {
        switch self {
        case .tmpfs: return "tmpfs"
        case .overlay: return "overlay"
        case .ext4: return "ext2/3/4"
        case .xfs: return "xfs"
        case .btrfs: return "btrfs"
        case .nfs: return "nfs"
        case .ninep: return "9p"
        case .fuse: return "fuse"
        case .cifs: return "cifs"
        case .other(let m): return "magic 0x" + String(m, radix: 16)
        }
    }

    /// Memory-backed: neither O_DIRECT nor fdatasync reaches a device.
    public var memoryBacked: Bool { self == .tmpfs }

    /// A file share: every operation goes to a server (another machine, or the host of a guest
    /// over 9p or virtiofs), so I/O figures measure the share, not a block device.
    public var fileShare: Bool {
        switch self {
        case .nfs, .ninep, .fuse, .cifs: return true
        default: return false
        }
    }
}

/// Storage facts about a directory.
public enum StorageInfo {
    /// The type of the mount holding `path` (`/proc/self/mountinfo` fields: id parent major:minor
    /// root mountpoint options [optional...] - type source superoptions): the mount with the longest
    /// mount point that contains the path's real path, e.g. "9p", "ext4", "tmpfs"; nil when unknown.
    /// Over 9p `fstatfs` reports the host's filesystem (ext4 for a share of an ext4 root), so the
    /// mount table is what tells a share from a disk.
    public static func mountType(of path: String, mountinfo: String? = SystemRoot.live.read("/proc/self/mountinfo")) -> String? {
        guard let mountinfo else { return nil }
        let real = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        var best: (length: Int, type: String)? = nil
        for line in mountinfo.split(separator: "\n") {
            let fields = line.split(separator: " ").map(String.init)
            guard let dash = fields.firstIndex(of: "-"), dash >= 5, fields.count > dash + 1 else { continue }
            let mountPoint = unescapeMountField(fields[4])
            let contains = mountPoint == "/" || real == mountPoint || real.hasPrefix(mountPoint + "/")
            // Later lines are mounted over earlier ones at the same point: >= keeps the last.
            if contains, mountPoint.count >= (best?.length ?? -1) { best = (mountPoint.count, fields[dash + 1]) }
        }
        return best?.type
    }

    /// Whether a mount type is a file share (network or host-guest): nfs, 9p, virtiofs, cifs/smb, FUSE.
    public static func isFileShare(mountType: String) -> Bool {
        ["nfs", "nfs4", "9p", "virtiofs", "cifs", "smb3", "fuse"].contains(mountType) || mountType.hasPrefix("fuse.")
    }

    /// Bytes free to this user (`statvfs`), nil when the directory cannot be examined.
    public static func freeBytes(directory: String) -> Int? {
        let n = cob_fs_free_bytes(directory)
        return n < 0 ? nil : Int(n)
    }

    /// The block device under `path` and its driver, from /sys/dev/block/MAJ:MIN (walking from a
    /// partition to its disk): e.g. ("vda", "virtio_blk"); nil for filesystems without one.
    public static func blockDevice(of path: String, sysRoot: String = "") -> (name: String, driver: String?)? {
        var major: UInt32 = 0
        var minor: UInt32 = 0
        guard cob_path_device(path, &major, &minor) == 0, major != 0 else { return nil }
        let link = "\(sysRoot)/sys/dev/block/\(major):\(minor)"
        guard let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: link) else { return nil }
        var dir = URL(fileURLWithPath: link).deletingLastPathComponent().appendingPathComponent(resolved).standardizedFileURL
        // A partition has a `partition` file; its disk is the parent directory.
        if FileManager.default.fileExists(atPath: dir.appendingPathComponent("partition").path) {
            dir = dir.deletingLastPathComponent()
        }
        let driverLink = dir.appendingPathComponent("device/driver").path
        let driver = (try? FileManager.default.destinationOfSymbolicLink(atPath: driverLink)).map { URL(fileURLWithPath: $0).lastPathComponent }
        return (dir.lastPathComponent, driver)
    }
}

/// A scratch data file for the storage benchmarks: created with real (non-zero) data, flushed,
/// and unlinked at once, so it disappears when the last descriptor closes — on any exit path,
/// Ctrl-C and SIGKILL included. Reads and writes go through `pread`/`pwrite` on a buffered
/// descriptor and, when the filesystem accepts it, an O_DIRECT one opened before the unlink.
public final class ScratchFile: Sendable {
    /// Size in bytes (a multiple of 1 MiB).
    public let bytes: Int
    /// The buffered descriptor (read/write).
    public let buffered: OwnedDescriptor
    /// The O_DIRECT descriptor, nil when refused.
    public let direct: OwnedDescriptor?
    /// Why O_DIRECT is unavailable (the errno text), nil when it works.
    public let directRefusal: String?
    /// The filesystem the file lives on.
    public let filesystem: FilesystemKind
    /// Where it was created (the name is gone already).
    public let directory: String

    /// Creates `bytes` (rounded up to 1 MiB) of data in `directory`: 1 MiB writes, O_DIRECT when
    /// possible (so creating it does not fill the page cache), then `fsync`.
    public init(directory: String, bytes: Int) throws(SystemError) {
        let size = max(1 << 20, (bytes + (1 << 20) - 1) / (1 << 20) * (1 << 20))
        let path = ScratchPath.unique(in: directory, prefix: "data")
        let fd = cob_open(path, Int32(COB_O_CREATE_EXCL_RDWR), 0)
        guard fd >= 0 else { throw SystemError(call: "open(\(path), O_CREAT|O_EXCL)", errno: -fd) }
        // The filesystem and the O_DIRECT descriptor while the name exists: on 9p an unlinked
        // file can be neither examined (fstatfs fails) nor reopened (ENOENT).
        filesystem = FilesystemKind(magic: cob_fs_magic(fd))
        let d = cob_open(path, Int32(COB_O_RDWR), 1)
        // Gone from the directory at once: the descriptors keep the inode alive.
        unlink(path)
        let owned = OwnedDescriptor(raw: fd)
        buffered = owned
        self.bytes = size
        self.directory = directory
        var directFD: OwnedDescriptor? = nil
        var refusal: String? = nil
        if d >= 0 {
            directFD = OwnedDescriptor(raw: d)
        } else {
            refusal = String(cString: strerror(-d))
        }
        let chunk = try AlignedBuffer(bytes: 1 << 20)
        var offset = 0
        var target = directFD ?? owned
        while offset < size {
            // Ctrl-C while a 1 GiB file is written: stop now, not seconds later.
            if Interrupt.signal != nil { throw SystemError(call: "writing the scratch file (interrupted)", .interrupted) }
            let n = retryOnInterrupt { pwrite(target.raw, chunk.base, chunk.bytes, off_t(offset)) }
            if n < 0 && errno == EINVAL && target !== owned {
                // Opened but refused at write time (some filesystems do that): no O_DIRECT.
                refusal = "O_DIRECT write refused: " + String(cString: strerror(EINVAL))
                directFD = nil
                target = owned
                continue
            }
            guard n > 0 else { throw SystemError(call: "pwrite(scratch file)", errno: n < 0 ? errno : ENOSPC) }
            offset += n
        }
        guard fsync(owned.raw) == 0 else { throw SystemError(call: "fsync(scratch file)", errno: errno) }
        // Verify the direct descriptor reads too (a refusal must never be reported as direct).
        if let dfd = directFD {
            if pread(dfd.raw, chunk.base, 4096, 0) != 4096 {
                refusal = "O_DIRECT read refused: " + String(cString: strerror(errno))
                directFD = nil
            }
        }
        direct = directFD
        directRefusal = refusal
    }

    /// Drops the file's cached pages (`posix_fadvise(DONTNEED)`); true on success.
    @discardableResult public func dropCache() -> Bool { cob_fadvise_dontneed(buffered.raw) == 0 }

    /// Turns readahead off for random access (`posix_fadvise(RANDOM)`), as fio does.
    @discardableResult public func adviseRandom() -> Bool { cob_fadvise_random(buffered.raw) == 0 }

    /// `pread(2)` of `count` bytes at `offset` into `buffer`; returns bytes read or -errno.
    @inline(__always) public func read(direct: Bool, into buffer: AlignedBuffer, count: Int, offset: Int) -> Int {
        let fd = direct ? (self.direct ?? buffered).raw : buffered.raw
        let n = retryOnInterrupt { pread(fd, buffer.base, count, off_t(offset)) }
        return n < 0 ? -Int(errno) : n
    }

    /// `pwrite(2)` of `count` bytes from `buffer` at `offset`; returns bytes written or -errno.
    @inline(__always) public func write(direct: Bool, from buffer: AlignedBuffer, count: Int, offset: Int) -> Int {
        let fd = direct ? (self.direct ?? buffered).raw : buffered.raw
        let n = retryOnInterrupt { pwrite(fd, buffer.base, count, off_t(offset)) }
        return n < 0 ? -Int(errno) : n
    }

    /// `fdatasync(2)`; 0 or -errno.
    @inline(__always) public func dataSync() -> Int {
        fdatasync(buffered.raw) == 0 ? 0 : -Int(errno)
    }
}

/// io.randread's queue depth: an io_uring (liburing, `cob_uring_*`) on one of a scratch file's
/// descriptors keeping `depth` 4 KiB reads in flight. Used by one thread at a time.
public final class URingReader: @unchecked Sendable {
    // @unchecked: the ring is driven by the one thread that times a batch; never shared concurrently.
    private let ring: OpaquePointer
    private let file: ScratchFile
    private var seed: UInt64
    public let depth: Int
    public let direct: Bool

    /// `io_uring_queue_init(depth)` over `file`'s O_DIRECT descriptor when `direct`, else the
    /// buffered one. Throws ENOSYS (no io_uring) or EPERM (disabled by sysctl or seccomp).
    public init(file: ScratchFile, direct: Bool, depth: Int, seed: UInt64) throws(SystemError) {
        let fd = direct ? (file.direct ?? file.buffered).raw : file.buffered.raw
        var err: Int32 = 0
        guard let r = cob_uring_open(fd, UInt32(depth), &err) else {
            throw SystemError(call: "io_uring_queue_init(\(depth))", errno: err)
        }
        ring = r
        self.file = file
        self.seed = seed | 1
        self.depth = depth
        self.direct = direct
    }

    deinit { cob_uring_close(ring) }

    /// Runs `ops` reads at `depth` (`cob_uring_randread`): elapsed ns and per-read latencies, ns,
    /// on `clock` (CLOCK_MONOTONIC, or the TSC when `nsPerTick` > 0), and the clock reads it took.
    public func run(ops: Int, blocks: Int, nsPerTick: Double, latencies: Bool) -> Result<(elapsed: UInt64, latencies: [UInt64], clockReads: Int), SystemError> {
        var lat = latencies ? [UInt64](repeating: 0, count: ops) : []
        var reads: UInt64 = 0
        var failedSlot: Int64 = -1
        let rc = lat.withUnsafeMutableBufferPointer { buffer in
            cob_uring_randread(ring, UInt64(blocks), UInt64(ops), &seed, latencies ? buffer.baseAddress : nil, nsPerTick, &reads, &failedSlot)
        }
        if rc < 0 { return .failure(SystemError(call: "io_uring 4 KiB read (\(direct ? "O_DIRECT" : "buffered"), depth \(depth))", errno: Int32(-rc))) }
        return .success((UInt64(rc), lat, Int(reads)))
    }
}
