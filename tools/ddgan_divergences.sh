#!/usr/bin/env bash
# Chapter 2's equal-budget comparison: every row forks one trained state (the non-saturating T = 4 run at 17,500 iterations,
# committed at 43d3b6e as relay/ddgan-ns-t4) and trains 2,000 more iterations at its learning rates, then ships fp16 EMA weights
# and measures FID over five sample sets. Rerun it to continue: training resumes (--relay), eval skips measured rows.
# The non-saturating T = 4 row ships as ddgan-ns-t4-fork: ddgan-ns-t4 stays the long run's best checkpoint.
#   bash tools/ddgan_divergences.sh            all rows, in order;  bash tools/ddgan_divergences.sh tv-t4   one row
set -euo pipefail
cd "$(dirname "$0")/.."
MEGAPIX=${MEGAPIX:-.venv/bin/megapix}
FORK=runs/fork/ddgan-ns-t4
ITERS=${ITERS:-2000}
ROWS=${*:-ns-t4 hellinger-t4 rkl-t4 tv-t4 ns-t2 ns-t1 ns-t8}
if [ ! -f $FORK/state.pt ]; then
  mkdir -p runs/fork && git archive 43d3b6e relay/ddgan-ns-t4 | tar -x --strip-components=1 -C runs/fork; fi
for row in $ROWS; do
  loss=${row%-t*}; T=${row##*-t}; name=ddgan-$row; [ "$row" = ns-t4 ] && name=ddgan-ns-t4-fork
  drift=0; [ "$loss" = tv ] && drift=0.01   # TV's generator gradient dies without it (the chapter's TV section)
  if ! grep -q "\"fork\": \"$FORK\"" megapix/weights/$name/config.json 2>/dev/null; then   # not yet shipped from this design
    $MEGAPIX train ddgan --preset small --loss "$loss" --T "$T" --drift $drift --set lr_g=1e-4 --set lr_d=2e-4 \
      --set fork=$FORK --iters "$ITERS" --out runs/fork-$row --relay relay/$name --quiet
    $MEGAPIX export runs/fork-$row $name --fp16
    rm -rf relay/$name
  fi
  for seed in 0 1 2 3 4; do $MEGAPIX eval ddgan --ckpt $name --seed $seed; done
done
