#!/usr/bin/python3
"""compare_ort.py: xquant beside onnxruntime on the same machine, in the same run.

For each model of the torchvision set (float and QDQ) and each batch, runs
  xquant:  bench/xquant_model_bench --bench N --warmup W --threads T MODEL INPUT
  ORT:     node tests/oracle/run_ort.js --bench N --warmup W --opt LEVEL --threads T MODEL INPUT
alternately, ROUNDS times (one fresh process per measurement: both sides load, prepare, warm up
and time the same number of runs), and prints our median / its median against the targets:
  float: xquant <= 1.3 x onnxruntime with all graph optimisations   (--opt all)
  QDQ:   xquant <= 1.0 x onnxruntime running the same QDQ graph unoptimised (--opt disabled)
For QDQ models onnxruntime with all optimisations (its int8 kernels) is timed too, for
information. Peak RSS of every process comes from wait4(); see bench/README.md for how to read it.

Usage: bench/compare_ort.py [--xq-bench PATH] [--fixtures DIR] [--json OUT] [options]
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
RUN_ORT = os.path.join(ROOT, "tests", "oracle", "run_ort.js")
MODELS = ["resnet18", "mobilenet_v2", "mobilenet_v3_small", "efficientnet_b0", "squeezenet1_1",
          "shufflenet_v2_x0_5"]
# Target ratio (xquant / onnxruntime at the reference level) per model kind.
TARGETS = {"float": ("all", 1.3), "qdq": ("disabled", 1.0)}


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter,
                                epilog="The defaults took 4.5 minutes for all 24 cases on the shared 2-core machine.")
    p.add_argument("--xq-bench", default=os.environ.get("XQ_MODEL_BENCH"),
                   help="xquant_model_bench binary (default $XQ_MODEL_BENCH, else build*/bench/ under the "
                        "source tree, newest first)")
    p.add_argument("--fixtures", default=os.environ.get("XQ_FIXTURES_CACHE",
                                                        os.path.expanduser("~/.cache/xquant/fixtures")),
                   help="fixture cache holding <model>_{float,qdq}.onnx and <model>_input_b{1,8}.npy "
                        "(default $XQ_FIXTURES_CACHE, else ~/.cache/xquant/fixtures; made by "
                        "tests/oracle/prepare_oracle.sh)")
    p.add_argument("--node-modules", default=None,
                   help="node_modules with onnxruntime-node (default $ORT_NODE_MODULES, else FIXTURES/ort/"
                        "node_modules)")
    p.add_argument("--node", default=shutil.which("node") or "node", help="node executable")
    p.add_argument("--models", default=",".join(MODELS), help="comma-separated model names")
    p.add_argument("--kinds", default="float,qdq", help="comma-separated: float, qdq")
    p.add_argument("--batches", default="1,8", help="comma-separated batch sizes")
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--rounds", type=int, default=5, help="alternations of the engines per case")
    p.add_argument("--runs", default="1=10,8=3",
                   help="timed runs per process, per batch: B=N,... (default 1=10,8=3)")
    p.add_argument("--warmup", default="1=3,8=1", help="untimed runs per process, per batch (default 1=3,8=1)")
    p.add_argument("--no-ort-all-qdq", action="store_true",
                   help="skip the informational onnxruntime --opt all timing of QDQ models")
    p.add_argument("--wait-policy", choices=["spin", "sleep"], default="spin",
                   help="how both engines' idle threads wait, the same on both sides. spin (default): "
                        "each engine's own default, libgomp's brief spinning and onnxruntime's "
                        "allow_spinning=1, best on a quiet machine; sleep: OMP_WAIT_POLICY=PASSIVE and "
                        "allow_spinning=0, best on a busy one")
    p.add_argument("--timeout", type=float, default=300, help="seconds allowed per process")
    p.add_argument("--case-budget", type=float, default=30,
                   help="seconds of xquant runs allowed per case (model x batch); when the first round "
                        "shows more would be needed, both engines get fewer runs, then fewer rounds "
                        "(marked * in the table)")
    p.add_argument("--json", metavar="OUT", help="also write every measurement as JSON")
    return p.parse_args()


def per_batch(spec, batch):
    table = {}
    for item in spec.split(","):
        b, n = item.split("=")
        table[int(b)] = int(n)
    return table.get(batch, table[max(table)])


def find_xq_bench(arg):
    if arg:
        return arg
    candidates = []
    for d in os.listdir(ROOT):
        path = os.path.join(ROOT, d, "bench", "xquant_model_bench")
        if d.startswith("build") and os.access(path, os.X_OK):
            candidates.append(path)
    if not candidates:
        sys.exit("compare_ort: no xquant_model_bench found; build it (see bench/README.md) or pass --xq-bench")
    return max(candidates, key=os.path.getmtime)


def run_measured(cmd, env, timeout):
    """Runs cmd; returns (exit code, stdout, stderr, peak RSS of the child in KiB)."""
    with tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=err, env=env)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            out = proc.stdout.read()
            proc.stdout.close()
            # wait4 rather than wait(): its rusage is this child's own, ru_maxrss in KiB on Linux.
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = os.waitstatus_to_exitcode(status)
        finally:
            timer.cancel()
        err.seek(0)
        return proc.returncode, out.decode(errors="replace"), err.read().decode(errors="replace"), usage.ru_maxrss


def last_json_line(text):
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            return json.loads(line)
    raise ValueError("no JSON line in output")


def first_error_line(stderr, code):
    lines = [l for l in stderr.strip().splitlines() if l.strip()]
    if not lines:
        return f"exit code {code}"
    # xquant lists every op it has no kernel for, one per line: name them all on one line.
    missing = re.findall(r"no kernel for op '([^']+)'", stderr)
    if missing:
        return "no kernel for " + ", ".join(missing)
    # Node prints a stack; the message is the line starting with "Error".
    for l in lines:
        if "Error" in l and not l.lstrip().startswith("at "):
            return l.strip()[:200]
    return lines[0].strip()[:200]


class Side:
    """One engine configuration timed across rounds."""

    def __init__(self, name, make_cmd, env=None):
        self.name = name
        self.make_cmd = make_cmd  # (runs, warmup) -> argv
        self.env = env
        self.cmd = None
        self.wall_s = []
        self.medians = []
        self.rss_kb = []
        self.error = None
        self.extra = []

    def measure(self, runs, warmup, timeout):
        self.cmd = self.make_cmd(runs, warmup)
        start = time.monotonic()
        code, out, err, rss = run_measured(self.cmd, self.env, timeout)
        self.wall_s.append(time.monotonic() - start)
        if code != 0:
            self.error = first_error_line(err, code)
            return False
        try:
            result = last_json_line(out)
        except ValueError as e:
            self.error = f"{e}: {out[-200:]!r}"
            return False
        self.medians.append(result["median_ms"])
        self.rss_kb.append(rss)
        self.extra.append(result)
        return True

    def median(self):
        return statistics.median(self.medians) if self.medians else None

    def summary(self):
        return {"median_ms": self.median(), "round_medians_ms": self.medians,
                "peak_rss_mb": max(self.rss_kb) / 1024 if self.rss_kb else None,
                "error": self.error, "cmd": self.cmd, "process_wall_s": self.wall_s, "reports": self.extra}


def bench_case(args, xq_bench, node_modules, model, kind, batch):
    onnx = os.path.join(args.fixtures, f"{model}_{kind}.onnx")
    npy = os.path.join(args.fixtures, f"{model}_input_b{batch}.npy")
    for f in (onnx, npy):
        if not os.path.exists(f):
            return {"model": f"{model}_{kind}", "batch": batch, "error": f"missing {f}"}
    runs, warmup, rounds = per_batch(args.runs, batch), per_batch(args.warmup, batch), args.rounds

    def common(n, w):
        return ["--bench", str(n), "--warmup", str(w), "--threads", str(args.threads)]

    def ort(level):
        return lambda n, w: [args.node, RUN_ORT, "--node-modules", node_modules] + common(n, w) + [
            "--opt", level, "--spinning", ort_spinning(args), onnx, npy]

    ref_level, target = TARGETS[kind]
    xq = Side("xquant", lambda n, w: [xq_bench] + common(n, w) + [onnx, npy], xq_env(args))
    ref = Side(f"ort_{ref_level}", ort(ref_level))
    sides = [xq, ref]
    info = None
    if kind == "qdq" and not args.no_ort_all_qdq:
        info = Side("ort_all", ort("all"))
        sides.append(info)

    # Alternate the engines; rotate who goes first so no engine always runs on a machine another
    # process just warmed (or just heated). Round 0 starts with xquant: its time sizes the rest.
    reduced = False
    r = 0
    while r < rounds:
        k = r % len(sides)
        for side in sides[k:] + sides[:k]:
            if not side.error:
                side.measure(runs, warmup, args.timeout)
            if xq.error:  # nothing to compare against; don't spend the time on onnxruntime
                break
            if r == 0 and side is xq:
                runs, warmup, rounds, reduced = fit_budget(args.case_budget, xq.medians[0], runs, warmup,
                                                           rounds)
        if xq.error:
            break
        r += 1

    result = {"model": f"{model}_{kind}", "kind": kind, "batch": batch, "threads": args.threads,
              "runs_per_process": runs, "warmup_per_process": warmup, "rounds": rounds,
              "reduced_to_fit_budget": reduced,
              "target_ratio": target, "xquant": xq.summary(),
              "ort": dict(ref.summary(), opt=ref_level)}
    if info:
        result["ort_all_info"] = info.summary()
    if xq.error or ref.error:
        result["error"] = f"xquant: {xq.error}" if xq.error else f"onnxruntime: {ref.error}"
        return result
    result["ratio"] = xq.median() / ref.median()
    # Rounds run back to back, so per-round ratios cancel slow drifts of the machine's load; their
    # spread says how far to trust the ratio.
    paired = [a / b for a, b in zip(xq.medians, ref.medians)]
    result["round_ratios"] = paired
    result["pass"] = result["ratio"] <= target
    if info and not info.error:
        result["ratio_vs_ort_all"] = xq.median() / info.median()
    return result


def xq_env(args):
    """xquant's environment for the wait policy. Under "sleep" OpenMP's idle threads sleep
    (OMP_WAIT_POLICY=PASSIVE), as onnxruntime's do with allow_spinning=0; on a busy machine
    spinning threads steal the cores the working ones need (measured: 4-100x slower). Under "spin"
    both engines keep their defaults."""
    env = dict(os.environ)
    if args.wait_policy == "sleep":
        env["OMP_WAIT_POLICY"] = "PASSIVE"
    else:
        env.pop("OMP_WAIT_POLICY", None)
    return env


def ort_spinning(args):
    return "1" if args.wait_policy == "spin" else "0"


def fit_budget(budget_s, run_ms, runs, warmup, rounds):
    """Fewer runs (then rounds) when xquant's runs alone would take more than budget_s per case.

    Both engines always get the same runs and warmup, so the comparison stays like for like; only
    its precision drops, which matters little when xquant is that slow. Returns the new
    (runs, warmup, rounds, reduced)."""
    per_run = run_ms / 1000
    if per_run * (runs + warmup) * rounds <= budget_s:
        return runs, warmup, rounds, False
    warmup = min(warmup, 1)
    runs = max(1, int(budget_s / rounds / per_run) - warmup)
    rounds = max(2, min(rounds, int(budget_s / (per_run * (runs + warmup)))))
    if per_run * (runs + warmup) * rounds > budget_s:
        warmup = 0  # first-run costs (page faults, allocation) vanish next to runs this slow
    return runs, warmup, rounds, True


def fmt(x, spec):
    return "-" if x is None else format(x, spec)


def print_table(results, args, elapsed):
    print()
    print(f"xquant vs onnxruntime, {args.threads} threads, median of {args.rounds} rounds "
          f"(each the median of --runs {args.runs} after --warmup {args.warmup}); {elapsed:.0f} s")
    print(f"wait policy {args.wait_policy}: xquant OMP_WAIT_POLICY={xq_env(args).get('OMP_WAIT_POLICY', '(unset)')}; "
          f"onnxruntime allow_spinning={ort_spinning(args)}")
    print("ratio = xquant ms / onnxruntime ms at the reference level (float: --opt all, QDQ: --opt disabled); "
          "[range] = per-round ratios")
    header = (f"{'model':<26}{'batch':>5}{'xquant ms':>11}{'ORT ms':>10}{'ratio':>7}  {'[range]':<15}"
              f"{'target':>7}{'':>2}{'verdict':<8}{'ORT-all ms':>11}{'vs all':>8}{'xq MB':>8}{'ORT MB':>8}")
    print(header)
    print("-" * len(header))
    for r in results:
        name, batch = r["model"] + ("*" if r.get("reduced_to_fit_budget") else ""), r["batch"]
        if "ratio" not in r:
            print(f"{name:<26}{batch:>5}  {r.get('error', 'error')[:150]}")
            continue
        ref = r["ort"]
        paired = r["round_ratios"]
        rng = f"[{min(paired):.2f}-{max(paired):.2f}]"
        info = r.get("ort_all_info")
        info_ms = info["median_ms"] if info and not info["error"] else None
        print(f"{name:<26}{batch:>5}{r['xquant']['median_ms']:>11.2f}{ref['median_ms']:>10.2f}{r['ratio']:>7.2f}  "
              f"{rng:<15}{'<=' + format(r['target_ratio'], '.1f'):>7}{'':>2}{'pass' if r['pass'] else 'MISS':<8}"
              f"{fmt(info_ms, '.2f'):>11}{fmt(r.get('ratio_vs_ort_all'), '.2f'):>8}"
              f"{fmt(r['xquant']['peak_rss_mb'], '.0f'):>8}{fmt(ref['peak_rss_mb'], '.0f'):>8}")
    measured = [r for r in results if "ratio" in r]
    print(f"\n{sum(r['pass'] for r in measured)}/{len(measured)} measured cases meet their target; "
          f"{len(results) - len(measured)} not measured.")
    print("MB = peak RSS of the measuring process (onnxruntime's includes node's ~50 MB).")
    if any(r.get("reduced_to_fit_budget") for r in results):
        print(f"* = xquant too slow for --case-budget {args.case_budget:g} s: fewer runs/rounds, the same for "
              "both engines (see --json for the counts).")


def main():
    args = parse_args()
    xq_bench = find_xq_bench(args.xq_bench)
    node_modules = args.node_modules or os.environ.get("ORT_NODE_MODULES") or os.path.join(
        args.fixtures, "ort", "node_modules")
    if not os.path.isdir(os.path.join(node_modules, "onnxruntime-node")):
        sys.exit(f"compare_ort: no onnxruntime-node in {node_modules}; run tests/oracle/prepare_oracle.sh "
                 "(or tests/oracle/setup_ort.sh) or pass --node-modules")
    print(f"compare_ort: xquant {xq_bench}\ncompare_ort: fixtures {args.fixtures}", file=sys.stderr)

    start = time.monotonic()
    results = []
    for model in args.models.split(","):
        for kind in args.kinds.split(","):
            for batch in (int(b) for b in args.batches.split(",")):
                t0 = time.monotonic()
                r = bench_case(args, xq_bench, node_modules, model, kind, batch)
                status = f"ratio {r['ratio']:.2f}" if "ratio" in r else r.get("error", "")[:120]
                print(f"compare_ort: {r['model']} b{batch}: {status} ({time.monotonic() - t0:.0f} s)",
                      file=sys.stderr, flush=True)
                results.append(r)
    elapsed = time.monotonic() - start
    print_table(results, args, elapsed)
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"threads": args.threads, "rounds": args.rounds, "runs": args.runs, "warmup": args.warmup,
                       "xquant_bench": xq_bench, "fixtures": args.fixtures,
                       "wait_policy": args.wait_policy, "elapsed_s": elapsed,
                       "cases": results}, f, indent=1)
            f.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
