#!/usr/bin/env bash
# Regenerates the report gallery: Reports/index.html and Reports/gallery/<report>/report.{html,pdf}, from the
# shipped data (Datasets/german, reachml's German data in Tests/ObligorRecourseTests/Fixtures) and seeded generated
# data (synthetic Freddie Mac files, a synthetic mortgage panel). Nothing is downloaded.
#
#   scripts/make-gallery.sh                 # builds obligor in release mode first
#   OBLIGOR_BIN=.build/debug/obligor scripts/make-gallery.sh
#
# PDFs are printed by headless Chromium (chromium, chromium-browser or google-chrome on PATH, or $OBLIGOR_CHROMIUM);
# without it the HTML reports are written and the index says the PDFs were skipped.
# Check the result in a real browser with scripts/check-reports.py.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export OPENBLAS_NUM_THREADS=1
if [[ -z "${OBLIGOR_BIN:-}" ]]; then
  scripts/ensure-system-packages.sh
  swift build -c release --product obligor >&2
  OBLIGOR_BIN="$(swift build -c release --show-bin-path)/obligor"
fi
bin="$(cd "$(dirname "$OBLIGOR_BIN")" && pwd)/$(basename "$OBLIGOR_BIN")"
chromium="${OBLIGOR_CHROMIUM:-$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)}"
out="$root/Reports/gallery"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export OBLIGOR_WORKSPACE="$work/obligor.sqlite"
rm -rf "$out"
mkdir -p "$out"/{evaluation,backtest,audit,recourse,portfolio}
# Commands run inside the scratch directory with relative file names, so no temporary path reaches a report.
cd "$work"
ob() { "$bin" "$@"; }
step() { printf '\n== %s\n' "$*" >&2; }
started=$SECONDS

print_pdf() {  # HTML → PDF with headless Chromium (same flags as obligor's --pdf)
  [[ -n "$chromium" ]] || return 0
  "$chromium" --headless --no-sandbox --disable-gpu --no-pdf-header-footer --print-to-pdf="$2" "file://$1" >/dev/null 2>&1
}
pdf_flag() { [[ -n "$chromium" ]] && echo "--pdf=$1" || true; }

step "German credit: import, stratified split, WoE scorecard, evaluation report"
# German credit has no record id: number the rows so scores join to records by id, not by position.
awk 'NR==1{print "id," $0; next} {print NR-1 "," $0}' "$root/Datasets/german/german.csv" > german.csv
ob data import german.csv --name german --target bad --id id --sensitive sex,personal_status_and_sex,age_in_years,foreign_worker
ob data split german --test-fraction 0.3 --seed 20261129
ob train --data german-train --model scorecard --name german-card
ob evaluate --model german-card --data german-test --report "$out/evaluation/report.html" > /dev/null
print_pdf "$out/evaluation/report.html" "$out/evaluation/report.pdf"

step "Bias audit of the scorecard on the hold-out: sex, age band, foreign worker, sex × age"
ob audit --model german-card --data german-test --threshold 0.3 \
  --sensitive sex --privileged male \
  --sensitive age_in_years --privileged '<=45' --band age_in_years:45 \
  --sensitive foreign_worker --privileged no --intersect sex,age_in_years \
  --seed 20240601 --bootstrap 1000 --min-group-size 30 \
  --title "Bias audit: German credit WoE scorecard (30% hold-out)" \
  --report "$out/audit/report.html" $(pdf_flag "$out/audit/report.pdf") > /dev/null

step "Out-of-time backtest on synthetic Freddie Mac loans (vintages 1999-2012, logit trained on ≤ 2004)"
ob data generate freddie --vintages 1999-2012 --loans-per-vintage 2000 --seed 20240601 --out freddie-files
args=()
for y in $(seq 1999 2012); do args+=(--origination "freddie-files/sample_orig_$y.txt" --performance "freddie-files/sample_svcg_$y.txt"); done
ob data import-freddie "${args[@]}" --name fm --horizon 24
echo '{"lambda_l2": 1.0}' > logit.json
ob train --data fm --model logit --name fm-logit --time vintage --train-until 2004 --config logit.json
ob backtest --model fm-logit --data fm --time vintage \
  --title "PD backtest: logit (vintages ≤ 2004) on synthetic Freddie Mac 2005–2012" \
  --report "$out/backtest/report.html" $(pdf_flag "$out/backtest/report.pdf") > /dev/null

step "Recourse verification on reachml's German data with its 'Actual' action set (reference logistic model)"
fix="$root/Tests/ObligorRecourseTests/Fixtures"
cp "$fix/german_processed.csv" german_processed.csv
cp "$fix/german_actionsets.json" actions.json
cp "$root/Reports/recourse-german/german_logistic.json" german_logistic.json
ob model import german_logistic.json --name german-lr --format logistic-json
ob recourse verify --model german-lr --data german_processed.csv --actions actions.json --action-set complex_nD --threshold 0.5 \
  --sensitive Male --sensitive Age --band Age:25,45 --sensitive ForeignWorker --report "$out/recourse/report.html" > /dev/null
print_pdf "$out/recourse/report.html" "$out/recourse/report.pdf"

step "Portfolio loss with joint frailty draws: GPBoost (Vecchia space-time GP) on a synthetic mortgage panel"
ob data generate mortgage-panel --seed 2 --n-loans 4000 --n-regions 100 --n-periods 16 --out panel
awk -F, 'NR==1{for(i=1;i<=NF;i++) if($i=="t") c=i; print; next} $c>=12' panel.csv > panel-test.csv
ob train --data panel.csv --target default --model gpboost --time t --train-until 11 --coords x,y \
  --features credit_score,ltv,dti,ir_spread,loan_age,orig_upb,first_time_buyer,investor,n_borrowers \
  --gp-approx vecchia --neighbors 20 --name gpb --threads 1
