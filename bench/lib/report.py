#!/usr/bin/env python3
"""Turns bench/run's raw records (one JSON object per line) into the tables: medians per server,
ENBD-J/peer ratios, client engine vs direct, and the targets. Writes <out>.md and <out>.json and prints
the Markdown."""
import argparse
import json
import statistics

ENBD = ["enbd-memory", "enbd-file"]
PEERS = ["nbdkit-memory", "nbdkit-file", "qemu-nbd-file", "qemu-nbd-shm", "nbd-server-file"]
SLOWEST_PEER = "nbd-server-file"
# the TLS slot: ENBD-J's TLS server against nbdkit's (GnuTLS), same certificates and loads; kept out of the plain
# comparisons above so that TLS figures never count as a plain peer's
TLS_PAIR = ("enbd-memory-tls", "nbdkit-memory-tls")
# start and idle footprint records (bench/lib/start.sh): enbd-start-console-off|on, start-seconds and
# rss-after-start; not servers of the tables
START = "enbd-start-console-"


def parse_args():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--workloads", required=True, help="lines of id|unit|higher-or-lower")
    ap.add_argument("--meta", nargs="*", default=[])
    return ap.parse_args()


def load(raw_path):
    values, skipped = {}, {}
    with open(raw_path) as f:
        for line in f:
            rec = json.loads(line)
            key = (rec["server"], rec["workload"])
            if "value" in rec:
                values.setdefault(key, []).append(rec["value"])
            else:
                skipped[key] = rec["skipped"]
    return values, skipped


def fmt(v):
    if v is None:
        return "n/a"
    return f"{v:,.0f}" if abs(v) >= 100 else f"{v:.1f}"


def ratio(a, b, better):
    """a/b, so > 1 means ENBD-J has more; for lower-is-better figures the caller reads it inverted."""
    if a is None or b is None or b == 0:
        return None
    return a / b


def fmt_cores(v):
    return "n/a" if v is None else f"{v:.2f}"


def fmt_ratio(r):
    return "n/a" if r is None else f"{r:.2f}x"


