#!/usr/bin/env python3
"""Writes the comparator's fixture result sets (run from this directory). The figures are chosen so
the expected medians, overheads and p-values can be worked out by hand; see CompareTests.swift."""
import json, math, copy

def q7(s, q):
    s = sorted(s); h = (len(s) - 1) * q; lo = math.floor(h); hi = min(lo + 1, len(s) - 1)
    return s[lo] + (h - lo) * (s[hi] - s[lo])

def summary(s):
    n = len(s); mean = sum(s) / n
    sd = math.sqrt(sum((x - mean) ** 2 for x in s) / (n - 1)) if n > 1 else 0.0
    return {"n": n, "median": q7(s, .5), "mean": mean, "min": min(s), "max": max(s), "stddev": sd,
            "cv": sd / abs(mean) if mean else 0.0, "p5": q7(s, .05), "p95": q7(s, .95)}

def result(bench, params, unit, better, samples, metric=None):
    return {"benchmark": bench, "params": params, "metric": metric or ("bandwidth" if "/s" in unit else "latency"),
            "unit": unit, "better": better, "samples": samples, "summary": summary(samples), "warnings": [],
            "iterationsPerSample": 1000, "cpus": [1],
            # Schema version 2: each sample here is its own replicate, so the replicate medians are
            # the samples and the hand-worked figures of CompareTests hold.
            "replicates": [{"sampleCount": 1, "median": x, "iterationsPerSample": 1000, "measuredSeconds": 0.01,
                            "stealTicks": 0, "involuntaryContextSwitches": 0, "robustCV": 0.0} for x in samples],
            "conditions": {"measuredSeconds": 0.1, "stealPercent": 0, "involuntaryContextSwitches": 0, "voluntaryContextSwitches": 0}}

def result_set(ident, label, host, clocksource, results, kernel="6.1.0"):
    return {"schema": "overhead-bench/result-set", "schemaVersion": 2, "id": ident, "label": label,
            "startedAt": "2026-11-28T12:00:00.000Z", "finishedAt": "2026-11-28T12:01:00.000Z",
            "tool": {"name": "overhead-bench", "version": "0.1.0"},
            "environment": {"hostname": host, "kernel": kernel,
                "cpu": {"vendor": "GenuineIntel", "model": "Xeon Gold 6338", "family": 6, "modelNumber": 106, "stepping": 6,
                        "microcode": "0xd0003a5", "logicalCPUs": 2, "smt": False, "flags": ["avx2"]},
                "memoryBytes": 8589934592, "clocksource": clocksource, "availableClocksources": [clocksource],
                "transparentHugePages": "madvise", "mitigations": {},
                "hypervisor": {"present": label != "bare-metal", "vendor": None if label == "bare-metal" else "KVM", "signatures": [], "evidence": []},
                "configuration": {"detected": label, "reasons": []},
                "numa": {"available": True, "source": "sysfs", "nodes": [{"id": 0, "cpus": [0, 1], "memoryBytes": 8589934592}], "distances": [[10]]},
                "devices": [], "counters": {"hardware": False, "software": True, "reason": "no PMU"}, "notes": []},
            "workload": {"name": "quick", "source": "Workloads/quick.yaml", "quick": True, "seed": 42, "replicates": 6,
                         "samplesPerReplicate": 1, "replicateIsolation": "process", "warmupBatches": 1, "minSampleMs": 2, "only": [], "clockResolutionNs": 20},
            "results": results, "skipped": [], "warnings": [], "interrupted": False}

def write(name, obj):
    with open(name, "w") as f:
        json.dump(obj, f, indent=2, sort_keys=True); f.write("\n")

bm = result_set("00000000-0000-4000-8000-0000000000b1", "bare-metal", "bm-1", "tsc", [
    result("sys.null", {}, "ns", "lower", [100.0, 101, 102, 103, 104, 105, 106]),
    result("mem.bw.triad", {"threads": "2"}, "GB/s", "higher", [10.0, 10.1, 10.2, 10.3, 10.4, 10.5]),
    result("timer.rdtsc", {}, "ns", "lower", [20.0] * 5),
    result("ctx.yield", {}, "ns", "lower", [500.0, 510, 520, 530]),
    result("cpu.cpuid", {}, "ns", "lower", [70.0, 71, 72, 73, 74]),
])
vm = result_set("00000000-0000-4000-8000-0000000000c1", "vm", "vm-1", "kvm-clock", [
    result("sys.null", {}, "ns", "lower", [110.0, 111, 112, 113, 114, 115, 116]),
    # MB/s, converted to the baseline's GB/s: medians 10.25 vs 9.25 GB/s.
    result("mem.bw.triad", {"threads": "2"}, "MB/s", "higher", [9000.0, 9100, 9200, 9300, 9400, 9500]),
    result("timer.rdtsc", {}, "ns", "lower", [20.0] * 5),
    result("ctx.yield", {}, "ns", "lower", [600.0, 610, 620, 630]),
    result("net.tcp_rr", {"peer": "a,b"}, "us", "lower", [30.0, 31, 32, 33, 34]),
])
write("bare-metal.json", bm)
write("vm.json", vm)

# Bad inputs: each must give an error naming the file.
text = json.dumps(vm, indent=2, sort_keys=True)
with open("bad/truncated.json", "w") as f: f.write(text[: len(text) // 2])
with open("bad/not-json.json", "w") as f: f.write("samples,median\n1,2\n")
v9 = copy.deepcopy(vm); v9["schemaVersion"] = 9; write("bad/version9.json", v9)
with open("bad/nan.json", "w") as f: f.write(text.replace("110.0", "NaN", 1))
empty = copy.deepcopy(vm); empty["results"][0]["samples"] = []; empty["results"][0]["summary"]["n"] = 0; empty["results"][0]["replicates"] = []; write("bad/empty-samples.json", empty)
wrong = copy.deepcopy(vm); wrong["results"][1]["unit"] = 5; write("bad/wrong-type.json", wrong)