ob portfolio --model gpb --data panel-test.csv --sims 5000 --seed 1 \
  --title "Portfolio loss: GPBoost frailty model, periods 12–15 of a synthetic mortgage panel" \
  --report "$out/portfolio/report.html" $(pdf_flag "$out/portfolio/report.pdf") > /dev/null

# The index: one card per report, with the number of charts and PDF pages that scripts/check-reports.py expects.
svgs() { grep -o '<svg' "$1" | wc -l | tr -d ' '; }
pages() {  # page objects of a PDF: "/Type /Page" minus the "/Type /Pages" tree nodes
  [[ -f "$1" ]] || { echo 0; return; }
  local all tree
  all="$(LC_ALL=C grep -a -o '/Type */Page' "$1" | wc -l)"; tree="$(LC_ALL=C grep -a -o '/Type */Pages' "$1" | wc -l)"
  echo $((all - tree))
}
version="$("$bin" --version)"
card() {  # dir, title, description
  local dir="$1" html="$out/$1/report.html" pdf="$out/$1/report.pdf"
  local n; n="$(pages "$pdf")"
  local pdf_link='<span class="muted">PDF skipped (no headless Chromium when the gallery was made)</span>'
  if [[ "$n" -gt 0 ]]; then pdf_link="<a href=\"gallery/$dir/report.pdf\">PDF</a> <span class=\"muted\">($n pages)</span>"; fi
  printf '<section class="card" data-report="gallery/%s/report.html" data-charts="%s" data-pdf="%s" data-pdf-pages="%s">\n' \
    "$dir" "$(svgs "$html")" "$([[ $n -gt 0 ]] && echo "gallery/$dir/report.pdf")" "$n"
  printf '<h2><a href="gallery/%s/report.html">%s</a></h2>\n<p>%s</p>\n<p><a href="gallery/%s/report.html">HTML</a> · %s</p>\n</section>\n' \
    "$dir" "$2" "$3" "$dir" "$pdf_link"
}
{
  cat <<EOF
<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Obligor report gallery</title>
<style>
body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;max-width:1100px;margin:2em auto;color:#222;line-height:1.45}
h1{font-size:1.6em;border-bottom:2px solid #334;padding-bottom:.2em}h2{font-size:1.15em;margin:.2em 0 .4em}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(320px,1fr));gap:1em}
.card{border:1px solid #ccd;border-radius:8px;padding:.8em 1em;background:#fafbfd}
.muted{color:#667;font-size:.85em}a{color:#1d4ed8}code{font-size:.9em}
</style></head>
<body>
<h1>Obligor report gallery</h1>
<p>Example validation reports, each made by the <code>obligor</code> command line from the data shipped in this repository
or from seeded synthetic data. Every page is self-contained HTML (inline CSS and SVG charts, no scripts, no network) and
prints to PDF with headless Chromium. Regenerate all of them with <code>scripts/make-gallery.sh</code>; check them in a
real browser with <code>scripts/check-reports.py</code>.</p>
<p class="muted">${version}</p>
<div class="grid">
EOF
  card evaluation "Scorecard evaluation: German credit" \
    "WoE scorecard trained on a stratified 70% of German credit, evaluated on the 30% hold-out: AUC with DeLong CI, gains and calibration charts, decile calibration with binomial and Jeffreys tests, the scorecard with points."
  card backtest "Out-of-time PD backtest: synthetic Freddie Mac" \
    "Logit trained on vintages 1999–2004 of a generated Freddie Mac panel (2,000 loans per vintage, 24-month default window), backtested on 2005–2011 (2012 is left out: its 24-month window has not matured): AUC over time with DeLong band, AUC-drop test, PSI/CSI, per-grade Jeffreys traffic lights with Holm correction, vintage curves."
  card audit "Bias audit: German credit" \
    "Approval decisions of the scorecard at PD &lt; 0.3 by sex, age (≤ 45 vs &gt; 45), foreign-worker status and sex × age: SPD, DI, EOD, AOD with bootstrap intervals, four-fifths rule, Fisher tests with Holm correction, threshold sweeps."
  card recourse "Recourse verification: German credit" \
    "reachml's German data and its 'Actual' action set with the reference logistic model: which denied applicants can reach approval by feasible actions, certified fixed predictions with their explanations, recourse rates by sex, age band and foreign-worker status."
  card portfolio "Portfolio loss: GPBoost space-time frailty" \
    "GPBoost (trees + Vecchia Matérn space-time GP) on a generated mortgage panel, trained on periods 0–11; loss distributions of periods 12–15 with joint frailty draws against independent defaults: EL, 95% band, VaR and ES, PIT, pinball and CRPS of the realised loss."
  cat <<EOF
</div>
<p class="muted">Also in Reports/: <a href="german/report.html">German scorecard report</a> (scripts/german-report.sh),
<a href="audit-german/audit.html">bias audit</a>, <a href="backtest-freddie/report.html">Freddie backtest</a> and
<a href="recourse-german/report.html">recourse</a> examples with their own regenerate.sh scripts, and benchmark results in
<a href="benchmarks/">benchmarks/</a>.</p>
</body></html>
EOF
} > "$root/Reports/index.html"
echo "gallery: wrote Reports/index.html and $(ls "$out"/*/report.html | wc -l) reports in $((SECONDS - started)) s${chromium:+ (PDFs by $chromium)}" >&2
