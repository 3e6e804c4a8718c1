import type { TokenService } from "../auth/tokens";
import type { Logger } from "../logger";
import { TrafficGenerator } from "./traffic-generator";

/** The user-id prefix of DEMO_TRAFFIC users; fault injection is on for them only. */
export const DEMO_USER_PREFIX = "demo";

/** DEMO_TRAFFIC=1: simulated users talk to this node over real sockets so the dashboard is alive at once. */
export async function startDemoTraffic(url: string, tokens: TokenService, logger: Logger): Promise<() => void> {
  const generator = new TrafficGenerator({
    url,
    users: 12,
    rate: 6,
    token: (id) => tokens.sign(id, "user", "24h"),
    userPrefix: DEMO_USER_PREFIX,
    faultShare: 0.2,
  });
  await generator.start();
  logger.info({ users: 12, rate_per_s: 6 }, "demo traffic running");
  return () => generator.stop();
}

/** Whether `payload.simulate` is honoured for a user. */
export function faultPolicy(faultInjection: boolean, demoTraffic: boolean): (userId: string) => boolean {
  return (userId) => faultInjection || (demoTraffic && userId.startsWith(`${DEMO_USER_PREFIX}-`));
}
