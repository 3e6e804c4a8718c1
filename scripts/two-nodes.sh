#!/usr/bin/env bash
# Starts two Switchyard nodes on this machine sharing Redis and PostgreSQL (see docs/deploy.md).
#   bash scripts/two-nodes.sh            # nodes on :3001 and :3002
# Needs a production build (npm run build), PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379.
set -euo pipefail
cd "$(dirname "$0")/.."
export NODE_ENV=production NEXT_TELEMETRY_DISABLED=1 CHECKPOINT_DISABLE=1
export DATABASE_URL="${DATABASE_URL:-postgresql://postgres@127.0.0.1:5432/switchyard_cluster}"
export REDIS_URL="${REDIS_URL:-redis://127.0.0.1:6379}"
export REDIS_PREFIX="${REDIS_PREFIX:-switchyard-example}"
mkdir -p data
[ -f data/auth-secret ] || node -e 'require("fs").writeFileSync("data/auth-secret", require("crypto").randomBytes(32).toString("base64url")+"\n",{mode:0o600})'
export AUTH_SECRET="$(cat data/auth-secret)"
[ -f .next/BUILD_ID ] || npx next build
PORT=3001 NODE_ID=node-1 npx tsx server/index.ts &
PORT=3002 NODE_ID=node-2 npx tsx server/index.ts &
trap 'kill $(jobs -p) 2>/dev/null' EXIT INT TERM
for port in 3001 3002; do
  until curl -fs "http://127.0.0.1:$port/api/health" >/dev/null; do sleep 0.5; done
  echo "node on :$port: $(curl -s "http://127.0.0.1:$port/api/health")"
done
echo "Operator token: npm run token -- --sub ops --role operator"
wait
