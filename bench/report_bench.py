#!/usr/bin/python3
"""report_bench.py: `xquant report` beside onnxruntime running the same two models, same run.

For mobilenet_v2 (float + FX-PTQ QDQ from the fixture cache) and each N:
  xquant:  xquant report --float F --quantized Q --repr random:N:0 --val random:N:1
                         --batch-size B --threads T --report-dir TMP --quiet
  ORT:     node bench/run_ort_pair.js ... (float with all optimisations, QDQ unoptimised, the
           same 2 x N samples in batches of B, capturing nothing)
alternately, ROUNDS times, one fresh process per measurement (both sides load their models).
Prints the median wall times, ours / theirs (target <= 1.5), and our peak RSS (wait4) per N
(target: RSS at the largest N within 10% of RSS at the smallest).

Usage: bench/report_bench.py [--xquant PATH] [--fixtures DIR] [--samples 16,512] [--rounds 3]
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)


def find_xquant(arg):
    if arg:
        return arg
    candidates = [os.path.join(ROOT, d, "xquant") for d in os.listdir(ROOT) if d.startswith("build")]
    candidates = [c for c in candidates if os.access(c, os.X_OK)]
    if not candidates:
        sys.exit("report_bench: no xquant binary found; build it or pass --xquant")
    return max(candidates, key=os.path.getmtime)


def run_rss(cmd, env=None):
    """Like run(), with the child's own peak RSS from wait4 (KiB on Linux)."""
    import time
    start = time.monotonic()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.monotonic() - start
        code = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        if code != 0:
            sys.exit(f"report_bench: {' '.join(cmd[:2])} failed:\n{err.read().decode(errors='replace')[-2000:]}")
        return seconds, usage.ru_maxrss / 1024.0, out.read().decode(errors="replace")


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--xquant", default=None, help="xquant binary (default: newest build*/xquant)")
    p.add_argument("--fixtures", default=os.environ.get("XQ_FIXTURES_CACHE",
                                                        os.path.expanduser("~/.cache/xquant/fixtures")))
    p.add_argument("--node-modules", default=None, help="onnxruntime-node's node_modules (default: cache)")
    p.add_argument("--model", default="mobilenet_v2")
    p.add_argument("--samples", default="16,512", help="comma-separated N")
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--wait-policy", choices=["spin", "sleep"], default="spin",
                   help="how both sides' idle threads wait: spin (default: each engine's default, "
                        "libgomp's brief spinning, onnxruntime's allow_spinning=1) or sleep "
                        "(OMP_WAIT_POLICY=PASSIVE, allow_spinning=0; for a busy machine)")
    p.add_argument("--json", metavar="OUT", help="also write the measurements as JSON")
    args = p.parse_args()
    xq_env = dict(os.environ)
    xq_env.pop("OMP_WAIT_POLICY", None)
    if args.wait_policy == "sleep":
        xq_env["OMP_WAIT_POLICY"] = "PASSIVE"
    xquant = find_xquant(args.xquant)
    node_modules = args.node_modules or os.path.join(args.fixtures, "ort", "node_modules")
    float_model = os.path.join(args.fixtures, f"{args.model}_float.onnx")
    qdq_model = os.path.join(args.fixtures, f"{args.model}_qdq.onnx")
    for f in (float_model, qdq_model, node_modules):
        if not os.path.exists(f):
            sys.exit(f"report_bench: missing {f}; run tests/oracle/prepare_oracle.sh first")
    node = shutil.which("node") or "node"
    results = []
    for n in [int(s) for s in args.samples.split(",")]:
        ours, theirs, rss = [], [], []
        for r in range(args.rounds):
            with tempfile.TemporaryDirectory() as out_dir:
                xq_cmd = [xquant, "report", "--float", float_model, "--quantized", qdq_model,
                          "--repr", f"random:{n}:0", "--val", f"random:{n}:1", "--batch-size", str(args.batch),
                          "--threads", str(args.threads), "--report-dir", out_dir, "--quiet"]
                ort_cmd = [node, os.path.join(HERE, "run_ort_pair.js"), "--node-modules", node_modules,
                           "--threads", str(args.threads), "--batch", str(args.batch), "--samples", str(n),
                           "--datasets", "2", "--spinning", "1" if args.wait_policy == "spin" else "0",
                           float_model, qdq_model]
                order = [("xq", xq_cmd), ("ort", ort_cmd)] if r % 2 == 0 else [("ort", ort_cmd), ("xq", xq_cmd)]
                for who, cmd in order:
                    seconds, peak, _ = run_rss(cmd, xq_env if who == "xq" else None)
                    if who == "xq":
                        ours.append(seconds)
                        rss.append(peak)
                    else:
                        theirs.append(seconds)
        entry = {"samples": n, "batch": args.batch, "threads": args.threads, "xquant_s": ours, "ort_s": theirs,
                 "xquant_peak_rss_mib": rss, "ratio": statistics.median(ours) / statistics.median(theirs)}
        results.append(entry)
        print(f"N={n:5d}  xquant report {statistics.median(ours):7.2f} s   onnxruntime (2 models, no capture) "
              f"{statistics.median(theirs):7.2f} s   ratio {entry['ratio']:.2f} (target <= 1.5)   "
              f"xquant peak RSS {max(rss):.0f} MiB", flush=True)
    if len(results) >= 2:
        lo, hi = max(results[0]["xquant_peak_rss_mib"]), max(results[-1]["xquant_peak_rss_mib"])
        growth = hi / lo - 1.0
        print(f"peak RSS N={results[-1]['samples']} vs N={results[0]['samples']}: {growth * 100:+.1f}% "
              f"(target within 10%)")
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(results, fh, indent=1)


if __name__ == "__main__":
    main()
