#!/usr/bin/env bash
# `npm test`: everything, in the order that fails fastest. Each step names itself.
set -euo pipefail
cd "$(dirname "$0")/.."
export NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

bash scripts/ensure-chromium.sh

step "lint"
npx eslint . --max-warnings 0
step "format"
npx prettier --check . --log-level warn
step "typecheck"
npx tsc --noEmit
step "architecture (no import cycles, layers, file sizes)"
node scripts/check/architecture.mjs
step "unit tests"
npx vitest run --project unit
step "integration tests"
npx vitest run --project integration
step "attack tests (bystander p99 < 100 ms)"
npx vitest run --project attacks
step "build"
npx next build
step "e2e tests (Playwright, Debian Chromium)"
npx playwright test
