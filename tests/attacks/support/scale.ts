/**
 * The sizes of every attack, in one place: reduced by default (each attack a few seconds, the suite
 * runs in `npm test`), the issue's own figures with `ATTACK_SCALE=full` (`npm run test:stress`).
 */
export const FULL = process.env.ATTACK_SCALE === "full";

const pick = <T>(reduced: T, full: T): T => (FULL ? full : reduced);

export const SCALE = {
  /** How long each attack runs. */
  attackMs: pick(4_000, 20_000),
  /** Attacks 1 and 2: messages in the attacker's thread, of `historyMessageChars` characters each. */
  historyMessages: pick(200, 1_000),
  historyMessageChars: 32_000,
  /** Attack 1: history requests per second from the connection that stopped reading. */
  nonReaderRequestsPerS: 40,
  /** Attack 2: history requests per second from a connection that reads. */
  readerRequestsPerS: 10,
  /** Attack 4: engine.io sockets that never authenticate, each sending `attachments` of about 1 MB. */
  unauthenticatedSockets: pick(50, 400),
  attachmentsAnnounced: 9,
  attachmentsSent: 8,
  attachmentBytes: 1_000_000,
  /** Attack 5: the node's MAX_CONNECTIONS, and the idle TCP sockets opened against it (some past the cap). */
  maxConnections: pick(200, 2_000),
  idleSockets: pick(250, 2_500),
  /** Attack 6: frames just under 1 MiB: nesting depth, array length. */
  nestingDepth: 450_000,
  arrayElements: 480_000,
  /** Attack 7: connections of the one user (MAX_CONNECTIONS_PER_USER), each sending runs at this rate. */
  fanOutConnections: 10,
  fanOutRunsPerS: 50,
  /** Attack 8: inspector subscribers that never read, and the users making traffic meanwhile. */
  inspectorSubscribers: 20,
  trafficUsers: pick(4, 8),
  /** Attack 9: trace rows seeded before the node starts, and the operator queries in parallel. */
  seededTraceRows: pick(200_000, 1_000_000),
  parallelTraceQueries: 4,
} as const;