class Report:
    def __init__(self, args):
        self.workloads = [tuple(l.split("|")) for l in args.workloads.split("\n") if l.strip()]
        self.values, self.skipped = load(args.raw)
        self.meta = dict(m.split("=", 1) for m in args.meta)
        self.servers = []
        for server, _ in list(self.values) + list(self.skipped):
            if server not in self.servers and not server.startswith(START):
                self.servers.append(server)
        order = ENBD + PEERS + list(TLS_PAIR)
        self.servers.sort(key=lambda s: (order.index(s) if s in order else len(order), s))

    def median(self, server, workload):
        v = self.values.get((server, workload))
        return statistics.median(v) if v else None

    def best(self, servers, workload, better):
        vals = [(self.median(s, workload), s) for s in servers if self.median(s, workload) is not None]
        if not vals:
            return None, None
        return (max if better == "higher" else min)(vals)

    def medians_table(self):
        notes, out = {}, []
        out.append("| workload | unit | " + " | ".join(self.servers) + " |")
        out.append("|---|---|" + "---|" * len(self.servers))
        for wid, unit, better in self.workloads:
            cells = []
            for s in self.servers:
                vals = self.values.get((s, wid))
                if vals:
                    med = statistics.median(vals)
                    spread = (max(vals) - min(vals)) / med * 100 if len(vals) > 1 and med else None
                    cells.append(fmt(med) + (f" ±{spread / 2:.0f}%" if spread is not None else ""))
                else:
                    why = self.skipped.get((s, wid), "not run")
                    n = notes.setdefault(why, len(notes) + 1)
                    cells.append(f"n/a [{n}]")
            out.append(f"| {wid} | {unit} ({better}) | " + " | ".join(cells) + " |")
        out.append("")
        out.append("± is half the spread (max-min) across repetitions, as a share of the median.")
        for why, n in notes.items():
            out.append(f"[{n}] {why}")
        return out

    def cpu_tables(self):
        """The server's CPU use per workload, and each figure divided by it: what one fully busy server core
        would do. The second is steadier than the raw figure when other processes share the machine."""
        servers = [s for s in self.servers if any(self.values.get((s, "cpu:" + w)) for w, _, _ in self.workloads)]
        if not servers:
            return ["(no CPU figures)"]
        util = ["| workload | " + " | ".join(servers) + " |", "|---|" + "---|" * len(servers)]
        eff = ["| workload | " + " | ".join(servers) + " | enbd-memory/best peer |",
               "|---|" + "---|" * (len(servers) + 1)]
        peers = [p for p in PEERS if p in servers]
        for wid, unit, better in self.workloads:
            if not any(self.values.get((s, "cpu:" + wid)) for s in servers):
                continue
            util.append(f"| {wid} | " + " | ".join(fmt_cores(self.median(s, "cpu:" + wid)) for s in servers) + " |")
            per_core = {s: self.per_core(s, wid) for s in servers}
            best = max((per_core[p] for p in peers if per_core[p]), default=None)
            eff.append(f"| {wid} ({unit} per core) | " + " | ".join(fmt(per_core[s]) for s in servers)
                       + f" | {fmt_ratio(ratio(per_core.get('enbd-memory'), best, better))} |")
        return (["Server CPU during each workload, in cores (1.00 = its whole pinned core):", ""] + util
                + ["", "Each figure per fully busy server core (figure / CPU above):", ""] + eff)

    def per_core(self, server, wid):
        v, c = self.median(server, wid), self.median(server, "cpu:" + wid)
        return v / c if v is not None and c else None

    def ratio_table(self, enbd):
        peers = [p for p in PEERS if p in self.servers]
        out = [f"| workload | " + " | ".join(f"{enbd}/{p}" for p in peers) + " | /fastest peer |",
               "|---|" + "---|" * (len(peers) + 1)]
        for wid, unit, better in self.workloads:
            mine = self.median(enbd, wid)
            cells = [fmt_ratio(ratio(mine, self.median(p, wid), better)) for p in peers]
            best, who = self.best(peers, wid, better)
            cells.append(fmt_ratio(ratio(mine, best, better)) + (f" ({who})" if who else ""))
            out.append(f"| {wid} ({better}) | " + " | ".join(cells) + " |")
        return out

    def client_table(self):
        pairs = [(s, s.split("@", 1)[1]) for s in self.servers if s.startswith("client@")]
        if not pairs:
            return ["(no client engine runs)"]
        out = ["| workload | " + " | ".join(f"{u} direct | via client | client/direct" for _, u in pairs) + " |",
               "|---|" + "---|---|---|" * len(pairs)]
        for wid, unit, better in self.workloads:
            cells = []
            for c, u in pairs:
                d, v = self.median(u, wid), self.median(c, wid)
                cells += [fmt(d), fmt(v), fmt_ratio(ratio(v, d, better))]
            out.append(f"| {wid} | " + " | ".join(cells) + " |")
        out.append("")
        out.append("RSS rows for client@... are the client engine's own RSS; for the direct column the server's.")
        return out

    def start_table(self):
        rows = [(c, self.values.get((START + c, "start-seconds")), self.values.get((START + c, "rss-after-start")))
                for c in ("off", "on")]
        if not any(t for _, t, _ in rows):
            return ["(not measured: no enbd-* server in this run)"]
        out = ["| console | listening after (s), median [all] | idle RSS (MiB), median [all] |", "|---|---|---|"]
        for c, t, r in rows:
            out.append(f"| {c} | {fmt(statistics.median(t)) if t else 'n/a'} {t or ''} | "
                       f"{fmt(statistics.median(r)) if r else 'n/a'} {r or ''} |")
        return out

    def tls_table(self):
        """enbd-memory-tls against nbdkit-memory-tls, and what each costs against its own plain server."""
        enbd, peer = TLS_PAIR
        if enbd not in self.servers and peer not in self.servers:
            return ["(no TLS servers in this run: --servers \"" + " ".join(TLS_PAIR) + "\")"]
        out = [f"| workload | {enbd} | {peer} | {enbd}/{peer} | TLS/plain enbd-memory | TLS/plain nbdkit-memory |",
               "|---|---|---|---|---|---|"]
        for wid, unit, better in self.workloads:
            e, p = self.median(enbd, wid), self.median(peer, wid)
            out.append(f"| {wid} ({unit}, {better}) | {fmt(e)} | {fmt(p)} | {fmt_ratio(ratio(e, p, better))} | "
                       f"{fmt_ratio(ratio(e, self.median('enbd-memory', wid), better))} | "
                       f"{fmt_ratio(ratio(p, self.median('nbdkit-memory', wid), better))} |")
        return out

    def targets(self):
        """The issue's targets, each with the figures that miss it."""
        res = {}
        throughput = [w for w in self.workloads if not w[0].startswith("rss")]
        peers = [p for p in PEERS if p in self.servers]
        miss_fast, miss_nbds = [], []
        for wid, unit, better in throughput:
            mine, who_mine = self.best(ENBD, wid, better)
            best, who = self.best(peers, wid, better)
            if mine is not None and best is not None and mine < best:
                miss_fast.append(f"{wid}: {fmt(mine)} ({who_mine}) < {fmt(best)} ({who}) = {mine / best:.2f}x")
            nbds = self.median(SLOWEST_PEER, wid)
            if mine is not None and nbds and mine < 1.5 * nbds:
                miss_nbds.append(f"{wid}: {mine / nbds:.2f}x")
        measured = any(self.values.get((e, w)) for e in ENBD for w, _, _ in throughput)
        res["ENBD-J >= 1.0x fastest peer on every figure"] = miss_fast if measured else None
        res["ENBD-J >= 1.5x nbd-server"] = miss_nbds if measured and SLOWEST_PEER in self.servers else None
        miss_client = []
        for c in [s for s in self.servers if s.startswith("client@")]:
            u = c.split("@", 1)[1]
            for wid, unit, better in throughput:
                d, v = self.median(u, wid), self.median(c, wid)
                if d and v is not None and v < 0.90 * d:
                    miss_client.append(f"{c} {wid}: {v / d:.2f}x of direct")
        clients = [c for c in self.servers if c.startswith("client@")]
        measured = any(self.values.get((c, w)) and self.values.get((c.split("@", 1)[1], w))
                       for c in clients for w, _, _ in throughput)
        res["client engine within 10% of direct (issue 17, goal 1)"] = miss_client if measured else None
        miss_file = []
        for wid, unit, better in throughput:
            e, p = self.median("enbd-file", wid), self.median("nbdkit-file", wid)
            if e is not None and p and e / p < 1.0:
                miss_file.append(f"{wid}: {e / p:.2f}x")
        measured = any(self.values.get(("enbd-file", w)) and self.values.get(("nbdkit-file", w))
                       for w, _, _ in throughput)
        res["enbd-file >= 1.0x nbdkit-file on every workload (issue 17, goal 3)"] = miss_file if measured else None
        start, rss = self.median(START + "off", "start-seconds"), self.median(START + "off", "rss-after-start")
        miss_start = []
        if start is not None and start >= 1.0:
            miss_start.append(f"listening after {start:.2f} s")
        if rss is not None and rss >= 64:
            miss_start.append(f"idle RSS {rss:.0f} MiB")
        res["enbd server --console off listening in < 1 s, idle RSS < 64 MiB (issue 17, goal 5)"] = (
            miss_start if start is not None else None)
        miss_rss = []
        # enbd-memory is left out: its RSS holds the data the clients wrote (compare it with nbdkit-memory)
        for s in ["enbd-file"] + [c for c in self.servers if c.startswith("client@")]:
            v = self.median(s, "rss-16-clients")
            if v is not None and v >= 256:
                miss_rss.append(f"{s}: {fmt(v)} MiB")
        measured = any(self.values.get((s, "rss-16-clients")) for s in ["enbd-file"] + clients)
        res["RSS < 256 MiB with 16 clients (enbd-file, client engine)"] = miss_rss if measured else None
        miss_tls = []
        for wid, unit, better in throughput:
            e, p = self.median(TLS_PAIR[0], wid), self.median(TLS_PAIR[1], wid)
            if e is not None and p is not None and e < p:
                miss_tls.append(f"{wid}: {e / p:.2f}x")
        # measured only where both sides have figures: a failed ENBD-J run must not read as "met"
        measured = any(self.values.get((TLS_PAIR[0], w)) and self.values.get((TLS_PAIR[1], w))
                       for w, _, _ in throughput)
        res["ENBD-J TLS >= nbdkit TLS on every figure"] = miss_tls if measured else None
        return res

    def markdown(self):
        m = self.meta
        out = ["# ENBD-J benchmark", ""]
        out += [f"- {k}: {v}" for k, v in m.items()]
        out += ["", "## Medians", ""] + self.medians_table()
        for e in ENBD:
            if e in self.servers:
                out += ["", f"## {e} / peer (> 1 means ENBD-J has more; for RSS lower is better)", ""]
                out += self.ratio_table(e)
        out += ["", "## TLS (X.509, the same certificates) vs nbdkit's TLS", ""] + self.tls_table()
        out += ["", "## Client engine (local endpoint) vs direct", ""] + self.client_table()
        out += ["", "## Server CPU", ""] + self.cpu_tables()
        out += ["", "## Start and footprint (enbd server, to its 'listening on' line; RSS 3 s later, no client)", ""]
        out += self.start_table()
        out += ["", "## Targets", ""]
        for target, misses in self.targets().items():
            if misses is None:
                out.append(f"- {target}: not measured")
            else:
                out.append(f"- {target}: " + ("met" if not misses else "MISSED: " + "; ".join(misses)))
        return "\n".join(out) + "\n"

    def as_json(self):
        return {
            "meta": self.meta,
            "workloads": [{"id": w, "unit": u, "better": b} for w, u, b in self.workloads],
            "servers": self.servers,
            "values": [{"server": s, "workload": w, "values": v, "median": statistics.median(v)}
                       for (s, w), v in self.values.items()],
            "skipped": [{"server": s, "workload": w, "reason": r} for (s, w), r in self.skipped.items()],
            "targets": self.targets(),
        }


def main():
    args = parse_args()
    report = Report(args)
    md = report.markdown()
    with open(args.out + ".md", "w") as f:
        f.write(md)
    with open(args.out + ".json", "w") as f:
        json.dump(report.as_json(), f, indent=1)
    print(md)
    print(f"written: {args.out}.md {args.out}.json")


if __name__ == "__main__":
    main()
