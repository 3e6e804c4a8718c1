import { createHmac } from "node:crypto";
import type { AlertInfo } from "../../contract";
import type { Logger } from "../logger";

/** Attempts per notification and URL; the waits between them double from the first. */
export const WEBHOOK_MAX_ATTEMPTS = 6;
export const WEBHOOK_FIRST_RETRY_MS = 1000;
const WEBHOOK_MAX_RETRY_MS = 60_000;
/** One request's time limit (connect, headers and status). */
export const WEBHOOK_TIMEOUT_MS = 5000;
/** Notifications (one per URL) waiting or in flight at most; more are dropped and counted. */
export const WEBHOOK_MAX_PENDING = 1000;

export const NOTIFICATION_OUTCOMES = ["sent", "retried", "failed", "dropped"] as const;
export type NotificationOutcome = (typeof NOTIFICATION_OUTCOMES)[number];

export interface WebhookSettings {
  urls: string[];
  /** ALERT_WEBHOOK_SECRET; null: the body is not signed. */
  secret: string | null;
}

/** The header value for a body: `sha256=<hex HMAC-SHA256 of the exact body bytes>`. */
export function signature(body: string, secret: string): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/**
 * POSTs each notification `{text, alert}` to every URL of ALERT_WEBHOOK_URLS, signed when a secret is
 * set. A failed attempt (network error, timeout, a status other than 2xx) is retried with doubling waits
 * up to WEBHOOK_MAX_ATTEMPTS; everything is asynchronous and bounded (WEBHOOK_MAX_PENDING), so a
 * receiver that is down or slow costs the router nothing. Only a URL's host is ever logged (webhook
 * paths carry tokens), never the secret or a response body.
 */
export class WebhookNotifier {
  readonly #settings: WebhookSettings;
  readonly #logger: Logger;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly counts: Record<NotificationOutcome, number> = { sent: 0, retried: 0, failed: 0, dropped: 0 };
  #pending = 0;
  #closed = false;

  constructor(settings: WebhookSettings, logger: Logger) {
    this.#settings = settings;
    this.#logger = logger;
  }

  /** Notifications waiting or in flight. */
  get pending(): number {
    return this.#pending;
  }

  /** Queues one notification per URL; returns at once. */
  notify(text: string, alert: AlertInfo): void {
    const body = JSON.stringify({ text, alert });
    const headers: Record<string, string> = { "Content-Type": "application/json", "User-Agent": "switchyard-alerts" };
    if (this.#settings.secret) headers["X-Switchyard-Signature"] = signature(body, this.#settings.secret);
    for (const url of this.#settings.urls) {
      if (this.#closed || this.#pending >= WEBHOOK_MAX_PENDING) {
        this.counts.dropped++;
        continue;
      }
      this.#pending++;
      void this.#attempt(url, headers, body, 1);
    }
  }

  async #attempt(url: string, headers: Record<string, string>, body: string, attempt: number): Promise<void> {
    let failure: string;
    try {
      const res = await fetch(url, { method: "POST", headers, body, redirect: "manual", signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS) });
      await res.body?.cancel();
      if (res.ok) {
        this.counts.sent++;
        this.#pending--;
        return;
      }
      failure = `HTTP ${res.status}`;
    } catch (err) {
      failure = (err as Error).name === "TimeoutError" ? "timed out" : "unreachable";
    }
    if (this.#closed || attempt >= WEBHOOK_MAX_ATTEMPTS) {
      this.counts.failed++;
      this.#pending--;
      this.#logger.warn({ host: hostOf(url), attempts: attempt, failure }, "alert webhook failed; gave up");
      return;
    }
    this.counts.retried++;
    const wait = Math.min(WEBHOOK_MAX_RETRY_MS, WEBHOOK_FIRST_RETRY_MS * 2 ** (attempt - 1));
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      void this.#attempt(url, headers, body, attempt + 1);
    }, wait);
    timer.unref();
    this.#timers.add(timer);
  }

  /** Stops retrying: notifications waiting for a retry are given up (counted as failed). */
  close(): void {
    this.#closed = true;
    for (const t of this.#timers) clearTimeout(t);
    this.counts.failed += this.#timers.size;
    this.#pending -= this.#timers.size;
    this.#timers.clear();
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return "(invalid url)";
  }
}
