#!/usr/bin/env bash
# The GPU path in one step: points DJL at the CUDA libtorch of this machine's Python PyTorch, then
# benchmarks the model on GPU and CPU and writes the results as docs/benchmarks/model.md has them.
set -euo pipefail

usage() {
  cat <<'USAGE'
Usage: runners/gpu/run.sh [--quick] [--cpu-only] [--torch-dir DIR] [--djl-src DIR] [--out DIR]

On a Linux x86_64 machine with an NVIDIA GPU and driver, a CUDA build of PyTorch for python3
(pip install torch), g++, curl, a JDK 17 and Maven, from the project's root, it:
  1. finds torch (python3 -c 'import torch'): its folder, version, CUDA flavour (cuNNN);
  2. builds DJL's JNI glue for that libtorch (runners/gpu/build-jni.sh, from DJL's sources on
     GitHub) into OUT/djl-cache/pytorch/<version>-<flavour>-linux-x86_64/, where DJL looks offline;
  3. writes OUT/env.sh: PYTORCH_LIBRARY_PATH, PYTORCH_VERSION, PYTORCH_FLAVOR,
     PYTORCH_LIBRARY_EXCLUSION (the wheel's test libraries), ENGINE_CACHE_DIR, and LD_LIBRARY_PATH
     with a libcudart.so link (DJL counts GPUs through JNA, which wants the unversioned name);
  4. builds the benchmark (mvn package; nothing installed) and runs ModelBenchmark --device=gpu,cpu:
     training throughput at batch 32/512/4096, scoring latency at batch 1/32/512, the same seeded
     training on both devices with holdout metrics and the scores compared;
  5. writes OUT/results.md. Then `source OUT/env.sh` before ./freshet train --device=gpu.

  --quick          smaller sizes (about a minute of benchmark instead of a few)
  --cpu-only       no GPU and no Python torch needed: DJL's bundled CPU libtorch, --device=cpu,cpu
                   (the second run checks seeded training is reproducible), and a check that
                   --device=gpu is refused with the diagnosis; a dry run of all but CUDA
  --torch-dir DIR  a libtorch tree (include/, lib/) instead of Python's, e.g. an unpacked libtorch
                   zip; PYTORCH_VERSION and PYTORCH_FLAVOR must then be set. With --cpu-only, a
                   CPU libtorch: all of the above but CUDA, on the CPU
  --djl-src DIR    a DJL source tree at the project's DJL version instead of the download
  --out DIR        where everything goes (default: target/gpu)
USAGE
}

root=$(cd "$(dirname "$0")/../.." && pwd)
out=$root/target/gpu quick="" cpu_only="" torch="" djl_src=()
while [[ $# -gt 0 ]]; do
  case $1 in
    -h | --help) usage; exit 0 ;;
    --quick) quick=1; shift ;;
    --cpu-only) cpu_only=1; shift ;;
    --torch-dir) torch=$(cd "$2" && pwd); shift 2 ;;
    --djl-src) djl_src=(--djl-src "$2"); shift 2 ;;
    --out) mkdir -p "$2"; out=$(cd "$2" && pwd); shift 2 ;;
    *) echo "unknown argument $1; see --help" >&2; exit 2 ;;
  esac
done
say() { echo "[run.sh $(date -u +%T)] $*" >&2; }
die() { echo "run.sh: $*" >&2; exit 1; }
cd "$root"
mkdir -p "$out"
djl=$(sed -n 's:.*<djl.version>\(.*\)</djl.version>.*:\1:p' pom.xml)
results=$out/results.md

say "the machine"
{
  echo "# Model benchmark, $(date -u +%F)"
  echo
  if [[ -z $cpu_only ]]; then
    nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | sed 's/^/- GPU: /'
  fi
  echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) threads"
  echo "- Java: $(java -version 2>&1 | head -1)"
} >"$results" || die "nvidia-smi failed: no NVIDIA driver here (--cpu-only runs without a GPU)"

