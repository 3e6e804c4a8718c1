import pino from "pino";

/** Structured logger. Tokens, cookies and message contents are never passed to it; redact is a backstop. */
export function createLogger(level: string, nodeId: string): pino.Logger {
  return pino({
    level,
    base: { node_id: nodeId },
    redact: {
      paths: ["token", "*.token", "authorization", "*.authorization", "cookie", "*.cookie", "content", "*.content"],
      censor: "[redacted]",
    },
  });
}

export type Logger = pino.Logger;
