import Foundation
import OverheadModel

// Decoding 1,000 result sets is most of the work of `compare`, and most of a result set's bytes are
// its `samples` arrays. JSONDecoder turns numbers into Doubles slowly, so the fast path lifts every
// `"samples": [...]` array out of the text with a small scanner (JSON number grammar, `strtod`,
// correctly rounded like JSONDecoder), leaves `[k]` in its place, decodes the much smaller rest with
// JSONDecoder, and puts array k back where `[k]` decoded. Anything unusual — a non-number in an
// array, a string that never ends, a key the scanner does not expect — makes it give up (nil), and
// the caller falls back to `ResultSet.decode`, whose errors name the file and the problem.

/// Decodes a result set by the fast path; nil when the caller must use `ResultSet.decode`.
func decodeLiftingSamples(_ data: Data) -> ResultSet? {
    guard let lifted = liftSamples(data) else { return nil }
    return decodeLifted(lifted)
}

/// Decodes a result set file by the fast path, reading it through a private read-only mapping whose
/// pages are given back (MADV_DONTNEED) as the scanner passes them: a 300 MB set then costs its
/// decoded samples and a window of the file, not the whole file on top. nil when the caller must
/// read the file and use `decodeQuickly(_:source:)` (not a plain file, empty, too large, unusual).
func decodeLiftingSamples(mappingFile path: String) -> ResultSet? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG, info.st_size > 0,
        UInt64(info.st_size) <= ResultSet.maximumFileBytes
    else { return nil }
    let size = Int(info.st_size)
    guard let base = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), base != MAP_FAILED else { return nil }
    defer { munmap(base, size) }
    _ = madvise(base, size, MADV_SEQUENTIAL)
    let page = max(4096, sysconf(Int32(_SC_PAGESIZE)))
    var released = 0
    let bytes = UnsafeBufferPointer(start: base.assumingMemoryBound(to: UInt8.self), count: size)
    let lifted = liftSamples(bytes) { done in
        // Every byte before `done` has been scanned and copied; drop those pages in 8 MiB steps.
        let upTo = done / page * page
        guard upTo - released >= 8 << 20 else { return }
        _ = madvise(base + released, upTo - released, MADV_DONTNEED)
        released = upTo
    }
    guard let lifted else { return nil }
    return decodeLifted(lifted)
}

/// The set decoded from the text with placeholders, the arrays put back; nil when they do not fit.
private func decodeLifted(_ lifted: (Data, [[Double]])) -> ResultSet? {
    let (reduced, arrays) = lifted
    guard var set = try? JSONDecoder().decode(ResultSet.self, from: reduced) else { return nil }
    for i in set.results.indices {
        let placeholder = set.results[i].samples
        guard placeholder.count == 1, let k = Int(exactly: placeholder[0]), arrays.indices.contains(k) else { return nil }
        set.results[i].samples = arrays[k]
    }
    return set
}

/// The text with each `"samples"` array replaced by `[k]`, and the arrays; nil on anything unexpected.
func liftSamples(_ data: Data) -> (Data, [[Double]])? {
    data.withUnsafeBytes { (raw: UnsafeRawBufferPointer) -> (Data, [[Double]])? in
        liftSamples(raw.bindMemory(to: UInt8.self), scanned: nil)
    }
}