if [[ -z $cpu_only || -n $torch ]]; then
  if [[ -z $torch ]]; then
    say "finding Python's torch"
    found=$(python3 - <<'PY'
import os, torch
print(f"torch={os.path.dirname(torch.__file__)}")
print(f"PYTORCH_VERSION={torch.__version__.split('+')[0]}")
print(f"PYTORCH_FLAVOR={'cu' + torch.version.cuda.replace('.', '') if torch.version.cuda else 'cpu'}")
print(f"torch_gpu='{torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'none'}'")
PY
) || die "python3 cannot import torch: pip install torch (a CUDA build), or give --torch-dir"
    torch_gpu=""
    eval "$found"
    echo "- PyTorch (Python): $PYTORCH_VERSION $PYTORCH_FLAVOR in $torch, sees GPU: $torch_gpu" >>"$results"
  fi
  : "${PYTORCH_VERSION:?set PYTORCH_VERSION for --torch-dir}" "${PYTORCH_FLAVOR:?set PYTORCH_FLAVOR for --torch-dir}"
  [[ -n $cpu_only || $PYTORCH_FLAVOR == cu* ]] || die "the torch in $torch is a CPU build ($PYTORCH_FLAVOR): install a CUDA one"
  lib=$torch/lib
  cache=$out/djl-cache
  jni=$cache/pytorch/$PYTORCH_VERSION-$PYTORCH_FLAVOR-linux-x86_64/$djl-libdjl_torch.so
  if [[ -f $jni ]]; then
    say "JNI glue already built: $jni"
  else
    say "building DJL $djl's JNI glue for libtorch $PYTORCH_VERSION $PYTORCH_FLAVOR"
    "$root/runners/gpu/build-jni.sh" "${djl_src[@]}" "$torch" "$jni"
  fi
  mkdir -p "$out/jna"
  if [[ $PYTORCH_FLAVOR == cu* ]]; then
    # DJL counts GPUs through JNA's "cudart": an unversioned libcudart.so on the library path.
    cudart=$(ldd "$lib/libtorch_cuda.so" | awk '/libcudart/ {print $3; exit}' || true)
    [[ -n $cudart && -f $cudart ]] || cudart=$(find "$(dirname "$torch")/nvidia" -name 'libcudart.so*' 2>/dev/null | head -1)
    [[ -n $cudart ]] || die "no libcudart for libtorch_cuda.so (ldd) nor beside $torch"
    ln -sf "$cudart" "$out/jna/libcudart.so"
  fi
  exclusion=$(find -L "$lib" -maxdepth 1 -name '*.so*' -printf '%f\n' | grep -E 'test|aoti_custom_ops|backend_with_compiler' | sort | paste -sd, - || true)
  cat >"$out/env.sh" <<ENV
# DJL $djl on libtorch $PYTORCH_VERSION $PYTORCH_FLAVOR (written by runners/gpu/run.sh): source it, then
# ./freshet train --device=gpu, or any java -Dai.djl.offline=true ... of the project.
export PYTORCH_LIBRARY_PATH=$lib
export PYTORCH_VERSION=$PYTORCH_VERSION
export PYTORCH_FLAVOR=$PYTORCH_FLAVOR
export PYTORCH_LIBRARY_EXCLUSION=$exclusion
export ENGINE_CACHE_DIR=$cache
export LD_LIBRARY_PATH=$out/jna:$lib\${LD_LIBRARY_PATH:+:\$LD_LIBRARY_PATH}
ENV
  # shellcheck source=/dev/null
  source "$out/env.sh"
  say "wrote $out/env.sh:"; grep '^export' "$out/env.sh" >&2
fi
devices=gpu,cpu
[[ -n $cpu_only ]] && devices=cpu,cpu

say "building the benchmark (mvn package, nothing installed)"
mvn -B -q package dependency:build-classpath -DskipTests -Dspotless.check.skip=true \
  -Dmdep.outputFile=target/classpath.txt -pl pipelines/bench -am
bench=(java -Xmx8g -Dai.djl.offline=true -DDJL_CACHE_DIR="$root/target/djl-cache" -Djna.library.path="$out/jna"
  -cp "pipelines/bench/target/classes:$(cat pipelines/bench/target/classpath.txt)"
  dev.freshet.pipelines.bench.model.ModelBenchmark)
sizes=()
[[ -n $quick ]] && sizes=(--trainExamples=4096 --iterations=200 --holdoutTrain=8000 --holdout=4000 --epochs=2)

if [[ -n $cpu_only ]]; then
  say "checking that --device=gpu is refused with the diagnosis"
  if "${bench[@]}" --device=gpu --sections=train 2>"$out/gpu-refused.txt"; then
    die "--device=gpu was accepted on a run meant to have no GPU"
  fi
  grep -q "device option 'gpu'" "$out/gpu-refused.txt" || die "unexpected refusal: $(cat "$out/gpu-refused.txt")"
  { echo "- \`--device=gpu\` here is refused with:"; echo; grep '^model-benchmark:' "$out/gpu-refused.txt" | sed 's/^/  > /'; } >>"$results"
fi

say "ModelBenchmark --device=$devices ${sizes[*]}"
{ echo; echo "\`ModelBenchmark --device=$devices ${sizes[*]}\`"; echo; } >>"$results"
timeout 1200 "${bench[@]}" --device="$devices" "${sizes[@]}" | tee -a "$results"
if [[ -z $cpu_only ]]; then
  nvidia-smi --query-gpu=name,memory.used,utilization.gpu --format=csv,noheader >&2
fi
say "done: $results"
