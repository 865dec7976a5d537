import Foundation
import OverheadCompare
import OverheadModel

// The environments compared and the method.
extension ReportBuilder {
    func environments(_ m: inout Markup) {
        m.raw("<section id=\"environments\">")
        m.element("h2", text: "Environments side by side")
        let sets = labels.flatMap { label in (groups[label]?.sets ?? []).map { (label, $0) } }
        m.element("p", text: "One column per result set. Rows where the sets disagree are marked “differs”.")
        m.raw("<div class=\"scroll\"><table class=\"env\">")
        m.raw("<thead><tr><th scope=\"col\">attribute</th>" + sets.map { "<th scope=\"col\">\(escapeHTML($0.0))<br/><span class=\"sub\">\(escapeHTML($0.1.set.environment.hostname))</span></th>" }.joined() + "</tr></thead>")
        m.raw("<tbody>")
        let attributes: [(String, (LoadedSet) -> String)] = [
            ("file", { $0.path }),
            ("set id", { $0.set.id }),
            ("started", { $0.set.startedAt }),
            ("tool version", { $0.set.tool.version }),
            ("workload", { s in
                let w = s.set.workload
                return "\(w.name)\(w.quick && w.name != "quick" ? " (quick)" : ""): \(w.replicates) replicates × \(w.samplesPerReplicate) samples, min \(formatFigure(w.minSampleMs)) ms"
            }),
            ("detected configuration", { $0.set.environment.configuration.detected }),
            ("configuration reasons", { $0.set.environment.configuration.reasons.joined(separator: "\n") }),
            ("hypervisor", { s in
                let h = s.set.environment.hypervisor
                guard h.present else { return "none" }
                var text = h.vendor ?? "present"
                if !h.signatures.isEmpty { text += " (signatures: \(h.signatures.joined(separator: ", ")))" }
                if !h.evidence.isEmpty { text += "; evidence: \(h.evidence.joined(separator: ", "))" }
                return text
            }),
            ("container layer", { s in
                guard let c = s.set.environment.configuration.container else { return "not recorded" }
                return c.summary + (c.reasons.isEmpty ? "" : "\n" + c.reasons.joined(separator: "\n"))
            }),
            ("CPU", { s in
                let c = s.set.environment.cpu
                return "\(c.model) (\(c.vendor)); \(c.logicalCPUs) logical CPUs, SMT \(c.smt ? "on" : "off")"
            }),
            ("allowed CPUs, seccomp", { s in
                guard let p = s.set.environment.process else { return "not recorded" }
                let filters = p.seccompFilters.map { $0 > 0 ? " (\($0) filter\($0 == 1 ? "" : "s"))" : "" } ?? ""
                return "\(formatCPUList(p.allowedCPUs)) (\(p.allowedCPUs.count)); seccomp \(p.seccomp ?? "unknown")\(filters)"
            }),
            ("cgroup", { s in
                guard let p = s.set.environment.process else { return "not recorded" }
                guard let g = p.cgroup else { return "none visible" }
                let quota = g.cpuLimit.map { "CPU quota \(formatFigure($0)) CPUs (\(g.cpuQuotaUs ?? 0) µs per \(g.cpuPeriodUs ?? 0) µs)" } ?? "no CPU quota"
                let cpuset = g.cpusetEffective.map { "cpuset \(formatCPUList($0))" } ?? "cpuset unknown"
                let memory = g.memoryLimitBytes.map { "memory limit \(formatBytes(Double($0)))iB" } ?? "no memory limit"
                return "v\(g.version) \(g.path): \(quota), \(cpuset), \(memory)"
            }),
            ("microcode", { $0.set.environment.cpu.microcode ?? "unknown" }),
            ("CPU flags", { $0.set.environment.cpu.flags.joined(separator: " ") }),
            ("caches", { s in
                (s.set.environment.caches ?? []).map { "L\($0.level) \($0.type) \(formatBytes(Double($0.sizeBytes)))" }
                    .reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }.joined(separator: ", ")
            }),
            ("memory", { formatBytes(Double($0.set.environment.memoryBytes)) + "iB" }),
            ("kernel", { $0.set.environment.kernel }),
            ("clocksource", { s in
                let e = s.set.environment
                return "\(e.clocksource) (available: \(e.availableClocksources.joined(separator: ", ")))"
            }),
            ("clock_gettime path", { s in
                guard let p = s.set.environment.clockGettime else { return "not measured" }
                return "\(p.path): libc \(formatFigure(p.libcNs)) ns, syscall \(formatFigure(p.syscallNs)) ns"
            }),
            ("TSC", { s in
                guard let t = s.set.environment.tsc else { return "unknown" }
                return "\(formatFigure(t.ghz)) GHz from \(t.source)\(t.invariant ? ", invariant" : ", not invariant")"
            }),
            ("THP", { $0.set.environment.transparentHugePages ?? "none" }),
            ("governor", { $0.set.environment.governor ?? "none (no cpufreq)" }),
            ("mitigations", { s in
                s.set.environment.mitigations.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: "\n")
            }),
            ("NUMA", { s in
                let n = s.set.environment.numa
                guard n.available else { return "not available" }
                let nodes = n.nodes.map { "node \($0.id): \($0.cpus.count) CPUs, \(formatBytes(Double($0.memoryBytes)))iB" }.joined(separator: "\n")
                let distances = n.distances.map { $0.map(String.init).joined(separator: " ") }.joined(separator: " / ")
                return nodes + (distances.isEmpty ? "" : "\ndistances: \(distances)")
            }),
            ("devices", { s in
                s.set.environment.devices.map { d in
                    "\(d.name) [\(d.kind)] \(d.path) via \(d.bus)\(d.driver.map { ", driver \($0)" } ?? "")\(d.pciID.map { ", \($0)" } ?? "")"
                }.joined(separator: "\n")
            }),
            ("counters", { s in
                let c = s.set.environment.counters
                var text = "hardware \(c.hardware ? "yes" : "no"), software \(c.software ? "yes" : "no")"
                if let r = c.reason { text += " — \(r)" }
                return text
            }),
            ("fingerprint notes", { $0.set.environment.notes.joined(separator: "\n") }),
        ]
        for (name, value) in attributes {
            let values = sets.map { value($0.1) }
            let differs = Set(values).count > 1 && !["file", "set id", "started"].contains(name)
            var row = "<tr\(differs ? " class=\"differs\"" : "")><th scope=\"row\">\(escapeHTML(name))\(differs ? "<br/><span class=\"flag\">differs</span>" : "")</th>"
            for v in values {
                let lines = v.split(separator: "\n", omittingEmptySubsequences: false).map { escapeHTML(String($0)) }
                row += "<td>\(v.isEmpty ? "—" : lines.joined(separator: "<br/>"))</td>"
            }
            m.raw(row + "</tr>")
        }
        m.raw("</tbody>")
        m.raw("</table></div>")
        m.raw("</section>")
    }

    func method(_ m: inout Markup) {
        m.raw("<section id=\"method\">")
        m.element("h2", text: "Method")
        if let c = comparison {
            m.element("p", text: "The observation is a replicate's median: every run measures each benchmark in several independent replicates (fresh worker process, memory, calibration and peers), and a version-1 set counts as one replicate (Kalibera & Jones 2013). Per benchmark: the median of the replicate medians of each label; overhead = ratio of those medians − 1, signed so that positive is worse; a \(Int((c.confidence * 100).rounded()))% hierarchical bootstrap interval (sets, then replicates within sets; \(c.resamples) resamples, seed \(c.seed)); a two-sided Mann-Whitney U test on the replicate medians; Benjamini–Hochberg q-values across the rows of each configuration (false discovery rate \(c.alpha)). Verdict: overhead or improvement when q < \(c.alpha), the interval excludes 0 and the overhead is at least the minimum effect of \(String(format: "%g", c.minEffectPct))%; equivalent when the whole interval lies inside ±\(String(format: "%g", c.minEffectPct))%; inconclusive otherwise; insufficient data below \(c.minimumReplicates) replicates a side. MDE: the smallest difference the row's data detects with 80% power. Noisy: a side's robust spread (1.4826·MAD/median of the replicate medians) above \(String(format: "%g", c.noiseCVPct))%. Category figures are geometric means of the cost ratios with each benchmark id weighed once, resampled with the same draws. The same numbers come out of overhead-bench compare with the same inputs and seed.")
        } else {
            m.element("p", text: "Samples of every set with the same label are pooled; the tables show the median, the 5th and 95th percentiles and the coefficient of variation of the pooled samples.")
        }
        m.raw("</section>")
    }
}
