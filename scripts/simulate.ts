// `npm run simulate -- --users N --rate R [--url http://127.0.0.1:3000] [--duration S] [--agent NAME]`
// Drives realistic traffic through real socket.io clients against a running server.
import { parseArgs } from "node:util";
import { resolveAuthSecret } from "../server/auth/secret-files";
import { TokenService } from "../server/auth/tokens";
import { TrafficGenerator } from "../server/demo/traffic-generator";
import { loadConfig } from "../server/env";

const { values } = parseArgs({
  options: {
    users: { type: "string", default: "20" },
    rate: { type: "string", default: "10" },
    url: { type: "string" },
    duration: { type: "string", default: "0" },
    agent: { type: "string" },
  },
});
const config = loadConfig();
const url = values.url ?? `http://127.0.0.1:${config.PORT}`;
const users = Number(values.users);
const rate = Number(values.rate);
const duration = Number(values.duration);
if (!(users > 0) || !(rate > 0)) {
  process.stderr.write("usage: npm run simulate -- --users N --rate R [--url URL] [--duration seconds] [--agent NAME]\n");
  process.exit(2);
}
const tokens = new TokenService(resolveAuthSecret(config.AUTH_SECRET, config.DATA_DIR));
const generator = new TrafficGenerator({ url, users, rate, agent: values.agent, token: (id) => tokens.sign(id, "user", "24h") });

process.stdout.write(`Connecting ${users} users to ${url} ...\n`);
const started = Date.now();
await generator.start();
process.stdout.write(`Sending ${rate} messages/s in total. Ctrl-C to stop.\n`);

let last = { ...generator.counters };
const progress = setInterval(() => {
  const c = generator.counters;
  const line =
    `\r[${Math.round((Date.now() - started) / 1000)}s] connections ${c.connected} · sent ${c.sent} (+${c.sent - last.sent}/s) · ` +
    `ok ${c.acked} · rejected ${c.rejected} · events ${c.events} (+${c.events - last.events}/s) · runs ${c.runsStarted} ` +
    `(completed ${c.runsCompleted}, failed ${c.runsFailed})   `;
  process.stdout.write(line);
  last = { ...c };
}, 1000);

const stop = () => {
  clearInterval(progress);
  generator.stop();
  process.stdout.write("\nStopped.\n");
  process.exit(0);
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
if (duration > 0) setTimeout(stop, duration * 1000);
