#!/usr/bin/env bash
# fashion_mnist --data_parallel under mpirun -np 2 and -np 1 (tests/distributed/mpirun.sh)
# against the single-process run with whole batches: the training loss of each of the 100
# steps the same to 1e-5 relative. The step is shard_map over the processes: each computes
# the loss of half of every batch, and the gradients come back all-reduced inside the jitted
# step (docs/distributed.md). In f64: in f32 the two agree to 2e-7
# for 21 steps, until a rounding difference (a sum of 128 terms against two of 64) flips a
# max-pool or ReLU decision, and then drift apart chaotically (7e-3 at worst by step 80).
set -euo pipefail
mpirun_sh=$1 binary=$2
shift 2
args=(--smoke --epochs=25 --batch_size=128 --dtype=f64 "$@")
dir=${TEST_TMPDIR:-$(mktemp -d)}
"$binary" "${args[@]}" --out_dir="$dir/alone" --loss_log="$dir/alone.txt" >"$dir/alone.out"
for np in 2 1; do
  "$mpirun_sh" "$np" "$binary" "${args[@]}" --data_parallel --out_dir="$dir/np$np" \
    --loss_log="$dir/np$np.txt" >"$dir/np$np.out"
  tail -n 3 "$dir/np$np.out"
  paste "$dir/alone.txt" "$dir/np$np.txt" | awk -v np="$np" '
    { d = $1 - $2; if (d < 0) d = -d; a = $1 < 0 ? -$1 : $1; r = d / a; if (r > worst) worst = r }
    END {
      printf "-np %d: %d steps, worst relative difference of the loss %.3g\n", np, NR, worst
      exit !(NR == 100 && worst <= 1e-5)
    }'
done
