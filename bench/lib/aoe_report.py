#!/usr/bin/env python3
"""Turns bench/aoe's raw records into its tables: medians per MTU, configuration and workload, the ratios
ENBD-J target / vblade and raw (AoE) / tcp, CPU seconds per GiB of each target process (and of the client
endpoint), and the issue's targets. Writes <out>.md and <out>.json and prints the Markdown."""
import argparse
import json
import statistics

CONFIGS = ["vblade", "enbd-aoe", "enbd-tcp"]
NAMES = {"vblade": "vblade (AoE)", "enbd-aoe": "ENBD-J target (AoE)", "enbd-tcp": "ENBD-J server (tcp)"}


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--workloads", required=True, help="lines of id|unit|rw|bs|depth")
    ap.add_argument("--meta", nargs="*", default=[])
    return ap.parse_args()


def fmt(v, digits=0):
    if v is None:
        return "n/a"
    return f"{v:,.{digits}f}"


def ratio(a, b):
    return None if a is None or b in (None, 0) else a / b


def fmt_ratio(r):
    return "n/a" if r is None else f"{r:.2f}x"


class Report:
    def __init__(self, args):
        self.workloads = [line.split("|") for line in args.workloads.strip().splitlines() if line.strip()]
        self.meta = dict(m.split("=", 1) for m in args.meta)
        self.records = [json.loads(line) for line in open(args.raw)]
        self.mtus = sorted({r["mtu"] for r in self.records})
        self.failures = [r for r in self.records if "skipped" in r]
        # enbd-aoe:NAME, targets from other builds of transport-raw (bench/aoe --variant), after the three
        self.variants = sorted({r["config"] for r in self.records if r["config"].startswith("enbd-aoe:")})

    def values(self, mtu, config, workload, key):
        out = []
        for r in self.records:
            if (r["mtu"], r["config"], r["workload"]) == (mtu, config, workload) and "value" in r:
                if key == "value":
                    out.append(r["value"])
                else:  # CPU seconds per GiB moved, of the target or of the client endpoint
                    out.append((r[key] / r["hz"]) / (r["bytes"] / 2**30))
        return out

    def median(self, mtu, config, workload, key="value"):
        v = self.values(mtu, config, workload, key)
        return statistics.median(v) if v else None

    def spread(self, mtu, config, workload):
        v = self.values(mtu, config, workload, "value")
        return (max(v) - min(v)) / 2 if len(v) > 1 else None

    def throughput_table(self, mtu):
        head = ["workload"] + [NAMES[c] for c in CONFIGS] + ["ENBD-J target / vblade", "raw / tcp"]
        rows = []
        for wid, unit, *_ in self.workloads:
            m = {c: self.median(mtu, c, wid) for c in CONFIGS}
            cells = []
            for c in CONFIGS:
                s = self.spread(mtu, c, wid)
                cells.append(fmt(m[c], 1 if unit != "IOPS" else 0) + ("" if s is None else f" ±{fmt(s)}"))
            rows.append([f"{wid} ({unit})"] + cells
                        + [fmt_ratio(ratio(m["enbd-aoe"], m["vblade"])), fmt_ratio(ratio(m["enbd-aoe"], m["enbd-tcp"]))])
        return table(head, rows)

    def cpu_table(self, mtu, key, what):
        head = ["workload"] + [NAMES[c] for c in CONFIGS] + ["ENBD-J target / vblade", "raw / tcp"]
        rows = []
        for wid, *_ in self.workloads:
            m = {c: self.median(mtu, c, wid, key) for c in CONFIGS}
            rows.append([wid] + [fmt(m[c], 2) for c in CONFIGS]
                        + [fmt_ratio(ratio(m["enbd-aoe"], m["vblade"])), fmt_ratio(ratio(m["enbd-aoe"], m["enbd-tcp"]))])
        return f"{what}, CPU seconds per GiB moved (lower is better):\n\n" + table(head, rows)

    def variant_table(self, mtu):
        head = ["workload", NAMES["enbd-aoe"]] + self.variants + [f"{v} / enbd-aoe" for v in self.variants] \
            + [f"{v} / vblade" for v in self.variants] + [f"{v} target CPU s/GiB" for v in self.variants]
        rows = []
        for wid, unit, *_ in self.workloads:
            base = self.median(mtu, "enbd-aoe", wid)
            m = {v: self.median(mtu, v, wid) for v in self.variants}
            rows.append([f"{wid} ({unit})", fmt(base)] + [fmt(m[v]) for v in self.variants]
                        + [fmt_ratio(ratio(m[v], base)) for v in self.variants]
                        + [fmt_ratio(ratio(m[v], self.median(mtu, "vblade", wid))) for v in self.variants]
                        + [fmt(self.median(mtu, v, wid, "target_ticks"), 2) for v in self.variants])
        return "Builds of transport-raw for the target (`--variant`), against the distribution's:\n\n" + table(head, rows)

    def targets(self):
        lines = []
        for mtu in self.mtus:
            below = []
            for wid, *_ in self.workloads:
                r = ratio(self.median(mtu, "enbd-aoe", wid), self.median(mtu, "vblade", wid))
                if r is None or r < 1.5:
                    below.append(f"{wid} {fmt_ratio(r)}")
            lines.append(f"- MTU {mtu}, ENBD-J target >= 1.5x vblade: " + ("met" if not below else "MISSED: " + ", ".join(below)))
            for wid in ("randread-4k-qd1", "randwrite-4k-qd1"):
                r = ratio(self.median(mtu, "enbd-aoe", wid), self.median(mtu, "enbd-tcp", wid))
                lines.append(f"- MTU {mtu}, raw >= tcp at {wid}: " + ("met" if r is not None and r >= 1.0 else "MISSED")
                             + f" ({fmt_ratio(r)})")
        return "\n".join(lines)

    def markdown(self):
        parts = ["# bench/aoe " + self.meta.get("enbd", ""), "",
                 "\n".join(f"- {k}: {v}" for k, v in self.meta.items()), ""]
        for mtu in self.mtus:
            parts += [f"## MTU {mtu}", "", "Medians (± half the spread across repetitions):", "",
                      self.throughput_table(mtu), "", self.cpu_table(mtu, "target_ticks", "Target process"), "",
                      self.cpu_table(mtu, "client_ticks", "Client endpoint (ENBD-J, the same for all three)"), ""]
            if self.variants:
                parts += [self.variant_table(mtu), ""]
        parts += ["## Targets", "", self.targets(), ""]
        if self.failures:
            parts += ["## Failed or skipped", ""] + [
                f"- rep {r['rep']} MTU {r['mtu']} {r['config']} {r['workload']}: {r['skipped']}" for r in self.failures] + [""]
        return "\n".join(parts)

    def as_json(self):
        out = {"meta": self.meta, "medians": {}}
        for mtu in self.mtus:
            for c in CONFIGS:
                for wid, unit, *_ in self.workloads:
                    out["medians"][f"{mtu}/{c}/{wid}"] = {
                        "value": self.median(mtu, c, wid), "unit": unit,
                        "target_cpu_s_per_gib": self.median(mtu, c, wid, "target_ticks"),
                        "client_cpu_s_per_gib": self.median(mtu, c, wid, "client_ticks")}
        out["failures"] = self.failures
        return out


def table(head, rows):
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def main():
    args = parse_args()
    report = Report(args)
    text = report.markdown()
    with open(args.out + ".md", "w") as f:
        f.write(text)
    with open(args.out + ".json", "w") as f:
        json.dump(report.as_json(), f, indent=1)
    print(text)
    print(f"written: {args.out}.md {args.out}.json")


if __name__ == "__main__":
    main()