/// `liftSamples` over bytes; `scanned(i)` is told, after each samples array, that the bytes before
/// `i` will not be read again.
func liftSamples(_ bytes: UnsafeBufferPointer<UInt8>, scanned: ((Int) -> Void)?) -> (Data, [[Double]])? {
    let n = bytes.count
    var out = Data()
    out.reserveCapacity(n / 2)
    var arrays: [[Double]] = []
    var copiedUpTo = 0
    var i = 0
    var nonASCII = false
    let key = Array("samples".utf8)
    while i < n {
        let c = bytes[i]
        guard c == UInt8(ascii: "\"") else {
            if c == UInt8(ascii: "-") || (c >= 0x30 && c <= 0x39) {
                // JSONDecoder does not convert numbers it skips (values of unknown keys), which
                // ResultSet.decode rejects when no Double holds them (`1e999`; found by the fuzz
                // tests): every number outside strings must be one the full decoder would take.
                guard let (_, end) = number(bytes, at: i) else { return nil }
                i = end
                continue
            }
            i += 1
            continue
        }
        // A string: find its end, honouring escapes.
        let start = i + 1
        var j = start
        var escaped = false
        while j < n && bytes[j] != UInt8(ascii: "\"") {
            // JSONDecoder does not check strings it skips (values of unknown keys), which
            // ResultSet.decode rejects (found by Fuzz/ResultSetFuzz): a raw control character,
            // a bad escape, a lone surrogate, invalid UTF-8. The scanner checks them instead.
            if bytes[j] < 0x20 { return nil }
            if bytes[j] >= 0x80 { nonASCII = true }
            if bytes[j] == UInt8(ascii: "\\") {
                escaped = true
                guard j + 1 < n, validEscape(bytes, at: j + 1) else { return nil }
            }
            j += bytes[j] == UInt8(ascii: "\\") ? 2 : 1
        }
        guard j < n else { return nil }
        let isSamplesKey = j - start == key.count && (0..<key.count).allSatisfy { bytes[start + $0] == key[$0] }
        i = j + 1
        // `"samples"` followed by `:` is a key; anything else is a value that happens to say samples.
        var k = i
        while k < n && isSpace(bytes[k]) { k += 1 }
        let isKey = k < n && bytes[k] == UInt8(ascii: ":")
        // A key with escapes may decode to "samples" (`"sampl\u0065s"`) where the scanner cannot
        // see it; its array would then be taken for a placeholder. Such files take the full decoder.
        if isKey && escaped { return nil }
        guard isSamplesKey, isKey else { continue }
        k += 1
        while k < n && isSpace(bytes[k]) { k += 1 }
        guard k < n, bytes[k] == UInt8(ascii: "[") else { return nil }
        let open = k
        k += 1
        var values: [Double] = []
        values.reserveCapacity(64)
        while true {
            while k < n && isSpace(bytes[k]) { k += 1 }
            guard k < n else { return nil }
            if bytes[k] == UInt8(ascii: "]") && values.isEmpty { break }
            guard let (value, end) = number(bytes, at: k) else { return nil }
            values.append(value)
            k = end
            while k < n && isSpace(bytes[k]) { k += 1 }
            guard k < n else { return nil }
            if bytes[k] == UInt8(ascii: ",") { k += 1; continue }
            guard bytes[k] == UInt8(ascii: "]") else { return nil }
            break
        }
        // Copy everything up to and including `[`, then the index, and continue at `]`.
        out.append(UnsafeBufferPointer(rebasing: bytes[copiedUpTo...open]))
        out.append(contentsOf: Array(String(arrays.count).utf8))
        copiedUpTo = k
        arrays.append(values)
        i = k
        scanned?(k)
    }
    out.append(UnsafeBufferPointer(rebasing: bytes[copiedUpTo..<n]))
    // The UTF-8 of strings, checked only when there is non-ASCII text (see the string loop). Every
    // string is in `out` (the lifted arrays hold ASCII digits only, and are cut at ASCII `[` and
    // `]`), so checking `out` checks the file without reading it again.
    if nonASCII && String(data: out, encoding: .utf8) == nil { return nil }
    return (out, arrays)
}

/// Whether the escape whose letter is at `i` (after a backslash) is one JSON allows. `\u` escapes
/// of UTF-16 surrogates are refused even when paired: the caller then takes the full decoder, which
/// knows the pairing rules (result sets do not contain them).
private func validEscape(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
    switch b[i] {
    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"),
        UInt8(ascii: "r"), UInt8(ascii: "t"):
        return true
    case UInt8(ascii: "u"):
        guard i + 4 < b.count else { return false }
        var value = 0
        for k in 1...4 {
            let c = b[i + k]
            let digit: Int
            switch c {
            case 0x30...0x39: digit = Int(c) - 0x30
            case 0x41...0x46: digit = Int(c) - 0x41 + 10
            case 0x61...0x66: digit = Int(c) - 0x61 + 10
            default: return false
            }
            value = value << 4 | digit
        }
        return !(0xD800...0xDFFF).contains(value)
    default:
        return false
    }
}

@inline(__always)
private func isSpace(_ c: UInt8) -> Bool {
    c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09
}

/// A JSON number at `start` (RFC 8259 grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?) and the
/// index after it; nil when the text there is not one, or is not a finite Double.
private func number(_ b: UnsafeBufferPointer<UInt8>, at start: Int) -> (Double, Int)? {
    let n = b.count
    var i = start
    @inline(__always) func digit(_ i: Int) -> Bool { i < n && b[i] >= 0x30 && b[i] <= 0x39 }
    if i < n && b[i] == UInt8(ascii: "-") { i += 1 }
    guard digit(i) else { return nil }
    if b[i] == 0x30 {
        i += 1
    } else {
        while digit(i) { i += 1 }
    }
    if i < n && b[i] == UInt8(ascii: ".") {
        i += 1
        guard digit(i) else { return nil }
        while digit(i) { i += 1 }
    }
    if i < n && (b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E")) {
        i += 1
        if i < n && (b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-")) { i += 1 }
        guard digit(i) else { return nil }
        while digit(i) { i += 1 }
    }
    let length = i - start
    guard length < 64 else { return nil }
    // strtod needs a terminated string: copy the token (it is short) into a local buffer.
    let value = withUnsafeTemporaryAllocation(of: CChar.self, capacity: 64) { buffer -> Double in
        for k in 0..<length { buffer[k] = CChar(bitPattern: b[start + k]) }
        buffer[length] = 0
        return strtod(buffer.baseAddress!, nil)
    }
    guard value.isFinite else { return nil }
    return (value, i)
}
