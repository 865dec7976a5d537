import Foundation
import OverheadCompare
import OverheadModel

// What is missing, skipped or warned about.
extension ReportBuilder {
    func missing(_ m: inout Markup) {
        m.raw("<section id=\"missing\">")
        m.element("h2", text: "Not on every side")
        if let c = comparison, !c.missing.isEmpty {
            m.element("p", text: "These benchmarks are in some configurations only, so they were not compared:")
            m.raw("<div class=\"scroll\"><table class=\"numbers\">")
            m.raw(tableRow(["benchmark", "params", "present in", "missing from"], header: true))
            for x in c.missing {
                m.raw(tableRow([x.benchmark, x.paramsText.isEmpty ? "—" : x.paramsText, x.presentIn.joined(separator: ", "), x.missingFrom.joined(separator: ", ")]))
            }
            m.raw("</table></div>")
        } else {
            m.element("p", text: comparison == nil ? "Only one configuration: nothing to match." : "Every benchmark is on every side.")
        }
        m.raw("</section>")
    }

    func skipped(_ m: inout Markup) {
        m.raw("<section id=\"skipped\">")
        m.element("h2", text: "Skipped benchmarks")
        let rows = labels.flatMap { label in
            (groups[label]?.sets ?? []).flatMap { s in s.set.skipped.map { (label, s.set.environment.hostname, $0) } }
        }
        if rows.isEmpty {
            m.element("p", text: "No benchmark of the workloads was skipped.")
        } else {
            m.raw("<div class=\"scroll\"><table class=\"numbers\">")
            m.raw(tableRow(["configuration", "host", "benchmark", "params", "reason"], header: true))
            for (label, host, s) in rows {
                let p = paramsText(s.params)
                m.raw(tableRow([label, host, s.benchmark, p.isEmpty ? "—" : p, s.reason]))
            }
            m.raw("</table></div>")
        }
        m.raw("</section>")
    }

    func warnings(_ m: inout Markup) {
        m.raw("<section id=\"warnings\">")
        m.element("h2", text: "Warnings")
        var items: [String] = []
        for label in labels {
            for s in groups[label]?.sets ?? [] {
                let who = "\(label) (\(s.set.environment.hostname))"
                if s.set.interrupted { items.append("\(who): the run was interrupted; the set holds what finished") }
                for w in s.set.warnings { items.append("\(who): \(w)") }
                for r in s.set.results {
                    let p = paramsText(r.params)
                    for w in r.warnings { items.append("\(who) \(r.benchmark)\(p.isEmpty ? "" : " \(p)"): \(w)") }
                }
            }
        }
        let notes = input.notes + (comparison?.notes ?? []) + figures.notes
        items += notes.map { "note: \($0)" }
        if items.isEmpty {
            m.element("p", text: "None: no run or benchmark reported a warning.")
        } else {
            m.block("ul", [("class", "warnings")]) { m in
                for item in items { m.element("li", text: item) }
            }
        }
        m.raw("</section>")
    }
}
