import Foundation
import OverheadModel

// Markup helpers. The page is written as well-formed XML (void elements self-closed, only the five
// predefined entities and numeric references), so a test can parse it with an XML parser and any
// unbalanced tag shows up, and so the same text is valid HTML5.

/// Escapes text for an HTML/XML text node or a quoted attribute value.
///
/// Result sets are untrusted input (hostnames, reasons, labels, device names), so every string that
/// comes from one goes through here. Characters XML forbids (C0 controls other than tab, newline and
/// carriage return, lone surrogates cannot occur in a Swift String) become U+FFFD.
public func escapeHTML(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
        default:
            // XML 1.0 Char excludes C0 controls, U+FFFE and U+FFFF.
            if scalar.value < 0x20 || scalar.value == 0xFFFE || scalar.value == 0xFFFF {
                out += "\u{FFFD}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out
}

/// A string safe to use in an `id` or `class`: letters, digits, `-` and `_`, anything else as `-`.
func slug(_ text: String) -> String {
    let mapped = text.unicodeScalars.map { s -> Character in
        let v = s.value
        let keep = (0x30...0x39).contains(v) || (0x41...0x5A).contains(v) || (0x61...0x7A).contains(v) || s == "_" || s == "-"
        return keep ? Character(s) : "-"
    }
    let result = String(mapped)
    return result.isEmpty ? "x" : result
}

/// Builds markup line by line. Text passed as `text:` is escaped; `raw:` is markup this module made.
struct Markup {
    private(set) var lines: [String] = []

    mutating func raw(_ markup: String) { lines.append(markup) }

    /// `<tag attrs>escaped text</tag>` on one line.
    mutating func element(_ tag: String, _ attributes: [(String, String)] = [], text: String) {
        lines.append("<\(tag)\(attributeText(attributes))>\(escapeHTML(text))</\(tag)>")
    }

    /// `<tag attrs>`, the body, `</tag>`.
    mutating func block(_ tag: String, _ attributes: [(String, String)] = [], _ body: (inout Markup) -> Void) {
        lines.append("<\(tag)\(attributeText(attributes))>")
        body(&self)
        lines.append("</\(tag)>")
    }

    var text: String { lines.joined(separator: "\n") }
}

/// ` name="value"` pairs, values escaped.
func attributeText(_ attributes: [(String, String)]) -> String {
    attributes.map { " \($0.0)=\"\(escapeHTML($0.1))\"" }.joined()
}

/// A table row of escaped cells; `numeric` columns get the `num` class (right-aligned).
func tableRow(_ cells: [String], header: Bool = false, numeric: Set<Int> = [], classes: [Int: String] = [:]) -> String {
    let tag = header ? "th" : "td"
    return "<tr>" + cells.enumerated().map { i, cell in
        var cls: [String] = []
        if numeric.contains(i) { cls.append("num") }
        if let extra = classes[i] { cls.append(extra) }
        let attr = cls.isEmpty ? "" : " class=\"\(cls.joined(separator: " "))\""
        return "<\(tag)\(header ? " scope=\"col\"" : "")\(attr)>\(escapeHTML(cell))</\(tag)>"
    }.joined() + "</tr>"
}

// MARK: Numbers

/// `[+1.0%, +3.2%]`, or `—`.
func formatInterval(_ low: Double?, _ high: Double?) -> String {
    guard let low, let high else { return "—" }
    return "[\(formatPercent(low)), \(formatPercent(high))]"
}

/// A p-value with three decimals, `<0.001` below that.
func formatP(_ value: Double?) -> String {
    guard let value else { return "—" }
    return value < 0.001 ? "<0.001" : String(format: "%.3f", value)
}

/// Bytes with a binary suffix, `16K`, `2M`, `512M`, `1.5G` (the form the workload's params use).
func formatBytes(_ bytes: Double) -> String {
    let units: [(Double, String)] = [(1_099_511_627_776, "T"), (1_073_741_824, "G"), (1_048_576, "M"), (1024, "K")]
    for (size, suffix) in units where bytes >= size {
        let v = bytes / size
        return (v == v.rounded() ? String(Int(v)) : String(format: "%.1f", v)) + suffix
    }
    return String(Int(bytes))
}

/// A coordinate for SVG: at most two decimals, no trailing zeros.
func coord(_ value: Double) -> String {
    guard value.isFinite else { return "0" }
    let rounded = (value * 100).rounded() / 100
    if rounded == rounded.rounded() { return String(Int(rounded)) }
    var s = String(format: "%.2f", rounded)
    while s.hasSuffix("0") { s.removeLast() }
    return s
}
