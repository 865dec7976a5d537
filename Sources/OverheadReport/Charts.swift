import Foundation
import OverheadModel

// Inline SVG charts. Each has a <title> and a <desc> (its text alternative, listing the values),
// axis labels with units, a legend, and text next to every mark, so nothing is told by colour alone.
// Sizes are in SVG user units; the viewBox lets a chart shrink with the page.

/// Colour-blind-safe palette (Okabe & Ito 2008) for configurations, in order.
let seriesColours = ["#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442"]

/// Rough width of `text` at `size` px in a sans-serif font, for layout (SVG cannot measure without script).
func textWidth(_ text: String, size: Double = 12) -> Double {
    Double(text.count) * size * 0.56
}

/// `count`-ish round tick values covering [low, high] (steps of 1, 2 or 5 × 10^k).
func niceTicks(_ low: Double, _ high: Double, count: Int = 6) -> [Double] {
    guard high > low, low.isFinite, high.isFinite else { return [low] }
    let raw = (high - low) / Double(max(count, 1))
    let magnitude = pow(10, floor(log10(raw)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
    var ticks: [Double] = []
    var t = (low / step).rounded(.down) * step
    while t <= high + step * 1e-9 {
        if t >= low - step * 1e-9 { ticks.append(abs(t) < step * 1e-9 ? 0 : t) }
        t += step
    }
    return ticks
}

/// Maps a domain onto a pixel range, linearly or by log10.
struct Scale {
    var domain: (Double, Double)
    var range: (Double, Double)
    var log: Bool

    func callAsFunction(_ value: Double) -> Double {
        let (d0, d1) = log ? (log10(domain.0), log10(domain.1)) : domain
        let v = log ? log10(max(value, Double.leastNormalMagnitude)) : value
        guard d1 != d0 else { return (range.0 + range.1) / 2 }
        return range.0 + (v - d0) / (d1 - d0) * (range.1 - range.0)
    }
}

/// The opening of an accessible SVG: role, size, title and description.
private func svgOpen(id: String, width: Double, height: Double, title: String, description: String) -> [String] {
    [
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" id=\"\(id)\" role=\"img\" viewBox=\"0 0 \(coord(width)) \(coord(height))\" width=\"\(coord(width))\" height=\"\(coord(height))\" aria-labelledby=\"\(id)-title \(id)-desc\">",
        "<title id=\"\(id)-title\">\(escapeHTML(title))</title>",
        "<desc id=\"\(id)-desc\">\(escapeHTML(description))</desc>",
    ]
}

// MARK: Horizontal bars with whiskers

/// One bar: a configuration's value for one item, its interval and how it is marked.
struct Bar {
    /// Configuration label, shown beside the bar when a group has several.
    var series: String
    /// Bar end (the bar starts at 0); nil draws no bar (e.g. undefined overhead).
    var value: Double?
    /// Whisker ends; nil draws none.
    var low: Double?
    var high: Double?
    /// CSS class of the mark (`v-overhead`, ...).
    var cssClass: String
    /// Text drawn right of the plot: the value and verdict in words.
    var annotation: String
}

/// Bars of one item (a benchmark × params, or a category).
struct BarGroup {
    var label: String
    var bars: [Bar]
}

/// A horizontal bar chart: one row per bar, grouped by item, with whiskers, a zero line and text.
///
/// When a few bars dwarf the rest (CPUID in a guest: +1000% beside ±2%), the axis is cut at a
/// round value above most of the data and the longer bars end in an arrow; their text gives the value.
func barChart(id: String, title: String, axisLabel: String, groups: [BarGroup], legend: [(cssClass: String, text: String)], description: String)
    -> String
{
    let showSeries = groups.contains { $0.bars.count > 1 }
    let labelWidth = max(160, min(300, (groups.map { textWidth($0.label) }.max() ?? 0) + 12))
    let seriesWidth = showSeries ? max(60, min(140, (groups.flatMap { $0.bars.map { textWidth($0.series, size: 11) } }.max() ?? 0) + 10)) : 0
    let plotWidth = 380.0
    // Annotations may be bold: measure them wider.
    let annotationWidth = max(150, min(320, (groups.flatMap { $0.bars.map { textWidth($0.annotation, size: 12) } }.max() ?? 0) + 16))
    let left = labelWidth + seriesWidth
    let width = left + plotWidth + annotationWidth
    let rowHeight = 18.0, groupGap = 8.0, top = 30.0
    let barCount = groups.reduce(0) { $0 + $1.bars.count }
    let plotHeight = Double(barCount) * rowHeight + Double(max(groups.count - 1, 0)) * groupGap + 6
    let legendY = top + plotHeight + 50
    // Legend entries (swatch and words, then the whisker), wrapped to the chart's width.
    var legendPlaces: [(x: Double, y: Double)] = []
    var lx = 0.0, ly = legendY
    for text in legend.map(\.text) + ["confidence interval"] {
        let w = 18 + textWidth(text, size: 11) + 18
        if lx > 0 && lx + w > width {
            lx = 0
            ly += 18
        }
        legendPlaces.append((lx, ly))
        lx += w
    }
    let height = ly + 22

    // Domain: every value and whisker end, 0, and at least ±5% so noise does not look like a finding.
    var extents = groups.flatMap { $0.bars.flatMap { [$0.value, $0.low, $0.high].compactMap { $0 } } }.filter(\.isFinite)
    extents.append(contentsOf: [0, -5, 5])
    var low = extents.min() ?? -5, high = extents.max() ?? 5
    let magnitudes = extents.map { abs($0) }.sorted()
    let typical = magnitudes[Int(Double(magnitudes.count - 1) * 0.8)]
    let cut = max(10, typical * 2)
    var clipped = false
    if high > 3 * cut { high = cut; clipped = true }
    if low < -3 * cut { low = -cut; clipped = true }
    let ticks = niceTicks(low, high, count: 6)
    low = min(low, ticks.first ?? low)
    high = max(high, ticks.last ?? high)
    let x = Scale(domain: (low, high), range: (left, left + plotWidth), log: false)
    func clamp(_ v: Double) -> Double { min(max(v, low), high) }
    // A value beyond the cut axis: `glyph` at the edge it passes (a long bar, an interval end).
    func clipMark(_ v: Double, y: Double, glyph: (beyondHigh: String, beyondLow: String)) -> String {
        let beyondHigh = v > high
        let edge = beyondHigh ? x(high) : x(low)
        return "<text class=\"clip-mark\" x=\"\(coord(edge + (beyondHigh ? -2 : 2)))\" y=\"\(coord(y))\" text-anchor=\"\(beyondHigh ? "end" : "start")\">\(beyondHigh ? glyph.beyondHigh : glyph.beyondLow)</text>"
    }

    var out = svgOpen(id: id, width: width, height: height, title: title, description: description)
    out.append("<text class=\"chart-title\" x=\"0\" y=\"14\">\(escapeHTML(title))</text>")
    // Grid and tick labels.
    for t in ticks {
        let px = coord(x(t))
        out.append("<line class=\"grid\" x1=\"\(px)\" y1=\"\(coord(top - 4))\" x2=\"\(px)\" y2=\"\(coord(top + plotHeight))\"/>")
        out.append("<text class=\"tick\" x=\"\(px)\" y=\"\(coord(top + plotHeight + 14))\" text-anchor=\"middle\">\(escapeHTML(formatTick(t)))%</text>")
    }
    out.append("<line class=\"zero\" x1=\"\(coord(x(0)))\" y1=\"\(coord(top - 6))\" x2=\"\(coord(x(0)))\" y2=\"\(coord(top + plotHeight))\"/>")
    out.append("<text class=\"axis-label\" x=\"\(coord(left + plotWidth / 2))\" y=\"\(coord(top + plotHeight + 30))\" text-anchor=\"middle\">\(escapeHTML(axisLabel + (clipped ? " (axis cut; » marks a longer bar, › or ‹ a longer interval)" : "")))</text>")

    var y = top
    for (gi, group) in groups.enumerated() {
        if gi > 0 { y += groupGap }
        let groupTop = y
        out.append("<g class=\"item\">")
        out.append("<text class=\"item-label\" x=\"0\" y=\"\(coord(groupTop + 13))\">\(escapeHTML(group.label))</text>")
        for bar in group.bars {
            let mid = y + rowHeight / 2
            if showSeries {
                out.append("<text class=\"series-label\" x=\"\(coord(left - 6))\" y=\"\(coord(mid + 4))\" text-anchor=\"end\">\(escapeHTML(bar.series))</text>")
            }
            if let v = bar.value, v.isFinite {
                let x0 = x(0), x1 = x(clamp(v))
                // The tooltip carries the interval too: a whisker cut at the axis still reads in full.
                let interval = bar.low != nil || bar.high != nil ? ", interval \(formatInterval(bar.low, bar.high))" : ""
                out.append("<rect class=\"bar \(bar.cssClass)\" x=\"\(coord(min(x0, x1)))\" y=\"\(coord(mid - 6))\" width=\"\(coord(max(abs(x1 - x0), 1)))\" height=\"12\"><title>\(escapeHTML("\(group.label) \(bar.series): \(bar.annotation)\(interval)"))</title></rect>")
                if v > high || v < low { out.append(clipMark(v, y: mid + 4, glyph: ("»", "»"))) }
            }
            if let lo = bar.low, let hi = bar.high, lo.isFinite, hi.isFinite {
                let a = x(clamp(lo)), b = x(clamp(hi))
                out.append("<line class=\"whisker\" x1=\"\(coord(a))\" y1=\"\(coord(mid))\" x2=\"\(coord(b))\" y2=\"\(coord(mid))\"/>")
                for end in [(lo, a), (hi, b)] where end.0 >= low && end.0 <= high {
                    out.append("<line class=\"whisker\" x1=\"\(coord(end.1))\" y1=\"\(coord(mid - 4))\" x2=\"\(coord(end.1))\" y2=\"\(coord(mid + 4))\"/>")
                }
                // An interval end beyond the cut axis gets an arrow at the edge, like a long bar.
                for end in [lo, hi] where end > high || end < low { out.append(clipMark(end, y: mid - 3, glyph: ("›", "‹"))) }
            }
            out.append("<text class=\"annotation \(bar.cssClass)-text\" x=\"\(coord(left + plotWidth + 8))\" y=\"\(coord(mid + 4))\">\(escapeHTML(bar.annotation))</text>")
            y += rowHeight
        }
        out.append("</g>")
    }
    // Legend: swatch and words per mark class, then the whisker.
    for (item, place) in zip(legend, legendPlaces) {
        out.append("<rect class=\"bar \(item.cssClass)\" x=\"\(coord(place.x))\" y=\"\(coord(place.y - 10))\" width=\"14\" height=\"10\"/>")
        out.append("<text class=\"legend\" x=\"\(coord(place.x + 18))\" y=\"\(coord(place.y))\">\(escapeHTML(item.text))</text>")
    }
    if let place = legendPlaces.last {
        out.append("<line class=\"whisker\" x1=\"\(coord(place.x))\" y1=\"\(coord(place.y - 5))\" x2=\"\(coord(place.x + 14))\" y2=\"\(coord(place.y - 5))\"/>")
        out.append("<text class=\"legend\" x=\"\(coord(place.x + 18))\" y=\"\(coord(place.y))\">confidence interval</text>")
    }
    out.append("</svg>")
    return out.joined(separator: "\n")
}

/// A tick value: integers plain, others with up to two decimals.
func formatTick(_ value: Double) -> String {
    if value == value.rounded() && abs(value) < 1e15 { return String(Int(value)) }
    return coord(value)
}

// MARK: Lines

/// One line of a line chart.
struct LineSeries {
    var name: String
    /// Index into `seriesColours`.
    var colour: Int
    var dashed: Bool
    /// `circle` or `square`: a second cue besides the dash pattern.
    var square: Bool
    /// Points in data units, sorted by x.
    var points: [(x: Double, y: Double)]
}

/// A vertical reference line (e.g. a cache size) with its label.
struct Marker {
    var x: Double
    var label: String
}

/// A line chart with optional log axes, markers on every point and a legend below.
func lineChart(
    id: String, title: String, xLabel: String, yLabel: String, xLog: Bool, yLog: Bool, xTick: (Double) -> String,
    xTicks: [Double]? = nil, series: [LineSeries], markers: [Marker] = [], width: Double = 760, plotHeight: Double = 300,
    description: String
) -> String {
    let all = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite && (!xLog || $0.x > 0) && (!yLog || $0.y > 0) }
    let left = 62.0, right = 16.0, top = 28.0
    let legendRows = legendLayout(series.map(\.name), width: width)
    let height = top + plotHeight + 48 + Double(legendRows.count) * 18
    var out = svgOpen(id: id, width: width, height: height, title: title, description: description)
    out.append("<text class=\"chart-title\" x=\"0\" y=\"14\">\(escapeHTML(title))</text>")
    guard let xMin = all.map(\.x).min(), let xMax = all.map(\.x).max(), var yMin = all.map(\.y).min(), var yMax = all.map(\.y).max() else {
        out.append("<text class=\"tick\" x=\"\(coord(left))\" y=\"\(coord(top + 20))\">no data</text>")
        out.append("</svg>")
        return out.joined(separator: "\n")
    }
    if !yLog { yMin = min(0, yMin) }
    if yMax == yMin { yMax = yMin + 1 }
    var yTicks: [Double]
    if yLog {
        // A little room above and below the data; ticks at 1, 2 and 5 × 10^k inside it.
        yMin /= 1.25
        yMax *= 1.25
        yTicks = []
        for e in Int(floor(log10(yMin)))...Int(ceil(log10(yMax))) {
            for m in [1.0, 2, 5] where m * pow(10, Double(e)) >= yMin && m * pow(10, Double(e)) <= yMax {
                yTicks.append(m * pow(10, Double(e)))
            }
        }
    } else {
        yTicks = niceTicks(yMin, yMax * 1.05, count: 5)
        yMax = max(yMax, yTicks.last ?? yMax)
    }
    let xPad = xLog ? 1.15 : 0.0
    let xDomain = xLog ? (xMin / xPad, xMax * xPad) : (xMin - (xMax - xMin) * 0.04, xMax + (xMax - xMin) * 0.04 + (xMax == xMin ? 1 : 0))
    let x = Scale(domain: xDomain, range: (left, width - right), log: xLog)
    let y = Scale(domain: (yMin, yMax), range: (top + plotHeight, top), log: yLog)
    for t in yTicks {
        out.append("<line class=\"grid\" x1=\"\(coord(left))\" y1=\"\(coord(y(t)))\" x2=\"\(coord(width - right))\" y2=\"\(coord(y(t)))\"/>")
        out.append("<text class=\"tick\" x=\"\(coord(left - 6))\" y=\"\(coord(y(t) + 4))\" text-anchor=\"end\">\(escapeHTML(formatFigureShort(t)))</text>")
    }
    let xs = xTicks ?? Array(Set(all.map(\.x))).sorted()
    for t in xs where t >= xDomain.0 && t <= xDomain.1 {
        out.append("<line class=\"grid\" x1=\"\(coord(x(t)))\" y1=\"\(coord(top))\" x2=\"\(coord(x(t)))\" y2=\"\(coord(top + plotHeight))\"/>")
        out.append("<text class=\"tick\" x=\"\(coord(x(t)))\" y=\"\(coord(top + plotHeight + 14))\" text-anchor=\"middle\">\(escapeHTML(xTick(t)))</text>")
    }
    for m in markers where m.x >= xDomain.0 && m.x <= xDomain.1 {
        out.append("<line class=\"marker-line\" x1=\"\(coord(x(m.x)))\" y1=\"\(coord(top))\" x2=\"\(coord(x(m.x)))\" y2=\"\(coord(top + plotHeight))\"/>")
        out.append("<text class=\"marker-label\" x=\"\(coord(x(m.x) + 3))\" y=\"\(coord(top + 10))\">\(escapeHTML(m.label))</text>")
    }
    out.append("<rect class=\"frame\" x=\"\(coord(left))\" y=\"\(coord(top))\" width=\"\(coord(width - right - left))\" height=\"\(coord(plotHeight))\"/>")
    out.append("<text class=\"axis-label\" x=\"\(coord((left + width - right) / 2))\" y=\"\(coord(top + plotHeight + 32))\" text-anchor=\"middle\">\(escapeHTML(xLabel))</text>")
    out.append("<text class=\"axis-label\" transform=\"translate(12 \(coord(top + plotHeight / 2))) rotate(-90)\" text-anchor=\"middle\">\(escapeHTML(yLabel))</text>")
    for s in series {
        let pts = s.points.filter { $0.x.isFinite && $0.y.isFinite && (!xLog || $0.x > 0) && (!yLog || $0.y > 0) }
        guard !pts.isEmpty else { continue }
        let colour = seriesColours[s.colour % seriesColours.count]
        out.append("<g class=\"series\">")
        let path = pts.map { "\(coord(x($0.x))),\(coord(y($0.y)))" }.joined(separator: " ")
        out.append("<polyline class=\"line\(s.dashed ? " dashed" : "")\" stroke=\"\(colour)\" points=\"\(path)\"/>")
        for p in pts {
            let label = "\(s.name): \(xTick(p.x)) → \(formatFigure(p.y))"
            if s.square {
                out.append("<rect class=\"point\" fill=\"\(colour)\" x=\"\(coord(x(p.x) - 3))\" y=\"\(coord(y(p.y) - 3))\" width=\"6\" height=\"6\"><title>\(escapeHTML(label))</title></rect>")
            } else {
                out.append("<circle class=\"point\" fill=\"\(colour)\" cx=\"\(coord(x(p.x)))\" cy=\"\(coord(y(p.y)))\" r=\"3.2\"><title>\(escapeHTML(label))</title></circle>")
            }
        }
        out.append("</g>")
    }
    // Legend rows below the x-axis label.
    var ly = top + plotHeight + 52
    for row in legendRows {
        for (index, lx) in row {
            let s = series[index]
            let colour = seriesColours[s.colour % seriesColours.count]
            out.append("<line class=\"line\(s.dashed ? " dashed" : "")\" stroke=\"\(colour)\" x1=\"\(coord(lx))\" y1=\"\(coord(ly - 4))\" x2=\"\(coord(lx + 24))\" y2=\"\(coord(ly - 4))\"/>")
            if s.square {
                out.append("<rect fill=\"\(colour)\" x=\"\(coord(lx + 9))\" y=\"\(coord(ly - 7))\" width=\"6\" height=\"6\"/>")
            } else {
                out.append("<circle fill=\"\(colour)\" cx=\"\(coord(lx + 12))\" cy=\"\(coord(ly - 4))\" r=\"3.2\"/>")
            }
            out.append("<text class=\"legend\" x=\"\(coord(lx + 30))\" y=\"\(coord(ly))\">\(escapeHTML(s.name))</text>")
        }
        ly += 18
    }
    out.append("</svg>")
    return out.joined(separator: "\n")
}

/// Legend entries placed left to right, wrapping at `width`: rows of (series index, x).
private func legendLayout(_ names: [String], width: Double) -> [[(Int, Double)]] {
    var rows: [[(Int, Double)]] = [[]]
    var x = 0.0
    for (i, name) in names.enumerated() {
        let w = 30 + textWidth(name, size: 11) + 20
        if x + w > width && !(rows.last?.isEmpty ?? true) {
            rows.append([])
            x = 0
        }
        rows[rows.count - 1].append((i, x))
        x += w
    }
    return rows.last?.isEmpty == true ? [] : rows
}

/// An axis figure: 1, 2.5, 1000, 10k, 1M.
func formatFigureShort(_ value: Double) -> String {
    let a = abs(value)
    if a >= 1e6 { return formatTick(value / 1e6) + "M" }
    if a >= 1e4 { return formatTick(value / 1e3) + "k" }
    return formatTick((value * 100).rounded() / 100)
}
